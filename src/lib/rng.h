/* rng.h - a small seeded generator (xoshiro256**, seeded by splitmix64).
 * Our own, so that a seed gives the same shuffles on every libc and machine. */
#ifndef SM_RNG_H
#define SM_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} sm_rng;

void rng_seed(sm_rng *r, uint64_t seed);
/* The next raw 64 bits, which the others draw from (exposed for tests). */
uint64_t rng_next(sm_rng *r);
/* Uniform integer in [0, n), unbiased (rejection). n >= 1. */
uint64_t rng_below(sm_rng *r, uint64_t n);
/* Uniform double in [0, 1) with 53 random bits. */
double rng_uniform(sm_rng *r);
/* Standard normal (Box-Muller; the spare value is discarded for simplicity). */
double rng_normal(sm_rng *r);
/* Fisher-Yates shuffle of an index array. */
void rng_shuffle(sm_rng *r, int64_t *a, int64_t n);

#endif
