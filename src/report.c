/* report.c - the region report as an aligned text table, TSV or JSON.
 *
 * The statistics columns and the header fields are each described once (the
 * tables below); every format iterates them, so adding a column is one line.
 *
 * text  "key: value" header lines (data, model, predictions, loss, label
 *       transform, then the regions as intervals and how they were chosen);
 *       the per-region table, one row per region and an "all" row, numbers
 *       %.4g right-aligned, hit% a percentage, "-" for an empty region's means;
 *       then the confusion matrix, label regions down, prediction regions across.
 * tsv   "# key: value" comment lines (data, model, predictions, loss,
 *       label_transform, regions_origin, boundaries; a NULL field is left out);
 *       a header row "region lower upper rows mean_label mean_pred bias mae rmse
 *       mean_loss mean_sq hit_rate"; one row per region (its index; the region
 *       is [lower, upper)) and one "all" row; numbers exact (numfmt.h), an empty region's
 *       means "NaN", infinities "inf"/"-inf", hit_rate a fraction in [0, 1].
 *       Then a blank line and the confusion matrix: a header row "label_region
 *       pred_0 pred_1 ...", then per label region its index and the counts.
 * json  one object:
 *       {"data", "model", "predictions", "loss", "label_transform": string or null,
 *        "regions": {"count", "origin", "boundaries": [...], "intervals": [...]},
 *        "per_region": [{"region", "interval", <stats keys as in tsv>}, ...],
 *        "all": {"interval", <stats keys>},
 *        "confusion": [[counts of label region 0 by prediction region], ...]}
 *       numbers exact (numfmt.h), non-finite ones null; strings escaped, bytes that are
 *       not UTF-8 replaced by U+FFFD so that the output is always valid JSON.
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

int report_format_parse(const char *name)
{
    static const char *const names[] = {[REPORT_TEXT] = "text", [REPORT_TSV] = "tsv",
                                        [REPORT_JSON] = "json"};
    for (int i = 0; name && i < (int)(sizeof names / sizeof names[0]); i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

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
    {"rows", "rows", COLUMN_COUNT, offsetof(sm_region_stats, rows)},
    {"mean_label", "mean_y", COLUMN_VALUE, offsetof(sm_region_stats, mean_label)},
    {"mean_pred", "mean_s", COLUMN_VALUE, offsetof(sm_region_stats, mean_pred)},
    {"bias", "bias", COLUMN_VALUE, offsetof(sm_region_stats, bias)},
    {"mae", "MAE", COLUMN_VALUE, offsetof(sm_region_stats, mae)},
    {"rmse", "RMSE", COLUMN_VALUE, offsetof(sm_region_stats, rmse)},
    {"mean_loss", "sel_loss", COLUMN_VALUE, offsetof(sm_region_stats, mean_loss)},
    {"mean_sq", "sq_loss", COLUMN_VALUE, offsetof(sm_region_stats, mean_sq)},
    {"hit_rate", "hit%", COLUMN_SHARE, offsetof(sm_region_stats, hit_rate)},
};
#define N_STATS_COLUMNS ((int)(sizeof stats_columns / sizeof stats_columns[0]))

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

int report_region_interval(const sm_regions *r, int i, char *buf, size_t size)
{
    char lower[40] = "-inf", upper[40] = "inf";
    if (i > 0)
        sm_format_double(lower, sizeof lower, r->bound[i - 1]);
    if (i < r->n - 1)
        sm_format_double(upper, sizeof upper, r->bound[i]);
    return snprintf(buf, size, "%s%s, %s)", i > 0 ? "[" : "(", lower, upper);
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
} meta_field;

enum { N_META_FIELDS = 5 };

static void meta_fields(const sm_report_meta *meta, meta_field field[N_META_FIELDS])
{
    static const sm_report_meta none;
    if (!meta)
        meta = &none;
    field[0] = (meta_field){"data", "data", meta->data_name};
    field[1] = (meta_field){"model", "model", meta->model_name};
    field[2] = (meta_field){"predictions", "predictions", meta->predictions_name};
    field[3] = (meta_field){"loss", "loss", meta->loss_spec};
    field[4] = (meta_field){"label_transform", "label transform", meta->label_transform};
}

static const char *origin_description(sm_regions_origin o)
{
    switch (o) {
    case REGIONS_GIVEN: return "given boundaries";
    case REGIONS_DISTINCT: return "one per distinct label value";
    case REGIONS_QUARTILES: return "label quartiles";
    }
    return "unknown origin";
}

/* ---- text ---- */

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

static void text_stats_row(report_out *o, const char *label, int label_width,
                           const sm_region_stats *st, const int *width)
{
    char cell[CELL_MAX];
    out_printf(o, "%-*s", label_width, label);
    for (int c = 0; c < N_STATS_COLUMNS; c++) {
        format_cell(cell, sizeof cell, &stats_columns[c], st, STYLE_TEXT);
        out_printf(o, "  %*s", width[c], cell);
    }
    out_putc(o, '\n');
}

