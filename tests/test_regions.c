/* test_regions.c - label regions: parsing, formatting, the choice from labels
 * (distinct values, quartiles against a full sort) and assignment. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "regions.h"
#include "test.h"

/* ---- regions_parse ---- */

static void test_parse_valid(void)
{
    sm_regions r = test_regions_of("1,2.5,10");
    CHECK(r.n == 4);
    CHECK(r.bound[0] == 1.0 && r.bound[1] == 2.5 && r.bound[2] == 10.0);
    CHECK(r.origin == REGIONS_GIVEN);

    r = test_regions_of(" -3 ,\t0 , 1e+2");
    CHECK(r.n == 4);
    CHECK(r.bound[0] == -3.0 && r.bound[1] == 0.0 && r.bound[2] == 100.0);

    r = test_regions_of("0.5");
    CHECK(r.n == 2 && r.bound[0] == 0.5);

    r = test_regions_of(""); /* the inverse of regions_format for a single region */
    CHECK(r.n == 1);

    char many[SM_MAX_REGIONS * 8] = "";
    for (int i = 0; i < SM_MAX_REGIONS - 1; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s%d", i ? "," : "", i);
    r = test_regions_of(many);
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
    sm_regions back = test_regions_of(buf);
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
    CHECK(strcmp(regions_origin_name(REGIONS_TIED_QUARTILES),
                 regions_origin_name(REGIONS_QUARTILES)));
}

/* ---- regions_from_labels ---- */

static void test_from_labels_distinct(void)
{
    double y[] = {3, 0, 4, 1, 1, 2, 4, 0, 3, 2, 2, 0};
    double copy[TEST_N_OF(y)];
    memcpy(copy, y, sizeof y);
    sm_regions r;
    regions_from_labels(y, TEST_N_OF(y), &r);
    CHECK(memcmp(copy, y, sizeof y) == 0);
    CHECK(r.origin == REGIONS_DISTINCT);
    CHECK(r.n == 5);
    for (int i = 0; i < 4; i++)
        CHECK(r.bound[i] == i + 1);
    for (int64_t i = 0; i < TEST_N_OF(y); i++)
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
    regions_from_labels(with_nan, TEST_N_OF(with_nan), &r);
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

    /* 50 zeros then 1..50: q25 = 0 is the minimum (dropped), q50 = 0.5, q75 =
     * 25.25; of the regions 0 (50 zeros), 1..25 and 26..50 the first that can
     * be split is 1..25, at its median x[12] = 13 */
    double skewed[100];
    for (int i = 0; i < 100; i++)
        skewed[i] = i < 50 ? 0 : i - 49;
    regions_from_labels(skewed, 100, &r);
    CHECK(r.origin == REGIONS_TIED_QUARTILES);
    CHECK(r.n == 4);
    CHECK_CLOSE(r.bound[0], 0.5, 1e-12);
    CHECK_CLOSE(r.bound[1], 13, 0);
    CHECK_CLOSE(r.bound[2], 25.25, 1e-12);

    /* 0..4, 89 fives, 6..10: all three quartiles are 5, kept once; [5, inf)
     * has its median at its smallest label, 5, so it is split above the fives,
     * at 6; then 0..4 (the lower of two regions of 5) at its median 2 */
    double tied[99];
    for (int i = 0; i < 99; i++)
        tied[i] = i < 5 ? i : i < 94 ? 5 : i - 88;
    regions_from_labels(tied, 99, &r);
    CHECK(r.origin == REGIONS_TIED_QUARTILES);
    CHECK(r.n == 4 && r.bound[0] == 2 && r.bound[1] == 5 && r.bound[2] == 6);

    /* 90 zeros and 1..10 (the 90% zeros): the quartiles are all 0, one
     * region; split above the zeros at 1, then 1..10 at 5.5, then 1..5 at 3 */
    double zeros[100];
    for (int i = 0; i < 100; i++)
        zeros[i] = i % 10 == 3 ? i / 10 + 1 : 0;
    regions_from_labels(zeros, 100, &r);
    CHECK(r.origin == REGIONS_TIED_QUARTILES);
    CHECK(r.n == 4 && r.bound[0] == 1 && r.bound[1] == 3 && r.bound[2] == 5.5);
    /* the zeros are one region, and no region is empty */
    int64_t count[4] = {0};
    for (int i = 0; i < 100; i++)
        count[regions_assign(&r, zeros[i])]++;
    CHECK(count[0] == 90 && count[1] == 2 && count[2] == 3 && count[3] == 5);

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
            if (r.origin == REGIONS_TIED_QUARTILES) { /* 4 regions, none empty */
                int64_t count[4] = {0};
                for (int i = 0; i < n; i++)
                    count[regions_assign(&r, y[i])]++;
                CHECK(r.n == 4 && regions_valid(&r) && count[0] && count[1] && count[2] &&
                      count[3]);
                continue;
            }
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
    sm_regions r = test_regions_of("1,2");
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
static const test_case cases[] = {
    TEST(test_parse_valid),
    TEST(test_parse_invalid),
    TEST(test_format_roundtrip),
    TEST(test_origin_names),
    TEST(test_from_labels_distinct),
    TEST(test_from_labels_quartiles),
    TEST(test_quartiles_match_full_sort),
    TEST(test_assign),
};

TEST_MAIN(cases)
