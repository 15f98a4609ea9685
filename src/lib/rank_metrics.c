/* rank_metrics.c - NDCG, ERR, MAP, MRR and region-pair ordering accuracy per query. */
#include "rank_metrics.h"
#include "names.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const rank_gain_names[GAIN_KIND_COUNT + 1] = {[GAIN_EXP2] = "exp2", [GAIN_LINEAR] = "linear"};
const char *const rank_no_relevant_names[NO_RELEVANT_KIND_COUNT + 1] = {
    [NO_RELEVANT_ONE] = "one", [NO_RELEVANT_SKIP] = "skip"};

int rank_gain_parse(const char *name) { return names_find(rank_gain_names, name); }
const char *rank_gain_name(sm_gain_kind g) { return rank_gain_names[g]; }
int rank_no_relevant_parse(const char *name) { return names_find(rank_no_relevant_names, name); }
const char *rank_no_relevant_name(sm_no_relevant v) { return rank_no_relevant_names[v]; }

void rank_config_default(sm_rank_config *c)
{
    static const int ks[] = {1, 3, 5, 10};
    memset(c, 0, sizeof *c);
    c->n_cutoffs = 4;
    memcpy(c->cutoff, ks, sizeof ks);
    c->gain = GAIN_EXP2;
    c->threshold = 0.0;
    c->no_relevant = NO_RELEVANT_ONE;
}

/* A whole number >= 1 spanning exactly [p, end). */
static int parse_cutoff(const char *p, const char *end, int *k)
{
    long v = 0;
    if (p == end)
        return 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9' || v > 100000000L)
            return 0;
        v = 10 * v + (*p - '0');
    }
    if (v < 1)
        return 0;
    *k = (int)v;
    return 1;
}

sm_status rank_cutoffs_parse(const char *text, sm_rank_config *c, sm_error *err)
{
    int n = 0, ks[RANK_MAX_CUTOFFS];
    const char *p = text;
    for (;;) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        if (n == RANK_MAX_CUTOFFS)
            return sm_fail(err, SM_EUSAGE, "at most %d cutoffs, got '%s'", RANK_MAX_CUTOFFS, text);
        if (!parse_cutoff(p, end, &ks[n]))
            return sm_fail(err, SM_EUSAGE, "cutoff '%.*s' is not a whole number >= 1 (in '%s')",
                           (int)(end - p), p, text);
        /* A repeated k would give two ndcg@k keys in a JSON report and two
         * equal per-query columns; it is almost surely a typo. */
        for (int i = 0; i < n; i++)
            if (ks[i] == ks[n])
                return sm_fail(err, SM_EUSAGE, "cutoff %d is given twice (in '%s')", ks[n], text);
        n++;
        if (*end == '\0')
            break;
        p = end + 1;
    }
    c->n_cutoffs = n;
    memcpy(c->cutoff, ks, (size_t)n * sizeof *ks);
    return SM_OK;
}

/* ---- one query ---- */

static double gain_of(sm_gain_kind g, double y)
{
    if (!(y > 0.0))
        return 0.0;
    return g == GAIN_LINEAR ? y : expm1(y * 0.69314718055994530942);
}

typedef struct {
    double s, y;
    int64_t i;
} ranked_row;

/* Score descending; equal scores put the lower label first (the pessimistic
 * tie break); then row order, so the result never depends on qsort. */
static int cmp_ranked(const void *a, const void *b)
{
    const ranked_row *p = a, *q = b;
    if (p->s != q->s)
        return p->s > q->s ? -1 : 1;
    if (p->y != q->y)
        return p->y < q->y ? -1 : 1;
    return p->i < q->i ? -1 : p->i > q->i;
}

static int cmp_desc(const void *a, const void *b)
{
    double p = *(const double *)a, q = *(const double *)b;
    return p > q ? -1 : p < q;
}

typedef struct {
    ranked_row *rows; /* the query by score */
    double *ideal;    /* gains sorted descending */
} query_work;

/* DCG of the first k gains. */
static double dcg(const double *gains, int64_t k)
{
    double sum = 0.0;
    for (int64_t r = 0; r < k; r++)
        sum += gains[r] / log2((double)r + 2.0);
    return sum;
}

/* Fills out; returns whether the query has a positive gain (bit 0) and a
 * relevant row (bit 1). */
enum { HAS_GAIN = 1, HAS_RELEVANT = 2 };

