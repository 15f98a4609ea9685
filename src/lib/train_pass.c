#include "train_pass.h"

#include <math.h>
#include <stdlib.h>

#include "memhint.h"
#include "parallel.h"

/* The chunk sizes: a pass's result depends on them, never on the threads. */
enum { PASS_CHUNK_NNZ = 1 << 20, PASS_CHUNK_ROWS = 1 << 14 };

static int64_t chunks_of(int64_t n, int64_t size) { return n > 0 ? (n + size - 1) / size : 0; }
/* One past the last item of a chunk. */
static int64_t chunk_end(int64_t chunk, int64_t size, int64_t n)
{
    return (chunk + 1) * size < n ? (chunk + 1) * size : n;
}

int64_t pass_longest_query(const sm_dataset *ds)
{
    int64_t m = 1;
    for (int64_t g = 0; g < ds->n_groups; g++)
        if (ds->group_ptr[g + 1] - ds->group_ptr[g] > m)
            m = ds->group_ptr[g + 1] - ds->group_ptr[g];
    return m;
}

/* ---- feature scales ---- */

typedef struct {
    const sm_dataset *ds;
    float *max_abs; /* one array of dim maxima per worker */
    size_t dim;
} maxabs_pass;

/* The maxima are found in float arrays (the values are floats, so exactly):
 * half the footprint of doubles. The maximum is stored unconditionally: a
 * rare feature gets a new maximum at most of its occurrences, and the
 * mispredicted branch of a conditional store would serialise the random
 * loads (measured 3-4x slower on the sparse benchmark). */
static void maxabs_chunk(void *ctx, int64_t chunk, int worker)
{
    maxabs_pass *m = ctx;
    float *max_abs = m->max_abs + (size_t)worker * m->dim;
    const sm_dataset *ds = m->ds;
    int64_t start = chunk * PASS_CHUNK_NNZ, end = chunk_end(chunk, PASS_CHUNK_NNZ, ds->nnz);
    /* the chunk's nonzeros, row by row (a run's indices are not stored) */
    for (int64_t r = dataset_row_of(ds, start); r < ds->n_rows && ds->row_ptr[r] < end; r++) {
        sm_row w = dataset_row(ds, r);
        int64_t b = ds->row_ptr[r];
        int64_t k = start > b ? start - b : 0, last = end - b < w.n ? end - b : w.n;
        for (; k < last; k++) {
            int32_t j = row_index(w.col, w.first, k);
            float a = fabsf(w.val[k]), old = max_abs[j];
            max_abs[j] = a > old ? a : old;
        }
    }
}

/* Each thread keeps maxima of its own (a maximum does not depend on the
 * order); with no memory for them, one thread does it all. */
sm_status pass_maxabs_scales(const sm_dataset *ds, int threads, sm_dist *dist, double **scales,
                             sm_error *err)
{
    size_t dim = ds->dim > 0 ? (size_t)ds->dim : 1;
    int64_t n_chunks = chunks_of(ds->nnz, PASS_CHUNK_NNZ);
    int workers = parallel_workers(threads, n_chunks);
    double *fs = malloc(dim * sizeof *fs);
    float *max_abs = calloc((size_t)workers * dim, sizeof *max_abs);
    if (!max_abs && workers > 1)
        max_abs = calloc(dim, sizeof *max_abs), workers = 1;
    *scales = NULL;
    if (!fs || !max_abs) {
        free(fs);
        free(max_abs);
        return sm_fail(err, SM_EFAIL, "out of memory");
    }
    sm_prefault(max_abs, (size_t)workers * dim * sizeof *max_abs);
    sm_prefault(fs, dim * sizeof *fs);
    maxabs_pass m = {ds, max_abs, dim};
    parallel_for(workers, n_chunks, maxabs_chunk, &m);
    for (int w = 1; w < workers; w++)
        for (size_t j = 0; j < dim; j++)
            max_abs[j] = fmaxf(max_abs[j], max_abs[(size_t)w * dim + j]);
    if (dist_many(dist)) {
        /* the maxima of all shares, exactly (floats in doubles) */
        for (int32_t j = 0; j < ds->dim; j++)
            fs[j] = max_abs[j];
        sm_status st = dist_max(dist, fs, ds->dim, err);
        for (int32_t j = 0; j < ds->dim; j++)
            max_abs[j] = (float)fs[j];
        if (st != SM_OK) {
            free(fs);
            free(max_abs);
            return st;
        }
    }
    for (int32_t j = 0; j < ds->dim; j++)
        fs[j] = max_abs[j] > 0.0f ? 1.0 / (double)max_abs[j] : 1.0;
    free(max_abs);
    *scales = fs;
    return SM_OK;
}

