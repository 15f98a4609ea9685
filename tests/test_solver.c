/* test_solver.c - the full-batch solver: L-BFGS on functions with a known
 * minimiser, the full-batch gradient against finite differences for every
 * objective, and default runs against optima computed here independently
 * (normal equations, Newton's method), with weights and L2. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fullbatch.h"
#include "lbfgs.h"
#include "model.h"
#include "rng.h"
#include "scorer.h"
#include "test.h"
#include "train.h"
#include "train_pass.h"

/* ---- the numerical core ---- */

typedef struct {
    int n;
    double A[12 * 12], b[12]; /* f = x'Ax/2 - b'x */
} quadratic;

static sm_status quadratic_eval(void *ctx, const double *x, double *f, double *g, sm_error *err)
{
    (void)err;
    const quadratic *q = ctx;
    *f = 0.0;
    for (int i = 0; i < q->n; i++) {
        g[i] = -q->b[i];
        for (int j = 0; j < q->n; j++)
            g[i] += q->A[i * q->n + j] * x[j];
        *f += 0.5 * x[i] * (g[i] - q->b[i]);
    }
    return SM_OK;
}

/* x = A^-1 b by Cholesky: A = L L'. */
static void cholesky_solve(int n, const double *A, const double *b, double *x)
{
    double L[12 * 12] = {0}, z[12];
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            double s = A[i * n + j];
            for (int k = 0; k < j; k++)
                s -= L[i * n + k] * L[j * n + k];
            L[i * n + j] = i == j ? sqrt(s) : s / L[j * n + j];
        }
    for (int i = 0; i < n; i++) {
        z[i] = b[i];
        for (int k = 0; k < i; k++)
            z[i] -= L[i * n + k] * z[k];
        z[i] /= L[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) {
        x[i] = z[i];
        for (int k = i + 1; k < n; k++)
            x[i] -= L[k * n + i] * x[k];
        x[i] /= L[i * n + i];
    }
}

/* An ill-conditioned quadratic (eigenvalues over four decades): L-BFGS
 * ends at A^-1 b. */
static void test_lbfgs_quadratic(void)
{
    quadratic q = {.n = 12};
    sm_rng rng;
    rng_seed(&rng, 7);
    double M[12 * 12], want[12], x0[12] = {0};
    for (int i = 0; i < q.n * q.n; i++)
        M[i] = rng_uniform(&rng) - 0.5;
    for (int i = 0; i < q.n; i++) {
        q.b[i] = rng_uniform(&rng) * 4 - 2;
        for (int j = 0; j < q.n; j++) {
            double s = i == j ? pow(10.0, -4.0 * i / (q.n - 1)) : 0.0;
            for (int k = 0; k < q.n; k++)
                s += 1e-3 * M[k * q.n + i] * M[k * q.n + j];
            q.A[i * q.n + j] = s;
        }
    }
    cholesky_solve(q.n, q.A, q.b, want);
    sm_lbfgs lb;
    int moved = 1, it = 0;
    if (!CHECK(lbfgs_init(&lb, q.n, quadratic_eval, &q, NULL) == SM_OK))
        return;
    CHECK(lbfgs_start(&lb, x0, NULL) == SM_OK);
    while (moved && it++ < 500 && lbfgs_grad_max(&lb) > 1e-13)
        CHECK(lbfgs_iterate(&lb, &moved, NULL) == SM_OK);
    /* (with eigenvalues down to 1e-4, f at rounding level leaves x
     * uncertain in about 1e-7 of its size) */
    for (int i = 0; i < q.n; i++)
        CHECK_CLOSE(lb.x[i], want[i], 1e-5 * fmax(1.0, fabs(want[i])));
    CHECK(it < 200); /* a quasi-Newton rate, not gradient descent's */
    lbfgs_free(&lb);
}

/* The same quadratic with a diagonal preconditioner h0 = 1 / diag(A) (the
 * inverse curvature along each axis, as fullbatch_diagonal gives): the same
 * minimiser, in fewer iterations than with H0 a multiple of I. */