static int query_metrics(const sm_rank_config *c, double max_gain, const double *y,
                         const double *s, int64_t n, query_work *w, sm_query_metrics *out)
{
    const double undefined = c->no_relevant == NO_RELEVANT_SKIP ? NAN : 1.0;
    for (int64_t i = 0; i < n; i++)
        w->rows[i] = (ranked_row){s[i], y[i], i};
    qsort(w->rows, (size_t)n, sizeof *w->rows, cmp_ranked);
    /* Gains in score order go to ideal[n..2n), the sorted ones to ideal[0..n). */
    double *by_score = w->ideal + n;
    for (int64_t r = 0; r < n; r++) {
        by_score[r] = gain_of(c->gain, w->rows[r].y);
        w->ideal[r] = by_score[r];
    }
    qsort(w->ideal, (size_t)n, sizeof *w->ideal, cmp_desc);
    int any_gain = n > 0 && w->ideal[0] > 0.0;

    for (int t = 0; t < c->n_cutoffs; t++) {
        int64_t k = c->cutoff[t] > 0 && c->cutoff[t] < n ? c->cutoff[t] : n;
        if (!any_gain) {
            out->ndcg[t] = undefined;
            out->err[t] = c->no_relevant == NO_RELEVANT_SKIP ? NAN : 0.0;
            continue;
        }
        out->ndcg[t] = dcg(by_score, k) / dcg(w->ideal, k);
        double err = 0.0, reach = 1.0; /* probability the user gets to rank r */
        for (int64_t r = 0; r < k; r++) {
            double R = by_score[r] / (max_gain + 1.0);
            err += reach * R / (double)(r + 1);
            reach *= 1.0 - R;
        }
        out->err[t] = err;
    }

    int64_t relevant = 0;
    double precision_sum = 0.0, rr = 0.0;
    for (int64_t r = 0; r < n; r++)
        if (w->rows[r].y > c->threshold) {
            relevant++;
            precision_sum += (double)relevant / (double)(r + 1);
            if (relevant == 1)
                rr = 1.0 / (double)(r + 1);
        }
    out->ap = relevant ? precision_sum / (double)relevant : undefined;
    out->rr = relevant ? rr : undefined;
    return (any_gain ? HAS_GAIN : 0) | (relevant ? HAS_RELEVANT : 0);
}

/* Region-pair counts of one query whose rows w->rows are in score order:
 * walking from the lowest score up, a row is in order against every row of a
 * lower region already passed with a strictly lower score. */
static void query_pairs(const sm_regions *regions, int64_t n, const query_work *w,
                        sm_rank_report *out)
{
    int64_t count[SM_MAX_REGIONS] = {0}, below[SM_MAX_REGIONS] = {0};
    int nr = regions->n;
    for (int64_t r = 0; r < n; r++)
        count[regions_assign(regions, w->rows[r].y)]++;
    for (int a = 0; a < nr; a++)
        for (int b = 0; b < a; b++)
            out->pairs[a][b] += count[a] * count[b];
    for (int64_t end = n; end > 0;) {
        int64_t start = end - 1;
        while (start > 0 && w->rows[start - 1].s == w->rows[end - 1].s)
            start--;
        for (int64_t r = start; r < end; r++) {
            int a = regions_assign(regions, w->rows[r].y);
            for (int b = 0; b < a; b++)
                out->ordered[a][b] += below[b];
        }
        for (int64_t r = start; r < end; r++)
            below[regions_assign(regions, w->rows[r].y)]++;
        end = start;
    }
}


