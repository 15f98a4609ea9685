/* regions.c - label regions: parsed, chosen from labels, assigned, formatted. */
#include "regions.h"

#include "names.h"
#include "numfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Up to this many distinct labels (grades, star ratings) each get their own region. */
#define REGIONS_MAX_DISTINCT 10

static const char *const origin_names[] = {
    [REGIONS_GIVEN] = "given",
    [REGIONS_DISTINCT] = "distinct-labels",
    [REGIONS_QUARTILES] = "label-quartiles",
    [REGIONS_TIED_QUARTILES] = "tied-label-quartiles",
    NULL,
};

int regions_origin_parse(const char *name) { return names_find(origin_names, name); }

const char *regions_origin_name(sm_regions_origin o)
{
    if ((unsigned)o < REGIONS_ORIGIN_COUNT)
        return origin_names[o];
    return "unknown";
}

/* The whole of text[0..len) as a number, infinities allowed. */
static int parse_end(const char *text, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf || text[0] == ' ' || text[0] == '\t')
        return 0;
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *end;
    *out = strtod(buf, &end);
    return *end == '\0' && !isnan(*out);
}

const char *interval_parse(const char *text, size_t len, sm_interval *iv, size_t *at)
{
    const char *comma = len ? memchr(text, ',', len) : NULL;
    *at = 0;
    if (len < 2 || !comma || (text[0] != '[' && text[0] != '(') ||
        (text[len - 1] != ')' && text[len - 1] != ']'))
        return "an interval is [LOWER,UPPER) or (LOWER,UPPER]";
    iv->lower_closed = text[0] == '[';
    iv->upper_closed = text[len - 1] == ']';
    *at = 1;
    if (!parse_end(text + 1, (size_t)(comma - text - 1), &iv->lower) || iv->lower == INFINITY)
        return "the lower end must be a number or -inf";
    *at = (size_t)(comma + 1 - text);
    if (!parse_end(comma + 1, (size_t)(text + len - 1 - comma - 1), &iv->upper) ||
        iv->upper == -INFINITY)
        return "the upper end must be a number or inf";
    *at = 1;
    if (!(iv->lower < iv->upper))
        return "the lower end must be below the upper end";
    return NULL;
}

int interval_contains(const sm_interval *iv, double v)
{
    return (iv->lower_closed ? v >= iv->lower : v > iv->lower) &&
           (iv->upper_closed ? v <= iv->upper : v < iv->upper);
}

int interval_format(const sm_interval *iv, char *buf, size_t size)
{
    char lower[40], upper[40];
    sm_format_double(lower, sizeof lower, iv->lower);
    sm_format_double(upper, sizeof upper, iv->upper);
    return snprintf(buf, size, "%c%s,%s%c", iv->lower_closed ? '[' : '(', lower, upper,
                    iv->upper_closed ? ']' : ')');
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* An empty (or blank) text is the single region, so that regions_parse inverts
 * regions_format. */
sm_status regions_parse(const char *text, sm_regions *r, sm_error *err)
{
    sm_regions parsed = {.n = 1, .origin = REGIONS_GIVEN};
    if (!text)
        return sm_fail(err, SM_EUSAGE, "no region boundaries given");
    const char *p = text;
    while (is_blank(*p))
        p++;
    if (*p == '\0') {
        *r = parsed;
        return SM_OK;
    }

    int items = 1;
    for (const char *q = text; *q; q++)
        items += *q == ',';
    if (items > SM_MAX_REGIONS - 1)
        return sm_fail(err, SM_EUSAGE, "too many boundaries in '%s': %d given, at most %d",
                       text, items, SM_MAX_REGIONS - 1);

    const char *prev = NULL;
    int prev_len = 0;
    for (int item = 1;; item++) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *first = p, *last = end;
        while (first < last && is_blank(*first))
            first++;
        while (last > first && is_blank(last[-1]))
            last--;
        int len = (int)(last - first);
        if (len == 0)
            return sm_fail(err, SM_EUSAGE, "empty boundary (item %d) in '%s'", item, text);
        char *stop;
        double v = strtod(first, &stop);
        if (stop != last)
            return sm_fail(err, SM_EUSAGE, "boundary '%.*s' is not a number (in '%s')", len,
                           first, text);
        if (!isfinite(v))
            return sm_fail(err, SM_EUSAGE, "boundary '%.*s' is not a finite number (in '%s')",
                           len, first, text);
        if (prev && !(v > parsed.bound[parsed.n - 2]))
            return sm_fail(err, SM_EUSAGE,
                           "boundary '%.*s' does not increase on '%.*s' (in '%s'): "
                           "boundaries must be strictly increasing",
                           len, first, prev_len, prev, text);
        parsed.bound[parsed.n - 1] = v;
        parsed.n++;
        prev = first;
        prev_len = len;
        if (*end == '\0')
            break;
        p = end + 1;
    }
    *r = parsed;
    return SM_OK;
}

