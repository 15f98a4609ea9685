/* test_link.c - the link module against independent long-double references.
 *
 * Every term (lin, sigmoid, exp with a > 0 and a < 0, sinh, pwl with 0, 1 and
 * many knots) and weighted sums are checked for:
 *   - h, H, h' at hand-computed points and against closed forms in long double;
 *   - H' = h, h' = dh/dz, dL/ds = link_grad by finite differences;
 *   - the loss against the integral definition (adaptive Simpson in long
 *     double), the Bregman form H(s) - H(y) - (s - y) h(y), the Taylor series
 *     sum_k h^(k-1)(y) (s - y)^k / k! and, for sigmoid, the Bernoulli KL;
 *   - extreme arguments: s next to y, |a (z - c)| up to 800, overflow to +inf
 *     (never NaN), pwl across many knots;
 *   - the spec grammar: examples, number spellings, bit-exact round trips
 *     through link_format, and every error path with its message.
 *
 * The references never call link.c's numerics: each is a different formula,
 * evaluated in long double, with an estimate of its own rounding error (the
 * condition number of the formula times the long-double epsilon, or the
 * truncation bound of the series). The best reference must be good to 1e-15,
 * which the tests check, so no point goes silently unchecked.
 *
 * Tolerance: 1e-13 relative, plus the conditioning of e^u in its argument:
 * u = a (z - c) is rounded to double inside link.c, which moves e^u by up to
 * |u| * 2^-53 relative (see link.c's header). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "test.h"

typedef long double ld;

#define LD_EPS ((ld)LDBL_EPSILON)
#define REL_TOL 1e-13
#define REF_TOL 1e-15L

static sm_link parse_ok(const char *spec)
{
    sm_link l;
    sm_error e;
    memset(&l, 0, sizeof l);
    if (!CHECK(link_parse(spec, &l, &e) == SM_OK))
        fprintf(stderr, "  parsing '%s': %s\n", spec, e.msg);
    return l;
}

/* ---- independent long-double references for one unweighted term ---- */

static ld ld_sigmoid(ld u) { return u >= 0 ? 1 / (1 + expl(-u)) : expl(u) / (1 + expl(u)); }
static ld ld_softplus(ld u) { return (u > 0 ? u : 0) + log1pl(expl(-fabsl(u))); }
static ld ld_u(const link_term *t, double z) { return (ld)t->a * ((ld)z - (ld)t->c); }

/* The points where a pwl term's slope changes course: the knots, or with
 * ramps both ends of each knot's ramp; increasing. */
static int ref_pwl_cuts(const link_term *t, ld *cuts)
{
    int n = 0;
    for (int i = 0; i + 1 < t->n_regions; i++) {
        ld k = t->knots[i], half = (ld)t->width / 2;
        if (t->width > 0)
            cuts[n++] = k - half;
        cuts[n++] = k + half;
    }
    return n;
}

/* h'(z) from the definition: on a ramp the slope moves linearly from one
 * region's to the next's; elsewhere the region's (a knot belongs to the
 * region above). */
static ld ref_pwl_slope(const link_term *t, ld z)
{
    ld half = (ld)t->width / 2;
    int region = 0;
    for (int i = 0; i + 1 < t->n_regions; i++) {
        ld k = t->knots[i];
        if (t->width > 0 && z > k - half && z < k + half)
            return t->slopes[i] + (t->slopes[i + 1] - (ld)t->slopes[i]) * (z - (k - half)) /
                                      (ld)t->width;
        if (z >= k + half)
            region = i + 1;
    }
    return t->slopes[region];
}

/* Walk [x0, x1] piece by piece between the cuts, where the slope is linear:
 * h(x1) - h(x0) by the midpoint rule and the integral of h(z) - h(x0) by
 * Simpson's rule, both exact there (a linear and a quadratic integrand). */
static void ref_pwl_walk(const link_term *t, ld x0, ld x1, ld *rise, ld *excess)
{
    ld cuts[2 * LINK_PWL_MAX_REGIONS], pts[2 * LINK_PWL_MAX_REGIONS + 2];
    int n_cuts = ref_pwl_cuts(t, cuts), n = 0;
    pts[n++] = x0;
    for (int i = 0; i < n_cuts; i++) {
        int c = x1 >= x0 ? i : n_cuts - 1 - i;
        if ((cuts[c] - x0) * (cuts[c] - x1) < 0)
            pts[n++] = cuts[c];
    }
    pts[n++] = x1;
    ld r = 0, e = 0;
    for (int i = 0; i + 1 < n; i++) {
        ld p = pts[i], q = pts[i + 1], m = (p + q) / 2, len = q - p;
        ld r_mid = r + (m - p) * ref_pwl_slope(t, (p + m) / 2);
        ld r_end = r + len * ref_pwl_slope(t, m);
        e += len / 6 * (r + 4 * r_mid + r_end);
        r = r_end;
    }
    *rise = r;
    *excess = e;
}

static ld ref_pwl_rise(const link_term *t, ld x0, ld x1)
{
    ld r, e;
    ref_pwl_walk(t, x0, x1, &r, &e);
    return r;
}

static ld ref_pwl_h(const link_term *t, ld z) { return ref_pwl_rise(t, 0, z); }

static ld ref_pwl_excess(const link_term *t, ld x0, ld x1)
{
    ld r, e;
    ref_pwl_walk(t, x0, x1, &r, &e);
    return e;
}

static ld ref_pwl_H(const link_term *t, ld z) { return ref_pwl_excess(t, 0, z); }

static ld ref_h(const link_term *t, ld z)
{
    ld u = (ld)t->a * (z - (ld)t->c);
    switch (t->kind) {
    case LINK_LIN: return z;
    case LINK_SIGMOID: return ld_sigmoid(u);
    case LINK_EXP: return expl(u) / t->a;
    case LINK_SINH: return sinhl(u) / t->a;
    default: return ref_pwl_h(t, z);
    }
}

static void ref_eval(const link_term *t, double z, ld *h, ld *H, ld *dh)
{
    ld a = t->a, u = ld_u(t, z);
    *h = ref_h(t, z);
    switch (t->kind) {
    case LINK_LIN: *H = (ld)z * z / 2, *dh = 1; break;
    case LINK_SIGMOID: *H = ld_softplus(u) / a, *dh = a * ld_sigmoid(u) * ld_sigmoid(-u); break;
    case LINK_EXP: *H = expl(u) / (a * a), *dh = expl(u); break;
    case LINK_SINH: *H = coshl(u) / (a * a), *dh = coshl(u); break;
    default: *H = ref_pwl_H(t, z), *dh = ref_pwl_slope(t, z); break;
    }
}

#define SERIES_ORDER 30

/* h^(k)(z) / a^k for k = 1..n into d[1..n] (scaled so that a = 1e300 and
 * a = 1e-300 neither overflow nor underflow up to high orders), and into
 * m[1..n] the size of the parts each is summed from (its rounding scale);
 * smooth terms only. sigmoid: by symmetry, sigma^(k)(u) = (-1)^(k+1)
 * sigma^(k)(-u), so take u >= 0 and write sigma^(k) as a polynomial in
 * q = sigma(-u) <= 1/2, computed directly: sigma = 1 - q, and
 * D f(q) = -q (1 - q) f'(q). Near saturation q is tiny and the linear term
 * dominates without cancelling. exp: a^(k-1) e^u / a^k = e^u / a; sinh:
 * cosh(u) / a or sinh(u) / a. */
static void ref_derivs(const link_term *t, double z, int n, ld *d, ld *m)
{
    ld a = t->a, u = ld_u(t, z);
    if (t->kind == LINK_SIGMOID) {
        ld b[SERIES_ORDER + 4] = {1, -1}, q = ld_sigmoid(-fabsl(u));
        for (int k = 1; k <= n; k++) {
            for (int j = k + 1; j >= 1; j--) /* b_j q^j -> -j b_j q^j + j b_j q^(j+1) */
                b[j + 1] += j * b[j], b[j] *= -j;
            b[0] = 0;
            ld v = 0, mag = 0, qj = 1;
            for (int j = 0; j <= k + 1; j++, qj *= q)
                v += b[j] * qj, mag += fabsl(b[j] * qj);
            if (u < 0 && k % 2 == 0)
                v = -v;
            d[k] = v;
            m[k] = mag;
        }
        return;
    }
    for (int k = 1; k <= n; k++) {
        if (t->kind == LINK_EXP)
            d[k] = expl(u) / a;
        else if (t->kind == LINK_SINH)
            d[k] = (k % 2 ? coshl(u) : sinhl(u)) / a;
        else
            d[k] = 0;
        m[k] = fabsl(d[k]);
    }
}

/* A reference value with its estimated relative error. */
typedef struct {
    ld v, err;
} ref;

static void take(ref *best, ld v, ld err)
{
    if (isnan(err) || !(err < best->err))
        return;
    best->v = v;
    best->err = err;
}

/* Relative error of a sum of parts evaluated in long double: eps * sum|parts| / |sum|. */
static ld cond_err(ld sum, ld mag)
{
    return sum == 0 ? (mag == 0 ? 0 : INFINITY) : 8 * LD_EPS * mag / fabsl(sum);
}

