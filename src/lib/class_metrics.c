#include "class_metrics.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void class_config_default(sm_class_config *c)
{
    static const int cutoffs[] = {1, 2, 3, 5};
    memset(c, 0, sizeof *c);
    c->n_cutoffs = 4;
    memcpy(c->cutoff, cutoffs, sizeof cutoffs);
    c->n_bands = 3;
    c->band_end[0] = 1;
    c->band_end[1] = 3;
}

sm_status class_bands_parse(const char *text, sm_class_config *c, sm_error *err)
{
    int n = 0, prev = 0;
    const char *p = text;
    while (*p) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || (*end && *end != ',') || errno || v <= prev || v > 1000000)
            return sm_fail(err, SM_EUSAGE,
                           "--bands '%s': expected increasing whole numbers >= 1 "
                           "(the last rank of each band), at '%s'", text, p);
        if (n == CLASS_MAX_BANDS - 1)
            return sm_fail(err, SM_EUSAGE, "--bands '%s': at most %d bands", text,
                           CLASS_MAX_BANDS);
        c->band_end[n++] = (int)v;
        prev = (int)v;
        p = *end ? end + 1 : end;
        if (*end && !*p)
            return sm_fail(err, SM_EUSAGE, "--bands '%s': a number is missing after ','", text);
    }
    if (n == 0)
        return sm_fail(err, SM_EUSAGE, "--bands: give at least one rank, e.g. 1,3");
    c->n_bands = n + 1;
    return SM_OK;
}

int class_argmax(const double *s, int K)
{
    int best = 0;
    for (int k = 1; k < K; k++)
        if (s[k] > s[best])
            best = k;
    return best;
}

/* Whether class a goes before class b in the pessimistic score order: higher
 * score first; on equal scores the lower target first, then the higher index
 * (the reverse of the target's own order, so every tie costs). */
static int score_before(const double *s, const double *q, int a, int b)
{
    if (s[a] != s[b])
        return s[a] > s[b];
    if (q && q[a] != q[b])
        return q[a] < q[b];
    return a > b;
}

/* Whether a goes before b in the target's order: higher q, then lower index. */
static int target_before(const double *q, int a, int b)
{
    return q[a] != q[b] ? q[a] > q[b] : a < b;
}

/* Stable merge sort of the class indices 0..K-1 by `before` (O(K log K);
 * K can be a vocabulary). tmp has room for K. */
static void sort_classes(int *idx, int *tmp, int K, const double *s, const double *q,
                         int by_target)
{
    for (int k = 0; k < K; k++)
        idx[k] = k;
    for (int width = 1; width < K; width *= 2) {
        for (int lo = 0; lo < K; lo += 2 * width) {
            int mid = lo + width < K ? lo + width : K, hi = lo + 2 * width < K ? lo + 2 * width : K;
            int i = lo, j = mid, o = lo;
            while (i < mid && j < hi) {
                int take_j = by_target ? target_before(q, idx[j], idx[i])
                                       : score_before(s, q, idx[j], idx[i]);
                tmp[o++] = take_j ? idx[j++] : idx[i++];
            }
            while (i < mid)
                tmp[o++] = idx[i++];
            while (j < hi)
                tmp[o++] = idx[j++];
        }
        memcpy(idx, tmp, (size_t)K * sizeof *idx);
    }
}

/* The label class's rank (1 = top) under pessimistic ties, and the class
 * predicted for the confusion matrix: the top class, or on a tie with the
 * label class the first other class of that tie. */
static int label_rank(const double *s, int K, int c, int *predicted)
{
    int rank = 1, top = class_argmax(s, K);
    for (int k = 0; k < K; k++)
        if (k != c && s[k] >= s[c])
            rank++;
    if (top == c && rank > 1)
        for (int k = 0; k < K; k++)
            if (k != c && s[k] == s[c]) {
                top = k;
                break;
            }
    *predicted = top;
    return rank;
}

