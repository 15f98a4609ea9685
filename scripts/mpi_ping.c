/* mpi_ping.c - the latency and bandwidth of smloss's sum over the ranks
 * (dist_sum, the ring all-reduce of src/lib/dist.c), for scripts/bench_mpi.sh.
 *
 *   mpicc -O2 -DSM_MPI -Isrc/lib scripts/mpi_ping.c src/lib/dist.c src/lib/error.c -o mpi_ping
 *   mpirun -np 2 mpi_ping
 *
 * Rank 0 prints one line per size: doubles, bytes, seconds per call. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dist.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    sm_dist d;
    sm_error err;
    if (dist_open(&d, &argc, &argv, &err) != SM_OK) {
        fprintf(stderr, "mpi_ping: %s\n", err.msg);
        return 1;
    }
    static const long sizes[] = {1, 16, 256, 4096, 65536, 1 << 20};
    double *x = calloc((size_t)1 << 20, sizeof *x);
    if (!x)
        return 1;
    if (d.rank == 0)
        printf("doubles bytes seconds_per_call\n");
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        long n = sizes[i], reps = 20000000L / (n * 8 + 1000);
        reps = reps < 5 ? 5 : reps > 2000 ? 2000 : reps;
        for (int w = 0; w < 3; w++)
            dist_sum(&d, x, n, &err);
        double t0 = now();
        for (long r = 0; r < reps; r++)
            dist_sum(&d, x, n, &err);
        double t = (now() - t0) / (double)reps, slowest = t;
        dist_max(&d, &slowest, 1, &err);
        if (d.rank == 0)
            printf("%ld %ld %.9f\n", n, n * 8, slowest);
    }
    free(x);
    dist_close(&d);
    return 0;
}
