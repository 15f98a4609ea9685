/* emphasize.c - per-region importance compiled into a pwl link (see emphasize.h). */
#include "emphasize.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"

#define ITEM_MAX 256

/* One interval as written: its ends and whether each is closed. */
typedef struct {
    double lower, upper, weight;
    int lower_closed, upper_closed;
    int column;
} emphasis_interval;

/* The whole of text (length len) as a number, infinities allowed. */
static int parse_number(const char *text, size_t len, double *out)
{
    char buf[ITEM_MAX];
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *end;
    *out = strtod(buf, &end);
    return *end == '\0' && !isnan(*out) && !(buf[0] == ' ' || buf[0] == '\t');
}

static int parse_weight(const char *text, size_t len, double *out)
{
    return parse_number(text, len, out) && isfinite(*out) && *out > 0;
}

static sm_status item_error(sm_error *err, int column, const char *item, size_t len,
                            const char *what)
{
    return sm_fail(err, SM_EUSAGE, "column %d: %s in '%.*s'", column, what, (int)len, item);
}

/* "[lo,hi)=W" and its variants into iv. */
static sm_status parse_interval(const char *item, size_t len, int column, emphasis_interval *iv,
                                sm_error *err)
{
    const char *comma = memchr(item, ',', len);
    const char *close = NULL;
    for (size_t i = 0; i < len; i++)
        if (item[i] == ')' || item[i] == ']') {
            close = item + i;
            break;
        }
    if (!comma || !close || close < comma)
        return item_error(err, column, item, len, "an interval is [LOWER,UPPER) or (LOWER,UPPER]");
    if (close + 1 >= item + len || close[1] != '=')
        return item_error(err, column, item, len, "expected '=WEIGHT' after the interval");
    sm_interval parsed;
    size_t at;
    const char *problem = interval_parse(item, (size_t)(close + 1 - item), &parsed, &at);
    if (problem)
        return item_error(err, column + (int)at, item, len, problem);
    iv->lower = parsed.lower;
    iv->upper = parsed.upper;
    iv->lower_closed = parsed.lower_closed;
    iv->upper_closed = parsed.upper_closed;
    iv->column = column;
    const char *w = close + 2;
    if (!parse_weight(w, (size_t)(item + len - w), &iv->weight))
        return item_error(err, column + (int)(w - item), item, len, "weight must be a number > 0");
    return SM_OK;
}

static int by_lower(const void *a, const void *b)
{
    const emphasis_interval *x = a, *y = b;
    return (x->lower > y->lower) - (x->lower < y->lower);
}

/* Sorted, non-overlapping intervals into pieces, the gaps with weight 1. */
static sm_status intervals_to_pieces(emphasis_interval *iv, int n, sm_emphasis *e, sm_error *err)
{
    qsort(iv, (size_t)n, sizeof *iv, by_lower);
    double bound[2 * SM_MAX_REGIONS + 1], weight[2 * SM_MAX_REGIONS + 2];
    double at = -INFINITY; /* where the last piece ends */
    int pieces = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (iv[i - 1].upper > iv[i].lower ||
                      (iv[i - 1].upper == iv[i].lower && iv[i - 1].upper_closed &&
                       iv[i].lower_closed)))
            return sm_fail(err, SM_EUSAGE, "column %d: the interval overlaps the one at column %d",
                           iv[i].column, iv[i - 1].column);
        if (iv[i].lower > at) { /* a gap */
            if (pieces > 0)
                bound[pieces - 1] = at;
            weight[pieces++] = 1.0;
        }
        if (pieces > 0)
            bound[pieces - 1] = iv[i].lower;
        weight[pieces++] = iv[i].weight;
        at = iv[i].upper;
    }
    if (at < INFINITY) {
        bound[pieces - 1] = at;
        weight[pieces++] = 1.0;
    }
    if (pieces > SM_MAX_REGIONS)
        return sm_fail(err, SM_EUSAGE, "%d regions (counting the gaps between the intervals): "
                       "at most %d", pieces, SM_MAX_REGIONS);
    e->n = pieces;
    memcpy(e->bound, bound, sizeof bound[0] * (size_t)(pieces - 1));
    memcpy(e->weight, weight, sizeof weight[0] * (size_t)pieces);
    return SM_OK;
}

