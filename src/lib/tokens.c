/* tokens.c - splitting a line into tokens, strict numbers, and messages that
 * quote a token. */
#include "tokens.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TOKEN_SHOWN_MAX = 60 }; /* bytes of a bad token quoted in a message */

/* Next blank-separated token; 0 at the end of the line or where a '#' comment
 * starts (also right after a token, as in "3:1#note"). */
int token_next(const char *line, size_t len, size_t *pos, sm_token *t)
{
    size_t i = *pos;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i >= len || line[i] == '#') {
        *pos = len;
        return 0;
    }
    size_t start = i;
    while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '#')
        i++;
    t->s = line + start;
    t->len = i - start;
    t->col = start + 1;
    *pos = i;
    return 1;
}

/* Quote a token for a message: printable ASCII as is, the rest escaped, long
 * tokens cut, so a binary file yields a readable one-line message. */
static void show_token(const sm_token *t, char *out, size_t cap)
{
    size_t o = 0, n = t->len < TOKEN_SHOWN_MAX ? t->len : TOKEN_SHOWN_MAX;
    for (size_t i = 0; i < n && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)t->s[i];
        if (c == '"' || c == '\\')
            o += (size_t)snprintf(out + o, cap - o, "\\%c", c);
        else if (c == '\r')
            o += (size_t)snprintf(out + o, cap - o, "\\r");
        else if (c >= 0x20 && c < 0x7f)
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
    }
    if (n < t->len && o + 4 < cap)
        o += (size_t)snprintf(out + o, cap - o, "...");
    out[o] = '\0';
}

sm_status token_fail(sm_error *err, const char *name, int64_t lineno, const sm_token *t,
                     const char *fmt, ...)
{
    char what[512], shown[4 * TOKEN_SHOWN_MAX + 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    show_token(t, shown, sizeof shown);
    return sm_fail(err, SM_EDATA, "%s:%lld:%zu: %s \"%s\"", name, (long long)lineno, t->col, what,
                   shown);
}

/* ---- numbers ---- */

const char *const real_problem[] = {
    [REAL_OK] = "is fine",
    [REAL_EMPTY] = "is missing",
    [REAL_SYNTAX] = "is not a number",
    [REAL_NONFINITE] = "must be finite (NaN and infinity are not allowed)",
    [REAL_HEX] = "must be written in decimal (hexadecimal is not allowed)",
    [REAL_RANGE] = "is out of range for a double",
};

static size_t count_digits(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

static int equals_ci(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 0x20) != word[i])
            return 0;
    return 1;
}

/* A decimal real in C syntax: [+-](d+[.d*]|.d+)[(e|E)[+-]d+]. strtod accepts
 * more (hex, nan, inf, leading blanks), so the syntax is checked here and
 * strtod only does the correctly rounded conversion. s[len] must be a byte
 * that cannot continue a number (see tokens.h). */
real_status token_real(const char *s, size_t len, double *out)
{
    if (len == 0)
        return REAL_EMPTY;
    size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    const char *body = s + i;
    size_t body_len = len - i;
    int first = body_len ? body[0] | 0x20 : 0;
    if ((first == 'n' || first == 'i') &&
        (equals_ci(body, body_len, "nan") || equals_ci(body, body_len, "inf") ||
         equals_ci(body, body_len, "infinity") ||
         (body_len >= 4 && equals_ci(body, 4, "nan(") && body[body_len - 1] == ')')))
        return REAL_NONFINITE;
    if (body_len >= 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X'))
        return REAL_HEX;
    size_t int_digits = count_digits(s + i, len - i);
    i += int_digits;
    size_t frac_digits = 0;
    if (i < len && s[i] == '.') {
        i++;
        frac_digits = count_digits(s + i, len - i);
        i += frac_digits;
    }
    if (int_digits + frac_digits == 0)
        return REAL_SYNTAX;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t exp_digits = count_digits(s + i, len - i);
        if (exp_digits == 0)
            return REAL_SYNTAX;
        i += exp_digits;
    }
    if (i != len)
        return REAL_SYNTAX;
    char *end;
    double v = strtod(s, &end);
    /* Only a locale whose decimal point is not '.' could stop strtod early. */
    if (end != s + len)
        return REAL_SYNTAX;
    if (isinf(v))
        return REAL_RANGE; /* underflow is fine: the result is still correctly rounded */
    *out = v;
    return REAL_OK;
}

/* Leading decimal digits of s as a value, saturating: *too_large is set when
 * the digits exceed max. Returns the number of digits. */
size_t token_uint(const char *s, size_t len, int64_t max, int64_t *out, int *too_large)
{
    int64_t v = 0;
    size_t i = 0;
    *too_large = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        int d = s[i] - '0';
        if (*too_large || v > (max - d) / 10)
            *too_large = 1;
        else
            v = v * 10 + d;
    }
    *out = v;
    return i;
}

/* The token that starts at 1-based column col. */
sm_token token_at(const char *line, size_t len, size_t col)
{
    size_t pos = col - 1;
    sm_token t = {line + pos, 0, col};
    token_next(line, len, &pos, &t);
    return t;
}
