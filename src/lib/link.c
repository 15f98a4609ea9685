/* link.c - link terms as one table, sums as loops over it (see link.h).
 *
 * Every term is evaluated unweighted by its row of term_table; the sum
 * multiplies by w. The divergence and gradient of each term follow the
 * cancellation-free recipes of smloss-losses(7), "Computing the divergence",
 * extended so that no regime loses more than a few bits:
 *   - phi(d) = e^d - 1 - d and psi(v) = v - log1p(v) use their Taylor series
 *     wherever the closed form would cancel;
 *   - e^u * v * 2^k is formed by exp_times with the powers of two applied
 *     last, and 1/a, 1/a^2, a^2, (s - y)^2 are carried as m 2^e (binary)
 *     where they would not be normal doubles, so a value that fits in a
 *     double is finite even where e^u, 1/a^2 or (s - y)^2 alone overflows or
 *     underflows, and an overflowing one is +-inf, never NaN (exp with
 *     a = 1e200 had H = 0 for every z: 1/a^2 underflowed);
 *   - the exp and sinh divergences are e^u0 phi(d)/d^2 (s - y)^2, which needs
 *     no division by a^2 (no 0/0 for tiny a, no overflow for large a);
 *   - e^u1 and sigma(u1) take u1 = a (s - c) itself, never u0 + d, which
 *     rounds u1 away when |u0| >> |u1|; where a (z - c) or a (s - y)
 *     overflows, the terms take their limits in the units of z;
 *   - the sigmoid term is a Bernoulli KL divergence, reduced by symmetry to
 *     sigma(u0) <= 1/2 and split into two positive parts whose difference
 *     loses at most a bit or two;
 *   - pwl walks the segments from y to s, accumulating h(z) - h(y) as it
 *     goes, and takes h(z) from the end of z's region that faces 0.
 *
 * Accuracy (tests/test_link.c checks it against long-double references):
 * relative error below 1e-13 for every term, and for sums of divergences and
 * gradients (their terms share one sign; h of a sum is good relative to the
 * sum of its terms' sizes), for s next to y (down to one ulp apart) as for s
 * far from y, except for two limits of the inputs themselves rather than of
 * the formulas:
 *   - u = a (z - c) is rounded to double, and e^u moves by |u| times that
 *     rounding, so exp, sinh and saturated sigmoid terms are good to about
 *     (|u0| + |u1|) * 2^-53 relative: 1e-13 up to |u| ~ 200, 2e-13 at 700;
 *   - results below DBL_MIN (e.g. exp terms at u = -740) are subnormal and
 *     keep only absolute accuracy; below 5e-324 they are 0.
 * This holds for every a that is a normal double (|a| from 2.2e-308 to
 * 1.8e308) and all finite z, s, y, c. With a subnormal a, u keeps only the
 * digits of a subnormal product. For no finite arguments is a term's value
 * NaN; in a sum, h alone can be inf - inf, where two terms overflow in
 * opposite directions at one z (centres some 1e300 apart).
 */
#include "link.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"

/* ---- numerically careful building blocks ---- */

static double softplus(double u) { return fmax(u, 0.0) + log1p(exp(-fabs(u))); }

static double sigmoid(double u)
{
    if (u >= 0)
        return 1.0 / (1.0 + exp(-u));
    double e = exp(u);
    return e / (1.0 + e);
}

/* phi(d) = e^d - 1 - d >= 0 and phi2(d) = phi(d) / d^2. Below |d| = 1/2,
 * expm1(d) - d would cancel up to half the digits, so phi2 sums the series
 * 1/2! + d/3! + d^2/4! + ... instead; phi2 never underflows for tiny d. */
static double phi2(double d)
{
    if (fabs(d) >= 0.5)
        return (expm1(d) - d) / d / d;
    double term = 0.5, sum = term;
    for (int k = 3; k < 40 && fabs(term) > 1e-18 * sum; k++) {
        term *= d / k;
        sum += term;
    }
    return sum;
}

static double phi(double d) { return fabs(d) >= 0.5 ? expm1(d) - d : phi2(d) * d * d; }

/* psi(v) = v - log1p(v) >= 0 for v > -1, by its series sum_{k>=2} (-v)^k / k
 * where the closed form would cancel. */
static double psi(double v)
{
    if (fabs(v) >= 0.1)
        return v - log1p(v);
    double pw = v * v, sum = 0.0;
    for (int k = 2; k < 40; k++) {
        double term = pw / k;
        sum += term;
        if (fabs(term) <= 1e-18 * sum)
            break;
        pw *= -v;
    }
    return sum;
}

/* ln 2 split so that n * LN2_HI is exact for |n| < 2^21 (Cody and Waite). */
#define LN2 0.6931471805599453
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10

/* A number as m 2^e, so that squares and quotients of extreme values (a^2
 * for a = 1e200, 1/a^2 for a = 1e-200, (s - y)^2 for s - y = 1e160) need
 * not exist as doubles: the power of two is applied last, once. */