static int band_of(const sm_class_config *c, int n_bands, int rank /* 1-based */)
{
    int b = 0;
    while (b < n_bands - 1 && rank > c->band_end[b])
        b++;
    return b;
}

static int cutoff_at(const sm_class_config *c, int i, int K)
{
    return c->cutoff[i] < K ? c->cutoff[i] : K;
}

/* One row of weight w against its target q: top-1 agreement, overlaps, NDCG
 * (into sums, weighted) and the band pair counts. by_score, by_target and
 * rank_t (target rank of each class, 0-based) are scratch of K. */
static void target_row(const sm_class_config *c, sm_class_report *r, const double *s,
                       const double *q, double w, int K, int *by_score, int *by_target,
                       int *rank_t, int *tmp, double *sums)
{
    sort_classes(by_score, tmp, K, s, q, 0);
    sort_classes(by_target, tmp, K, s, q, 1);
    for (int k = 0; k < K; k++)
        rank_t[by_target[k]] = k;
    sums[0] += by_score[0] == by_target[0] ? w : 0.0;
    for (int i = 0; i < c->n_cutoffs; i++) {
        int k = cutoff_at(c, i, K), common = 0;
        double dcg = 0.0, ideal = 0.0;
        for (int p = 0; p < k; p++) {
            common += rank_t[by_score[p]] < k;
            dcg += q[by_score[p]] / log2(p + 2.0);
            ideal += q[by_target[p]] / log2(p + 2.0);
        }
        sums[1 + i] += w * ((double)common / (double)k);
        sums[1 + CLASS_MAX_CUTOFFS + i] += w * (ideal > 0.0 ? dcg / ideal : 1.0);
    }
    for (int i = 0; i < K; i++)
        for (int j = 0; j < K; j++)
            if (q[i] > q[j]) {
                int a = band_of(c, r->n_bands, rank_t[i] + 1),
                    b = band_of(c, r->n_bands, rank_t[j] + 1);
                r->band_pairs[a][b]++;
                r->band_ordered[a][b] += s[i] > s[j];
            }
}

static double ratio(double num, double den) { return den > 0.0 ? num / den : NAN; }

/* Precision, recall and F1 per class from the confusion matrix, and their
 * macro means over the classes where each is defined. */
static void per_class_scores(sm_class_report *r)
{
    int K = r->n_classes, np = 0, nr = 0, nf = 0;
    double sp = 0.0, sr = 0.0, sf = 0.0;
    for (int k = 0; k < K; k++) {
        int64_t predicted = 0, tp = r->confusion[(size_t)k * K + k];
        for (int j = 0; j < K; j++)
            predicted += r->confusion[(size_t)j * K + k];
        predicted += r->not_in_model[k];
        double p = ratio((double)tp, (double)predicted), rc = ratio((double)tp, (double)r->support[k]);
        double f = isnan(p) || isnan(rc) ? NAN : p + rc > 0.0 ? 2.0 * p * rc / (p + rc) : 0.0;
        r->precision[k] = p;
        r->recall[k] = rc;
        r->f1[k] = f;
        if (!isnan(p))
            sp += p, np++;
        if (!isnan(rc))
            sr += rc, nr++;
        if (!isnan(f))
            sf += f, nf++;
    }
    r->macro_precision = ratio(sp, np);
    r->macro_recall = ratio(sr, nr);
    r->macro_f1 = ratio(sf, nf);
}

/* The weight of row i (1 without weights) and the rows' total. */
static double row_weight(const double *w, int64_t i) { return w ? w[i] : 1.0; }
static double total_weight(const double *w, int64_t n)
{
    double total = 0.0;
    for (int64_t i = 0; i < n; i++)
        total += row_weight(w, i);
    return total;
}