sm_status rank_report_compute(const sm_rank_config *c, const sm_regions *regions,
                              const int64_t *group_ptr, int64_t n_groups, const double *y,
                              const double *weight, const double *s, sm_rank_report *out,
                              sm_query_metrics *per_query, sm_error *err)
{
    memset(out, 0, sizeof *out);
    out->config = *c;
    out->regions = *regions;
    if (n_groups < 1 || c->n_cutoffs < 0 || c->n_cutoffs > RANK_MAX_CUTOFFS || regions->n < 1 ||
        regions->n > SM_MAX_REGIONS)
        return sm_fail(err, SM_EFAIL, "rank_report_compute: invalid arguments");
    int64_t longest = 1;
    out->rows = group_ptr[n_groups] - group_ptr[0];
    out->max_label = -INFINITY;
    for (int64_t g = 0; g < n_groups; g++)
        if (group_ptr[g + 1] - group_ptr[g] > longest)
            longest = group_ptr[g + 1] - group_ptr[g];
    for (int64_t r = group_ptr[0]; r < group_ptr[n_groups]; r++)
        if (!weight || weight[r] > 0.0) /* a row of weight 0 counts in nothing */
            out->max_label = fmax(out->max_label, y[r]);
    if (c->err_max_given)
        out->max_label = c->err_max_label;
    query_work w = {malloc((size_t)longest * sizeof *w.rows),
                    malloc((size_t)longest * 2 * sizeof *w.ideal)};
    if (!w.rows || !w.ideal) {
        free(w.rows);
        free(w.ideal);
        return sm_fail(err, SM_EFAIL, "out of memory for a query of %lld rows", (long long)longest);
    }
    double max_gain = gain_of(c->gain, out->max_label);
    sm_query_metrics *mean = &out->mean;
    double gain_weight = 0.0, relevant_weight = 0.0; /* of the queries counted */
    for (int64_t g = 0; g < n_groups; g++) {
        int64_t b = group_ptr[g], n = group_ptr[g + 1] - b;
        /* a query weighs its first row's weight (1 without: the same bits) */
        double qw = weight ? weight[b] : 1.0;
        sm_query_metrics q;
        int has = query_metrics(c, max_gain, y + b, s + b, n, &w, &q);
        query_pairs(regions, n, &w, out);
        if (per_query)
            per_query[g] = q;
        int counted = c->no_relevant == NO_RELEVANT_ONE ? HAS_GAIN | HAS_RELEVANT : has;
        if (counted & HAS_GAIN) {
            out->gain_queries++;
            gain_weight += qw;
            for (int t = 0; t < c->n_cutoffs; t++) {
                mean->ndcg[t] += qw * q.ndcg[t];
                mean->err[t] += qw * q.err[t];
            }
        }
        if (counted & HAS_RELEVANT) {
            out->relevant_queries++;
            relevant_weight += qw;
            mean->ap += qw * q.ap;
            mean->rr += qw * q.rr;
        }
        out->queries++;
    }
    for (int t = 0; t < c->n_cutoffs; t++) {
        mean->ndcg[t] /= gain_weight;
        mean->err[t] /= gain_weight;
    }
    mean->ap /= relevant_weight;
    mean->rr /= relevant_weight;
    out->gain_weight = gain_weight;
    out->relevant_weight = relevant_weight;
    for (int a = 0; a < regions->n; a++)
        for (int b = 0; b < a; b++) {
            out->all_pairs += out->pairs[a][b];
            out->all_ordered += out->ordered[a][b];
        }
    free(w.rows);
    free(w.ideal);
    return SM_OK;
}

/* ---- one metric by name ---- */

const char *const rank_metric_names[METRIC_KIND_COUNT + 1] = {
    [METRIC_OBJECTIVE] = "objective", [METRIC_NDCG] = "ndcg", [METRIC_ERR] = "err",
    [METRIC_MAP] = "map", [METRIC_MRR] = "mrr", [METRIC_ACCURACY] = "accuracy",
    [METRIC_TOP1_AGREEMENT] = "top1-agreement", [METRIC_RMSE] = "rmse", [METRIC_MAE] = "mae"};

/* What a metric's name may carry: a cutoff "@K" (the ranking metrics that
 * look at the top K) or a region of labels ":INTERVAL" (the errors). */
enum { TAKES_NOTHING = 0, TAKES_CUTOFF, TAKES_REGION };
static const unsigned char metric_takes[METRIC_KIND_COUNT] = {
    [METRIC_NDCG] = TAKES_CUTOFF, [METRIC_ERR] = TAKES_CUTOFF,
    [METRIC_RMSE] = TAKES_REGION, [METRIC_MAE] = TAKES_REGION};

/* The metrics (those that take `only`, or all when only is TAKES_NOTHING,
 * spelled "name@K" and "name[:INTERVAL]"), as "a, b <conj> c" into buf; the
 * objective, which is no figure of the scores, last. */
static const char *metric_list(char *buf, size_t size, int only, const char *conj)
{
    static const char *const suffix[] = {"", "@K", "[:INTERVAL]"};
    int shown = 0, count = 0;
    for (int kind = 0; kind < METRIC_KIND_COUNT; kind++)
        count += only == TAKES_NOTHING || metric_takes[kind] == only;
    buf[0] = '\0';
    for (int i = 1; i <= METRIC_KIND_COUNT; i++) {
        int kind = i % METRIC_KIND_COUNT, takes = metric_takes[kind];
        if (only != TAKES_NOTHING && takes != only)
            continue;
        size_t used = strlen(buf);
        shown++;
        snprintf(buf + used, size - used, "%s%s%s", shown == 1 ? "" : shown == count ? conj : ", ",
                 rank_metric_names[kind], only == TAKES_NOTHING ? suffix[takes] : "");
    }
    return buf;
}

/* The region of "rmse:INTERVAL" (text at the interval). */
static sm_status parse_metric_region(const char *whole, const char *text, sm_rank_metric *m,
                                     sm_error *err)
{
    size_t at;
    const char *problem = interval_parse(text, strlen(text), &m->region, &at);
    if (problem)
        return sm_fail(err, SM_EUSAGE, "'%s', column %d: %s", whole,
                       (int)(text - whole + (ptrdiff_t)at) + 1, problem);
    m->has_region = 1;
    return SM_OK;
}