typedef struct {
    double m; /* the value itself (e = 0) when 2^-100 < |x| < 2^100, 0, inf or NaN */
    int e;    /* else 1/2 <= |m| < 1 */
} binary;

/* Moderate values stay as they are, so the usual cases compute exactly what
 * the plain formulas do, at no extra cost. */
static inline binary split(double x)
{
    binary b = {x, 0};
    double ax = fabs(x);
    if (!(ax < 0x1p100 && (ax > 0x1p-100 || ax == 0.0)) && isfinite(x))
        b.m = frexp(x, &b.e);
    return b;
}

/* s - y, also where the difference overflows (from the halves). */
static inline binary split_diff(double s, double y)
{
    double d = s - y;
    if (isfinite(d) || !isfinite(s) || !isfinite(y))
        return split(d);
    binary b = split(0.5 * s - 0.5 * y);
    b.e++;
    return b;
}

/* a (z - c) for finite a, z, c; where z - c overflows, from the halves
 * (the product may still be finite for a < 1). */
static inline double scaled_arg(double a, double z, double c)
{
    double diff = z - c;
    if (isfinite(diff) || !isfinite(z) || !isfinite(c))
        return a * diff;
    return 2.0 * (a * (0.5 * z - 0.5 * c));
}

/* e^u * v * 2^k, finite and accurate to a few ulps whenever the product is,
 * even where e^u, v 2^k or an intermediate product alone overflows or
 * underflows: e^u = 2^n e^r with |r| <= ln2/2, and the powers of two are
 * applied last. A zero v gives 0 for any finite u. Where v 2^k and the
 * product are normal doubles this is exactly exp(u) * (v 2^k). */
static double exp_times(double u, double v, int k)
{
    if (isnan(u) || isnan(v))
        return u + v;
    if (v == 0.0)
        return v;
    double w = k ? ldexp(v, k) : v;
    if (fabs(u) < 700.0 && fabs(w) >= DBL_MIN && fabs(w) <= DBL_MAX) {
        double r = exp(u) * w;
        if (fabs(r) >= DBL_MIN && fabs(r) <= DBL_MAX)
            return r;
    }
    if (isinf(v) || u > 1e6)
        return copysign(INFINITY, v);
    if (u < -1e6)
        return copysign(0.0, v);
    int e;
    double m = frexp(v, &e);
    double n = nearbyint(u / LN2);
    double r = (u - n * LN2_HI) - n * LN2_LO;
    double shift = n + (double)e + (double)k;
    if (shift > 4000.0)
        return copysign(INFINITY, v);
    if (shift < -4000.0)
        return copysign(0.0, v);
    return ldexp(exp(r) * m, (int)shift);
}

/* The exp term's divergence and rise, e^u0 phi(d) / a^2 and e^u0 expm1(d) / a,
 * are e^u0 phi2(d) (s - y)^2 and e^u0 expm1_rel(d) (s - y): no division by a
 * (no 0/0 when a is so small that d^2 underflows). */
static double expm1_rel(double d) { return d == 0.0 ? 1.0 : expm1(d) / d; }

/* Beyond this, phi(d) = -d and expm1(d) = -1 to double precision, and d^2
 * would overflow. */
#define D_FAR (-1e150)

/* scale * e^u0 phi(d) / a^2 with d = a * delta, u1 = u0 + d = a (s - c)
 * (formed directly: u0 + d loses u1 when |u0| >> |u1|). For d > 40, e^d
 * could overflow where e^u1 does not, so that is factored out:
 * phi(d) = e^d (1 - e^-d (1 + d)). For d < D_FAR, phi(d) / a^2 = -delta / a. */
static double exp_divergence(double u0, double u1, double d, binary delta, binary a,
                             double scale)
{
    if (d > 40.0) {
        double f = d > 800.0 ? 1.0 : 1.0 - exp(-d) * (1.0 + d);
        return exp_times(u1, scale * f / a.m / a.m, -2 * a.e);
    }
    if (d < D_FAR)
        return exp_times(u0, -scale * delta.m / a.m, delta.e - a.e);
    return exp_times(u0, scale * phi2(d) * delta.m * delta.m, 2 * delta.e);
}

/* scale * e^u0 expm1(d) / a, the exp term's h(s) - h(y). */
static double exp_rise(double u0, double u1, double d, binary delta, binary a, double scale)
{
    if (d > 40.0)
        return exp_times(u1, -scale * expm1(-d) / a.m, -a.e);
    if (d < D_FAR)
        return exp_times(u0, -scale / a.m, -a.e);
    return exp_times(u0, scale * expm1_rel(d) * delta.m, delta.e);
}

/* ---- the terms: unweighted h, H, h', divergence and its gradient ----
 * u = a (z - c); for the divergence u0 = a (y - c), u1 = a (s - c) and
 * d = a (s - y), the latter formed directly so that s close to y keeps its
 * digits. */