/* Exact for lin and pwl (piecewise polynomials); for the smooth terms the
 * Taylor series about y, sum_k h^(k-1)(y) d^k / k! for L (from k = 2) or
 * sum_k h^(k)(y) d^k / k! for h(s) - h(y), with d = s - y and |a d| <= 1/2,
 * well inside the radius of convergence (pi / a for sigmoid). */
static void series(const link_term *t, double s, double y, int grad, ref *best)
{
    ld d = (ld)s - y;
    if (t->kind == LINK_PWL) {
        take(best, grad ? ref_pwl_rise(t, y, s) : ref_pwl_excess(t, y, s),
             (4 * t->n_regions) * LD_EPS);
        return;
    }
    if (t->kind == LINK_LIN) {
        take(best, grad ? d : d * d / 2, 2 * LD_EPS);
        return;
    }
    ld ad = (ld)t->a * d;
    if (fabsl(ad) > 0.5L)
        return;
    ld der[SERIES_ORDER + 2], dmag[SERIES_ORDER + 2];
    ref_derivs(t, y, SERIES_ORDER + 1, der, dmag);
    ld sum = 0, mag = 0, fact = 1, pw = 1, last = 0, tail = 0;
    for (int k = 1; k <= SERIES_ORDER; k++) {
        fact *= k;
        int j = grad ? k : k - 1;
        /* h^(j) d^k = (h^(j) / a^j) (a d)^j d^(k - j) */
        pw = k == 1 ? (grad ? ad : d) : pw * ad;
        if (j < 1)
            continue;
        ld term = der[j] * pw / fact;
        sum += term;
        mag += dmag[j] * fabsl(pw) / fact;
        tail = last + fabsl(term); /* the last two terms bound the rest */
        last = fabsl(term);
    }
    take(best, sum, cond_err(sum, mag) + (sum == 0 ? INFINITY : 100 * tail / fabsl(sum)));
}

/* KL(Bern(sigma(u0)) || Bern(sigma(u1))) = p0 log(p0/p1) + q0 log(q0/q1),
 * with log sigma(u) = -softplus(-u); *mag bounds the rounding of its parts. */
static ld ref_kl(ld u0, ld u1, ld *mag)
{
    ld p0 = ld_sigmoid(u0), q0 = ld_sigmoid(-u0);
    *mag = p0 * (ld_softplus(-u1) + ld_softplus(-u0)) + q0 * (ld_softplus(u1) + ld_softplus(u0));
    return p0 * (ld_softplus(-u1) - ld_softplus(-u0)) + q0 * (ld_softplus(u1) - ld_softplus(u0));
}

/* The integral definition: the integral of h(z) - h(y) from y to s by
 * adaptive Simpson in long double, split at pwl knots so every piece is
 * smooth. *err estimates its relative error: the rounding of the integrand's
 * difference and Simpson's own tolerance. */
static const link_term *quad_term;
static ld quad_hy;

static ld integrand(ld z) { return ref_h(quad_term, z) - quad_hy; }

static ld simpson(ld a, ld b, ld fa, ld fm, ld fb, ld whole, ld tol, int depth)
{
    ld m = (a + b) / 2, lm = (a + m) / 2, rm = (m + b) / 2;
    ld flm = integrand(lm), frm = integrand(rm);
    ld left = (m - a) / 6 * (fa + 4 * flm + fm), right = (b - m) / 6 * (fm + 4 * frm + fb);
    ld delta = left + right - whole;
    /* below the rounding of the integrand, halving cannot help */
    ld noise = 64 * LD_EPS * (b - a) * (fabsl(fa) + fabsl(fm) + fabsl(fb) + fabsl(quad_hy));
    if (depth <= 0 || fabsl(delta) <= 15 * fmaxl(tol, noise))
        return left + right + delta / 15;
    return simpson(a, m, fa, flm, fm, left, tol / 2, depth - 1) +
           simpson(m, b, fm, frm, fb, right, tol / 2, depth - 1);
}

static ld quad_loss(const link_term *t, double s, double y, ld *err)
{
    quad_term = t;
    quad_hy = ref_h(t, y);
    ld cuts[2 * LINK_PWL_MAX_REGIONS + 2], pwl_cuts[2 * LINK_PWL_MAX_REGIONS];
    int n = 0, n_pwl = t->kind == LINK_PWL ? ref_pwl_cuts(t, pwl_cuts) : 0;
    ld lo = fminl(s, y), hi = fmaxl(s, y);
    cuts[n++] = lo;
    for (int i = 0; i < n_pwl; i++)
        if (pwl_cuts[i] > lo && pwl_cuts[i] < hi)
            cuts[n++] = pwl_cuts[i];
    cuts[n++] = hi;
    ld sum = 0, hmax = fabsl(quad_hy);
    for (int i = 0; i + 1 < n; i++) {
        ld a = cuts[i], b = cuts[i + 1], fa = integrand(a), fb = integrand(b),
           fm = integrand((a + b) / 2);
        ld whole = (b - a) / 6 * (fa + 4 * fm + fb);
        sum += simpson(a, b, fa, fm, fb, whole, 1e-19L * fabsl(whole), 30);
        hmax = fmaxl(hmax, fmaxl(fabsl(ref_h(t, a)), fabsl(ref_h(t, b))));
    }
    if (err)
        *err = sum == 0 ? INFINITY : 1e-17L + 8 * LD_EPS * (hi - lo) * 2 * hmax / fabsl(sum);
    return s >= y ? sum : -sum;
}

/* The best independent reference for the unweighted term's loss. */
static ref ref_term_loss(const link_term *t, double s, double y)
{
    ref best = {NAN, INFINITY};
    series(t, s, y, 0, &best);
    ld hs, Hs, dhs, hy, Hy, dhy;
    ref_eval(t, s, &hs, &Hs, &dhs);
    ref_eval(t, y, &hy, &Hy, &dhy);
    ld breg = Hs - Hy - ((ld)s - y) * hy;
    take(&best, breg, cond_err(breg, fabsl(Hs) + fabsl(Hy) + fabsl(((ld)s - y) * hy)));
    if (t->kind == LINK_SIGMOID) {
        ld u0 = ld_u(t, y), u1 = ld_u(t, s);
        ld mag, kl = ref_kl(u0, u1, &mag);
        take(&best, kl / t->a, cond_err(kl, mag));
    }
    if (best.err > REF_TOL && t->kind != LINK_PWL) {
        ld err, q = quad_loss(t, s, y, &err);
        take(&best, q, err);
    }
    return best;
}

/* The best reference for h(s) - h(y) of the unweighted term. */
static ref ref_term_grad(const link_term *t, double s, double y)
{
    ref best = {NAN, INFINITY};
    series(t, s, y, 1, &best);
    ld hs = ref_h(t, s), hy = ref_h(t, y), diff = hs - hy;
    take(&best, diff, cond_err(diff, fabsl(hs) + fabsl(hy)));
    if (t->kind == LINK_SIGMOID) { /* sigma(u1) - sigma(u0) = sigma(-u0) - sigma(-u1) */
        ld q0 = ld_sigmoid(-ld_u(t, y)), q1 = ld_sigmoid(-ld_u(t, s));
        take(&best, q0 - q1, cond_err(q0 - q1, q0 + q1));
    }
    return best;
}

/* Weighted sum over terms: the parts are all of one sign, so the relative
 * errors do not grow. */
static ref ref_loss(const sm_link *l, double s, double y, int grad)
{
    ref r = {0, 0};
    if (s == y)
        return r;
    for (int k = 0; k < l->n_terms; k++) {
        const link_term *t = &l->terms[k];
        ref p = grad ? ref_term_grad(t, s, y) : ref_term_loss(t, s, y);
        r.v += t->w * p.v;
        if (p.err > r.err)
            r.err = p.err;
    }
    return r;
}

/* |u0| + |u1| over the exponential terms: the argument-rounding allowance. */
static double u_mag(const sm_link *l, double s, double y)
{
    double m = 0;
    for (int k = 0; k < l->n_terms; k++) {
        const link_term *t = &l->terms[k];
        if (t->kind == LINK_SIGMOID || t->kind == LINK_EXP || t->kind == LINK_SINH)
            m = fmax(m, fabs(t->a * (y - t->c)) + fabs(t->a * (s - t->c)));
    }
    return m;
}

/* link_loss (grad = 0) or link_grad (grad = 1) at (s, y) against the reference;
 * overflow must give +-inf where the true value is beyond DBL_MAX, and a
 * value below DBL_MIN may lose relative accuracy (subnormal). */
