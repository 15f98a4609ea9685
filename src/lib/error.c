#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

sm_status sm_fail(sm_error *err, sm_status status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

sm_status sm_fail_prefix(sm_error *err, const char *fmt, ...)
{
    if (!err)
        return SM_EFAIL;
    char old[SM_ERROR_MSG_MAX];
    memcpy(old, err->msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %.*s",
                 (int)(sizeof err->msg - (size_t)n), old);
    return err->status;
}

sm_status sm_fail_nomem(sm_error *err, const char *what)
{
    return sm_fail(err, SM_EFAIL, "%s: out of memory", what);
}

void sm_error_clear(sm_error *err)
{
    if (err) {
        err->status = SM_OK;
        err->msg[0] = '\0';
    }
}
