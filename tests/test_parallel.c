/* test_parallel.c - parallel_for runs every chunk exactly once, names its
 * workers within range, and copes with more threads than chunks and with
 * no chunks at all. */
#include <string.h>

#include "parallel.h"
#include "test.h"

typedef struct {
    int hits[1000];
    int bad_worker;
    int threads;
} tally;

static void count_chunk(void *ctx, int64_t chunk, int worker)
{
    tally *t = ctx;
    t->hits[chunk]++; /* each chunk is run by one thread only */
    if (worker < 0 || worker >= t->threads)
        t->bad_worker = 1;
}

static void test_every_chunk_once(void)
{
    const int threads[] = {1, 2, 3, 8};
    const int64_t chunks[] = {0, 1, 2, 7, 1000};
    for (size_t a = 0; a < sizeof threads / sizeof *threads; a++)
        for (size_t b = 0; b < sizeof chunks / sizeof *chunks; b++) {
            static tally t;
            memset(&t, 0, sizeof t);
            t.threads = threads[a];
            parallel_for(threads[a], chunks[b], count_chunk, &t);
            int wrong = t.bad_worker;
            for (int64_t c = 0; c < 1000; c++)
                wrong |= t.hits[c] != (c < chunks[b]);
            if (!CHECK(!wrong))
                fprintf(stderr, "  %d threads, %lld chunks\n", threads[a], (long long)chunks[b]);
        }
}

static void test_thread_count(void)
{
    CHECK(parallel_threads(3) == 3);
    CHECK(parallel_threads(0) >= 1 && parallel_threads(0) <= PARALLEL_MAX_THREADS);
    CHECK(parallel_threads(100000) == PARALLEL_MAX_THREADS);
    CHECK(parallel_workers(3, 2) == 2 && parallel_workers(3, 7) == 3);
    CHECK(parallel_workers(3, 0) == 1 && parallel_workers(1, 100) == 1);
}

static const test_case cases[] = {TEST(test_every_chunk_once), TEST(test_thread_count)};
TEST_MAIN(cases)