static int check_value(const char *spec, const sm_link *l, double s, double y, int grad)
{
    double got = grad ? link_grad(l, s, y) : link_loss(l, s, y);
    ref r = ref_loss(l, s, y, grad);
    double want = (double)r.v;
    /* below DBL_MIN the double result is coarse: the reference need not be exact */
    int ok = CHECK(r.err <= (fabs(want) >= DBL_MIN ? REF_TOL : 1e-3L)) && CHECK(!isnan(got));
    double tol = REL_TOL + 4 * DBL_EPSILON * u_mag(l, s, y);
    if (isinf(want))
        ok &= CHECK(got == want);
    else if (fabs(want) < DBL_MIN)
        ok &= CHECK_CLOSE(got, want, 4 * DBL_TRUE_MIN + tol * DBL_MIN);
    else
        ok &= CHECK_REL(got, want, tol);
    if (!grad)
        ok &= CHECK(got >= 0);
    if (!ok)
        fprintf(stderr, "  %s: %s(s=%.17g, y=%.17g) = %.17g, reference %.17Lg (est. err %.2Lg)\n",
                spec, grad ? "grad" : "loss", s, y, got, r.v, r.err);
    return ok;
}

/* ---- the links under test ---- */

static const char *const specs[] = {
    "lin",
    "lin:w=2.5",
    "sigmoid",
    "sigmoid:a=2,c=3",
    "sigmoid:a=0.3,c=-1,w=4",
    "exp",
    "exp:a=0.5,c=1",
    "exp:a=-0.7,c=1",
    "exp:a=-2",
    "sinh",
    "sinh:a=1,c=2",
    "sinh:a=0.4,c=-1,w=3",
    "pwl:slopes=2",
    "pwl:knots=1,slopes=0.5/3",
    "pwl:knots=-2/-0.5/0.7/1.9/3.1,slopes=0.1/1/0.05/2/0.3/4",
    "pwl:knots=2/5,slopes=1/3/0.5",
    "pwl:knots=-4/-2,slopes=1/2/3",
    "pwl:knots=1,slopes=0.5/3,width=1",
    "pwl:knots=-2/-0.5/0.7/1.9/3.1,slopes=0.1/1/0.05/2/0.3/4,width=0.6",
    "pwl:knots=-0.5/2,slopes=5/0.2/9,width=2.5",
    "lin:w=0.05+sigmoid:a=3,c=3",
    "lin:w=0.1+exp:a=0.5+pwl:knots=0/2,slopes=1/2/0.5+sinh:a=0.3,c=1,w=0.2",
};
#define N_SPECS (sizeof specs / sizeof specs[0])

static const double zs[] = {-3, -1.3, -0.2, 0, 0.37, 1, 2.5, 4.2, 6.1};
#define N_Z (sizeof zs / sizeof zs[0])

/* ---- point values ---- */

static void expect_eval(const char *spec, double z, double h, double H, double dh)
{
    sm_link l = parse_ok(spec);
    double gh, gH, gdh;
    link_eval(&l, z, &gh, &gH, &gdh);
    int ok = CHECK_REL(gh, h, 1e-15) & CHECK_REL(gH, H, 1e-15) & CHECK_REL(gdh, dh, 1e-15);
    ok &= CHECK(link_h(&l, z) == gh) & CHECK(link_dh(&l, z) == gdh);
    if (!ok)
        fprintf(stderr, "  %s at z = %g\n", spec, z);
}

static void test_hand_computed_points(void)
{
    expect_eval("lin", -3, -3, 4.5, 1);
    expect_eval("lin:w=2.5", 2, 5, 5, 2.5);
    /* sigma(0) = 1/2; at u = ln 3, sigma = 3/4 and softplus = ln 4. */
    expect_eval("sigmoid:a=2,c=3", 3, 0.5, log(2) / 2, 0.5);
    expect_eval("sigmoid:a=2,c=3", 3 + log(3) / 2, 0.75, log(2), 0.375);
    expect_eval("sigmoid:a=2,c=3", 3 - log(3) / 2, 0.25, log(4.0 / 3) / 2, 0.375);
    /* exp: e^u = 1 at the centre, 2 at u = ln 2. */
    expect_eval("exp:a=0.5,c=1", 1, 2, 4, 1);
    expect_eval("exp:a=0.5,c=1", 1 + 2 * log(2), 4, 8, 2);
    expect_eval("exp:a=-2", 0, -0.5, 0.25, 1);
    expect_eval("exp:a=-2", -log(3) / 2, -1.5, 0.75, 3);
    /* sinh(ln 2) = 3/4, cosh(ln 2) = 5/4. */
    expect_eval("sinh:a=1,c=2", 2, 0, 1, 1);
    expect_eval("sinh:a=1,c=2", 2 + log(2), 0.75, 1.25, 1.25);
    expect_eval("sinh:a=0.5", -2 * log(2), -1.5, 5, 1.25);
    /* pwl, no knots: h = m z. */
    expect_eval("pwl:slopes=2", -1.5, -3, 2.25, 2);
    /* one knot at 1: h(1) = 0.5, h(2) = 3.5, H(2) = 0.25 + 0.5 + 1.5; a knot
     * belongs to the region above it. */
    expect_eval("pwl:knots=1,slopes=0.5/3", 0.5, 0.25, 0.0625, 0.5);
    expect_eval("pwl:knots=1,slopes=0.5/3", 1, 0.5, 0.25, 3);
    expect_eval("pwl:knots=1,slopes=0.5/3", 2, 3.5, 2.25, 3);
    expect_eval("pwl:knots=1,slopes=0.5/3", -2, -1, 1, 0.5);
    /* knots -1/2: h(-3) = -5, h(3) = 6, H(3) = 2 + 2 + 2, H(-3) = 0.5 + 6. */
    expect_eval("pwl:knots=-1/2,slopes=2/1/4", 3, 6, 6, 4);
    expect_eval("pwl:knots=-1/2,slopes=2/1/4", -3, -5, 6.5, 2);
    expect_eval("pwl:knots=-1/2,slopes=2/1/4", -1, -1, 0.5, 1);
    /* 0 below every knot, and above every knot. */
    expect_eval("pwl:knots=2/5,slopes=1/3/0.5", 6, 11.5, 2 + 19.5 + 11.25, 0.5);
    expect_eval("pwl:knots=-4/-2,slopes=1/2/3", -5, -11, 6 + 16 + 10.5, 1);
    /* sums */
    expect_eval("lin:w=0.05+sigmoid:a=3,c=3", 3, 0.15 + 0.5, 0.05 * 4.5 + log(2) / 3, 0.05 + 0.75);
    expect_eval("lin:w=0.1+sigmoid:a=4,c=3+exp:a=0.5,w=2", 0, 0.1 * 0 + 1 / (1 + exp(12)) + 4,
                0.1 * 0 + log1p(exp(-12)) / 4 + 8, 0.1 + 4 * exp(-12) / pow(1 + exp(-12), 2) + 2);
}

/* got against a long-double reference: +-inf exactly where the reference is
 * beyond DBL_MAX, absolute accuracy below DBL_MIN, else relative to scale. */
static int close_to(double got, ld want, ld scale, double tol)
{
    if (isnan(got))
        return 0;
    if (fabsl(want) > DBL_MAX)
        return got == (double)want;
    if (fabsl(scale) < DBL_MIN) /* subnormal: a few of its ulps, or the argument's rounding */
        return fabsl(got - want) <= 4 * DBL_TRUE_MIN + tol * DBL_MIN;
    return fabsl(got - want) <= tol * fabsl(scale);
}

/* link_eval at z against the long-double closed forms of its terms. */
static void check_eval(const char *spec, const sm_link *l, double z)
{
    double h, H, dh;
    ld rh = 0, rH = 0, rdh = 0, scale = 0;
    for (int j = 0; j < l->n_terms; j++) {
        ld th, tH, tdh;
        ref_eval(&l->terms[j], z, &th, &tH, &tdh);
        rh += l->terms[j].w * th, rH += l->terms[j].w * tH, rdh += l->terms[j].w * tdh;
        scale += l->terms[j].w * fabsl(th); /* h may cross zero: relative to its parts */
    }
    link_eval(l, z, &h, &H, &dh);
    double tol = 1e-14 + 4 * DBL_EPSILON * u_mag(l, z, z);
    if (!CHECK(close_to(h, rh, scale, tol) && close_to(H, rH, rH, tol) &&
               close_to(dh, rdh, rdh, tol)))
        fprintf(stderr, "  %s at z = %.17g: h, H, h' = %.17g %.17g %.17g, want %.17Lg %.17Lg %.17Lg\n",
                spec, z, h, H, dh, rh, rH, rdh);
    CHECK(link_h(l, z) == h && link_dh(l, z) == dh);
}

/* link_eval against the long-double closed forms everywhere on the grid. */
static void test_eval_matches_closed_forms(void)
{
    for (size_t k = 0; k < N_SPECS; k++) {
        sm_link l = parse_ok(specs[k]);
        for (size_t i = 0; i < N_Z; i++)
            check_eval(specs[k], &l, zs[i]);
    }
}

/* ---- finite differences ---- */

/* The five-point derivative of f at x from f(x +- eta), f(x +- 2 eta): its
 * truncation error is O(eta^4 f^(5)), so the allowance is mostly rounding. */