/* ---- curvature ---- */

/* The rows [b, e) of a query, for objective_query_curvature's spread. */
typedef struct {
    const sm_dataset *ds;
    const double *fs;
    int64_t b, e;
    double *acc; /* dim zeroed doubles, left zeroed */
} query_rows;

/* sum_i w_i ||c_i g_i||^2 - ||sum_i w_i c_i g_i||^2 with g_i = (x_i, 1) over
 * the query's rows, the sum accumulated densely in acc. */
static double query_spread(void *ctx, const double *w, const double *c)
{
    const query_rows *q = ctx;
    const sm_dataset *ds = q->ds;
    double *acc = q->acc, sq = 0.0, mean_bias = 0.0, mean_sq = 0.0;
    for (int64_t r = q->b; r < q->e; r++) {
        double wc = w[r - q->b] * c[r - q->b], norm2 = 1.0;
        sm_row row = dataset_row(ds, r);
        for (int64_t k = 0; k < row.n; k++) {
            int32_t j = row_index(row.col, row.first, k);
            double x = (double)row.val[k] * (q->fs ? q->fs[j] : 1.0);
            norm2 += x * x;
            acc[j] += wc * x;
        }
        sq += w[r - q->b] * c[r - q->b] * c[r - q->b] * norm2;
        mean_bias += wc;
    }
    mean_sq = mean_bias * mean_bias;
    for (int64_t r = q->b; r < q->e; r++) {
        sm_row row = dataset_row(ds, r);
        for (int64_t k = 0; k < row.n; k++) {
            int32_t j = row_index(row.col, row.first, k);
            mean_sq += acc[j] * acc[j];
            acc[j] = 0.0; /* each coordinate counted once */
        }
    }
    return sq - mean_sq;
}

/* The (weighted) mean over the units of their curvature, one query after another. */
static sm_status ranking_curvature(const sm_objective *obj, const sm_dataset *ds,
                                   const double *fs, sm_dist *dist, double *trace, sm_error *err)
{
    int64_t longest = pass_longest_query(ds);
    double units = 0.0; /* their weight */
    double *acc = calloc(ds->dim > 0 ? (size_t)ds->dim : 1, sizeof *acc);
    double *buf = malloc((size_t)longest * 3 * sizeof *buf);
    double total = 0.0;
    if (!acc || !buf) {
        free(acc);
        free(buf);
        return sm_fail(err, SM_EFAIL, "out of memory");
    }
    query_rows q = {ds, fs, 0, 0, acc};
    for (int64_t g = 0; g < ds->n_groups; g++) {
        q.b = ds->group_ptr[g];
        q.e = ds->group_ptr[g + 1];
        if (!objective_is_unit(obj, ds->label + q.b, q.e - q.b))
            continue;
        double w = objective_unit_weight(ds, q.b);
        total += w * objective_query_curvature(obj, ds->label + q.b, q.e - q.b, query_spread, &q,
                                               buf);
        units += w;
    }
    free(acc);
    free(buf);
    double sums[2] = {total, units};
    if (dist_many(dist) && dist_sum(dist, sums, 2, err) != SM_OK)
        return SM_EFAIL;
    *trace = sums[1] > 0.0 ? sums[0] / sums[1] : 0.0;
    return SM_OK;
}

typedef struct {
    const sm_objective *obj;
    const sm_dataset *ds;
    const double *fs;
    double *r2, *slope, *lo, *hi; /* per chunk of rows; lo, hi: its labels' range */
    double *weight;               /* per chunk: its rows' weight */
} curvature_pass;

