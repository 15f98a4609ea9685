/* bench_load.c - time smloss's loading of a data file (scripts/bench.sh).
 *
 *   bench_load FILE [THREADS [CACHE]]
 *
 * Reads FILE with the smloss reader (THREADS parsing threads, 0 = all cores),
 * or through the binary cache CACHE when given, into the layout the command
 * line holds (dataset_compact_rows), and prints one line:
 *   seconds rows nnz bytes
 * where bytes is what the rows take in memory (offsets, indices, values,
 * labels: dataset_row_bytes).
 * A cache that fits in memory is mapped with MAP_POPULATE, so it is wholly
 * read when the call returns, like the parsed dataset.
 * Peak memory is measured around it by the caller (/usr/bin/time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#ifdef WITH_CACHE
#include "cache.h"
#endif
#include "reader.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: bench_load FILE [THREADS [CACHE]]\n");
        return 2;
    }
    sm_reader_parallel par = {.threads = argc > 2 ? atoi(argv[2]) : 0};
    sm_dataset ds;
    sm_error err;
    double t0 = now();
#ifdef WITH_CACHE
    sm_status st = argc > 3 ? cache_load(argv[1], NULL, argv[3], NULL, &par, &ds, NULL, &err)
                            : reader_read_file_parallel(argv[1], NULL, &par, &ds, &err);
#else
    sm_status st = reader_read_file_parallel(argv[1], NULL, &par, &ds, &err);
#endif
    if (st == SM_OK)
        dataset_compact_rows(&ds); /* as the command line does */
    double t = now() - t0;
    if (st != SM_OK) {
        fprintf(stderr, "bench_load: %s\n", err.msg);
        return st;
    }
    printf("%.4f %lld %lld %llu\n", t, (long long)ds.n_rows, (long long)ds.nnz,
           (unsigned long long)dataset_row_bytes(&ds));
    dataset_free(&ds);
    return 0;
}
