/* numfmt.c - shortest exact decimal of a double. */
#include "numfmt.h"

#include <stdio.h>
#include <stdlib.h>

int sm_format_double(char *buf, size_t size, double v)
{
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (prec == 17 || strtod(tmp, NULL) == v || v != v)
            break;
    }
    return snprintf(buf, size, "%s", tmp);
}