static void lin_eval(const link_term *t, double z, double *h, double *H, double *dh)
{
    (void)t;
    *h = z;
    *H = 0.5 * z * z;
    *dh = 1.0;
}
static double lin_loss(const link_term *t, double s, double y)
{
    (void)t;
    double d = s - y;
    return 0.5 * d * d;
}
static double lin_grad(const link_term *t, double s, double y)
{
    (void)t;
    return s - y;
}

/* h' = a sigma(u) sigma(-u) = a e^-|u| / (1 + e^-|u|)^2; beyond |u| = 700
 * sigma(-|u|) is subnormal, so the product goes through exp_times. Where
 * a (z - c) overflows, H = softplus(u) / a is max(z - c, 0) to double
 * precision. */
static void sigmoid_eval(const link_term *t, double z, double *h, double *H, double *dh)
{
    double u = scaled_arg(t->a, z, t->c);
    *h = sigmoid(u);
    *H = isfinite(u) ? softplus(u) / t->a : fmax(z - t->c, 0.0);
    *dh = fabs(u) <= 700.0 ? t->a * sigmoid(u) * sigmoid(-u) : exp_times(-fabs(u), t->a, 0);
}
/* (1/a) KL(Bern(sigma(u0)) || Bern(sigma(u1))). The KL is unchanged when both
 * logits change sign, so take u0 <= 0 and p = sigma(u0) <= 1/2. With
 * x = expm1(d):  KL = log1p(p x) - p d = p phi(d) - psi(p x),
 * two non-negative parts whose difference is at least half the larger one for
 * moderate d. For large positive d the softplus form has no cancellation.
 * Where a (s - c) or a (s - y) overflows, KL / a is taken in the units of z:
 * (1 - p) S + p Y - softplus(u0) / a for u1 -> +inf (S, Y: s - c, y - c
 * in the mirrored frame), p |s - y| + log1p(-p) / a for d -> -inf. */
static double sigmoid_loss(const link_term *t, double s, double y)
{
    double u0 = scaled_arg(t->a, y, t->c), u1 = scaled_arg(t->a, s, t->c);
    double d = scaled_arg(t->a, s, y), sign = 1.0;
    if (u0 > 0) {
        u0 = -u0;
        u1 = -u1;
        d = -d;
        sign = -1.0;
    }
    double p = sigmoid(u0), kl;
    /* KL = p (1 - p) d^2 / 2 (1 + O(d)): keep it as d (s - y) a / 2 so that
     * a tiny a (d^2 below DBL_MIN) does not underflow to 0 */
    if (fabs(d) < 1e-20)
        return p * sigmoid(-u0) * 0.5 * fabs(d) * fabs(s - y);
    if (d > 2.0 && !(isfinite(u1) && isfinite(d))) {
        double S = sign * (s - t->c), Y = sign * (y - t->c);
        return fmax((1.0 - p) * S + (p > 0.0 ? p * Y : 0.0) - softplus(u0) / t->a, 0.0);
    }
    if (d < D_FAR)
        return fmax(p * fabs(s - y) + log1p(-p) / t->a, 0.0);
    if (d > 2.0)
        kl = softplus(u1) - softplus(u0) - (p > 0.0 ? p * d : 0.0);
    else
        kl = p * phi(d) - psi(p * expm1(d));
    return fmax(kl, 0.0) / t->a;
}
/* sigma(u1) - sigma(u0) as a product, so it keeps full relative precision:
 * = -expm1(-d) sigma(u1) sigma(-u0) = expm1(d) sigma(-u1) sigma(u0);
 * the form whose expm1 lies in [-1, 0] never overflows. */
static double sigmoid_grad(const link_term *t, double s, double y)
{
    double u0 = scaled_arg(t->a, y, t->c), u1 = scaled_arg(t->a, s, t->c);
    double d = scaled_arg(t->a, s, y);
    if (d > 0)
        return -expm1(-d) * sigmoid(u1) * sigmoid(-u0);
    return expm1(d) * sigmoid(-u1) * sigmoid(u0);
}

/* e^u / a and e^u / a^2 stay finite where e^u, 1/a or 1/a^2 alone would not. */
static void exp_eval(const link_term *t, double z, double *h, double *H, double *dh)
{
    double u = scaled_arg(t->a, z, t->c);
    binary a = split(t->a);
    *h = exp_times(u, 1.0 / a.m, -a.e);
    *H = exp_times(u, 1.0 / a.m / a.m, -2 * a.e);
    *dh = exp(u);
}
/* The usual case, |a (s - y)| <= 40 with moderate s - y and a finite u0,
 * takes the middle formula of exp_divergence / exp_rise straight away. */
