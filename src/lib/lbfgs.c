#include "lbfgs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WOLFE_C1 1e-4
#define WOLFE_C2 0.9

/* Four partial sums (of the terms i mod 4), added in a fixed order: one
 * chain of additions would make a long vector wait out the adder's latency
 * at every term, and these vectors are as long as the model. */
static double dot(const double *a, const double *b, int64_t n)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++)
        s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

/* sum_i (a_i - b_i)(c_i - d_i), summed as dot's terms. */
static double dot_diff(const double *a, const double *b, const double *c, const double *d,
                       int64_t n)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += (a[i] - b[i]) * (c[i] - d[i]);
        s1 += (a[i + 1] - b[i + 1]) * (c[i + 1] - d[i + 1]);
        s2 += (a[i + 2] - b[i + 2]) * (c[i + 2] - d[i + 2]);
        s3 += (a[i + 3] - b[i + 3]) * (c[i + 3] - d[i + 3]);
    }
    for (; i < n; i++)
        s0 += (a[i] - b[i]) * (c[i] - d[i]);
    return (s0 + s1) + (s2 + s3);
}

static void swap_ptr(double **a, double **b)
{
    double *t = *a;
    *a = *b;
    *b = t;
}

sm_status lbfgs_init(sm_lbfgs *s, int64_t n, lbfgs_eval_fn eval, void *ctx, sm_error *err)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->m = LBFGS_MEMORY;
    s->eval = eval;
    s->ctx = ctx;
    size_t vec = (size_t)(n > 0 ? n : 1) * sizeof(double);
    s->s = malloc(vec * (size_t)s->m);
    s->y = malloc(vec * (size_t)s->m);
    s->rho = malloc((size_t)s->m * sizeof *s->rho);
    s->alpha = malloc((size_t)s->m * sizeof *s->alpha);
    double **vectors[] = {&s->x, &s->g, &s->d, &s->xt, &s->gt, &s->xl, &s->gl};
    int ok = s->s && s->y && s->rho && s->alpha;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++)
        ok = (*vectors[i] = malloc(vec)) != NULL && ok;
    if (!ok) {
        lbfgs_free(s);
        return sm_fail(err, SM_EFAIL, "out of memory for L-BFGS over %lld parameters",
                       (long long)n);
    }
    return SM_OK;
}

void lbfgs_free(sm_lbfgs *s)
{
    double *all[] = {s->s, s->y, s->rho, s->alpha, s->x, s->g, s->d, s->xt, s->gt, s->xl, s->gl};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]);
    memset(s, 0, sizeof *s);
}

sm_status lbfgs_start(sm_lbfgs *s, const double *x0, sm_error *err)
{
    memcpy(s->x, x0, (size_t)s->n * sizeof *s->x);
    s->count = 0;
    sm_status st = s->eval(s->ctx, s->x, &s->f, s->g, err);
    s->evals++;
    if (st == SM_OK && !isfinite(s->f))
        return sm_fail(err, SM_EDIVERGED, "the objective is not finite at the starting point");
    return st;
}

double lbfgs_grad_max(const sm_lbfgs *s)
{
    double m = 0.0;
    for (int64_t i = 0; i < s->n; i++)
        m = fmax(m, fabs(s->g[i]));
    return m;
}

/* d = -H g with the current memory (the two-loop recursion; s->xt is its
 * scratch, so g and d are other vectors). */
static void lbfgs_direction(sm_lbfgs *s, const double *g, double *d)
{
    const int64_t n = s->n;
    for (int64_t i = 0; i < n; i++)
        d[i] = g[i];
    int idx = s->newest;
    for (int c = 0; c < s->count; c++, idx = (idx + s->m - 1) % s->m) {
        s->alpha[idx] = s->rho[idx] * dot(s->s + idx * n, d, n);
        const double *y = s->y + idx * n;
        for (int64_t i = 0; i < n; i++)
            d[i] -= s->alpha[idx] * y[i];
    }
    if (s->count > 0) {
        const double *sn = s->s + s->newest * n, *yn = s->y + s->newest * n;
        /* y.diag(h0).y in xt (free between line searches) */
        for (int64_t i = 0; i < n && s->h0; i++)
            s->xt[i] = s->h0[i] * yn[i];
        double gamma = dot(sn, yn, n) / dot(s->h0 ? s->xt : yn, yn, n);
        for (int64_t i = 0; i < n; i++)
            d[i] *= s->h0 ? gamma * s->h0[i] : gamma;
    }
    idx = (s->newest + s->m - s->count + 1) % s->m; /* the oldest */
    for (int c = 0; c < s->count; c++, idx = (idx + 1) % s->m) {
        double beta = s->rho[idx] * dot(s->y + idx * n, d, n);
        const double *sv = s->s + idx * n;
        for (int64_t i = 0; i < n; i++)
            d[i] += (s->alpha[idx] - beta) * sv[i];
    }
    for (int64_t i = 0; i < n; i++)
        d[i] = -d[i];
}

/* ---- the line search ---- */