sm_status emphasis_parse(const char *spec, sm_emphasis *e, sm_error *err)
{
    memset(e, 0, sizeof *e);
    e->width = NAN;
    emphasis_interval iv[SM_MAX_REGIONS];
    int n_iv = 0, have_width = 0;
    if (!spec || !*spec)
        return sm_fail(err, SM_EUSAGE, "empty spec: give INTERVAL=WEIGHT items or one "
                       "weight per region");
    const char *p = spec;
    for (;;) {
        /* An item ends at a comma outside brackets. */
        const char *end = p;
        int depth = 0;
        while (*end && !(*end == ',' && depth == 0)) {
            depth += (*end == '[' || *end == '(') - (*end == ']' || *end == ')');
            end++;
        }
        size_t len = (size_t)(end - p);
        int column = (int)(p - spec) + 1;
        sm_status st = SM_OK;
        if (len == 0) {
            return sm_fail(err, SM_EUSAGE, "column %d: empty item", column);
        } else if (len >= ITEM_MAX) {
            return sm_fail(err, SM_EUSAGE, "column %d: item too long", column);
        } else if (len > 6 && strncmp(p, "width=", 6) == 0) {
            if (have_width++)
                return sm_fail(err, SM_EUSAGE, "column %d: width given twice", column);
            if (!parse_number(p + 6, len - 6, &e->width) || !isfinite(e->width) || e->width < 0)
                return item_error(err, column + 6, p, len, "width must be a number >= 0");
        } else if (*p == '[' || *p == '(') {
            if (e->n_weights)
                return sm_fail(err, SM_EUSAGE, "column %d: intervals and bare weights do not mix",
                               column);
            if (n_iv >= SM_MAX_REGIONS)
                return sm_fail(err, SM_EUSAGE, "column %d: more than %d intervals", column,
                               SM_MAX_REGIONS);
            st = parse_interval(p, len, column, &iv[n_iv++], err);
        } else {
            if (n_iv)
                return sm_fail(err, SM_EUSAGE, "column %d: intervals and bare weights do not mix",
                               column);
            if (e->n_weights >= SM_MAX_REGIONS)
                return sm_fail(err, SM_EUSAGE, "column %d: more than %d weights", column,
                               SM_MAX_REGIONS);
            if (!parse_weight(p, len, &e->weight[e->n_weights++]))
                return item_error(err, column, p, len,
                                  "expected INTERVAL=WEIGHT, a weight > 0 or width=W");
        }
        if (st != SM_OK)
            return st;
        if (!*end)
            break;
        p = end + 1;
    }
    if (!n_iv && !e->n_weights)
        return sm_fail(err, SM_EUSAGE, "no weights: give INTERVAL=WEIGHT items or one weight "
                       "per region");
    return n_iv ? intervals_to_pieces(iv, n_iv, e, err) : SM_OK;
}

sm_status emphasis_resolve(sm_emphasis *e, const sm_regions *regions, double spread,
                           sm_error *err)
{
    if (e->n == 0) {
        if (!regions)
            return sm_fail(err, SM_EUSAGE, "bare weights need label regions: give intervals");
        if (e->n_weights != regions->n) {
            char b[SM_MAX_REGIONS * 26];
            regions_format(regions, b, sizeof b);
            return sm_fail(err, SM_EUSAGE, "%d weight%s for %d label region%s (boundaries '%s'): "
                           "give one weight per region, or intervals", e->n_weights,
                           e->n_weights == 1 ? "" : "s", regions->n, regions->n == 1 ? "" : "s",
                           b);
        }
        e->n = regions->n;
        memcpy(e->bound, regions->bound, sizeof e->bound[0] * (size_t)(regions->n - 1));
    }
    if (isnan(e->width))
        e->width = isfinite(spread) && spread > 0 ? EMPHASIS_WIDTH_SHARE * spread : 0.0;
    return SM_OK;
}

void emphasis_range(const double *y, int64_t n, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int64_t i = 0; i < n; i++)
        if (isfinite(y[i])) {
            *lo = fmin(*lo, y[i]);
            *hi = fmax(*hi, y[i]);
        }
}

double emphasis_spread(const double *y, int64_t n)
{
    double lo, hi;
    emphasis_range(y, n, &lo, &hi);
    return hi > lo ? hi - lo : 0.0;
}

double emphasis_weight(const sm_emphasis *e, double z)
{
    int i = 0;
    while (i < e->n - 1 && z >= e->bound[i])
        i++;
    return e->weight[i];
}