static void write_text(report_out *o, const sm_report_meta *meta, const sm_region_report *rep)
{
    const sm_regions *r = &rep->regions;
    char cell[CELL_MAX];
    meta_field field[N_META_FIELDS];
    meta_fields(meta, field);
    for (int k = 0; k < N_META_FIELDS; k++) {
        snprintf(cell, sizeof cell, "%s:", field[k].label);
        out_printf(o, "%-17s", cell);
        out_plain_string(o, field[k].value ? field[k].value : "(none)");
        out_putc(o, '\n');
    }
    out_printf(o, "%-17s%d, %s:", "regions:", r->n, origin_description(r->origin));
    for (int i = 0; i < r->n; i++) {
        report_region_interval(r, i, cell, sizeof cell);
        out_printf(o, " %s", cell);
    }
    out_printf(o, "\n\n");

    /* Column widths come from the widest cell, so one pass formats to measure. */
    int label_width = (int)strlen("region"), width[N_STATS_COLUMNS];
    for (int i = 0; i < r->n; i++)
        label_width = max_int(label_width, report_region_interval(r, i, cell, sizeof cell));
    for (int c = 0; c < N_STATS_COLUMNS; c++) {
        width[c] = (int)strlen(stats_columns[c].heading);
        for (int i = 0; i <= r->n; i++) {
            format_cell(cell, sizeof cell, &stats_columns[c],
                        i < r->n ? &rep->region[i] : &rep->all, STYLE_TEXT);
            width[c] = max_int(width[c], (int)strlen(cell));
        }
    }
    out_printf(o, "%-*s", label_width, "region");
    for (int c = 0; c < N_STATS_COLUMNS; c++)
        out_printf(o, "  %*s", width[c], stats_columns[c].heading);
    out_putc(o, '\n');
    for (int i = 0; i < r->n; i++) {
        report_region_interval(r, i, cell, sizeof cell);
        text_stats_row(o, cell, label_width, &rep->region[i], width);
    }
    text_stats_row(o, "all", label_width, &rep->all, width);

    out_printf(o, "\nconfusion matrix: rows = region of the label, "
                  "columns = region of the prediction (row counts)\n");
    const char *corner = "label \\ pred";
    int corner_width = (int)strlen(corner), count_width[SM_MAX_REGIONS];
    for (int i = 0; i < r->n; i++) {
        count_width[i] = report_region_interval(r, i, cell, sizeof cell);
        corner_width = max_int(corner_width, count_width[i]);
        for (int j = 0; j < r->n; j++)
            count_width[i] = max_int(count_width[i],
                                     snprintf(cell, sizeof cell, "%lld",
                                              (long long)rep->confusion[j][i]));
    }
    out_printf(o, "%-*s", corner_width, corner);
    for (int j = 0; j < r->n; j++) {
        report_region_interval(r, j, cell, sizeof cell);
        out_printf(o, "  %*s", count_width[j], cell);
    }
    out_putc(o, '\n');
    for (int i = 0; i < r->n; i++) {
        report_region_interval(r, i, cell, sizeof cell);
        out_printf(o, "%-*s", corner_width, cell);
        for (int j = 0; j < r->n; j++)
            out_printf(o, "  %*lld", count_width[j], (long long)rep->confusion[i][j]);
        out_putc(o, '\n');
    }
}

/* ---- tsv ---- */

static void tsv_stats_row(report_out *o, const char *region, double lower, double upper,
                          const sm_region_stats *st)
{
    char cell[CELL_MAX];
    out_printf(o, "%s", region);
    format_number(cell, sizeof cell, lower, STYLE_TSV);
    out_printf(o, "\t%s", cell);
    format_number(cell, sizeof cell, upper, STYLE_TSV);
    out_printf(o, "\t%s", cell);
    for (int c = 0; c < N_STATS_COLUMNS; c++) {
        format_cell(cell, sizeof cell, &stats_columns[c], st, STYLE_TSV);
        out_printf(o, "\t%s", cell);
    }
    out_putc(o, '\n');
}