static int quadratic_iterations(const quadratic *q, const double *h0, double *x)
{
    sm_lbfgs lb;
    double x0[12] = {0};
    int moved = 1, it = 0;
    if (!CHECK(lbfgs_init(&lb, q->n, quadratic_eval, (void *)q, NULL) == SM_OK))
        return 0;
    lb.h0 = h0;
    CHECK(lbfgs_start(&lb, x0, NULL) == SM_OK);
    while (moved && it < 500 && lbfgs_grad_max(&lb) > 1e-13) {
        CHECK(lbfgs_iterate(&lb, &moved, NULL) == SM_OK);
        it++;
    }
    memcpy(x, lb.x, (size_t)q->n * sizeof *x);
    lbfgs_free(&lb);
    return it;
}

static void test_lbfgs_diagonal_preconditioner(void)
{
    quadratic q = {.n = 12};
    sm_rng rng;
    rng_seed(&rng, 9);
    double want[12], h0[12], plain[12], scaled[12];
    for (int i = 0; i < q.n; i++) { /* axes over four decades, weakly coupled */
        q.b[i] = rng_uniform(&rng) * 4 - 2;
        for (int j = 0; j < q.n; j++)
            q.A[i * q.n + j] = i == j ? pow(10.0, -4.0 * i / (q.n - 1)) : 0.0;
    }
    for (int i = 0; i + 1 < q.n; i++) /* (diagonally dominant: positive definite) */
        q.A[i * q.n + i + 1] = q.A[(i + 1) * q.n + i] = 0.3 * q.A[(i + 1) * q.n + i + 1];
    for (int i = 0; i < q.n; i++)
        h0[i] = 1.0 / q.A[i * q.n + i];
    cholesky_solve(q.n, q.A, q.b, want);
    int it_plain = quadratic_iterations(&q, NULL, plain);
    int it_scaled = quadratic_iterations(&q, h0, scaled);
    for (int i = 0; i < q.n; i++) {
        CHECK_CLOSE(plain[i], want[i], 1e-5 * fmax(1.0, fabs(want[i])));
        CHECK_CLOSE(scaled[i], want[i], 1e-5 * fmax(1.0, fabs(want[i])));
    }
    if (!CHECK(it_scaled < it_plain / 2))
        fprintf(stderr, "  %d iterations with h0, %d without\n", it_scaled, it_plain);
}

static sm_status rosenbrock(void *ctx, const double *x, double *f, double *g, sm_error *err)
{
    (void)ctx, (void)err;
    double a = 1.0 - x[0], b = x[1] - x[0] * x[0];
    *f = a * a + 100.0 * b * b;
    g[0] = -2.0 * a - 400.0 * x[0] * b;
    g[1] = 200.0 * b;
    return SM_OK;
}

/* A non-convex valley: the line search keeps the iterates descending to
 * the minimum at (1, 1). */
static void test_lbfgs_rosenbrock(void)
{
    sm_lbfgs lb;
    double x0[2] = {-1.2, 1.0}, last = INFINITY;
    int moved = 1, descending = 1;
    if (!CHECK(lbfgs_init(&lb, 2, rosenbrock, NULL, NULL) == SM_OK))
        return;
    CHECK(lbfgs_start(&lb, x0, NULL) == SM_OK);
    for (int it = 0; moved && it < 200; it++) {
        CHECK(lbfgs_iterate(&lb, &moved, NULL) == SM_OK);
        descending = descending && (!moved || lb.f < last);
        last = lb.f;
    }
    CHECK(descending);
    CHECK_CLOSE(lb.x[0], 1.0, 1e-7);
    CHECK_CLOSE(lb.x[1], 1.0, 1e-7);
    CHECK(lb.f < 1e-14);
    lbfgs_free(&lb);
}

/* f = -log(1 - x) - 5x, defined for x < 1 (NaN beyond, inf at 1), least
 * at x = 0.8: the first step (to x = 1) is not finite, and the line search
 * takes it as a step too long. */
static sm_status barrier(void *ctx, const double *x, double *f, double *g, sm_error *err)
{
    (void)ctx, (void)err;
    *f = x[0] < 1.0 ? -log1p(-x[0]) - 5.0 * x[0] : (x[0] == 1.0 ? INFINITY : NAN);
    g[0] = 1.0 / (1.0 - x[0]) - 5.0;
    return SM_OK;
}

static void test_lbfgs_not_finite_is_too_long(void)
{
    sm_lbfgs lb;
    double x0[1] = {0.0};
    int moved = 1;
    if (!CHECK(lbfgs_init(&lb, 1, barrier, NULL, NULL) == SM_OK))
        return;
    CHECK(lbfgs_start(&lb, x0, NULL) == SM_OK);
    for (int it = 0; moved && it < 100; it++) {
        CHECK(lbfgs_iterate(&lb, &moved, NULL) == SM_OK);
        CHECK(isfinite(lb.f) && lb.x[0] < 1.0);
    }
    CHECK_CLOSE(lb.x[0], 0.8, 1e-7);
    lbfgs_free(&lb);
}

