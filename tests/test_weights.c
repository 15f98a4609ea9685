/* test_weights.c - sample weights: the weighted objective, start score,
 * curvature and reports equal the unweighted ones on the data with every row
 * (query) repeated w times; the gradient the objective pass implies matches
 * finite differences; constant weights train the unweighted model bit for
 * bit; the weights file and its located errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "class_metrics.h"
#include "metrics.h"
#include "model.h"
#include "objective.h"
#include "rank_metrics.h"
#include "reader.h"
#include "test.h"
#include "train.h"
#include "train_pass.h"

#define HOUSING "data/libsvm-housing-scale/housing_scale"

/* Rows of a small regression set: label, then features; queries of 3 rows. */
static const char *const rows_text[] = {
    "3.5 1:0.5 4:1",  "1 2:1",        "0 1:-1 3:0.25", "2.25 2:0.5 4:-2", "4 1:2",
    "0.5 3:1 4:0.5",  "3 1:0.25 2:1", "1.5 4:1",       "2 1:1 3:-1",
};
enum { N_ROWS = 9, QUERY_ROWS = 3 };
/* Integer weights, equal within each query of 3 rows (0: a dropped query). */
static const double query_weights[N_ROWS] = {2, 2, 2, 0, 0, 0, 3, 3, 3};
static const double row_weights[N_ROWS] = {1, 0, 3, 2, 1, 4, 0, 2, 5};

/* The rows (with qid: per query of 3 when ranked), each row (ranked: each
 * query) repeated w times when w is given; query g's copy c has qid 16g + c. */
static int parse_rows(const double *w, int ranked, sm_dataset *ds)
{
    test_strbuf t = {0};
    for (int g = 0; g < N_ROWS / QUERY_ROWS; g++) {
        int copies = ranked && w ? (int)w[g * QUERY_ROWS] : 1;
        for (int c = 0; c < copies; c++)
            for (int r = g * QUERY_ROWS; r < (g + 1) * QUERY_ROWS; r++) {
                const char *features = strchr(rows_text[r], ' ');
                for (int k = 0; k < (!ranked && w ? (int)w[r] : 1); k++)
                    if (ranked)
                        test_strbuf_add(&t, "%.*s qid:%d%s\n", (int)(features - rows_text[r]),
                                        rows_text[r], 16 * g + c, features);
                    else
                        test_strbuf_add(&t, "%s\n", rows_text[r]);
            }
    }
    sm_error err;
    int ok = CHECK(reader_read_buffer(t.s ? t.s : "", t.len, "rows", NULL, ds, &err) == SM_OK);
    free(t.s);
    return ok;
}

/* The same data with weights w attached (a copy of w). */
static int weighted_rows(const double *w, int ranked, sm_dataset *ds)
{
    if (!parse_rows(NULL, ranked, ds))
        return 0;
    ds->weight = malloc(N_ROWS * sizeof *ds->weight);
    memcpy(ds->weight, w, N_ROWS * sizeof *w);
    return 1;
}

/* A score for each row that depends only on the row (so copies agree). */
static double *row_scores(const sm_dataset *ds)
{
    double *s = malloc((size_t)ds->n_rows * sizeof *s);
    for (int64_t r = 0; r < ds->n_rows; r++) {
        double x = ds->row_ptr[r + 1] > ds->row_ptr[r] ? ds->val[ds->row_ptr[r]] : 0.0;
        s[r] = 0.7 * ds->label[r] + 0.4 * x - 0.2;
    }
    return s;
}

static sm_objective objective_of(sm_objective_kind kind, const char *link)
{
    sm_objective obj = {.kind = kind, .temperature = 1.0, .n_out = 1};
    CHECK(link_parse(link, &obj.link, NULL) == SM_OK);
    CHECK(objective_check(&obj, NULL) == SM_OK);
    return obj;
}

static double mean_objective(const sm_objective *obj, const sm_dataset *ds)
{
    double *s = row_scores(ds), mean = NAN;
    int64_t units;
    CHECK(pass_mean_objective(obj, ds, s, 2, NULL, &mean, &units, NULL) == SM_OK);
    free(s);
    return mean;
}

