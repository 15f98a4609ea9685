/* test_emphasize.c - --emphasize specs: parsing and its located errors, the
 * compiled link's slope against the weights asked for, the canonical spec. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "emphasize.h"
#include "test.h"

static sm_emphasis parsed(const char *spec)
{
    sm_emphasis e;
    sm_error err;
    if (!CHECK(emphasis_parse(spec, &e, &err) == SM_OK))
        fprintf(stderr, "  %s: %s\n", spec, err.msg);
    return e;
}

static void test_parse_intervals_and_gaps(void)
{
    /* one interval: the rest of the axis weighs 1 */
    sm_emphasis e = parsed("[35,inf)=10");
    CHECK(e.n == 2 && e.bound[0] == 35 && e.weight[0] == 1 && e.weight[1] == 10);
    CHECK(isnan(e.width));
    /* given out of order, with a gap between them */
    e = parsed("[35,inf)=5,(-inf,20)=0.2,width=1.5");
    CHECK(e.n == 3 && e.bound[0] == 20 && e.bound[1] == 35);
    CHECK(e.weight[0] == 0.2 && e.weight[1] == 1 && e.weight[2] == 5 && e.width == 1.5);
    /* touching intervals, one end open */
    e = parsed("(-inf,20]=0.5,(20,35)=2");
    CHECK(e.n == 3 && e.weight[0] == 0.5 && e.weight[1] == 2 && e.weight[2] == 1);
    CHECK(emphasis_weight(&e, 19.9) == 0.5 && emphasis_weight(&e, 20) == 2 &&
          emphasis_weight(&e, 35) == 1);
    /* bare weights wait for the regions */
    e = parsed("1,1,10");
    CHECK(e.n == 0 && e.n_weights == 3);
    sm_regions r = {.n = 3, .bound = {20, 35}};
    sm_error err;
    CHECK(emphasis_resolve(&e, &r, 45, &err) == SM_OK);
    CHECK(e.n == 3 && e.bound[1] == 35 && e.weight[2] == 10);
    CHECK(e.width == EMPHASIS_WIDTH_SHARE * 45);
}

