/* test_objective.c - pointwise, pairwise and listwise objectives: finite-
 * difference gradients for every link term, targets and temperatures, the
 * RankNet and ListNet special cases in closed form, pair sampling, and the
 * trainer's fused forward-backward call against the two separate ones. */
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

static double loss_at(const sm_objective *obj, const double *s, int64_t n, sm_objective_work *w)
{
    int64_t units;
    return objective_forward(obj, s, qy, n, &units, w);
}

static void check_fd(sm_objective *obj, const char *label)
{
    sm_objective_work w;
    objective_work_init(&w, 1);
    CHECK(objective_work_reserve(&w, QN, NULL) == SM_OK);
    double s[QN], g[QN] = {0};
    memcpy(s, qs, sizeof s);
    objective_backward(obj, s, qy, QN, 1.0, g, &w);
    /* the trainer's fused call: the same gradient and loss, bit for bit */
    double g_fused[QN] = {0};
    int64_t units, fused_units;
    double loss = objective_forward(obj, s, qy, QN, &units, &w);
    double fused = objective_forward_backward(obj, s, qy, QN, 1.0, g_fused, &fused_units, &w);
    if (!CHECK(memcmp(g, g_fused, sizeof g) == 0 && loss == fused && units == fused_units))
        fprintf(stderr, "  %s: forward_backward loss %.17g vs %.17g\n", label, fused, loss);
    for (int i = 0; i < QN; i++) {
        double h = 1e-5 * fmax(1.0, fabs(s[i]));
        double keep = s[i];
        s[i] = keep + h;
        double up = loss_at(obj, s, QN, &w);
        s[i] = keep - h;
        double down = loss_at(obj, s, QN, &w);
        s[i] = keep;
        double fd = (up - down) / (2 * h);
        if (!CHECK(fabs(fd - g[i]) <= 1e-6 * fmax(1.0, fabs(fd))))
            fprintf(stderr, "  %s row %d: analytic %.12g, finite difference %.12g\n", label, i,
                    g[i], fd);
    }
    objective_work_free(&w);
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

static const test_case cases[] = {
    TEST(test_sampled_forward), TEST(test_gain_target),
    TEST(test_gradients_all_links), TEST(test_ranknet), TEST(test_listnet),
    TEST(test_soft_pairwise_matching), TEST(test_sampled_pairs_unbiased), TEST(test_check_targets),
};
TEST_MAIN(cases)
