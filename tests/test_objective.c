/* test_objective.c - pointwise, pairwise and listwise objectives: finite-
 * difference gradients for every link term, targets and temperatures, the
 * RankNet and ListNet special cases in closed form, pair sampling, the
 * trainer's fused forward-backward call against the two separate ones, and
 * what the trainer asks of an objective (units, start score, curvature),
 * and what each kind's row says of it (help, defaults, the messages that
 * list kinds). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "objective.h"
#include "test.h"

static const char *const specs[] = {
    "lin", "sigmoid:a=2,c=1", "exp:a=0.5", "exp:a=-0.7,c=1", "sinh:a=0.8,c=1.5",
    "pwl:knots=0.5/2,slopes=0.2/1/3", "lin:w=0.1+sigmoid:a=3,c=2.5",
};

/* A query: graded labels with ties, scores off the labels. */
static const double qy[] = {3, 1, 0, 2, 1, 4, 0};
static const double qs[] = {2.2, 1.5, -0.3, 2.9, 0.7, 3.1, 0.4};
#define QN 7

/* The gradient of n rows of k scores (targets y, k per row for the
 * multi-class kinds) against central finite differences, and the trainer's
 * fused call against the separate ones, bit for bit. */
static void check_fd_scores(const sm_objective *obj, const double *s0, const double *y,
                            int64_t n, int64_t k, const char *label)
{
    enum { MAX = 16 };
    sm_objective_work w;
    objective_work_init(&w, 1);
    CHECK(n * k <= MAX && objective_work_reserve(&w, n > k ? n : k, NULL) == SM_OK);
    double s[MAX], g[MAX] = {0}, g_fused[MAX] = {0};
    size_t bytes = (size_t)(n * k) * sizeof *s;
    memcpy(s, s0, bytes);
    objective_backward(obj, s, y, n, 1.0, g, &w);
    int64_t units, fused_units;
    double loss = objective_forward(obj, s, y, n, &units, &w);
    double fused = objective_forward_backward(obj, s, y, n, 1.0, g_fused, &fused_units, &w);
    if (!CHECK(memcmp(g, g_fused, bytes) == 0 && loss == fused && units == fused_units))
        fprintf(stderr, "  %s: forward_backward loss %.17g vs %.17g\n", label, fused, loss);
    for (int64_t i = 0; i < n * k; i++) {
        double h = 1e-5 * fmax(1.0, fabs(s[i])), keep = s[i], up, down;
        s[i] = keep + h;
        up = objective_forward(obj, s, y, n, &units, &w);
        s[i] = keep - h;
        down = objective_forward(obj, s, y, n, &units, &w);
        s[i] = keep;
        double fd = (up - down) / (2 * h);
        if (!CHECK(fabs(fd - g[i]) <= 1e-6 * fmax(1.0, fabs(fd))))
            fprintf(stderr, "  %s score %d: analytic %.12g, finite difference %.12g\n", label,
                    (int)i, g[i], fd);
    }
    objective_work_free(&w);
}

static void check_fd(sm_objective *obj, const char *label)
{
    check_fd_scores(obj, qs, qy, QN, 1, label);
}

static void test_gradients_all_links(void)
{
    const sm_objective_kind kinds[] = {OBJ_POINTWISE, OBJ_PAIRWISE, OBJ_PAIRWISE, OBJ_LISTWISE,
                                       OBJ_LISTWISE};
    const sm_target_kind targets[] = {TARGET_DEFAULT, TARGET_HARD, TARGET_SOFT, TARGET_MATCHED,
                                      TARGET_GAIN};
    const double temps[] = {1.0, 0.5, 3.0};
    for (size_t k = 0; k < sizeof specs / sizeof *specs; k++)
        for (int o = 0; o < 5; o++)
            for (int t = 0; t < 3; t++) {
                if (kinds[o] == OBJ_POINTWISE && t > 0)
                    continue;
                sm_objective obj = {.kind = kinds[o], .target = targets[o], .temperature = temps[t]};
                CHECK(link_parse(specs[k], &obj.link, NULL) == SM_OK);
                CHECK(objective_check(&obj, NULL) == SM_OK);
                char label[160];
                snprintf(label, sizeof label, "%s %s/%s T=%g", specs[k],
                         objective_kind_name(obj.kind), objective_target_name(obj.target),
                         temps[t]);
                check_fd(&obj, label);
            }
}