static void curvature_chunk(void *ctx, int64_t chunk, int worker)
{
    (void)worker;
    curvature_pass *c = ctx;
    const sm_dataset *ds = c->ds;
    int64_t end = chunk_end(chunk, PASS_CHUNK_ROWS, ds->n_rows);
    double r2 = 0.0, slope = 0.0, lo = INFINITY, hi = -INFINITY, weight = 0.0;
    for (int64_t r = chunk * PASS_CHUNK_ROWS; r < end; r++) {
        /* (w x) x: without weights (w = 1) the unweighted sum bit for bit,
         * and for a power-of-two w that sum times w exactly */
        double w = objective_unit_weight(ds, r);
        sm_row row = dataset_row(ds, r);
        for (int64_t k = 0; k < row.n; k++) {
            double x = (double)row.val[k] * (c->fs ? c->fs[row_index(row.col, row.first, k)] : 1.0);
            r2 += w * x * x;
        }
        slope += w * objective_label_curvature(c->obj, objective_unit_targets(c->obj, ds, r));
        weight += w;
        lo = fmin(lo, ds->label[r]);
        hi = fmax(hi, ds->label[r]);
    }
    c->weight[chunk] = weight;
    c->r2[chunk] = r2;
    c->slope[chunk] = slope;
    c->lo[chunk] = lo;
    c->hi[chunk] = hi;
}

sm_status pass_curvature(const sm_objective *obj, const sm_dataset *ds, const double *fs,
                         int threads, sm_dist *dist, double *trace, sm_error *err)
{
    *trace = 0.0;
    if (ds->n_rows == 0 && !dist_many(dist))
        return SM_OK;
    if (objective_is_ranking(obj->kind))
        return ranking_curvature(obj, ds, fs, dist, trace, err);
    int64_t n_chunks = chunks_of(ds->n_rows, PASS_CHUNK_ROWS);
    double *sums = malloc((size_t)(n_chunks + 1) * 5 * sizeof *sums);
    if (!sums)
        return sm_fail(err, SM_EFAIL, "out of memory");
    curvature_pass c = {obj, ds, fs, sums, sums + n_chunks, sums + 2 * n_chunks,
                        sums + 3 * n_chunks, sums + 4 * n_chunks};
    parallel_for(threads, n_chunks, curvature_chunk, &c);
    double r2 = 0.0, slope = 0.0, lo = INFINITY, hi = -INFINITY, n = 0.0; /* n: the rows' weight */
    for (int64_t i = 0; i < n_chunks; i++) {
        r2 += c.r2[i];
        slope += c.slope[i];
        n += c.weight[i];
        lo = fmin(lo, c.lo[i]);
        hi = fmax(hi, c.hi[i]);
    }
    free(sums);
    if (dist_many(dist)) {
        double total[3] = {r2, slope, n}, range[2] = {-lo, hi};
        if (dist_sum(dist, total, 3, err) != SM_OK || dist_max(dist, range, 2, err) != SM_OK)
            return SM_EFAIL;
        r2 = total[0], slope = total[1], n = total[2], lo = -range[0], hi = range[1];
        if (n == 0)
            return SM_OK;
    }
    double floor = objective_curvature_floor(obj, lo, hi);
    if (slope / n < floor)
        slope = floor * n;
    *trace = (r2 / n + 1.0) * slope / n;
    return SM_OK;
}

/* ---- scores ---- */

typedef struct {
    sm_scorer *sc;
    const sm_dataset *ds;
    double *scores;
} score_pass;

static void score_chunk(void *ctx, int64_t chunk, int worker)
{
    (void)worker;
    score_pass *p = ctx;
    /* Small pieces keep an MLP's activations and the rows in cache. */
    int64_t rows[256];
    int64_t end = chunk_end(chunk, PASS_CHUNK_ROWS, p->ds->n_rows);
    for (int64_t r0 = chunk * PASS_CHUNK_ROWS; r0 < end; r0 += 256) {
        int64_t n = end - r0 < 256 ? end - r0 : 256;
        for (int64_t i = 0; i < n; i++)
            rows[i] = r0 + i;
        scorer_forward(p->sc, p->ds, rows, n, p->scores + r0 * p->sc->cfg.n_out);
    }
}