/* ---- data ---- */

/* n_queries queries of `size` rows (size 1: no groups), `dim` dense
 * features uniform in [-1, 1] times 1 + j (so the scales matter), labels
 * 0..3 from a noisy linear rule; weights 1 + (query % 3) when weighted. */
static void make_data(sm_dataset *ds, int64_t n_queries, int64_t size, int32_t dim, int weighted,
                      uint64_t seed)
{
    sm_rng rng;
    rng_seed(&rng, seed);
    dataset_init(ds);
    int64_t n = n_queries * size;
    ds->n_rows = n;
    ds->nnz = n * dim;
    ds->dim = dim;
    ds->row_ptr = malloc((size_t)(n + 1) * sizeof *ds->row_ptr);
    ds->col = malloc((size_t)ds->nnz * sizeof *ds->col);
    ds->val = malloc((size_t)ds->nnz * sizeof *ds->val);
    ds->label = malloc((size_t)n * sizeof *ds->label);
    ds->weight = weighted ? malloc((size_t)n * sizeof *ds->weight) : NULL;
    for (int64_t r = 0; r < n; r++) {
        double y = 1.5 + rng_uniform(&rng);
        ds->row_ptr[r] = r * dim;
        for (int32_t j = 0; j < dim; j++) {
            float x = (float)((rng_uniform(&rng) * 2 - 1) * (1 + j));
            ds->col[r * dim + j] = j;
            ds->val[r * dim + j] = x;
            y += (j % 3 - 1) * x / (1 + j);
        }
        ds->label[r] = fmin(3.0, fmax(0.0, floor(y)));
        if (weighted)
            ds->weight[r] = 1.0 + (double)((r / size) % 3);
    }
    ds->row_ptr[n] = ds->nnz;
    if (size > 1) {
        ds->n_groups = n_queries;
        ds->group_ptr = malloc((size_t)(n_queries + 1) * sizeof *ds->group_ptr);
        for (int64_t g = 0; g <= n_queries; g++)
            ds->group_ptr[g] = g * size;
    }
}

/* K targets a row: one-hot of the label (prob) or scores (matched). */
static void add_targets(sm_dataset *ds, int K, int one_hot)
{
    ds->target = malloc((size_t)ds->n_rows * K * sizeof *ds->target);
    ds->target_dim = K;
    for (int64_t r = 0; r < ds->n_rows; r++)
        for (int k = 0; k < K; k++)
            ds->target[r * K + k] = one_hot ? (double)((int)ds->label[r] % K == k)
                                            : ds->label[r] * 0.3 * (k + 1) - 0.2 * k;
}

/* 1 / max|x_j|, as --scale maxabs, computed here (rounded to floats as
 * the linear scorer keeps them). */
static double *maxabs(const sm_dataset *ds)
{
    double *fs = calloc((size_t)ds->dim, sizeof *fs);
    for (int64_t k = 0; k < ds->nnz; k++)
        fs[ds->col[k]] = fmax(fs[ds->col[k]], fabs((double)ds->val[k]));
    for (int32_t j = 0; j < ds->dim; j++)
        fs[j] = (float)(fs[j] > 0 ? 1.0 / fs[j] : 1.0);
    return fs;
}

/* ---- the full-batch gradient ---- */

typedef struct {
    const char *name;
    sm_objective_kind kind;
    const char *link;
    sm_target_kind target;
    int K, weighted, one_hot;
    int64_t max_pairs;
    double temperature;
} fd_case;

/* Central differences of F at a random theta against fullbatch_eval's
 * gradient, every coordinate. */