static int plain_case(double delta, double d, double u0)
{
    double ad = fabs(delta);
    return ad < 0x1p100 && (ad > 0x1p-100 || ad == 0.0) && fabs(d) <= 40.0 && isfinite(u0);
}
static double exp_loss(const link_term *t, double s, double y)
{
    double delta = s - y, u0 = t->a * (y - t->c), d = t->a * delta;
    if (plain_case(delta, d, u0))
        return exp_times(u0, phi2(d) * delta * delta, 0);
    return exp_divergence(scaled_arg(t->a, y, t->c), scaled_arg(t->a, s, t->c),
                          scaled_arg(t->a, s, y), split_diff(s, y), split(t->a), 1.0);
}
static double exp_grad(const link_term *t, double s, double y)
{
    double delta = s - y, u0 = t->a * (y - t->c), d = t->a * delta;
    if (plain_case(delta, d, u0))
        return exp_times(u0, expm1_rel(d) * delta, 0);
    return exp_rise(scaled_arg(t->a, y, t->c), scaled_arg(t->a, s, t->c),
                    scaled_arg(t->a, s, y), split_diff(s, y), split(t->a), 1.0);
}

/* Beyond |u| = 20, e^-|u| is below the rounding of e^|u|, and the halves
 * go through exp_times so that sinh(u) / a is finite wherever it is. Below
 * |u| = 2^-500, sinh(u) / a is z - c to double precision (u itself may be
 * subnormal or 0 for a tiny a). a^2 is not formed where it is not a normal
 * double. */
static void sinh_eval(const link_term *t, double z, double *h, double *H, double *dh)
{
    double u = scaled_arg(t->a, z, t->c), aa = t->a * t->a;
    binary a = split(t->a);
    if (fabs(u) <= 20.0) {
        *h = fabs(u) < 0x1p-500 ? z - t->c : sinh(u) / t->a;
        *H = aa >= DBL_MIN && aa <= DBL_MAX ? cosh(u) / aa
                                            : ldexp(cosh(u) / a.m / a.m, -2 * a.e);
        *dh = cosh(u);
        return;
    }
    *h = copysign(exp_times(fabs(u), 0.5 / a.m, -a.e), u);
    *H = exp_times(fabs(u), 0.5 / a.m / a.m, -2 * a.e);
    *dh = exp_times(fabs(u), 0.5, 0);
}
/* The two exponential halves, e^u/2 and e^-u/2 (the latter an exp term with
 * scale -a): both divergences are positive and both rises have the sign of
 * s - y, so the sums never cancel. */
static double sinh_loss(const link_term *t, double s, double y)
{
    double delta0 = s - y, v0 = t->a * (y - t->c), d0 = t->a * delta0;
    if (plain_case(delta0, d0, v0))
        return exp_times(v0, 0.5 * phi2(d0) * delta0 * delta0, 0) +
               exp_times(-v0, 0.5 * phi2(-d0) * delta0 * delta0, 0);
    double u0 = scaled_arg(t->a, y, t->c), u1 = scaled_arg(t->a, s, t->c);
    double d = scaled_arg(t->a, s, y);
    binary delta = split_diff(s, y), a = split(t->a), neg_a = {-a.m, a.e};
    return exp_divergence(u0, u1, d, delta, a, 0.5) +
           exp_divergence(-u0, -u1, -d, delta, neg_a, 0.5);
}
static double sinh_grad(const link_term *t, double s, double y)
{
    double delta0 = s - y, v0 = t->a * (y - t->c), d0 = t->a * delta0;
    if (plain_case(delta0, d0, v0))
        return exp_times(v0, 0.5 * expm1_rel(d0) * delta0, 0) +
               exp_times(-v0, 0.5 * expm1_rel(-d0) * delta0, 0);
    double u0 = scaled_arg(t->a, y, t->c), u1 = scaled_arg(t->a, s, t->c);
    double d = scaled_arg(t->a, s, y);
    binary delta = split_diff(s, y), a = split(t->a), neg_a = {-a.m, a.e};
    return exp_rise(u0, u1, d, delta, a, 0.5) + exp_rise(-u0, -u1, -d, delta, neg_a, 0.5);
}

/* A pwl term is a row of segments split at its bounds: with width 0, the
 * regions split at the knots; with ramps, each knot's ramp is a segment of
 * its own between the constant parts of its two regions. */

/* Segment of z: the number of bounds <= z (a bound belongs to the segment above). */
static int pwl_segment(const link_term *t, double z)
{
    int j = 0;
    while (j < t->n_bounds && z >= t->bound[j])
        j++;
    return j;
}

/* The slope at z in segment j: a region's, or on a ramp the blend of the two
 * regions' weighted by the distances to the ramp's ends (both parts >= 0). */
static double pwl_slope(const link_term *t, int j, double z)
{
    if (t->width == 0)
        return t->slopes[j];
    if (j % 2 == 0)
        return t->slopes[j / 2];
    double lo = t->bound[j - 1], hi = t->bound[j];
    return t->slopes[j / 2] * ((hi - z) / (hi - lo)) + t->slopes[j / 2 + 1] * ((z - lo) / (hi - lo));
}

static void pwl_set_bounds(link_term *t)
{
    t->n_bounds = 0;
    for (int i = 0; i + 1 < t->n_regions; i++) {
        if (t->width > 0)
            t->bound[t->n_bounds++] = t->knots[i] - 0.5 * t->width;
        t->bound[t->n_bounds++] = t->width > 0 ? t->knots[i] + 0.5 * t->width : t->knots[i];
    }
}