static void check_fd(const char *spec, const char *what, double x, double analytic,
                     double (*f)(const sm_link *, double, double), const sm_link *l, double y,
                     double eta)
{
    double f0 = f(l, x, y), p1 = f(l, x + eta, y), m1 = f(l, x - eta, y),
           p2 = f(l, x + 2 * eta, y), m2 = f(l, x - 2 * eta, y);
    double fd = (8 * (p1 - m1) - (p2 - m2)) / (12 * eta);
    /* at a minimum f' = 0 and the truncation error is relative to the rise
     * f(x +- eta) - f(x) instead */
    double rise = fabs(p1 - f0) + fabs(m1 - f0) + fabs(p2 - f0) + fabs(m2 - f0);
    double tol = 1e-8 * (fabs(fd) + fabs(analytic)) + 1e-9 * rise / eta +
                 4 * DBL_EPSILON * (fabs(p1) + fabs(m1) + fabs(p2) + fabs(m2)) / eta;
    if (!CHECK_CLOSE(analytic, fd, tol))
        fprintf(stderr, "  %s: %s at %.17g (y = %.17g)\n", spec, what, x, y);
}

static double f_H(const sm_link *l, double z, double unused)
{
    (void)unused;
    double H;
    link_eval(l, z, NULL, &H, NULL);
    return H;
}
static double f_h(const sm_link *l, double z, double unused)
{
    (void)unused;
    return link_h(l, z);
}

static int near_knot(const sm_link *l, double z, double eps)
{
    for (int k = 0; k < l->n_terms; k++)
        for (int i = 0; i + 1 < l->terms[k].n_regions; i++)
            if (fabs(fabs(z - l->terms[k].knots[i]) - l->terms[k].width / 2) < eps)
                return 1;
    return 0;
}

static void test_finite_differences(void)
{
    for (size_t k = 0; k < N_SPECS; k++) {
        sm_link l = parse_ok(specs[k]);
        for (size_t i = 0; i < N_Z; i++) {
            double z = zs[i], eta = 1e-4 * fmax(1, fabs(z));
            if (near_knot(&l, z, 3 * eta)) /* a kink: see test_pwl_continuity_and_origin */
                continue;
            check_fd(specs[k], "H' = h", z, link_h(&l, z), f_H, &l, 0, eta);
            check_fd(specs[k], "h' = dh", z, link_dh(&l, z), f_h, &l, 0, eta);
            for (size_t j = 0; j < N_Z; j++)
                check_fd(specs[k], "dL/ds = grad", z, link_grad(&l, z, zs[j]), link_loss, &l,
                         zs[j], eta);
        }
    }
}

static void test_loss_matches_integral_definition(void)
{
    for (size_t k = 0; k < N_SPECS; k++) {
        sm_link l = parse_ok(specs[k]);
        for (size_t i = 0; i < N_Z; i++)
            for (size_t j = 0; j < N_Z; j++) {
                double s = zs[i], y = zs[j];
                ld q = 0;
                for (int m = 0; m < l.n_terms; m++)
                    q += l.terms[m].w * quad_loss(&l.terms[m], s, y, NULL);
                double got = link_loss(&l, s, y);
                if (!CHECK_REL(got, (double)q, 1e-13))
                    fprintf(stderr, "  %s: L(%g, %g) vs quadrature\n", specs[k], s, y);
                check_value(specs[k], &l, s, y, 0);
                check_value(specs[k], &l, s, y, 1);
                if (s == y)
                    CHECK(got == 0 && link_grad(&l, s, y) == 0);
                else
                    CHECK(got > 0);
            }
    }
}

/* The Bregman form and the gradient as h(s) - h(y), directly from link_eval
 * where that difference is well conditioned. */
static void test_bregman_form_of_link_eval(void)
{
    for (size_t k = 0; k < N_SPECS; k++) {
        sm_link l = parse_ok(specs[k]);
        for (size_t i = 0; i < N_Z; i++)
            for (size_t j = 0; j < N_Z; j++) {
                double s = zs[i], y = zs[j], hs, Hs, hy, Hy;
                if (fabs(s - y) < 1)
                    continue;
                link_eval(&l, s, &hs, &Hs, NULL);
                link_eval(&l, y, &hy, &Hy, NULL);
                double breg = Hs - Hy - (s - y) * hy;
                double mag = fabs(Hs) + fabs(Hy) + fabs((s - y) * hy);
                CHECK_CLOSE(link_loss(&l, s, y), breg, 1e-14 * mag);
                CHECK_CLOSE(link_grad(&l, s, y), hs - hy, 1e-14 * (fabs(hs) + fabs(hy)));
            }
    }
}

/* s next to y: relative accuracy against the Taylor series. */
static void test_s_next_to_y(void)
{
    static const double rel[] = {1e-12, -1e-12, 1e-9, -3e-7, 2e-5, -4e-4, 3e-3, -0.02, 0.1};
    for (size_t k = 0; k < N_SPECS; k++) {
        sm_link l = parse_ok(specs[k]);
        for (size_t j = 0; j < N_Z; j++) {
            double y = zs[j] == 0 ? 0.5 : zs[j];
            for (size_t r = 0; r < sizeof rel / sizeof rel[0]; r++) {
                double s = y * (1 + rel[r]);
                check_value(specs[k], &l, s, y, 0);
                check_value(specs[k], &l, s, y, 1);
            }
            double up = nextafter(y, INFINITY), down = nextafter(y, -INFINITY);
            check_value(specs[k], &l, up, y, 0);
            check_value(specs[k], &l, down, y, 0);
            check_value(specs[k], &l, up, y, 1);
            check_value(specs[k], &l, y, down, 1);
            CHECK(link_loss(&l, y, y) == 0);
            CHECK(link_grad(&l, y, y) == 0);
        }
    }
}

/* ---- extreme arguments ---- */

static void check_pairs(const char *spec, const double (*pairs)[2], size_t n)
{
    sm_link l = parse_ok(spec);
    for (size_t i = 0; i < n; i++) {
        double y = pairs[i][0], s = pairs[i][1];
        check_value(spec, &l, s, y, 0);
        check_value(spec, &l, s, y, 1);
        check_eval(spec, &l, s);
        check_eval(spec, &l, y);
    }
}

static void test_large_exponents(void)
{
    /* (y, s) in units where a = 1, c = 0: u0 and u1 directly. */
    static const double pairs[][2] = {
        {50, 51},     {51, 50},     {-50, -49},   {-49, -50},  {50, -50},    {-50, 50},
        {700, 700.5}, {700, 705},   {700, 710},   {700, -700}, {705, -705},  {-700, -699},
        {-700, 700},  {800, 800.1}, {800, 0},     {0, 800},    {-800, 0},    {0, -800},
        {-800, -799}, {-740, -739}, {709.5, 709}, {709, 709.9}, {-20, 705},  {30, 30.5},
    };
    size_t n = sizeof pairs / sizeof pairs[0];
    check_pairs("exp", pairs, n);
    check_pairs("sinh", pairs, n);
    /* a < 0 mirrors: the same pairs negated stress the same paths. */
    double neg[sizeof pairs / sizeof pairs[0]][2];
    for (size_t i = 0; i < n; i++)
        neg[i][0] = -pairs[i][0], neg[i][1] = -pairs[i][1];
    check_pairs("exp:a=-1", (const double(*)[2])neg, n);
    check_pairs("sinh", (const double(*)[2])neg, n);
    /* a = 2 halves the distances: e^u overflows where L = e^u phi / a^2 does not. */
    static const double half[][2] = {{355.25, 355.75}, {355.3, 354}, {354, 355.4},
                                     {-355.25, -355.75}, {350, 355.2}};
    check_pairs("exp:a=2", half, sizeof half / sizeof half[0]);
    check_pairs("sinh:a=2", half, sizeof half / sizeof half[0]);
    check_pairs("exp:a=4,c=1,w=3", half, sizeof half / sizeof half[0]);
    /* small a: u stays small while s - y is large. */
    static const double wide[][2] = {{-1e4, 1e4}, {3e5, -2e5}, {1, 1 + 1e-9}};
    check_pairs("exp:a=1e-3", wide, sizeof wide / sizeof wide[0]);
    check_pairs("sinh:a=1e-4", wide, sizeof wide / sizeof wide[0]);
    check_pairs("sigmoid:a=1e-3", wide, sizeof wide / sizeof wide[0]);
    /* a so small that (a (s - y))^2 underflows: the loss is a (s - y)^2 h'/2 */
    check_pairs("exp:a=1e-200", wide, sizeof wide / sizeof wide[0]);
    check_pairs("exp:a=-1e-200,c=3", wide, sizeof wide / sizeof wide[0]);
    check_pairs("sinh:a=1e-200", wide, sizeof wide / sizeof wide[0]);
    check_pairs("sigmoid:a=1e-200", wide, sizeof wide / sizeof wide[0]);
    /* overflow is +inf for the loss, +-inf for the gradient, never NaN. */
    sm_link l = parse_ok("exp");
    CHECK(isinf(link_loss(&l, 800, 0)) && link_loss(&l, 800, 0) > 0);
    CHECK(isinf(link_grad(&l, 800, 0)) && link_grad(&l, 800, 0) > 0);
    CHECK(isinf(link_grad(&l, 0, 800)) && link_grad(&l, 0, 800) < 0);
    CHECK(isinf(link_loss(&l, 800, 801)) && !isnan(link_loss(&l, 800, 800)));
    l = parse_ok("lin:w=0.1+sinh:a=3");
    CHECK(isinf(link_loss(&l, 300, 0)) && isinf(link_loss(&l, -300, 0)));
    CHECK(link_grad(&l, 300, 0) == INFINITY && link_grad(&l, -300, 0) == -INFINITY);
}