/* A point on the line x + a d: f there and its slope g.d. */
typedef struct {
    double a, f, slope;
    int finite;
} line_point;

typedef struct {
    sm_lbfgs *s;
    double f0, slope0; /* at a = 0 */
    line_point lo;     /* the lowest point with sufficient decrease (a = 0: x) */
} line_search;

/* Evaluate at a into xt, gt. */
static sm_status probe(line_search *ls, double a, line_point *p, sm_error *err)
{
    sm_lbfgs *s = ls->s;
    for (int64_t i = 0; i < s->n; i++)
        s->xt[i] = s->x[i] + a * s->d[i];
    sm_status st = s->eval(s->ctx, s->xt, &p->f, s->gt, err);
    s->evals++;
    p->a = a;
    p->slope = dot(s->gt, s->d, s->n);
    p->finite = isfinite(p->f) && isfinite(p->slope);
    return st;
}

static int sufficient(const line_search *ls, const line_point *p)
{
    return p->finite && p->f <= ls->f0 + WOLFE_C1 * p->a * ls->slope0;
}

static int curvature_ok(const line_search *ls, const line_point *p)
{
    return fabs(p->slope) <= -WOLFE_C2 * ls->slope0;
}

/* The trial point becomes the best one (its vectors move to xl, gl). */
static void keep_low(line_search *ls, const line_point *p)
{
    ls->lo = *p;
    swap_ptr(&ls->s->xt, &ls->s->xl);
    swap_ptr(&ls->s->gt, &ls->s->gl);
}

/* The next trial between lo and hi: the minimiser of the cubic through both
 * points and slopes, kept off the ends; the midpoint when hi is not finite
 * or the cubic has no minimiser there. */
static double interpolate(const line_point *lo, const line_point *hi)
{
    double mid = 0.5 * (lo->a + hi->a), width = hi->a - lo->a;
    if (!hi->finite)
        return mid;
    double d1 = lo->slope + hi->slope - 3.0 * (lo->f - hi->f) / (lo->a - hi->a);
    double disc = d1 * d1 - lo->slope * hi->slope;
    if (!(disc >= 0.0))
        return mid;
    double d2 = copysign(sqrt(disc), hi->a - lo->a);
    double a = hi->a - (hi->a - lo->a) * (hi->slope + d2 - d1) / (hi->slope - lo->slope + 2 * d2);
    double a_min = lo->a + 0.1 * width, a_max = hi->a - 0.1 * width;
    if (a_min > a_max) {
        double t = a_min;
        a_min = a_max;
        a_max = t;
    }
    return isfinite(a) && a >= a_min && a <= a_max ? a : mid;
}

/* Zoom into [lo, hi] (either order) until a point meets both conditions;
 * *found: 1 when ls->lo then lies past a = 0 (a decrease, the strong Wolfe
 * conditions met or, out of evaluations, sufficient decrease alone). */
static sm_status zoom(line_search *ls, line_point hi, int budget, int *found, sm_error *err)
{
    line_point p;
    sm_status st = SM_OK;
    *found = 0;
    while (budget-- > 0 && st == SM_OK) {
        double a = interpolate(&ls->lo, &hi);
        if (!(fabs(hi.a - ls->lo.a) > 1e-15 * fmax(fabs(hi.a), fabs(ls->lo.a))))
            break;
        if ((st = probe(ls, a, &p, err)) != SM_OK)
            return st;
        if (!sufficient(ls, &p) || p.f >= ls->lo.f) {
            hi = p;
            continue;
        }
        line_point old = ls->lo;
        keep_low(ls, &p);
        if (curvature_ok(ls, &p)) {
            *found = 1;
            return SM_OK;
        }
        if (p.slope * (hi.a - old.a) >= 0)
            hi = old;
    }
    *found = ls->lo.a > 0.0;
    return st;
}

/* Along s->d from s->x with a first trial step a: bracket a point meeting
 * the strong Wolfe conditions, doubling the step while f keeps falling
 * steeply, then zoom. *found as zoom's; the point is in xl, gl, ls->lo. */
static sm_status search(sm_lbfgs *s, double slope0, double a, line_search *ls, int *found,
                        sm_error *err)
{
    *ls = (line_search){.s = s, .f0 = s->f, .slope0 = slope0,
                        .lo = {.a = 0.0, .f = s->f, .slope = slope0, .finite = 1}};
    line_point p;
    sm_status st;
    *found = 0;
    for (int used = 1; used <= LBFGS_SEARCH_EVALS; used++, a *= 2.0) {
        if ((st = probe(ls, a, &p, err)) != SM_OK)
            return st;
        if (!sufficient(ls, &p) || p.f >= ls->lo.f)
            return zoom(ls, p, LBFGS_SEARCH_EVALS - used, found, err);
        line_point prev = ls->lo;
        keep_low(ls, &p);
        if (curvature_ok(ls, &p)) {
            *found = 1;
            return SM_OK;
        }
        if (p.slope >= 0.0) /* past a minimum along the line */
            return zoom(ls, prev, LBFGS_SEARCH_EVALS - used, found, err);
    }
    *found = ls->lo.a > 0.0;
    return SM_OK;
}