static void write_tsv(report_out *o, const sm_report_meta *meta, const sm_region_report *rep)
{
    const sm_regions *r = &rep->regions;
    char bounds[SM_MAX_REGIONS * 26], index[24];
    meta_field field[N_META_FIELDS];
    meta_fields(meta, field);
    out_printf(o, "# smloss region report\n");
    for (int k = 0; k < N_META_FIELDS; k++) {
        if (!field[k].value)
            continue;
        out_printf(o, "# %s: ", field[k].key);
        out_plain_string(o, field[k].value);
        out_putc(o, '\n');
    }
    regions_format(r, bounds, sizeof bounds);
    out_printf(o, "# regions_origin: %s\n# boundaries: %s\n", regions_origin_name(r->origin),
               bounds);

    out_printf(o, "region\tlower\tupper");
    for (int c = 0; c < N_STATS_COLUMNS; c++)
        out_printf(o, "\t%s", stats_columns[c].key);
    out_putc(o, '\n');
    for (int i = 0; i < r->n; i++) {
        snprintf(index, sizeof index, "%d", i);
        tsv_stats_row(o, index, i > 0 ? r->bound[i - 1] : -INFINITY,
                      i < r->n - 1 ? r->bound[i] : INFINITY, &rep->region[i]);
    }
    tsv_stats_row(o, "all", -INFINITY, INFINITY, &rep->all);

    out_printf(o, "\nlabel_region");
    for (int j = 0; j < r->n; j++)
        out_printf(o, "\tpred_%d", j);
    out_putc(o, '\n');
    for (int i = 0; i < r->n; i++) {
        out_printf(o, "%d", i);
        for (int j = 0; j < r->n; j++)
            out_printf(o, "\t%lld", (long long)rep->confusion[i][j]);
        out_putc(o, '\n');
    }
}

/* ---- json ---- */

static void json_stats_fields(report_out *o, const sm_region_stats *st)
{
    char cell[CELL_MAX];
    for (int c = 0; c < N_STATS_COLUMNS; c++) {
        format_cell(cell, sizeof cell, &stats_columns[c], st, STYLE_JSON);
        out_printf(o, ", \"%s\": %s", stats_columns[c].key, cell);
    }
}

static void write_json(report_out *o, const sm_report_meta *meta, const sm_region_report *rep)
{
    const sm_regions *r = &rep->regions;
    char cell[CELL_MAX];
    meta_field field[N_META_FIELDS];
    meta_fields(meta, field);
    out_printf(o, "{\n");
    for (int k = 0; k < N_META_FIELDS; k++) {
        out_printf(o, "  \"%s\": ", field[k].key);
        out_json_string(o, field[k].value);
        out_printf(o, ",\n");
    }

    out_printf(o, "  \"regions\": {\"count\": %d, \"origin\": ", r->n);
    out_json_string(o, regions_origin_name(r->origin));
    out_printf(o, ", \"boundaries\": [");
    for (int i = 0; i + 1 < r->n; i++) {
        format_number(cell, sizeof cell, r->bound[i], STYLE_JSON);
        out_printf(o, "%s%s", i ? ", " : "", cell);
    }
    out_printf(o, "], \"intervals\": [");
    for (int i = 0; i < r->n; i++) {
        report_region_interval(r, i, cell, sizeof cell);
        out_printf(o, "%s", i ? ", " : "");
        out_json_string(o, cell);
    }
    out_printf(o, "]},\n");

    out_printf(o, "  \"per_region\": [\n");
    for (int i = 0; i < r->n; i++) {
        report_region_interval(r, i, cell, sizeof cell);
        out_printf(o, "    {\"region\": %d, \"interval\": ", i);
        out_json_string(o, cell);
        json_stats_fields(o, &rep->region[i]);
        out_printf(o, "}%s\n", i + 1 < r->n ? "," : "");
    }
    out_printf(o, "  ],\n  \"all\": {\"interval\": \"(-inf, inf)\"");
    json_stats_fields(o, &rep->all);
    out_printf(o, "},\n");

    out_printf(o, "  \"confusion\": [\n");
    for (int i = 0; i < r->n; i++) {
        out_printf(o, "    [");
        for (int j = 0; j < r->n; j++)
            out_printf(o, "%s%lld", j ? ", " : "", (long long)rep->confusion[i][j]);
        out_printf(o, "]%s\n", i + 1 < r->n ? "," : "");
    }
    out_printf(o, "  ]\n}\n");
}

/* ---- entry point ---- */

sm_status report_write_regions(FILE *out, sm_report_format fmt, const sm_report_meta *meta,
                               const sm_region_report *rep, sm_error *err)
{
    static void (*const writer[])(report_out *, const sm_report_meta *,
                                  const sm_region_report *) = {
        [REPORT_TEXT] = write_text, [REPORT_TSV] = write_tsv, [REPORT_JSON] = write_json};
    if (!out || !rep || (unsigned)fmt >= sizeof writer / sizeof writer[0])
        return sm_fail(err, SM_EFAIL, "report_write_regions: invalid arguments");
    if (rep->regions.n < 1 || rep->regions.n > SM_MAX_REGIONS)
        return sm_fail(err, SM_EFAIL, "report_write_regions: invalid region count %d",
                       rep->regions.n);

    report_out o = {out, 0, 0};
    writer[fmt](&o, meta, rep);
    if (fflush(out) != 0)
        out_fail(&o);
    if (!o.failed && ferror(out)) {
        errno = EIO;
        out_fail(&o);
    }
    if (o.failed)
        return sm_fail(err, SM_EIO, "cannot write the report: %s", strerror(o.saved_errno));
    return SM_OK;
}
