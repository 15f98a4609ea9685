/* numparse.h - fast, exact parsing of decimal reals.
 *
 * sm_parse_decimal reads [+-](d+[.d*]|.d+)[(e|E)[+-]d+] (C locale, no hex, no
 * nan/inf, no leading blanks) from s and returns the double that strtod would
 * return, bit for bit: the correctly rounded value (round to nearest even).
 * Most data values (at most 19 significant digits, exponent within the range
 * where both the digits and the power of ten are exact doubles) take an
 * exact one-operation fast path (Clinger); everything else goes to strtod.
 * *end is set past the number, or to s when s holds no number.
 * Returns 1 when a number was read, 0 when not (syntax error).
 * The byte after the number must not be one strtod could consume as part of
 * it (a blank, '#', '\r', '\n', NUL or ':' are all fine).
 */
#ifndef SM_NUMPARSE_H
#define SM_NUMPARSE_H

int sm_parse_decimal(const char *s, const char **end, double *out);

#endif