/* Weighted = repeated, for the objective, the start score and the curvature. */
static void check_as_repeated(sm_objective_kind kind, const char *link, const double *w)
{
    int ranked = objective_is_ranking(kind);
    sm_objective obj = objective_of(kind, link);
    sm_dataset weighted, repeated;
    if (!weighted_rows(w, ranked, &weighted) || !parse_rows(w, ranked, &repeated))
        return;
    CHECK_REL(mean_objective(&obj, &weighted), mean_objective(&obj, &repeated), 1e-13);
    double a, b;
    objective_start_scores(&obj, &weighted, &a);
    objective_start_scores(&obj, &repeated, &b);
    CHECK_REL(a, b, 1e-13);
    CHECK(pass_curvature(&obj, &weighted, NULL, 2, NULL, &a, NULL) == SM_OK);
    CHECK(pass_curvature(&obj, &repeated, NULL, 2, NULL, &b, NULL) == SM_OK);
    CHECK(a > 0.0);
    CHECK_REL(a, b, 1e-13);
    dataset_free(&weighted);
    dataset_free(&repeated);
}

static void test_pointwise_is_repeated_rows(void)
{
    check_as_repeated(OBJ_POINTWISE, "lin", row_weights);
    check_as_repeated(OBJ_POINTWISE, "lin:w=0.1+sigmoid:a=2,c=2", row_weights);
    check_as_repeated(OBJ_POINTWISE, "lin:w=0.1+sigmoid:a=2,c=2", query_weights);
}

/* Multi-class: K = 3 target scores and scores a row, from the row alone. */
enum { K = 3 };
static double *class_rows(sm_dataset *ds)
{
    double *s = malloc((size_t)ds->n_rows * K * sizeof *s);
    ds->target = malloc((size_t)ds->n_rows * K * sizeof *ds->target);
    ds->target_dim = K;
    for (int64_t r = 0; r < ds->n_rows; r++)
        for (int k = 0; k < K; k++) {
            double x = ds->row_ptr[r + 1] > ds->row_ptr[r] ? ds->val[ds->row_ptr[r]] : 0.0;
            ds->target[r * K + k] = 0.5 * ds->label[r] * (k - 1);
            s[r * K + k] = 0.3 * ds->label[r] * k - 0.1 * k * k + x;
        }
    return s;
}

static void test_multiclass_is_repeated_rows(void)
{
    const sm_objective_kind kinds[] = {OBJ_MULTICLASS, OBJ_MULTICLASS_POINTWISE};
    for (int i = 0; i < 2; i++) {
        sm_objective obj = {.kind = kinds[i], .temperature = 1.0, .n_out = K};
        CHECK(link_parse("lin:w=0.2+sigmoid:a=1,c=0.5", &obj.link, NULL) == SM_OK);
        CHECK(objective_check(&obj, NULL) == SM_OK);
        sm_dataset weighted, repeated;
        if (!weighted_rows(row_weights, 0, &weighted) || !parse_rows(row_weights, 0, &repeated))
            return;
        double *sw = class_rows(&weighted), *sr = class_rows(&repeated), a, b, ba[K], bb[K];
        int64_t units;
        CHECK(pass_mean_objective(&obj, &weighted, sw, 2, NULL, &a, &units, NULL) == SM_OK);
        CHECK(pass_mean_objective(&obj, &repeated, sr, 2, NULL, &b, &units, NULL) == SM_OK);
        CHECK_REL(a, b, 1e-13);
        objective_start_scores(&obj, &weighted, ba);
        objective_start_scores(&obj, &repeated, bb);
        for (int k = 0; k < K; k++)
            CHECK_CLOSE(ba[k], bb[k], 1e-13);
        CHECK(pass_curvature(&obj, &weighted, NULL, 2, NULL, &a, NULL) == SM_OK);
        CHECK(pass_curvature(&obj, &repeated, NULL, 2, NULL, &b, NULL) == SM_OK);
        CHECK_REL(a, b, 1e-13);
        free(sw);
        free(sr);
        dataset_free(&weighted);
        dataset_free(&repeated);
    }
}