static void test_parse_errors_name_the_column(void)
{
    static const struct {
        const char *spec, *message;
    } bad[] = {
        {"", "empty spec"},
        {"[35,inf)=0", "column 10: weight must be a number > 0"},
        {"[35,inf)=-1", "column 10: weight"},
        {"[35,inf)=x", "column 10: weight"},
        {"[35,inf)", "column 1: expected '=WEIGHT'"},
        {"[35,20)=2", "column 2: the lower end must be below"},
        {"[a,20)=2", "column 2: the lower end must be a number"},
        {"[1,b)=2", "column 4: the upper end must be a number"},
        {"[20,40)=2,[35,inf)=3", "column 11: the interval overlaps the one at column 1"},
        {"(-inf,20]=1,[20,30)=2", "overlaps"},
        {"1,[20,30)=2", "column 3: intervals and bare weights do not mix"},
        {"[20,30)=2,,", "column 11: empty item"},
        {"[20,30)=2,width=-1", "column 17: width must be a number >= 0"},
        {"[20,30)=2,width=1,width=2", "column 19: width given twice"},
        {"2,nan", "column 3: expected INTERVAL=WEIGHT"},
        {"width=1", "no weights"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sm_emphasis e;
        sm_error err;
        if (CHECK(emphasis_parse(bad[i].spec, &e, &err) == SM_EUSAGE))
            CHECK_CONTAINS(err.msg, bad[i].message);
    }
    /* the count of bare weights must be the regions' */
    sm_emphasis e = parsed("1,2");
    sm_regions r = {.n = 3, .bound = {20, 35}};
    sm_error err;
    CHECK(emphasis_resolve(&e, &r, 1, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "2 weights for 3 label regions");
    e = parsed("1,2");
    CHECK(emphasis_resolve(&e, NULL, 1, &err) == SM_EUSAGE);
}

/* The compiled slope is the weight asked for away from the boundaries (in
 * the middle half of every region exactly), the link increases, and the
 * slope moves between weights within the width, continuously. */
static void test_compiled_slope_follows_weights(void)
{
    static const char *const specs[] = {
        "[35,inf)=10", "(-inf,20)=0.2,[20,35)=1,[35,inf)=5", "(-inf,0)=3,[0,1)=0.5,[1,2)=8",
        "[35,inf)=10,width=0", "[1,2)=4,[2,3)=4,width=0.4"};
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        sm_emphasis e = parsed(specs[s]);
        sm_error err;
        sm_link link;
        if (!CHECK(emphasis_resolve(&e, NULL, 45, &err) == SM_OK) ||
            !CHECK(emphasis_compile(&e, &link, &err) == SM_OK))
            continue;
        for (int i = 0; i < e.n; i++) {
            double lo = i > 0 ? e.bound[i - 1] : e.bound[0] - 10 * (e.width + 1);
            double hi = i < e.n - 1 ? e.bound[i] : e.bound[e.n - 2] + 10 * (e.width + 1);
            double centre = 0.5 * (lo + hi), quarter = 0.25 * (hi - lo);
            for (double z = centre - quarter; z <= centre + quarter; z += quarter / 4)
                CHECK_REL(link_dh(&link, z), e.weight[i], 1e-12);
        }
        /* increasing; the slope moves from one weight to the next within the
         * width, continuously (linearly) where the width is not 0 */
        double prev = link_h(&link, e.bound[0] - 50), prev_dh = link_dh(&link, e.bound[0] - 50);
        double max_step = 0;
        for (int i = 0; i + 1 < e.n; i++)
            max_step = fmax(max_step, fabs(e.weight[i + 1] - e.weight[i]));
        double width = link.terms[0].kind == LINK_PWL ? link.terms[0].width : 0;
        for (double z = e.bound[0] - 50; z < e.bound[e.n - 2] + 50; z += 0.01) {
            double h = link_h(&link, z), dh = link_dh(&link, z);
            CHECK(h > prev || z == e.bound[0] - 50);
            if (width > 0 && !CHECK(fabs(dh - prev_dh) <= max_step * 0.0101 / width + 1e-12))
                fprintf(stderr, "  %s: h' jumps from %g to %g at %g\n", specs[s], prev_dh, dh, z);
            prev = h;
            prev_dh = dh;
            int i = 0;
            while (i < e.n - 1 && z >= e.bound[i])
                i++;
            int near_lower = i > 0 && z - e.bound[i - 1] < 0.5 * e.width;
            int near_upper = i < e.n - 1 && e.bound[i] - z <= 0.5 * e.width;
            if (!near_lower && !near_upper && !CHECK(dh == e.weight[i]))
                fprintf(stderr, "  %s: h'(%g) = %g, not %g\n", specs[s], z, dh, e.weight[i]);
        }
    }
    /* weights whose ratio is no double: the ramp blends them without overflow */
    sm_emphasis x = parsed("(-inf,1)=1e308,[1,inf)=1e-300,width=1");
    sm_link steep;
    sm_error xerr;
    CHECK(emphasis_resolve(&x, NULL, 0, &xerr) == SM_OK);
    if (CHECK(emphasis_compile(&x, &steep, &xerr) == SM_OK)) {
        CHECK(link_dh(&steep, -5) == 1e308 && link_dh(&steep, 5) == 1e-300);
        CHECK(link_dh(&steep, 1) < 1e308 && link_dh(&steep, 1) > 1e-300);
    }
    /* the same weight everywhere: the square loss scaled */
    sm_emphasis e = parsed("(-inf,3)=2,[3,inf)=2");
    sm_link link;
    sm_error err;
    CHECK(emphasis_resolve(&e, NULL, 1, &err) == SM_OK && emphasis_compile(&e, &link, &err) == SM_OK);
    CHECK(link.n_terms == 1 && link.terms[0].kind == LINK_LIN && link.terms[0].w == 2);
}

/* Default width: EMPHASIS_WIDTH_SHARE of the spread; the canonical spec
 * parses back to the same emphasis. */
static void test_width_and_canonical_form(void)
{
    const double y[] = {5, 50, 22, NAN, 17};
    CHECK(emphasis_spread(y, 5) == 45);
    CHECK(emphasis_spread(y, 1) == 0);
    sm_emphasis e = parsed("[35,inf)=10,(-inf,20)=0.2");
    sm_error err;
    CHECK(emphasis_resolve(&e, NULL, emphasis_spread(y, 5), &err) == SM_OK);
    CHECK(e.width == 2.25);
    char spec[EMPHASIS_SPEC_MAX];
    emphasis_format(&e, spec, sizeof spec);
    CHECK_STREQ(spec, "(-inf,20)=0.2,[20,35)=1,[35,inf)=10,width=2.25");
    sm_emphasis back = parsed(spec);
    CHECK(back.n == e.n && back.width == e.width &&
          !memcmp(back.bound, e.bound, sizeof e.bound[0] * (size_t)(e.n - 1)) &&
          !memcmp(back.weight, e.weight, sizeof e.weight[0] * (size_t)e.n));
}

/* The report's columns: mean h' and mean weight over each region's labels. */
static void test_report_columns(void)
{
    sm_emphasis e = parsed("[35,inf)=10,width=1");
    sm_error err;
    sm_link link;
    CHECK(emphasis_resolve(&e, NULL, 0, &err) == SM_OK && emphasis_compile(&e, &link, &err) == SM_OK);
    sm_region_report rep;
    memset(&rep, 0, sizeof rep);
    rep.regions = (sm_regions){.n = 3, .bound = {20, 35}};
    const double y[] = {10, 12, 40, 45, 30};
    emphasis_report(&e, &link, y, NULL, 5, &rep);
    CHECK(rep.emphasis);
    CHECK(rep.region[0].slope == 1 && rep.region[0].weight == 1);
    CHECK(rep.region[1].slope == 1 && rep.region[1].weight == 1);
    CHECK(rep.region[2].slope == 10 && rep.region[2].weight == 10);
    CHECK_REL(rep.all.weight, 23.0 / 5, 1e-15);
    rep.regions = (sm_regions){.n = 4, .bound = {20, 35, 100}};
    emphasis_report(&e, &link, y, NULL, 5, &rep);
    CHECK(isnan(rep.region[3].slope) && isnan(rep.region[3].weight)); /* empty */
    /* sample weights: the means of the rows repeated as often (0: left out) */
    const double w[] = {2, 0, 1, 3, 1}, repeated[] = {10, 10, 40, 45, 45, 45, 30};
    sm_region_report by_weight, by_repeat;
    memset(&by_weight, 0, sizeof by_weight);
    memset(&by_repeat, 0, sizeof by_repeat);
    by_weight.regions = by_repeat.regions = (sm_regions){.n = 3, .bound = {20, 37.5}};
    emphasis_report(&e, &link, y, w, 5, &by_weight);
    emphasis_report(&e, &link, repeated, NULL, 7, &by_repeat);
    for (int g = 0; g < 3; g++)
        CHECK_REL(by_weight.region[g].slope, by_repeat.region[g].slope, 1e-15);
    CHECK_REL(by_weight.all.slope, by_repeat.all.slope, 1e-15);
    CHECK_REL(by_weight.all.weight, by_repeat.all.weight, 1e-15);
    CHECK(by_weight.all.slope != rep.all.slope); /* the weights do change it */
    const double none[] = {0, 0, 1, 1, 1};
    emphasis_report(&e, &link, y, none, 5, &by_weight);
    CHECK(isnan(by_weight.region[0].slope) && isnan(by_weight.region[0].weight));
}

static const test_case cases[] = {
    TEST(test_parse_intervals_and_gaps),
    TEST(test_parse_errors_name_the_column),
    TEST(test_compiled_slope_follows_weights),
    TEST(test_width_and_canonical_form),
    TEST(test_report_columns),
};

TEST_MAIN(cases)
