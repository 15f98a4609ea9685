#include "fullbatch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parallel.h"
#include "rng.h"
#include "linear.h"
#include "train_pass.h"

/* The chunk sizes: a pass's result depends on them, never on the threads.
 * Units are cheap next to a row's scores, so a chunk holds a few hundred. */
enum { CHUNK_UNITS = 256, CHUNK_NNZ = 1 << 16 };

/* The least work (nonzeros and units, times the scores a row) worth a
 * thread of its own in a pass: starting one and waiting for it costs tens
 * of microseconds, and far more on a busy machine, where a pass of a small
 * data set would spend most of its time waiting for threads to be scheduled
 * (the results do not depend on it: the chunks are fixed). */
#define THREAD_MIN_WORK (1 << 18)

struct sm_fullbatch {
    sm_fullbatch_config cfg;
    sm_scorer *sc;
    int64_t K, P, n_units;
    /* the features by column: rows and values of feature j at
     * [col_ptr[j], col_ptr[j + 1]); columns cut into chunks of about
     * CHUNK_NNZ nonzeros, chunk c being [col_chunk[c], col_chunk[c + 1]) */
    int64_t *col_ptr;
    int32_t *col_row;
    float *col_val;
    int32_t *col_chunk;
    int64_t n_col_chunks;
    double *scores, *dscores;  /* n_rows x K */
    double *unit_sums;         /* per chunk of units: loss, weight, K bias gradients */
    double *state;             /* the scorer's state: theta, then the scale 1 */
    double *grad;              /* P + 2: the gradient, then loss and weight (summed) */
    sm_objective_work work[PARALLEL_MAX_THREADS];
    int workers;
    int threads; /* for a pass: the configured ones, fewer for little work */
};

static int64_t chunks_of(int64_t n, int64_t size) { return n > 0 ? (n + size - 1) / size : 0; }

/* The transposed features and their chunks of columns. */
static sm_status transpose(sm_fullbatch *fb, sm_error *err)
{
    const sm_dataset *ds = fb->cfg.ds;
    int32_t dim = ds->dim;
    if (ds->n_rows > INT32_MAX)
        return sm_fail(err, SM_EDATA, "%s: the full-batch solver takes at most %ld rows a "
                       "process", ds->source, (long)INT32_MAX);
    fb->col_ptr = calloc((size_t)dim + 1, sizeof *fb->col_ptr);
    fb->col_row = malloc((size_t)(ds->nnz > 0 ? ds->nnz : 1) * sizeof *fb->col_row);
    fb->col_val = malloc((size_t)(ds->nnz > 0 ? ds->nnz : 1) * sizeof *fb->col_val);
    fb->col_chunk = malloc(((size_t)chunks_of(ds->nnz, CHUNK_NNZ) + (size_t)dim + 2) *
                           sizeof *fb->col_chunk);
    if (!fb->col_ptr || !fb->col_row || !fb->col_val || !fb->col_chunk)
        return sm_fail(err, SM_EFAIL, "out of memory for a transposed copy of %s", ds->source);
    for (int64_t r = 0; r < ds->n_rows; r++) {
        sm_row w = dataset_row(ds, r);
        for (int64_t k = 0; k < w.n; k++)
            fb->col_ptr[row_index(w.col, w.first, k) + 1]++;
    }
    for (int32_t j = 0; j < dim; j++)
        fb->col_ptr[j + 1] += fb->col_ptr[j];
    int64_t *next = malloc((size_t)(dim > 0 ? dim : 1) * sizeof *next);
    if (!next)
        return sm_fail(err, SM_EFAIL, "out of memory for a transposed copy of %s", ds->source);
    memcpy(next, fb->col_ptr, (size_t)dim * sizeof *next);
    for (int64_t r = 0; r < ds->n_rows; r++) {
        sm_row w = dataset_row(ds, r);
        for (int64_t k = 0; k < w.n; k++) {
            int64_t at = next[row_index(w.col, w.first, k)]++;
            fb->col_row[at] = (int32_t)r;
            fb->col_val[at] = w.val[k];
        }
    }
    free(next);
    fb->n_col_chunks = 0;
    fb->col_chunk[0] = 0;
    for (int32_t j = 0; j < dim; j++)
        if (fb->col_ptr[j + 1] - fb->col_ptr[fb->col_chunk[fb->n_col_chunks]] >= CHUNK_NNZ ||
            j + 1 == dim)
            fb->col_chunk[++fb->n_col_chunks] = j + 1;
    return SM_OK;
}

