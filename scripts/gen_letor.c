/* gen_letor.c - a seeded generator of LETOR-like ranking data (for scripts/bench_rank.sh).
 *
 *   cc -O2 -Isrc/lib scripts/gen_letor.c src/lib/rng.c -lm -o gen_letor
 *   gen_letor QUERIES ROWS_PER_QUERY SEED > file.letor
 *
 * Rows look like LETOR 4.0 / MSLR: "label qid:N 1:v 2:v ... 46:v", 46 dense
 * features in [0, 1] (query-level normalised, as LETOR ships them), graded
 * relevance 0..4. A hidden relevance mixes a linear part, a query-specific
 * offset and an interaction a linear scorer cannot represent; grades come from
 * thresholds on it, so most rows are 0 or 1 and few are 4, as in real sets.
 * List lengths vary by +-50% around ROWS_PER_QUERY. Same arguments give the
 * same bytes on every machine (our own generator, no libc rand).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rng.h"

enum { DIM = 46 };

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: gen_letor QUERIES ROWS_PER_QUERY SEED > data.letor\n");
        return 2;
    }
    long queries = atol(argv[1]), per_query = atol(argv[2]);
    if (queries < 1 || per_query < 2) {
        fprintf(stderr, "gen_letor: QUERIES >= 1 and ROWS_PER_QUERY >= 2\n");
        return 2;
    }
    sm_rng world, draw;
    double w[DIM];
    rng_seed(&world, 20260301); /* the same relevance function for every SEED */
    for (int j = 0; j < DIM; j++)
        w[j] = rng_normal(&world) * (j % 3 == 0 ? 1.0 : 0.3);
    rng_seed(&draw, strtoull(argv[3], NULL, 10));
    double x[DIM];
    for (long q = 1; q <= queries; q++) {
        long n = per_query / 2 + (long)rng_below(&draw, (uint64_t)per_query + 1);
        double offset = 0.5 * rng_normal(&draw);
        for (long i = 0; i < n; i++) {
            double rel = offset;
            for (int j = 0; j < DIM; j++) {
                x[j] = rng_uniform(&draw);
                rel += w[j] * (x[j] - 0.5);
            }
            rel += 2.0 * (x[0] - 0.5) * (x[1] - 0.5) + 0.7 * rng_normal(&draw);
            int grade = rel < 0.5 ? 0 : rel < 1.5 ? 1 : rel < 2.5 ? 2 : rel < 3.3 ? 3 : 4;
            printf("%d qid:%ld", grade, q);
            for (int j = 0; j < DIM; j++)
                printf(" %d:%.4f", j + 1, x[j]);
            putchar('\n');
        }
    }
    return ferror(stdout) ? 1 : 0;
}
