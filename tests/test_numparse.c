/* test_numparse.c - sm_parse_decimal is strtod, bit for bit: tricky decimal
 * cases (halfway points, long mantissas, subnormals, 17+ digits, exponents
 * near the limits) and many seeded random strings of every shape. */
#include "numparse.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Parse s both ways; report the first few mismatches with the string. */
static int matches_strtod(const char *s)
{
    const char *end;
    double got = 0;
    char *ref_end;
    double want = strtod(s, &ref_end);
    int ok = sm_parse_decimal(s, &end, &got) && end == ref_end && same_bits(got, want) &&
             same_bits((double)(float)got, (double)(float)want);
    static int shown;
    if (!ok && shown++ < 10)
        fprintf(stderr, "  mismatch on \"%s\": got %a, strtod %a\n", s, got, want);
    return ok;
}

static void test_tricky_cases(void)
{
    static const char *const cases[] = {
        "0", "-0", "0.0", "-0.0e5", "0e999999", "1", "-1", "0.1", "0.2", "0.3", ".5", "5.",
        "+.5e-3", "1E+0", "3.14159", "123456", "1e22", "1e-22", "1e23", "1e-23",
        /* 2^53 + 1 and friends: exactly halfway between doubles, ties to even */
        "9007199254740993", "9007199254740995", "9007199254740992", "9007199254740991",
        "18014398509481987", "9007199254740993.0000000000000001",
        /* 1 + 2^-53: halfway between 1 and its successor; a digit more tips it */
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203126",
        "1.00000000000000011102230246251565404236316680908203124",
        /* the exact binary value of 0.1, and 17+ significant digits */
        "0.1000000000000000055511151231257827021181583404541015625",
        "0.10000000000000001", "0.12345678901234567", "1234567890123456789",
        "12345678901234567890", "123456789012345678901234567890", "9999999999999999999",
        "99999999999999999999", "18446744073709551615", "18446744073709551616",
        "000000000000000000000000001.5", "0.000000000000000000000000000001",
        "1.0000000000000000000000000000000000000000000000000000000000001",
        /* the fast path's edges: 2^53 times 10^22, and a shifted exponent */
        "9007199254740992e22", "9007199254740993e22", "9007199254740992e-22", "123e30",
        "1e37", "1e38", "999999999999999e22", "9999999999999999e22",
        /* largest and smallest doubles, subnormals, underflow and overflow */
        "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
        "1.8e308", "1e309", "2.2250738585072011e-308", "2.2250738585072014e-308",
        "2.2250738585072012e-308", "4.9406564584124654e-324", "5e-324",
        "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-400", "-1e-400",
        "7.038531e-26", "8.98846567431158e307", "4.35679828422046e-1",
        /* float edges: values rounded to double, then to float */
        "3.4028234663852886e38", "3.4028235677973366e38", "1.17549435e-38", "1.4e-45",
        "0.500000059604644775390625", "0.5000000596046447753906251", "16777217",
        "16777217.000000001", "1e-46",
        /* exponents with many digits and leading zeros */
        "1e0000000000000000000000000000000000000022", "1e-0000000000000000000000007",
        "1e99999999999999999999", "1e-99999999999999999999",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(matches_strtod(cases[i]));
}

static void test_syntax(void)
{
    static const char *const bad[] = {"", "-", "+", ".", "-.", "e5", ".e5", "nan", "inf",
                                      "-infinity", "1e", "1e+", "1e-", "1.5E", "abc", " 1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *end = NULL;
        double v;
        CHECK(sm_parse_decimal(bad[i], &end, &v) == 0 && end == bad[i]);
    }
    /* The number ends where the syntax does; the caller checks the rest. */
    static const struct {
        const char *s;
        size_t len;
    } stops[] = {{"0x1p3", 1}, {"1.5:2", 3}, {"12#c", 2}, {"7 8", 1}, {"1..2", 2}, {"2e3e4", 3},
                 {"1,5", 1}, {"-3.25\r", 5}};
    for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
        const char *end = NULL;
        double v;
        CHECK(sm_parse_decimal(stops[i].s, &end, &v) == 1 && end == stops[i].s + stops[i].len);
    }
}

static uint64_t rng = 20261122;

static uint64_t next_u64(void)
{
    uint64_t z = (rng += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
    return (unsigned)(next_u64() % n);
}

/* A random decimal: sign, 1-30 digits (sometimes with long zero runs), a
 * point anywhere, an exponent from the whole double range and beyond. */
static void random_decimal(char *s)
{
    size_t n = 0;
    if (below(3) == 0)
        s[n++] = below(2) ? '-' : '+';
    unsigned digits = 1 + below(below(4) == 0 ? 30 : 17), point = below(digits + 2);
    for (unsigned i = 0; i < digits; i++) {
        if (i == point)
            s[n++] = '.';
        s[n++] = (char)('0' + (below(4) == 0 ? (below(2) ? 0 : 9) : below(10)));
    }
    if (below(2)) {
        s[n++] = below(2) ? 'e' : 'E';
        int e = below(4) == 0 ? (int)below(700) - 350 : (int)below(50) - 25;
        n += (size_t)sprintf(s + n, "%d", e);
    }
    s[n] = '\0';
}

static void test_random_strings_match_strtod(void)
{
    char s[128];
    int mismatches = 0;
    for (int i = 0; i < 300000; i++) {
        random_decimal(s);
        mismatches += !matches_strtod(s);
    }
    /* Shortest and longer forms of random doubles, and points just off the
     * halfway between two neighbouring doubles. */
    for (int i = 0; i < 100000; i++) {
        uint64_t bits = next_u64() & ~(UINT64_C(1) << 63);
        double x;
        memcpy(&x, &bits, sizeof x);
        if (!isfinite(x))
            continue;
        snprintf(s, sizeof s, "%.*g", 1 + (int)below(19), x);
        mismatches += !matches_strtod(s);
        long double mid = ((long double)x + (long double)nextafter(x, INFINITY)) / 2;
        snprintf(s, sizeof s, "%.*Le", 16 + (int)below(10), mid);
        mismatches += !matches_strtod(s);
        /* values of the size data files hold, exercising the fast path */
        double v = (double)(next_u64() % 2000000000) / 1e6 - 1000;
        snprintf(s, sizeof s, "%.*f", (int)below(10), v);
        mismatches += !matches_strtod(s);
    }
    CHECK(mismatches == 0);
}

static const test_case cases[] = {
    TEST(test_tricky_cases),
    TEST(test_syntax),
    TEST(test_random_strings_match_strtod),
};

TEST_MAIN(cases)
