/* test_stream.c - the memory budget (membudget.h), the visit of a
 * streamed epoch and its reading of the cache (stream.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "membudget.h"
#include "reader.h"
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
    CHECK(stream_epoch(&s, &rng, order, &err) == SM_OK);
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
        CHECK(stream_at(&s, start, start + 1, &err) == SM_OK); /* (no cache file: nothing read) */
    }
    CHECK(local && shuffled && start == N);
    rng_seed(&rng, 7);
    CHECK(stream_epoch(&s, &rng, again, &err) == SM_OK);
    CHECK(memcmp(order, again, sizeof order) == 0); /* the generator alone decides */
    CHECK(stream_epoch(&s, &rng, again, &err) == SM_OK);
    CHECK(memcmp(order, again, sizeof order) != 0);
    stream_free(&s);
    dataset_free(&ds);
}


/* Whether rows [r0, r1) of a hold the same offsets, indices and values as
 * those of b. */
static int same_rows(const sm_dataset *a, const sm_dataset *b, int64_t r0, int64_t r1)
{
    for (int64_t r = r0; r < r1; r++) {
        if (a->row_ptr[r + 1] != b->row_ptr[r + 1])
            return 0;
        for (int64_t k = a->row_ptr[r]; k < a->row_ptr[r + 1]; k++)
            if (a->col[k] != b->col[k] || memcmp(&a->val[k], &b->val[k], sizeof *a->val) != 0)
                return 0;
    }
    return 1;
}

/* A mapped cache streamed: each window's rows read (pread) into this
 * process and put in place in the mapping hold the cache's bytes, and
 * after the epoch the mapping is the file's again; a cache cut short
 * while it is streamed is SM_EDATA at the next window, and the rows
 * already read stay readable (they are no longer the file's pages: reading
 * a truncated file's page would be a SIGBUS). */
static void test_stream_reads_the_cache(void)
{
    enum { ROWS = 40000 };
    const char *src = test_tmp_path("s.txt"), *cache = test_tmp_path("s.cache");
    test_strbuf t = {0};
    for (int r = 0; r < ROWS; r++)
        test_strbuf_add(&t, "%d 1:%d %d:0.%d %d:%d.5\n", r % 3, r, 2 + r % 50, r % 97,
                        60 + r % 7, r % 11);
    test_write_file(src, t.s, t.len);
    free(t.s);
    sm_dataset ref, ds;
    sm_error err;
    cache_report rep;
    CHECK(reader_read_file(src, NULL, &ref, &err) == SM_OK);
    CHECK(cache_load(src, NULL, cache, NULL, NULL, &ds, &rep, &err) == SM_OK);
    dataset_free(&ds);
    if (!CHECK(cache_load(src, NULL, cache, NULL, NULL, &ds, &rep, &err) == SM_OK &&
               rep.outcome == CACHE_REUSED && ds.mapping != NULL)) {
        dataset_free(&ref);
        return;
    }
    sm_objective obj;
    memset(&obj, 0, sizeof obj);
    obj.kind = OBJ_POINTWISE;
    int64_t *units = malloc(ROWS * sizeof *units), *order = malloc(ROWS * sizeof *order);
    for (int64_t u = 0; u < ROWS; u++)
        units[u] = u;
    sm_stream s;
    sm_rng rng;
    rng_seed(&rng, 3);
    CHECK(stream_init(&s, &obj, &ds, units, ROWS, 1500, &err) == SM_OK);
    CHECK(s.n_windows > 3);
    /* an epoch read through: every window's rows are the cache's */
    int same = 1;
    CHECK(stream_epoch(&s, &rng, order, &err) == SM_OK);
    for (int64_t w = 0; w < s.n_windows; w++) {
        int64_t start = w ? s.window_end[w - 1] : 0;
        CHECK(stream_at(&s, start, s.window_end[w], &err) == SM_OK && s.window == w &&
              s.lo <= w && w <= s.hi);
        for (int64_t i = start; i < s.window_end[w]; i++)
            same = same && same_rows(&ds, &ref, order[i], order[i] + 1);
    }
    stream_end(&s);
    CHECK(same && s.hi < s.lo);
    CHECK(dataset_equal(&ds, &ref)); /* the file's pages again */
    /* cut short once the first window is read: its rows stay readable (in
     * memory), and a window read after is an error */
    CHECK(stream_epoch(&s, &rng, order, &err) == SM_OK);
    CHECK(truncate(cache, 4096) == 0);
    for (int64_t i = 0; i < s.window_end[0]; i++)
        same = same && same_rows(&ds, &ref, order[i], order[i] + 1);
    CHECK(same);
    sm_status st = SM_OK;
    for (int64_t w = 0; w + 1 < s.n_windows && st == SM_OK; w++)
        st = stream_at(&s, s.window_end[w], s.window_end[w] + 1, &err);
    CHECK(st == SM_EDATA);
    CHECK_CONTAINS(err.msg, "s.txt: the cache was truncated or changed while it was read");
    stream_free(&s);
    free(units);
    free(order);
    dataset_free(&ds);
    dataset_free(&ref);
}

static const test_case cases[] = {
    TEST(test_budget_parse),
    TEST(test_budget_default),
    TEST(test_stream_units),
    TEST(test_stream_visit),
    TEST(test_stream_reads_the_cache),
};

TEST_MAIN(cases)
