#ifndef SMARTMETER_CLIBPQ_SHIM_H
#define SMARTMETER_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