/* Extreme scales a: z = c + u / a, so that u spans the same range as in
 * test_large_exponents while 1/a, 1/a^2, a^2 and (s - y)^2 are far outside
 * the doubles (exp with a = 1e200 had H = 0 for every z: 1/a^2 underflowed;
 * sinh with a = 1e155 formed a^2 = inf). The long-double references hold
 * them. */
static void test_extreme_scales(void)
{
    static const double us[][2] = {
        {0, 0.5},   {0.5, 0},   {-1, 1},     {3, 2.9},     {-3, -3.2},  {20, 25},
        {25, 20},   {-25, 0},   {0, -25},    {100, 150},   {150, 100},  {-100, -60},
        {700, 705}, {705, 690}, {-700, -695}, {300, -300}, {-300, 300}, {1e-3, 2e-3},
        {40, 40 + 1e-9}, {-40, -40 - 1e-9},
    };
    static const char *const scales[] = {"1e-300", "1e-200", "1e-155", "1e-100", "1e100",
                                         "1e155",  "1e200",  "1e300",  "1e307"};
    static const char *const forms[] = {"exp:a=%s", "exp:a=-%s", "sinh:a=%s", "sigmoid:a=%s"};
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++)
        for (size_t k = 0; k < sizeof scales / sizeof scales[0]; k++) {
            char spec[64];
            snprintf(spec, sizeof spec, forms[f], scales[k]);
            sm_link l = parse_ok(spec);
            double a = fabs(l.terms[0].a);
            for (size_t i = 0; i < sizeof us / sizeof us[0]; i++) {
                double y = us[i][0] / a, s = us[i][1] / a;
                if ((y != 0 && fabs(y) < DBL_MIN) || (s != 0 && fabs(s) < DBL_MIN))
                    continue; /* z itself subnormal: u has lost digits before link.c */
                check_value(spec, &l, s, y, 0);
                check_value(spec, &l, s, y, 1);
                check_eval(spec, &l, s);
                check_eval(spec, &l, y);
            }
        }
}

/* Arguments that overflow or lose each other: a (z - c) beyond DBL_MAX, and
 * u0 + d (= u1 in exact arithmetic) rounding u1 away when |u0| >> |u1|. */
static void test_extreme_arguments(void)
{
    const double e = exp(1.0);
    /* exp, a = 1: L(1, -1e100) = H(1) = e; u0 + d = -1e100 + (1 + 1e100) = 0 */
    sm_link l = parse_ok("exp");
    CHECK_REL(link_loss(&l, 1, -1e100), e, 1e-15);
    CHECK_REL(link_grad(&l, 1, -1e100), e, 1e-15);
    /* sigmoid: L(s, 1e100) = KL(1 || sigma(s)) = softplus(-s) */
    l = parse_ok("sigmoid");
    CHECK_REL(link_loss(&l, -3, 1e100), log1p(exp(3.0)), 1e-15);
    CHECK(link_loss(&l, 1e5, 1e100) == 0); /* e^-1e5: was ln 2 */
    CHECK_REL(link_loss(&l, 0, 1e100), log(2.0), 1e-15);
    CHECK_REL(link_loss(&l, 3, -1e100), log1p(exp(3.0)), 1e-15);
    /* exp, a = 1e10, y = 1e300: u0 = +inf, so L and h(s) - h(y) are infinite (was NaN, 0) */
    l = parse_ok("exp:a=1e10");
    CHECK(link_loss(&l, 0, 1e300) == INFINITY && link_grad(&l, 0, 1e300) == -INFINITY);
    CHECK_REL(link_grad(&l, 0, -1e300), 1e-10, 1e-15); /* h(0) - h(y) = 1/a - 0 */
    CHECK_REL(link_loss(&l, 0, -1e300), 1e-20, 1e-15); /* H(0) - H(y) - (0 - y) h(y) = 1/a^2 */
    /* exp, a = 1e-308: h(0) - h(-1.7e308) = (1 - e^-1.7) 1e308 (expm1(d)/d (s - y) overflowed) */
    l = parse_ok("exp:a=1e-308");
    CHECK_REL(link_grad(&l, 0, -1.7e308), (double)(-expm1l(-1.7L) * 1e308L), 1e-13);
    /* exp, a = 1e200: H = e^u / a^2 is +inf at z = 1 (was 0), e^300 1e-400 at u = 300 */
    l = parse_ok("exp:a=1e200");
    double h, H, dh;
    link_eval(&l, 1, &h, &H, &dh);
    CHECK(h == INFINITY && H == INFINITY && dh == INFINITY);
    link_eval(&l, 3e-198, &h, &H, &dh);
    CHECK_REL(H, (double)(expl(300.0L) * 1e-400L), 1e-13);
    CHECK_REL(h, (double)(expl(300.0L) * 1e-200L), 1e-13);
    /* sinh, a = 1e-300: h(1e-300) = 1e-300 (u = 1e-600 underflowed to 0) */
    l = parse_ok("sinh:a=1e-300");
    CHECK(link_h(&l, 1e-300) == 1e-300 && link_h(&l, -1e-14) == -1e-14);
    /* sigmoid, a = 1e300: H = softplus(u)/a = z - c where u overflows (was inf);
     * h' = a e^-|u| where sigma(-|u|) underflows (was 0) */
    l = parse_ok("sigmoid:a=1e300");
    link_eval(&l, 1, &h, &H, &dh);
    CHECK(h == 1 && H == 1 && dh == 0);
    link_eval(&l, 1e-297, &h, &H, &dh);
    CHECK_REL(dh, (double)(1e300L * expl(-1000.0L)), 1e-12);
    /* sigmoid, a = 1e300: a (s - y) overflows; KL/a stays finite */
    CHECK_REL(link_loss(&l, 10, -1e-300), (double)(10 * (1 - 1 / (1 + expl(1.0L)))), 1e-13);
    CHECK_REL(link_loss(&l, -10, 1e-300), (double)(10 * (1 - 1 / (1 + expl(1.0L)))), 1e-13);
}

/* Whatever the arguments and parameters, nothing is NaN: h' >= 0, H >= 0,
 * L >= 0 and dL/ds has the sign of s - y, on a grid of extreme values with
 * subnormal, tiny and huge scales (results may be 0 or +-inf there). */
static void test_never_nan(void)
{
    static const char *const forms[] = {"lin", "exp:a=%s", "exp:a=-%s,c=1e300", "sinh:a=%s",
                                        "sinh:a=%s,c=-1e300", "sigmoid:a=%s",
                                        "sigmoid:a=%s,c=1e300", "pwl:knots=-1e308/0/1e308,slopes=%s/1/2/3"};
    static const char *const scales[] = {"5e-324", "1e-310", "1e-300", "1e-160", "1e-10", "1",
                                         "1e10",   "1e154",  "1e160",  "1e300",  "1.7e308"};
    static const double zs_wide[] = {0,     1e-320, -1e-300, 1e-160, -1e-14, 0.5,    -1,
                                     7,     -100,   1e5,     -1e10,  1e100,  -1e154, 1e200,
                                     -1e300, 1.7e308, -1.7e308};
    const size_t nz = sizeof zs_wide / sizeof zs_wide[0];
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++)
        for (size_t k = 0; k < sizeof scales / sizeof scales[0]; k++) {
            char spec[96];
            snprintf(spec, sizeof spec, forms[f], scales[k]);
            sm_link l = parse_ok(spec);
            int bad = 0;
            for (size_t i = 0; i < nz; i++) {
                double h, H, dh;
                link_eval(&l, zs_wide[i], &h, &H, &dh);
                bad += isnan(h) || !(H >= 0) || !(dh >= 0);
                for (size_t j = 0; j < nz; j++) {
                    double s = zs_wide[i], y = zs_wide[j];
                    double loss = link_loss(&l, s, y), grad = link_grad(&l, s, y);
                    bad += !(loss >= 0) || isnan(grad) || (s > y && grad < 0) || (s < y && grad > 0);
                }
            }
            if (!CHECK(bad == 0))
                fprintf(stderr, "  %s: %d NaN or wrong-signed values\n", spec, bad);
        }
}

