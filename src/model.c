#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

static const char *const scorer_names[SCORER_KIND_COUNT] = {"linear"};

void model_init(sm_model *m)
{
    memset(m, 0, sizeof *m);
    m->regions.n = 1;
}

void model_free(sm_model *m)
{
    free(m->w);
    model_init(m);
}

sm_status model_init_linear(sm_model *m, int32_t dim, sm_error *err)
{
    free(m->w);
    m->scorer = SCORER_LINEAR;
    m->dim = dim;
    m->w = calloc(dim > 0 ? (size_t)dim : 1, sizeof *m->w);
    if (!m->w)
        return sm_fail(err, SM_EFAIL, "out of memory for %ld weights", (long)dim);
    return SM_OK;
}

void model_set_info(sm_model *m, const char *key, const char *fmt, ...)
{
    sm_model_info *slot = NULL;
    for (int i = 0; i < m->n_info && !slot; i++)
        if (strcmp(m->info[i].key, key) == 0)
            slot = &m->info[i];
    if (!slot) {
        if (m->n_info == MODEL_MAX_INFO)
            return;
        slot = &m->info[m->n_info++];
        snprintf(slot->key, sizeof slot->key, "%s", key);
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

sm_status model_write(const sm_model *m, FILE *out, sm_error *err)
{
    char spec[LINK_SPEC_MAX], bounds[SM_MAX_REGIONS * 26];
    link_format(&m->link, spec, sizeof spec);
    regions_format(&m->regions, bounds, sizeof bounds);
    int64_t nonzero = 0;
    for (int32_t j = 0; j < m->dim; j++)
        nonzero += m->w[j] != 0.0;

    fprintf(out, "%s %d\n", MODEL_MAGIC, MODEL_FORMAT_VERSION);
    fprintf(out, "# smloss %s model: header key=value lines, bias, then "
                 "'index weight' lines for nonzero weights; score = bias + sum weight*x\n",
            SMLOSS_VERSION);
    fprintf(out, "smloss_version=%s\n", SMLOSS_VERSION);
    fprintf(out, "scorer=%s\n", scorer_names[m->scorer]);
    fprintf(out, "objective=%s\n", objective_kind_name(m->objective));
    fprintf(out, "loss=%s\n", spec);
    fprintf(out, "label_transform=%s\n", label_transform_name(m->label_transform));
    fprintf(out, "dim=%ld\n", (long)m->dim);
    fprintf(out, "regions=%s\n", bounds);
    fprintf(out, "regions_origin=%s\n", regions_origin_name(m->regions.origin));
    for (int i = 0; i < m->n_info; i++)
        fprintf(out, "%s=%s\n", m->info[i].key, m->info[i].value);
    fprintf(out, "bias=%.17g\n", m->bias);
    fprintf(out, "weights=%lld\n", (long long)nonzero);
    for (int32_t j = 0; j < m->dim; j++)
        if (m->w[j] != 0.0)
            fprintf(out, "%ld %.17g\n", (long)j, m->w[j]);
    fprintf(out, "end\n");
    if (fflush(out) != 0 || ferror(out))
        return sm_fail(err, SM_EIO, "write error: %s", strerror(errno));
    return SM_OK;
}

/* ---- loading ---- */

typedef struct {
    FILE *in;
    const char *name;
    long line;
    char *buf;
    size_t cap;
} model_lines;

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

static int parse_double_full(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

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

static int name_lookup(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

#define LOAD_FAIL(ml, ...) \
    (sm_fail(err, SM_EDATA, __VA_ARGS__), sm_fail_prefix(err, "%s:%ld", (ml)->name, (ml)->line))

/* Interpret one header key; unknown keys become info. */
static sm_status model_header_key(model_lines *ml, sm_model *m, const char *key,
                                  const char *value, int *have_dim, int *have_loss,
                                  sm_error *err)
{
    long lv;
    int k;
    if (strcmp(key, "scorer") == 0) {
        if ((k = name_lookup(scorer_names, SCORER_KIND_COUNT, value)) < 0)
            return LOAD_FAIL(ml, "unknown scorer '%s'", value);
        m->scorer = (sm_scorer_kind)k;
    } else if (strcmp(key, "objective") == 0) {
        if ((k = objective_kind_parse(value)) < 0)
            return LOAD_FAIL(ml, "unknown objective '%s'", value);
        m->objective = (sm_objective_kind)k;
    } else if (strcmp(key, "loss") == 0) {
        if (link_parse(value, &m->link, err) != SM_OK) {
            err->status = SM_EDATA;
            return sm_fail_prefix(err, "%s:%ld: bad loss", ml->name, ml->line);
        }
        *have_loss = 1;
    } else if (strcmp(key, "label_transform") == 0) {
        if ((k = label_transform_parse(value)) < 0)
            return LOAD_FAIL(ml, "unknown label transform '%s'", value);
        m->label_transform = (sm_label_transform)k;
    } else if (strcmp(key, "dim") == 0) {
        if (!parse_long_full(value, 0, SM_MAX_INDEX + 1, &lv))
            return LOAD_FAIL(ml, "bad dimension '%s'", value);
        sm_status st = model_init_linear(m, (int32_t)lv, err);
        if (st != SM_OK)
            return st;
        *have_dim = 1;
    } else if (strcmp(key, "regions") == 0) {
        sm_regions_origin origin = m->regions.origin;
        if (value[0] == '\0') {
            m->regions.n = 1;
        } else if (regions_parse(value, &m->regions, err) != SM_OK) {
            err->status = SM_EDATA;
            return sm_fail_prefix(err, "%s:%ld: bad regions", ml->name, ml->line);
        }
        m->regions.origin = origin;
    } else if (strcmp(key, "regions_origin") == 0) {
        for (k = 0; k <= REGIONS_QUARTILES; k++)
            if (strcmp(regions_origin_name((sm_regions_origin)k), value) == 0)
                break;
        if (k > REGIONS_QUARTILES)
            return LOAD_FAIL(ml, "unknown regions_origin '%s'", value);
        m->regions.origin = (sm_regions_origin)k;
    } else if (strcmp(key, "bias") == 0) {
        if (!parse_double_full(value, &m->bias))
            return LOAD_FAIL(ml, "bad bias '%s'", value);
    } else if (strcmp(key, "smloss_version") != 0) {
        model_set_info(m, key, "%s", value);
    }
    return SM_OK;
}

static sm_status model_read_weights(model_lines *ml, sm_model *m, const char *count_text,
                                    sm_error *err)
{
    long count;
    if (!parse_long_full(count_text, 0, m->dim, &count))
        return LOAD_FAIL(ml, "bad weight count '%s' (dimension is %ld)", count_text,
                         (long)m->dim);
    long prev = -1;
    for (long i = 0; i < count; i++) {
        char *line = next_line(ml);
        if (!line)
            return sm_fail(err, SM_EDATA, "%s:%ld: file ends after %ld of %ld weights (truncated?)",
                           ml->name, ml->line, i, count);
        char *sp = strchr(line, ' ');
        long j;
        double v;
        if (!sp)
            return LOAD_FAIL(ml, "expected 'index weight', got \"%s\"", line);
        *sp = '\0';
        if (!parse_long_full(line, 0, (long)m->dim - 1, &j) || j <= prev)
            return LOAD_FAIL(ml, "bad or out-of-order weight index \"%s\" (dimension %ld)", line,
                             (long)m->dim);
        if (!parse_double_full(sp + 1, &v))
            return LOAD_FAIL(ml, "bad weight value \"%s\"", sp + 1);
        m->w[j] = v;
        prev = j;
    }
    char *line = next_line(ml);
    if (!line)
        return sm_fail(err, SM_EDATA, "%s:%ld: missing 'end' line (truncated file?)", ml->name,
                       ml->line);
    if (strcmp(line, "end") != 0)
        return LOAD_FAIL(ml, "expected 'end' after %ld weights, got \"%.40s\"", count, line);
    return SM_OK;
}

sm_status model_read(FILE *in, const char *name, sm_model *m, sm_error *err)
{
    model_lines ml = {in, name, 0, NULL, 0};
    model_init(m);
    sm_status st = SM_OK;
    int have_dim = 0, have_loss = 0, have_bias = 0, done = 0;
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
        if (strcmp(key, "weights") == 0) {
            if (!have_dim || !have_loss || !have_bias) {
                st = LOAD_FAIL(&ml, "weights before the %s line", !have_dim ? "dim" : !have_loss ? "loss" : "bias");
                goto out;
            }
            if ((st = model_read_weights(&ml, m, value, err)) != SM_OK)
                goto out;
            done = 1;
        } else {
            if ((st = model_header_key(&ml, m, key, value, &have_dim, &have_loss, err)) != SM_OK)
                goto out;
            have_bias |= strcmp(key, "bias") == 0;
        }
    }
    if (!done)
        st = ferror(in) ? sm_fail(err, SM_EIO, "%s: read error: %s", name, strerror(errno))
                        : sm_fail(err, SM_EDATA, "%s:%ld: file ends before the weights (truncated?)",
                                  name, ml.line);
out:
    free(ml.buf);
    if (st != SM_OK)
        model_free(m);
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

void model_predict(const sm_model *m, const sm_dataset *ds, double *scores)
{
    for (int64_t r = 0; r < ds->n_rows; r++) {
        double s = m->bias;
        for (int64_t k = ds->row_ptr[r]; k < ds->row_ptr[r + 1]; k++)
            if (ds->col[k] < m->dim)
                s += m->w[ds->col[k]] * (double)ds->val[k];
        scores[r] = s;
    }
}
