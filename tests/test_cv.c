/* test_cv.c - cross-validation: the folds (every row in one, whole queries,
 * seeded), the data sets of a fold, a run on a noiseless problem, and the
 * mean and standard deviation over the folds. */
#include <stdlib.h>
#include <string.h>

#include "cv.h"
#include "reader.h"
#include "test.h"

/* n rows "y 1:x" with y = 2x + 1, x = i / n; with queries of 1 .. 5 rows
 * (qid:) when grouped. */
static void make_data(int n, int grouped, sm_dataset *ds)
{
    test_strbuf t = {0};
    int q = 0, left = 0;
    for (int i = 0; i < n; i++) {
        if (grouped && left == 0)
            q++, left = 1 + q % 5;
        double x = (double)i / n;
        if (grouped)
            test_strbuf_add(&t, "%.17g qid:%d 1:%.17g\n", 2 * x + 1, q, x);
        else
            test_strbuf_add(&t, "%.17g 1:%.17g\n", 2 * x + 1, x);
        left--;
    }
    sm_error err;
    dataset_init(ds);
    CHECK(reader_read_buffer(t.s, t.len, "mem", NULL, ds, &err) == SM_OK);
    free(t.s);
}

static void fold_sizes(const int32_t *fold, int64_t n, int k, int64_t *size)
{
    memset(size, 0, (size_t)k * sizeof *size);
    for (int64_t r = 0; r < n; r++) {
        CHECK(fold[r] >= 0 && fold[r] < k);
        if (fold[r] >= 0 && fold[r] < k)
            size[fold[r]]++;
    }
}

static void test_split_rows(void)
{
    sm_dataset ds;
    make_data(103, 0, &ds);
    int32_t a[103], b[103], c[103];
    int64_t size[5];
    sm_error err;
    CHECK(cv_split(&ds, 5, 7, a, &err) == SM_OK);
    fold_sizes(a, 103, 5, size);
    for (int f = 0; f < 5; f++) /* 103 = 3 x 21 + 2 x 20 */
        CHECK(size[f] == 20 || size[f] == 21);
    CHECK(size[0] + size[1] + size[2] + size[3] + size[4] == 103);
    CHECK(cv_split(&ds, 5, 7, b, &err) == SM_OK);
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(cv_split(&ds, 5, 8, c, &err) == SM_OK);
    CHECK(memcmp(a, c, sizeof a) != 0);
    /* shuffled, not cut in order: the first 20 rows are not all one fold */
    int same = 1;
    for (int r = 1; r < 20; r++)
        same &= a[r] == a[0];
    CHECK(!same);
    dataset_free(&ds);
}

static void test_split_queries(void)
{
    sm_dataset ds;
    make_data(200, 1, &ds);
    CHECK(ds.n_groups > 40);
    int32_t *fold = malloc(200 * sizeof *fold);
    sm_error err;
    CHECK(cv_split(&ds, 4, 1, fold, &err) == SM_OK);
    int64_t queries[4] = {0};
    for (int64_t g = 0; g < ds.n_groups; g++) {
        for (int64_t r = ds.group_ptr[g]; r < ds.group_ptr[g + 1]; r++)
            CHECK(fold[r] == fold[ds.group_ptr[g]]);
        queries[fold[ds.group_ptr[g]]]++;
    }
    int64_t lo = queries[0], hi = queries[0];
    for (int f = 1; f < 4; f++)
        lo = queries[f] < lo ? queries[f] : lo, hi = queries[f] > hi ? queries[f] : hi;
    CHECK(hi - lo <= 1);
    free(fold);
    dataset_free(&ds);
}

