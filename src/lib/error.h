/* error.h - status codes and error messages shared by every engine module.
 *
 * Contract: engine functions never print and never exit. A function that can
 * fail returns an sm_status and, when it fails, fills an sm_error with a
 * one-line message (no trailing newline) that already names the file, line and
 * column or the offending option/spec fragment. The CLI layer prints
 * "smloss: <msg>" and exits with the status, so the status values are the
 * documented exit codes of the program (see man/smloss.1, EXIT STATUS).
 */
#ifndef SM_ERROR_H
#define SM_ERROR_H

#include <stddef.h>

typedef enum {
    SM_OK = 0,
    SM_EFAIL = 1,     /* internal error, out of memory */
    SM_EUSAGE = 2,    /* bad command line: unknown option, bad value, bad link spec */
    SM_EDATA = 3,     /* malformed input: data file, group file, model file */
    SM_EIO = 4,       /* cannot open, read or write a file */
    SM_EDIVERGED = 5, /* training produced a non-finite loss, gradient or weight */
    SM_EINTERRUPTED = 6 /* stopped by the caller (e.g. a signal) */
} sm_status;

#define SM_ERROR_MSG_MAX 1024

typedef struct {
    sm_status status;
    char msg[SM_ERROR_MSG_MAX];
} sm_error;

/* Format a message into err (if non-NULL) and return status, so failing
 * paths read `return sm_fail(err, SM_EDATA, "%s:%ld: ...", ...);`. */
sm_status sm_fail(sm_error *err, sm_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Prefix an existing message: "context: old message". */
sm_status sm_fail_prefix(sm_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* SM_EFAIL with "WHAT: out of memory" (what: a file's display name, or what
 * was being allocated). */
sm_status sm_fail_nomem(sm_error *err, const char *what);

/* An empty message and SM_OK (tests and fuzzers start from a clear error). */
void sm_error_clear(sm_error *err);

#endif