int regions_assign(const sm_regions *r, double v)
{
    if (isnan(v))
        return r->n - 1;
    int lo = 0, hi = r->n - 1; /* the answer lies in [lo, hi]; region k starts at bound[k-1] */
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (v >= r->bound[mid - 1])
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

int regions_valid(const sm_regions *r)
{
    if (r->n < 1 || r->n > SM_MAX_REGIONS)
        return 0;
    for (int i = 0; i + 1 < r->n; i++)
        if (!isfinite(r->bound[i]) || (i > 0 && !(r->bound[i] > r->bound[i - 1])))
            return 0;
    return 1;
}

int regions_interval_format(const sm_regions *r, int i, char *buf, size_t size)
{
    char lower[40] = "-inf", upper[40] = "inf";
    if (i > 0)
        sm_format_double(lower, sizeof lower, r->bound[i - 1]);
    if (i < r->n - 1)
        sm_format_double(upper, sizeof upper, r->bound[i]);
    return snprintf(buf, size, "%s%s, %s)", i > 0 ? "[" : "(", lower, upper);
}

int regions_format(const sm_regions *r, char *buf, size_t size)
{
    size_t len = 0;
    if (size > 0)
        buf[0] = '\0';
    for (int i = 0; i + 1 < r->n; i++) {
        char num[40];
        sm_format_double(num, sizeof num, r->bound[i]);
        int k = snprintf(len < size ? buf + len : NULL, len < size ? size - len : 0, "%s%s",
                         i ? "," : "", num);
        if (k < 0)
            return -1;
        len += (size_t)k;
    }
    return (int)len;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void swap_doubles(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

/* Reorder x[lo..hi) so that x[k] holds the value it would hold if the range
 * were sorted, with nothing larger before it and nothing smaller after it:
 * quickselect with a median-of-3 pivot and a three-way partition (ties cost
 * nothing). A range that resists 64 rounds is sorted outright, so the worst
 * case is O(n log n), the usual O(n). */
static void select_kth(double *x, int64_t lo, int64_t hi, int64_t k)
{
    for (int round = 0; hi - lo > 16; round++) {
        if (round == 64) {
            qsort(x + lo, (size_t)(hi - lo), sizeof *x, compare_doubles);
            return;
        }
        double a = x[lo], b = x[lo + (hi - lo) / 2], c = x[hi - 1];
        double pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        int64_t lt = lo, i = lo, gt = hi; /* [lo,lt) < pivot, [lt,gt) == pivot, [gt,hi) > pivot */
        while (i < gt) {
            if (x[i] < pivot)
                swap_doubles(&x[lt++], &x[i++]);
            else if (x[i] > pivot)
                swap_doubles(&x[i], &x[--gt]);
            else
                i++;
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return;
    }
    for (int64_t i = lo + 1; i < hi; i++) /* insertion sort of the short rest */
        for (int64_t j = i; j > lo && x[j - 1] > x[j]; j--)
            swap_doubles(&x[j - 1], &x[j]);
}

/* Quantile p of sorted finite x[0..n-1] by linear interpolation between order
 * statistics (Hyndman & Fan type 7, the default of R and NumPy): with
 * h = (n - 1) p, Q = x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]).
 * For 1..100 the quartiles are 25.75, 50.5 and 75.25. */
static double quantile_sorted(const double *x, int64_t n, double p)
{
    double h = p * (double)(n - 1);
    int64_t lo = (int64_t)floor(h);
    if (lo + 1 >= n)
        return x[n - 1];
    return x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]);
}

/* The first index of sorted x[lo..hi) whose value is >= v (hi: none). */
static int64_t first_at_least(const double *x, int64_t lo, int64_t hi, double v)
{
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (x[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Quartiles that coincide (a mass of tied labels) leave fewer than 4
 * regions: split, until there are 4, the region of sorted x[0..m) with the
 * most labels (the lowest of equals) that holds two distinct values, at its
 * median, or when that is its smallest label (the tie), at the next larger
 * label, so the tied labels stay in one region. Every split lies strictly
 * inside its region: the boundaries stay distinct and no region is empty. */
static void split_tied_regions(const double *x, int64_t m, sm_regions *r)
{
    while (r->n < 4) {
        int64_t best_lo = 0, best_hi = 0;
        for (int i = 0; i < r->n; i++) {
            int64_t lo = i == 0 ? 0 : first_at_least(x, 0, m, r->bound[i - 1]);
            int64_t hi = i == r->n - 1 ? m : first_at_least(x, 0, m, r->bound[i]);
            if (hi - lo > best_hi - best_lo && x[lo] < x[hi - 1])
                best_lo = lo, best_hi = hi;
        }
        if (best_hi == best_lo)
            return; /* every region holds one value */
        double at = quantile_sorted(x + best_lo, best_hi - best_lo, 0.5);
        if (at <= x[best_lo])
            at = x[first_at_least(x, best_lo, best_hi, nextafter(x[best_lo], INFINITY))];
        int k = r->n - 1;
        while (k > 0 && r->bound[k - 1] > at) {
            r->bound[k] = r->bound[k - 1];
            k--;
        }
        r->bound[k] = at;
        r->n++;
        r->origin = REGIONS_TIED_QUARTILES;
    }
}

/* Boundaries at the quartiles of the m finite labels among y[0..n), split
 * further where they coincide (split_tied_regions). */
static sm_status choose_quartiles(const double *y, int64_t n, int64_t m, sm_regions *r,
                                  sm_error *err)
{
    sm_regions chosen = {.n = 1, .origin = REGIONS_QUARTILES};
    double *sorted = malloc((size_t)m * sizeof *sorted);
    if (!sorted)
        return sm_fail(err, SM_EFAIL, "out of memory choosing label quartiles of %lld labels",
                       (long long)m);
    for (int64_t i = 0, k = 0; i < n; i++)
        if (isfinite(y[i]))
            sorted[k++] = y[i];
    /* quantile_sorted reads only x[0] and the order statistics floor(h) and
     * floor(h) + 1 of each quartile: put those in place, in increasing order,
     * each selection on what lies above the previous one (O(n), not a sort). */
    static const double quartile_p[] = {0.25, 0.5, 0.75};
    int64_t placed = -1;
    for (size_t k = 0; k <= sizeof quartile_p / sizeof quartile_p[0]; k++) {
        int64_t at = k == 0 ? 0 : (int64_t)floor(quartile_p[k - 1] * (double)(m - 1));
        for (int64_t idx = at; idx <= at + 1 && idx < m; idx++)
            if (idx > placed) {
                select_kth(sorted, placed + 1, m, idx);
                placed = idx;
            }
    }
    /* A quartile equal to the smallest label would leave region 0 empty, and
     * ties among the quartiles would leave regions empty between them. */
    double last = sorted[0];
    for (size_t k = 0; k < sizeof quartile_p / sizeof quartile_p[0]; k++) {
        double q = quantile_sorted(sorted, m, quartile_p[k]);
        if (q > last) {
            chosen.bound[chosen.n++ - 1] = q;
            last = q;
        }
    }
    if (chosen.n < 4) { /* rare: the whole sort is affordable */
        qsort(sorted, (size_t)m, sizeof *sorted, compare_doubles);
        split_tied_regions(sorted, m, &chosen);
    }
    free(sorted);
    *r = chosen;
    return SM_OK;
}

sm_status regions_choose_from_labels(const double *y, int64_t n, sm_regions *r, sm_error *err)
{
    double distinct[REGIONS_MAX_DISTINCT + 1];
    int n_distinct = 0;
    int64_t n_finite = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            continue;
        n_finite++;
        if (n_distinct > REGIONS_MAX_DISTINCT)
            continue;
        int seen = 0;
        for (int k = 0; k < n_distinct && !seen; k++)
            seen = distinct[k] == y[i];
        if (!seen)
            distinct[n_distinct++] = y[i] + 0.0; /* + 0.0 turns -0 into 0 */
    }
    if (n_distinct > REGIONS_MAX_DISTINCT)
        return choose_quartiles(y, n, n_finite, r, err);

    sm_regions chosen = {.n = 1, .origin = REGIONS_DISTINCT};
    qsort(distinct, (size_t)n_distinct, sizeof distinct[0], compare_doubles);
    for (int k = 1; k < n_distinct; k++)
        chosen.bound[chosen.n++ - 1] = distinct[k];
    *r = chosen;
    return SM_OK;
}

void regions_from_labels(const double *y, int64_t n, sm_regions *r)
{
    if (regions_choose_from_labels(y, n, r, NULL) != SM_OK) {
        r->n = 1;
        r->origin = REGIONS_QUARTILES;
    }
}