static void test_sigmoid_saturated(void)
{
    static const double pairs[][2] = {
        {40, 40 + 1e-10}, {40, 40 - 1e-10}, {-40, -40 + 1e-10}, {-40, -40 - 1e-10},
        {40, 40 + 1e-6},  {40, 41},         {40, 39},           {-40, -39},
        {-40, -41},       {40, -40},        {-40, 40},          {40, 140},
        {-800, 200},      {800, -200},      {-800, -799},       {800, 801},
        {0.1, 0.1 + 1e-10}, {-3, 2},        {2.5, -1},          {-1, 1.1},
    };
    check_pairs("sigmoid", pairs, sizeof pairs / sizeof pairs[0]);
    /* a = 5, c = 1: u0 = 40 at y = 9. */
    static const double scaled[][2] = {{9, 9 + 1e-10}, {9, 9 - 1e-10}, {-7, -7 - 1e-10},
                                       {-7, -7 + 1e-10}, {9, 10}, {-7, -8}};
    check_pairs("sigmoid:a=5,c=1", scaled, sizeof scaled / sizeof scaled[0]);
    check_pairs("lin:w=1e-9+sigmoid:a=5,c=1", scaled, sizeof scaled / sizeof scaled[0]);
}

/* The sigmoid term's loss is (1/a) KL(Bern(sigma(u0)) || Bern(sigma(u1))),
 * here computed as p0 log(p0/p1) + q0 log(q0/q1) with plain logs. */
static void test_sigmoid_is_bernoulli_kl(void)
{
    static const double as[] = {0.3, 1, 2.5}, cs[] = {-1, 0, 3};
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++) {
            char spec[64];
            snprintf(spec, sizeof spec, "sigmoid:a=%g,c=%g", as[i], cs[j]);
            sm_link l = parse_ok(spec);
            for (size_t p = 0; p < N_Z; p++)
                for (size_t q = 0; q < N_Z; q++) {
                    ld u0 = (ld)as[i] * ((ld)zs[q] - cs[j]), u1 = (ld)as[i] * ((ld)zs[p] - cs[j]);
                    ld p0 = 1 / (1 + expl(-u0)), p1 = 1 / (1 + expl(-u1));
                    ld kl = p0 * logl(p0 / p1) + (1 - p0) * logl((1 - p0) / (1 - p1));
                    /* each log is good to eps absolute: skip where that is not 1e-16 of kl */
                    ld mag = fabsl(p0 * logl(p0 / p1)) + fabsl((1 - p0) * logl((1 - p0) / (1 - p1)));
                    if (kl == 0 || 4 * LD_EPS * (1 + mag) > 1e-16L * kl)
                        continue;
                    CHECK_REL(link_loss(&l, zs[p], zs[q]), (double)(kl / as[i]), 1e-13);
                }
        }
}

/* ---- pwl ---- */

static void test_pwl_continuity_and_origin(void)
{
    for (size_t k = 0; k < N_SPECS; k++) {
        sm_link l = parse_ok(specs[k]);
        if (l.terms[l.n_terms - 1].kind != LINK_PWL || l.n_terms != 1)
            continue;
        const link_term *t = &l.terms[0];
        CHECK(link_h(&l, 0) == 0);
        CHECK(f_H(&l, 0, 0) == 0);
        for (int i = 0; i + 1 < t->n_regions; i++) {
            double x = t->knots[i], below = nextafter(x, -INFINITY), above = nextafter(x, INFINITY);
            double hx = link_h(&l, x), ulp = nextafter(fabs(hx) + 1, INFINITY) - (fabs(hx) + 1);
            double steep = fmax(t->slopes[i], t->slopes[i + 1]) * (above - below);
            CHECK_CLOSE(link_h(&l, below), hx, steep + 4 * ulp);
            CHECK_CLOSE(link_h(&l, above), hx, steep + 4 * ulp);
            CHECK_CLOSE(f_H(&l, below, 0), f_H(&l, x, 0), 4 * ulp * (1 + fabs(f_H(&l, x, 0))));
            if (t->width == 0) {
                CHECK(link_dh(&l, x) == t->slopes[i + 1]);
                CHECK(link_dh(&l, below) == t->slopes[i]);
                continue;
            }
            /* ramps: h' continuous, from one slope to the next */
            double half = 0.5 * t->width, ends[2] = {x - half, x + half};
            CHECK_REL(link_dh(&l, x), 0.5 * (t->slopes[i] + t->slopes[i + 1]), 1e-12);
            for (int e = 0; e < 2; e++) {
                double d_at = link_dh(&l, ends[e]), d_below = link_dh(&l, nextafter(ends[e], -INFINITY));
                CHECK_REL(d_at, t->slopes[i + e], 1e-12);
                CHECK_CLOSE(d_below, d_at, 1e-12 * d_at);
            }
        }
    }
}

/* h(z) to full relative accuracy everywhere, also near 0 with the knots far
 * away, where anchoring h at a knot would cancel (h(-1e-14) was 33% off with
 * a knot at 30); H and h' too, against the exact long-double reference. */
static void test_pwl_h_relative(void)
{
    static const char *const pwl_specs[] = {
        "pwl:knots=30,slopes=1/2",
        "pwl:knots=-50/40,slopes=1/2/3",
        "pwl:knots=1e6/2e6,slopes=0.3/1/7",
        "pwl:knots=-2e6/-1e6,slopes=5/0.5/0.25",
        "pwl:knots=-1e300/1e-300/1e300,slopes=1/3/0.7/2",
        "pwl:knots=1/3,slopes=0.05/1/0.2",
    };
    static const double zs_near[] = {-1e-14, 1e-14, -1e-300, 1e-300, 3e-7, -0.5, 0.5, 29.9,
                                     30.1, -49, 41, 1e6 + 1, 1.5e6, 2e6 + 0.5, -1.5e6, -3e6,
                                     -1e6 - 1e-3, 1e280, -1e280, 5e300, -5e300};
    for (size_t k = 0; k < sizeof pwl_specs / sizeof pwl_specs[0]; k++) {
        sm_link l = parse_ok(pwl_specs[k]);
        for (size_t i = 0; i < sizeof zs_near / sizeof zs_near[0]; i++) {
            double z = zs_near[i], h, H, dh;
            ld rh, rH, rdh;
            link_eval(&l, z, &h, &H, &dh);
            ref_eval(&l.terms[0], z, &rh, &rH, &rdh);
            int ok = CHECK(close_to(h, rh, rh, 4 * DBL_EPSILON));
            ok &= CHECK(close_to(H, rH, rH, 1e-15));
            ok &= CHECK(dh == (double)rdh);
            if (!ok)
                fprintf(stderr, "  %s at z = %.17g: h = %.17g, want %.17Lg\n", pwl_specs[k], z, h, rh);
        }
    }
    /* the case of the report, by hand: slope 1 around 0, so h(z) = z exactly */
    sm_link l = parse_ok("pwl:knots=30,slopes=1/2");
    CHECK(link_h(&l, -1e-14) == -1e-14 && link_h(&l, 1e-14) == 1e-14);
    l = parse_ok("pwl:knots=-50/40,slopes=1/2/3");
    CHECK(link_h(&l, -1e-14) == -2e-14);
}

/* 31 knots (the most a term takes), crossed up and down, at and between knots. */
static void test_pwl_many_knots(void)
{
    char spec[LINK_SPEC_MAX], *p = spec;
    p += sprintf(p, "pwl:knots=");
    for (int i = 0; i < LINK_PWL_MAX_REGIONS - 1; i++)
        p += sprintf(p, "%s%g", i ? "/" : "", -15 + i * 1.03 + 0.01 * (i % 3));
    p += sprintf(p, ",slopes=");
    for (int i = 0; i < LINK_PWL_MAX_REGIONS; i++)
        p += sprintf(p, "%s%g", i ? "/" : "", 0.05 + (i * 37 % 11) * 0.3);
    sm_link l = parse_ok(spec);
    CHECK(l.n_terms == 1 && l.terms[0].n_regions == LINK_PWL_MAX_REGIONS);
    CHECK(link_h(&l, 0) == 0 && f_H(&l, 0, 0) == 0);
    static const double pts[] = {-40, -15, -14.3, -7.21, -0.5, 0, 0.99, 3, 7.7, 15.9, 16.42, 40};
    size_t n = sizeof pts / sizeof pts[0];
    for (size_t i = 0; i < n; i++) {
        double h, H, dh;
        ld rh, rH, rdh;
        link_eval(&l, pts[i], &h, &H, &dh);
        ref_eval(&l.terms[0], pts[i], &rh, &rH, &rdh);
        CHECK_CLOSE(h, (double)rh, 1e-14 * (1 + fabsl(rh)));
        CHECK_REL(H, (double)rH, 1e-14);
        CHECK(dh == (double)rdh);
        for (size_t j = 0; j < n; j++) {
            check_value("pwl 31 knots", &l, pts[i], pts[j], 0);
            check_value("pwl 31 knots", &l, pts[i], pts[j], 1);
            ld q = quad_loss(&l.terms[0], pts[i], pts[j], NULL);
            CHECK_REL(link_loss(&l, pts[i], pts[j]), (double)q, 1e-12);
        }
    }
    /* from every knot to every other, and each knot to its neighbours' ulps */
    const link_term *t = &l.terms[0];
    for (int i = 0; i + 1 < t->n_regions; i++) {
        for (int j = 0; j + 1 < t->n_regions; j += 5) {
            check_value("pwl 31 knots", &l, t->knots[i], t->knots[j], 0);
            check_value("pwl 31 knots", &l, t->knots[i], t->knots[j], 1);
        }
        check_value("pwl 31 knots", &l, nextafter(t->knots[i], 0), t->knots[i], 0);
        check_value("pwl 31 knots", &l, t->knots[i], nextafter(t->knots[i], 100), 1);
    }
}