sm_status fullbatch_init(sm_fullbatch **out, const sm_fullbatch_config *cfg, sm_scorer *sc,
                         sm_error *err)
{
    sm_fullbatch *fb = calloc(1, sizeof *fb);
    *out = fb;
    if (!fb)
        return sm_fail(err, SM_EFAIL, "out of memory");
    fb->cfg = *cfg;
    fb->sc = sc;
    fb->K = cfg->obj->n_out > 0 ? cfg->obj->n_out : 1;
    fb->P = scorer_param_count(sc);
    const sm_dataset *ds = cfg->ds;
    fb->n_units = objective_unit_count(cfg->obj, ds);
    size_t scores = (size_t)(ds->n_rows > 0 ? ds->n_rows : 1) * (size_t)fb->K;
    int64_t n_chunks = chunks_of(fb->n_units, CHUNK_UNITS);
    fb->scores = malloc(scores * sizeof *fb->scores);
    fb->dscores = malloc(scores * sizeof *fb->dscores);
    fb->unit_sums = malloc((size_t)(n_chunks + 1) * (size_t)(fb->K + 2) * sizeof *fb->unit_sums);
    fb->state = malloc((size_t)(fb->P + 1) * sizeof *fb->state);
    fb->grad = malloc((size_t)(fb->P + 2) * sizeof *fb->grad);
    if (!fb->scores || !fb->dscores || !fb->unit_sums || !fb->state || !fb->grad)
        return sm_fail(err, SM_EFAIL, "out of memory for the scores of %s", ds->source);
    int64_t longest = pass_longest_query(ds) > fb->K ? pass_longest_query(ds) : fb->K;
    int64_t work = (ds->nnz + fb->n_units) * fb->K / THREAD_MIN_WORK;
    fb->threads = parallel_threads(cfg->threads);
    if (work < fb->threads)
        fb->threads = work > 1 ? (int)work : 1;
    fb->workers = parallel_workers(fb->threads, n_chunks);
    sm_status st = SM_OK;
    for (int w = 0; w < fb->workers && st == SM_OK; w++) {
        objective_work_init(&fb->work[w], cfg->seed);
        st = objective_work_reserve(&fb->work[w], longest, err);
    }
    return st == SM_OK && !cfg->streaming ? transpose(fb, err) : st;
}

void fullbatch_free(sm_fullbatch *fb)
{
    if (!fb)
        return;
    for (int w = 0; w < fb->workers; w++)
        objective_work_free(&fb->work[w]);
    free(fb->col_ptr);
    free(fb->col_row);
    free(fb->col_val);
    free(fb->col_chunk);
    free(fb->scores);
    free(fb->dscores);
    free(fb->unit_sums);
    free(fb->state);
    free(fb->grad);
    free(fb);
}

int64_t fullbatch_param_count(const sm_fullbatch *fb) { return fb->P; }

/* The scorer keeps its weights as scale * v (linear.h). */
void fullbatch_get(const sm_fullbatch *fb, double *theta)
{
    scorer_save_state(fb->sc, fb->state);
    double scale = fb->state[fb->P];
    int64_t n_weights = fb->P - fb->K;
    for (int64_t i = 0; i < fb->P; i++)
        theta[i] = i < n_weights ? scale * fb->state[i] : fb->state[i];
}

void fullbatch_put(sm_fullbatch *fb, const double *theta)
{
    memcpy(fb->state, theta, (size_t)fb->P * sizeof *fb->state);
    fb->state[fb->P] = 1.0;
    scorer_restore_state(fb->sc, fb->state);
}

static double feature_scale(const sm_fullbatch *fb, int32_t j);

