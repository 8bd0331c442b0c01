#ifndef SMARTMETER_CLINUX_SHIM_H
#define SMARTMETER_CLINUX_SHIM_H
/* Linux calls Swift cannot make directly (prctl is variadic). Header only, nothing to link. */
#include <sys/prctl.h>

/* Makes the process non-dumpable: no core file, no ptrace by other processes of the same user, /proc/<pid> files
   owned by root. Returns 0 on success. */
static inline int smartmeter_forbid_dumps(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }
#endif
