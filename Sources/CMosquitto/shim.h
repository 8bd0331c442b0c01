#ifndef SMARTMETER_CMOSQUITTO_SHIM_H
#define SMARTMETER_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
/* The TLS handshake's verification result, to name why a broker's certificate was refused. */
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#endif
