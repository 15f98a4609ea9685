/* ref_multinomial.h - an exact reference solver for the tests: L2-penalised
 * multinomial logistic regression by L-BFGS, written independently of the
 * engine's objective code, so a trained multi-class model can be compared
 * with the true optimum.
 *
 *   J(W, b) = (1/n) sum_i [ logsumexp(x_i W + b) - (x_i W + b)_{c_i} ] + (l2/2) ||W||^2
 *
 * x_i are the rows of a CSR matrix, each value multiplied by fs[col] (the
 * feature scales; NULL for none), W is dim x K, the biases b are not
 * penalised. Header-only (static) because each test suite is one file.
 */
#ifndef SM_REF_MULTINOMIAL_H
#define SM_REF_MULTINOMIAL_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t n;
    int32_t dim;
    int K;
    const int64_t *row_ptr;
    const int32_t *col;
    const float *val;
    const double *fs;
    const int32_t *cls;
    double l2;
} ref_multinomial;

/* J and its gradient g at theta = (W row-major dim x K, then b[K]). */
static double ref_multinomial_eval(const ref_multinomial *p, const double *theta, double *g)
{
    int K = p->K;
    const double *W = theta, *b = theta + (size_t)p->dim * K;
    double *gW = g, *gb = g + (size_t)p->dim * K, z[256], J = 0.0;
    memset(g, 0, ((size_t)p->dim + 1) * K * sizeof *g);
    for (int64_t i = 0; i < p->n; i++) {
        for (int k = 0; k < K; k++)
            z[k] = b[k];
        for (int64_t e = p->row_ptr[i]; e < p->row_ptr[i + 1]; e++) {
            double x = p->val[e] * (p->fs ? p->fs[p->col[e]] : 1.0);
            for (int k = 0; k < K; k++)
                z[k] += x * W[(size_t)p->col[e] * K + k];
        }
        double mx = z[0], sum = 0.0;
        for (int k = 1; k < K; k++)
            mx = fmax(mx, z[k]);
        for (int k = 0; k < K; k++)
            sum += exp(z[k] - mx);
        J += mx + log(sum) - z[p->cls[i]];
        for (int k = 0; k < K; k++) {
            double d = (exp(z[k] - mx) / sum - (k == p->cls[i])) / (double)p->n;
            gb[k] += d;
            for (int64_t e = p->row_ptr[i]; e < p->row_ptr[i + 1]; e++)
                gW[(size_t)p->col[e] * K + k] +=
                    d * p->val[e] * (p->fs ? p->fs[p->col[e]] : 1.0);
        }
    }
    J /= (double)p->n;
    for (size_t j = 0; j < (size_t)p->dim * K; j++) {
        J += 0.5 * p->l2 * W[j] * W[j];
        gW[j] += p->l2 * W[j];
    }
    return J;
}

static double ref_dot(const double *a, const double *b, size_t m)
{
    double s = 0.0;
    for (size_t i = 0; i < m; i++)
        s += a[i] * b[i];
    return s;
}

/* The minimum of J by L-BFGS (memory 10, Armijo backtracking) from zero,
 * until the gradient's norm is below tol or after max_iter iterations. */
static double ref_multinomial_solve(const ref_multinomial *p, double tol, int max_iter)
{
    enum { M = 10 };
    size_t m = ((size_t)p->dim + 1) * p->K;
    double *buf = calloc(m * (5 + 2 * M), sizeof *buf);
    if (!buf || p->K > 256)
        return NAN;
    double *x = buf, *g = x + m, *d = g + m, *xn = d + m, *gn = xn + m;
    double *S = gn + m, *Y = S + m * M, rho[M], alpha[M];
    double J = ref_multinomial_eval(p, x, g);
    int stored = 0, head = 0;
    for (int it = 0; it < max_iter && sqrt(ref_dot(g, g, m)) > tol; it++) {
        /* two-loop recursion: d = -H g */
        for (size_t i = 0; i < m; i++)
            d[i] = -g[i];
        for (int j = 0; j < stored; j++) {
            int s = (head - 1 - j + M) % M;
            alpha[s] = rho[s] * ref_dot(S + s * m, d, m);
            for (size_t i = 0; i < m; i++)
                d[i] -= alpha[s] * Y[s * m + i];
        }
        if (stored) {
            int s = (head - 1 + M) % M;
            double gamma = 1.0 / (rho[s] * ref_dot(Y + s * m, Y + s * m, m));
            for (size_t i = 0; i < m; i++)
                d[i] *= gamma;
        }
        for (int j = stored - 1; j >= 0; j--) {
            int s = (head - 1 - j + M) % M;
            double beta = rho[s] * ref_dot(Y + s * m, d, m);
            for (size_t i = 0; i < m; i++)
                d[i] += (alpha[s] - beta) * S[s * m + i];
        }
        double slope = ref_dot(g, d, m), step = 1.0, Jn = J;
        if (slope >= 0.0) { /* not a descent direction: restart with -g */
            for (size_t i = 0; i < m; i++)
                d[i] = -g[i];
            slope = -ref_dot(g, g, m);
            stored = 0;
        }
        for (int ls = 0; ls < 60; ls++, step *= 0.5) {
            for (size_t i = 0; i < m; i++)
                xn[i] = x[i] + step * d[i];
            Jn = ref_multinomial_eval(p, xn, gn);
            if (Jn <= J + 1e-4 * step * slope)
                break;
        }
        if (!(Jn < J))
            break; /* no more progress in double precision */
        for (size_t i = 0; i < m; i++) {
            S[head * m + i] = xn[i] - x[i];
            Y[head * m + i] = gn[i] - g[i];
        }
        double sy = ref_dot(S + head * m, Y + head * m, m);
        if (sy > 1e-300) {
            rho[head] = 1.0 / sy;
            head = (head + 1) % M;
            stored = stored < M ? stored + 1 : M;
        }
        memcpy(x, xn, m * sizeof *x);
        memcpy(g, gn, m * sizeof *g);
        J = Jn;
    }
    free(buf);
    return J;
}

#endif
