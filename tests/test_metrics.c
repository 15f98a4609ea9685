/* test_metrics.c - the per-region report against hand-computed values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "test.h"

static sm_link link_of(const char *spec)
{
    sm_link link;
    sm_error err;
    memset(&link, 0, sizeof link);
    if (!CHECK(link_parse(spec, &link, &err) == SM_OK))
        fprintf(stderr, "  link_parse(\"%s\"): %s\n", spec, err.msg);
    return link;
}
/* ---- metrics_region_report ---- */

/* Regions (-inf,1), [1,2), [2,inf):
 *   y    s    label region  pred region  s-y
 *   0    0.5  0             0            0.5
 *   0    1    0             1           1
 *   1    1.5  1             1            0.5
 *   1    0    1             0           -1
 *   2    3    2             2            1
 *   2    2    2             2            0
 *   3    1    2             1           -2          */
static const double hand_y[] = {0, 0, 1, 1, 2, 2, 3};
static const double hand_s[] = {0.5, 1, 1.5, 0, 3, 2, 1};

static void test_report_by_hand(void)
{
    sm_regions r = test_regions_of("1,2");
    sm_link lin = link_of("lin");
    sm_region_report rep;
    sm_error err;
    CHECK(metrics_region_report(&r, &lin, hand_y, NULL, hand_s, TEST_N_OF(hand_y), &rep, &err) == SM_OK);
    CHECK(rep.regions.n == 3 && rep.regions.bound[1] == 2);

    const sm_region_stats *a = &rep.region[0], *b = &rep.region[1], *c = &rep.region[2];
    CHECK(a->rows == 2 && b->rows == 2 && c->rows == 3 && rep.all.rows == 7);

    CHECK_CLOSE(a->mean_label, 0, 1e-15);
    CHECK_CLOSE(a->mean_pred, 0.75, 1e-15);
    CHECK_CLOSE(a->bias, 0.75, 1e-15);
    CHECK_CLOSE(a->mae, 0.75, 1e-15);
    CHECK_CLOSE(a->rmse, sqrt(1.25 / 2), 1e-15);
    CHECK_CLOSE(a->mean_sq, 1.25 / 4, 1e-15);
    CHECK_CLOSE(a->mean_loss, 1.25 / 4, 1e-15);
    CHECK_CLOSE(a->hit_rate, 0.5, 1e-15);

    CHECK_CLOSE(b->mean_label, 1, 1e-15);
    CHECK_CLOSE(b->mean_pred, 0.75, 1e-15);
    CHECK_CLOSE(b->bias, -0.25, 1e-15);
    CHECK_CLOSE(b->mae, 0.75, 1e-15);
    CHECK_CLOSE(b->rmse, sqrt(1.25 / 2), 1e-15);
    CHECK_CLOSE(b->mean_sq, 1.25 / 4, 1e-15);
    CHECK_CLOSE(b->hit_rate, 0.5, 1e-15);

    CHECK_CLOSE(c->mean_label, 7.0 / 3, 1e-15);
    CHECK_CLOSE(c->mean_pred, 2, 1e-15);
    CHECK_CLOSE(c->bias, -1.0 / 3, 1e-15);
    CHECK_CLOSE(c->mae, 1, 1e-15);
    CHECK_CLOSE(c->rmse, sqrt(5.0 / 3), 1e-15);
    CHECK_CLOSE(c->mean_sq, 5.0 / 6, 1e-15);
    CHECK_CLOSE(c->mean_loss, 5.0 / 6, 1e-15);
    CHECK_CLOSE(c->hit_rate, 2.0 / 3, 1e-15);

    CHECK_CLOSE(rep.all.mean_label, 9.0 / 7, 1e-15);
    CHECK_CLOSE(rep.all.mean_pred, 9.0 / 7, 1e-15);
    CHECK_CLOSE(rep.all.bias, 0, 1e-15);
    CHECK_CLOSE(rep.all.mae, 6.0 / 7, 1e-15);
    CHECK_CLOSE(rep.all.rmse, sqrt(7.5 / 7), 1e-15);
    CHECK_CLOSE(rep.all.mean_sq, 7.5 / 14, 1e-15);
    CHECK_CLOSE(rep.all.mean_loss, 7.5 / 14, 1e-15);
    CHECK_CLOSE(rep.all.hit_rate, 4.0 / 7, 1e-15);

    static const int64_t want[3][3] = {{1, 1, 0}, {1, 1, 0}, {0, 1, 2}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            CHECK(rep.confusion[i][j] == want[i][j]);
    CHECK(rep.confusion[0][3] == 0 && rep.confusion[3][0] == 0);
}

/* Sigmoid link h = sigma(a (z - c)), H = softplus(a (z - c)) / a. */
static double sigmoid_loss_closed_form(double a, double c, double s, double y)
{
    double u0 = a * (y - c), u1 = a * (s - c);
    double H_s = log1p(exp(u1)) / a, H_y = log1p(exp(u0)) / a, h_y = 1 / (1 + exp(-u0));
    return H_s - H_y - (s - y) * h_y;
}

static void test_report_sigmoid_loss(void)
{
    sm_regions r = test_regions_of("1,2");
    sm_link sig = link_of("sigmoid:a=2,c=1");
    sm_region_report rep;
    sm_error err;
    CHECK(metrics_region_report(&r, &sig, hand_y, NULL, hand_s, TEST_N_OF(hand_y), &rep, &err) == SM_OK);
    double sum[3] = {0, 0, 0}, total = 0;
    for (int64_t i = 0; i < TEST_N_OF(hand_y); i++) {
        double L = sigmoid_loss_closed_form(2, 1, hand_s[i], hand_y[i]);
        sum[regions_assign(&r, hand_y[i])] += L;
        total += L;
    }
    CHECK_CLOSE(rep.region[0].mean_loss, sum[0] / 2, 1e-13);
    CHECK_CLOSE(rep.region[1].mean_loss, sum[1] / 2, 1e-13);
    CHECK_CLOSE(rep.region[2].mean_loss, sum[2] / 3, 1e-13);
    CHECK_CLOSE(rep.all.mean_loss, total / 7, 1e-13);
    CHECK(rep.all.mean_loss > 0);
    /* the selective loss differs from the square loss, which is still reported */
    CHECK(fabs(rep.all.mean_loss - rep.all.mean_sq) > 0.1);
    CHECK_CLOSE(rep.all.mean_sq, 7.5 / 14, 1e-15);
}

static void test_report_empty_regions(void)
{
    sm_regions r = test_regions_of("10,20");
    sm_link lin = link_of("lin");
    const double y[] = {1, 2, 3}, s[] = {4, 5, 25};
    sm_region_report rep;
    sm_error err;
    CHECK(metrics_region_report(&r, &lin, y, NULL, s, 3, &rep, &err) == SM_OK);
    CHECK(rep.region[0].rows == 3);
    CHECK_CLOSE(rep.region[0].bias, 28.0 / 3, 1e-14);
    CHECK_CLOSE(rep.region[0].hit_rate, 2.0 / 3, 1e-15);
    for (int k = 1; k <= 2; k++) {
        const sm_region_stats *e = &rep.region[k];
        CHECK(e->rows == 0);
        CHECK(isnan(e->mean_label) && isnan(e->mean_pred) && isnan(e->bias));
        CHECK(isnan(e->mae) && isnan(e->rmse) && isnan(e->mean_loss));
        CHECK(isnan(e->mean_sq) && isnan(e->hit_rate));
    }
    CHECK(rep.confusion[0][0] == 2 && rep.confusion[0][1] == 0 && rep.confusion[0][2] == 1);
    CHECK(rep.confusion[1][0] == 0 && rep.confusion[2][2] == 0);

    /* no rows at all: every region and the total are empty */
    CHECK(metrics_region_report(&r, &lin, NULL, NULL, NULL, 0, &rep, &err) == SM_OK);
    CHECK(rep.all.rows == 0 && isnan(rep.all.mae));
}

static void test_report_nonfinite(void)
{
    sm_regions one = {.n = 1};
    sm_link lin = link_of("lin");
    const double y[] = {0, 1}, s[] = {1e200, 1};
    sm_region_report rep;
    sm_error err;
    CHECK(metrics_region_report(&one, &lin, y, NULL, s, 2, &rep, &err) == SM_OK);
    CHECK(isinf(rep.all.mean_loss) && rep.all.mean_loss > 0);
    CHECK(isinf(rep.all.mean_sq) && isinf(rep.all.rmse));
    CHECK_CLOSE(rep.all.mae, 0.5e200, 1e185);
    CHECK_CLOSE(rep.all.mean_label, 0.5, 1e-15);

    /* a NaN prediction goes to the last region for the confusion matrix but never hits */
    sm_regions r = test_regions_of("1");
    const double y2[] = {5, 5}, s2[] = {NAN, 6};
    CHECK(metrics_region_report(&r, &lin, y2, NULL, s2, 2, &rep, &err) == SM_OK);
    CHECK(rep.confusion[1][1] == 2);
    CHECK_CLOSE(rep.region[1].hit_rate, 0.5, 1e-15);
    CHECK(isnan(rep.region[1].mae));
}

static void test_report_compensated_sums(void)
{
    sm_regions one = {.n = 1};
    sm_link lin = link_of("lin");
    sm_region_report rep;
    sm_error err;
    /* naive summation loses both ones: 1e16 + 1 rounds back to 1e16 */
    const double y[] = {1e16, 1, 1, -1e16};
    CHECK(metrics_region_report(&one, &lin, y, NULL, y, 4, &rep, &err) == SM_OK);
    CHECK(rep.all.mean_label == 0.5);
    CHECK(rep.all.mean_sq == 0 && rep.all.mean_loss == 0);

    enum { N = 1000000 };
    double *tenth = malloc(N * sizeof *tenth), *zero = calloc(N, sizeof *zero);
    if (!CHECK(tenth && zero))
        goto out;
    for (int i = 0; i < N; i++)
        tenth[i] = 0.1;
    CHECK(metrics_region_report(&one, &lin, tenth, NULL, zero, N, &rep, &err) == SM_OK);
    CHECK_REL(rep.all.mean_label, 0.1, 4e-16);
    CHECK_REL(rep.all.mae, 0.1, 4e-16);
    CHECK_REL(rep.all.mean_sq, 0.005, 1e-15);
out:
    free(tenth);
    free(zero);
}

static void test_report_invalid(void)
{
    sm_link lin = link_of("lin");
    const double y[] = {1};
    sm_region_report rep;
    sm_error err;
    sm_regions none = {.n = 0};
    CHECK(metrics_region_report(&none, &lin, y, NULL, y, 1, &rep, &err) == SM_EFAIL);
    sm_regions unordered = {.n = 3, .bound = {2, 1}};
    CHECK(metrics_region_report(&unordered, &lin, y, NULL, y, 1, &rep, &err) == SM_EFAIL);
    CHECK_CONTAINS(err.msg, "invalid regions");
    sm_regions ok = {.n = 1};
    CHECK(metrics_region_report(&ok, &lin, y, NULL, y, -1, &rep, &err) == SM_EFAIL);
}
/* RMSE and MAE sums by hand: labels 1, 2, 3, 40 scored 2, 2, 1, 30 (errors
 * 1, 0, 2, 10); the region [2, 40) holds the rows of 2 and 3; weights
 * 1, 1, 3, 1. */
static void test_error_sums_by_hand(void)
{
    const double y[] = {1, 2, 3, 40}, s[] = {2, 2, 1, 30}, w[] = {1, 1, 3, 1};
    double sq[2] = {0, 0}, ab[2] = {0, 0};
    metrics_error_sums(y, NULL, s, 4, NULL, 1, sq);
    metrics_error_sums(y, NULL, s, 4, NULL, 0, ab);
    CHECK(sq[0] == 105 && sq[1] == 4 && ab[0] == 13 && ab[1] == 4);
    const sm_interval mid = {2, 40, 1, 0};
    double r[2] = {0, 0};
    metrics_error_sums(y, w, s, 4, &mid, 1, r);
    CHECK(r[0] == 12 && r[1] == 4); /* 0 + 3 * 4, weights 1 + 3 */
    const sm_interval open_top = {3, INFINITY, 0, 0}; /* (3, inf): the 40 alone */
    double t[2] = {0, 0};
    metrics_error_sums(y, w, s, 4, &open_top, 0, t);
    CHECK(t[0] == 10 && t[1] == 1);
    const double nan_label[] = {NAN};
    double none[2] = {0, 0};
    metrics_error_sums(nan_label, NULL, s, 1, &open_top, 1, none);
    CHECK(none[0] == 0 && none[1] == 0);
}

static const test_case cases[] = {
    TEST(test_error_sums_by_hand),
    TEST(test_report_by_hand),
    TEST(test_report_sigmoid_loss),
    TEST(test_report_empty_regions),
    TEST(test_report_nonfinite),
    TEST(test_report_compensated_sums),
    TEST(test_report_invalid),
};

TEST_MAIN(cases)