static void test_ranking_is_repeated_queries(void)
{
    check_as_repeated(OBJ_LISTWISE, "lin:w=0.1+sigmoid:a=2,c=2", query_weights);
    check_as_repeated(OBJ_PAIRWISE, "lin", query_weights);
}

/* The gradient of the weighted mean objective in one score is w_i / sum w
 * times the row's loss gradient: central differences of the pass agree. */
static void test_finite_differences(void)
{
    sm_objective obj = objective_of(OBJ_POINTWISE, "lin:w=0.2+sigmoid:a=1.5,c=2");
    sm_dataset ds;
    if (!weighted_rows(row_weights, 0, &ds))
        return;
    double *s = row_scores(&ds), total = 0.0;
    for (int r = 0; r < N_ROWS; r++)
        total += row_weights[r];
    sm_objective_work work;
    objective_work_init(&work, 1);
    for (int64_t i = 0; i < ds.n_rows; i++) {
        double g = 0.0, keep = s[i], hi, lo, h = 1e-5;
        int64_t units;
        objective_backward(&obj, s + i, ds.label + i, 1, 1.0, &g, &work);
        s[i] = keep + h;
        CHECK(pass_mean_objective(&obj, &ds, s, 1, NULL, &hi, &units, NULL) == SM_OK);
        s[i] = keep - h;
        CHECK(pass_mean_objective(&obj, &ds, s, 1, NULL, &lo, &units, NULL) == SM_OK);
        s[i] = keep;
        CHECK_CLOSE((hi - lo) / (2 * h), row_weights[i] / total * g, 1e-8);
    }
    objective_work_free(&work);
    free(s);
    dataset_free(&ds);
}

/* Constant weights that are powers of two scale every weighted sum exactly:
 * the model has the bits of the unweighted one. */
