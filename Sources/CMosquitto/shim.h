#ifndef SMARTMETER_CMOSQUITTO_SHIM_H
#define SMARTMETER_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#endif
