/* test_featmap.c - feature maps: when training compacts, the remap and the
 * original indices back, hashing (fixed buckets, collisions summed, rows
 * sorted and unique), validation data and a cache's read-only arrays. */
#include "featmap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "reader.h"
#include "rng.h"
#include "test.h"

static void parse(const char *text, sm_dataset *ds)
{
    sm_error err;
    if (!CHECK(reader_read_buffer(text, strlen(text), "t.txt", NULL, ds, &err) == SM_OK))
        fprintf(stderr, "%s\n", err.msg);
}

/* Row r of ds as "col:val col:val". */
static const char *row_text(const sm_dataset *ds, int64_t r)
{
    static char buf[512];
    size_t len = 0;
    buf[0] = '\0';
    for (int64_t k = ds->row_ptr[r]; k < ds->row_ptr[r + 1] && len < sizeof buf - 40; k++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%ld:%g", k > ds->row_ptr[r] ? " " : "",
                                (long)ds->col[k], (double)ds->val[k]);
    return buf;
}

static void test_dense_data_is_left_alone(void)
{
    sm_dataset ds;
    sm_featmap m;
    sm_error err;
    /* all but index 0 occur: 4 * 1 unseen <= 16 nonzeros */
    parse("1 1:1 2:2 3:3 4:1\n0 1:2 2:1 3:1 4:2\n1 1:1 2:2 3:1 4:3\n0 1:1 2:1 3:1 4:1\n", &ds);
    CHECK(featmap_build(&ds, 0, &m, &err) == SM_OK);
    CHECK(featmap_is_plain(&m) && m.id == 0 && m.n == 5 && m.space == 5 && !m.index);
    CHECK(featmap_apply(&m, &ds, &err) == SM_OK);
    CHECK(ds.dim == 5 && ds.featmap_id == 0 && strcmp(row_text(&ds, 0), "1:1 2:2 3:3 4:1") == 0);
    featmap_free(&m);
    dataset_free(&ds);
    /* the threshold: 4 * 2 unseen (0, 4) <= 8 nonzeros keeps the indices */
    parse("1 1:1 2:2 3:3 5:1\n0 1:2 2:1 3:1 5:1\n", &ds);
    CHECK(featmap_build(&ds, 0, &m, &err) == SM_OK);
    CHECK(featmap_is_plain(&m) && m.n == 6);
    featmap_free(&m);
    dataset_free(&ds);
    /* and 4 * 2 unseen (0, 2) > 4 nonzeros compacts */
    parse("1 1:1 3:3\n0 1:2 3:1\n", &ds);
    CHECK(featmap_build(&ds, 0, &m, &err) == SM_OK);
    CHECK(!featmap_is_plain(&m) && m.n == 2 && m.index && m.index[0] == 1 && m.index[1] == 3);
    featmap_free(&m);
    dataset_free(&ds);
}

static void test_compaction(void)
{
    sm_dataset ds, valid;
    sm_featmap m;
    sm_error err;
    parse("1 7:1.5 2147483646:2\n0 3:-1 7:0.25\n1 1000000:4\n", &ds);
    CHECK(ds.dim == 2147483647);
    CHECK(featmap_build(&ds, 0, &m, &err) == SM_OK);
    if (!CHECK(!featmap_is_plain(&m) && m.n == 4 && m.index && m.id != 0))
        return;
    CHECK(m.index[0] == 3 && m.index[1] == 7 && m.index[2] == 1000000 && m.index[3] == 2147483646);
    for (int32_t j = 0; j < m.n; j++) /* the original index of each input, and back */
        CHECK(featmap_input(&m, featmap_index_of(&m, j)) == j);
    CHECK(featmap_input(&m, 0) == -1 && featmap_input(&m, 8) == -1 &&
          featmap_input(&m, 2147483645) == -1 && featmap_input(&m, 999999) == -1);
    CHECK(featmap_apply(&m, &ds, &err) == SM_OK);
    CHECK(ds.dim == 4 && ds.featmap_id == m.id && ds.nnz == 5);
    CHECK(strcmp(row_text(&ds, 0), "1:1.5 3:2") == 0);
    CHECK(strcmp(row_text(&ds, 1), "0:-1 1:0.25") == 0);
    CHECK(strcmp(row_text(&ds, 2), "2:4") == 0);
    /* validation data: indices not seen in training are dropped */
    parse("0 1:9 7:2 8:9\n1 5:1\n2 3:1 2147483646:-2\n", &valid);
    CHECK(featmap_apply(&m, &valid, &err) == SM_OK);
    CHECK(valid.n_rows == 3 && valid.nnz == 3 && valid.dim == 4);
    CHECK(strcmp(row_text(&valid, 0), "1:2") == 0);
    CHECK(strcmp(row_text(&valid, 1), "") == 0);
    CHECK(strcmp(row_text(&valid, 2), "0:1 3:-2") == 0);
    CHECK(valid.label[2] == 2.0);
    dataset_free(&valid);
    featmap_free(&m);
    dataset_free(&ds);
}