sm_status fullbatch_diagonal(sm_fullbatch *fb, double *h0, int *set, sm_error *err)
{
    const sm_objective *obj = fb->cfg.obj;
    const sm_dataset *ds = fb->cfg.ds;
    const int64_t K = fb->K, P = fb->P;
    *set = obj->kind == OBJ_POINTWISE || obj->kind == OBJ_MULTICLASS_POINTWISE;
    if (!*set)
        return SM_OK;
    /* sums in row order, on one thread (one pass, before the iterations):
     * P curvature sums (the biases' last), then the rows' weight */
    double *sum = fb->grad;
    memset(sum, 0, (size_t)(P + 1) * sizeof *sum);
    for (int64_t r = 0; r < ds->n_rows; r++) {
        double w = objective_unit_weight(ds, r);
        const double *y = objective_unit_targets(obj, ds, r);
        for (int64_t k = 0; k < K; k++) {
            double c = w * link_dh(&obj->link, y[k]);
            sm_row row = dataset_row(ds, r);
            for (int64_t at = 0; at < row.n; at++) {
                int64_t j = row_index(row.col, row.first, at);
                double x = (double)row.val[at] * feature_scale(fb, (int32_t)j);
                sum[j * K + k] += c * x * x;
            }
            sum[P - K + k] += c;
        }
        sum[P] += w;
    }
    sm_status st = SM_OK;
    if (dist_many(fb->cfg.dist) && (st = dist_sum(fb->cfg.dist, sum, P + 1, err)) != SM_OK)
        return st;
    for (int64_t i = 0; i < P; i++) {
        double d = (sum[P] > 0.0 ? sum[i] / sum[P] : 0.0) + (i < P - K ? fb->cfg.l2 : 0.0);
        /* (a feature never seen, without --l2: nothing to scale by) */
        h0[i] = d > 0.0 && isfinite(d) ? 1.0 / d : 1.0;
    }
    return SM_OK;
}

/* The penalty part of F(theta): (l2/2) ||W||^2. */
static double fullbatch_penalty(const sm_fullbatch *fb, const double *theta)
{
    double sum = 0.0;
    for (int64_t i = 0; i < fb->P - fb->K; i++)
        sum += theta[i] * theta[i];
    return 0.5 * fb->cfg.l2 * sum;
}

/* ---- a pass ---- */

/* The loss and gradient of the scores of a chunk of units: its loss, the
 * weight of its units and its K bias gradients into unit_sums, its rows'
 * gradients into dscores (each unit's weighing w_u). */
static void unit_chunk(void *ctx, int64_t chunk, int worker)
{
    sm_fullbatch *fb = ctx;
    const sm_objective *obj = fb->cfg.obj;
    const sm_dataset *ds = fb->cfg.ds;
    const int64_t K = fb->K;
    sm_objective_work *work = &fb->work[worker];
    int64_t first = chunk * CHUNK_UNITS;
    int64_t last = first + CHUNK_UNITS < fb->n_units ? first + CHUNK_UNITS : fb->n_units;
    int sampled = objective_samples_pairs(obj);
    double *sums = fb->unit_sums + chunk * (K + 2), loss = 0.0, weight = 0.0;
    int64_t b, e, k, row_first, row_last;
    objective_unit_rows(obj, ds, first, &row_first, &e);
    objective_unit_rows(obj, ds, last - 1, &b, &row_last);
    memset(fb->dscores + row_first * K, 0, (size_t)((row_last - row_first) * K) * sizeof(double));
    for (int64_t u = first; u < last; u++) {
        objective_unit_rows(obj, ds, u, &b, &e);
        double w = objective_unit_weight(ds, b);
        if (sampled) /* the same pairs in every pass */
            rng_seed(&work->rng, fb->cfg.seed ^ (0x9e3779b97f4a7c15ULL * (uint64_t)(u + 1)));
        loss += w * objective_forward_backward(obj, fb->scores + b * K,
                                               objective_unit_targets(obj, ds, b), e - b, w,
                                               fb->dscores + b * K, &k, work);
        weight += w * (double)k;
    }
    sums[0] = loss;
    sums[1] = weight;
    for (int64_t c = 0; c < K; c++)
        sums[2 + c] = 0.0;
    for (int64_t r = row_first; r < row_last; r++)
        for (int64_t c = 0; c < K; c++)
            sums[2 + c] += fb->dscores[r * K + c];
}

/* The input scale of feature j as the scorer keeps it (linear.h: a float). */
static double feature_scale(const sm_fullbatch *fb, int32_t j)
{
    return fb->cfg.fs ? (double)(float)fb->cfg.fs[j] : 1.0;
}

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* Classes k0 .. k0 + width - 1 of feature j's gradient: the sums over its
 * rows, in row order, held in registers (width a constant once inlined:
 * independent chains of additions), then times the feature's scale. */