static void check_gradient(const fd_case *c)
{
    sm_dataset ds;
    int ranking = objective_is_ranking(c->kind);
    make_data(&ds, ranking ? 9 : 40, ranking ? 6 : 1, 4, c->weighted, 11);
    if (c->K > 1)
        add_targets(&ds, c->K, c->one_hot);
    sm_objective obj = {.kind = c->kind, .temperature = c->temperature, .target = c->target,
                        .max_pairs = c->max_pairs, .n_out = c->K};
    CHECK(link_parse(c->link, &obj.link, NULL) == SM_OK);
    CHECK(objective_check(&obj, NULL) == SM_OK);
    sm_scorer_config sconf;
    scorer_config_default(&sconf);
    sconf.n_out = c->K;
    scorer_config_complete(&sconf, ds.dim);
    double *fs = maxabs(&ds);
    sm_scorer sc;
    sm_fullbatch *fb = NULL;
    sm_fullbatch_config fc = {&obj, &ds, fs, 0.3, 5, 2, NULL, 0};
    CHECK(scorer_init(&sc, &sconf, &ds, fs, 1, NULL) == SM_OK);
    CHECK(fullbatch_init(&fb, &fc, &sc, NULL) == SM_OK);
    int64_t P = fullbatch_param_count(fb);
    double *theta = malloc((size_t)P * sizeof *theta), *g = malloc((size_t)P * sizeof *g);
    double *scratch = malloc((size_t)P * sizeof *scratch), f, fp, fm, worst = 0.0;
    sm_rng rng;
    rng_seed(&rng, 3);
    for (int64_t i = 0; i < P; i++)
        theta[i] = rng_uniform(&rng) - 0.5 + (i >= P - c->K ? 1.0 : 0.0);
    CHECK(fullbatch_eval(fb, theta, &f, g, NULL) == SM_OK);
    CHECK(isfinite(f) && f > 0.0);
    /* streamed (no transposed copy): the same value and gradient, bit for bit */
    sm_fullbatch *streamed = NULL;
    sm_fullbatch_config sfc = fc;
    sfc.streaming = 1;
    double sf;
    CHECK(fullbatch_init(&streamed, &sfc, &sc, NULL) == SM_OK);
    CHECK(fullbatch_eval(streamed, theta, &sf, scratch, NULL) == SM_OK);
    CHECK(memcmp(&sf, &f, sizeof f) == 0 && memcmp(scratch, g, (size_t)P * sizeof *g) == 0);
    fullbatch_free(streamed);
    for (int64_t i = 0; i < P; i++) {
        const double h = 1e-5, keep = theta[i];
        theta[i] = keep + h;
        fullbatch_eval(fb, theta, &fp, scratch, NULL);
        theta[i] = keep - h;
        fullbatch_eval(fb, theta, &fm, scratch, NULL);
        theta[i] = keep;
        worst = fmax(worst, fabs((fp - fm) / (2 * h) - g[i]) / fmax(1.0, fabs(g[i])));
    }
    if (!CHECK(worst < 1e-7))
        fprintf(stderr, "  %s: gradient off its finite difference by %.3g\n", c->name, worst);
    fullbatch_free(fb);
    scorer_free(&sc);
    free(theta);
    free(g);
    free(scratch);
    free(fs);
    dataset_free(&ds);
}

