/* test_tokens.c - the numbers of a data line (tokens.h, numparse.h, through
 * the reader): signs and exponents, and labels and feature values read to
 * the exact double (and float) that strtod gives. */
#include "reader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "reader_helpers.h"
#include "test.h"

static void test_signs_and_exponents(void)
{
    sm_dataset ds;
    sm_error err;
    if (!CHECK(parse("+1.5e+2 1:-2.5E-1 2:.5 3:5. 4:-0 5:+7e0 6:1E2\n-.25e1\n", &ds, &err) ==
               SM_OK))
        return;
    CHECK(ds.label[0] == 150.0 && ds.label[1] == -2.5);
    CHECK(ds.val[0] == -0.25f && ds.val[1] == 0.5f && ds.val[2] == 5.0f);
    CHECK(ds.val[3] == 0.0f && signbit(ds.val[3]));
    CHECK(ds.val[4] == 7.0f && ds.val[5] == 100.0f);
    dataset_free(&ds);
}

/* Labels must be the correctly rounded double: checked against strtod and,
 * independently, against constants the compiler rounded. */
static void test_exact_labels(void)
{
    static const struct {
        const char *text;
        double want;
    } cases[] = {
        {"0.1", 0.1},
        {"2.2250738585072014e-308", DBL_MIN},
        {"9007199254740993", 9007199254740992.0}, /* halfway: ties to even */
        {"1e23", 1e23},
        {"4.9e-324", 0x1p-1074},
        {"0.30000000000000004", 0.30000000000000004},
        {"-0", -0.0},
        {"1.7976931348623157e308", DBL_MAX},
        {"0.1000000000000000055511151231257827021181583404541015625", 0.1},
        {"2.4703282292062328e-324", 0x1p-1074},
        {"123456789012345678901234567890", 123456789012345678901234567890.0},
    };
    enum { N = sizeof cases / sizeof cases[0] };
    test_strbuf t = {0};
    for (int i = 0; i < N; i++) /* the same digits as a feature value, unless beyond float */
        test_strbuf_add(&t, "%s 1:%s\n", cases[i].text,
                 fabs(cases[i].want) <= FLT_MAX ? cases[i].text : "0");
    sm_dataset ds;
    sm_error err;
    if (!CHECK(parse(t.s, &ds, &err) == SM_OK))
        return;
    if (!CHECK(ds.n_rows == N)) {
        dataset_free(&ds);
        return;
    }
    for (int i = 0; i < N && ds.n_rows == N; i++) {
        double ref = strtod(cases[i].text, NULL);
        if (!CHECK(same_bits(ds.label[i], ref)) || !CHECK(same_bits(ds.label[i], cases[i].want)) ||
            !CHECK(fabs(ref) > FLT_MAX || same_float_bits(ds.val[i], (float)ref)))
            fprintf(stderr, "    for \"%s\": got %.17g\n", cases[i].text, ds.label[i]);
    }
    dataset_free(&ds);
    free(t.s);
}

static void test_exact_feature_values(void)
{
    /* (float)double: 16777217 is a tie between two floats, 3.4028234663852886e38
     * is FLT_MAX, 1e-46 underflows to 0, 1.4e-45 is the smallest subnormal. */
    static const struct {
        const char *text;
        float want;
    } cases[] = {
        {"0.1", 0.1f},
        {"16777217", 16777216.0f},
        {"3.4028234663852886e38", FLT_MAX},
        {"1e-46", 0.0f},
        {"1.4e-45", 0x1p-149f},
        {"-1.17549435e-38", -FLT_MIN},
        {"0.333333333333", 0.333333333333f},
    };
    enum { N = sizeof cases / sizeof cases[0] };
    test_strbuf t = {0};
    test_strbuf_add(&t, "0");
    for (int i = 0; i < N; i++)
        test_strbuf_add(&t, " %d:%s", i, cases[i].text);
    sm_dataset ds;
    sm_error err;
    if (!CHECK(parse(t.s, &ds, &err) == SM_OK))
        return;
    if (!CHECK(ds.nnz == N)) {
        dataset_free(&ds);
        return;
    }
    for (int i = 0; i < N && ds.nnz == N; i++) {
        if (!CHECK(same_float_bits(ds.val[i], (float)strtod(cases[i].text, NULL))) ||
            !CHECK(same_float_bits(ds.val[i], cases[i].want)))
            fprintf(stderr, "    for \"%s\": got %.9g\n", cases[i].text, (double)ds.val[i]);
    }
    dataset_free(&ds);
    free(t.s);
}

static const test_case cases[] = {
    TEST(test_signs_and_exponents),
    TEST(test_exact_labels),
    TEST(test_exact_feature_values),
};

TEST_MAIN(cases)