/* Walk from p to q segment by segment. Returns the integral of h(z) - h(p)
 * from p to q and sets *dh to h(q) - h(p), both exact for a piecewise
 * linear slope (a trapezoid for each rise; on a ramp the integral of a
 * quadratic, len D + len^2 (m(z) / 3 + m(next) / 6)) and accumulated without
 * subtracting large values: every part has the sign of q - p. */
static double pwl_walk(const link_term *t, double p, double q, double *dh)
{
    double integral = 0.0, D = 0.0, z = p;
    if (isnan(p) || isnan(q)) {
        *dh = NAN;
        return NAN;
    }
    int j = pwl_segment(t, p);
    while (z != q) {
        double next;
        int step;
        if (q > z) {
            next = j < t->n_bounds && t->bound[j] < q ? t->bound[j] : q;
            step = 1;
        } else {
            next = j > 0 && t->bound[j - 1] > q ? t->bound[j - 1] : q;
            step = -1;
        }
        double m0 = pwl_slope(t, j, z), m1 = pwl_slope(t, j, next), len = next - z;
        if (m0 == m1) {
            double Dn = D + m0 * len;
            integral += 0.5 * len * (D + Dn);
            D = Dn;
        } else {
            /* halves and thirds first: 2 m0 + m1 may overflow where the result does not */
            integral += len * D + len * (len * (m0 / 3.0 + m1 / 6.0));
            D += len * (0.5 * m0 + 0.5 * m1);
        }
        z = next;
        /* Going down from a bound, the segment below it is the one below. */
        if (z != q)
            j += step;
    }
    *dh = D;
    return integral;
}

/* h(z) from the end of z's segment that faces 0: the segment holding 0 is
 * the rise from 0; a segment above it starts at a bound b > 0, and
 * h(b) + the rise from b adds two non-negative numbers; a segment below it
 * ends at a bound b <= 0, and both parts are <= 0. So nothing cancels:
 * anchoring at a far knot would subtract nearly equal numbers for z near 0
 * (h(-1e-14) was 33% off with the knots at 30). */
static void pwl_eval(const link_term *t, double z, double *h, double *H, double *dh)
{
    int j = pwl_segment(t, z), j0 = pwl_segment(t, 0.0);
    double from = j == j0 ? 0.0 : j > j0 ? t->bound[j - 1] : t->bound[j];
    double rise;
    pwl_walk(t, from, z, &rise);
    *h = j == j0 ? rise : (j > j0 ? t->h_at_bound[j - 1] : t->h_at_bound[j]) + rise;
    double h_rel;
    *H = pwl_walk(t, 0.0, z, &h_rel); /* h(0) = 0, so this is the integral of h */
    *dh = pwl_slope(t, j, z);
}
static double pwl_loss(const link_term *t, double s, double y)
{
    double dh;
    return pwl_walk(t, y, s, &dh);
}
static double pwl_grad(const link_term *t, double s, double y)
{
    int j = pwl_segment(t, s);
    if (j == pwl_segment(t, y) && (t->width == 0 || j % 2 == 0))
        return pwl_slope(t, j, s) * (s - y);
    double dh;
    pwl_walk(t, y, s, &dh);
    return dh;
}

/* ---- the table ---- */

enum { KEY_W = 1, KEY_A = 2, KEY_C = 4, KEY_KNOTS = 8, KEY_SLOPES = 16, KEY_WIDTH = 32 };

typedef struct {
    const char *name;
    unsigned keys;      /* the keys the term takes */
    const char *key_list;
    void (*eval)(const link_term *t, double z, double *h, double *H, double *dh);
    double (*loss)(const link_term *t, double s, double y);
    double (*grad)(const link_term *t, double s, double y);
} term_ops;

static const term_ops term_table[LINK_KIND_COUNT] = {
    [LINK_LIN] = {.name = "lin", .keys = KEY_W, .key_list = "w",
                  .eval = lin_eval, .loss = lin_loss, .grad = lin_grad},
    [LINK_SIGMOID] = {.name = "sigmoid", .keys = KEY_W | KEY_A | KEY_C, .key_list = "a, c, w",
                      .eval = sigmoid_eval, .loss = sigmoid_loss, .grad = sigmoid_grad},
    [LINK_EXP] = {.name = "exp", .keys = KEY_W | KEY_A | KEY_C, .key_list = "a, c, w",
                  .eval = exp_eval, .loss = exp_loss, .grad = exp_grad},
    [LINK_SINH] = {.name = "sinh", .keys = KEY_W | KEY_A | KEY_C, .key_list = "a, c, w",
                   .eval = sinh_eval, .loss = sinh_loss, .grad = sinh_grad},
    [LINK_PWL] = {.name = "pwl", .keys = KEY_W | KEY_KNOTS | KEY_SLOPES | KEY_WIDTH,
                  .key_list = "knots, slopes, width, w",
                  .eval = pwl_eval, .loss = pwl_loss, .grad = pwl_grad},
};

