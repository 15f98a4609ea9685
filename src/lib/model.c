#include "model.h"
#include "names.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "parallel.h"
#include "version.h"

void model_init(sm_model *m)
{
    memset(m, 0, sizeof *m);
    scorer_config_default(&m->scorer);
    featmap_init(&m->features, 0);
    m->regions.n = 1;
}

void model_free(sm_model *m)
{
    free(m->param);
    classes_free(&m->classes);
    featmap_free(&m->features);
    model_init(m);
}

sm_status model_init_scorer(sm_model *m, const sm_scorer_config *c, int32_t dim,
                            sm_error *err)
{
    free(m->param);
    featmap_free(&m->features);
    featmap_init(&m->features, dim);
    m->scorer = *c;
    scorer_config_complete(&m->scorer, dim);
    m->dim = dim;
    int64_t n = scorer_saved_param_count(&m->scorer);
    m->param = calloc((size_t)(n > 0 ? n : 1), sizeof *m->param);
    if (!m->param)
        return sm_fail(err, SM_EFAIL, "out of memory for %lld parameters", (long long)n);
    return SM_OK;
}

void model_set_features(sm_model *m, sm_featmap *map)
{
    featmap_free(&m->features);
    m->features = *map;
    m->dim = map->space;
    featmap_init(map, 0);
}

