#ifndef SMARTMETER_CLIBPQ_SHIM_H
#define SMARTMETER_CLIBPQ_SHIM_H
/* Types and constants only: the library is loaded with dlopen (Delivery/PostgreSQL/LibPQ.swift), not linked. */
#include <postgresql/libpq-fe.h>
#endif
