/* gen_bench.c - seeded generators of the benchmark workloads (scripts/bench.sh).
 *
 *   gen_bench letor  ROWS SEED   LETOR-like ranking text: 50 rows per qid,
 *                                136 dense features, grades 0-4
 *   gen_bench sparse ROWS SEED   sparse regression: 20 nonzeros per row out of
 *                                1M features, heavy-tailed (log-normal) label
 *
 * Writes libsvm text on standard output. The same arguments always give the
 * same bytes (splitmix64, no libc random), so peers and smloss read one file.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint64_t next_u64(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double uniform(void)
{
    return (double)(next_u64() >> 11) * 0x1.0p-53;
}

static double normal(void)
{
    double u = uniform(), v = uniform();
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

static void letor(long rows)
{
    enum { PER_QID = 50, FEATURES = 136 };
    double w[FEATURES];
    for (int j = 0; j < FEATURES; j++)
        w[j] = normal();
    for (long r = 0; r < rows; r++) {
        double x[FEATURES], s = 0;
        for (int j = 0; j < FEATURES; j++) {
            /* MSLR-like: counts for a third of the features, ratios otherwise */
            x[j] = j % 3 == 0 ? floor(20 * uniform() * uniform()) : uniform();
            s += w[j] * (j % 3 == 0 ? x[j] / 20 : x[j]);
        }
        int grade = (int)floor(s / 4 + 2 + normal());
        grade = grade < 0 ? 0 : grade > 4 ? 4 : grade;
        printf("%d qid:%ld", grade, r / PER_QID + 1);
        for (int j = 0; j < FEATURES; j++) {
            if (j % 3 == 0)
                printf(" %d:%.0f", j + 1, x[j]);
            else
                printf(" %d:%.6f", j + 1, x[j]);
        }
        putchar('\n');
    }
}

static int compare_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void sparse(long rows)
{
    enum { NNZ = 20, DIM = 1000000 };
    for (long r = 0; r < rows; r++) {
        int idx[NNZ];
        for (int k = 0; k < NNZ; k++) {
            int j, dup;
            do { /* Zipf-like popularity: low indices are common */
                j = (int)(DIM * pow(uniform(), 3.0));
                dup = 0;
                for (int i = 0; i < k; i++)
                    dup |= idx[i] == j;
            } while (dup);
            idx[k] = j;
        }
        qsort(idx, NNZ, sizeof *idx, compare_int);
        double s = 0;
        char line[1024];
        int n = 0;
        for (int k = 0; k < NNZ; k++) {
            double v = uniform() * 2 - 1;
            s += v * ((idx[k] % 7) - 3) * 0.1;
            n += snprintf(line + n, sizeof line - (size_t)n, " %d:%.5f", idx[k], v);
        }
        printf("%.6g%s\n", exp(1.0 + s + 0.8 * normal()), line);
    }
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "letor") && strcmp(argv[1], "sparse"))) {
        fprintf(stderr, "usage: gen_bench letor|sparse ROWS SEED\n");
        return 2;
    }
    long rows = atol(argv[2]);
    rng_state = strtoull(argv[3], NULL, 10);
    static char buf[1 << 20];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    if (argv[1][0] == 'l')
        letor(rows);
    else
        sparse(rows);
    return fflush(stdout) == 0 ? 0 : 1;
}