/* A row's score does not depend on which thread computes it; a scorer that
 * keeps its activations (an MLP) scores on one thread. */
void pass_scores(sm_scorer *sc, const sm_dataset *ds, int threads, double *scores)
{
    score_pass p = {sc, ds, scores};
    parallel_for(scorer_forward_is_reentrant(sc) ? threads : 1,
                 chunks_of(ds->n_rows, PASS_CHUNK_ROWS), score_chunk, &p);
}

/* ---- the objective ---- */

typedef struct {
    const sm_objective *obj;
    const sm_dataset *ds;
    const double *scores;
    sm_objective_work *work; /* one per worker */
    double *sum;             /* per chunk of units: their weighted loss */
    double *weight;          /* per chunk of units: the weight of those counted */
    int64_t *counted;        /* per chunk of units */
} objective_pass;

static void objective_chunk(void *ctx, int64_t chunk, int worker)
{
    objective_pass *p = ctx;
    const sm_dataset *ds = p->ds;
    const int64_t K = p->obj->n_out;
    int64_t first = chunk * PASS_CHUNK_ROWS;
    int64_t last = chunk_end(chunk, PASS_CHUNK_ROWS, objective_unit_count(p->obj, ds));
    double sum = 0.0, weight = 0.0;
    int64_t counted = 0, k, b, e;
    if (!objective_is_ranking(p->obj->kind) && !ds->weight) {
        /* rows are units of weight 1: the chunk's rows in one call */
        sum = objective_forward(p->obj, p->scores + first * K,
                                objective_unit_targets(p->obj, ds, first), last - first,
                                &counted, &p->work[worker]);
        weight = (double)counted;
    } else {
        for (int64_t u = first; u < last; u++) {
            objective_unit_rows(p->obj, ds, u, &b, &e);
            double w = objective_unit_weight(ds, b);
            sum += w * objective_forward(p->obj, p->scores + b * K,
                                         objective_unit_targets(p->obj, ds, b), e - b, &k,
                                         &p->work[worker]);
            counted += k;
            weight += w * (double)k;
        }
    }
    p->sum[chunk] = sum;
    p->weight[chunk] = weight;
    p->counted[chunk] = counted;
}

sm_status pass_mean_objective(const sm_objective *obj, const sm_dataset *ds,
                              const double *scores, int threads, sm_dist *dist, double *mean,
                              int64_t *units, sm_error *err)
{
    int64_t n_chunks = chunks_of(objective_unit_count(obj, ds), PASS_CHUNK_ROWS);
    int workers = parallel_workers(threads, n_chunks);
    sm_objective_work work[PARALLEL_MAX_THREADS];
    double *sum = malloc((size_t)(n_chunks + 1) * 2 * sizeof *sum);
    int64_t *counted = malloc((size_t)(n_chunks + 1) * sizeof *counted);
    sm_status st = sum && counted ? SM_OK : sm_fail(err, SM_EFAIL, "out of memory");
    int ready = 0;
    for (; ready < workers && st == SM_OK; ready++) {
        objective_work_init(&work[ready], 0);
        st = objective_work_reserve(&work[ready], pass_longest_query(ds) > obj->n_out
                                                      ? pass_longest_query(ds) : obj->n_out, err);
    }
    *mean = NAN;
    *units = 0;
    if (st == SM_OK) {
        objective_pass p = {obj, ds, scores, work, sum, sum + n_chunks + 1, counted};
        parallel_for(workers, n_chunks, objective_chunk, &p);
        double total = 0.0, weight = 0.0;
        for (int64_t c = 0; c < n_chunks; c++) {
            total += sum[c];
            weight += p.weight[c];
            *units += counted[c];
        }
        double all[3] = {total, weight, (double)*units};
        if (dist_many(dist) && (st = dist_sum(dist, all, 3, err)) == SM_OK) {
            total = all[0];
            weight = all[1];
            *units = (int64_t)all[2];
        }
        if (*units && weight > 0.0)
            *mean = total / weight;
    }
    for (int w = 0; w < ready; w++)
        objective_work_free(&work[w]);
    free(sum);
    free(counted);
    return st;
}
