#ifndef SMARTMETER_CINIPARSER_SHIM_H
#define SMARTMETER_CINIPARSER_SHIM_H
#include <stdarg.h>
#include <iniparser/iniparser.h>

/* iniparser reports syntax errors through a printf-like callback, which Swift cannot implement. The loader finds
   and reports those lines itself, so the library's own messages are silenced. */
static inline int smartmeter_iniparser_silent_error(const char *format, ...) {
    (void)format;
    return 0;
}

static inline void smartmeter_iniparser_silence_errors(void) {
    iniparser_set_error_callback(smartmeter_iniparser_silent_error);
}
#endif
