/* gen_cache_regress.c - write the regression inputs of fuzz_cache
 * (tests/fuzz/regress/cache/NAME), each a cache image of the current format
 * with the damage its name says (the table: cache_regress.c).
 *
 * Regenerate them after any change to the cache format (a new
 * CACHE_VERSION, header field or array), from the repository root:
 *     make fuzz-regress-cache
 * (which runs: build/.../tests/gen_cache_regress tests/fuzz/regress/cache),
 * then commit the files. tests/test_cache_regress.c, part of make check,
 * fails while they are stale (bytes other than these, or a verdict other
 * than the table's). A new input is a new row of the table, never a file
 * made by hand.
 *
 * Usage: gen_cache_regress DIR   (DIR exists; its files of these names are
 * replaced, others left alone). Exits 1 when an input cannot be made. */
#include "cache_regress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    char tmp[] = "/tmp/gen_cache_regress.XXXXXX";
    if (!mkdtemp(tmp)) {
        perror("gen_cache_regress: mkdtemp");
        return 1;
    }
    int failed = 0;
    for (int i = 0; i < cache_regress_count; i++) {
        const cache_regress_input *in = &cache_regress_inputs[i];
        unsigned char *image;
        size_t len;
        char why[512], path[1024];
        snprintf(path, sizeof path, "%s/%s", argv[1], in->name);
        if (!cache_regress_image(in, tmp, &image, &len, why, sizeof why)) {
            fprintf(stderr, "gen_cache_regress: %s: %s\n", in->name, why);
            failed = 1;
            continue;
        }
        FILE *f = fopen(path, "wb");
        int ok = f && fwrite(image, 1, len, f) == len;
        ok = f && fclose(f) == 0 && ok;
        if (!ok) {
            fprintf(stderr, "gen_cache_regress: cannot write %s\n", path);
            failed = 1;
        }
        free(image);
    }
    rmdir(tmp);
    if (!failed)
        printf("gen_cache_regress: %d inputs written to %s\n", cache_regress_count, argv[1]);
    return failed;
}