/* Append a number to the spec being built. */
static void put_number(char *buf, size_t size, size_t *at, const char *before, double v)
{
    char num[40];
    sm_format_double(num, sizeof num, v);
    int w = snprintf(buf + *at, *at < size ? size - *at : 0, "%s%s", before, num);
    *at += w > 0 ? (size_t)w : 0;
}

sm_status emphasis_compile(const sm_emphasis *e, sm_link *link, sm_error *err)
{
    int changes = 0;
    for (int j = 0; j < e->n - 1; j++)
        changes += e->weight[j] != e->weight[j + 1];
    char spec[LINK_SPEC_MAX];
    size_t at = 0;
    if (changes == 0) {
        put_number(spec, sizeof spec, &at, "lin:w=", e->weight[0]);
        return link_parse(spec, link, err);
    }
    /* A knot where the weight changes; one ramp width for all, cut to half
     * the distance from any such knot to a neighbouring boundary. */
    double knots[SM_MAX_REGIONS], slopes[SM_MAX_REGIONS + 1], width = e->width;
    int n_knots = 0;
    slopes[0] = e->weight[0];
    for (int j = 0; j < e->n - 1; j++) {
        if (e->weight[j] == e->weight[j + 1])
            continue;
        double c = e->bound[j];
        if (j > 0)
            width = fmin(width, 0.5 * (c - e->bound[j - 1]));
        if (j < e->n - 2)
            width = fmin(width, 0.5 * (e->bound[j + 1] - c));
        knots[n_knots++] = c;
        slopes[n_knots] = e->weight[j + 1];
    }
    /* a width too small to tell a ramp's ends apart in doubles: kinks */
    for (int i = 0; i < n_knots && width > 0; i++)
        if (!(knots[i] + 0.5 * width > knots[i] - 0.5 * width))
            width = 0;
    at = (size_t)snprintf(spec, sizeof spec, "pwl:knots=");
    for (int i = 0; i < n_knots; i++)
        put_number(spec, sizeof spec, &at, i ? "/" : "", knots[i]);
    put_number(spec, sizeof spec, &at, ",slopes=", slopes[0]);
    for (int i = 1; i <= n_knots; i++)
        put_number(spec, sizeof spec, &at, "/", slopes[i]);
    if (width > 0)
        put_number(spec, sizeof spec, &at, ",width=", width);
    if (at >= sizeof spec)
        return sm_fail(err, SM_EFAIL, "emphasis_compile: spec too long");
    return link_parse(spec, link, err);
}

int emphasis_format(const sm_emphasis *e, char *buf, size_t size)
{
    size_t at = 0;
    char lower[40] = "-inf", upper[40] = "inf", weight[40];
    for (int i = 0; i < e->n; i++) {
        if (i > 0)
            sm_format_double(lower, sizeof lower, e->bound[i - 1]);
        if (i < e->n - 1)
            sm_format_double(upper, sizeof upper, e->bound[i]);
        else
            snprintf(upper, sizeof upper, "inf");
        sm_format_double(weight, sizeof weight, e->weight[i]);
        int w = snprintf(buf + at, at < size ? size - at : 0, "%s%s%s,%s)=%s", i ? "," : "",
                         i ? "[" : "(", lower, upper, weight);
        at += w > 0 ? (size_t)w : 0;
    }
    if (!isnan(e->width))
        put_number(buf, size, &at, ",width=", e->width);
    return (int)at;
}

void emphasis_report(const sm_emphasis *e, const sm_link *link, const double *y, const double *w,
                     int64_t n, sm_region_report *rep)
{
    const sm_regions *r = &rep->regions;
    double slope[SM_MAX_REGIONS + 1] = {0}, weight[SM_MAX_REGIONS + 1] = {0};
    double mass[SM_MAX_REGIONS + 1] = {0};
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            continue;
        int g = regions_assign(r, y[i]);
        double wi = w ? w[i] : 1.0;
        double d = wi * link_dh(link, y[i]), asked = wi * emphasis_weight(e, y[i]);
        slope[g] += d;
        weight[g] += asked;
        mass[g] += wi;
        slope[r->n] += d;
        weight[r->n] += asked;
        mass[r->n] += wi;
    }
    for (int g = 0; g <= r->n; g++) {
        sm_region_stats *st = g < r->n ? &rep->region[g] : &rep->all;
        st->slope = mass[g] > 0 ? slope[g] / mass[g] : NAN;
        st->weight = mass[g] > 0 ? weight[g] / mass[g] : NAN;
    }
    rep->emphasis = 1;
}
