/* numfmt.h - printing doubles so that they read back exactly.
 *
 * Model files, link specs, predictions and machine-readable reports must
 * round-trip bit-exactly, yet a person reads them too: "0.05" beats
 * "0.050000000000000003". sm_format_double prints the shortest of %.15g,
 * %.16g and %.17g that strtod maps back to the same double (C locale).
 */
#ifndef SM_NUMFMT_H
#define SM_NUMFMT_H

#include <stddef.h>

/* Returns the length (snprintf-style); size >= 32 always suffices. */
int sm_format_double(char *buf, size_t size, double v);

#endif