static ALWAYS_INLINE void feature_block(const sm_fullbatch *fb, int32_t j, int64_t k0,
                                        const int width)
{
    const int64_t K = fb->K;
    const int32_t *restrict row = fb->col_row;
    const float *restrict val = fb->col_val;
    const double *restrict dscores = fb->dscores + k0;
    double a[LINEAR_BLOCK] = {0.0};
    for (int64_t at = fb->col_ptr[j]; at < fb->col_ptr[j + 1]; at++) {
        const double *d = dscores + (int64_t)row[at] * K;
        double x = val[at];
        LINEAR_UNROLL
        for (int k = 0; k < width; k++)
            a[k] += x * d[k];
    }
    double scale = feature_scale(fb, j);
    LINEAR_UNROLL
    for (int k = 0; k < width; k++)
        fb->grad[(int64_t)j * K + k0 + k] = a[k] * scale;
}

/* The weights' gradient of a chunk of features: for each, the sum over its
 * rows (in row order) of x_ij times the rows' score gradients, LINEAR_BLOCK
 * classes at a time. */
static void feature_chunk(void *ctx, int64_t chunk, int worker)
{
    (void)worker;
    sm_fullbatch *fb = ctx;
    const int64_t K = fb->K;
    for (int32_t j = fb->col_chunk[chunk]; j < fb->col_chunk[chunk + 1]; j++)
        for (int64_t k0 = 0; k0 < K; k0 += LINEAR_BLOCK)
            switch (K - k0 < LINEAR_BLOCK ? K - k0 : LINEAR_BLOCK) {
#define WIDTH_CASE(w) case w: feature_block(fb, j, k0, w); break;
                LINEAR_BLOCK_WIDTHS(WIDTH_CASE)
#undef WIDTH_CASE
            }
}

/* The weights' gradient as feature_chunk sums it, from the rows in order
 * (streaming: the data are read once, in order, and never copied). */
static void gradient_by_rows(sm_fullbatch *fb)
{
    const sm_dataset *ds = fb->cfg.ds;
    const int64_t K = fb->K;
    for (int64_t r = 0; r < ds->n_rows; r++) {
        const double *d = fb->dscores + r * K;
        sm_row w = dataset_row(ds, r);
        for (int64_t at = 0; at < w.n; at++) {
            double *g = fb->grad + (int64_t)row_index(w.col, w.first, at) * K, x = w.val[at];
            for (int64_t c = 0; c < K; c++)
                g[c] += x * d[c];
        }
    }
    for (int32_t j = 0; j < ds->dim; j++)
        for (int64_t c = 0; c < K; c++)
            fb->grad[(int64_t)j * K + c] *= feature_scale(fb, j);
}

sm_status fullbatch_eval(void *ctx, const double *theta, double *f, double *grad, sm_error *err)
{
    sm_fullbatch *fb = ctx;
    const int64_t K = fb->K, P = fb->P;
    const sm_dataset *ds = fb->cfg.ds;
    int64_t n_chunks = chunks_of(fb->n_units, CHUNK_UNITS);
    fullbatch_put(fb, theta);
    pass_scores(fb->sc, ds, fb->threads, fb->scores);
    parallel_for(fb->threads, n_chunks, unit_chunk, fb);
    memset(fb->grad, 0, (size_t)(P + 2) * sizeof *fb->grad);
    if (fb->cfg.streaming)
        gradient_by_rows(fb);
    else
        parallel_for(fb->threads, fb->n_col_chunks, feature_chunk, fb);
    double *total = fb->grad + P;
    for (int64_t c = 0; c < n_chunks; c++) {
        const double *sums = fb->unit_sums + c * (K + 2);
        total[0] += sums[0];
        total[1] += sums[1];
        for (int64_t k = 0; k < K; k++)
            fb->grad[P - K + k] += sums[2 + k];
    }
    sm_status st = SM_OK;
    if (dist_many(fb->cfg.dist) && (st = dist_sum(fb->cfg.dist, fb->grad, P + 2, err)) != SM_OK)
        return st;
    double weight = total[1], l2 = fb->cfg.l2;
    *f = weight > 0.0 ? total[0] / weight + fullbatch_penalty(fb, theta) : NAN;
    for (int64_t i = 0; i < P; i++) {
        grad[i] = fb->grad[i] / weight + (i < P - K ? l2 * theta[i] : 0.0);
        if (!isfinite(grad[i]))
            *f = NAN;
    }
    return SM_OK;
}
