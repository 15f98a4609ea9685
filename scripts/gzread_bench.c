/* gzread_bench.c - zlib's gzread alone on a file (the gzip peer of
 * scripts/bench.sh): inflate everything into a buffer, parse nothing.
 * Prints "seconds uncompressed_bytes". Same buffer sizes as the smloss
 * reader (256 KiB zlib buffer, 4 MiB reads). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <zlib.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gzread_bench FILE\n");
        return 2;
    }
    enum { READ = 4 << 20 };
    char *buf = malloc(READ);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    gzFile gz = gzopen(argv[1], "rb");
    if (!gz || !buf)
        return 1;
    gzbuffer(gz, 1 << 18);
    long long total = 0;
    int n;
    while ((n = gzread(gz, buf, READ)) > 0)
        total += n;
    int bad = n < 0;
    gzclose(gz);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.4f %lld\n", (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec),
           total);
    free(buf);
    return bad;
}