/* The hash is part of the model format: these buckets must never change. */
static void test_hash_is_fixed(void)
{
    static const struct {
        uint32_t i;
        int bits;
        uint32_t bucket;
    } pinned[] = {
        /* (checked against an independent Python fmix32) */
        {0, 18, 150312}, {1, 18, 56186}, {2, 18, 184584}, {12345, 10, 969},
        {2147483646, 30, 782538444}, {7, 1, 0},
    };
    for (size_t t = 0; t < sizeof pinned / sizeof pinned[0]; t++)
        if (!CHECK(featmap_hash(pinned[t].i, pinned[t].bits) == pinned[t].bucket))
            fprintf(stderr, "hash(%u, %d) = %u\n", pinned[t].i, pinned[t].bits,
                    featmap_hash(pinned[t].i, pinned[t].bits));
    /* every bucket is in range, and the buckets are spread */
    int used[16] = {0};
    for (uint32_t i = 0; i < 1600; i++) {
        uint32_t b = featmap_hash(i, 4);
        if (b < 16)
            used[b]++;
        else
            CHECK(b < 16);
    }
    for (int b = 0; b < 16; b++)
        CHECK(used[b] > 50 && used[b] < 150);
}

/* Two indices of a row in one bucket: one column, the sum of their values. */
static void test_hash_collisions_add_up(void)
{
    const int bits = 3;
    uint32_t a = 1, b = 2;
    while (featmap_hash(b, bits) != featmap_hash(a, bits))
        b++;
    uint32_t c = b + 1; /* a third index in another bucket */
    while (featmap_hash(c, bits) == featmap_hash(a, bits))
        c++;
    char text[200];
    snprintf(text, sizeof text, "1 %u:0.1 %u:0.2 %u:5\n0 %u:-3\n", a, b, c, b);
    sm_dataset ds;
    sm_featmap m;
    sm_error err;
    parse(text, &ds);
    CHECK(featmap_build(&ds, bits, &m, &err) == SM_OK);
    CHECK(m.hash_bits == bits && m.space == 8 && m.id != 0);
    CHECK(featmap_apply(&m, &ds, &err) == SM_OK);
    int32_t ja = featmap_input(&m, (int32_t)a), jc = featmap_input(&m, (int32_t)c);
    CHECK(ja >= 0 && jc >= 0 && ja != jc && featmap_input(&m, (int32_t)b) == ja);
    CHECK(ds.nnz == 3 && ds.row_ptr[1] == 2 && ds.dim == m.n);
    /* 0.1f + 0.2f added in double, rounded once */
    float sum = (float)((double)0.1f + (double)0.2f);
    int first_is_a = ja < jc;
    CHECK(ds.col[0] < ds.col[1]);
    CHECK(ds.col[first_is_a ? 0 : 1] == ja && ds.val[first_is_a ? 0 : 1] == sum);
    CHECK(ds.col[first_is_a ? 1 : 0] == jc && ds.val[first_is_a ? 1 : 0] == 5.0f);
    CHECK(ds.col[2] == ja && ds.val[2] == -3.0f);
    featmap_free(&m);
    dataset_free(&ds);
}

/* Random rows hashed into 8 buckets: sorted, unique, each bucket the sum of
 * its indices' values in index order. */
