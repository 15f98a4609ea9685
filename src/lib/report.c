/* report.c - the reports and tables as aligned text, TSV or JSON.
 *
 * The statistics columns and the header fields are each described once (the
 * tables below); every format iterates them, so adding a column is one line.
 *
 * text  "key: value" header lines (data, model, predictions, loss, label
 *       transform, then the regions as intervals and how they were chosen);
 *       the per-region table, one row per region and an "all" row, numbers
 *       %.4g right-aligned, hit% a percentage, "-" for an empty region's means
 *       (with emphasis, also h' and the weight asked for);
 *       then the confusion matrix, label regions down, prediction regions across.
 * tsv   one tidy table "table row column value" (header line first): "info"
 *       rows (row: all; column: data, model, predictions, loss,
 *       label_transform, regions_origin, boundaries, interval_I; value: the
 *       text; a NULL field is left out); "region" rows (row: the index
 *       or "all"; column: lower, upper and the stats keys); "confusion" rows
 *       (row: label region, column: prediction region). Counts are
 *       integers; other values have TSV_DECIMALS fixed decimals, NaN for an
 *       empty region's means, inf/-inf; hit_rate a fraction in [0, 1].
 * json  one object with the keys data, model, predictions, loss,
 *       label_transform (strings or null); regions (count, origin, boundaries,
 *       intervals); per_region (a list of objects: region, interval and the
 *       stats keys as in tsv); all (interval and the stats keys); confusion
 *       (a list per label region of the counts by prediction region).
 *       numbers exact (numfmt.h), non-finite ones null; strings escaped, bytes that are
 *       not UTF-8 replaced by U+FFFD so that the output is always valid JSON.
 *
 * With ranking metrics (grouped data) each format continues:
 * text  "ranking metrics", the conventions (queries, ties, gain, discount,
 *       ERR's y_max, relevance threshold, queries without relevant rows,
 *       region pairs), a "metric value queries" table (ndcg@k..., err@k...,
 *       map, mrr), and the pairwise ordering accuracy per pair of regions
 *       (higher, lower, pairs, ordered%) with an "all" line.
 * tsv   the conventions as info rows; "ranking" rows (row: the metric,
 *       column: value or queries); "region_pairs", "region_ordered" and
 *       "region_accuracy" rows (row: higher region, column: lower; "all all").
 * json  a "ranking" object: queries, rows, conventions (an object), metrics
 *       (ndcg@1 ... map, mrr), gain_queries, relevant_queries, region_pairs (a
 *       list of objects: higher, lower, pairs, ordered, accuracy) and all_pairs.
 */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"

const char *const report_format_names[REPORT_FORMAT_COUNT + 1] = {
    [REPORT_TEXT] = "text", [REPORT_TSV] = "tsv", [REPORT_JSON] = "json"};


/* ---- cells ---- */

typedef enum { STYLE_TEXT, STYLE_TSV, STYLE_JSON } cell_style;

typedef enum {
    COLUMN_COUNT, /* int64_t */
    COLUMN_VALUE, /* double */
    COLUMN_SHARE  /* double in [0, 1]; a percentage in the text table */
} column_kind;

typedef struct {
    const char *key;     /* tsv and json */
    const char *heading; /* text table */
    column_kind kind;
    size_t offset;       /* into sm_region_stats */
} stats_column;

static const stats_column stats_columns[] = {
    {.key = "rows", .heading = "rows", .kind = COLUMN_COUNT, .offset = offsetof(sm_region_stats, rows)},
    {.key = "mean_label", .heading = "mean_y", .kind = COLUMN_VALUE, .offset = offsetof(sm_region_stats, mean_label)},
    {.key = "mean_pred", .heading = "mean_s", .kind = COLUMN_VALUE, .offset = offsetof(sm_region_stats, mean_pred)},
    {.key = "bias", .heading = "bias", .kind = COLUMN_VALUE, .offset = offsetof(sm_region_stats, bias)},
    {.key = "mae", .heading = "MAE", .kind = COLUMN_VALUE, .offset = offsetof(sm_region_stats, mae)},
    {.key = "rmse", .heading = "RMSE", .kind = COLUMN_VALUE, .offset = offsetof(sm_region_stats, rmse)},
    {.key = "mean_loss", .heading = "sel_loss", .kind = COLUMN_VALUE, .offset = offsetof(sm_region_stats, mean_loss)},
    {.key = "mean_sq", .heading = "sq_loss", .kind = COLUMN_VALUE, .offset = offsetof(sm_region_stats, mean_sq)},
    {.key = "hit_rate", .heading = "hit%", .kind = COLUMN_SHARE, .offset = offsetof(sm_region_stats, hit_rate)},
    /* a model trained with --emphasize only: these stay last (stats_column_count) */
    {.key = "slope", .heading = "h'", .kind = COLUMN_VALUE, .offset = offsetof(sm_region_stats, slope)},
    {.key = "weight", .heading = "weight", .kind = COLUMN_VALUE, .offset = offsetof(sm_region_stats, weight)},
};
enum { N_EMPHASIS_COLUMNS = 2 };

/* The columns a report shows: the emphasis ones only when it has them. */
static int stats_column_count(const sm_region_report *rep)
{
    int n = (int)(sizeof stats_columns / sizeof stats_columns[0]);
    return rep->emphasis ? n : n - N_EMPHASIS_COLUMNS;
}

/* Large enough for any cell: the exact decimal of a double, an int64 or an interval. */
#define CELL_MAX 96

static void format_number(char *buf, size_t size, double v, cell_style style)
{
    static const char *const nan_text[] = {[STYLE_TEXT] = "-", [STYLE_TSV] = "NaN",
                                           [STYLE_JSON] = "null"};
    if (isnan(v))
        snprintf(buf, size, "%s", nan_text[style]);
    else if (isinf(v))
        snprintf(buf, size, "%s", style == STYLE_JSON ? "null" : v > 0 ? "inf" : "-inf");
    else if (style == STYLE_TEXT)
        snprintf(buf, size, "%.4g", v);
    else
        sm_format_double(buf, size, v);
}

static void format_cell(char *buf, size_t size, const stats_column *c,
                        const sm_region_stats *st, cell_style style)
{
    const char *field = (const char *)st + c->offset;
    if (c->kind == COLUMN_COUNT) {
        int64_t count;
        memcpy(&count, field, sizeof count);
        snprintf(buf, size, "%lld", (long long)count);
        return;
    }
    double v;
    memcpy(&v, field, sizeof v);
    if (c->kind == COLUMN_SHARE && style == STYLE_TEXT && isfinite(v))
        snprintf(buf, size, "%.1f", 100.0 * v);
    else
        format_number(buf, size, v, style);
}

/* ---- output with sticky failure ---- */

typedef struct {
    FILE *f;
    int failed;
    int saved_errno;
} report_out;

