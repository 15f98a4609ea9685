/* test_dataset.c - dataset lifetime, sidecar group sizes, label transforms. */
#include "dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

/* A dataset with n rows, no features, the given labels. */
static void make_dataset(sm_dataset *ds, const double *labels, int64_t n)
{
    dataset_init(ds);
    ds->n_rows = n;
    ds->row_ptr = calloc((size_t)n + 1, sizeof *ds->row_ptr);
    ds->label = malloc(((size_t)n + 1) * sizeof *ds->label);
    ds->col = malloc(sizeof *ds->col);
    ds->val = malloc(sizeof *ds->val);
    memcpy(ds->label, labels, (size_t)n * sizeof *labels);
    strcpy(ds->source, "train.txt");
}

static void test_init_and_free(void)
{
    sm_dataset ds;
    memset(&ds, 0xab, sizeof ds);
    dataset_init(&ds);
    CHECK(ds.n_rows == 0 && ds.nnz == 0 && ds.dim == 0 && ds.n_groups == 0);
    CHECK(!ds.row_ptr && !ds.col && !ds.val && !ds.label && !ds.group_ptr && !ds.qid);
    dataset_free(&ds); /* freeing an empty dataset is fine */
    const double y[] = {1, 2};
    make_dataset(&ds, y, 2);
    dataset_free(&ds);
    CHECK(ds.n_rows == 0 && !ds.row_ptr && !ds.label);
    dataset_free(&ds); /* and freeing twice */
}

static void test_group_sizes(void)
{
    const double y[] = {0, 1, 2, 3, 4, 5};
    sm_dataset ds;
    make_dataset(&ds, y, 6);
    /* Groups from inline qids are replaced by the sidecar's. */
    ds.n_groups = 1;
    ds.group_ptr = malloc(2 * sizeof *ds.group_ptr);
    ds.qid = malloc(sizeof *ds.qid);
    ds.group_ptr[0] = 0;
    ds.group_ptr[1] = 6;
    ds.qid[0] = 42;
    const int64_t sizes[] = {1, 3, 2};
    sm_error err;
    CHECK(dataset_set_group_sizes(&ds, sizes, 3, "train.txt.query", &err) == SM_OK);
    CHECK(ds.n_groups == 3 && ds.qid == NULL);
    CHECK(ds.group_ptr[0] == 0 && ds.group_ptr[1] == 1 && ds.group_ptr[2] == 4 &&
          ds.group_ptr[3] == 6);
    const int64_t one[] = {6};
    CHECK(dataset_set_group_sizes(&ds, one, 1, "g", &err) == SM_OK);
    CHECK(ds.n_groups == 1 && ds.group_ptr[0] == 0 && ds.group_ptr[1] == 6);
    dataset_free(&ds);

    make_dataset(&ds, y, 0);
    CHECK(dataset_set_group_sizes(&ds, NULL, 0, "g", &err) == SM_OK);
    CHECK(ds.n_groups == 0);
    dataset_free(&ds);
}