static void test_hashed_rows_sorted_unique(void)
{
    const int bits = 3, rows = 200;
    test_strbuf t = {0};
    sm_rng rng;
    rng_seed(&rng, 42);
    for (int r = 0; r < rows; r++) {
        test_strbuf_add(&t, "%d", r % 2);
        for (uint32_t i = 1 + (uint32_t)(rng_next(&rng) % 3); i < 60; i += 1 + (uint32_t)(rng_next(&rng) % 4))
            test_strbuf_add(&t, " %u:%.3f", i, (double)(rng_next(&rng) % 2000) / 1000.0 - 1.0);
        test_strbuf_add(&t, "\n");
    }
    sm_dataset raw, ds;
    sm_featmap m;
    sm_error err;
    parse(t.s, &raw);
    parse(t.s, &ds);
    free(t.s);
    CHECK(featmap_build(&ds, bits, &m, &err) == SM_OK && featmap_apply(&m, &ds, &err) == SM_OK);
    int bad = 0;
    for (int64_t r = 0; r < rows; r++) {
        double want[8] = {0};
        int seen[8] = {0};
        for (int64_t k = raw.row_ptr[r]; k < raw.row_ptr[r + 1]; k++) {
            uint32_t b = featmap_hash((uint32_t)raw.col[k], bits);
            want[b] += (double)raw.val[k];
            seen[b] = 1;
        }
        int n = 0;
        for (int b = 0; b < 8; b++)
            n += seen[b];
        bad += ds.row_ptr[r + 1] - ds.row_ptr[r] != n;
        for (int64_t k = ds.row_ptr[r]; k < ds.row_ptr[r + 1]; k++) {
            int32_t b = featmap_index_of(&m, ds.col[k]);
            bad += k > ds.row_ptr[r] && ds.col[k] <= ds.col[k - 1];
            bad += b < 0 || b >= 8 || !seen[b] || ds.val[k] != (float)want[b];
        }
    }
    CHECK(bad == 0);
    featmap_free(&m);
    dataset_free(&raw);
    dataset_free(&ds);
}

/* A large list: every member found, the indices between them not. */
static void test_large_list_lookup(void)
{
    enum { N = 100000 };
    int32_t *index = malloc(N * sizeof *index);
    sm_rng rng;
    rng_seed(&rng, 7);
    int32_t at = 0;
    for (int j = 0; j < N; j++)
        index[j] = at += 1 + (int32_t)(rng_next(&rng) % 20000);
    sm_featmap m;
    sm_error err;
    CHECK(featmap_make(&m, 0, at + 1, index, N, &err) == SM_OK);
    int bad = 0;
    for (int32_t j = 0; j < N; j++) {
        bad += featmap_input(&m, m.index[j]) != j;
        if (m.index[j] - 1 > (j ? m.index[j - 1] : -1))
            bad += featmap_input(&m, m.index[j] - 1) != -1;
    }
    CHECK(bad == 0 && featmap_input(&m, 0) == -1 && featmap_input(&m, 2147483646) == -1);
    featmap_free(&m);
    /* an empty list drops everything */
    int32_t *none = malloc(sizeof *none);
    CHECK(featmap_make(&m, 0, 1000, none, 0, &err) == SM_OK);
    CHECK(!featmap_is_plain(&m) && featmap_input(&m, 5) == -1);
    featmap_free(&m);
}

/* A cached dataset's arrays are read-only: mapping replaces them. */
static void test_cached_data(void)
{
    const char *src = test_tmp_path("sparse.txt"), *cache = test_tmp_path("sparse.cache");
    const char *text = "1 5:1 900000:2\n0 5:3 70000:1\n";
    test_write_file(src, text, strlen(text));
    unlink(cache);
    sm_dataset ds;
    sm_featmap m;
    sm_error err;
    cache_report rep;
    for (int pass = 0; pass < 2; pass++) {
        if (!CHECK(cache_load(src, NULL, cache, NULL, NULL, &ds, &rep, &err) == SM_OK))
            return;
        CHECK(rep.outcome == (pass == 0 ? CACHE_WRITTEN : CACHE_REUSED));
        CHECK(featmap_build(&ds, 0, &m, &err) == SM_OK && m.n == 3);
        CHECK(featmap_apply(&m, &ds, &err) == SM_OK);
        CHECK(strcmp(row_text(&ds, 0), "0:1 2:2") == 0 && strcmp(row_text(&ds, 1), "0:3 1:1") == 0);
        featmap_free(&m);
        dataset_free(&ds);
    }
}

static const test_case cases[] = {
    TEST(test_dense_data_is_left_alone),
    TEST(test_compaction),
    TEST(test_hash_is_fixed),
    TEST(test_hash_collisions_add_up),
    TEST(test_hashed_rows_sorted_unique),
    TEST(test_large_list_lookup),
    TEST(test_cached_data),
};

TEST_MAIN(cases)