static const struct {
    const char *name;
    unsigned bit;
} key_names[] = {{.name = "w", .bit = KEY_W},
                 {.name = "a", .bit = KEY_A},
                 {.name = "c", .bit = KEY_C},
                 {.name = "knots", .bit = KEY_KNOTS},
                 {.name = "slopes", .bit = KEY_SLOPES},
                 {.name = "width", .bit = KEY_WIDTH}};

/* ---- sums ---- */

void link_eval(const sm_link *link, double z, double *h, double *H, double *dh)
{
    double sh = 0.0, sH = 0.0, sdh = 0.0;
    for (int k = 0; k < link->n_terms; k++) {
        const link_term *t = &link->terms[k];
        double th, tH, tdh;
        term_table[t->kind].eval(t, z, &th, &tH, &tdh);
        sh += t->w * th;
        sH += t->w * tH;
        sdh += t->w * tdh;
    }
    if (h)
        *h = sh;
    if (H)
        *H = sH;
    if (dh)
        *dh = sdh;
}

double link_h(const sm_link *link, double z)
{
    double h;
    link_eval(link, z, &h, NULL, NULL);
    return h;
}

double link_dh(const sm_link *link, double z)
{
    double dh;
    link_eval(link, z, NULL, NULL, &dh);
    return dh;
}

double link_loss(const sm_link *link, double s, double y)
{
    double sum = 0.0;
    for (int k = 0; k < link->n_terms; k++) {
        const link_term *t = &link->terms[k];
        sum += t->w * term_table[t->kind].loss(t, s, y);
    }
    return sum;
}

double link_grad(const sm_link *link, double s, double y)
{
    double sum = 0.0;
    for (int k = 0; k < link->n_terms; k++) {
        const link_term *t = &link->terms[k];
        sum += t->w * term_table[t->kind].grad(t, s, y);
    }
    return sum;
}

/* ---- flatness ---- */

/* A term's slope peaks, over an interval, at one of its ends, at its centre
 * (sigmoid; exp and sinh are monotone on either side of it) or at an end of
 * a pwl segment (linear in each), so the largest of the sum's slopes at those points is at
 * least the largest of every term's over the interval (the other terms only
 * add), and at most n_terms times less than the sum's. */
double link_slope_over(const sm_link *link, double lo, double hi)
{
    double best = fmax(link_dh(link, lo), link_dh(link, hi));
    for (int k = 0; k < link->n_terms; k++) {
        const link_term *t = &link->terms[k];
        if (term_table[t->kind].keys & KEY_C)
            best = fmax(best, link_dh(link, fmin(fmax(t->c, lo), hi)));
        for (int j = 0; t->kind == LINK_PWL && j < t->n_bounds; j++)
            if (t->bound[j] > lo && t->bound[j] <= hi)
                best = fmax(best, link_dh(link, t->bound[j]));
    }
    return best;
}

double link_steepest(const sm_link *link, double *at)
{
    double best = 0.0;
    *at = NAN;
    for (int k = 0; k < link->n_terms; k++) {
        const link_term *t = &link->terms[k];
        double slope = t->w, z = NAN, h, H, dh;
        if (t->kind == LINK_EXP)
            continue; /* no steepest point: moving c only rescales it */
        if (term_table[t->kind].keys & KEY_C) {
            term_table[t->kind].eval(t, t->c, &h, &H, &dh);
            slope = t->w * dh;
            z = t->c;
        }
        if (t->kind == LINK_PWL) {
            int steep = 0;
            for (int i = 1; i < t->n_regions; i++)
                if (t->slopes[i] > t->slopes[steep])
                    steep = i;
            slope = t->w * t->slopes[steep];
            /* a point of the region's constant part: its start, or below
             * the first bound */
            z = steep > 0 ? t->bound[t->width > 0 ? 2 * steep - 1 : steep - 1]
                : t->n_regions > 1 ? t->bound[0] - 1.0 : 0.0;
        }
        if (slope > best) {
            best = slope;
            *at = z;
        }
    }
    return best;
}

/* ---- parsing ---- */

/* A term ends at a '+' that starts another term (a letter follows), ends the
 * spec, or is doubled; a '+' inside a number ("1e+2") is followed by a digit. */
static int is_term_break(const char *p)
{
    return *p == '+' && (p[1] == '\0' || p[1] == '+' ||
                         (p[1] >= 'a' && p[1] <= 'z') || (p[1] >= 'A' && p[1] <= 'Z'));
}

