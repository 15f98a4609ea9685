/* test_stream.c - the memory budget (membudget.h) and the visit of a
 * streamed epoch (stream.h). */
#include <stdlib.h>
#include <string.h>

#include "membudget.h"
#include "stream.h"
#include "test.h"
#include "train.h"

static void test_budget_parse(void)
{
    sm_error err;
    uint64_t b = 0;
    CHECK(membudget_parse("--memory", "512M", &b, &err) == SM_OK && b == 512ULL << 20);
    CHECK(membudget_parse("--memory", "4G", &b, &err) == SM_OK && b == 4ULL << 30);
    CHECK(membudget_parse("--memory", "1.5GiB", &b, &err) == SM_OK && b == 3ULL << 29);
    CHECK(membudget_parse("--memory", "2097152", &b, &err) == SM_OK && b == 2097152);
    static const char *const bad[] = {"", "M", "100K", "4X", "-1G", "4 G", "1e30T"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(membudget_parse("--memory", bad[i], &b, &err) == SM_EUSAGE);
        CHECK_CONTAINS(err.msg, "--memory takes a size of at least 1M");
    }
    char buf[32];
    CHECK_STREQ(membudget_format(600ULL << 20, buf, sizeof buf), "600 MB");
    CHECK_STREQ(membudget_format(3ULL << 29, buf, sizeof buf), "1.5 GB");
}

static void test_budget_default(void)
{
    uint64_t b = 0;
    char source[96];
    membudget_default(&b, source, sizeof source);
    /* Linux always has MemAvailable: a limit, 3/4 of where it came from */
    CHECK(b > 0 && b < UINT64_MAX);
    CHECK(strstr(source, "3/4 of ") == source);
}

static void test_stream_units(void)
{
    /* a quarter of 64 MB in 4 blocks of 1 KB units: 4096 units a block */
    CHECK(membudget_stream_units(64ULL << 20, 1ULL << 30, 1LL << 20, 4) == 4096);
    CHECK(membudget_stream_units(1ULL << 20, 1ULL << 40, 1000, 4) == 1); /* at least 1 */
}

/* n queries of a ranking set: query u is rows 2u, 2u + 1. */
static void make_queries(sm_dataset *ds, sm_objective *obj, int64_t n)
{
    dataset_init(ds);
    ds->n_rows = 2 * n;
    ds->n_groups = n;
    ds->group_ptr = malloc((size_t)(n + 1) * sizeof *ds->group_ptr);
    for (int64_t g = 0; g <= n; g++)
        ds->group_ptr[g] = 2 * g;
    memset(obj, 0, sizeof *obj);
    obj->kind = OBJ_LISTWISE;
}

static void test_stream_visit(void)
{
    enum { N = 103, BLOCK = 5 };
    sm_dataset ds;
    sm_objective obj;
    make_queries(&ds, &obj, 3 * N);
    int64_t units[N], order[N], again[N], seen[N];
    for (int64_t u = 0; u < N; u++)
        units[u] = 3 * u; /* every third query: ids from the list, not positions */
    sm_stream s;
    sm_error err;
    sm_rng rng;
    CHECK(stream_init(&s, &obj, &ds, units, N, BLOCK, &err) == SM_OK);
    rng_seed(&rng, 7);
    stream_epoch(&s, &rng, order);
    memset(seen, 0, sizeof seen);
    for (int64_t i = 0; i < N; i++)
        if (CHECK(order[i] % 3 == 0 && order[i] / 3 < N))
            seen[order[i] / 3]++;
    int once = 1, local = 1, shuffled = 0;
    for (int64_t u = 0; u < N; u++)
        once = once && seen[u] == 1;
    CHECK(once);
    /* each window holds the units of its blocks, and only those */
    int64_t start = 0;
    for (int64_t w = 0; w < s.n_windows; w++) {
        for (int64_t i = start; i < s.window_end[w]; i++) {
            int64_t block = order[i] / 3 / BLOCK, in = 0;
            for (int64_t b = w * STREAM_WINDOW; b < (w + 1) * STREAM_WINDOW && b < s.n_blocks; b++)
                in = in || s.blocks[b] == block;
            local = local && in;
            shuffled = shuffled || (i > start && order[i] != order[i - 1] + 3);
        }
        start = s.window_end[w];
        stream_at(&s, start); /* (reading ahead: no effect on memory arrays) */
    }
    CHECK(local && shuffled && start == N);
    rng_seed(&rng, 7);
    stream_epoch(&s, &rng, again);
    CHECK(memcmp(order, again, sizeof order) == 0); /* the generator alone decides */
    stream_epoch(&s, &rng, again);
    CHECK(memcmp(order, again, sizeof order) != 0);
    stream_free(&s);
    dataset_free(&ds);
}

static const test_case cases[] = {
    TEST(test_budget_parse),
    TEST(test_budget_default),
    TEST(test_stream_units),
    TEST(test_stream_visit),
};

TEST_MAIN(cases)
