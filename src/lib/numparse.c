/* numparse.c - exact decimal to double: Clinger's fast path, strtod otherwise.
 *
 * When the decimal significand m fits in 53 bits and the power of ten 10^k is
 * an exact double (|k| <= 22), m * 10^k or m / 10^k is one IEEE operation and
 * therefore correctly rounded: exactly what strtod returns. A positive k a
 * little beyond 22 still works when m * 10^(k-22) stays below 2^53 (then one
 * multiplication by 1e22 remains). Anything else - more than 19 significant
 * digits, large exponents, subnormals - is handed to strtod, which the syntax
 * check here has already made safe to call on the same bytes.
 */
#include "numparse.h"

#include <float.h>
#include <stdint.h>
#include <stdlib.h>

/* The fast path needs double arithmetic evaluated in double precision. */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define SM_CLINGER 1
#else
#define SM_CLINGER 0
#endif

static const double exact_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#define MAX_EXACT_INT (UINT64_C(1) << 53)

static inline int is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

int sm_parse_decimal(const char *s, const char **end, double *out)
{
    const char *p = s;
    int negative = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    uint64_t m = 0;
    int sig_digits = 0;   /* digits of m from the first nonzero one */
    int too_many = 0;     /* a nonzero digit did not fit in m */
    int64_t exp10 = 0;
    const char *digits_start = p;
    for (; is_digit(*p); p++) {
        if (sig_digits < 19) {
            m = m * 10 + (uint64_t)(*p - '0');
            sig_digits += m != 0;
        } else {
            exp10++;
            too_many |= *p != '0';
        }
    }
    size_t n_digits = (size_t)(p - digits_start);
    if (*p == '.') {
        p++;
        const char *frac_start = p;
        for (; is_digit(*p); p++) {
            if (sig_digits < 19) {
                m = m * 10 + (uint64_t)(*p - '0');
                sig_digits += m != 0;
                exp10--;
            } else {
                too_many |= *p != '0';
            }
        }
        n_digits += (size_t)(p - frac_start);
    }
    if (n_digits == 0) {
        *end = s;
        return 0;
    }
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        int exp_negative = *q == '-';
        if (*q == '-' || *q == '+')
            q++;
        if (!is_digit(*q)) {
            *end = s;
            return 0;
        }
        int64_t e = 0;
        for (; is_digit(*q); q++)
            if (e < 100000000)
                e = e * 10 + (*q - '0');
        exp10 += exp_negative ? -e : e;
        p = q;
    }
    *end = p;
    double v;
    if (m == 0 && !too_many) {
        v = 0.0;
    } else if (SM_CLINGER && !too_many && m <= MAX_EXACT_INT && exp10 >= -22 && exp10 <= 22) {
        v = exp10 < 0 ? (double)m / exact_pow10[-exp10] : (double)m * exact_pow10[exp10];
    } else if (SM_CLINGER && !too_many && exp10 > 22 && exp10 <= 22 + 15 &&
               m <= MAX_EXACT_INT / (uint64_t)exact_pow10[exp10 - 22]) {
        v = (double)(m * (uint64_t)exact_pow10[exp10 - 22]) * 1e22;
    } else {
        *out = strtod(s, NULL);
        return 1;
    }
    *out = negative ? -v : v;
    return 1;
}