static sm_status label_rows(const sm_class_config *c, sm_class_report *r, const double *s,
                            int64_t n, int K, const int32_t *labels, const double *w,
                            sm_error *err)
{
    double hits[CLASS_MAX_CUTOFFS] = {0}, correct = 0.0; /* weighted */
    for (int64_t i = 0; i < n; i++) {
        int y = labels[i], top;
        if (y == CLASS_NOT_IN_MODEL) { /* no rank: every cutoff misses it */
            r->not_in_model[class_argmax(s + (size_t)i * K, K)]++;
            r->not_in_model_rows++;
            continue;
        }
        if (y < 0 || y >= K)
            return sm_fail(err, SM_EUSAGE, "row %lld: class index %d is not in 0..%d",
                           (long long)i + 1, y, K - 1);
        int rank = label_rank(s + (size_t)i * K, K, y, &top);
        for (int j = 0; j < c->n_cutoffs; j++)
            hits[j] += rank <= cutoff_at(c, j, K) ? row_weight(w, i) : 0.0;
        correct += top == y ? row_weight(w, i) : 0.0;
        r->confusion[(size_t)y * K + top]++;
        r->support[y]++;
    }
    double total = total_weight(w, n);
    r->accuracy = ratio(correct, total);
    for (int j = 0; j < c->n_cutoffs; j++)
        r->top_k[j] = ratio(hits[j], total);
    per_class_scores(r);
    return SM_OK;
}

static sm_status target_rows(const sm_class_config *c, sm_class_report *r, const double *s,
                             int64_t n, int K, const double *q, const double *w, sm_error *err)
{
    int *scratch = malloc((size_t)K * 4 * sizeof *scratch);
    double sums[1 + 2 * CLASS_MAX_CUTOFFS] = {0};
    if (!scratch)
        return sm_fail(err, SM_EFAIL, "out of memory for the class report");
    for (int64_t i = 0; i < n; i++)
        target_row(c, r, s + (size_t)i * K, q + (size_t)i * K, row_weight(w, i), K, scratch,
                   scratch + K, scratch + 2 * K, scratch + 3 * K, sums);
    free(scratch);
    double total = total_weight(w, n);
    r->top1_agreement = ratio(sums[0], total);
    for (int j = 0; j < c->n_cutoffs; j++) {
        r->overlap[j] = ratio(sums[1 + j], total);
        r->ndcg[j] = ratio(sums[1 + CLASS_MAX_CUTOFFS + j], total);
    }
    return SM_OK;
}

sm_status class_report_compute(const sm_class_config *c, const double *s, int64_t n, int K,
                               const int32_t *labels, const double *q, const double *weight,
                               sm_class_report *out, sm_error *err)
{
    memset(out, 0, sizeof *out);
    out->config = *c;
    /* Cutoffs beyond K count as K: keep each effective cutoff once. */
    out->config.n_cutoffs = 0;
    for (int i = 0; i < c->n_cutoffs; i++) {
        int k = c->cutoff[i] < K ? c->cutoff[i] : K, seen = 0;
        for (int j = 0; j < out->config.n_cutoffs; j++)
            seen |= out->config.cutoff[j] == k;
        if (!seen)
            out->config.cutoff[out->config.n_cutoffs++] = k;
    }
    c = &out->config;
    out->rows = n;
    out->weight = total_weight(weight, n);
    out->n_classes = K;
    out->has_labels = labels != NULL;
    out->has_target = q != NULL;
    out->n_bands = 0;
    while (out->n_bands < c->n_bands &&
           (out->n_bands == 0 || c->band_end[out->n_bands - 1] < K))
        out->n_bands++;
    if (K < 2)
        return sm_fail(err, SM_EUSAGE, "a class report needs at least 2 classes");
    sm_status st = SM_OK;
    if (labels) {
        size_t kk = (size_t)K * (size_t)K;
        out->confusion = calloc(kk + 2 * (size_t)K, sizeof *out->confusion);
        out->precision = malloc((size_t)K * 3 * sizeof *out->precision);
        if (!out->confusion || !out->precision) {
            class_report_free(out);
            return sm_fail(err, SM_EFAIL, "out of memory for a %d x %d confusion matrix", K, K);
        }
        out->support = out->confusion + kk;
        out->not_in_model = out->support + K;
        out->recall = out->precision + K;
        out->f1 = out->precision + 2 * K;
        st = label_rows(c, out, s, n, K, labels, weight, err);
    }
    if (st == SM_OK && q)
        st = target_rows(c, out, s, n, K, q, weight, err);
    if (st != SM_OK)
        class_report_free(out);
    return st;
}