static void test_constant_weights_same_model(void)
{
    sm_dataset ds;
    sm_error err;
    if (!CHECK(reader_read_file(HOUSING, NULL, &ds, &err) == SM_OK))
        return;
    sm_train_config cfg;
    train_config_default(&cfg);
    cfg.solver = SOLVER_SGD; /* (the engine's default is L-BFGS) */
    cfg.epochs = 3;
    CHECK(link_parse("lin:w=0.05+sigmoid:a=0.3,c=35", &cfg.objective.link, NULL) == SM_OK);
    sm_model plain, weighted;
    model_init(&plain);
    CHECK(train_run(&ds, NULL, &cfg, &plain, &err) == SM_OK);
    ds.weight = malloc((size_t)ds.n_rows * sizeof *ds.weight);
    const double constants[] = {2.0, 0.5};
    for (int k = 0; k < 2; k++) {
        for (int64_t r = 0; r < ds.n_rows; r++)
            ds.weight[r] = constants[k];
        model_init(&weighted);
        if (CHECK(train_run(&ds, NULL, &cfg, &weighted, &err) == SM_OK))
            CHECK(memcmp(plain.param, weighted.param, ((size_t)ds.dim + 1) * sizeof *plain.param) ==
                  0);
        model_free(&weighted);
    }
    /* other weights: another model */
    for (int64_t r = 0; r < ds.n_rows; r++)
        ds.weight[r] = ds.label[r] >= 35 ? 10.0 : 1.0;
    model_init(&weighted);
    if (CHECK(train_run(&ds, NULL, &cfg, &weighted, &err) == SM_OK))
        CHECK(memcmp(plain.param, weighted.param, ((size_t)ds.dim + 1) * sizeof *plain.param) != 0);
    model_free(&weighted);
    /* weights that leave nothing to train on */
    memset(ds.weight, 0, (size_t)ds.n_rows * sizeof *ds.weight);
    model_init(&weighted);
    CHECK(train_run(&ds, NULL, &cfg, &weighted, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "weights of every unit to train on are 0");
    model_free(&plain);
    dataset_free(&ds);
}

/* ---- reports ---- */

static void test_region_report_weighted(void)
{
    sm_regions regions = test_regions_of("1,3");
    sm_link lin;
    link_parse("lin:w=0.5+exp:a=0.5,c=1", &lin, NULL);
    sm_dataset weighted, repeated;
    if (!weighted_rows(row_weights, 0, &weighted) || !parse_rows(row_weights, 0, &repeated))
        return;
    double *sw = row_scores(&weighted), *sr = row_scores(&repeated);
    sm_region_report a, b;
    CHECK(metrics_region_report(&regions, &lin, weighted.label, weighted.weight, sw,
                                weighted.n_rows, &a, NULL) == SM_OK);
    CHECK(metrics_region_report(&regions, &lin, repeated.label, NULL, sr, repeated.n_rows, &b,
                                NULL) == SM_OK);
    for (int k = 0; k <= regions.n; k++) {
        const sm_region_stats *x = k < regions.n ? &a.region[k] : &a.all;
        const sm_region_stats *y = k < regions.n ? &b.region[k] : &b.all;
        CHECK(x->weight_sum == (double)y->rows && y->weight_sum == (double)y->rows);
        CHECK_REL(x->mean_label, y->mean_label, 1e-13);
        CHECK_REL(x->mean_pred, y->mean_pred, 1e-13);
        CHECK_CLOSE(x->bias, y->bias, 1e-13);
        CHECK_REL(x->mae, y->mae, 1e-13);
        CHECK_REL(x->rmse, y->rmse, 1e-13);
        CHECK_REL(x->mean_loss, y->mean_loss, 1e-13);
        CHECK_CLOSE(x->hit_rate, y->hit_rate, 1e-15);
    }
    CHECK(a.all.rows == N_ROWS); /* rows count rows */
    /* by hand: y = (0, 1), s = (1, 1), weights 3 and 1 */
    const double y[] = {0, 1}, s[] = {1, 1}, w[] = {3, 1};
    sm_regions one = test_regions_of("5");
    CHECK(metrics_region_report(&one, &lin, y, w, s, 2, &a, NULL) == SM_OK);
    CHECK_CLOSE(a.all.bias, 0.75, 1e-15);
    CHECK_CLOSE(a.all.mean_label, 0.25, 1e-15);
    CHECK_CLOSE(a.all.rmse, sqrt(0.75), 1e-15);
    free(sw);
    free(sr);
    dataset_free(&weighted);
    dataset_free(&repeated);
}

static void test_rank_metrics_weighted(void)
{
    sm_dataset weighted, repeated;
    if (!weighted_rows(query_weights, 1, &weighted) || !parse_rows(query_weights, 1, &repeated))
        return;
    double *sw = row_scores(&weighted), *sr = row_scores(&repeated);
    for (int64_t r = 0; r < weighted.n_rows; r++)
        sw[r] = (double)(r % 2) - weighted.label[r]; /* queries out of order */
    for (int64_t r = 0; r < repeated.n_rows; r++) {
        /* the same score for every copy of row r % 3 of its query */
        int64_t g = r / QUERY_ROWS, copy_of = -1;
        for (int64_t q = 0, seen = 0; q < N_ROWS / QUERY_ROWS; q++) {
            seen += (int64_t)query_weights[q * QUERY_ROWS];
            if (g < seen) {
                copy_of = q * QUERY_ROWS + r % QUERY_ROWS;
                break;
            }
        }
        sr[r] = sw[copy_of];
    }
    sm_rank_config c;
    rank_config_default(&c);
    sm_regions regions = test_regions_of("2");
    sm_rank_report a, b;
    CHECK(rank_report_compute(&c, &regions, weighted.group_ptr, weighted.n_groups, weighted.label,
                              weighted.weight, sw, &a, NULL, NULL) == SM_OK);
    CHECK(rank_report_compute(&c, &regions, repeated.group_ptr, repeated.n_groups, repeated.label,
                              NULL, sr, &b, NULL, NULL) == SM_OK);
    for (int t = 0; t < c.n_cutoffs; t++) {
        CHECK_REL(a.mean.ndcg[t], b.mean.ndcg[t], 1e-13);
        CHECK_REL(a.mean.err[t], b.mean.err[t], 1e-13);
    }
    CHECK_REL(a.mean.ap, b.mean.ap, 1e-13);
    CHECK_REL(a.mean.rr, b.mean.rr, 1e-13);
    CHECK(a.mean.ndcg[0] < 1.0); /* not a trivially perfect ordering */
    /* the early stopping metric is weighted the same way */
    sm_rank_metric m;
    double va, vb;
    CHECK(rank_metric_parse("ndcg@3", &m, NULL) == SM_OK);
    CHECK(rank_metric_value(&m, &c, weighted.group_ptr, weighted.n_groups, weighted.label,
                            weighted.weight, sw, &va, NULL) == SM_OK);
    CHECK(rank_metric_value(&m, &c, repeated.group_ptr, repeated.n_groups, repeated.label, NULL,
                            sr, &vb, NULL) == SM_OK);
    CHECK_REL(va, vb, 1e-13);
    free(sw);
    free(sr);
    dataset_free(&weighted);
    dataset_free(&repeated);
}

static void test_class_report_weighted(void)
{
    /* rows 0 and 2 right, row 1 wrong (top class 0, label 1); weights 1, 3, 0.5 */
    const double s[] = {2, 1, 0, 3, 1, 0, 0, 1, 4};
    const int32_t y[] = {0, 1, 2};
    const double w[] = {1, 3, 0.5}, q[] = {0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.2, 0.3, 0.5};
    sm_class_config c;
    class_config_default(&c);
    sm_class_report r;
    if (!CHECK(class_report_compute(&c, s, 3, 3, y, q, w, &r, NULL) == SM_OK))
        return;
    CHECK_CLOSE(r.accuracy, 1.5 / 4.5, 1e-15);
    CHECK_CLOSE(r.top_k[1], 4.5 / 4.5, 1e-15); /* top-2: every label within */
    CHECK_CLOSE(r.top1_agreement, 1.5 / 4.5, 1e-15);
    CHECK(r.confusion[1 * 3 + 0] == 1); /* counts rows */
    CHECK_CLOSE(r.weight, 4.5, 0);
    class_report_free(&r);
    /* two shares of the rows (as two ranks hold them): their shares weighed
     * by their rows' weight combine into the whole's */
    sm_class_report part[2];
    if (!CHECK(class_report_compute(&c, s, 2, 3, y, q, w, &part[0], NULL) == SM_OK))
        return;
    if (!CHECK(class_report_compute(&c, s + 6, 1, 3, y + 2, q + 6, w + 2, &part[1], NULL) ==
               SM_OK))
        return;
    CHECK_CLOSE(part[0].weight, 4.0, 0);
    CHECK_CLOSE((part[0].accuracy * part[0].weight + part[1].accuracy * part[1].weight) /
                    (part[0].weight + part[1].weight), 1.5 / 4.5, 1e-15);
    class_report_free(&part[0]);
    class_report_free(&part[1]);
}

/* ---- the weights file ---- */

static sm_status read_weights(const char *text, int64_t rows, double **w, sm_error *err)
{
    const char *path = test_tmp_path("w.weight");
    test_write_file(path, text, strlen(text));
    sm_error_clear(err);
    return sidecar_read_weights(path, rows, "d.txt", w, err);
}

static void expect_weights_error(const char *text, int64_t rows, const char *want)
{
    double *w = (double *)1;
    sm_error err;
    CHECK(read_weights(text, rows, &w, &err) == SM_EDATA);
    CHECK(w == NULL);
    CHECK_CONTAINS(err.msg, want);
}

static void test_weights_file(void)
{
    double *w = NULL;
    sm_error err;
    if (CHECK(read_weights("# weights\n1\n\n0 # none\n2.5e-1\n", 3, &w, &err) == SM_OK))
        CHECK(w[0] == 1 && w[1] == 0 && w[2] == 0.25);
    free(w);
    expect_weights_error("1\n-2\n3\n", 3, "w.weight:2:1: a weight must be >= 0 \"-2\"");
    expect_weights_error("1\nnan\n3\n", 3, "w.weight:2:1: weight must be finite");
    expect_weights_error("1\n  inf\n", 2, "w.weight:2:3: weight must be finite");
    expect_weights_error("1\nabc\n", 2, "w.weight:2:1: weight is not a number \"abc\"");
    expect_weights_error("1\n2 3\n", 2, "w.weight:2:3: unexpected text after the weight");
    expect_weights_error("1\n2\n3\n", 2, "w.weight:3:1: more weights than the 2 rows of d.txt");
    expect_weights_error("1\n2\n# end\n", 3,
                         "w.weight:3: the file ends after 2 weights, for the 3 rows of d.txt");
    expect_weights_error("0\n0.0\n", 2, "w.weight: every weight is 0");
}

/* Normalising: by a power of two (exact: every weighted mean keeps its
 * bits), the largest into [0.5, 1); equal weights become 1; a share without
 * weights takes part through its implicit 1s. */
static void test_normalize_weights(void)
{
    static const double w[] = {3, 1e308, 0, 5e-300};
    sm_dataset ds;
    sm_error err;
    double lo, hi;
    dataset_init(&ds);
    ds.n_rows = 4;
    ds.weight = malloc(sizeof w);
    memcpy(ds.weight, w, sizeof w);
    dataset_weight_range(&ds, &lo, &hi);
    CHECK(lo == 0 && hi == 1e308);
    CHECK(dataset_normalize_weights(&ds, lo, hi, &err) == SM_OK);
    int e;
    (void)frexp(1e308, &e);
    for (int i = 0; i < 4; i++)
        CHECK(ds.weight[i] == ldexp(w[i], -e));
    CHECK(ds.weight[1] >= 0.5 && ds.weight[1] < 1);
    for (int i = 0; i < 4; i++)
        ds.weight[i] = 1e306;
    dataset_weight_range(&ds, &lo, &hi);
    CHECK(dataset_normalize_weights(&ds, lo, hi, &err) == SM_OK);
    for (int i = 0; i < 4; i++)
        CHECK(ds.weight[i] == 1.0);
    free(ds.weight);
    ds.weight = NULL; /* a share without weights, where another's reach 8 */
    dataset_weight_range(&ds, &lo, &hi);
    CHECK(lo == 1 && hi == 1);
    CHECK(dataset_normalize_weights(&ds, 1, 1, &err) == SM_OK && ds.weight == NULL);
    CHECK(dataset_normalize_weights(&ds, 0.5, 8, &err) == SM_OK);
    for (int i = 0; ds.weight && i < 4; i++)
        CHECK(ds.weight[i] == 0.0625); /* 8 = 0.5 2^4 */
    CHECK(ds.weight != NULL);
    dataset_free(&ds);
}

static void test_query_weights_must_agree(void)
{
    sm_dataset ds;
    sm_error err;
    if (!weighted_rows(query_weights, 1, &ds))
        return;
    CHECK(dataset_check_query_weights(&ds, "q.weight", &err) == SM_OK);
    ds.weight[7] = 1;
    CHECK(dataset_check_query_weights(&ds, "q.weight", &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "rows:8: the weight of this row, 1 (q.weight), is not that of its "
                            "query's first row (line 7), 3");
    dataset_free(&ds);
}

static const test_case cases[] = {
    TEST(test_pointwise_is_repeated_rows),
    TEST(test_multiclass_is_repeated_rows),
    TEST(test_ranking_is_repeated_queries),
    TEST(test_finite_differences),
    TEST(test_constant_weights_same_model),
    TEST(test_region_report_weighted),
    TEST(test_rank_metrics_weighted),
    TEST(test_class_report_weighted),
    TEST(test_weights_file),
    TEST(test_query_weights_must_agree), TEST(test_normalize_weights),
};

TEST_MAIN(cases)