static double softplus(double u) { return fmax(u, 0) + log1p(exp(-fabs(u))); }

/* RankNet: f = lin, hard target: mean over pairs y_i > y_j of log(1 + e^-(s_i - s_j)). */
static void test_ranknet(void)
{
    sm_objective obj = {.kind = OBJ_PAIRWISE, .temperature = 1.0};
    link_parse("lin", &obj.link, NULL);
    objective_check(&obj, NULL);
    double want = 0;
    int pairs = 0;
    for (int i = 0; i < QN; i++)
        for (int j = 0; j < QN; j++)
            if (qy[i] > qy[j]) {
                want += softplus(-(qs[i] - qs[j]));
                pairs++;
            }
    want /= pairs;
    sm_objective_work w;
    objective_work_init(&w, 1);
    objective_work_reserve(&w, QN, NULL);
    int64_t units;
    CHECK_REL(objective_forward(&obj, qs, qy, QN, &units, &w), want, 1e-14);
    CHECK(units == 1);
    /* All labels equal: no pairs, not a unit. */
    double same[3] = {2, 2, 2};
    CHECK(objective_forward(&obj, qs, same, 3, &units, &w) == 0.0 && units == 0);
    CHECK(!objective_is_unit(&obj, same, 3));
    CHECK(objective_is_unit(&obj, qy, QN));
    objective_work_free(&w);
}

/* ListNet (top one): f = lin, T = 1, q = softmax(y): KL(q || softmax(s)). */
static void test_listnet(void)
{
    sm_objective obj = {.kind = OBJ_LISTWISE, .temperature = 1.0};
    link_parse("lin", &obj.link, NULL);
    objective_check(&obj, NULL);
    double zy = 0, zs = 0;
    for (int i = 0; i < QN; i++) {
        zy += exp(qy[i]);
        zs += exp(qs[i]);
    }
    double want = 0;
    for (int i = 0; i < QN; i++) {
        double q = exp(qy[i]) / zy, p = exp(qs[i]) / zs;
        want += q * log(q / p);
    }
    sm_objective_work w;
    objective_work_init(&w, 1);
    objective_work_reserve(&w, QN, NULL);
    int64_t units;
    CHECK_REL(objective_forward(&obj, qs, qy, QN, &units, &w), want, 1e-12);
    /* Matched target: zero loss at s = y and at s = y + constant. */
    double shifted[QN];
    for (int i = 0; i < QN; i++)
        shifted[i] = qy[i] + 7.5;
    CHECK_CLOSE(objective_forward(&obj, qy, qy, QN, &units, &w), 0.0, 1e-15);
    CHECK_CLOSE(objective_forward(&obj, shifted, qy, QN, &units, &w), 0.0, 1e-13);
    /* A single row is not a unit. */
    CHECK(objective_forward(&obj, qs, qy, 1, &units, &w) == 0.0 && units == 0);
    /* Gain target: q = (2^y - 1) / sum; all-zero gains: not a unit. */
    obj.target = TARGET_GAIN;
    double zeros[3] = {0, 0, 0};
    CHECK(!objective_is_unit(&obj, zeros, 3));
    CHECK(objective_forward(&obj, qs, zeros, 3, &units, &w) == 0.0 && units == 0);
    double gsum = 0;
    for (int i = 0; i < QN; i++)
        gsum += pow(2, qy[i]) - 1;
    want = 0;
    for (int i = 0; i < QN; i++) {
        double q = (pow(2, qy[i]) - 1) / gsum, p = exp(qs[i]) / zs;
        if (q > 0)
            want += q * log(q / p);
    }
    CHECK_REL(objective_forward(&obj, qs, qy, QN, &units, &w), want, 1e-12);
    objective_work_free(&w);
}