void class_report_free(sm_class_report *r)
{
    free(r->confusion);
    free(r->precision);
    r->confusion = r->support = r->not_in_model = NULL;
    r->precision = r->recall = r->f1 = NULL;
}

/* ---- from the model's probabilities ---- */

#define LOG_LOSS_CLIP 1e-15

typedef struct {
    double score, weight;
    int positive;
} scored_row;

static int by_score_descending(const void *a, const void *b)
{
    double x = ((const scored_row *)a)->score, y = ((const scored_row *)b)->score;
    return (x < y) - (x > y);
}

/* ROC AUC and average precision of rows sorted by score, highest first: each
 * run of equal scores enters at once (its pairs among themselves count 1/2). */
static void ranking_areas(const scored_row *row, int64_t n, double *roc, double *ap)
{
    double pos = 0.0, neg = 0.0;
    for (int64_t i = 0; i < n; i++)
        *(row[i].positive ? &pos : &neg) += row[i].weight;
    double tp = 0.0, fp = 0.0, ordered = 0.0, precision_sum = 0.0;
    for (int64_t i = 0, j; i < n; i = j) {
        double run_pos = 0.0, run_neg = 0.0;
        for (j = i; j < n && row[j].score == row[i].score; j++)
            *(row[j].positive ? &run_pos : &run_neg) += row[j].weight;
        /* the run's negatives fall below every positive above, tie with its own */
        ordered += run_neg * (tp + 0.5 * run_pos);
        tp += run_pos;
        fp += run_neg;
        if (run_pos > 0.0)
            precision_sum += run_pos * tp / (tp + fp);
    }
    *roc = pos > 0.0 && neg > 0.0 ? ordered / (pos * neg) : NAN;
    *ap = pos > 0.0 ? precision_sum / pos : NAN;
}

sm_status class_report_probs(sm_class_report *r, const double *p, int64_t n,
                             const int32_t *labels, const double *weight, sm_error *err)
{
    int K = r->n_classes;
    double log_loss = 0.0, brier = 0.0, total = 0.0;
    scored_row *row = K == 2 ? malloc((size_t)(n > 0 ? n : 1) * sizeof *row) : NULL;
    if (K == 2 && !row)
        return sm_fail(err, SM_EFAIL, "out of memory for the ROC curve of %lld rows",
                       (long long)n);
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) {
        int c = labels[i];
        if (c == CLASS_NOT_IN_MODEL)
            continue;
        const double *pi = p + (size_t)i * K;
        double w = row_weight(weight, i), sq = 0.0;
        for (int k = 0; k < K; k++)
            sq += (pi[k] - (k == c)) * (pi[k] - (k == c));
        log_loss -= w * log(pi[c] > LOG_LOSS_CLIP ? pi[c] : LOG_LOSS_CLIP);
        brier += w * sq;
        total += w;
        if (row)
            row[m++] = (scored_row){pi[1], w, c == 1};
    }
    r->has_probs = 1;
    r->log_loss = ratio(log_loss, total);
    r->brier = ratio(brier, total);
    r->roc_auc = r->pr_auc = NAN;
    if (row) {
        qsort(row, (size_t)m, sizeof *row, by_score_descending);
        ranking_areas(row, m, &r->roc_auc, &r->pr_auc);
    }
    free(row);
    return SM_OK;
}