static void test_group_size_errors(void)
{
    const double y[] = {0, 1, 2, 3, 4, 5};
    sm_dataset ds;
    make_dataset(&ds, y, 6);
    const int64_t good[] = {2, 4};
    sm_error err;
    CHECK(dataset_set_group_sizes(&ds, good, 2, "q", &err) == SM_OK);
    int64_t *kept = ds.group_ptr;

    static const struct {
        int64_t sizes[3];
        int n;
        const char *want[2];
    } bad[] = {
        {{2, 0, 4}, 3, {"q: group 2 has size 0", "at least 1"}},
        {{-3, 9, 0}, 2, {"q: group 1 has size -3", "at least 1"}},
        {{2, 3, 0}, 2, {"sum to 5", "has 6 rows"}},
        {{2, 3, 4}, 3, {"sum to 9", "has 6 rows"}},
        {{0, 0, 0}, 0, {"sum to 0", "has 6 rows"}},
        {{INT64_MAX, INT64_MAX, 1}, 3, {"sum to more than", "has 6 rows"}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sm_error_clear(&err);
        CHECK(dataset_set_group_sizes(&ds, bad[i].sizes, bad[i].n, "q", &err) == SM_EDATA);
        CHECK_CONTAINS(err.msg, bad[i].want[0]);
        CHECK_CONTAINS(err.msg, bad[i].want[1]);
        /* A failure leaves the previous groups in place. */
        CHECK(ds.group_ptr == kept && ds.n_groups == 2 && ds.group_ptr[1] == 2);
    }
    dataset_free(&ds);
}

static void test_log_transform(void)
{
    const double e = exp(1.0);
    const double y[] = {1, e, 0.5, 1e300, 4.9e-324};
    sm_dataset ds;
    make_dataset(&ds, y, 5);
    sm_error err;
    CHECK(dataset_transform_labels(&ds, LABEL_LOG, &err) == SM_OK);
    CHECK(ds.label[0] == 0.0);
    CHECK_CLOSE(ds.label[1], 1.0, 1e-15);
    CHECK_CLOSE(ds.label[2], -0.69314718055994530942, 1e-15);
    CHECK_REL(ds.label[3], 300 * 2.30258509299404568402, 1e-14);
    CHECK_REL(ds.label[4], -1074 * 0.69314718055994530942, 1e-14);
    dataset_free(&ds);
}

static void test_log1p_transform(void)
{
    /* log1p keeps full precision near 0, where log(1 + y) would return 0. */
    const double y[] = {0, -0.5, 1e-20, 1, -1 + 1e-12};
    sm_dataset ds;
    make_dataset(&ds, y, 5);
    sm_error err;
    CHECK(dataset_transform_labels(&ds, LABEL_LOG1P, &err) == SM_OK);
    CHECK(ds.label[0] == 0.0);
    CHECK_CLOSE(ds.label[1], -0.69314718055994530942, 1e-15);
    CHECK_REL(ds.label[2], 1e-20, 1e-15); /* y - y^2/2 + ... */
    CHECK_CLOSE(ds.label[3], 0.69314718055994530942, 1e-15);
    CHECK_REL(ds.label[4], log(1.0 + y[4]), 1e-15); /* 1 + y is exact here (Sterbenz) */
    dataset_free(&ds);
}

static void test_none_transform_keeps_labels(void)
{
    const double y[] = {-5, 0, 0.1};
    sm_dataset ds;
    make_dataset(&ds, y, 3);
    sm_error err;
    CHECK(dataset_transform_labels(&ds, LABEL_NONE, &err) == SM_OK);
    CHECK(memcmp(ds.label, y, sizeof y) == 0);
    dataset_free(&ds);
}

static void test_transform_errors(void)
{
    static const struct {
        sm_label_transform t;
        double y[4];
        const char *want[3];
    } bad[] = {
        {LABEL_LOG, {3, 2, 0, -1}, {"train.txt: row 3: label 0", "log", "> 0"}},
        {LABEL_LOG, {-0.1, 2, 1, 1}, {"train.txt: row 1: label -0.1;", "log", "> 0"}},
        {LABEL_LOG1P, {0, 5, -1, -3}, {"train.txt: row 3: label -1;", "log1p", "> -1"}},
        {LABEL_LOG1P, {0, 5, 7, -2.5}, {"train.txt: row 4: label -2.5;", "log1p", "> -1"}},
        {LABEL_LOG, {1, NAN, 1, 1}, {"train.txt: row 2: label", "log", "> 0"}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sm_dataset ds;
        make_dataset(&ds, bad[i].y, 4);
        sm_error err;
        CHECK(dataset_transform_labels(&ds, bad[i].t, &err) == SM_EDATA);
        for (int k = 0; k < 3; k++)
            CHECK_CONTAINS(err.msg, bad[i].want[k]);
        /* Nothing is transformed when any label is out of the domain. */
        CHECK(memcmp(ds.label, bad[i].y, sizeof bad[i].y) == 0);
        dataset_free(&ds);
    }
}

static void test_transform_names(void)
{
    CHECK(label_transform_parse("none") == LABEL_NONE);
    CHECK(label_transform_parse("log") == LABEL_LOG);
    CHECK(label_transform_parse("log1p") == LABEL_LOG1P);
    CHECK(label_transform_parse("LOG") == -1);
    CHECK(label_transform_parse("") == -1);
    CHECK(label_transform_parse("log1") == -1);
    CHECK_STREQ(label_transform_name(LABEL_NONE), "none");
    CHECK_STREQ(label_transform_name(LABEL_LOG), "log");
    CHECK_STREQ(label_transform_name(LABEL_LOG1P), "log1p");
    for (int t = LABEL_NONE; t <= LABEL_LOG1P; t++)
        CHECK(label_transform_parse(label_transform_name((sm_label_transform)t)) == t);
}

static const test_case cases[] = {
    TEST(test_init_and_free),    TEST(test_group_sizes),     TEST(test_group_size_errors),
    TEST(test_log_transform),    TEST(test_log1p_transform), TEST(test_none_transform_keeps_labels),
    TEST(test_transform_errors), TEST(test_transform_names),
};

TEST_MAIN(cases)