/* ---- parsing ---- */

/* link_slope_over bounds the largest slope over an interval from below by
 * every term's own largest; link_steepest finds each kind's steepest point. */
static void test_flatness(void)
{
    static const struct {
        const char *spec;
        double lo, hi, over, steepest, at;
    } cases[] = {
        {"lin:w=2", 5, 50, 2, 2, NAN},
        {"sigmoid:a=0.4,c=35", 5, 50, 0.1, 0.1, 35},       /* the centre is inside */
        {"sigmoid:a=0.4,c=100", 5, 50, -1, 0.1, 100},      /* the slope at 50 */
        {"exp:a=1,c=10", 0, 2, -1, 0, NAN},                /* exp: no steepest point */
        {"sinh:a=2,c=1,w=3", 4, 5, -1, 3, 1},              /* the slope at 5 */
        {"pwl:knots=1/2,slopes=1/5/2", 0, 0.5, 1, 5, 1},
        {"pwl:knots=1/2,slopes=1/5/2", 1.5, 3, 5, 5, 1},   /* the segment from the knot at 1 */
        {"pwl:knots=1/2,slopes=7/5/2", 2.5, 3, 2, 7, 0},   /* below the first knot */
        {"lin:w=0.1+sigmoid:a=4,c=3", 2, 4, 1.1, 1, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sm_link l = parse_ok(cases[i].spec);
        double over = link_slope_over(&l, cases[i].lo, cases[i].hi), at;
        double want = cases[i].over >= 0 ? cases[i].over
                                         : fmax(link_dh(&l, cases[i].lo), link_dh(&l, cases[i].hi));
        CHECK_CLOSE(over, want, 1e-12 * want);
        CHECK_CLOSE(link_steepest(&l, &at), cases[i].steepest, 1e-12 * cases[i].steepest);
        CHECK(isnan(cases[i].at) ? isnan(at) : at == cases[i].at);
    }
    /* far from the labels: a millionth of the centre's slope, or nothing */
    sm_link far = parse_ok("sigmoid:a=0.3,c=35000"), near = parse_ok("sigmoid:a=0.3,c=35");
    double at;
    CHECK(link_slope_over(&far, 5, 50) < LINK_FLAT_RATIO * link_steepest(&far, &at));
    CHECK(link_slope_over(&near, 5, 50) > LINK_FLAT_RATIO * link_steepest(&near, &at));
    sm_link under = parse_ok("exp:a=1,c=800");
    CHECK(link_slope_over(&under, 5, 50) < LINK_FLAT_SLOPE);
}

static void test_parse_examples(void)
{
    sm_link l = parse_ok("lin");
    CHECK(l.n_terms == 1 && l.terms[0].kind == LINK_LIN && l.terms[0].w == 1);
    l = parse_ok("sigmoid:a=2,c=3");
    CHECK(l.n_terms == 1 && l.terms[0].kind == LINK_SIGMOID && l.terms[0].a == 2 &&
          l.terms[0].c == 3 && l.terms[0].w == 1);
    l = parse_ok("sigmoid");
    CHECK(l.terms[0].a == 1 && l.terms[0].c == 0 && l.terms[0].w == 1);
    l = parse_ok("exp:a=0.5");
    CHECK(l.terms[0].kind == LINK_EXP && l.terms[0].a == 0.5 && l.terms[0].c == 0);
    l = parse_ok("sinh:a=1,c=2");
    CHECK(l.terms[0].kind == LINK_SINH && l.terms[0].a == 1 && l.terms[0].c == 2);
    l = parse_ok("pwl:knots=1/3,slopes=0.05/1/0.2");
    CHECK(l.terms[0].kind == LINK_PWL && l.terms[0].n_regions == 3 && l.terms[0].knots[0] == 1 &&
          l.terms[0].knots[1] == 3 && l.terms[0].slopes[0] == 0.05 &&
          l.terms[0].slopes[1] == 1 && l.terms[0].slopes[2] == 0.2);
    l = parse_ok("pwl:slopes=0.5");
    CHECK(l.terms[0].n_regions == 1 && l.terms[0].slopes[0] == 0.5);
    l = parse_ok("lin:w=0.1+sigmoid:a=4,c=3");
    CHECK(l.n_terms == 2 && l.terms[0].w == 0.1 && l.terms[1].kind == LINK_SIGMOID &&
          l.terms[1].a == 4 && l.terms[1].c == 3);
    l = parse_ok("lin:w=0.05+sigmoid:a=3,c=3");
    CHECK(l.n_terms == 2 && l.terms[0].w == 0.05 && l.terms[1].a == 3);
    /* key order is free; numbers keep their usual forms, '+' inside them too */
    l = parse_ok("sigmoid:c=-2.5,w=5E-3,a=1e+2");
    CHECK(l.n_terms == 1 && l.terms[0].c == -2.5 && l.terms[0].w == 5e-3 && l.terms[0].a == 100);
    l = parse_ok("exp:a=-1E+1,c=+3.+lin:w=.5e-1+sinh:c=-1e-2");
    CHECK(l.n_terms == 3 && l.terms[0].a == -10 && l.terms[0].c == 3 && l.terms[1].w == 0.05 &&
          l.terms[2].c == -0.01);
    l = parse_ok("pwl:knots=-1e+1/-2.5/0/1E2,slopes=1/2/3/4/5,w=2");
    CHECK(l.terms[0].n_regions == 5 && l.terms[0].knots[0] == -10 && l.terms[0].knots[3] == 100 &&
          l.terms[0].w == 2);
    /* the most terms a link takes */
    l = parse_ok("lin+lin+lin+lin+lin+lin+lin+sigmoid");
    CHECK(l.n_terms == LINK_MAX_TERMS);
}

static void round_trip(const sm_link *l)
{
    char a[LINK_SPEC_MAX], b[LINK_SPEC_MAX];
    int n = link_format(l, a, sizeof a);
    CHECK(n > 0 && n < LINK_SPEC_MAX && (size_t)n == strlen(a));
    sm_link back;
    sm_error e;
    if (!CHECK(link_parse(a, &back, &e) == SM_OK)) {
        fprintf(stderr, "  '%.200s': %.200s\n", a, e.msg);
        return;
    }
    CHECK(back.n_terms == l->n_terms);
    for (int k = 0; k < l->n_terms && k < back.n_terms; k++) {
        const link_term *x = &l->terms[k], *y = &back.terms[k];
        int ok = CHECK(x->kind == y->kind && x->n_regions == y->n_regions);
        ok &= CHECK(!memcmp(&x->w, &y->w, sizeof x->w));
        if (x->kind == LINK_SIGMOID || x->kind == LINK_EXP || x->kind == LINK_SINH)
            ok &= CHECK(!memcmp(&x->a, &y->a, sizeof x->a) && !memcmp(&x->c, &y->c, sizeof x->c));
        ok &= CHECK(!memcmp(x->knots, y->knots, sizeof x->knots[0] * (size_t)(x->n_regions - 1)));
        ok &= CHECK(!memcmp(x->slopes, y->slopes, sizeof x->slopes[0] * (size_t)x->n_regions));
        if (!ok)
            fprintf(stderr, "  round trip of term %d through '%.200s'\n", k, a);
    }
    link_format(&back, b, sizeof b);
    CHECK_STREQ(b, a);
}

static void test_format_round_trips(void)
{
    for (size_t k = 0; k < N_SPECS; k++) {
        sm_link l = parse_ok(specs[k]);
        round_trip(&l);
    }
    char buf[LINK_SPEC_MAX];
    sm_link l = parse_ok("sigmoid:a=2,c=3+lin:w=0.1");
    link_format(&l, buf, sizeof buf);
    CHECK_STREQ(buf, "sigmoid:a=2,c=3,w=1+lin:w=0.1");
    l = parse_ok("pwl:width=0.5,slopes=1/2,knots=3+pwl:knots=1,slopes=1/2,width=0");
    link_format(&l, buf, sizeof buf);
    CHECK_STREQ(buf, "pwl:knots=3,slopes=1/2,width=0.5,w=1+pwl:knots=1,slopes=1/2,w=1");
    /* values with no short decimal */
    static const double vals[] = {0.1, 1.0 / 3, 1e-300, 2.0 / 3, 5e-324, 1.7976931348623157e308,
                                  -0.1, 123456789.123456789, 1e22, 3e-7};
    size_t nv = sizeof vals / sizeof vals[0];
    for (size_t i = 0; i < nv; i++) {
        l = parse_ok("sigmoid+exp+pwl:knots=-1/1,slopes=1/1/1");
        l.terms[0].a = fabs(vals[i]);
        l.terms[0].c = vals[(i + 1) % nv];
        l.terms[0].w = fabs(vals[(i + 2) % nv]);
        l.terms[1].a = -vals[(i + 3) % nv];
        l.terms[2].knots[0] = -fabs(vals[i]);
        l.terms[2].knots[1] = fabs(vals[(i + 4) % nv]);
        l.terms[2].slopes[1] = fabs(vals[(i + 5) % nv]);
        l.terms[2].w = fabs(vals[(i + 6) % nv]);
        round_trip(&l);
    }
    /* snprintf-style: a short buffer gets a terminated prefix and the full length */
    l = parse_ok("sigmoid:a=2,c=3");
    char small[8];
    int n = link_format(&l, small, sizeof small);
    CHECK(n == (int)strlen("sigmoid:a=2,c=3,w=1") && strlen(small) == sizeof small - 1);
    CHECK(link_format(&l, NULL, 0) == n);
}

/* The canonical form of the longest link still fits LINK_SPEC_MAX and parses:
 * model files and reports store it. */
static void test_format_of_largest_link_fits(void)
{
    sm_link l;
    memset(&l, 0, sizeof l);
    l.n_terms = LINK_MAX_TERMS;
    for (int k = 0; k < LINK_MAX_TERMS; k++) {
        link_term *t = &l.terms[k];
        t->kind = LINK_PWL;
        t->w = 2.2250738585072014e-308 * 3;
        t->n_regions = LINK_PWL_MAX_REGIONS;
        for (int i = 0; i < LINK_PWL_MAX_REGIONS; i++) {
            t->slopes[i] = 1.2345678901234567e-300 * (i + 1);
            if (i + 1 < LINK_PWL_MAX_REGIONS)
                t->knots[i] = -1.2345678901234567e-200 * (LINK_PWL_MAX_REGIONS - i);
        }
    }
    char buf[LINK_SPEC_MAX];
    int n = link_format(&l, buf, sizeof buf);
    CHECK(n < LINK_SPEC_MAX);
    round_trip(&l);
    /* and a short spec whose canonical form is long (numbers that print long) */
    char spec[LINK_SPEC_MAX], *p = spec;
    p += sprintf(p, "pwl:knots=");
    for (int i = 1; i < LINK_PWL_MAX_REGIONS; i++)
        p += sprintf(p, "%s%de14", i > 1 ? "/" : "", i);
    p += sprintf(p, ",slopes=");
    for (int i = 0; i < LINK_PWL_MAX_REGIONS; i++)
        p += sprintf(p, "%s9e14", i ? "/" : "");
    l = parse_ok(spec);
    round_trip(&l);
}

static void expect_error(const char *spec, const char *part)
{
    sm_link l;
    memset(&l, 0x5a, sizeof l);
    sm_link before = l;
    sm_error e;
    memset(&e, 0, sizeof e);
    if (!CHECK(link_parse(spec, &l, &e) == SM_EUSAGE)) {
        fprintf(stderr, "  '%s' was accepted\n", spec);
        return;
    }
    if (!CHECK_CONTAINS(e.msg, part))
        fprintf(stderr, "  for spec '%s'\n", spec);
    CHECK(!memcmp(&l, &before, sizeof l)); /* the output is untouched on error */
}

static void test_parse_errors(void)
{
    expect_error("sigmod:a=2", "unknown term 'sigmod'");
    expect_error("lin+sigmod:a=2", "unknown term 'sigmod'");
    expect_error("Lin", "unknown term 'Lin'");
    expect_error("lin+3", "unknown term 'lin+3'");
    expect_error("sigmoid:b=2", "unknown key 'b' in term 'sigmoid:b=2'");
    expect_error("lin:a=2", "unknown key 'a' in term 'lin:a=2'");
    expect_error("exp:knots=1", "unknown key 'knots'");
    expect_error("pwl:a=1,slopes=1", "unknown key 'a'");
    expect_error("sigmoid:a", "missing value for key 'a' in term 'sigmoid:a'");
    expect_error("sigmoid:a=", "missing value for key 'a'");
    expect_error("sigmoid:a=1,c", "missing value for key 'c'");
    expect_error("sigmoid:", "expected key=value after ':' in term 'sigmoid:'");
    expect_error("sigmoid:a=1,", "expected key=value after ','");
    expect_error("sigmoid:a=1,a=2", "key 'a' given twice in term 'sigmoid:a=1,a=2'");
    expect_error("pwl:slopes=1,slopes=1", "key 'slopes' given twice");
    expect_error("sigmoid:a=x", "'x' is not a finite number");
    expect_error("sigmoid:a=2x", "'2x' is not a finite number");
    expect_error("sigmoid:c=1.5.2", "'1.5.2' is not a finite number");
    expect_error("sigmoid:c=1e", "'1e' is not a finite number");
    expect_error("sigmoid:c=-", "'-' is not a finite number");
    expect_error("sigmoid:a=inf", "'inf' is not a finite number");
    expect_error("sigmoid:a=-Infinity", "'-Infinity' is not a finite number");
    expect_error("sigmoid:a=nan", "'nan' is not a finite number");
    expect_error("sigmoid:a=0x10", "'0x10' is not a finite number");
    expect_error("sigmoid:a=1e999", "'1e999' is not a finite number");
    expect_error("pwl:knots=1/x/3,slopes=1/1/1/1", "'x' is not a finite number");
    expect_error("pwl:knots=1//3,slopes=1/1/1/1", "'' is not a finite number");
    expect_error("sigmoid:a=0", "a must be > 0 in term 'sigmoid:a=0'");
    expect_error("sigmoid:a=-1", "a must be > 0");
    expect_error("sinh:a=0", "a must be > 0 in term 'sinh:a=0'");
    expect_error("sinh:a=-0.5,c=1", "a must be > 0 in term 'sinh:a=-0.5,c=1'");
    expect_error("exp:a=0", "a must not be 0 in term 'exp:a=0'");
    expect_error("exp:a=-0", "a must not be 0");
    expect_error("exp:a=1e-400", "a must not be 0");
    expect_error("lin:w=0", "w must be > 0 in term 'lin:w=0'");
    expect_error("lin+sigmoid:w=-1", "w must be > 0 in term 'sigmoid:w=-1'");
    expect_error("pwl:knots=2/1,slopes=1/1/1", "knots must be strictly increasing in term");
    expect_error("pwl:knots=1/1,slopes=1/1/1", "knots must be strictly increasing");
    expect_error("pwl:knots=1,slopes=1", "pwl with 1 knot needs 2 slopes, got 1");
    expect_error("pwl:knots=1/2,slopes=1/1/1/1", "pwl with 2 knots needs 3 slopes, got 4");
    expect_error("pwl:slopes=1/2", "pwl with 0 knots needs 1 slopes, got 2");
    expect_error("pwl:knots=1,slopes=1/0", "slopes must be > 0 in term 'pwl:knots=1,slopes=1/0'");
    expect_error("pwl:knots=1,slopes=-1/1", "slopes must be > 0");
    expect_error("pwl:knots=1,slopes=1/2,width=-1", "width must be >= 0 in term");
    expect_error("pwl:knots=1/2,slopes=1/2/1,width=1.5", "width must be at most the smallest gap");
    expect_error("pwl:knots=1e300,slopes=1/2,width=1e-300", "width must be at most");
    expect_error("sigmoid:width=1", "unknown key 'width'");
    expect_error("pwl", "pwl needs slopes");
    expect_error("pwl:knots=1", "pwl needs slopes");
    expect_error("", "empty link spec");
    expect_error("lin+", "empty term after the last '+'");
    expect_error("lin++exp", "empty term");
    expect_error("+lin", "empty term");
    expect_error("lin+lin+lin+lin+lin+lin+lin+lin+lin", "more than 8 terms");
    expect_error("lin :w=1", "contains white space");
    expect_error("lin+\texp", "contains white space");
    expect_error("lin\n", "contains white space");
    char many[LINK_SPEC_MAX], *p = many;
    p += sprintf(p, "pwl:knots=");
    for (int i = 0; i < LINK_PWL_MAX_REGIONS; i++)
        p += sprintf(p, "%s%d", i ? "/" : "", i);
    sprintf(p, ",slopes=1");
    expect_error(many, "too many values for 'knots' (at most 31)");
    static char huge[LINK_SPEC_MAX + 10];
    memset(huge, '1', sizeof huge - 1);
    memcpy(huge, "lin:w=", 6);
    expect_error(huge, "longer than");
}

static const test_case cases[] = {
    TEST(test_hand_computed_points),
    TEST(test_eval_matches_closed_forms),
    TEST(test_finite_differences),
    TEST(test_loss_matches_integral_definition),
    TEST(test_bregman_form_of_link_eval),
    TEST(test_s_next_to_y),
    TEST(test_large_exponents),
    TEST(test_extreme_scales),
    TEST(test_extreme_arguments),
    TEST(test_never_nan),
    TEST(test_sigmoid_saturated),
    TEST(test_sigmoid_is_bernoulli_kl),
    TEST(test_pwl_continuity_and_origin),
    TEST(test_pwl_h_relative),
    TEST(test_pwl_many_knots),
    TEST(test_flatness),
    TEST(test_parse_examples),
    TEST(test_format_round_trips),
    TEST(test_format_of_largest_link_fits),
    TEST(test_parse_errors),
};

TEST_MAIN(cases)