/* Soft pairwise target: zero loss when s = y (matching), positive otherwise. */
static void test_soft_pairwise_matching(void)
{
    sm_objective obj = {.kind = OBJ_PAIRWISE, .target = TARGET_SOFT, .temperature = 0.7};
    link_parse("sigmoid:a=2,c=2", &obj.link, NULL);
    sm_objective_work w;
    objective_work_init(&w, 1);
    objective_work_reserve(&w, QN, NULL);
    int64_t units;
    CHECK_CLOSE(objective_forward(&obj, qy, qy, QN, &units, &w), 0.0, 1e-15);
    CHECK(objective_forward(&obj, qs, qy, QN, &units, &w) > 0.0);
    objective_work_free(&w);
}

/* A long query (grades 0..4 with many ties, scores loosely following them)
 * and scratch for it; long enough for the qsort path of the pair order. */
static void long_query(double *y, double *s, int n, sm_objective_work *w, uint64_t seed)
{
    for (int i = 0; i < n; i++) {
        y[i] = (i * 7) % 5;
        s[i] = 0.03 * ((i * 13) % 31) + 0.2 * y[i];
    }
    objective_work_init(w, seed);
    objective_work_reserve(w, n, NULL);
}

/* Sampled pairs: the mean of many sampled gradients approaches the all-pairs one. */
static void test_sampled_pairs_unbiased(void)
{
    sm_objective all = {.kind = OBJ_PAIRWISE, .temperature = 1.0};
    link_parse("lin:w=0.1+sigmoid:a=3,c=2.5", &all.link, NULL);
    objective_check(&all, NULL);
    sm_objective sampled = all;
    sampled.max_pairs = 3;
    enum { N = 80 };
    double y[N], s[N], g_all[N] = {0}, g_mean[N] = {0};
    sm_objective_work w;
    long_query(y, s, N, &w, 99);
    objective_backward(&all, s, y, N, 1.0, g_all, &w);
    const int draws = 20000;
    for (int t = 0; t < draws; t++)
        objective_backward(&sampled, s, y, N, 1.0 / draws, g_mean, &w);
    double norm = 0, diff = 0;
    for (int i = 0; i < N; i++) {
        norm += g_all[i] * g_all[i];
        diff += (g_mean[i] - g_all[i]) * (g_mean[i] - g_all[i]);
    }
    if (!CHECK(sqrt(diff) < 0.05 * sqrt(norm)))
        fprintf(stderr, "  sampled gradient off by %.3g of %.3g\n", sqrt(diff), sqrt(norm));
    /* The fused call reports the loss of the pairs it drew: unbiased too. */
    int64_t units;
    double exact = objective_forward(&all, s, y, N, &units, &w), mean = 0.0;
    double g_scratch[N] = {0};
    for (int t = 0; t < draws; t++)
        mean += objective_forward_backward(&sampled, s, y, N, 1.0, g_scratch, &units, &w) / draws;
    if (!CHECK(units == 1 && fabs(mean - exact) < 0.02 * exact))
        fprintf(stderr, "  mean sampled loss %.6g, all pairs %.6g\n", mean, exact);
    /* Same seed, same draws. */
    double a[N] = {0}, b[N] = {0};
    sm_objective_work w1, w2;
    objective_work_init(&w1, 5);
    objective_work_init(&w2, 5);
    objective_work_reserve(&w1, N, NULL);
    objective_work_reserve(&w2, N, NULL);
    objective_backward(&sampled, s, y, N, 1.0, a, &w1);
    objective_backward(&sampled, s, y, N, 1.0, b, &w2);
    CHECK(memcmp(a, b, sizeof a) == 0);
    objective_work_free(&w);
    objective_work_free(&w1);
    objective_work_free(&w2);
}

static void test_check_targets(void)
{
    sm_objective obj = {.kind = OBJ_PAIRWISE, .target = TARGET_GAIN, .temperature = 1};
    sm_error err;
    CHECK(objective_check(&obj, &err) == SM_EUSAGE);
    obj.kind = OBJ_LISTWISE;
    obj.target = TARGET_SOFT;
    CHECK(objective_check(&obj, &err) == SM_EUSAGE);
    obj.target = TARGET_DEFAULT;
    CHECK(objective_check(&obj, &err) == SM_OK && obj.target == TARGET_MATCHED);
    obj.temperature = 0;
    CHECK(objective_check(&obj, &err) == SM_EUSAGE);
    obj.kind = OBJ_POINTWISE;
    obj.temperature = 1;
    obj.target = TARGET_HARD;
    CHECK(objective_check(&obj, &err) == SM_EUSAGE);
}

