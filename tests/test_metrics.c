/* test_metrics.c - regions and the per-region report against hand-computed values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "test.h"

#define N_OF(a) ((int64_t)(sizeof(a) / sizeof((a)[0])))

static sm_regions regions_of(const char *text)
{
    sm_regions r;
    sm_error err;
    memset(&r, 0, sizeof r);
    if (!CHECK(regions_parse(text, &r, &err) == SM_OK))
        fprintf(stderr, "  regions_parse(\"%s\"): %s\n", text, err.msg);
    return r;
}

static sm_link link_of(const char *spec)
{
    sm_link link;
    sm_error err;
    memset(&link, 0, sizeof link);
    if (!CHECK(link_parse(spec, &link, &err) == SM_OK))
        fprintf(stderr, "  link_parse(\"%s\"): %s\n", spec, err.msg);
    return link;
}

/* ---- regions_parse ---- */

static void test_parse_valid(void)
{
    sm_regions r = regions_of("1,2.5,10");
    CHECK(r.n == 4);
    CHECK(r.bound[0] == 1.0 && r.bound[1] == 2.5 && r.bound[2] == 10.0);
    CHECK(r.origin == REGIONS_GIVEN);

    r = regions_of(" -3 ,\t0 , 1e+2");
    CHECK(r.n == 4);
    CHECK(r.bound[0] == -3.0 && r.bound[1] == 0.0 && r.bound[2] == 100.0);

    r = regions_of("0.5");
    CHECK(r.n == 2 && r.bound[0] == 0.5);

    r = regions_of(""); /* the inverse of regions_format for a single region */
    CHECK(r.n == 1);

    char many[SM_MAX_REGIONS * 8] = "";
    for (int i = 0; i < SM_MAX_REGIONS - 1; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s%d", i ? "," : "", i);
    r = regions_of(many);
    CHECK(r.n == SM_MAX_REGIONS);
    CHECK(r.bound[SM_MAX_REGIONS - 2] == SM_MAX_REGIONS - 2);
}

static void check_parse_fails(const char *text, const char *quoted)
{
    sm_regions r = {.n = 7};
    sm_error err = {SM_OK, ""};
    if (!CHECK(regions_parse(text, &r, &err) == SM_EUSAGE)) {
        fprintf(stderr, "  regions_parse(\"%s\") accepted\n", text);
        return;
    }
    CHECK(err.status == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, quoted);
    CHECK(r.n == 7); /* untouched on failure */
}

static void test_parse_invalid(void)
{
    check_parse_fails("1,,2", "empty boundary (item 2)");
    check_parse_fails("1,2,", "empty boundary (item 3)");
    check_parse_fails(",1", "empty boundary (item 1)");
    check_parse_fails("1, ,2", "empty");
    check_parse_fails("1,abc", "'abc' is not a number");
    check_parse_fails("1,2x", "'2x' is not a number");
    check_parse_fails("1 2", "'1 2' is not a number");
    check_parse_fails("1,inf", "'inf' is not a finite number");
    check_parse_fails("nan", "'nan' is not a finite number");
    check_parse_fails("1e999", "'1e999' is not a finite number");
    check_parse_fails("3,2", "'2' does not increase on '3'");
    check_parse_fails("1,1", "'1' does not increase on '1'");
    check_parse_fails("0,5,5.0", "'5.0' does not increase on '5'");

    char many[SM_MAX_REGIONS * 8] = "";
    for (int i = 0; i < SM_MAX_REGIONS; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s%d", i ? "," : "", i);
    check_parse_fails(many, "too many boundaries");
}

static void test_format_roundtrip(void)
{
    sm_regions r = {.n = 4, .bound = {-0.1, 1.0 / 3.0, 1e300}, .origin = REGIONS_GIVEN};
    char buf[SM_MAX_REGIONS * 26];
    int len = regions_format(&r, buf, sizeof buf);
    CHECK(len == (int)strlen(buf));
    sm_regions back = regions_of(buf);
    CHECK(back.n == 4);
    for (int i = 0; i < 3; i++)
        CHECK(back.bound[i] == r.bound[i]);

    sm_regions two = {.n = 3, .bound = {1, 2.5}};
    CHECK(regions_format(&two, buf, sizeof buf) == 5);
    CHECK_STREQ(buf, "1,2.5");
    char small[4];
    CHECK(regions_format(&two, small, sizeof small) == 5); /* snprintf-style length */
    CHECK_STREQ(small, "1,2");

    sm_regions one = {.n = 1};
    CHECK(regions_format(&one, buf, sizeof buf) == 0);
    CHECK_STREQ(buf, "");
}

static void test_origin_names(void)
{
    CHECK_STREQ(regions_origin_name(REGIONS_GIVEN), "given");
    CHECK_STREQ(regions_origin_name(REGIONS_DISTINCT), "distinct-labels");
    CHECK_STREQ(regions_origin_name(REGIONS_QUARTILES), "label-quartiles");
    /* distinct names: model files store them and read them back by name */
    CHECK(strcmp(regions_origin_name(REGIONS_DISTINCT), regions_origin_name(REGIONS_QUARTILES)));
}

/* ---- regions_from_labels ---- */

static void test_from_labels_distinct(void)
{
    double y[] = {3, 0, 4, 1, 1, 2, 4, 0, 3, 2, 2, 0};
    double copy[N_OF(y)];
    memcpy(copy, y, sizeof y);
    sm_regions r;
    regions_from_labels(y, N_OF(y), &r);
    CHECK(memcmp(copy, y, sizeof y) == 0);
    CHECK(r.origin == REGIONS_DISTINCT);
    CHECK(r.n == 5);
    for (int i = 0; i < 4; i++)
        CHECK(r.bound[i] == i + 1);
    for (int64_t i = 0; i < N_OF(y); i++)
        CHECK(regions_assign(&r, y[i]) == (int)y[i]); /* region k holds exactly grade k */

    double ten[10] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0.5};
    regions_from_labels(ten, 10, &r);
    CHECK(r.origin == REGIONS_DISTINCT && r.n == 10);
    CHECK(r.bound[0] == 1 && r.bound[8] == 9);

    double one[] = {7, 7, 7};
    regions_from_labels(one, 3, &r);
    CHECK(r.n == 1);

    regions_from_labels(NULL, 0, &r);
    CHECK(r.n == 1);

    double with_nan[] = {2, NAN, 1, INFINITY, 2};
    regions_from_labels(with_nan, N_OF(with_nan), &r);
    CHECK(r.n == 2 && r.bound[0] == 2);

    double zeros[] = {-0.0, 0.0, 1};
    regions_from_labels(zeros, 3, &r);
    CHECK(r.n == 2 && r.bound[0] == 1);
}

static void test_from_labels_quartiles(void)
{
    enum { N = 100 };
    double y[N], copy[N];
    for (int i = 0; i < N; i++)
        y[i] = (double)((i * 37) % N + 1); /* 1..100 shuffled */
    memcpy(copy, y, sizeof y);
    sm_regions r;
    regions_from_labels(y, N, &r);
    CHECK(memcmp(copy, y, sizeof y) == 0);
    CHECK(r.origin == REGIONS_QUARTILES);
    CHECK(r.n == 4);
    /* type 7: h = 99 p; Q = x[floor h] + frac(h) (x[floor h + 1] - x[floor h]), x[k] = k + 1 */
    CHECK_CLOSE(r.bound[0], 25.75, 1e-12);
    CHECK_CLOSE(r.bound[1], 50.5, 1e-12);
    CHECK_CLOSE(r.bound[2], 75.25, 1e-12);

    /* 11 distinct values is one too many for distinct regions */
    double eleven[11];
    for (int i = 0; i < 11; i++)
        eleven[i] = 10 - i;
    regions_from_labels(eleven, 11, &r);
    CHECK(r.origin == REGIONS_QUARTILES && r.n == 4);
    CHECK(r.bound[0] == 2.5 && r.bound[1] == 5 && r.bound[2] == 7.5);

    /* 50 zeros then 1..50: q25 = 0 is the minimum (dropped), q50 = 0.5, q75 = 25.25 */
    double skewed[100];
    for (int i = 0; i < 100; i++)
        skewed[i] = i < 50 ? 0 : i - 49;
    regions_from_labels(skewed, 100, &r);
    CHECK(r.origin == REGIONS_QUARTILES);
    CHECK(r.n == 3);
    CHECK_CLOSE(r.bound[0], 0.5, 1e-12);
    CHECK_CLOSE(r.bound[1], 25.25, 1e-12);

    /* 0..4, 89 fives, 6..10: all three quartiles are 5, kept once */
    double tied[99];
    for (int i = 0; i < 99; i++)
        tied[i] = i < 5 ? i : i < 94 ? 5 : i - 88;
    regions_from_labels(tied, 99, &r);
    CHECK(r.origin == REGIONS_QUARTILES);
    CHECK(r.n == 2 && r.bound[0] == 5);

    sm_error err;
    CHECK(regions_choose_from_labels(y, N, &r, &err) == SM_OK && r.n == 4);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The quartiles come from a selection, not a sort: against the type-7
 * formula on a fully sorted copy, for sizes around the selection's cut-overs
 * and shapes that trouble quickselects (sorted, reversed, few values, organ
 * pipe, random with ties). */
static void test_quartiles_match_full_sort(void)
{
    enum { MAX_N = 5000 };
    static double y[MAX_N], sorted[MAX_N];
    const int sizes[] = {12, 17, 18, 33, 100, 257, 1000, 4999};
    unsigned state = 12345;
    for (size_t a = 0; a < sizeof sizes / sizeof *sizes; a++)
        for (int shape = 0; shape < 5; shape++) {
            int n = sizes[a];
            for (int i = 0; i < n; i++) {
                state = state * 1103515245u + 12345u;
                y[i] = shape == 0 ? i : shape == 1 ? n - i : shape == 2 ? (state >> 16) % 13
                     : shape == 3 ? (i < n / 2 ? i : n - i) : (double)((state >> 8) % 1000) / 7;
            }
            memcpy(sorted, y, (size_t)n * sizeof *y);
            qsort(sorted, (size_t)n, sizeof *sorted, cmp_double);
            sm_regions r;
            regions_from_labels(y, n, &r);
            if (r.origin != REGIONS_QUARTILES)
                continue; /* few distinct values: one region each, no quartiles */
            double want[3], last = sorted[0];
            int n_want = 0;
            const double p[] = {0.25, 0.5, 0.75};
            for (int k = 0; k < 3; k++) {
                double h = p[k] * (n - 1);
                int lo = (int)floor(h);
                double q = lo + 1 >= n ? sorted[n - 1] : sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
                if (q > last)
                    want[n_want++] = last = q;
            }
            int ok = r.n == n_want + 1;
            for (int k = 0; ok && k < n_want; k++)
                ok = r.bound[k] == want[k];
            if (!CHECK(ok))
                fprintf(stderr, "  n %d shape %d: %d regions, want %d\n", n, shape, r.n, n_want + 1);
        }
}

/* ---- regions_assign ---- */

static void test_assign(void)
{
    sm_regions r = regions_of("1,2");
    CHECK(regions_assign(&r, -INFINITY) == 0);
    CHECK(regions_assign(&r, 0.999) == 0);
    CHECK(regions_assign(&r, nextafter(1.0, 0.0)) == 0);
    CHECK(regions_assign(&r, 1.0) == 1); /* a boundary belongs to the upper region */
    CHECK(regions_assign(&r, 1.5) == 1);
    CHECK(regions_assign(&r, 2.0) == 2);
    CHECK(regions_assign(&r, 1e308) == 2);
    CHECK(regions_assign(&r, INFINITY) == 2);
    CHECK(regions_assign(&r, NAN) == 2);

    sm_regions one = {.n = 1};
    CHECK(regions_assign(&one, -5) == 0 && regions_assign(&one, NAN) == 0);

    /* against a linear scan, for every region count */
    for (int n = 1; n <= SM_MAX_REGIONS; n++) {
        sm_regions many = {.n = n};
        for (int i = 0; i + 1 < n; i++)
            many.bound[i] = 2.0 * i;
        for (double v = -3; v <= 2.0 * n + 1; v += 0.5) {
            int want = 0;
            while (want + 1 < n && v >= many.bound[want])
                want++;
            if (!CHECK(regions_assign(&many, v) == want))
                fprintf(stderr, "  n=%d v=%g\n", n, v);
        }
    }
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
    sm_regions r = regions_of("1,2");
    sm_link lin = link_of("lin");
    sm_region_report rep;
    sm_error err;
    CHECK(metrics_region_report(&r, &lin, hand_y, hand_s, N_OF(hand_y), &rep, &err) == SM_OK);
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
    sm_regions r = regions_of("1,2");
    sm_link sig = link_of("sigmoid:a=2,c=1");
    sm_region_report rep;
    sm_error err;
    CHECK(metrics_region_report(&r, &sig, hand_y, hand_s, N_OF(hand_y), &rep, &err) == SM_OK);
    double sum[3] = {0, 0, 0}, total = 0;
    for (int64_t i = 0; i < N_OF(hand_y); i++) {
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
    sm_regions r = regions_of("10,20");
    sm_link lin = link_of("lin");
    const double y[] = {1, 2, 3}, s[] = {4, 5, 25};
    sm_region_report rep;
    sm_error err;
    CHECK(metrics_region_report(&r, &lin, y, s, 3, &rep, &err) == SM_OK);
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
    CHECK(metrics_region_report(&r, &lin, NULL, NULL, 0, &rep, &err) == SM_OK);
    CHECK(rep.all.rows == 0 && isnan(rep.all.mae));
}

static void test_report_nonfinite(void)
{
    sm_regions one = {.n = 1};
    sm_link lin = link_of("lin");
    const double y[] = {0, 1}, s[] = {1e200, 1};
    sm_region_report rep;
    sm_error err;
    CHECK(metrics_region_report(&one, &lin, y, s, 2, &rep, &err) == SM_OK);
    CHECK(isinf(rep.all.mean_loss) && rep.all.mean_loss > 0);
    CHECK(isinf(rep.all.mean_sq) && isinf(rep.all.rmse));
    CHECK_CLOSE(rep.all.mae, 0.5e200, 1e185);
    CHECK_CLOSE(rep.all.mean_label, 0.5, 1e-15);

    /* a NaN prediction goes to the last region for the confusion matrix but never hits */
    sm_regions r = regions_of("1");
    const double y2[] = {5, 5}, s2[] = {NAN, 6};
    CHECK(metrics_region_report(&r, &lin, y2, s2, 2, &rep, &err) == SM_OK);
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
    CHECK(metrics_region_report(&one, &lin, y, y, 4, &rep, &err) == SM_OK);
    CHECK(rep.all.mean_label == 0.5);
    CHECK(rep.all.mean_sq == 0 && rep.all.mean_loss == 0);

    enum { N = 1000000 };
    double *tenth = malloc(N * sizeof *tenth), *zero = calloc(N, sizeof *zero);
    if (!CHECK(tenth && zero))
        goto out;
    for (int i = 0; i < N; i++)
        tenth[i] = 0.1;
    CHECK(metrics_region_report(&one, &lin, tenth, zero, N, &rep, &err) == SM_OK);
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
    CHECK(metrics_region_report(&none, &lin, y, y, 1, &rep, &err) == SM_EFAIL);
    sm_regions unordered = {.n = 3, .bound = {2, 1}};
    CHECK(metrics_region_report(&unordered, &lin, y, y, 1, &rep, &err) == SM_EFAIL);
    CHECK_CONTAINS(err.msg, "invalid regions");
    sm_regions ok = {.n = 1};
    CHECK(metrics_region_report(&ok, &lin, y, y, -1, &rep, &err) == SM_EFAIL);
}

static const test_case cases[] = {
    TEST(test_parse_valid),
    TEST(test_parse_invalid),
    TEST(test_format_roundtrip),
    TEST(test_origin_names),
    TEST(test_from_labels_distinct),
    TEST(test_from_labels_quartiles),
    TEST(test_quartiles_match_full_sort),
    TEST(test_assign),
    TEST(test_report_by_hand),
    TEST(test_report_sigmoid_loss),
    TEST(test_report_empty_regions),
    TEST(test_report_nonfinite),
    TEST(test_report_compensated_sums),
    TEST(test_report_invalid),
};

TEST_MAIN(cases)