static void test_split_errors(void)
{
    sm_dataset ds;
    make_data(3, 0, &ds);
    int32_t fold[3];
    sm_error err;
    CHECK(cv_split(&ds, 1, 1, fold, &err) == SM_EUSAGE);
    CHECK(cv_split(&ds, 4, 1, fold, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "4 folds need at least 4 rows");
    CHECK(cv_split(&ds, 3, 1, fold, &err) == SM_OK);
    dataset_free(&ds);
    make_data(12, 1, &ds); /* queries of 2, 3, 4, 3 rows */
    int32_t fold12[12];
    CHECK(cv_split(&ds, (int)ds.n_groups + 1, 1, fold12, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "queries");
    dataset_free(&ds);
}

/* A fold's data and the rest hold every row once, in order, with whole
 * queries and their qids. */
static void test_subset(void)
{
    sm_dataset ds, in, out;
    make_data(60, 1, &ds);
    int32_t fold[60];
    sm_error err;
    CHECK(cv_split(&ds, 3, 5, fold, &err) == SM_OK);
    CHECK(cv_subset(&ds, fold, 1, 1, &in, &err) == SM_OK);
    CHECK(cv_subset(&ds, fold, 1, 0, &out, &err) == SM_OK);
    CHECK(in.n_rows + out.n_rows == 60);
    CHECK(in.nnz + out.nnz == ds.nnz);
    CHECK(in.n_groups + out.n_groups == ds.n_groups);
    int64_t i = 0, o = 0, gi = 0;
    for (int64_t r = 0; r < 60; r++) {
        sm_dataset *d = fold[r] == 1 ? &in : &out;
        int64_t *k = fold[r] == 1 ? &i : &o;
        CHECK(d->label[*k] == ds.label[r]);
        CHECK(d->val[d->row_ptr[*k]] == ds.val[ds.row_ptr[r]]);
        ++*k;
    }
    for (int64_t g = 0; g < ds.n_groups; g++) {
        if (fold[ds.group_ptr[g]] != 1)
            continue;
        CHECK(in.group_ptr[gi + 1] - in.group_ptr[gi] == ds.group_ptr[g + 1] - ds.group_ptr[g]);
        CHECK(in.qid[gi] == ds.qid[g]);
        gi++;
    }
    CHECK(gi == in.n_groups && in.group_ptr[in.n_groups] == in.n_rows);
    dataset_free(&in);
    dataset_free(&out);
    dataset_free(&ds);
}

/* y = 2x + 1 without noise: every fold's model fits it, so the held-out
 * errors are near 0 against a label spread of about 0.6. */
static void test_run_noiseless(void)
{
    sm_dataset ds;
    make_data(200, 0, &ds);
    sm_train_config cfg;
    train_config_default(&cfg);
    cfg.solver = SOLVER_SGD; /* (the engine's default is L-BFGS) */
    cfg.epochs = 60;
    sm_regions regions = test_regions_of("2");
    sm_rank_config rank;
    rank_config_default(&rank);
    sm_cv_result r;
    sm_error err;
    CHECK(cv_run(&ds, &cfg, &regions, NULL, &rank, 4, &r, &err) == SM_OK);
    CHECK(r.n_folds == 4 && r.n_figures == 6); /* RMSE and MAE of 2 regions and all */
    CHECK_STREQ(r.name[0], "RMSE (-inf, 2)");
    CHECK_STREQ(r.name[2], "RMSE all");
    CHECK_STREQ(r.name[5], "MAE all");
    CHECK(r.rows[0] + r.rows[1] + r.rows[2] + r.rows[3] == 200);
    for (int f = 0; f < 4; f++)
        for (int j = 0; j < 6; j++)
            CHECK(r.value[f * 6 + j] < 0.02);
    cv_result_free(&r);
    dataset_free(&ds);
}

/* mean and sample std, NaN (no rows) left out */
static void test_stats(void)
{
    double v[] = {1, 10, 2, NAN, 4, 30, 5, 40};
    int64_t rows[4] = {0};
    sm_cv_result r = {.n_folds = 4, .n_figures = 2, .rows = rows, .value = v};
    double mean, std;
    cv_figure_stats(&r, 0, &mean, &std);
    CHECK_CLOSE(mean, 3.0, 1e-15);
    CHECK_CLOSE(std, sqrt(10.0 / 3.0), 1e-14); /* (4 + 1 + 1 + 4) / 3 */
    cv_figure_stats(&r, 1, &mean, &std);
    CHECK_CLOSE(mean, 80.0 / 3.0, 1e-13);
    CHECK_CLOSE(std, sqrt(((10 - mean) * (10 - mean) + (30 - mean) * (30 - mean) +
                           (40 - mean) * (40 - mean)) / 2.0), 1e-12);
}

static const test_case cases[] = {
    TEST(test_split_rows), TEST(test_split_queries), TEST(test_split_errors),
    TEST(test_subset), TEST(test_run_noiseless), TEST(test_stats),
};
TEST_MAIN(cases)