/* With max_pairs at least the pair count, sampling is off; below it the
 * reported loss is a fixed, evenly spaced estimate: the same on every call
 * and close to the all-pairs mean. */
static void test_sampled_forward(void)
{
    sm_objective all = {.kind = OBJ_PAIRWISE, .temperature = 1.0};
    link_parse("sinh:a=0.8,c=1.5", &all.link, NULL);
    objective_check(&all, NULL);
    enum { N = 120 };
    double y[N], s[N];
    sm_objective_work w;
    long_query(y, s, N, &w, 3);
    int64_t units, pairs = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            pairs += y[i] > y[j];
    double exact = objective_forward(&all, s, y, N, &units, &w);
    sm_objective many = all, few = all;
    many.max_pairs = pairs;
    few.max_pairs = 500;
    CHECK(objective_forward(&many, s, y, N, &units, &w) == exact);
    double a = objective_forward(&few, s, y, N, &units, &w);
    double b = objective_forward(&few, s, y, N, &units, &w);
    CHECK(a == b && units == 1);
    if (!CHECK(fabs(a - exact) < 0.05 * exact))
        fprintf(stderr, "  500 of %lld pairs: %.6g, all: %.6g\n", (long long)pairs, a, exact);
    objective_work_free(&w);
}

/* Gains: labels at or below 0 gain nothing, even negative ones; the target
 * is a distribution. */
static void test_gain_target(void)
{
    sm_objective obj = {.kind = OBJ_LISTWISE, .target = TARGET_GAIN, .temperature = 2};
    link_parse("exp:a=0.5", &obj.link, NULL);
    objective_check(&obj, NULL);
    const double y[] = {-1.5, 0, 1, 3, 2000};
    double q[5];
    CHECK(objective_listwise_target(&obj, y, 3, q));
    CHECK(q[0] == 0 && q[1] == 0 && q[2] == 1);
    CHECK(objective_listwise_target(&obj, y, 4, q));
    CHECK_CLOSE(q[2], 1.0 / 8, 1e-15);
    CHECK_CLOSE(q[3], 7.0 / 8, 1e-15);
    /* A huge label does not overflow: it takes all the mass. */
    CHECK(objective_listwise_target(&obj, y, 5, q));
    CHECK(q[4] == 1.0 && q[3] == 0.0);
    CHECK(!objective_listwise_target(&obj, y, 2, q));
    /* Matched target: softmax(f(y)/T). */
    obj.target = TARGET_MATCHED;
    CHECK(objective_listwise_target(&obj, y, 4, q));
    double z = 0;
    for (int i = 0; i < 4; i++)
        z += exp(link_h(&obj.link, y[i]) / 2);
    for (int i = 0; i < 4; i++)
        CHECK_REL(q[i], exp(link_h(&obj.link, y[i]) / 2) / z, 1e-14);
    sm_error err;
    obj.max_pairs = 3;
    CHECK(objective_check(&obj, &err) == SM_EUSAGE);
}


/* The best constant score: the mean label for lin, h(c) = mean h(y) for any
 * link, the labels' midpoint when mean h(y) overflows, 0 without labels. */
static void test_start_score(void)
{
    sm_objective obj = {.kind = OBJ_POINTWISE, .temperature = 1};
    const double y[] = {1, 2, 4, 7.5};
    link_parse("lin", &obj.link, NULL);
    CHECK_REL(objective_start_score(&obj, y, 4), 3.625, 1e-14);
    CHECK(objective_start_score(&obj, y, 0) == 0.0);
    for (size_t k = 1; k < sizeof specs / sizeof specs[0]; k++) {
        link_parse(specs[k], &obj.link, NULL);
        double c = objective_start_score(&obj, y, 4), mean_h = 0;
        for (int i = 0; i < 4; i++)
            mean_h += link_h(&obj.link, y[i]) / 4;
        if (!CHECK_CLOSE(link_h(&obj.link, c), mean_h, 1e-12))
            fprintf(stderr, "  %s: start %.17g\n", specs[k], c);
        CHECK(c >= 1 && c <= 7.5);
    }
    const double huge[] = {1000, 800};
    link_parse("exp:a=1", &obj.link, NULL);
    CHECK(objective_start_score(&obj, huge, 2) == 900);
}