/* A finite real number in plain decimal syntax, the whole of [p, p+len). */
static int parse_number(const char *p, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!strchr("0123456789.eE+-", p[i]))
            return 0;
    memcpy(buf, p, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (*end != '\0' || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

/* Parse "v1/v2/..." into at most max values. */
static sm_status parse_list(const char *p, size_t len, double *out, int max, int *n,
                            const char *key, const char *term, sm_error *err)
{
    *n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && p[i] != '/')
            continue;
        if (*n == max)
            return sm_fail(err, SM_EUSAGE, "too many values for '%s' (at most %d) in term '%s'",
                           key, max, term);
        if (!parse_number(p + start, i - start, &out[*n]))
            return sm_fail(err, SM_EUSAGE, "'%.*s' is not a finite number (key '%s' in term '%s')",
                           (int)(i - start), p + start, key, term);
        (*n)++;
        start = i + 1;
    }
    return SM_OK;
}

static sm_status check_term(link_term *t, unsigned seen, const char *term, sm_error *err)
{
    if (!(t->w > 0))
        return sm_fail(err, SM_EUSAGE,
                       "w must be > 0 in term '%s' (a zero or negative weight does not make an "
                       "increasing link)", term);
    switch (t->kind) {
    case LINK_SIGMOID:
    case LINK_SINH:
        if (!(t->a > 0))
            return sm_fail(err, SM_EUSAGE, "a must be > 0 in term '%s'", term);
        break;
    case LINK_EXP:
        if (t->a == 0)
            return sm_fail(err, SM_EUSAGE, "a must not be 0 in term '%s'", term);
        break;
    case LINK_PWL: {
        if (!(seen & KEY_SLOPES))
            return sm_fail(err, SM_EUSAGE, "pwl needs slopes=m0/m1/... in term '%s'", term);
        for (int i = 0; i < t->n_regions; i++)
            if (!(t->slopes[i] > 0))
                return sm_fail(err, SM_EUSAGE, "slopes must be > 0 in term '%s'", term);
        for (int i = 1; i + 1 < t->n_regions; i++)
            if (!(t->knots[i] > t->knots[i - 1]))
                return sm_fail(err, SM_EUSAGE, "knots must be strictly increasing in term '%s'",
                               term);
        if (!(t->width >= 0))
            return sm_fail(err, SM_EUSAGE, "width must be >= 0 in term '%s'", term);
        t->width += 0.0; /* -0 is 0: no ramps, and the canonical form omits it */
        pwl_set_bounds(t);
        /* ramps must not overlap, and each must be a segment of its own in doubles */
        for (int j = 0; j < t->n_bounds; j++)
            if (!isfinite(t->bound[j]) || (j > 0 && t->bound[j] < t->bound[j - 1]) ||
                (t->width > 0 && j % 2 == 1 && !(t->bound[j] > t->bound[j - 1])))
                return sm_fail(err, SM_EUSAGE,
                               "width must be at most the smallest gap between knots (and not "
                               "so small that knot - width/2 and knot + width/2 are one "
                               "number) in term '%s'", term);
        /* h(0) = 0: h at each bound is the rise from 0 to it. */
        for (int j = 0; j < t->n_bounds; j++)
            pwl_walk(t, 0.0, t->bound[j], &t->h_at_bound[j]);
        break;
    }
    default:
        break;
    }
    return SM_OK;
}