sm_status rank_metric_parse(const char *text, sm_rank_metric *m, sm_error *err)
{
    const char *at = strchr(text, '@'), *colon = strchr(text, ':');
    size_t len = at ? (size_t)(at - text) : colon ? (size_t)(colon - text) : strlen(text);
    char list[200];
    for (int kind = 0; kind < METRIC_KIND_COUNT; kind++) {
        const char *name = rank_metric_names[kind];
        if (strlen(name) != len || strncmp(text, name, len) != 0)
            continue;
        *m = (sm_rank_metric){.kind = (sm_metric_kind)kind};
        if (colon && !at && metric_takes[kind] == TAKES_REGION)
            return parse_metric_region(text, colon + 1, m, err);
        if (colon && !at)
            return sm_fail(err, SM_EUSAGE, "'%s': only %s take a region :INTERVAL", text,
                           metric_list(list, sizeof list, TAKES_REGION, " and "));
        if (!at)
            return SM_OK;
        if (metric_takes[kind] != TAKES_CUTOFF)
            return sm_fail(err, SM_EUSAGE, "'%s': only %s take a cutoff @K", text,
                           metric_list(list, sizeof list, TAKES_CUTOFF, " and "));
        if (!parse_cutoff(at + 1, at + strlen(at), &m->k))
            return sm_fail(err, SM_EUSAGE, "'%s': the cutoff after '@' must be a whole number >= 1",
                           text);
        return SM_OK;
    }
    return sm_fail(err, SM_EUSAGE, "unknown metric '%s'; expected %s", text,
                   metric_list(list, sizeof list, TAKES_NOTHING, " or "));
}

int rank_metric_format(const sm_rank_metric *m, char *buf, size_t size)
{
    if (metric_takes[m->kind] == TAKES_CUTOFF && m->k > 0)
        return snprintf(buf, size, "%s@%d", rank_metric_names[m->kind], m->k);
    if (m->has_region) {
        char region[96];
        interval_format(&m->region, region, sizeof region);
        return snprintf(buf, size, "%s:%s", rank_metric_names[m->kind], region);
    }
    return snprintf(buf, size, "%s", rank_metric_names[m->kind]);
}

int rank_metric_higher_is_better(const sm_rank_metric *m)
{
    return m->kind != METRIC_OBJECTIVE && !rank_metric_is_error(m);
}

int rank_metric_is_ranking(const sm_rank_metric *m)
{
    return m->kind == METRIC_NDCG || m->kind == METRIC_ERR || m->kind == METRIC_MAP ||
           m->kind == METRIC_MRR;
}

int rank_metric_is_error(const sm_rank_metric *m)
{
    return m->kind == METRIC_RMSE || m->kind == METRIC_MAE;
}

int rank_metric_is_class(const sm_rank_metric *m)
{
    return m->kind == METRIC_ACCURACY || m->kind == METRIC_TOP1_AGREEMENT;
}

sm_status rank_metric_value(const sm_rank_metric *m, const sm_rank_config *c,
                            const int64_t *group_ptr, int64_t n_groups, const double *y,
                            const double *weight, const double *s, double *value, sm_error *err)
{
    double counted;
    return rank_metric_value_counted(m, c, group_ptr, n_groups, y, weight, s, value, &counted,
                                     err);
}

sm_status rank_metric_value_counted(const sm_rank_metric *m, const sm_rank_config *c,
                                    const int64_t *group_ptr, int64_t n_groups, const double *y,
                                    const double *weight, const double *s, double *value,
                                    double *counted, sm_error *err)
{
    if (!rank_metric_is_ranking(m))
        return sm_fail(err, SM_EFAIL, "rank_metric_value: the objective, the class metrics "
                       "and the errors are the trainer's");
    sm_rank_config one = *c;
    one.n_cutoffs = 1;
    one.cutoff[0] = m->k; /* 0: the whole list */
    sm_regions single = {.n = 1};
    sm_rank_report *rep = malloc(sizeof *rep);
    if (!rep)
        return sm_fail(err, SM_EFAIL, "out of memory");
    sm_status st =
        rank_report_compute(&one, &single, group_ptr, n_groups, y, weight, s, rep, NULL, err);
    if (st == SM_OK) {
        *value = m->kind == METRIC_NDCG ? rep->mean.ndcg[0]
               : m->kind == METRIC_ERR  ? rep->mean.err[0]
               : m->kind == METRIC_MAP  ? rep->mean.ap
                                        : rep->mean.rr;
        *counted = m->kind == METRIC_NDCG || m->kind == METRIC_ERR ? rep->gain_weight
                                                                    : rep->relevant_weight;
    }
    free(rep);
    return st;
}