/* A data set of labels and queries only (objective_units reads no features). */
static sm_dataset labels_only(double *y, int64_t n, int64_t *group_ptr, int64_t n_groups)
{
    sm_dataset ds;
    dataset_init(&ds);
    ds.n_rows = n;
    ds.label = y;
    ds.group_ptr = group_ptr;
    ds.n_groups = n_groups;
    snprintf(ds.source, sizeof ds.source, "mem");
    return ds;
}

/* The units of an epoch: every row; queries with a pair; lists with a target. */
static void test_units(void)
{
    double y[] = {1, 1, 0, 2, 0, 0, 3};
    int64_t groups[] = {0, 2, 4, 6, 7}, *units, n;
    sm_dataset ds = labels_only(y, 7, groups, 4);
    sm_objective obj = {.kind = OBJ_POINTWISE, .temperature = 1};
    link_parse("lin", &obj.link, NULL);
    sm_error err;
    CHECK(objective_units(&obj, &ds, &units, &n, &err) == SM_OK && n == 7 && units[6] == 6);
    free(units);
    obj.kind = OBJ_PAIRWISE; /* queries {1,1} {0,2} {0,0} {3}: only the second has a pair */
    CHECK(objective_units(&obj, &ds, &units, &n, &err) == SM_OK && n == 1 && units[0] == 1);
    free(units);
    obj.kind = OBJ_LISTWISE;
    obj.target = TARGET_GAIN; /* {0,0} has no gain, {3} a single row */
    CHECK(objective_units(&obj, &ds, &units, &n, &err) == SM_OK && n == 2);
    CHECK(units[0] == 0 && units[1] == 1);
    free(units);
    ds.n_groups = 1;
    groups[1] = 2;
    obj.kind = OBJ_PAIRWISE;
    CHECK(objective_units(&obj, &ds, &units, &n, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "mem: no queries with rows of different labels");
    free(units);
}

/* Dense rows g_i = (x_i, 1) of a query, for the spread callback. */
typedef struct {
    const double (*x)[2];
    int64_t n;
    const double *want_c; /* the coefficients the objective must pass */
    int calls;
} dense_query;

static double dense_spread(void *ctx, const double *w, const double *c)
{
    dense_query *q = ctx;
    double sq = 0, mean[3] = {0, 0, 0}, total_w = 0;
    q->calls++;
    for (int64_t i = 0; i < q->n; i++) {
        double g[3] = {q->x[i][0], q->x[i][1], 1.0};
        CHECK(c[i] == q->want_c[i]);
        total_w += w[i];
        for (int k = 0; k < 3; k++) {
            sq += w[i] * c[i] * c[i] * g[k] * g[k];
            mean[k] += w[i] * c[i] * g[k];
        }
    }
    CHECK_CLOSE(total_w, 1.0, 1e-15);
    return sq - (mean[0] * mean[0] + mean[1] * mean[1] + mean[2] * mean[2]);
}

/* The curvature of a query: c = f'(y)/T; pairwise half the uniform spread,
 * listwise the larger of the uniform and the target's; finite and positive. */
static void test_query_curvature(void)
{
    static const double x[4][2] = {{1, 0}, {0, 2}, {-1, 1}, {0.5, 0.5}};
    const double y[] = {3, 0, 1, 2};
    double c[4], uniform[4] = {0.25, 0.25, 0.25, 0.25}, q[4], buf[12];
    sm_objective obj = {.kind = OBJ_PAIRWISE, .temperature = 0.5};
    link_parse("lin:w=0.1+sigmoid:a=3,c=2.5", &obj.link, NULL);
    for (int i = 0; i < 4; i++) {
        c[i] = link_dh(&obj.link, y[i]) / 0.5;
        CHECK(objective_label_curvature(&obj, &y[i]) == link_dh(&obj.link, y[i]));
    }
    dense_query dq = {x, 4, c, 0};
    double want = dense_spread(&dq, uniform, c);
    dq.calls = 0;
    CHECK(objective_query_curvature(&obj, y, 4, dense_spread, &dq, buf) == 0.5 * want);
    CHECK(dq.calls == 1 && want > 0 && isfinite(want));
    obj.kind = OBJ_LISTWISE;
    objective_check(&obj, NULL);
    objective_listwise_target(&obj, y, 4, q);
    double at_q = dense_spread(&dq, q, c);
    dq.calls = 0;
    CHECK(objective_query_curvature(&obj, y, 4, dense_spread, &dq, buf) == fmax(want, at_q));
    CHECK(dq.calls == 2);
}


/* ---- multi-class ---- */

/* 3 rows of K = 4 class scores and targets: teacher scores (matched) or
 * probabilities with a zero (prob; also what one-hot class labels are). */
enum { MC_ROWS = 3, MC_K = 4 };
static const double mc_s[MC_ROWS * MC_K] = {2.2, -0.5, 0.7, 1.1, 0.0, 0.3, -1.2, 2.5,
                                            -0.4, 1.9, 1.8, 0.2};
static const double mc_teacher[MC_ROWS * MC_K] = {3.0, -1.0, 0.5, 2.0, -0.2, 0.1, -2.0, 1.5,
                                                  0.0, 2.5, 2.4, -0.5};
static const double mc_prob[MC_ROWS * MC_K] = {0.7, 0.0, 0.1, 0.2, 0, 0, 0, 1,
                                               0.05, 0.5, 0.45, 0};

static void test_multiclass_gradients(void)
{
    const double temps[] = {1.0, 0.5, 3.0};
    for (size_t k = 0; k < sizeof specs / sizeof *specs; k++)
        for (int v = 0; v < 3; v++)
            for (int t = 0; t < 3; t++) {
                sm_objective obj = {.kind = v < 2 ? OBJ_MULTICLASS : OBJ_MULTICLASS_POINTWISE,
                                    .target = v == 1 ? TARGET_PROB : TARGET_DEFAULT,
                                    .temperature = temps[t], .n_out = MC_K};
                CHECK(link_parse(specs[k], &obj.link, NULL) == SM_OK);
                CHECK(objective_check(&obj, NULL) == SM_OK);
                char label[160];
                snprintf(label, sizeof label, "%s %s/%s T=%g", specs[k],
                         objective_kind_name(obj.kind), objective_target_name(obj.target),
                         temps[t]);
                check_fd_scores(&obj, mc_s, v == 1 ? mc_prob : mc_teacher, MC_ROWS, MC_K, label);
            }
}

/* f = lin, T = 1: one-hot targets give the cross-entropy -log softmax(s)_c
 * (multinomial logistic regression) with gradient p - onehot; matched
 * teacher scores give KL(softmax(t) || softmax(s)), zero at s = t + const;
 * the per-dimension loss is the summed square loss. */
static void test_multiclass_closed_forms(void)
{
    sm_objective obj = {.kind = OBJ_MULTICLASS, .target = TARGET_PROB, .temperature = 1,
                        .n_out = MC_K};
    CHECK(link_parse("lin", &obj.link, NULL) == SM_OK && objective_check(&obj, NULL) == SM_OK);
    sm_objective_work w;
    objective_work_init(&w, 1);
    CHECK(objective_work_reserve(&w, MC_K, NULL) == SM_OK);
    const double onehot[MC_K] = {0, 0, 1, 0};
    double g[MC_K] = {0}, sum = 0.0;
    int64_t units;
    for (int k = 0; k < MC_K; k++)
        sum += exp(mc_s[k]);
    double loss = objective_forward_backward(&obj, mc_s, onehot, 1, 1.0, g, &units, &w);
    CHECK_CLOSE(loss, log(sum) - mc_s[2], 1e-14);
    for (int k = 0; k < MC_K; k++)
        CHECK_CLOSE(g[k], exp(mc_s[k]) / sum - onehot[k], 1e-15);
    obj.target = TARGET_MATCHED;
    double shifted[MC_K];
    for (int k = 0; k < MC_K; k++)
        shifted[k] = mc_teacher[k] + 7.25;
    CHECK_CLOSE(objective_forward(&obj, shifted, mc_teacher, 1, &units, &w), 0.0, 1e-15);
    obj.kind = OBJ_MULTICLASS_POINTWISE;
    obj.target = TARGET_DEFAULT;
    double want = 0.0;
    for (int i = 0; i < MC_ROWS * MC_K; i++)
        want += 0.5 * (mc_s[i] - mc_teacher[i]) * (mc_s[i] - mc_teacher[i]);
    CHECK_CLOSE(objective_forward(&obj, mc_s, mc_teacher, MC_ROWS, &units, &w), want, 1e-13);
    CHECK(units == MC_ROWS);
    objective_work_free(&w);
}

static void test_multiclass_checks_and_start(void)
{
    sm_objective obj = {.kind = OBJ_MULTICLASS, .temperature = 1, .n_out = 1};
    sm_error err;
    CHECK(link_parse("lin", &obj.link, NULL) == SM_OK);
    CHECK(objective_check(&obj, &err) == SM_EUSAGE);       /* one class */
    CHECK_CONTAINS(err.msg, "at least 2 classes");
    obj.n_out = 3;
    obj.target = TARGET_GAIN;
    CHECK(objective_check(&obj, &err) == SM_EUSAGE);
    obj.target = TARGET_DEFAULT;
    CHECK(objective_check(&obj, &err) == SM_OK && obj.target == TARGET_MATCHED);
    sm_objective lw = {.kind = OBJ_LISTWISE, .temperature = 1, .n_out = 3};
    CHECK(objective_check(&lw, &err) == SM_EUSAGE);        /* K scores: multi-class only */
    /* start scores: per class for teacher scores (lin: the class's mean),
     * 0 for probabilities */
    double t[6] = {1, 10, -2, 3, 20, 0}, bias[3];
    sm_dataset ds = {.n_rows = 2, .target = t, .target_dim = 3};
    objective_start_scores(&obj, &ds, bias);
    CHECK_CLOSE(bias[0], 2.0, 1e-12);
    CHECK_CLOSE(bias[1], 15.0, 1e-12);
    CHECK_CLOSE(bias[2], -1.0, 1e-12);
    obj.target = TARGET_PROB;
    objective_start_scores(&obj, &ds, bias);
    CHECK(bias[0] == 0.0 && bias[1] == 0.0 && bias[2] == 0.0);
    /* curvature: lin, uniform over 3 classes: c = 1, (1/3)(2/3); a one-hot
     * target adds nothing */
    const double onehot[3] = {0, 1, 0};
    CHECK_CLOSE(objective_label_curvature(&obj, onehot), 2.0 / 9.0, 1e-15);
    obj.kind = OBJ_MULTICLASS_POINTWISE;
    obj.target = TARGET_DEFAULT;
    CHECK(link_parse("exp:a=1", &obj.link, NULL) == SM_OK);
    CHECK_CLOSE(objective_label_curvature(&obj, t), exp(10.0), 1e-9 * exp(10.0));
}

/* objective_shift_invariant against the loss: a unit's loss is unchanged
 * by one shift of all its scores exactly for the kinds that say so (a unit
 * of QN rows; for the multi-class kinds one row of QN class scores). */
static void test_shift_invariance(void)
{
    for (int kind = 0; kind < OBJ_KIND_COUNT; kind++) {
        int multiclass = objective_is_multiclass((sm_objective_kind)kind);
        sm_objective obj = {.kind = (sm_objective_kind)kind, .temperature = 1.0,
                            .n_out = multiclass ? QN : 1};
        CHECK(link_parse("lin", &obj.link, NULL) == SM_OK);
        CHECK(objective_check(&obj, NULL) == SM_OK);
        sm_objective_work w;
        objective_work_init(&w, 1);
        CHECK(objective_work_reserve(&w, QN, NULL) == SM_OK);
        double shifted[QN];
        for (int i = 0; i < QN; i++)
            shifted[i] = qs[i] + 0.75;
        int64_t rows = multiclass ? 1 : QN, units;
        double loss = objective_forward(&obj, qs, qy, rows, &units, &w);
        double moved = objective_forward(&obj, shifted, qy, rows, &units, &w);
        int same = fabs(moved - loss) <= 1e-12 * fmax(1.0, loss);
        if (!CHECK(same == objective_shift_invariant(obj.kind)))
            fprintf(stderr, "  %s: %.17g shifted %.17g\n", objective_kind_name(obj.kind), loss,
                    moved);
        objective_work_free(&w);
    }
}

/* What the rows say: a help that fits --objective's column, the defaults
 * that follow from the unit (those of the command line before the rows
 * held them), and messages that list the kinds of a property. */
static void test_rows(void)
{
    for (int kind = 0; kind < OBJ_KIND_COUNT; kind++) {
        sm_objective_kind k = (sm_objective_kind)kind;
        const char *help = objective_help(k);
        size_t col = strlen(objective_kind_name(k)) + 2; /* "NAME: " */
        CHECK(help && *help);
        for (const char *line = help; line && *line; col = 0) {
            const char *end = strchr(line, '\n');
            size_t len = end ? (size_t)(end - line) : strlen(line);
            if (!CHECK(col + len <= OBJECTIVE_HELP_COLUMNS))
                fprintf(stderr, "  %s: '%.*s' too long\n", objective_kind_name(k), (int)len, line);
            line = end ? end + 1 : NULL;
        }
        sm_objective_unit unit = objective_unit(k);
        CHECK(objective_is_ranking(k) == (unit == UNIT_QUERY));
        CHECK(objective_is_multiclass(k) == (unit == UNIT_CLASS_ROW));
        CHECK(objective_default_batch(k) == (unit == UNIT_QUERY ? 1 : 16));
        CHECK(objective_default_metric(k) == (unit == UNIT_QUERY       ? METRIC_NDCG
                                              : unit == UNIT_CLASS_ROW ? METRIC_ACCURACY
                                                                       : METRIC_RMSE));
        CHECK_STREQ(objective_units_noun(k),
                    unit == UNIT_QUERY ? "queries with rows of different labels" : "rows");
    }
    char text[OBJECTIVE_KINDS_TEXT];
    objective_kinds_of_unit(UNIT_CLASS_ROW, text, sizeof text);
    CHECK_STREQ(text, "the multiclass and multiclass-pointwise objectives");
    objective_kinds_of_unit(UNIT_QUERY, text, sizeof text);
    CHECK_STREQ(text, "the pairwise and listwise objectives");
    objective_kinds_of_unit(UNIT_ROW, text, sizeof text);
    CHECK_STREQ(text, "the pointwise objective");
    sm_error err;
    sm_objective obj = {.kind = OBJ_POINTWISE, .temperature = 1.0, .target = TARGET_SOFT};
    CHECK(objective_check_options(&obj, &err) == SM_EUSAGE);
    CHECK_STREQ(err.msg, "--target applies to the pairwise, listwise and multiclass objectives "
                         "only");
    obj = (sm_objective){.kind = OBJ_LISTWISE, .temperature = 1.0, .max_pairs = 4};
    CHECK(objective_check_options(&obj, &err) == SM_EUSAGE);
    CHECK_STREQ(err.msg, "--max-pairs applies to the pairwise objective only");
}

static const test_case cases[] = {
    TEST(test_sampled_forward), TEST(test_gain_target),
    TEST(test_gradients_all_links), TEST(test_ranknet), TEST(test_listnet),
    TEST(test_soft_pairwise_matching), TEST(test_sampled_pairs_unbiased), TEST(test_check_targets),
    TEST(test_start_score), TEST(test_units), TEST(test_query_curvature),
    TEST(test_multiclass_gradients), TEST(test_multiclass_closed_forms),
    TEST(test_multiclass_checks_and_start), TEST(test_shift_invariance), TEST(test_rows),
};
TEST_MAIN(cases)
