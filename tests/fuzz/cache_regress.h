/* cache_regress.h - the regression inputs of fuzz_cache
 * (tests/fuzz/regress/cache/NAME): how each is made from a valid cache that
 * the engine writes itself (cache_load on a tiny data file), and what the
 * loader must say of it.
 *
 * Each input is a current cache image with one named damage. The checksums
 * are recomputed after the damage (cache_image_seal), so that the check the
 * input is named for is the one that refuses it, except for the inputs
 * aimed at a checksum (the bit flips, and a NaN label, which only the
 * checksum tells from an unlabeled row): theirs are left stale.
 *
 * Written by tests/fuzz/gen_cache_regress.c (`make fuzz-regress-cache`);
 * tests/test_cache_regress.c checks that the committed files are these
 * bytes and that each gets its verdict, so they cannot go stale when the
 * format changes. */
#ifndef SM_CACHE_REGRESS_H
#define SM_CACHE_REGRESS_H

#include <stddef.h>

typedef struct {
    const char *name;   /* the file's name in tests/fuzz/regress/cache */
    int base;           /* (cache_regress.c: which tiny data set) */
    void (*damage)(unsigned char *image, size_t *len); /* NULL: none */
    int stale_checksums; /* 1: not resealed after the damage */
    /* NULL: cache_image_load accepts the image as it is; else it refuses
     * it with a reason containing this */
    const char *refused_with;
} cache_regress_input;

extern const cache_regress_input cache_regress_inputs[];
extern const int cache_regress_count;

/* The image of the input in (malloc'd, 8-byte aligned, *len bytes), made
 * with scratch files (removed again) in the existing directory tmp_dir.
 * 1, or 0 with the reason in why (a data file the engine refused, no memory, a file that
 * cannot be written). The bytes depend only on the input and the cache
 * format: the scratch files' mtimes and the source's name are fixed. */
int cache_regress_image(const cache_regress_input *in, const char *tmp_dir,
                        unsigned char **image, size_t *len, char *why, size_t why_cap);

#endif