static void test_gradient_every_objective(void)
{
    static const fd_case cases[] = {
        {"pointwise lin", OBJ_POINTWISE, "lin", TARGET_DEFAULT, 1, 1, 0, 0, 1.0},
        {"pointwise sigmoid", OBJ_POINTWISE, "lin:w=0.05+sigmoid:a=1.5,c=1.5", TARGET_DEFAULT,
         1, 1, 0, 0, 1.0},
        {"multiclass one-hot exp", OBJ_MULTICLASS, "lin:w=0.2+exp:a=0.5", TARGET_PROB, 3, 1, 1,
         0, 1.0},
        {"multiclass matched sigmoid", OBJ_MULTICLASS, "lin:w=0.1+sigmoid:a=2", TARGET_MATCHED,
         3, 0, 0, 0, 0.7},
        {"multiclass-pointwise", OBJ_MULTICLASS_POINTWISE, "lin:w=0.2+exp:a=0.3",
         TARGET_DEFAULT, 3, 1, 0, 0, 1.0},
        {"listwise matched exp", OBJ_LISTWISE, "lin:w=0.1+exp:a=0.5", TARGET_MATCHED, 1, 1, 0,
         0, 1.3},
        {"listwise gain lin", OBJ_LISTWISE, "lin", TARGET_GAIN, 1, 0, 0, 0, 1.0},
        {"pairwise hard lin", OBJ_PAIRWISE, "lin", TARGET_HARD, 1, 1, 0, 0, 1.0},
        {"pairwise soft sampled", OBJ_PAIRWISE, "lin:w=0.2+sigmoid:a=1,c=1.5", TARGET_SOFT, 1,
         0, 0, 3, 0.8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_gradient(&cases[i]);
}

/* ---- default runs against independent optima ---- */

/* fullbatch_diagonal: for pointwise, mean_u w_u h'(y_u) (fs_j x_uj)^2 + l2
 * (h'(y_u) for the biases), inverted, computed here from the rows; for
 * multi-class pointwise per class from its targets; nothing for listwise. */
static void check_diagonal(sm_objective_kind kind, const char *link, int K, int expect_set)
{
    sm_dataset ds;
    int ranking = objective_is_ranking(kind);
    make_data(&ds, ranking ? 9 : 60, ranking ? 6 : 1, 4, 1, 13);
    if (K > 1)
        add_targets(&ds, K, 0);
    sm_objective obj = {.kind = kind, .temperature = 1.0, .n_out = K,
                        .target = kind == OBJ_MULTICLASS ? TARGET_MATCHED : TARGET_DEFAULT};
    CHECK(link_parse(link, &obj.link, NULL) == SM_OK);
    CHECK(objective_check(&obj, NULL) == SM_OK);
    sm_scorer_config sconf;
    scorer_config_default(&sconf);
    sconf.n_out = K;
    scorer_config_complete(&sconf, ds.dim);
    double *fs = maxabs(&ds), l2 = 0.25;
    sm_scorer sc;
    sm_fullbatch *fb = NULL;
    sm_fullbatch_config fc = {&obj, &ds, fs, l2, 5, 2, NULL, 0};
    CHECK(scorer_init(&sc, &sconf, &ds, fs, 1, NULL) == SM_OK);
    CHECK(fullbatch_init(&fb, &fc, &sc, NULL) == SM_OK);
    int64_t P = fullbatch_param_count(fb);
    double *h0 = malloc((size_t)P * sizeof *h0), *want = calloc((size_t)P, sizeof *want);
    double weight = 0.0;
    int set = -1;
    for (int64_t i = 0; i < P; i++)
        h0[i] = -1.0;
    CHECK(fullbatch_diagonal(fb, h0, &set, NULL) == SM_OK);
    CHECK(set == expect_set);
    for (int64_t r = 0; r < ds.n_rows; r++) {
        double w = ds.weight[r];
        for (int k = 0; k < K; k++) {
            double y = K > 1 ? ds.target[r * K + k] : ds.label[r];
            double c = w * link_dh(&obj.link, y);
            for (int64_t at = ds.row_ptr[r]; at < ds.row_ptr[r + 1]; at++) {
                double x = ds.val[at] * fs[ds.col[at]];
                want[ds.col[at] * K + k] += c * x * x;
            }
            want[P - K + k] += c;
        }
        weight += w;
    }
    for (int64_t i = 0; i < P; i++)
        if (expect_set)
            CHECK_REL(h0[i], 1.0 / (want[i] / weight + (i < P - K ? l2 : 0.0)), 1e-12);
        else
            CHECK(h0[i] == -1.0); /* untouched */
    fullbatch_free(fb);
    scorer_free(&sc);
    free(h0);
    free(want);
    free(fs);
    dataset_free(&ds);
}

static void test_fullbatch_diagonal(void)
{
    check_diagonal(OBJ_POINTWISE, "lin", 1, 1);
    check_diagonal(OBJ_POINTWISE, "lin:w=0.05+sigmoid:a=1.5,c=1.5", 1, 1);
    check_diagonal(OBJ_MULTICLASS_POINTWISE, "lin:w=0.2+sigmoid:a=1,c=-1", 3, 1);
    check_diagonal(OBJ_MULTICLASS, "lin", 3, 0);
    check_diagonal(OBJ_LISTWISE, "lin", 1, 0);
}

static void last_objective(void *ctx, const sm_epoch_info *e)
{
    *(double *)ctx = e->train_objective;
}

static sm_train_config lbfgs_config(sm_objective_kind kind, const char *link, double l2, int K)
{
    sm_train_config cfg;
    train_config_default(&cfg);
    cfg.solver = SOLVER_LBFGS;
    cfg.objective.kind = kind;
    cfg.optim.l2 = l2;
    cfg.threads = 2;
    cfg.objective.n_out = cfg.scorer.n_out = K;
    cfg.objective.target = K > 1 ? TARGET_PROB : TARGET_DEFAULT;
    CHECK(link_parse(link, &cfg.objective.link, NULL) == SM_OK);
    CHECK(objective_check(&cfg.objective, NULL) == SM_OK);
    return cfg;
}

/* Train; the model's parameters back on the scaled features (theta, P
 * values) and the last objective reported. */
static int train_theta(const sm_dataset *ds, const sm_train_config *cfg, const double *fs,
                       double *theta, double *reported, sm_model *m)
{
    sm_train_config run = *cfg;
    sm_error err;
    run.on_epoch = last_objective;
    run.ctx = reported;
    model_init(m);
    if (train_run(ds, NULL, &run, m, &err) != SM_OK) {
        fprintf(stderr, "  train_run: %s\n", err.msg);
        return 0;
    }
    int K = cfg->scorer.n_out;
    for (int64_t i = 0; i < ((int64_t)ds->dim + 1) * K; i++)
        theta[i] = i < (int64_t)ds->dim * K ? m->param[i] / fs[i / K] : m->param[i];
    return 1;
}

/* The weighted mean square loss (s - y)^2 / 2 plus (l2/2)||w||^2 of theta
 * (dim weights on the scaled features, bias). */
static double square_objective(const sm_dataset *ds, const double *fs, const double *theta,
                               double l2)
{
    double sum = 0.0, weight = 0.0, penalty = 0.0;
    for (int64_t r = 0; r < ds->n_rows; r++) {
        double s = theta[ds->dim], w = ds->weight ? ds->weight[r] : 1.0;
        for (int64_t k = ds->row_ptr[r]; k < ds->row_ptr[r + 1]; k++)
            s += theta[ds->col[k]] * fs[ds->col[k]] * ds->val[k];
        sum += w * 0.5 * (s - ds->label[r]) * (s - ds->label[r]);
        weight += w;
    }
    for (int32_t j = 0; j < ds->dim; j++)
        penalty += 0.5 * l2 * theta[j] * theta[j];
    return sum / weight + penalty;
}

/* Pointwise lin with weights and L2: the normal equations
 * (A'WA / sum w + l2 I_w) theta = A'Wy / sum w, A = [scaled x, 1]. */
static void test_pointwise_normal_equations(void)
{
    enum { D = 6, N = D + 1 };
    const double l2 = 0.05;
    sm_dataset ds;
    make_data(&ds, 300, 1, D, 1, 21);
    double *fs = maxabs(&ds), A[N * N] = {0}, b[N] = {0}, best[N], theta[N], reported = NAN;
    double total = 0.0;
    for (int64_t r = 0; r < ds.n_rows; r++) {
        double a[N], w = ds.weight[r];
        a[D] = 1.0;
        for (int j = 0; j < D; j++)
            a[j] = ds.val[r * D + j] * fs[j];
        for (int i = 0; i < N; i++) {
            b[i] += w * a[i] * ds.label[r];
            for (int j = 0; j < N; j++)
                A[i * N + j] += w * a[i] * a[j];
        }
        total += w;
    }
    for (int i = 0; i < N * N; i++)
        A[i] /= total;
    for (int i = 0; i < N; i++)
        b[i] /= total, A[i * N + i] += i < D ? l2 : 0.0;
    cholesky_solve(N, A, b, best);
    double optimum = square_objective(&ds, fs, best, l2);
    sm_train_config cfg = lbfgs_config(OBJ_POINTWISE, "lin", l2, 1);
    sm_model m;
    if (CHECK(train_theta(&ds, &cfg, fs, theta, &reported, &m))) {
        double got = square_objective(&ds, fs, theta, l2);
        if (!CHECK(got >= optimum * (1 - 1e-12) && got <= optimum * (1 + 1e-3)))
            fprintf(stderr, "  trained %.12g, optimum %.12g\n", got, optimum);
        CHECK_REL(reported, got, 1e-9); /* the table's objective is the exact one */
        CHECK_STREQ(model_get_info(&m, "stop_reason"), "converged");
        CHECK_STREQ(model_get_info(&m, "solver"), "lbfgs");
        for (int j = 0; j < N; j++) /* and the minimiser with it */
            CHECK_CLOSE(theta[j], best[j], 1e-3 * fmax(1.0, fabs(best[j])));
    }
    model_free(&m);
    free(fs);
    dataset_free(&ds);
}

/* Listwise with lin: KL(q || softmax(s/T)), q = softmax(y/T), a weighted
 * mean over queries plus (l2/2)||w||^2, minimised by Newton's method here
 * (the bias drops out of the softmax). theta: D weights (scaled space). */
static double listwise_newton_step(const sm_dataset *ds, const double *fs, double T, double l2,
                                   const double *w, double *step)
{
    enum { D = 5, G = 8 };
    double g[D] = {0}, H[D * D] = {0}, f = 0.0, total = 0.0;
    for (int64_t q = 0; q < ds->n_groups; q++) {
        int64_t b = ds->group_ptr[q];
        double x[G][D], s[G], p[G], t[G], mp = -INFINITY, mt = -INFINITY, zp = 0, zt = 0;
        double wq = ds->weight ? ds->weight[b] : 1.0, px[D] = {0};
        for (int i = 0; i < G; i++) {
            s[i] = 0.0;
            for (int j = 0; j < D; j++)
                s[i] += w[j] * (x[i][j] = ds->val[(b + i) * D + j] * fs[j]);
            mp = fmax(mp, s[i] / T);
            mt = fmax(mt, ds->label[b + i] / T);
        }
        for (int i = 0; i < G; i++)
            zp += (p[i] = exp(s[i] / T - mp)), zt += (t[i] = exp(ds->label[b + i] / T - mt));
        for (int i = 0; i < G; i++) {
            p[i] /= zp, t[i] /= zt;
            f += wq * t[i] * (log(t[i]) - log(p[i]));
            for (int j = 0; j < D; j++) {
                g[j] += wq * (p[i] - t[i]) * x[i][j] / T;
                px[j] += p[i] * x[i][j];
            }
        }
        for (int i = 0; i < G; i++)
            for (int j = 0; j < D; j++)
                for (int k = 0; k < D; k++)
                    H[j * D + k] += wq * p[i] * (x[i][j] - px[j]) * (x[i][k] - px[k]) / (T * T);
        total += wq;
    }
    for (int j = 0; j < D; j++) {
        g[j] = g[j] / total + l2 * w[j];
        for (int k = 0; k < D; k++)
            H[j * D + k] = H[j * D + k] / total + (j == k ? l2 : 0.0);
    }
    cholesky_solve(D, H, g, step);
    double penalty = 0.0;
    for (int j = 0; j < D; j++)
        penalty += 0.5 * l2 * w[j] * w[j];
    return f / total + penalty;
}

static void test_listwise_newton(void)
{
    enum { D = 5 };
    const double l2 = 1e-3, T = 0.8;
    sm_dataset ds;
    make_data(&ds, 60, 8, D, 1, 33);
    double *fs = maxabs(&ds), w[D] = {0}, step[D], theta[(D + 1)], optimum = INFINITY, reported;
    for (int it = 0; it < 30; it++) { /* full Newton steps: the loss is smooth and convex */
        optimum = listwise_newton_step(&ds, fs, T, l2, w, step);
        for (int j = 0; j < D; j++)
            w[j] -= step[j];
    }
    optimum = listwise_newton_step(&ds, fs, T, l2, w, step);
    sm_train_config cfg = lbfgs_config(OBJ_LISTWISE, "lin", l2, 1);
    cfg.objective.temperature = T;
    sm_model m;
    if (CHECK(train_theta(&ds, &cfg, fs, theta, &reported, &m))) {
        double got = listwise_newton_step(&ds, fs, T, l2, theta, step);
        if (!CHECK(got >= optimum * (1 - 1e-12) && got <= optimum * (1 + 1e-3)))
            fprintf(stderr, "  trained %.12g, optimum %.12g\n", got, optimum);
        CHECK_REL(reported, got, 1e-9);
    }
    model_free(&m);
    free(fs);
    dataset_free(&ds);
}

/* The same model bytes for any number of threads, with several chunks of
 * units, rows and features: enough rows that a pass takes every thread
 * (fullbatch.c gives a pass of little work one thread), one score a row
 * and three. */
static void check_threads_same_model(sm_objective_kind kind, const char *link, int K)
{
    sm_dataset ds;
    make_data(&ds, K > 1 ? 60000 : 150000, 1, 8, 1, 5);
    if (K > 1)
        add_targets(&ds, K, 1);
    sm_model m[3];
    int threads[3] = {1, 2, 5};
    for (int i = 0; i < 3; i++) {
        sm_train_config cfg = lbfgs_config(kind, link, 1e-3, K);
        cfg.tol = 0.0; /* every iteration up to the cap */
        cfg.threads = threads[i];
        cfg.max_iter = 6;
        model_init(&m[i]);
        CHECK(train_run(&ds, NULL, &cfg, &m[i], NULL) == SM_OK);
    }
    for (int i = 1; i < 3; i++)
        CHECK(memcmp(m[0].param, m[i].param, (size_t)(ds.dim + 1) * K * sizeof *m[0].param) == 0);
    CHECK_STREQ(model_get_info(&m[0], "stop_reason"), "max-iter");
    CHECK_STREQ(model_get_info(&m[0], "iterations"), "6");
    for (int i = 0; i < 3; i++)
        model_free(&m[i]);
    dataset_free(&ds);
}

static void test_threads_same_model(void)
{
    check_threads_same_model(OBJ_POINTWISE, "lin:w=0.1+sigmoid:a=2,c=1.5", 1);
    check_threads_same_model(OBJ_MULTICLASS, "lin", 3);
}

/* The engine's default solver is the command line's auto: L-BFGS for a
 * linear scorer (its model says so), SGD for an MLP (its epochs, each
 * reported as one of cfg.epochs). */
static void count_epoch(void *ctx, const sm_epoch_info *e)
{
    int *seen = ctx;
    seen[0]++;
    seen[1] = e->epochs;
}

static void test_default_solver(void)
{
    sm_dataset ds;
    make_data(&ds, 200, 1, 3, 0, 17);
    for (int mlp = 0; mlp < 2; mlp++) {
        sm_train_config cfg;
        int seen[2] = {0, 0};
        train_config_default(&cfg);
        CHECK(cfg.solver == SOLVER_AUTO);
        if (mlp)
            CHECK(scorer_config_parse("mlp:4", &cfg.scorer, NULL) == SM_OK);
        CHECK(train_solver(&cfg) == (mlp ? SOLVER_SGD : SOLVER_LBFGS));
        cfg.on_epoch = count_epoch;
        cfg.ctx = seen;
        sm_model m;
        model_init(&m);
        if (CHECK(train_run(&ds, NULL, &cfg, &m, NULL) == SM_OK) && mlp) {
            CHECK(model_get_info(&m, "solver") == NULL); /* (train_run names L-BFGS only) */
            CHECK(seen[0] == cfg.epochs && seen[1] == cfg.epochs);
        } else if (!mlp) {
            CHECK_STREQ(model_get_info(&m, "solver"), "lbfgs");
            CHECK(seen[1] == cfg.max_iter && seen[0] < cfg.max_iter);
        }
        model_free(&m);
    }
    dataset_free(&ds);
}

/* ---- objectives without a minimum ---- */

static void check_refused(const char *link, double l2, const char *why)
{
    sm_dataset ds;
    make_data(&ds, 12, 1, 2, 0, 9);
    for (int64_t r = 0; r < ds.n_rows; r++) /* separable: the class is the sign of x_0 */
        ds.label[r] = ds.val[r * 2] > 0;
    add_targets(&ds, 2, 1);
    sm_train_config cfg = lbfgs_config(OBJ_MULTICLASS, link, l2, 2);
    sm_model m;
    sm_error err;
    model_init(&m);
    if (CHECK(train_run(&ds, NULL, &cfg, &m, &err) == SM_EDATA)) {
        CHECK_CONTAINS(err.msg, "has no minimum");
        CHECK_CONTAINS(err.msg, why);
    }
    model_free(&m);
    dataset_free(&ds);
}

static void test_no_minimum_refused(void)
{
    check_refused("lin", 0.0, "the data are separable");
    check_refused("lin:w=0.2+exp:a=1", 1e-2, "every score shifts up");
}

static const test_case cases[] = {
    TEST(test_lbfgs_quadratic),
    TEST(test_lbfgs_diagonal_preconditioner),
    TEST(test_lbfgs_rosenbrock),
    TEST(test_lbfgs_not_finite_is_too_long),
    TEST(test_gradient_every_objective),
    TEST(test_pointwise_normal_equations),
    TEST(test_listwise_newton),
    TEST(test_fullbatch_diagonal),
    TEST(test_threads_same_model),
    TEST(test_default_solver),
    TEST(test_no_minimum_refused),
};

TEST_MAIN(cases)