/* One term "NAME[:key=value,...]", the text [p, p+len). */
static sm_status parse_term(const char *p, size_t len, link_term *t, sm_error *err)
{
    char term[LINK_SPEC_MAX];
    snprintf(term, sizeof term, "%.*s", (int)len, p);
    if (len == 0)
        return sm_fail(err, SM_EUSAGE, "empty term (a '+' with nothing after it)");
    const char *colon = memchr(p, ':', len);
    size_t name_len = colon ? (size_t)(colon - p) : len;
    int kind = -1;
    for (int k = 0; k < LINK_KIND_COUNT; k++)
        if (strlen(term_table[k].name) == name_len && !memcmp(term_table[k].name, p, name_len))
            kind = k;
    if (kind < 0)
        return sm_fail(err, SM_EUSAGE,
                       "unknown term '%.*s' in '%s' (terms: lin, sigmoid, exp, sinh, pwl)",
                       (int)name_len, p, term);
    memset(t, 0, sizeof *t);
    t->kind = (link_kind)kind;
    t->w = 1.0;
    t->a = 1.0;
    t->c = 0.0;
    t->n_regions = 1;
    unsigned seen = 0;
    int n_knots = 0;
    if (colon) {
        const char *q = colon + 1, *end = p + len;
        if (q == end)
            return sm_fail(err, SM_EUSAGE, "expected key=value after ':' in term '%s'", term);
        while (q <= end) {
            const char *comma = memchr(q, ',', (size_t)(end - q));
            const char *item_end = comma ? comma : end;
            const char *eq = memchr(q, '=', (size_t)(item_end - q));
            size_t key_len = eq ? (size_t)(eq - q) : (size_t)(item_end - q);
            unsigned bit = 0;
            for (size_t k = 0; k < sizeof key_names / sizeof key_names[0]; k++)
                if (strlen(key_names[k].name) == key_len && !memcmp(key_names[k].name, q, key_len))
                    bit = key_names[k].bit;
            if (!(bit & term_table[kind].keys))
                return sm_fail(err, SM_EUSAGE, "unknown key '%.*s' in term '%s' (%s takes %s)",
                               (int)key_len, q, term, term_table[kind].name,
                               term_table[kind].key_list);
            char key[16];
            snprintf(key, sizeof key, "%.*s", (int)key_len, q);
            if (!eq || eq + 1 == item_end)
                return sm_fail(err, SM_EUSAGE, "missing value for key '%s' in term '%s'", key, term);
            if (seen & bit)
                return sm_fail(err, SM_EUSAGE, "key '%s' given twice in term '%s'", key, term);
            seen |= bit;
            const char *v = eq + 1;
            size_t vlen = (size_t)(item_end - v);
            sm_status st = SM_OK;
            int n;
            if (bit == KEY_KNOTS) {
                st = parse_list(v, vlen, t->knots, LINK_PWL_MAX_REGIONS - 1, &n_knots, key, term, err);
            } else if (bit == KEY_SLOPES) {
                st = parse_list(v, vlen, t->slopes, LINK_PWL_MAX_REGIONS, &t->n_regions, key, term,
                                err);
            } else {
                double *dst = bit == KEY_W ? &t->w : bit == KEY_A ? &t->a
                              : bit == KEY_WIDTH ? &t->width : &t->c;
                st = parse_list(v, vlen, dst, 1, &n, key, term, err);
            }
            if (st != SM_OK)
                return st;
            if (!comma)
                break;
            q = comma + 1;
            if (q == end)
                return sm_fail(err, SM_EUSAGE, "expected key=value after ',' in term '%s'", term);
        }
    }
    if (kind == LINK_PWL && (seen & KEY_SLOPES) && t->n_regions != n_knots + 1)
        return sm_fail(err, SM_EUSAGE,
                       "pwl with %d knot%s needs %d slopes, got %d, in term '%s'", n_knots,
                       n_knots == 1 ? "" : "s", n_knots + 1, t->n_regions, term);
    return check_term(t, seen, term, err);
}

sm_status link_parse(const char *spec, sm_link *link, sm_error *err)
{
    sm_link out;
    memset(&out, 0, sizeof out);
    size_t len = strlen(spec);
    if (len == 0)
        return sm_fail(err, SM_EUSAGE,
                       "empty link spec (examples: 'lin', 'lin:w=0.05+sigmoid:a=3,c=3')");
    if (len >= LINK_SPEC_MAX)
        return sm_fail(err, SM_EUSAGE, "link spec longer than %d characters", LINK_SPEC_MAX - 1);
    if (strpbrk(spec, " \t\n"))
        return sm_fail(err, SM_EUSAGE, "link spec '%s' contains white space", spec);
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && !is_term_break(spec + i))
            continue;
        if (out.n_terms == LINK_MAX_TERMS)
            return sm_fail(err, SM_EUSAGE, "more than %d terms in '%s'", LINK_MAX_TERMS, spec);
        sm_status st = parse_term(spec + start, i - start, &out.terms[out.n_terms], err);
        if (st != SM_OK)
            return st;
        out.n_terms++;
        start = i + 1;
        if (i < len && i + 1 == len) /* a trailing '+' */
            return sm_fail(err, SM_EUSAGE, "empty term after the last '+' in '%s'", spec);
    }
    *link = out;
    return SM_OK;
}

/* ---- formatting ---- */

typedef struct {
    char *buf;
    size_t size, len;
} sink;

static void put(sink *o, const char *text)
{
    size_t n = strlen(text);
    if (o->len < o->size)
        snprintf(o->buf + o->len, o->size - o->len, "%s", text);
    o->len += n;
}

static void put_number(sink *o, const char *prefix, double v)
{
    char num[40];
    sm_format_double(num, sizeof num, v);
    put(o, prefix);
    put(o, num);
}

int link_format(const sm_link *link, char *buf, size_t size)
{
    sink o = {buf, size, 0};
    if (size > 0)
        buf[0] = '\0';
    for (int k = 0; k < link->n_terms; k++) {
        const link_term *t = &link->terms[k];
        if (k)
            put(&o, "+");
        put(&o, term_table[t->kind].name);
        const char *sep = ":";
        if (term_table[t->kind].keys & KEY_A) {
            put_number(&o, ":a=", t->a);
            put_number(&o, ",c=", t->c);
            sep = ",";
        }
        if (t->kind == LINK_PWL) {
            for (int i = 0; i + 1 < t->n_regions; i++)
                put_number(&o, i ? "/" : ":knots=", t->knots[i]);
            for (int i = 0; i < t->n_regions; i++)
                put_number(&o, i ? "/" : t->n_regions > 1 ? ",slopes=" : ":slopes=", t->slopes[i]);
            if (t->width > 0)
                put_number(&o, ",width=", t->width);
            sep = ",";
        }
        put(&o, sep);
        put_number(&o, "w=", t->w);
    }
    return (int)o.len;
}
