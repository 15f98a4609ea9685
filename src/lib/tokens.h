/* tokens.h - the tokens of a line of text, as the data, group and score
 * readers see them.
 *
 * Tokens are separated by spaces or tabs; a '#' starts a comment (also right
 * after a token, as in "3:1#note"). Numbers are strict: a real is
 * [+-](d+[.d*]|.d+)[(e|E)[+-]d+] in the C locale, finite, no hexadecimal;
 * an unsigned integer is decimal digits. The byte after a token's text must
 * be one that cannot continue a number (a blank, '#', '\r', '\n' or NUL), so
 * numbers are parsed in place. token_fail makes the readers' one message
 * shape: "NAME:LINE:COLUMN: what is wrong \"token\"".
 */
#ifndef SM_TOKENS_H
#define SM_TOKENS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct {
    const char *s;
    size_t len;
    size_t col; /* 1-based byte column */
} sm_token;

/* The next token of line[0..len) from *pos (advanced past it); 0 at the end
 * of the line or where a comment starts. */
int token_next(const char *line, size_t len, size_t *pos, sm_token *t);
/* The token that starts at 1-based column col. */
sm_token token_at(const char *line, size_t len, size_t col);

/* SM_EDATA with "NAME:LINE:COLUMN: <what> \"token\"", the token quoted
 * readably (printable ASCII as is, the rest escaped, long tokens cut). */
sm_status token_fail(sm_error *err, const char *name, int64_t lineno, const sm_token *t,
                     const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

typedef enum { REAL_OK, REAL_EMPTY, REAL_SYNTAX, REAL_NONFINITE, REAL_HEX, REAL_RANGE } real_status;
/* The problem of a status, to follow the thing's name: "is not a number", ... */
extern const char *const real_problem[];
/* A strict real in s[0..len), correctly rounded (strtod's value). */
real_status token_real(const char *s, size_t len, double *out);
/* Leading decimal digits of s[0..len) as a value, saturating: *too_large is
 * set when they exceed max. Returns the number of digits. */
size_t token_uint(const char *s, size_t len, int64_t max, int64_t *out, int *too_large);

#endif
