/* array.c - growing and trimming arrays of any element type. */
#include "array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int sm_array_grow(void *pp, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 1;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / size)
            return 0;
        ncap *= 2;
    }
    void *p;
    memcpy(&p, pp, sizeof p);
    void *np = realloc(p, ncap * size);
    if (!np)
        return 0;
    memcpy(pp, &np, sizeof np);
    *cap = ncap;
    return 1;
}

void sm_array_shrink(void *pp, size_t n, size_t size)
{
    void *p;
    memcpy(&p, pp, sizeof p);
    void *np = realloc(p, (n ? n : 1) * size);
    if (np)
        memcpy(pp, &np, sizeof np);
}