/* ---- an iteration ---- */

static void steepest(sm_lbfgs *s)
{
    for (int64_t i = 0; i < s->n; i++)
        s->d[i] = -s->g[i] * (s->h0 ? s->h0[i] : 1.0);
    s->count = 0;
}

/* Keep the pair of the step from x to xl when its curvature is positive. */
static void remember(sm_lbfgs *s)
{
    const int64_t n = s->n;
    double sy = dot_diff(s->xl, s->x, s->gl, s->g, n);
    if (!(sy > 0.0) || !isfinite(sy))
        return; /* (the slot it would take may hold the oldest pair still in use) */
    int slot = (s->newest + 1) % s->m;
    double *sv = s->s + slot * n, *yv = s->y + slot * n;
    for (int64_t i = 0; i < n; i++) {
        sv[i] = s->xl[i] - s->x[i];
        yv[i] = s->gl[i] - s->g[i];
    }
    s->rho[slot] = 1.0 / sy;
    s->newest = slot;
    if (s->count < s->m)
        s->count++;
}

sm_status lbfgs_iterate(sm_lbfgs *s, int *moved, sm_error *err)
{
    line_search ls;
    sm_status st;
    int found = 0;
    *moved = 0;
    for (int attempt = 0; attempt < 2 && !found; attempt++) {
        if (s->count > 0 && attempt == 0)
            lbfgs_direction(s, s->g, s->d);
        else
            steepest(s);
        double slope0 = dot(s->g, s->d, s->n);
        if (!(slope0 < 0.0)) {
            if (s->count == 0)
                return SM_OK; /* a zero gradient: nowhere to go */
            continue;
        }
        /* Steepest descent has no scale of its own: a first step of unit
         * length (at most a unit step), as scipy's L-BFGS-B. */
        double a = s->count > 0 ? 1.0 : fmin(1.0, 1.0 / sqrt(-slope0));
        if ((st = search(s, slope0, a, &ls, &found, err)) != SM_OK)
            return st;
        if (!found)
            s->count = 0;
    }
    if (!found)
        return SM_OK;
    remember(s);
    swap_ptr(&s->x, &s->xl);
    swap_ptr(&s->g, &s->gl);
    s->f = ls.lo.f;
    *moved = 1;
    return SM_OK;
}

/* ---- saving and restoring (train --resume) ---- */

enum { STATE_HEAD = 3 }; /* f, evals, count */

int64_t lbfgs_state_size(const sm_lbfgs *s)
{
    return STATE_HEAD + 2 * s->n + (int64_t)s->count * (2 * s->n + 1);
}

void lbfgs_state_save(const sm_lbfgs *s, double *out)
{
    const int64_t n = s->n;
    out[0] = s->f;
    out[1] = (double)s->evals;
    out[2] = (double)s->count;
    memcpy(out + STATE_HEAD, s->x, (size_t)n * sizeof *out);
    memcpy(out + STATE_HEAD + n, s->g, (size_t)n * sizeof *out);
    double *pair = out + STATE_HEAD + 2 * n;
    int idx = (s->newest + s->m - s->count + 1) % s->m; /* the oldest */
    for (int c = 0; c < s->count; c++, idx = (idx + 1) % s->m, pair += 2 * n + 1) {
        pair[0] = s->rho[idx];
        memcpy(pair + 1, s->s + idx * n, (size_t)n * sizeof *pair);
        memcpy(pair + 1 + n, s->y + idx * n, (size_t)n * sizeof *pair);
    }
}

sm_status lbfgs_state_restore(sm_lbfgs *s, const double *in, int64_t size, sm_error *err)
{
    const int64_t n = s->n;
    double count = size >= STATE_HEAD ? in[2] : -1.0;
    if (!(count >= 0.0 && count <= s->m && count == (int)count) ||
        size != STATE_HEAD + 2 * n + (int64_t)count * (2 * n + 1))
        return sm_fail(err, SM_EDATA, "the L-BFGS state has %lld values, not those of %lld "
                       "parameters", (long long)size, (long long)n);
    s->f = in[0];
    s->evals = (int64_t)in[1];
    s->count = (int)count;
    memcpy(s->x, in + STATE_HEAD, (size_t)n * sizeof *s->x);
    memcpy(s->g, in + STATE_HEAD + n, (size_t)n * sizeof *s->g);
    /* the pairs in slots 0 .. count-1: the directions read them in order */
    const double *pair = in + STATE_HEAD + 2 * n;
    for (int c = 0; c < s->count; c++, pair += 2 * n + 1) {
        s->rho[c] = pair[0];
        memcpy(s->s + c * n, pair + 1, (size_t)n * sizeof *pair);
        memcpy(s->y + c * n, pair + 1 + n, (size_t)n * sizeof *pair);
    }
    s->newest = s->count > 0 ? s->count - 1 : 0;
    return SM_OK;
}
