#ifndef SMARTMETER_CLIBCRYPTO_SHIM_H
#define SMARTMETER_CLIBCRYPTO_SHIM_H
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#endif