void model_set_info(sm_model *m, const char *key, const char *fmt, ...)
{
    /* Look the key up as it is stored (cut to the field), so two long keys
     * that are cut alike share one slot and a model reloads to what it wrote. */
    char stored[sizeof m->info[0].key];
    snprintf(stored, sizeof stored, "%s", key);
    sm_model_info *slot = NULL;
    for (int i = 0; i < m->n_info && !slot; i++)
        if (strcmp(m->info[i].key, stored) == 0)
            slot = &m->info[i];
    if (!slot) {
        if (m->n_info == MODEL_MAX_INFO)
            return;
        slot = &m->info[m->n_info++];
        memcpy(slot->key, stored, sizeof stored);
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(slot->value, sizeof slot->value, fmt, ap);
    va_end(ap);
    /* A value must stay on its line. */
    for (char *p = slot->value; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

const char *model_get_info(const sm_model *m, const char *key)
{
    for (int i = 0; i < m->n_info; i++)
        if (strcmp(m->info[i].key, key) == 0)
            return m->info[i].value;
    return NULL;
}

/* The weight lines are formatted in pieces of about PIECE_VALUES numbers on
 * all cores and written in order (printf's exact "%.17g" is the slow part of
 * saving a model with a million weights); PIECES_AT_ONCE pieces are held in
 * memory at a time. The bytes are those of one fprintf after another. */
enum { PIECE_VALUES = 8192, PIECES_AT_ONCE = 64 };

typedef struct {
    const char *label;
    const double *W;
    int32_t rows, width;
    int indexed;
    int signed_zeros;         /* a -0 is a value to write (a state array's) */
    const sm_featmap *inputs; /* the index of each row (NULL: its number) */
    int32_t piece_rows;
    int64_t first_piece;
    char *text[PIECES_AT_ONCE];
    size_t len[PIECES_AT_ONCE];
    int failed;
} weight_text;

static int text_add(char **text, size_t *len, size_t *cap, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(*text ? *text + *len : NULL, *text ? *cap - *len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return 0;
        if (*text && (size_t)n < *cap - *len) {
            *len += (size_t)n;
            return 1;
        }
        size_t ncap = 2 * *cap + (size_t)n + 64;
        char *t = realloc(*text, ncap);
        if (!t)
            return 0;
        *text = t;
        *cap = ncap;
    }
}

/* Whether a value leaves its row out: a zero, or with signed zeros a +0. */
static int is_skipped(double v, int signed_zeros)
{
    return v == 0.0 && !(signed_zeros && signbit(v));
}

static void format_weight_piece(void *ctx, int64_t slot, int worker)
{
    (void)worker;
    weight_text *w = ctx;
    int64_t piece = w->first_piece + slot;
    int32_t first = (int32_t)(piece * w->piece_rows);
    int32_t last = w->rows - first < w->piece_rows ? w->rows : first + w->piece_rows;
    char *text = NULL;
    size_t len = 0, cap = 0;
    int ok = 1;
    for (int32_t i = first; i < last && ok; i++) {
        const double *row = w->W + (int64_t)i * w->width;
        int32_t k = 0;
        while (w->indexed && k < w->width && is_skipped(row[k], w->signed_zeros))
            k++;
        if (k == w->width)
            continue;
        ok = w->indexed ? text_add(&text, &len, &cap, "%ld",
                                   (long)(w->inputs ? featmap_index_of(w->inputs, i) : i))
                        : text_add(&text, &len, &cap, "%s", w->label);
        for (k = 0; k < w->width && ok; k++)
            ok = text_add(&text, &len, &cap, !w->indexed && k == 0 ? "%.17g" : " %.17g", row[k]);
        ok = ok && text_add(&text, &len, &cap, "\n");
    }
    if (!ok)
        w->failed = 1;
    w->text[slot] = text;
    w->len[slot] = len;
}

/* With label: one line "label v1 .. vw" for the first row. Without: a line
 * "count_key=K" and K lines "i v1 .. vw" for the rows that hold a nonzero
 * (signed_zeros: or a -0), i the index of the row in inputs (NULL: the row's
 * number). Returns 0 when out of memory. */
static int write_weight_rows(FILE *out, const char *label, const double *W, int32_t rows,
                             int32_t width, const char *count_key, int signed_zeros,
                             const sm_featmap *inputs, int threads)
{
    int indexed = label == NULL;
    if (indexed) {
        int64_t nonzero = 0;
        for (int32_t i = 0; i < rows; i++)
            for (int32_t k = 0; k < width; k++)
                if (!is_skipped(W[(int64_t)i * width + k], signed_zeros)) {
                    nonzero++;
                    break;
                }
        fprintf(out, "%s=%lld\n", count_key, (long long)nonzero);
    }
    weight_text w = {.label = label, .W = W, .rows = rows, .width = width, .indexed = indexed,
                     .signed_zeros = signed_zeros, .inputs = inputs};
    w.piece_rows = width < PIECE_VALUES ? PIECE_VALUES / width : 1;
    int64_t pieces = (rows + (int64_t)w.piece_rows - 1) / w.piece_rows;
    for (w.first_piece = 0; w.first_piece < pieces; w.first_piece += PIECES_AT_ONCE) {
        int64_t n = pieces - w.first_piece < PIECES_AT_ONCE ? pieces - w.first_piece : PIECES_AT_ONCE;
        parallel_for(threads, n, format_weight_piece, &w);
        for (int64_t p = 0; p < n; p++) {
            if (!w.failed && w.len[p])
                fwrite(w.text[p], 1, w.len[p], out);
            free(w.text[p]);
        }
        if (w.failed)
            return 0;
    }
    return 1;
}

/* The comment line under the magic: what the lines mean, by the layout of
 * the weights (the first row that fits). */
static const struct {
    int layered, several_outputs; /* -1: either */
    const char *text;
} comments[] = {
    {1, -1, "header key=value lines, then per layer l: 'layer=l in=I out=O', 'bias=' O "
            "values, 'weights=K' and K lines 'i w_i1 .. w_iO'; a = act(W^T a_prev + bias), "
            "score = last layer's output"},
    {0, 1, "header key=value lines, 'bias=' K values, then 'index w_1 .. w_K' lines for "
           "features with a nonzero weight; score_k = bias_k + sum w_k*x"},
    {0, 0, "header key=value lines, bias, then 'index weight' lines for nonzero weights; "
           "score = bias + sum weight*x"},
};

static void write_comment(const sm_model *m, FILE *out)
{
    int layered = scorer_kind_is_layered(m->scorer.kind), several = m->scorer.n_out > 1;
    for (size_t i = 0; i < sizeof comments / sizeof comments[0]; i++)
        if (comments[i].layered == layered &&
            (comments[i].several_outputs < 0 || comments[i].several_outputs == several)) {
            fprintf(out, "# smloss %s model: %s\n", SMLOSS_VERSION, comments[i].text);
            return;
        }
}

/* ---- the header: one table of keys ---- */

typedef struct {
    FILE *in;
    const char *name;
    long line;
    char *buf;
    size_t cap;
    double *bias;   /* a linear model's bias= values, until its weights */
    int64_t n_bias;
} model_lines;

#define LOAD_FAIL(ml, ...) \
    (sm_fail(err, SM_EDATA, __VA_ARGS__), sm_fail_prefix(err, "%s:%ld", (ml)->name, (ml)->line))

static int parse_long_full(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno || v < min || v > max)
        return 0;
    *out = v;
    return 1;
}

/* What a header key holds:
 *   KEY_ENUM  an enum field (at offset) spelled by its table of names;
 *   KEY_INT   an int32_t field (at offset) in [min, max];
 *   KEY_TEXT  a value of its own (write, read).
 * A key is written, in the table's order, when `written` says so (NULL:
 * always); the reader takes the keys in any order. */
typedef enum { KEY_ENUM, KEY_INT, KEY_TEXT } key_type;

typedef struct {
    const char *name;
    key_type type;
    const char *what;           /* in messages: "unknown WHAT 'v'", "bad WHAT 'v'" */
    size_t offset;              /* KEY_ENUM, KEY_INT: the field in sm_model */
    const char *(*enum_name)(int value);
    int (*enum_parse)(const char *name); /* -1 when unknown */
    long min, max;              /* KEY_INT */
    int show_range;             /* KEY_INT: the range in the message */
    void (*write)(const sm_model *m, FILE *out); /* KEY_TEXT; NULL: not a header line */
    sm_status (*read)(model_lines *ml, sm_model *m, const char *value, sm_error *err);
    int (*written)(const sm_model *m);
    int before_weights;         /* > 0: the weights need it read first (its rank
                                 * among those missing in the message) */
} header_key;

/* An enum's name from an int (the tables' signature). */
#define ENUM_NAME(fn, type) \
    static const char *fn##_of(int v) { return fn((type)v); }
ENUM_NAME(scorer_kind_name, sm_scorer_kind)
ENUM_NAME(activation_name, sm_activation)
ENUM_NAME(objective_kind_name, sm_objective_kind)
ENUM_NAME(label_transform_name, sm_label_transform)
ENUM_NAME(regions_origin_name, sm_regions_origin)
#undef ENUM_NAME

_Static_assert(sizeof(sm_scorer_kind) == sizeof(int) && sizeof(sm_activation) == sizeof(int) &&
                   sizeof(sm_objective_kind) == sizeof(int) &&
                   sizeof(sm_label_transform) == sizeof(int) &&
                   sizeof(sm_regions_origin) == sizeof(int),
               "enum fields are read and written as int");
_Static_assert(sizeof(int) == sizeof(int32_t), "hash_bits is read and written as int32_t");

static int is_layered(const sm_model *m) { return scorer_kind_is_layered(m->scorer.kind); }
static int is_hashed(const sm_model *m) { return m->features.hash_bits != 0; }
static int has_outputs(const sm_model *m) { return m->scorer.n_out > 1; }
static int has_classes(const sm_model *m) { return m->classes.n > 0; }

static void write_version(const sm_model *m, FILE *out)
{
    (void)m;
    fputs(SMLOSS_VERSION, out);
}

/* (written by every smloss as its own: not kept as info) */
static sm_status read_version(model_lines *ml, sm_model *m, const char *value, sm_error *err)
{
    (void)ml, (void)m, (void)value, (void)err;
    return SM_OK;
}

static void write_hidden(const sm_model *m, FILE *out)
{
    for (int l = 1; l <= m->scorer.mlp.n_hidden; l++)
        fprintf(out, "%s%ld", l > 1 ? "," : "", (long)m->scorer.mlp.width[l]);
}

static sm_status read_hidden(model_lines *ml, sm_model *m, const char *value, sm_error *err)
{
    sm_scorer_config sc = m->scorer; /* the MLP's widths only */
    char spec[64];
    snprintf(spec, sizeof spec, "mlp:%s", value);
    if (scorer_config_parse(spec, &sc, err) != SM_OK)
        return LOAD_FAIL(ml, "bad hidden layer widths '%s'", value);
    m->scorer.mlp = sc.mlp;
    return SM_OK;
}

static void write_loss(const sm_model *m, FILE *out)
{
    char spec[LINK_SPEC_MAX];
    link_format(&m->link, spec, sizeof spec);
    fputs(spec, out);
}

static sm_status read_loss(model_lines *ml, sm_model *m, const char *value, sm_error *err)
{
    if (link_parse(value, &m->link, err) == SM_OK)
        return SM_OK;
    err->status = SM_EDATA;
    return sm_fail_prefix(err, "%s:%ld: bad loss", ml->name, ml->line);
}

static void write_classes(const sm_model *m, FILE *out)
{
    for (int32_t k = 0; k < m->classes.n; k++)
        fprintf(out, "%s%lld", k ? "," : "", (long long)m->classes.value[k]);
}

static sm_status read_classes(model_lines *ml, sm_model *m, const char *value, sm_error *err)
{
    if (classes_parse(value, &m->classes, err) != SM_OK)
        return sm_fail_prefix(err, "%s:%ld", ml->name, ml->line);
    return SM_OK;
}

static void write_regions(const sm_model *m, FILE *out)
{
    char bounds[SM_MAX_REGIONS * 26];
    regions_format(&m->regions, bounds, sizeof bounds);
    fputs(bounds, out);
}

/* (regions_origin is a key of its own, in any order) */
static sm_status read_regions(model_lines *ml, sm_model *m, const char *value, sm_error *err)
{
    sm_regions_origin origin = m->regions.origin;
    if (value[0] == '\0') {
        m->regions.n = 1;
    } else if (regions_parse(value, &m->regions, err) != SM_OK) {
        err->status = SM_EDATA;
        return sm_fail_prefix(err, "%s:%ld: bad regions", ml->name, ml->line);
    }
    m->regions.origin = origin;
    return SM_OK;
}

static sm_status read_bias(model_lines *ml, sm_model *m, const char *value, sm_error *err);

#define ENUM_KEY(key, what_, field, fn, parse_, when)                                  \
    {.name = key, .type = KEY_ENUM, .what = what_, .offset = offsetof(sm_model, field), \
     .enum_name = fn##_of, .enum_parse = parse_, .written = when}
#define INT_KEY(key, what_, field, lo, hi, range, when)                               \
    {.name = key, .type = KEY_INT, .what = what_, .offset = offsetof(sm_model, field), \
     .min = lo, .max = hi, .show_range = range, .written = when}
#define TEXT_KEY(key, write_, read_, when) \
    {.name = key, .type = KEY_TEXT, .write = write_, .read = read_, .written = when}

static const header_key header_keys[] = {
    TEXT_KEY("smloss_version", write_version, read_version, NULL),
    ENUM_KEY("scorer", "scorer", scorer.kind, scorer_kind_name, scorer_kind_parse, NULL),
    TEXT_KEY("hidden", write_hidden, read_hidden, is_layered),
    ENUM_KEY("activation", "activation", scorer.mlp.act, activation_name, activation_parse,
             is_layered),
    ENUM_KEY("objective", "objective", objective, objective_kind_name, objective_kind_parse,
             NULL),
    {.name = "loss", .type = KEY_TEXT, .write = write_loss, .read = read_loss,
     .before_weights = 2},
    ENUM_KEY("label_transform", "label transform", label_transform, label_transform_name,
             label_transform_parse, NULL),
    {.name = "dim", .type = KEY_INT, .what = "dimension", .offset = offsetof(sm_model, dim),
     .min = 0, .max = SM_MAX_INDEX + 1, .before_weights = 1},
    INT_KEY("hash_bits", "hash_bits", features.hash_bits, 1, FEATMAP_MAX_HASH_BITS, 1,
            is_hashed),
    INT_KEY("outputs", "outputs", scorer.n_out, 1, SCORER_MAX_OUTPUTS, 1, has_outputs),
    TEXT_KEY("classes", write_classes, read_classes, has_classes),
    TEXT_KEY("regions", write_regions, read_regions, NULL),
    ENUM_KEY("regions_origin", "regions_origin", regions.origin, regions_origin_name,
             regions_origin_parse, NULL),
    /* a linear model's biases: a line of the body, read among the header's */
    TEXT_KEY("bias", NULL, read_bias, NULL),
};
#undef ENUM_KEY
#undef INT_KEY
#undef TEXT_KEY

enum { N_HEADER_KEYS = sizeof header_keys / sizeof header_keys[0] };

static int *enum_field(const sm_model *m, const header_key *k)
{
    return (int *)((char *)m + k->offset);
}

static int32_t *int_field(const sm_model *m, const header_key *k)
{
    return (int32_t *)((char *)m + k->offset);
}

static void write_header(const sm_model *m, FILE *out)
{
    for (const header_key *k = header_keys; k < header_keys + N_HEADER_KEYS; k++) {
        if ((k->type == KEY_TEXT && !k->write) || (k->written && !k->written(m)))
            continue;
        fprintf(out, "%s=", k->name);
        if (k->type == KEY_ENUM)
            fputs(k->enum_name(*enum_field(m, k)), out);
        else if (k->type == KEY_INT)
            fprintf(out, "%ld", (long)*int_field(m, k));
        else
            k->write(m, out);
        fputc('\n', out);
    }
    for (int i = 0; i < m->n_info; i++)
        fprintf(out, "%s=%s\n", m->info[i].key, m->info[i].value);
}

sm_status model_write(const sm_model *m, FILE *out, int threads, sm_error *err)
{
    const sm_mlp_shape *layers = &m->scorer.mlp;
    int layered = scorer_kind_is_layered(m->scorer.kind);

    fprintf(out, "%s %d\n", MODEL_MAGIC, MODEL_FORMAT_VERSION);
    write_comment(m, out);
    write_header(m, out);
    /* A linear scorer is one layer, without its layer= line. The first
     * layer's rows are the inputs, written by their index (in=dim). */
    for (int l = 1; l <= mlp_layers(layers); l++) {
        int32_t in = layers->width[l - 1], n_out = layers->width[l];
        const sm_featmap *inputs = l == 1 ? &m->features : NULL;
        if (layered)
            fprintf(out, "layer=%d in=%ld out=%ld\n", l, (long)(l == 1 ? m->dim : in),
                    (long)n_out);
        if (!write_weight_rows(out, "bias=", m->param + mlp_bias_offset(layers, l), 1, n_out, NULL,
                               0, NULL, threads) ||
            !write_weight_rows(out, NULL, m->param + mlp_weight_offset(layers, l), in, n_out,
                               "weights", 0, inputs, threads))
            return sm_fail(err, SM_EFAIL, "out of memory writing the model");
    }
    fprintf(out, "end\n");
    if (fflush(out) != 0 || ferror(out))
        return sm_fail(err, SM_EIO, "write error: %s", strerror(errno));
    return SM_OK;
}

/* ---- loading ---- */

/* Next line without its newline (and CR); NULL at end of file. */
static char *next_line(model_lines *ml)
{
    ssize_t len = getline(&ml->buf, &ml->cap, ml->in);
    if (len < 0)
        return NULL;
    ml->line++;
    while (len > 0 && (ml->buf[len - 1] == '\n' || ml->buf[len - 1] == '\r'))
        ml->buf[--len] = '\0';
    return ml->buf;
}

/* Parse exactly n numbers separated by blanks, nothing after them. */
static int parse_doubles_full(const char *s, double *out, int64_t n)
{
    for (int64_t k = 0; k < n; k++) {
        char *end;
        double v = strtod(s, &end);
        if (end == s || !isfinite(v) || (k + 1 < n && *end != ' ' && *end != '\t'))
            return 0;
        out[k] = v;
        s = end;
    }
    return *s == '\0';
}

/* A linear model's bias= line: one value an output, kept until the weights
 * (outputs= may come later in the header). */
static sm_status read_bias(model_lines *ml, sm_model *m, const char *value, sm_error *err)
{
    (void)m;
    int64_t n = 0;
    for (const char *p = value; *p; p++)
        n += *p != ' ' && *p != '\t' && (p == value || p[-1] == ' ' || p[-1] == '\t');
    free(ml->bias);
    ml->n_bias = 0;
    if (!(ml->bias = malloc((size_t)(n > 0 ? n : 1) * sizeof *ml->bias)))
        return sm_fail(err, SM_EFAIL, "out of memory");
    if (n == 0 || !parse_doubles_full(value, ml->bias, n))
        return LOAD_FAIL(ml, "bad bias '%s'", value);
    ml->n_bias = n;
    return SM_OK;
}

/* One header line: a key of the table (seen[] marks it), or info. */
static sm_status model_header_key(model_lines *ml, sm_model *m, const char *key,
                                  const char *value, int *seen, sm_error *err)
{
    const header_key *k = header_keys;
    while (k < header_keys + N_HEADER_KEYS && strcmp(k->name, key) != 0)
        k++;
    if (k == header_keys + N_HEADER_KEYS) {
        model_set_info(m, key, "%s", value);
        return SM_OK;
    }
    seen[k - header_keys] = 1;
    long v;
    if (k->type == KEY_TEXT)
        return k->read(ml, m, value, err);
    if (k->type == KEY_ENUM) {
        if ((v = k->enum_parse(value)) < 0)
            return LOAD_FAIL(ml, "unknown %s '%s'", k->what, value);
        *enum_field(m, k) = (int)v;
        return SM_OK;
    }
    if (!parse_long_full(value, k->min, k->max, &v)) {
        if (k->show_range)
            return LOAD_FAIL(ml, "bad %s '%s' (%ld to %ld)", k->what, value, k->min, k->max);
        return LOAD_FAIL(ml, "bad %s '%s'", k->what, value);
    }
    *int_field(m, k) = (int32_t)v;
    return SM_OK;
}

/* The key the weights need that was not read (NULL: none); of several, the
 * one of the smallest rank. */
static const char *missing_before_weights(const int *seen)
{
    const header_key *missing = NULL;
    for (int k = 0; k < N_HEADER_KEYS; k++)
        if (header_keys[k].before_weights && !seen[k] &&
            (!missing || header_keys[k].before_weights < missing->before_weights))
            missing = &header_keys[k];
    return missing ? missing->name : NULL;
}

/* After a "weights=K" line: K lines "INDEX v1 .. v_width" with increasing
 * INDEX < rows, stored in row INDEX of W (rows x width), or with a list
 * (index non-NULL) in row i of W and index[i] for the i-th line. */
static sm_status model_read_weights(model_lines *ml, const char *count_text, double *W,
                                    int32_t rows, int32_t width, int32_t *index, sm_error *err)
{
    long count;
    if (!parse_long_full(count_text, 0, rows, &count))
        return LOAD_FAIL(ml, "bad weight count '%s' (dimension is %ld)", count_text, (long)rows);
    long prev = -1;
    for (long i = 0; i < count; i++) {
        char *line = next_line(ml);
        if (!line)
            return sm_fail(err, SM_EDATA, "%s:%ld: file ends after %ld of %ld weights (truncated?)",
                           ml->name, ml->line, i, count);
        char *sp = strchr(line, ' ');
        long j;
        if (!sp)
            return LOAD_FAIL(ml, "expected 'index weight', got \"%.60s\"", line);
        *sp = '\0';
        if (!parse_long_full(line, 0, (long)rows - 1, &j) || j <= prev)
            return LOAD_FAIL(ml, "bad or out-of-order weight index \"%s\" (dimension %ld)", line,
                             (long)rows);
        if (index)
            index[i] = (int32_t)j;
        if (!parse_doubles_full(sp + 1, W + (int64_t)(index ? i : j) * width, width))
            return LOAD_FAIL(ml, "bad weight value \"%.60s\" (expected %ld number%s)", sp + 1,
                             (long)width, width == 1 ? "" : "s");
        prev = j;
    }
    return SM_OK;
}

/* The line after the last weights must be "end". */
static sm_status model_read_end(model_lines *ml, sm_error *err)
{
    char *line = next_line(ml);
    if (!line)
        return sm_fail(err, SM_EDATA, "%s:%ld: missing 'end' line (truncated file?)", ml->name,
                       ml->line);
    if (strcmp(line, "end") != 0)
        return LOAD_FAIL(ml, "expected 'end' after the weights, got \"%.40s\"", line);
    return SM_OK;
}

/* The next line, which must start with `key`; returns what follows it. */
static char *expect_key(model_lines *ml, const char *key, int layer, sm_error *err)
{
    char *line = next_line(ml);
    if (!line) {
        sm_fail(err, SM_EDATA, "%s:%ld: file ends in layer %d before its '%s' line (truncated?)",
                ml->name, ml->line, layer, key);
        return NULL;
    }
    if (strncmp(line, key, strlen(key)) != 0) {
        LOAD_FAIL(ml, "expected '%s' in layer %d, got \"%.40s\"", key, layer, line);
        return NULL;
    }
    return line + strlen(key);
}

/* The first layer at its "weights=" line (count_text), its biases in
 * ml->bias: its inputs are the dim (hashed) indices, or in a large space only
 * those of its lines (model.h), and the parameters are allocated here. */
static sm_status read_first_layer(model_lines *ml, sm_model *m, const char *count_text,
                                  sm_error *err)
{
    int32_t dim = m->dim;
    int hash_bits = m->features.hash_bits;
    long count;
    if (hash_bits && dim != (int32_t)1 << hash_bits)
        return LOAD_FAIL(ml, "dim %ld is not 2^hash_bits (%ld)", (long)dim, 1L << hash_bits);
    if (!parse_long_full(count_text, 0, dim, &count))
        return LOAD_FAIL(ml, "bad weight count '%s' (dimension is %ld)", count_text, (long)dim);
    int32_t *index = NULL;
    if ((int64_t)dim > 4 * ((int64_t)count + 16384) &&
        !(index = malloc((size_t)(count > 0 ? count : 1) * sizeof *index)))
        return sm_fail(err, SM_EFAIL, "out of memory for %ld weights", count);
    sm_status st = model_init_scorer(m, &m->scorer, index ? (int32_t)count : dim, err);
    m->dim = dim;
    if (st == SM_OK) {
        const sm_mlp_shape *shape = &m->scorer.mlp;
        memcpy(m->param + mlp_bias_offset(shape, 1), ml->bias,
               (size_t)ml->n_bias * sizeof *ml->bias);
        st = model_read_weights(ml, count_text, m->param + mlp_weight_offset(shape, 1), dim,
                                shape->width[1], index, err);
    }
    if (st != SM_OK) {
        free(index);
        return st;
    }
    return featmap_make(&m->features, hash_bits, dim, index, (int32_t)count, err);
}

/* Room for n biases in ml->bias (NULL when out of memory). */
static double *stash_bias(model_lines *ml, int64_t n)
{
    free(ml->bias);
    ml->n_bias = n;
    return ml->bias = malloc((size_t)(n > 0 ? n : 1) * sizeof *ml->bias);
}

/* The layers of an MLP, starting at the value of the first "layer=" line. */
static sm_status model_read_layers(model_lines *ml, sm_model *m, const char *first,
                                   sm_error *err)
{
    /* the layers as the file has them: the first takes dim inputs */
    sm_scorer_config file_shape = m->scorer;
    scorer_config_complete(&file_shape, m->dim);
    const sm_mlp_shape shape = file_shape.mlp;
    const char *value = first;
    for (int l = 1; l <= mlp_layers(&shape); l++) {
        long number, in, out;
        int used = -1;
        if (l > 1 && !(value = expect_key(ml, "layer=", l, err)))
            return err->status;
        if (sscanf(value, "%ld in=%ld out=%ld%n", &number, &in, &out, &used) != 3 ||
            value[used] != '\0')
            return LOAD_FAIL(ml, "expected 'layer=%d in=I out=O', got \"layer=%.40s\"", l, value);
        if (number != l || in != shape.width[l - 1] || out != shape.width[l])
            return LOAD_FAIL(ml, "layer %ld is %ldx%ld, but dim and hidden make layer %d %ldx%ld",
                             number, in, out, l, (long)shape.width[l - 1], (long)shape.width[l]);
        if (!(value = expect_key(ml, "bias=", l, err)))
            return err->status;
        /* the first layer's biases wait for its weight count (read_first_layer) */
        double *bias = l == 1 ? stash_bias(ml, out)
                              : m->param + mlp_bias_offset(&m->scorer.mlp, l);
        if (!bias)
            return sm_fail(err, SM_EFAIL, "out of memory");
        if (!parse_doubles_full(value, bias, out))
            return LOAD_FAIL(ml, "bad bias of layer %d: expected %ld numbers", l, out);
        if (!(value = expect_key(ml, "weights=", l, err)))
            return err->status;
        sm_status st = l == 1 ? read_first_layer(ml, m, value, err)
                              : model_read_weights(ml, value,
                                                   m->param + mlp_weight_offset(&m->scorer.mlp, l),
                                                   (int32_t)in, (int32_t)out, NULL, err);
        if (st != SM_OK)
            return st;
    }
    return model_read_end(ml, err);
}

/* A linear model's weights, at its "weights=" line, and the "end" line. */
static sm_status model_read_linear(model_lines *ml, sm_model *m, const char *count,
                                   const int *seen, sm_error *err)
{
    const char *missing = missing_before_weights(seen);
    if (missing || !ml->bias)
        return LOAD_FAIL(ml, "weights before the %s line", missing ? missing : "bias");
    if (ml->n_bias != m->scorer.n_out)
        return LOAD_FAIL(ml, "the bias line has %lld values for %ld outputs",
                         (long long)ml->n_bias, (long)m->scorer.n_out);
    sm_status st = read_first_layer(ml, m, count, err);
    return st == SM_OK ? model_read_end(ml, err) : st;
}

/* The model from ml's stream, through its "end" line (ml's buffers are the
 * caller's to free). */
static sm_status read_model(model_lines *ml_, sm_model *m, sm_error *err)
{
    model_lines ml = *ml_;
    FILE *in = ml.in;
    const char *name = ml.name;
    model_init(m);
    sm_status st = SM_OK;
    int seen[N_HEADER_KEYS] = {0}, done = 0;
    char *line = next_line(&ml);
    if (!line) {
        st = ferror(in) ? sm_fail(err, SM_EIO, "%s: read error: %s", name, strerror(errno))
                        : sm_fail(err, SM_EDATA, "%s: empty file, not an smloss model", name);
        goto out;
    }
    size_t magic_len = strlen(MODEL_MAGIC);
    if (strncmp(line, MODEL_MAGIC, magic_len) != 0 || line[magic_len] != ' ') {
        st = sm_fail(err, SM_EDATA, "%s:1: not an smloss model (first line should be '%s %d')",
                     name, MODEL_MAGIC, MODEL_FORMAT_VERSION);
        goto out;
    }
    long version;
    if (!parse_long_full(line + magic_len + 1, 0, 1000000, &version) ||
        version != MODEL_FORMAT_VERSION) {
        st = sm_fail(err, SM_EDATA, "%s:1: unsupported model format version '%s' (this smloss reads version %d)",
                     name, line + magic_len + 1, MODEL_FORMAT_VERSION);
        goto out;
    }
    while (!done && (line = next_line(&ml))) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *eq = strchr(line, '=');
        if (!eq) {
            st = LOAD_FAIL(&ml, "expected key=value, got \"%.60s\"", line);
            goto out;
        }
        *eq = '\0';
        const char *key = line, *value = eq + 1;
        if (strcmp(key, "weights") == 0 && !scorer_kind_is_layered(m->scorer.kind)) {
            if ((st = model_read_linear(&ml, m, value, seen, err)) != SM_OK)
                goto out;
            done = 1;
        } else if (strcmp(key, "weights") == 0) {
            st = LOAD_FAIL(&ml, "weights line outside a layer (an mlp model's weights follow "
                                "'layer=' lines)");
            goto out;
        } else if (strcmp(key, "layer") == 0) {
            int layered = scorer_kind_is_layered(m->scorer.kind);
            const char *missing = missing_before_weights(seen);
            if (!layered || missing || m->scorer.mlp.n_hidden == 0) {
                st = LOAD_FAIL(&ml, "layer line before the %s line",
                               !layered ? "scorer=mlp" : missing ? missing : "hidden");
                goto out;
            }
            if ((st = model_read_layers(&ml, m, value, err)) != SM_OK)
                goto out;
            done = 1;
        } else {
            if ((st = model_header_key(&ml, m, key, value, seen, err)) != SM_OK)
                goto out;
        }
    }
    if (!done)
        st = ferror(in) ? sm_fail(err, SM_EIO, "%s: read error: %s", name, strerror(errno))
                        : sm_fail(err, SM_EDATA, "%s:%ld: file ends before the weights (truncated?)",
                                  name, ml.line);
    else if (m->classes.n > 0 && m->classes.n != m->scorer.n_out)
        st = sm_fail(err, SM_EDATA, "%s: %ld classes for %ld outputs", name, (long)m->classes.n,
                     (long)m->scorer.n_out);
out:
    *ml_ = ml;
    if (st != SM_OK)
        model_free(m);
    return st;
}

sm_status model_read(FILE *in, const char *name, sm_model *m, sm_error *err)
{
    model_lines ml = {.in = in, .name = name};
    sm_status st = read_model(&ml, m, err);
    free(ml.buf);
    free(ml.bias);
    return st;
}

sm_status model_load(const char *path, sm_model *m, sm_error *err)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *in = is_stdin ? stdin : fopen(path, "r");
    if (!in)
        return sm_fail(err, SM_EIO, "%s: cannot open model: %s", path, strerror(errno));
    sm_status st = model_read(in, is_stdin ? "<stdin>" : path, m, err);
    if (!is_stdin)
        fclose(in);
    return st;
}

sm_status model_objective(const sm_model *m, sm_objective *obj, sm_error *err)
{
    memset(obj, 0, sizeof *obj);
    obj->kind = m->objective;
    obj->link = m->link;
    obj->n_out = m->scorer.n_out;
    obj->temperature = 1.0;
    const char *t = model_get_info(m, "temperature"), *target = model_get_info(m, "target");
    char *end;
    if (t && (obj->temperature = strtod(t, &end), end == t || *end))
        return sm_fail(err, SM_EDATA, "bad temperature '%s' in the model", t);
    int k = target ? objective_target_parse(target) : TARGET_DEFAULT;
    if (k < 0)
        return sm_fail(err, SM_EDATA, "unknown target '%s' in the model", target);
    obj->target = (sm_target_kind)k;
    if (objective_check(obj, err) != SM_OK) {
        err->status = SM_EDATA;
        return sm_fail_prefix(err, "the model's objective");
    }
    return SM_OK;
}

/* Rows mapped and scored at a time when the data must go through the map. */
enum { PREDICT_PIECE_ROWS = 4096 };

/* Rows scored between two reports of progress. */
enum { PROGRESS_ROWS = 1 << 16 };

sm_status model_predict(const sm_model *m, const sm_dataset *ds, double *scores, sm_error *err)
{
    return model_predict_progress(m, ds, scores, NULL, NULL, err);
}

sm_status model_predict_progress(const sm_model *m, const sm_dataset *ds, double *scores,
                                 sm_rows_progress progress, void *ctx, sm_error *err)
{
    const sm_featmap *map = &m->features;
    int mapped = featmap_is_plain(map) || ds->featmap_id == map->id;
    if (mapped && !progress) {
        scorer_predict(&m->scorer, m->param, ds, scores);
        return SM_OK;
    }
    if (mapped) {
        /* pieces of rows: a view of ds whose row offsets start at the piece's */
        for (int64_t r = 0; r < ds->n_rows; r += PROGRESS_ROWS) {
            sm_dataset piece = *ds;
            piece.row_ptr = ds->row_ptr + r;
            piece.n_rows = ds->n_rows - r < PROGRESS_ROWS ? ds->n_rows - r : PROGRESS_ROWS;
            scorer_predict(&m->scorer, m->param, &piece, scores + r * m->scorer.n_out);
            progress(ctx, r + piece.n_rows, ds->n_rows);
        }
        return SM_OK;
    }
    /* a piece of rows at a time, so the copy stays small */
    sm_dataset piece;
    dataset_init(&piece);
    piece.dim = map->n;
    piece.featmap_id = map->id;
    int64_t cap = 0;
    sm_status st = (piece.row_ptr = malloc((PREDICT_PIECE_ROWS + 1) * sizeof *piece.row_ptr))
                       ? SM_OK : sm_fail(err, SM_EFAIL, "out of memory");
    for (int64_t r = 0; st == SM_OK && r < ds->n_rows; r += PREDICT_PIECE_ROWS) {
        int64_t end = ds->n_rows - r < PREDICT_PIECE_ROWS ? ds->n_rows : r + PREDICT_PIECE_ROWS;
        int64_t nnz = ds->row_ptr[end] - ds->row_ptr[r];
        if (nnz > cap) {
            free(piece.col);
            free(piece.val);
            cap = nnz;
            piece.col = malloc((size_t)cap * sizeof *piece.col);
            piece.val = malloc((size_t)cap * sizeof *piece.val);
            if (!piece.col || !piece.val) {
                st = sm_fail(err, SM_EFAIL, "out of memory for %lld nonzeros", (long long)cap);
                break;
            }
        }
        if ((st = featmap_map_rows(map, ds, r, end, piece.row_ptr, piece.col, piece.val, err)) !=
            SM_OK)
            break;
        piece.n_rows = end - r;
        piece.nnz = piece.row_ptr[piece.n_rows];
        scorer_predict(&m->scorer, m->param, &piece, scores + r * m->scorer.n_out);
        if (progress)
            progress(ctx, end, ds->n_rows);
    }
    dataset_free(&piece);
    return st;
}

/* ---- a checkpoint's resume state ---- */

#define STATE_MAGIC "resume=1"
#define STATE_ARRAY_KEY "array"

sm_status model_write_state(const sm_train_state *state, FILE *out, int threads, sm_error *err)
{
    fprintf(out, "%s\n# smloss resume state (train --resume): 'name=value' lines, then per "
                 "array '%s=NAME N', 'values=K' and K lines 'i v_i' (its values other than "
                 "+0), then 'end'\n",
            STATE_MAGIC, STATE_ARRAY_KEY);
    for (int i = 0; i < state->n_values; i++)
        fprintf(out, "%s=%s\n", state->values[i].name, state->values[i].value);
    for (int i = 0; i < state->n_arrays; i++) {
        const sm_state_array *a = &state->arrays[i];
        if (a->n > INT32_MAX)
            return sm_fail(err, SM_EFAIL, "the resume state's %s has too many values (%lld)",
                           a->name, (long long)a->n);
        fprintf(out, "%s=%s %lld\n", STATE_ARRAY_KEY, a->name, (long long)a->n);
        if (!write_weight_rows(out, NULL, a->v, (int32_t)a->n, 1, "values", 1, NULL, threads))
            return sm_fail(err, SM_EFAIL, "out of memory writing the resume state");
    }
    fprintf(out, "end\n");
    if (fflush(out) != 0 || ferror(out))
        return sm_fail(err, SM_EIO, "write error: %s", strerror(errno));
    return SM_OK;
}

/* An "array=NAME N" line's array (its value), with its values lines. */
static sm_status read_state_array(model_lines *ml, const char *value, sm_train_state *state,
                                  sm_error *err)
{
    char name[TRAIN_STATE_NAME_MAX];
    long n;
    const char *sp = strchr(value, ' ');
    if (!sp || (size_t)(sp - value) >= sizeof name || !parse_long_full(sp + 1, 0, INT32_MAX, &n))
        return LOAD_FAIL(ml, "expected '%s=NAME N', got \"%s=%.40s\"", STATE_ARRAY_KEY,
                         STATE_ARRAY_KEY, value);
    memcpy(name, value, (size_t)(sp - value));
    name[sp - value] = '\0';
    if (train_state_set_array(state, name, NULL, n, err) != SM_OK)
        return sm_fail_prefix(err, "%s:%ld", ml->name, ml->line);
    const sm_state_array *a = train_state_array(state, name);
    char *count = next_line(ml);
    if (!count || strncmp(count, "values=", 7) != 0)
        return LOAD_FAIL(ml, "expected 'values=K' after the %s line of %s", STATE_ARRAY_KEY,
                         name);
    return model_read_weights(ml, count + 7, a->v, (int32_t)n, 1, NULL, err);
}

/* The resume state after a model's "end" line, through its own "end". */
static sm_status read_state(model_lines *ml, sm_train_state *state, sm_error *err)
{
    char *line = next_line(ml);
    if (!line || strcmp(line, STATE_MAGIC) != 0)
        return sm_fail(err, SM_EDATA, "%s: no resume state after the model: not a checkpoint "
                       "of train --save-every (a finished model continues with --init, from "
                       "a fresh schedule)", ml->name);
    while ((line = next_line(ml)) && strcmp(line, "end") != 0) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *eq = strchr(line, '=');
        if (!eq)
            return LOAD_FAIL(ml, "expected name=value, got \"%.60s\"", line);
        *eq = '\0';
        if (strcmp(line, STATE_ARRAY_KEY) == 0) {
            sm_status st = read_state_array(ml, eq + 1, state, err);
            if (st != SM_OK)
                return st;
        } else if (train_state_set(state, line, err, "%s", eq + 1) != SM_OK) {
            return sm_fail_prefix(err, "%s:%ld", ml->name, ml->line);
        }
    }
    if (!line)
        return sm_fail(err, SM_EDATA, "%s:%ld: the resume state ends before its 'end' line "
                       "(truncated?)", ml->name, ml->line);
    return SM_OK;
}

sm_status model_read_checkpoint(FILE *in, const char *name, sm_model *m, sm_train_state *state,
                                sm_error *err)
{
    model_lines ml = {.in = in, .name = name};
    train_state_init(state);
    sm_status st = read_model(&ml, m, err);
    if (st == SM_OK && (st = read_state(&ml, state, err)) != SM_OK) {
        model_free(m);
        train_state_free(state);
    }
    free(ml.buf);
    free(ml.bias);
    return st;
}

sm_status model_load_checkpoint(const char *path, sm_model *m, sm_train_state *state,
                                sm_error *err)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        train_state_init(state);
        model_init(m);
        return sm_fail(err, SM_EIO, "%s: cannot open the checkpoint: %s", path, strerror(errno));
    }
    sm_status st = model_read_checkpoint(in, path, m, state, err);
    fclose(in);
    return st;
}