static void out_fail(report_out *o)
{
    if (!o->failed) {
        o->failed = 1;
        o->saved_errno = errno;
    }
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void out_printf(report_out *o, const char *fmt, ...)
{
    if (o->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(o->f, fmt, ap) < 0)
        out_fail(o);
    va_end(ap);
}

static void out_putc(report_out *o, int c)
{
    if (!o->failed && fputc(c, o->f) == EOF)
        out_fail(o);
}

/* Text and TSV are line-based: a control character in a file name must not
 * break a line or a column, so it is shown as '?'. */
static void out_plain_string(report_out *o, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        out_putc(o, *p < 0x20 || *p == 0x7f ? '?' : *p);
}

/* Length of the well-formed UTF-8 sequence at p, 0 when it is not one. */
static int utf8_sequence_length(const unsigned char *p)
{
    unsigned c = p[0], code, min;
    int len;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0)
        len = 2, min = 0x80, code = c & 0x1f;
    else if ((c & 0xf0) == 0xe0)
        len = 3, min = 0x800, code = c & 0x0f;
    else if ((c & 0xf8) == 0xf0)
        len = 4, min = 0x10000, code = c & 0x07;
    else
        return 0;
    for (int k = 1; k < len; k++) {
        if ((p[k] & 0xc0) != 0x80) /* also stops at the terminating NUL */
            return 0;
        code = code << 6 | (p[k] & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
        return 0;
    return len;
}

static void out_json_string(report_out *o, const char *s)
{
    if (!s) {
        out_printf(o, "null");
        return;
    }
    out_putc(o, '"');
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int len = utf8_sequence_length(p);
        if (len == 0) {
            out_printf(o, "\\ufffd");
            p++;
        } else if (*p == '"' || *p == '\\') {
            out_putc(o, '\\');
            out_putc(o, *p++);
        } else if (*p < 0x20) {
            static const char short_escape[] = {['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n',
                                                ['\r'] = 'r', ['\t'] = 't', [0x1f] = 0};
            if (short_escape[*p])
                out_printf(o, "\\%c", short_escape[*p]);
            else
                out_printf(o, "\\u%04x", (unsigned)*p);
            p++;
        } else {
            while (len-- > 0)
                out_putc(o, *p++);
        }
    }
    out_putc(o, '"');
}

/* ---- the header fields ---- */

typedef struct {
    const char *key;   /* tsv and json */
    const char *label; /* text */
    const char *value; /* may be NULL */
    int optional;      /* left out of every format when NULL */
} meta_field;

enum { N_META_FIELDS = 6 };

static void meta_fields(const sm_report_meta *meta, meta_field field[N_META_FIELDS])
{
    static const sm_report_meta none;
    if (!meta)
        meta = &none;
    field[0] = (meta_field){.key = "data", .label = "data", .value = meta->data_name};
    field[1] = (meta_field){.key = "model", .label = "model", .value = meta->model_name};
    field[2] = (meta_field){.key = "predictions", .label = "predictions", .value = meta->predictions_name};
    field[3] = (meta_field){.key = "loss", .label = "loss", .value = meta->loss_spec};
    field[4] = (meta_field){.key = "label_transform", .label = "label transform", .value = meta->label_transform};
    /* the means and shares are weighted: say so, and by what */
    field[5] = (meta_field){.key = "weights", .label = "weights", .value = meta->weights_name,
                            .optional = 1};
}

static const char *origin_description(sm_regions_origin o)
{
    switch (o) {
    case REGIONS_GIVEN: return "given boundaries";
    case REGIONS_DISTINCT: return "one per distinct label value";
    case REGIONS_QUARTILES: return "label quartiles";
    case REGIONS_TIED_QUARTILES:
        return "label quartiles, tied: regions split at their medians, tied labels kept together";
    case REGIONS_ORIGIN_COUNT: break;
    }
    return "unknown origin";
}

/* The header fields: text "label: value" lines ("(none)" for a missing
 * value), TSV "# key: value" comment lines (missing ones left out), JSON
 * "key": value members each followed by a comma (null for a missing one). */
static void write_meta(report_out *o, const sm_report_meta *meta, cell_style style)
{
    char cell[CELL_MAX];
    meta_field field[N_META_FIELDS];
    meta_fields(meta, field);
    for (int k = 0; k < N_META_FIELDS; k++) {
        if (field[k].optional && !field[k].value)
            continue;
        if (style == STYLE_TEXT) {
            snprintf(cell, sizeof cell, "%s:", field[k].label);
            out_printf(o, "%-17s", cell);
            out_plain_string(o, field[k].value ? field[k].value : "(none)");
            out_putc(o, '\n');
        } else if (style == STYLE_TSV && field[k].value) {
            out_printf(o, "# %s: ", field[k].key);
            out_plain_string(o, field[k].value);
            out_putc(o, '\n');
        } else if (style == STYLE_JSON) {
            out_printf(o, "  \"%s\": ", field[k].key);
            out_json_string(o, field[k].value);
            out_printf(o, ",\n");
        }
    }
}

/* ---- text ---- */

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

static void text_stats_row(report_out *o, const char *label, int label_width,
                           const sm_region_stats *st, const int *width, int n_columns)
{
    char cell[CELL_MAX];
    out_printf(o, "%-*s", label_width, label);
    for (int c = 0; c < n_columns; c++) {
        format_cell(cell, sizeof cell, &stats_columns[c], st, STYLE_TEXT);
        out_printf(o, "  %*s", width[c], cell);
    }
    out_putc(o, '\n');
}

static void text_ranking(report_out *o, const sm_rank_report *rank);

static void write_text(report_out *o, const sm_report_meta *meta, const sm_region_report *rep,
                       const sm_rank_report *rank)
{
    const sm_regions *r = &rep->regions;
    char cell[CELL_MAX];
    write_meta(o, meta, STYLE_TEXT);
    out_printf(o, "%-17s%d, %s:", "regions:", r->n, origin_description(r->origin));
    for (int i = 0; i < r->n; i++) {
        regions_interval_format(r, i, cell, sizeof cell);
        out_printf(o, " %s", cell);
    }
    out_printf(o, "\n\n");

    /* Column widths come from the widest cell, so one pass formats to measure. */
    int n_columns = stats_column_count(rep);
    int label_width = (int)strlen("region"), width[sizeof stats_columns / sizeof stats_columns[0]];
    for (int i = 0; i < r->n; i++)
        label_width = max_int(label_width, regions_interval_format(r, i, cell, sizeof cell));
    for (int c = 0; c < n_columns; c++) {
        width[c] = (int)strlen(stats_columns[c].heading);
        for (int i = 0; i <= r->n; i++) {
            format_cell(cell, sizeof cell, &stats_columns[c],
                        i < r->n ? &rep->region[i] : &rep->all, STYLE_TEXT);
            width[c] = max_int(width[c], (int)strlen(cell));
        }
    }
    out_printf(o, "%-*s", label_width, "region");
    for (int c = 0; c < n_columns; c++)
        out_printf(o, "  %*s", width[c], stats_columns[c].heading);
    out_putc(o, '\n');
    for (int i = 0; i < r->n; i++) {
        regions_interval_format(r, i, cell, sizeof cell);
        text_stats_row(o, cell, label_width, &rep->region[i], width, n_columns);
    }
    text_stats_row(o, "all", label_width, &rep->all, width, n_columns);

    out_printf(o, "\nconfusion matrix: rows = region of the label, "
                  "columns = region of the prediction (row counts)\n");
    const char *corner = "label \\ pred";
    int corner_width = (int)strlen(corner), count_width[SM_MAX_REGIONS];
    for (int i = 0; i < r->n; i++) {
        count_width[i] = regions_interval_format(r, i, cell, sizeof cell);
        corner_width = max_int(corner_width, count_width[i]);
        for (int j = 0; j < r->n; j++)
            count_width[i] = max_int(count_width[i],
                                     snprintf(cell, sizeof cell, "%lld",
                                              (long long)rep->confusion[j][i]));
    }
    out_printf(o, "%-*s", corner_width, corner);
    for (int j = 0; j < r->n; j++) {
        regions_interval_format(r, j, cell, sizeof cell);
        out_printf(o, "  %*s", count_width[j], cell);
    }
    out_putc(o, '\n');
    for (int i = 0; i < r->n; i++) {
        regions_interval_format(r, i, cell, sizeof cell);
        out_printf(o, "%-*s", corner_width, cell);
        for (int j = 0; j < r->n; j++)
            out_printf(o, "  %*lld", count_width[j], (long long)rep->confusion[i][j]);
        out_putc(o, '\n');
    }
    if (rank)
        text_ranking(o, rank);
}

/* ---- tsv: one tidy table ---- */

/* Every TSV report is the one table "table row column value": a number a
 * line with fixed decimals, so that a column reads as one type and lines up. */
#define TSV_DECIMALS 6
/* %.6f of the largest double */
#define TSV_CELL_MAX 400

static void tsv_value(report_out *o, const char *table, const char *row, const char *column,
                      double value)
{
    char cell[TSV_CELL_MAX];
    if (isfinite(value))
        snprintf(cell, sizeof cell, "%.*f", TSV_DECIMALS, value);
    else
        format_number(cell, sizeof cell, value, STYLE_TSV);
    out_printf(o, "%s\t%s\t%s\t%s\n", table, row, column, cell);
}

/* A count: an integer, as the counts of the other formats. */
static void tsv_count(report_out *o, const char *table, const char *row, const char *column,
                      int64_t count)
{
    out_printf(o, "%s\t%s\t%s\t%lld\n", table, row, column, (long long)count);
}

/* A text of the report (a file name, the loss): table "info", row "all"
 * (it is the whole report's, as the summary rows), column the key, value the
 * text; laid out as every other row, so a script reads the key in the
 * column field and the text in the value field. */
static void tsv_info(report_out *o, const char *key, const char *text)
{
    out_printf(o, "info\tall\t%s\t", key);
    out_plain_string(o, text);
    out_printf(o, "\n");
}

static void tsv_header(report_out *o, const sm_report_meta *meta)
{
    meta_field field[N_META_FIELDS];
    meta_fields(meta, field);
    out_printf(o, "table\trow\tcolumn\tvalue\n");
    for (int k = 0; k < N_META_FIELDS; k++)
        if (field[k].value)
            tsv_info(o, field[k].key, field[k].value);
}

static void tsv_ranking(report_out *o, const sm_rank_report *rank);

static void write_tsv(report_out *o, const sm_report_meta *meta, const sm_region_report *rep,
                      const sm_rank_report *rank)
{
    const sm_regions *r = &rep->regions;
    char bounds[SM_MAX_REGIONS * 26], a[24], b[24], cell[CELL_MAX];
    int n_columns = stats_column_count(rep);
    tsv_header(o, meta);
    regions_format(r, bounds, sizeof bounds);
    tsv_info(o, "regions_origin", regions_origin_name(r->origin));
    tsv_info(o, "boundaries", bounds);
    for (int i = 0; i < r->n; i++) {
        regions_interval_format(r, i, cell, sizeof cell);
        snprintf(a, sizeof a, "interval_%d", i);
        tsv_info(o, a, cell);
    }
    for (int i = 0; i <= r->n; i++) {
        const sm_region_stats *st = i < r->n ? &rep->region[i] : &rep->all;
        snprintf(a, sizeof a, "%d", i);
        const char *row = i < r->n ? a : "all";
        tsv_value(o, "region", row, "lower", i > 0 && i < r->n ? r->bound[i - 1] : -INFINITY);
        tsv_value(o, "region", row, "upper", i < r->n - 1 ? r->bound[i] : INFINITY);
        for (int c = 0; c < n_columns; c++) {
            const char *field = (const char *)st + stats_columns[c].offset;
            int64_t count;
            double v;
            if (stats_columns[c].kind == COLUMN_COUNT) {
                memcpy(&count, field, sizeof count);
                tsv_count(o, "region", row, stats_columns[c].key, count);
            } else {
                memcpy(&v, field, sizeof v);
                tsv_value(o, "region", row, stats_columns[c].key, v);
            }
        }
    }
    for (int i = 0; i < r->n; i++)
        for (int j = 0; j < r->n; j++) {
            snprintf(a, sizeof a, "%d", i);
            snprintf(b, sizeof b, "%d", j);
            tsv_count(o, "confusion", a, b, rep->confusion[i][j]);
        }
    if (rank)
        tsv_ranking(o, rank);
}

/* ---- json ---- */

static void json_stats_fields(report_out *o, const sm_region_stats *st, int n_columns)
{
    char cell[CELL_MAX];
    for (int c = 0; c < n_columns; c++) {
        format_cell(cell, sizeof cell, &stats_columns[c], st, STYLE_JSON);
        out_printf(o, ", \"%s\": %s", stats_columns[c].key, cell);
    }
}

static void json_ranking(report_out *o, const sm_rank_report *rank);

static void write_json(report_out *o, const sm_report_meta *meta, const sm_region_report *rep,
                       const sm_rank_report *rank)
{
    const sm_regions *r = &rep->regions;
    char cell[CELL_MAX];
    out_printf(o, "{\n");
    write_meta(o, meta, STYLE_JSON);

    out_printf(o, "  \"regions\": {\"count\": %d, \"origin\": ", r->n);
    out_json_string(o, regions_origin_name(r->origin));
    out_printf(o, ", \"boundaries\": [");
    for (int i = 0; i + 1 < r->n; i++) {
        format_number(cell, sizeof cell, r->bound[i], STYLE_JSON);
        out_printf(o, "%s%s", i ? ", " : "", cell);
    }
    out_printf(o, "], \"intervals\": [");
    for (int i = 0; i < r->n; i++) {
        regions_interval_format(r, i, cell, sizeof cell);
        out_printf(o, "%s", i ? ", " : "");
        out_json_string(o, cell);
    }
    out_printf(o, "]},\n");

    out_printf(o, "  \"per_region\": [\n");
    for (int i = 0; i < r->n; i++) {
        regions_interval_format(r, i, cell, sizeof cell);
        out_printf(o, "    {\"region\": %d, \"interval\": ", i);
        out_json_string(o, cell);
        json_stats_fields(o, &rep->region[i], stats_column_count(rep));
        out_printf(o, "}%s\n", i + 1 < r->n ? "," : "");
    }
    out_printf(o, "  ],\n  \"all\": {\"interval\": \"(-inf, inf)\"");
    json_stats_fields(o, &rep->all, stats_column_count(rep));
    out_printf(o, "},\n");

    out_printf(o, "  \"confusion\": [\n");
    for (int i = 0; i < r->n; i++) {
        out_printf(o, "    [");
        for (int j = 0; j < r->n; j++)
            out_printf(o, "%s%lld", j ? ", " : "", (long long)rep->confusion[i][j]);
        out_printf(o, "]%s\n", i + 1 < r->n ? "," : "");
    }
    out_printf(o, "  ]");
    if (rank)
        json_ranking(o, rank);
    out_printf(o, "\n}\n");
}

/* ---- ranking metrics ---- */

/* The metrics as rows: name, mean, and the queries it averages. */
typedef struct {
    char name[24];
    double value;
    int64_t queries;
} rank_row;

static int rank_rows(const sm_rank_report *rk, rank_row *row)
{
    int n = 0;
    const sm_rank_config *c = &rk->config;
    for (int t = 0; t < c->n_cutoffs; t++) {
        snprintf(row[n].name, sizeof row[n].name, "ndcg@%d", c->cutoff[t]);
        row[n].value = rk->mean.ndcg[t];
        row[n++].queries = rk->gain_queries;
    }
    for (int t = 0; t < c->n_cutoffs; t++) {
        snprintf(row[n].name, sizeof row[n].name, "err@%d", c->cutoff[t]);
        row[n].value = rk->mean.err[t];
        row[n++].queries = rk->gain_queries;
    }
    row[n] = (rank_row){.name = "map", .value = rk->mean.ap, .queries = rk->relevant_queries};
    n++;
    row[n] = (rank_row){.name = "mrr", .value = rk->mean.rr, .queries = rk->relevant_queries};
    return n + 1;
}
#define RANK_ROWS_MAX (2 * RANK_MAX_CUTOFFS + 2)

static double share(int64_t part, int64_t whole)
{
    return whole ? (double)part / (double)whole : NAN;
}

/* The conventions as "key: text" lines (text report) or info rows (TSV). */
enum { N_CONVENTIONS = 7, CONVENTION_MAX = 200 };

static const char *const convention_key[N_CONVENTIONS] = {
    "queries", "ties", "ndcg@k", "err@k", "map, mrr",
    "no relevant row (ndcg, err: no positive gain; map, mrr: none above the threshold)",
    "region pairs"};
/* The same keys in TSV: no spaces or commas. */
static const char *const convention_tsv_key[N_CONVENTIONS] = {
    "queries", "ties", "ndcg@k", "err@k", "map_mrr", "no_relevant", "region_pairs"};

static void ranking_convention_texts(const sm_rank_report *rk, char text[][CONVENTION_MAX])
{
    const sm_rank_config *c = &rk->config;
    char max[40], threshold[40];
    sm_format_double(max, sizeof max, rk->max_label);
    sm_format_double(threshold, sizeof threshold, c->threshold);
    snprintf(text[0], CONVENTION_MAX, "%lld (%lld rows); metrics are means over queries",
             (long long)rk->queries, (long long)rk->rows);
    snprintf(text[1], CONVENTION_MAX, "equal scores are ordered pessimistically (lower label first)");
    snprintf(text[2], CONVENTION_MAX, "gain %s, discount 1/log2(rank+1), ideal = rows by label; "
             "labels <= 0 gain 0", c->gain == GAIN_EXP2 ? "2^y - 1 (exp2)" : "y (linear)");
    snprintf(text[3], CONVENTION_MAX, "R = gain(y) / (gain(y_max) + 1), y_max = %s", max);
    snprintf(text[4], CONVENTION_MAX, "relevant when y > %s", threshold);
    snprintf(text[5], CONVENTION_MAX, "%s",
             c->no_relevant == NO_RELEVANT_ONE ? "the query counts as 1 (err 0)"
                                               : "the query is skipped");
    snprintf(text[6], CONVENTION_MAX, "pairs of rows of one query, one in each region; ordered = "
             "the higher region's row scored strictly higher");
}

static void ranking_conventions(report_out *o, const sm_rank_report *rk, const char *prefix)
{
    char text[N_CONVENTIONS][CONVENTION_MAX];
    ranking_convention_texts(rk, text);
    for (int i = 0; i < N_CONVENTIONS; i++)
        out_printf(o, "%s%s: %s\n", prefix, convention_key[i], text[i]);
}

static void text_ranking(report_out *o, const sm_rank_report *rk)
{
    rank_row row[RANK_ROWS_MAX];
    char cell[CELL_MAX], lo[CELL_MAX];
    int n = rank_rows(rk, row);
    out_printf(o, "\nranking metrics\n");
    ranking_conventions(o, rk, "  ");
    out_printf(o, "\n%-10s  %8s  %8s\n", "metric", "value", "queries");
    for (int i = 0; i < n; i++) {
        format_number(cell, sizeof cell, row[i].value, STYLE_TEXT);
        out_printf(o, "%-10s  %8s  %8lld\n", row[i].name, cell, (long long)row[i].queries);
    }
    const sm_regions *r = &rk->regions;
    int width = (int)strlen("higher");
    for (int i = 0; i < r->n; i++)
        width = max_int(width, regions_interval_format(r, i, cell, sizeof cell));
    out_printf(o, "\npairwise ordering accuracy by label region\n%-*s  %-*s  %10s  %9s\n",
               width, "higher", width, "lower", "pairs", "ordered%");
    for (int a = r->n - 1; a > 0; a--)
        for (int b = a - 1; b >= 0; b--) {
            regions_interval_format(r, a, cell, sizeof cell);
            regions_interval_format(r, b, lo, sizeof lo);
            out_printf(o, "%-*s  %-*s  %10lld", width, cell, width, lo, (long long)rk->pairs[a][b]);
            double acc = share(rk->ordered[a][b], rk->pairs[a][b]);
            if (isnan(acc))
                out_printf(o, "  %9s\n", "-");
            else
                out_printf(o, "  %9.1f\n", 100.0 * acc);
        }
    double all = share(rk->all_ordered, rk->all_pairs);
    out_printf(o, "%-*s  %-*s  %10lld", width, "all", width, "", (long long)rk->all_pairs);
    if (isnan(all))
        out_printf(o, "  %9s\n", "-");
    else
        out_printf(o, "  %9.1f\n", 100.0 * all);
}

static void tsv_ranking(report_out *o, const sm_rank_report *rk)
{
    rank_row row[RANK_ROWS_MAX];
    char text[N_CONVENTIONS][CONVENTION_MAX], hi[24], lo[24];
    int n = rank_rows(rk, row);
    ranking_convention_texts(rk, text);
    for (int i = 0; i < N_CONVENTIONS; i++)
        tsv_info(o, convention_tsv_key[i], text[i]);
    for (int i = 0; i < n; i++) {
        tsv_value(o, "ranking", row[i].name, "value", row[i].value);
        tsv_count(o, "ranking", row[i].name, "queries", row[i].queries);
    }
    const sm_regions *r = &rk->regions;
    for (int a = r->n; a > 0; a--)
        for (int b = a - 1; b >= 0; b--) {
            int all = a == r->n; /* the first pass: every pair of regions together */
            if (all && b != a - 1)
                continue;
            int64_t pairs = all ? rk->all_pairs : rk->pairs[a][b];
            int64_t ordered = all ? rk->all_ordered : rk->ordered[a][b];
            snprintf(hi, sizeof hi, "%d", a);
            snprintf(lo, sizeof lo, "%d", b);
            tsv_count(o, "region_pairs", all ? "all" : hi, all ? "all" : lo, pairs);
            tsv_count(o, "region_ordered", all ? "all" : hi, all ? "all" : lo, ordered);
            tsv_value(o, "region_accuracy", all ? "all" : hi, all ? "all" : lo,
                      share(ordered, pairs));
        }
}

static void json_ranking(report_out *o, const sm_rank_report *rk)
{
    rank_row row[RANK_ROWS_MAX];
    char cell[CELL_MAX];
    int n = rank_rows(rk, row);
    const sm_rank_config *c = &rk->config;
    out_printf(o, ",\n  \"ranking\": {\n    \"queries\": %lld, \"rows\": %lld,\n",
               (long long)rk->queries, (long long)rk->rows);
    out_printf(o, "    \"conventions\": {\"ties\": \"pessimistic\", \"gain\": ");
    out_json_string(o, rank_gain_name(c->gain));
    out_printf(o, ", \"discount\": \"1/log2(rank+1)\"");
    format_number(cell, sizeof cell, rk->max_label, STYLE_JSON);
    out_printf(o, ", \"err_max_label\": %s", cell);
    format_number(cell, sizeof cell, c->threshold, STYLE_JSON);
    out_printf(o, ", \"relevance_threshold\": %s, \"no_relevant\": ", cell);
    out_json_string(o, rank_no_relevant_name(c->no_relevant));
    out_printf(o, "},\n    \"metrics\": {");
    for (int i = 0; i < n; i++) {
        format_number(cell, sizeof cell, row[i].value, STYLE_JSON);
        out_printf(o, "%s\"%s\": %s", i ? ", " : "", row[i].name, cell);
    }
    out_printf(o, "},\n    \"gain_queries\": %lld, \"relevant_queries\": %lld,\n",
               (long long)rk->gain_queries, (long long)rk->relevant_queries);
    out_printf(o, "    \"region_pairs\": [");
    const sm_regions *r = &rk->regions;
    int first = 1;
    for (int a = r->n - 1; a > 0; a--)
        for (int b = a - 1; b >= 0; b--) {
            format_number(cell, sizeof cell, share(rk->ordered[a][b], rk->pairs[a][b]), STYLE_JSON);
            out_printf(o, "%s\n      {\"higher\": %d, \"lower\": %d, \"pairs\": %lld, "
                          "\"ordered\": %lld, \"accuracy\": %s}",
                       first ? "" : ",", a, b, (long long)rk->pairs[a][b],
                       (long long)rk->ordered[a][b], cell);
            first = 0;
        }
    format_number(cell, sizeof cell, share(rk->all_ordered, rk->all_pairs), STYLE_JSON);
    out_printf(o, "%s],\n    \"all_pairs\": {\"pairs\": %lld, \"ordered\": %lld, \"accuracy\": %s}\n  }",
               first ? "" : "\n    ", (long long)rk->all_pairs, (long long)rk->all_ordered, cell);
}

/* ---- entry point ---- */

/* Flush and turn a sticky write failure into SM_EIO. */
static sm_status finish_output(FILE *out, report_out *o, sm_error *err)
{
    if (fflush(out) != 0)
        out_fail(o);
    if (!o->failed && ferror(out)) {
        errno = EIO;
        out_fail(o);
    }
    if (o->failed)
        return sm_fail(err, SM_EIO, "cannot write the report: %s", strerror(o->saved_errno));
    return SM_OK;
}

sm_status report_write_regions(FILE *out, sm_report_format fmt, const sm_report_meta *meta,
                               const sm_region_report *rep, sm_error *err)
{
    return report_write(out, fmt, meta, rep, NULL, err);
}

sm_status report_write(FILE *out, sm_report_format fmt, const sm_report_meta *meta,
                       const sm_region_report *rep, const sm_rank_report *rank, sm_error *err)
{
    static void (*const writer[])(report_out *, const sm_report_meta *, const sm_region_report *,
                                  const sm_rank_report *) = {
        [REPORT_TEXT] = write_text, [REPORT_TSV] = write_tsv, [REPORT_JSON] = write_json};
    if (!out || !rep || (unsigned)fmt >= sizeof writer / sizeof writer[0])
        return sm_fail(err, SM_EFAIL, "report_write: invalid arguments");
    if (rep->regions.n < 1 || rep->regions.n > SM_MAX_REGIONS)
        return sm_fail(err, SM_EFAIL, "report_write: invalid region count %d",
                       rep->regions.n);

    report_out o = {out, 0, 0};
    writer[fmt](&o, meta, rep, rank);
    return finish_output(out, &o, err);
}

sm_status report_write_per_query(FILE *out, const sm_rank_report *rank,
                                 const sm_query_metrics *per_query, const int64_t *qid,
                                 const int64_t *group_ptr, int64_t n_groups, sm_error *err)
{
    report_out o = {out, 0, 0};
    rank_row row[RANK_ROWS_MAX];
    char cell[CELL_MAX];
    int n = rank_rows(rank, row), nc = rank->config.n_cutoffs;
    out_printf(&o, "%s\trows", qid ? "qid" : "group");
    for (int i = 0; i < n; i++)
        out_printf(&o, "\t%s", row[i].name);
    out_putc(&o, '\n');
    for (int64_t g = 0; g < n_groups && !o.failed; g++) {
        const sm_query_metrics *q = &per_query[g];
        out_printf(&o, "%lld\t%lld", (long long)(qid ? qid[g] : g + 1),
                   (long long)(group_ptr[g + 1] - group_ptr[g]));
        for (int i = 0; i < n; i++) {
            double v = i < nc ? q->ndcg[i] : i < 2 * nc ? q->err[i - nc] : i == 2 * nc ? q->ap : q->rr;
            format_number(cell, sizeof cell, v, STYLE_TSV);
            out_printf(&o, "\t%s", cell);
        }
        out_putc(&o, '\n');
    }
    return finish_output(out, &o, err);
}

/* ---- the class report (K class scores per row) ----
 *
 * text  the header fields, "classes: K: v1 v2 ...", rows and mean loss; the
 *       summary figures (from the model's probabilities log-loss and Brier
 *       score, for 2 classes ROC and PR AUC; accuracy, top-k accuracy; with a target top-1
 *       agreement, top-k overlap, NDCG@k); the per-class table (rows,
 *       precision, recall, F1, then a "macro" line); the classes of the
 *       data that the model lacks ("not in the model", with their rows); the
 *       confusion matrix
 *       (label class down, predicted class across); with a target the order
 *       accuracy per pair of rank bands. Numbers %.4g, "-" where undefined.
 * tsv   the same tidy table: info rows, then summary rows (table "summary", row
 *       "all" or the figure's k where it has one, column the figure: classes,
 *       rows, mean_loss, accuracy, top_k_accuracy ...), "class" rows (row the class,
 *       column rows|precision|recall|f1; row "macro" for the means),
 *       "not_in_model" rows (row the class, column rows),
 *       "confusion" rows (row the label class, column the predicted class,
 *       value the count), "band_pairs" and "band_accuracy" rows (row the
 *       higher band, column the lower band, as target ranks "1", "2-3", ...).
 *       Counts are integers, other values have TSV_DECIMALS decimals, NaN
 *       where undefined.
 * json  one object: data, model, predictions, loss, label_transform,
 *       classes, rows, mean_loss, summary (an object of the figures),
 *       per_class (a list), macro, not_in_model (a list of objects: class,
 *       rows; only when there are), confusion (a list of rows), and with a
 *       target band_pairs (a list of objects: higher, lower, pairs, ordered,
 *       accuracy). Non-finite numbers null.
 */

enum { CLASS_FIGURES_MAX = 6 + 3 * CLASS_MAX_CUTOFFS };

typedef struct {
    char name[24]; /* json key and text label: accuracy, top_2, overlap@3 ... */
    const char *family; /* tsv column: the figure's family */
    int k;         /* tsv row: its cutoff, 0 for none ("all") */
    double value;
} class_figure;

/* The summary figures in report order. */
static int class_figures(const sm_class_report *r, double mean_loss, class_figure *f)
{
    int n = 0, K = r->n_classes;
    f[n++] = (class_figure){.name = "mean_loss", .family = "mean_loss", .value = mean_loss};
    if (r->has_probs) {
        f[n++] = (class_figure){.name = "log_loss", .family = "log_loss", .value = r->log_loss};
        f[n++] = (class_figure){.name = "brier", .family = "brier", .value = r->brier};
    }
    if (r->has_probs && K == 2) {
        f[n++] = (class_figure){.name = "roc_auc", .family = "roc_auc", .value = r->roc_auc};
        f[n++] = (class_figure){.name = "pr_auc", .family = "pr_auc", .value = r->pr_auc};
    }
    if (r->has_labels) {
        f[n++] = (class_figure){.name = "accuracy", .family = "accuracy", .value = r->accuracy};
        for (int i = 0; i < r->config.n_cutoffs; i++) {
            int k = r->config.cutoff[i] < K ? r->config.cutoff[i] : K;
            if (k > 1) {
                f[n] = (class_figure){.family = "top_k_accuracy", .k = k, .value = r->top_k[i]};
                snprintf(f[n++].name, sizeof f[0].name, "top_%d_accuracy", k);
            }
        }
    }
    if (r->has_target) {
        f[n++] = (class_figure){.name = "top1_agreement", .family = "top1_agreement",
                                .value = r->top1_agreement};
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < r->config.n_cutoffs; i++) {
                int k = r->config.cutoff[i] < K ? r->config.cutoff[i] : K;
                f[n] = (class_figure){.family = pass ? "ndcg" : "overlap", .k = k,
                                      .value = pass ? r->ndcg[i] : r->overlap[i]};
                snprintf(f[n++].name, sizeof f[0].name, "%s@%d", pass ? "ndcg" : "overlap", k);
            }
    }
    return n;
}

enum { BAND_PAIRS_MAX = CLASS_MAX_BANDS * (CLASS_MAX_BANDS + 1) / 2 };

typedef struct {
    char higher[24], lower[24]; /* target ranks: "1", "2-3", "4-10" */
    int64_t pairs, ordered;
    double accuracy;            /* NaN without pairs */
} band_pair;

/* The pairs of bands (higher, lower) in report order, leaving out a band of
 * one rank with itself (it holds no pair). */
static int band_pairs(const sm_class_report *r, band_pair *out)
{
    int n = 0, first[CLASS_MAX_BANDS], last[CLASS_MAX_BANDS];
    char name[CLASS_MAX_BANDS][24];
    for (int b = 0; b < r->n_bands; b++) {
        first[b] = b == 0 ? 1 : r->config.band_end[b - 1] + 1;
        last[b] = b < r->n_bands - 1 ? r->config.band_end[b] : r->n_classes;
        if (first[b] == last[b])
            snprintf(name[b], sizeof name[b], "%d", first[b]);
        else
            snprintf(name[b], sizeof name[b], "%d-%d", first[b], last[b]);
    }
    for (int a = 0; a < r->n_bands; a++)
        for (int b = a; b < r->n_bands; b++) {
            if (a == b && first[a] == last[a])
                continue;
            band_pair *bp = &out[n++];
            memcpy(bp->higher, name[a], sizeof bp->higher);
            memcpy(bp->lower, name[b], sizeof bp->lower);
            bp->pairs = r->band_pairs[a][b];
            bp->ordered = r->band_ordered[a][b];
            bp->accuracy = bp->pairs ? (double)bp->ordered / (double)bp->pairs : NAN;
        }
    return n;
}

static void class_value_name(const int64_t *values, int k, char *buf, size_t size)
{
    snprintf(buf, size, "%lld", (long long)(values ? values[k] : k));
}

static void text_classes(report_out *o, const sm_report_meta *meta, const sm_class_report *r,
                         const sm_class_names *names, double mean_loss)
{
    const int64_t *values = names->value;
    char cell[CELL_MAX], cls[32];
    class_figure fig[CLASS_FIGURES_MAX];
    int K = r->n_classes, nf = class_figures(r, mean_loss, fig);
    write_meta(o, meta, STYLE_TEXT);
    out_printf(o, "%-17s%d:", "classes:", K);
    for (int k = 0; k < K; k++) {
        class_value_name(values, k, cls, sizeof cls);
        out_printf(o, " %s", cls);
    }
    out_printf(o, "\n%-17s%lld\n\n", "rows:", (long long)r->rows);
    for (int i = 0; i < nf; i++) {
        format_number(cell, sizeof cell, fig[i].value, STYLE_TEXT);
        out_printf(o, "%-17s%s\n", fig[i].name, cell);
    }
    if (r->has_labels) {
        out_printf(o, "\n%-8s %8s %9s %9s %9s\n", "class", "rows", "precision", "recall", "F1");
        for (int k = 0; k <= K; k++) {
            const double v[3] = {k < K ? r->precision[k] : r->macro_precision,
                                 k < K ? r->recall[k] : r->macro_recall,
                                 k < K ? r->f1[k] : r->macro_f1};
            if (k < K) {
                class_value_name(values, k, cls, sizeof cls);
                out_printf(o, "%-8s %8lld", cls, (long long)r->support[k]);
            } else {
                out_printf(o, "%-8s %8lld", "macro", (long long)r->rows);
            }
            for (int j = 0; j < 3; j++) {
                format_number(cell, sizeof cell, v[j], STYLE_TEXT);
                out_printf(o, " %9s", cell);
            }
            out_putc(o, '\n');
        }
        if (names->n_not_in_model > 0)
            out_printf(o, "\nnot in the model (its rows count as errors)\n%-8s %8s\n", "class",
                       "rows");
        for (int32_t k = 0; k < names->n_not_in_model; k++)
            out_printf(o, "%-8lld %8lld\n", (long long)names->not_in_model[k],
                       (long long)names->not_in_model_rows[k]);
        out_printf(o, "\nconfusion matrix: rows = labelled class, columns = predicted class "
                      "(row counts)\n%-8s", "label");
        for (int k = 0; k < K; k++) {
            class_value_name(values, k, cls, sizeof cls);
            out_printf(o, " %6s", cls);
        }
        out_putc(o, '\n');
        for (int a = 0; a < K; a++) {
            class_value_name(values, a, cls, sizeof cls);
            out_printf(o, "%-8s", cls);
            for (int b = 0; b < K; b++)
                out_printf(o, " %6lld", (long long)r->confusion[(size_t)a * K + b]);
            out_putc(o, '\n');
        }
    }
    if (r->has_target) {
        band_pair bp[BAND_PAIRS_MAX];
        int n = band_pairs(r, bp);
        out_printf(o, "\norder accuracy by target rank band: pairs of classes the target orders, "
                      "share scored in that order (ties count wrong)\n%-8s %-8s %10s %9s\n",
                   "higher", "lower", "pairs", "ordered%");
        for (int i = 0; i < n; i++) {
            format_number(cell, sizeof cell, 100.0 * bp[i].accuracy, STYLE_TEXT);
            out_printf(o, "%-8s %-8s %10lld %9s\n", bp[i].higher, bp[i].lower,
                       (long long)bp[i].pairs, cell);
        }
    }
}

static void tsv_classes(report_out *o, const sm_report_meta *meta, const sm_class_report *r,
                        const sm_class_names *names, double mean_loss)
{
    const int64_t *values = names->value;
    char a_name[32], b_name[32];
    class_figure fig[CLASS_FIGURES_MAX];
    int K = r->n_classes, nf = class_figures(r, mean_loss, fig);
    tsv_header(o, meta);
    tsv_count(o, "summary", "all", "classes", K);
    tsv_count(o, "summary", "all", "rows", r->rows);
    for (int i = 0; i < nf; i++) {
        snprintf(b_name, sizeof b_name, "%d", fig[i].k);
        tsv_value(o, "summary", fig[i].k ? b_name : "all", fig[i].family, fig[i].value);
    }
    if (r->has_labels) {
        for (int k = 0; k <= K; k++) {
            if (k < K)
                class_value_name(values, k, a_name, sizeof a_name);
            else
                snprintf(a_name, sizeof a_name, "macro");
            if (k < K)
                tsv_count(o, "class", a_name, "rows", r->support[k]);
            tsv_value(o, "class", a_name, "precision", k < K ? r->precision[k] : r->macro_precision);
            tsv_value(o, "class", a_name, "recall", k < K ? r->recall[k] : r->macro_recall);
            tsv_value(o, "class", a_name, "f1", k < K ? r->f1[k] : r->macro_f1);
        }
        for (int32_t k = 0; k < names->n_not_in_model; k++) {
            snprintf(a_name, sizeof a_name, "%lld", (long long)names->not_in_model[k]);
            tsv_count(o, "not_in_model", a_name, "rows", names->not_in_model_rows[k]);
        }
        for (int a = 0; a < K; a++)
            for (int b = 0; b < K; b++) {
                class_value_name(values, a, a_name, sizeof a_name);
                class_value_name(values, b, b_name, sizeof b_name);
                tsv_count(o, "confusion", a_name, b_name, r->confusion[(size_t)a * K + b]);
            }
    }
    if (r->has_target) {
        band_pair bp[BAND_PAIRS_MAX];
        int n = band_pairs(r, bp);
        for (int i = 0; i < n; i++) {
            tsv_count(o, "band_pairs", bp[i].higher, bp[i].lower, bp[i].pairs);
            tsv_value(o, "band_accuracy", bp[i].higher, bp[i].lower, bp[i].accuracy);
        }
    }
}

static void json_number(report_out *o, double v)
{
    char cell[CELL_MAX];
    format_number(cell, sizeof cell, v, STYLE_JSON);
    out_printf(o, "%s", cell);
}

static void json_classes(report_out *o, const sm_report_meta *meta, const sm_class_report *r,
                         const sm_class_names *names, double mean_loss)
{
    const int64_t *values = names->value;
    class_figure fig[CLASS_FIGURES_MAX];
    int K = r->n_classes, nf = class_figures(r, mean_loss, fig);
    out_printf(o, "{\n");
    write_meta(o, meta, STYLE_JSON);
    out_printf(o, "  \"classes\": [");
    for (int k = 0; k < K; k++)
        out_printf(o, "%s%lld", k ? ", " : "", (long long)(values ? values[k] : k));
    out_printf(o, "],\n  \"rows\": %lld,\n  \"summary\": {", (long long)r->rows);
    for (int i = 0; i < nf; i++) {
        out_printf(o, "%s\"%s\": ", i ? ", " : "", fig[i].name);
        json_number(o, fig[i].value);
    }
    out_putc(o, '}');
    if (r->has_labels) {
        out_printf(o, ",\n  \"per_class\": [");
        for (int k = 0; k <= K; k++) {
            if (k < K)
                out_printf(o, "%s\n    {\"class\": %lld, \"rows\": %lld, \"precision\": ", k ? "," : "",
                           (long long)(values ? values[k] : k), (long long)r->support[k]);
            else
                out_printf(o, "\n  ],\n  \"macro\": {\"precision\": ");
            json_number(o, k < K ? r->precision[k] : r->macro_precision);
            out_printf(o, ", \"recall\": ");
            json_number(o, k < K ? r->recall[k] : r->macro_recall);
            out_printf(o, ", \"f1\": ");
            json_number(o, k < K ? r->f1[k] : r->macro_f1);
            out_putc(o, '}');
        }
        if (names->n_not_in_model > 0)
            out_printf(o, ",\n  \"not_in_model\": [");
        for (int32_t k = 0; k < names->n_not_in_model; k++)
            out_printf(o, "%s{\"class\": %lld, \"rows\": %lld}%s", k ? ", " : "",
                       (long long)names->not_in_model[k], (long long)names->not_in_model_rows[k],
                       k == names->n_not_in_model - 1 ? "]" : "");
        out_printf(o, ",\n  \"confusion\": [");
        for (int a = 0; a < K; a++) {
            out_printf(o, "%s\n    [", a ? "," : "");
            for (int b = 0; b < K; b++)
                out_printf(o, "%s%lld", b ? ", " : "", (long long)r->confusion[(size_t)a * K + b]);
            out_putc(o, ']');
        }
        out_printf(o, "\n  ]");
    }
    if (r->has_target) {
        band_pair bp[BAND_PAIRS_MAX];
        int n = band_pairs(r, bp);
        out_printf(o, ",\n  \"band_pairs\": [");
        for (int i = 0; i < n; i++) {
            out_printf(o, "%s\n    {\"higher\": \"%s\", \"lower\": \"%s\", \"pairs\": %lld, "
                          "\"ordered\": %lld, \"accuracy\": ",
                       i ? "," : "", bp[i].higher, bp[i].lower, (long long)bp[i].pairs,
                       (long long)bp[i].ordered);
            json_number(o, bp[i].accuracy);
            out_putc(o, '}');
        }
        out_printf(o, "\n  ]");
    }
    out_printf(o, "\n}\n");
}

sm_status report_write_classes(FILE *out, sm_report_format fmt, const sm_report_meta *meta,
                               const sm_class_report *rep, const sm_class_names *names,
                               double mean_loss, sm_error *err)
{
    const sm_class_names none = {0};
    static void (*const writer[])(report_out *, const sm_report_meta *, const sm_class_report *,
                                  const sm_class_names *, double) = {
        [REPORT_TEXT] = text_classes, [REPORT_TSV] = tsv_classes, [REPORT_JSON] = json_classes};
    if (!out || !rep || (unsigned)fmt >= sizeof writer / sizeof writer[0] || rep->n_classes < 2)
        return sm_fail(err, SM_EFAIL, "report_write_classes: invalid arguments");
    report_out o = {out, 0, 0};
    writer[fmt](&o, meta, rep, names ? names : &none, mean_loss);
    return finish_output(out, &o, err);
}

/* ---- cross-validation ---- */

static const char *cv_units(const sm_cv_result *r)
{
    return r->by_query ? "whole queries" : "rows";
}

static double cv_value(const sm_cv_result *r, int f, int j)
{
    return r->value[(int64_t)f * r->n_figures + j];
}

/* A row per figure, a column per fold, then the mean and the sample
 * standard deviation over the folds; "-" where a fold has no value. */
static void text_cv(report_out *o, const sm_report_meta *meta, const sm_cv_result *r)
{
    int width = (int)strlen("held-out rows");
    for (int j = 0; j < r->n_figures; j++)
        width = max_int(width, (int)strlen(r->name[j]));
    out_printf(o, "# %d-fold cross-validation of ", r->n_folds);
    out_plain_string(o, meta->data_name ? meta->data_name : "(none)");
    out_printf(o, ": %s, seed %llu\n", cv_units(r), (unsigned long long)r->seed);
    if (meta->label_transform && strcmp(meta->label_transform, "none") != 0)
        out_printf(o, "# labels and errors on the %s scale\n", meta->label_transform);
    out_printf(o, "%-*s", width, "figure");
    for (int f = 0; f < r->n_folds; f++) {
        char head[24];
        snprintf(head, sizeof head, "fold %d", f + 1);
        out_printf(o, "  %11s", head);
    }
    out_printf(o, "  %11s  %11s\n%-*s", "mean", "std", width, "held-out rows");
    for (int f = 0; f < r->n_folds; f++)
        out_printf(o, "  %11lld", (long long)r->rows[f]);
    out_putc(o, '\n');
    for (int j = 0; j < r->n_figures; j++) {
        out_printf(o, "%-*s", width, r->name[j]);
        for (int f = 0; f < r->n_folds; f++) {
            double v = cv_value(r, f, j);
            isnan(v) ? out_printf(o, "  %11s", "-") : out_printf(o, "  %11.4f", v);
        }
        double mean, std;
        cv_figure_stats(r, j, &mean, &std);
        out_printf(o, "  %11.4f  %11.4f\n", mean, std);
    }
}

/* The info rows, then "fold" rows (row: the fold, column: rows, a count)
 * and "cv" rows (row: the figure, column: the fold, mean or std). */
static void tsv_cv(report_out *o, const sm_report_meta *meta, const sm_cv_result *r)
{
    char a[24];
    tsv_header(o, meta);
    tsv_info(o, "folds_of", cv_units(r));
    snprintf(a, sizeof a, "%llu", (unsigned long long)r->seed);
    tsv_info(o, "seed", a);
    for (int f = 0; f < r->n_folds; f++) {
        snprintf(a, sizeof a, "%d", f + 1);
        tsv_count(o, "fold", a, "rows", r->rows[f]);
    }
    for (int j = 0; j < r->n_figures; j++) {
        double mean, std;
        cv_figure_stats(r, j, &mean, &std);
        for (int f = 0; f < r->n_folds; f++) {
            snprintf(a, sizeof a, "%d", f + 1);
            tsv_value(o, "cv", r->name[j], a, cv_value(r, f, j));
        }
        tsv_value(o, "cv", r->name[j], "mean", mean);
        tsv_value(o, "cv", r->name[j], "std", std);
    }
}

static void json_cv(report_out *o, const sm_report_meta *meta, const sm_cv_result *r)
{
    out_printf(o, "{\n");
    write_meta(o, meta, STYLE_JSON);
    out_printf(o, "  \"folds\": %d,\n  \"folds_of\": \"%s\",\n  \"seed\": %llu,\n",
               r->n_folds, cv_units(r), (unsigned long long)r->seed);
    out_printf(o, "  \"held_out_rows\": [");
    for (int f = 0; f < r->n_folds; f++)
        out_printf(o, "%s%lld", f ? ", " : "", (long long)r->rows[f]);
    out_printf(o, "],\n  \"figures\": [");
    for (int j = 0; j < r->n_figures; j++) {
        double mean, std;
        cv_figure_stats(r, j, &mean, &std);
        out_printf(o, "%s\n    {\"name\": ", j ? "," : "");
        out_json_string(o, r->name[j]);
        out_printf(o, ", \"folds\": [");
        for (int f = 0; f < r->n_folds; f++) {
            out_printf(o, "%s", f ? ", " : "");
            json_number(o, cv_value(r, f, j));
        }
        out_printf(o, "], \"mean\": ");
        json_number(o, mean);
        out_printf(o, ", \"std\": ");
        json_number(o, std);
        out_putc(o, '}');
    }
    out_printf(o, "\n  ]\n}\n");
}

sm_status report_write_cv(FILE *out, sm_report_format fmt, const sm_report_meta *meta,
                          const sm_cv_result *cv, sm_error *err)
{
    static void (*const writer[])(report_out *, const sm_report_meta *, const sm_cv_result *) = {
        [REPORT_TEXT] = text_cv, [REPORT_TSV] = tsv_cv, [REPORT_JSON] = json_cv};
    static const sm_report_meta none;
    if (!out || !cv || (unsigned)fmt >= sizeof writer / sizeof writer[0])
        return sm_fail(err, SM_EFAIL, "report_write_cv: invalid arguments");
    report_out o = {out, 0, 0};
    writer[fmt](&o, meta ? meta : &none, cv);
    return finish_output(out, &o, err);
}

/* ---- train's epoch table ---- */

static void text_epoch(report_out *o, const char *unit, const char *metric,
                       const sm_epoch_info *e, int first)
{
    if (first) {
        out_printf(o, "%6s  %14s  %14s  %9s", unit, "train_obj", "valid_obj", "seconds");
        if (metric[0])
            out_printf(o, "  %14s  best", metric);
        out_putc(o, '\n');
    }
    char valid[32] = "-";
    if (!isnan(e->valid_objective))
        snprintf(valid, sizeof valid, "%.8g", e->valid_objective);
    out_printf(o, "%6d  %14.8g  %14s  %9.2f", e->epoch, e->train_objective, valid, e->seconds);
    if (metric[0])
        out_printf(o, "  %14.8g  %4d", e->valid_metric, e->best_epoch);
    out_putc(o, '\n');
}

/* Rows of the table `unit` ("epoch", or "iter" for L-BFGS): row the epoch,
 * column train_obj, valid_obj, seconds, the metric and best (the epoch kept
 * so far, an integer). */
static void tsv_epoch(report_out *o, const char *unit, const char *metric,
                      const sm_epoch_info *e, int first)
{
    char row[24];
    if (first) {
        out_printf(o, "table\trow\tcolumn\tvalue\n");
        tsv_info(o, "metric", metric[0] ? metric : "none");
    }
    snprintf(row, sizeof row, "%d", e->epoch);
    tsv_value(o, unit, row, "train_obj", e->train_objective);
    tsv_value(o, unit, row, "valid_obj", e->valid_objective);
    tsv_value(o, unit, row, "seconds", e->seconds);
    if (metric[0]) {
        tsv_value(o, unit, row, metric, e->valid_metric);
        tsv_count(o, unit, row, "best", e->best_epoch);
    }
}

static void json_epoch(report_out *o, const char *unit, const char *metric,
                       const sm_epoch_info *e, int first)
{
    if (first) {
        out_printf(o, "{\n  \"metric\": ");
        out_json_string(o, metric[0] ? metric : NULL);
        out_printf(o, ",\n  \"%ss\": [\n", unit);
    }
    out_printf(o, "%s    {\"%s\": %d, \"train_obj\": ", first ? "" : ",\n", unit, e->epoch);
    json_number(o, e->train_objective);
    out_printf(o, ", \"valid_obj\": ");
    json_number(o, e->valid_objective);
    out_printf(o, ", \"seconds\": ");
    json_number(o, e->seconds);
    if (metric[0]) {
        out_printf(o, ", \"metric\": ");
        json_number(o, e->valid_metric);
        out_printf(o, ", \"best\": %d", e->best_epoch);
    }
    out_putc(o, '}');
}

sm_status report_write_epoch(FILE *out, sm_report_format fmt, const char *unit,
                             const char *metric, const sm_epoch_info *e, int first,
                             sm_error *err)
{
    static void (*const writer[])(report_out *, const char *, const char *,
                                  const sm_epoch_info *, int) = {
        [REPORT_TEXT] = text_epoch, [REPORT_TSV] = tsv_epoch, [REPORT_JSON] = json_epoch};
    if (!out || !e || (unsigned)fmt >= sizeof writer / sizeof writer[0])
        return sm_fail(err, SM_EFAIL, "report_write_epoch: invalid arguments");
    report_out o = {out, 0, 0};
    writer[fmt](&o, unit ? unit : "epoch", metric ? metric : "", e, first);
    return finish_output(out, &o, err);
}

sm_status report_end_epochs(FILE *out, sm_report_format fmt, sm_error *err)
{
    report_out o = {out, 0, 0};
    if (fmt == REPORT_JSON)
        out_printf(&o, "\n  ]\n}\n");
    return finish_output(out, &o, err);
}
