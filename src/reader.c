/* reader.c - libsvm / SVMlight / LETOR text into CSR in one pass.
 *
 * Every file kind (data, group sizes, scores) goes through one pipeline: a
 * text_source (a zlib gzFile, which reads gzip and plain text alike, or a
 * memory buffer) fills a large chunk buffer; scan_lines() cuts it into lines,
 * carrying a line that straddles two reads over to the next one, and hands
 * each line to a handler with a NUL written after it. That terminator is what
 * lets strtod run on the buffer in place: a token always ends at a blank, a
 * '#', a '\r' or the NUL, none of which can continue a number.
 */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

enum {
    CHUNK_BYTES = 1 << 20,     /* one read; grows when a single line is longer */
    GZ_BUFFER_BYTES = 1 << 18, /* zlib's own input buffer (default 8 KiB is slow) */
    TOKEN_SHOWN_MAX = 60       /* bytes of a bad token quoted in a message */
};
#define PROGRESS_STEP ((uint64_t)16 << 20)

static sm_status out_of_memory(sm_error *err, const char *name)
{
    return sm_fail(err, SM_EFAIL, "%s: out of memory", name);
}

/* Make room for `need` elements of `size` bytes in the array whose pointer is
 * at *pp, doubling the capacity. The pointer goes through memcpy so one helper
 * serves arrays of every element type. Returns 0 when out of memory. */
static int grow_array(void *pp, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 1;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / size)
            return 0;
        ncap *= 2;
    }
    void *p;
    memcpy(&p, pp, sizeof p);
    void *np = realloc(p, ncap * size);
    if (!np)
        return 0;
    memcpy(pp, &np, sizeof np);
    *cap = ncap;
    return 1;
}

/* ---- input sources ---- */

typedef struct {
    gzFile gz; /* NULL: read from mem */
    const char *mem;
    size_t mem_len, mem_pos;
    const char *name; /* display name used in messages */
} text_source;

static sm_status source_open(text_source *src, const char *path, sm_error *err)
{
    memset(src, 0, sizeof *src);
    int is_stdin = strcmp(path, "-") == 0;
    src->name = is_stdin ? "<stdin>" : path;
    /* gzclose closes the descriptor, so standard input is read through a copy. */
    int fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY);
    if (fd < 0)
        return sm_fail(err, SM_EIO, "%s: cannot open: %s", src->name, strerror(errno));
    /* open() succeeds on a directory; say so now rather than at the first read. */
    struct stat st;
    int stat_errno = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (stat_errno) {
        close(fd);
        return sm_fail(err, SM_EIO, "%s: cannot read: %s", src->name, strerror(stat_errno));
    }
    src->gz = gzdopen(fd, "rb");
    if (!src->gz) {
        close(fd);
        return out_of_memory(err, src->name);
    }
    gzbuffer(src->gz, GZ_BUFFER_BYTES);
    return SM_OK;
}

static void source_close(text_source *src)
{
    if (src->gz)
        gzclose_r(src->gz);
    src->gz = NULL;
}

static sm_status source_read(text_source *src, char *dst, size_t want, size_t *got, sm_error *err)
{
    if (!src->gz) {
        size_t n = src->mem_len - src->mem_pos;
        if (n > want)
            n = want;
        if (n)
            memcpy(dst, src->mem + src->mem_pos, n);
        src->mem_pos += n;
        *got = n;
        return SM_OK;
    }
    if (want > INT_MAX)
        want = INT_MAX;
    int n = gzread(src->gz, dst, (unsigned)want);
    int saved_errno = errno;
    int zerr = Z_OK;
    const char *zmsg = gzerror(src->gz, &zerr);
    /* A truncated stream still returns the data before the cut and only flags
     * Z_BUF_ERROR, so the flag is checked after every read, not just on -1. */
    if (n >= 0 && zerr == Z_OK) {
        *got = (size_t)n;
        return SM_OK;
    }
    switch (zerr) {
    case Z_ERRNO:
        return sm_fail(err, SM_EIO, "%s: read error: %s", src->name, strerror(saved_errno));
    case Z_MEM_ERROR:
        return out_of_memory(err, src->name);
    case Z_BUF_ERROR:
        return sm_fail(err, SM_EDATA, "%s: corrupt gzip data: unexpected end of file (truncated?)",
                       src->name);
    default:
        return sm_fail(err, SM_EDATA, "%s: corrupt gzip data (%s)", src->name,
                       zmsg ? zmsg : "unknown zlib error");
    }
}

/* ---- lines and tokens ---- */

/* line[len] is '\0'; a trailing '\r' is already removed. */
typedef sm_status (*line_handler)(void *ctx, const char *name, char *line, size_t len,
                                  int64_t lineno, sm_error *err);

static sm_status emit_line(line_handler handle, void *ctx, const char *name, char *line, size_t len,
                           int64_t lineno, sm_error *err)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    line[len] = '\0';
    return handle(ctx, name, line, len, lineno, err);
}

static sm_status scan_lines(text_source *src, const sm_reader_options *opt, line_handler handle,
                            void *ctx, sm_error *err)
{
    size_t cap = CHUNK_BYTES;
    char *buf = malloc(cap + 1); /* +1: room to terminate a last line lacking '\n' */
    if (!buf)
        return out_of_memory(err, src->name);
    size_t fill = 0; /* bytes of an incomplete line kept at the start of buf */
    int64_t lineno = 0;
    uint64_t consumed = 0, next_report = PROGRESS_STEP;
    sm_status st = SM_OK;
    for (;;) {
        if (fill == cap) { /* one line fills the whole buffer */
            char *nb = cap <= (SIZE_MAX - 1) / 2 ? realloc(buf, 2 * cap + 1) : NULL;
            if (!nb) {
                st = out_of_memory(err, src->name);
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = 0;
        if ((st = source_read(src, buf + fill, cap - fill, &got, err)) != SM_OK || got == 0)
            break;
        consumed += got;
        if (opt && opt->progress && consumed >= next_report) {
            opt->progress(opt->progress_ctx, consumed);
            next_report = consumed + PROGRESS_STEP;
        }
        char *line = buf, *scan = buf + fill, *end = buf + fill + got;
        char *nl;
        while ((nl = memchr(scan, '\n', (size_t)(end - scan))) != NULL) {
            st = emit_line(handle, ctx, src->name, line, (size_t)(nl - line), ++lineno, err);
            if (st != SM_OK)
                break;
            line = scan = nl + 1;
        }
        if (st != SM_OK)
            break;
        fill = (size_t)(end - line);
        memmove(buf, line, fill);
    }
    if (st == SM_OK && fill > 0)
        st = emit_line(handle, ctx, src->name, buf, fill, ++lineno, err);
    free(buf);
    return st;
}

typedef struct {
    const char *s;
    size_t len;
    size_t col; /* 1-based byte column */
} token;

/* Next blank-separated token; 0 at the end of the line or where a '#' comment
 * starts (also right after a token, as in "3:1#note"). */
static int next_token(const char *line, size_t len, size_t *pos, token *t)
{
    size_t i = *pos;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i >= len || line[i] == '#') {
        *pos = len;
        return 0;
    }
    size_t start = i;
    while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '#')
        i++;
    t->s = line + start;
    t->len = i - start;
    t->col = start + 1;
    *pos = i;
    return 1;
}

/* Quote a token for a message: printable ASCII as is, the rest escaped, long
 * tokens cut, so a binary file yields a readable one-line message. */
static void show_token(const token *t, char *out, size_t cap)
{
    size_t o = 0, n = t->len < TOKEN_SHOWN_MAX ? t->len : TOKEN_SHOWN_MAX;
    for (size_t i = 0; i < n && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)t->s[i];
        if (c == '"' || c == '\\')
            o += (size_t)snprintf(out + o, cap - o, "\\%c", c);
        else if (c == '\r')
            o += (size_t)snprintf(out + o, cap - o, "\\r");
        else if (c >= 0x20 && c < 0x7f)
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
    }
    if (n < t->len && o + 4 < cap)
        o += (size_t)snprintf(out + o, cap - o, "...");
    out[o] = '\0';
}

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static sm_status token_fail(sm_error *err, const char *name, int64_t lineno, const token *t,
                            const char *fmt, ...)
{
    char what[512], shown[4 * TOKEN_SHOWN_MAX + 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    show_token(t, shown, sizeof shown);
    return sm_fail(err, SM_EDATA, "%s:%lld:%zu: %s \"%s\"", name, (long long)lineno, t->col, what,
                   shown);
}

/* ---- numbers ---- */

typedef enum { REAL_OK, REAL_EMPTY, REAL_SYNTAX, REAL_NONFINITE, REAL_HEX, REAL_RANGE } real_status;

static const char *const real_problem[] = {
    [REAL_OK] = "is fine",
    [REAL_EMPTY] = "is missing",
    [REAL_SYNTAX] = "is not a number",
    [REAL_NONFINITE] = "must be finite (NaN and infinity are not allowed)",
    [REAL_HEX] = "must be written in decimal (hexadecimal is not allowed)",
    [REAL_RANGE] = "is out of range for a double",
};

static size_t count_digits(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

static int equals_ci(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 0x20) != word[i])
            return 0;
    return 1;
}

/* A decimal real in C syntax: [+-](d+[.d*]|.d+)[(e|E)[+-]d+]. strtod accepts
 * more (hex, nan, inf, leading blanks), so the syntax is checked here and
 * strtod only does the correctly rounded conversion. s[len] must be a byte
 * that cannot continue a number (see the comment at the top). */
static real_status parse_real(const char *s, size_t len, double *out)
{
    if (len == 0)
        return REAL_EMPTY;
    size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    const char *body = s + i;
    size_t body_len = len - i;
    int first = body_len ? body[0] | 0x20 : 0;
    if ((first == 'n' || first == 'i') &&
        (equals_ci(body, body_len, "nan") || equals_ci(body, body_len, "inf") ||
         equals_ci(body, body_len, "infinity") ||
         (body_len >= 4 && equals_ci(body, 4, "nan(") && body[body_len - 1] == ')')))
        return REAL_NONFINITE;
    if (body_len >= 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X'))
        return REAL_HEX;
    size_t int_digits = count_digits(s + i, len - i);
    i += int_digits;
    size_t frac_digits = 0;
    if (i < len && s[i] == '.') {
        i++;
        frac_digits = count_digits(s + i, len - i);
        i += frac_digits;
    }
    if (int_digits + frac_digits == 0)
        return REAL_SYNTAX;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t exp_digits = count_digits(s + i, len - i);
        if (exp_digits == 0)
            return REAL_SYNTAX;
        i += exp_digits;
    }
    if (i != len)
        return REAL_SYNTAX;
    char *end;
    double v = strtod(s, &end);
    /* Only a locale whose decimal point is not '.' could stop strtod early. */
    if (end != s + len)
        return REAL_SYNTAX;
    if (isinf(v))
        return REAL_RANGE; /* underflow is fine: the result is still correctly rounded */
    *out = v;
    return REAL_OK;
}

/* Leading decimal digits of s as a value, saturating: *too_large is set when
 * the digits exceed max. Returns the number of digits. */
static size_t scan_uint(const char *s, size_t len, int64_t max, int64_t *out, int *too_large)
{
    int64_t v = 0;
    size_t i = 0;
    *too_large = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        int d = s[i] - '0';
        if (*too_large || v > (max - d) / 10)
            *too_large = 1;
        else
            v = v * 10 + d;
    }
    *out = v;
    return i;
}

/* ---- data rows ---- */

/* qids seen so far -> line of their first row (0 marks a free slot). */
typedef struct {
    int64_t *keys, *lines;
    size_t cap, count; /* cap is a power of two */
} qid_set;

static size_t qid_slot(const qid_set *s, int64_t q)
{
    uint64_t h = (uint64_t)q * UINT64_C(0x9E3779B97F4A7C15);
    size_t i = (size_t)(h ^ (h >> 31)) & (s->cap - 1);
    while (s->lines[i] != 0 && s->keys[i] != q)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static int64_t qid_set_find(const qid_set *s, int64_t q)
{
    return s->cap ? s->lines[qid_slot(s, q)] : 0;
}

static int qid_set_add(qid_set *s, int64_t q, int64_t line)
{
    if (2 * (s->count + 1) > s->cap) {
        qid_set bigger = {NULL, NULL, s->cap ? 2 * s->cap : 64, 0};
        bigger.keys = malloc(bigger.cap * sizeof *bigger.keys);
        bigger.lines = calloc(bigger.cap, sizeof *bigger.lines);
        if (!bigger.keys || !bigger.lines) {
            free(bigger.keys);
            free(bigger.lines);
            return 0;
        }
        for (size_t i = 0; i < s->cap; i++)
            if (s->lines[i]) {
                size_t j = qid_slot(&bigger, s->keys[i]);
                bigger.keys[j] = s->keys[i];
                bigger.lines[j] = s->lines[i];
            }
        bigger.count = s->count;
        free(s->keys);
        free(s->lines);
        *s = bigger;
    }
    size_t i = qid_slot(s, q);
    s->keys[i] = q;
    s->lines[i] = line;
    s->count++;
    return 1;
}

typedef struct {
    int32_t idx;
    float val;
    size_t order; /* position in the line: finds the token of a duplicate */
} feature_entry;

enum { QID_UNSET, QID_PRESENT, QID_ABSENT };

typedef struct {
    sm_dataset ds; /* arrays grow in place; n_rows, nnz, n_groups count what is filled */
    size_t cap_row_ptr, cap_label, cap_col, cap_val, cap_group_ptr, cap_qid;
    int64_t max_index;
    int qid_mode;
    int64_t convention_line; /* first data line: it decided whether qid is used */
    qid_set seen;
    size_t *feature_col; /* columns of the current row's features */
    size_t cap_feature_col;
    feature_entry *sorted;
    size_t cap_sorted;
} data_builder;

static void builder_free(data_builder *b)
{
    dataset_free(&b->ds);
    free(b->seen.keys);
    free(b->seen.lines);
    free(b->feature_col);
    free(b->sorted);
}

static int builder_init(data_builder *b)
{
    memset(b, 0, sizeof *b);
    dataset_init(&b->ds);
    b->max_index = -1;
    sm_dataset *ds = &b->ds;
    if (!grow_array(&ds->row_ptr, &b->cap_row_ptr, 256, sizeof *ds->row_ptr) ||
        !grow_array(&ds->label, &b->cap_label, 256, sizeof *ds->label) ||
        !grow_array(&ds->col, &b->cap_col, 4096, sizeof *ds->col) ||
        !grow_array(&ds->val, &b->cap_val, 4096, sizeof *ds->val)) {
        builder_free(b);
        return 0;
    }
    ds->row_ptr[0] = 0;
    return 1;
}

static int compare_features(const void *a, const void *b)
{
    const feature_entry *x = a, *y = b;
    if (x->idx != y->idx)
        return x->idx < y->idx ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

/* The token that starts at 1-based column col. */
static token token_at(const char *line, size_t len, size_t col)
{
    size_t pos = col - 1;
    token t = {line + pos, 0, col};
    next_token(line, len, &pos, &t);
    return t;
}

/* Sort the current row's n features (appended from `first`) by index and
 * reject a repeated index, pointing at its second occurrence. */
static sm_status sort_row(data_builder *b, const char *name, const char *line, size_t len,
                          int64_t lineno, int64_t first, size_t n, sm_error *err)
{
    sm_dataset *ds = &b->ds;
    if (!grow_array(&b->sorted, &b->cap_sorted, n, sizeof *b->sorted))
        return out_of_memory(err, name);
    for (size_t k = 0; k < n; k++)
        b->sorted[k] = (feature_entry){ds->col[first + (int64_t)k], ds->val[first + (int64_t)k], k};
    qsort(b->sorted, n, sizeof *b->sorted, compare_features);
    for (size_t k = 0; k < n; k++) {
        if (k > 0 && b->sorted[k].idx == b->sorted[k - 1].idx) {
            token t = token_at(line, len, b->feature_col[b->sorted[k].order]);
            return token_fail(err, name, lineno, &t,
                              "duplicate feature index %ld (first at column %zu)",
                              (long)b->sorted[k].idx, b->feature_col[b->sorted[k - 1].order]);
        }
        ds->col[first + (int64_t)k] = b->sorted[k].idx;
        ds->val[first + (int64_t)k] = b->sorted[k].val;
    }
    return SM_OK;
}

static sm_status parse_label(const char *name, int64_t lineno, const token *t, double *label,
                             sm_error *err)
{
    if (memchr(t->s, ':', t->len))
        return token_fail(err, name, lineno, t, "missing label: the line starts with a feature");
    if (memchr(t->s, ',', t->len))
        return token_fail(err, name, lineno, t, "multiple labels are not supported");
    real_status rs = parse_real(t->s, t->len, label);
    if (rs != REAL_OK)
        return token_fail(err, name, lineno, t, "label %s", real_problem[rs]);
    return SM_OK;
}

static int is_qid_token(const token *t)
{
    return t->len >= 4 && memcmp(t->s, "qid:", 4) == 0;
}

/* Check the qid convention for this row and open a new group when the qid
 * changes. qid_tok is NULL when the row has none; where points at the token
 * to blame for a missing one. */
static sm_status handle_qid(data_builder *b, const char *name, int64_t lineno, const token *qid_tok,
                            const token *where, sm_error *err)
{
    sm_dataset *ds = &b->ds;
    if (b->qid_mode == QID_UNSET) {
        b->qid_mode = qid_tok ? QID_PRESENT : QID_ABSENT;
        b->convention_line = lineno;
    }
    if (!qid_tok) {
        if (b->qid_mode == QID_PRESENT)
            return token_fail(err, name, lineno, where,
                              "missing qid (line %lld has one, so every line needs one)",
                              (long long)b->convention_line);
        return SM_OK;
    }
    if (b->qid_mode == QID_ABSENT)
        return token_fail(err, name, lineno, qid_tok,
                          "unexpected qid: line %lld has none, so no line may have one",
                          (long long)b->convention_line);
    int64_t q;
    int too_large;
    const char *digits = qid_tok->s + 4;
    size_t n_digits = qid_tok->len - 4;
    if (n_digits == 0)
        return token_fail(err, name, lineno, qid_tok, "qid value is missing");
    if (scan_uint(digits, n_digits, INT64_MAX, &q, &too_large) != n_digits)
        return token_fail(err, name, lineno, qid_tok, "qid must be a non-negative integer");
    if (too_large)
        return token_fail(err, name, lineno, qid_tok, "qid is too large");
    if (ds->n_groups > 0 && ds->qid[ds->n_groups - 1] == q)
        return SM_OK;
    int64_t first_line = qid_set_find(&b->seen, q);
    if (first_line)
        return sm_fail(err, SM_EDATA,
                       "%s:%lld:%zu: qid %lld reappears; its rows must be contiguous (first seen "
                       "at line %lld)",
                       name, (long long)lineno, qid_tok->col, (long long)q, (long long)first_line);
    if (!qid_set_add(&b->seen, q, lineno) ||
        !grow_array(&ds->group_ptr, &b->cap_group_ptr, (size_t)ds->n_groups + 2,
                    sizeof *ds->group_ptr) ||
        !grow_array(&ds->qid, &b->cap_qid, (size_t)ds->n_groups + 1, sizeof *ds->qid))
        return out_of_memory(err, name);
    ds->group_ptr[ds->n_groups] = ds->n_rows;
    ds->qid[ds->n_groups] = q;
    ds->n_groups++;
    return SM_OK;
}

/* One index:value token, checked left to right so the message names the first
 * thing that is wrong. */
static sm_status parse_feature(const char *name, int64_t lineno, const token *t, int32_t *idx,
                               float *val, sm_error *err)
{
    int64_t index;
    int too_large;
    size_t d = scan_uint(t->s, t->len, SM_MAX_INDEX, &index, &too_large);
    if (d == 0) {
        if (t->s[0] == ':')
            return token_fail(err, name, lineno, t, "feature index is missing");
        if (is_qid_token(t))
            return token_fail(err, name, lineno, t, "qid must come right after the label");
        if (memchr(t->s, ':', t->len))
            return token_fail(err, name, lineno, t, "feature index must be a non-negative integer");
        return token_fail(err, name, lineno, t, "expected index:value");
    }
    if (d == t->len || t->s[d] != ':')
        return token_fail(err, name, lineno, t, "expected ':' after feature index");
    if (too_large)
        return token_fail(err, name, lineno, t, "feature index is larger than %ld",
                          (long)SM_MAX_INDEX);
    const char *v = t->s + d + 1;
    size_t v_len = t->len - d - 1;
    if (memchr(v, ':', v_len))
        return token_fail(err, name, lineno, t, "more than one ':' in a feature");
    double x;
    real_status rs = parse_real(v, v_len, &x);
    if (rs != REAL_OK)
        return token_fail(err, name, lineno, t, "feature value %s", real_problem[rs]);
    if (fabs(x) > FLT_MAX)
        return token_fail(err, name, lineno, t, "feature value is out of range for a float");
    *idx = (int32_t)index;
    *val = (float)x;
    return SM_OK;
}

static sm_status data_line(void *ctx, const char *name, char *line, size_t len, int64_t lineno,
                           sm_error *err)
{
    data_builder *b = ctx;
    sm_dataset *ds = &b->ds;
    size_t pos = 0;
    token label_tok, t;
    if (!next_token(line, len, &pos, &label_tok))
        return SM_OK; /* blank or comment-only */
    double label;
    sm_status st = parse_label(name, lineno, &label_tok, &label, err);
    if (st != SM_OK)
        return st;

    size_t after_label = pos;
    int has_next = next_token(line, len, &pos, &t);
    int has_qid = has_next && is_qid_token(&t);
    if ((st = handle_qid(b, name, lineno, has_qid ? &t : NULL, has_next ? &t : &label_tok, err)) !=
        SM_OK)
        return st;
    if (!has_qid)
        pos = after_label;

    int64_t first = ds->nnz;
    size_t n = 0;
    int sorted = 1;
    int32_t prev = -1;
    while (next_token(line, len, &pos, &t)) {
        int32_t idx = 0;
        float val = 0;
        if ((st = parse_feature(name, lineno, &t, &idx, &val, err)) != SM_OK)
            return st;
        size_t need = (size_t)ds->nnz + 1;
        if (!grow_array(&ds->col, &b->cap_col, need, sizeof *ds->col) ||
            !grow_array(&ds->val, &b->cap_val, need, sizeof *ds->val) ||
            !grow_array(&b->feature_col, &b->cap_feature_col, n + 1, sizeof *b->feature_col))
            return out_of_memory(err, name);
        ds->col[ds->nnz] = idx;
        ds->val[ds->nnz] = val;
        ds->nnz++;
        b->feature_col[n++] = t.col;
        if (idx <= prev)
            sorted = 0;
        prev = idx;
        if (idx > b->max_index)
            b->max_index = idx;
    }
    if (!sorted && (st = sort_row(b, name, line, len, lineno, first, n, err)) != SM_OK)
        return st;

    size_t rows = (size_t)ds->n_rows + 1;
    if (!grow_array(&ds->row_ptr, &b->cap_row_ptr, rows + 1, sizeof *ds->row_ptr) ||
        !grow_array(&ds->label, &b->cap_label, rows, sizeof *ds->label))
        return out_of_memory(err, name);
    ds->label[ds->n_rows] = label;
    ds->row_ptr[rows] = ds->nnz;
    ds->n_rows++;
    return SM_OK;
}

/* Trim an array to its final length (at least one element, so no array of a
 * successfully read dataset is NULL); a failed shrink keeps the larger block. */
static void shrink_array(void *pp, size_t n, size_t size)
{
    void *p;
    memcpy(&p, pp, sizeof p);
    void *np = realloc(p, (n ? n : 1) * size);
    if (np)
        memcpy(pp, &np, sizeof np);
}

static sm_status read_dataset(text_source *src, const sm_reader_options *opt, sm_dataset *out,
                              sm_error *err)
{
    data_builder b;
    if (!builder_init(&b)) {
        dataset_init(out);
        return out_of_memory(err, src->name);
    }
    sm_status st = scan_lines(src, opt, data_line, &b, err);
    if (st != SM_OK) {
        builder_free(&b);
        dataset_init(out);
        return st;
    }
    sm_dataset *ds = &b.ds;
    if (ds->n_groups > 0)
        ds->group_ptr[ds->n_groups] = ds->n_rows;
    ds->dim = (int32_t)(b.max_index + 1);
    snprintf(ds->source, sizeof ds->source, "%s", src->name);
    shrink_array(&ds->row_ptr, (size_t)ds->n_rows + 1, sizeof *ds->row_ptr);
    shrink_array(&ds->label, (size_t)ds->n_rows, sizeof *ds->label);
    shrink_array(&ds->col, (size_t)ds->nnz, sizeof *ds->col);
    shrink_array(&ds->val, (size_t)ds->nnz, sizeof *ds->val);
    *out = b.ds;
    dataset_init(&b.ds);
    builder_free(&b);
    return SM_OK;
}

sm_status reader_read_file(const char *path, const sm_reader_options *opt, sm_dataset *out,
                           sm_error *err)
{
    text_source src;
    sm_status st = source_open(&src, path, err);
    if (st != SM_OK) {
        dataset_init(out);
        return st;
    }
    st = read_dataset(&src, opt, out, err);
    source_close(&src);
    return st;
}

sm_status reader_read_buffer(const char *buf, size_t len, const char *name,
                             const sm_reader_options *opt, sm_dataset *out, sm_error *err)
{
    text_source src = {NULL, buf, len, 0, name};
    return read_dataset(&src, opt, out, err);
}

/* ---- group sizes and scores ---- */

typedef struct {
    int64_t *values;
    size_t cap;
    int64_t n;
} group_list;

static sm_status group_line(void *ctx, const char *name, char *line, size_t len, int64_t lineno,
                            sm_error *err)
{
    group_list *g = ctx;
    size_t pos = 0;
    token t;
    if (!next_token(line, len, &pos, &t))
        return SM_OK;
    int64_t size;
    int too_large;
    if (scan_uint(t.s, t.len, INT64_MAX, &size, &too_large) != t.len || (!too_large && size == 0))
        return token_fail(err, name, lineno, &t, "group size must be a positive integer");
    if (too_large)
        return token_fail(err, name, lineno, &t, "group size is too large");
    if (next_token(line, len, &pos, &t))
        return token_fail(err, name, lineno, &t, "unexpected text after the group size");
    if (!grow_array(&g->values, &g->cap, (size_t)g->n + 1, sizeof *g->values))
        return out_of_memory(err, name);
    g->values[g->n++] = size;
    return SM_OK;
}

typedef struct {
    double *values;
    size_t cap;
    int64_t n;
} score_list;

static sm_status score_line(void *ctx, const char *name, char *line, size_t len, int64_t lineno,
                            sm_error *err)
{
    score_list *s = ctx;
    size_t pos = 0;
    token t;
    if (!next_token(line, len, &pos, &t))
        return SM_OK;
    double v;
    real_status rs = parse_real(t.s, t.len, &v);
    if (rs != REAL_OK)
        return token_fail(err, name, lineno, &t, "score %s", real_problem[rs]);
    if (!grow_array(&s->values, &s->cap, (size_t)s->n + 1, sizeof *s->values))
        return out_of_memory(err, name);
    s->values[s->n++] = v;
    return SM_OK;
}

static sm_status read_list_file(const char *path, line_handler handle, void *list, sm_error *err)
{
    text_source src;
    sm_status st = source_open(&src, path, err);
    if (st == SM_OK) {
        st = scan_lines(&src, NULL, handle, list, err);
        source_close(&src);
    }
    return st;
}

sm_status reader_read_groups(const char *path, int64_t **sizes, int64_t *n_sizes, sm_error *err)
{
    group_list g = {NULL, 0, 0};
    sm_status st = read_list_file(path, group_line, &g, err);
    if (st != SM_OK) {
        free(g.values);
        *sizes = NULL;
        *n_sizes = 0;
        return st;
    }
    shrink_array(&g.values, (size_t)g.n, sizeof *g.values);
    if (!g.values)
        return out_of_memory(err, path);
    *sizes = g.values;
    *n_sizes = g.n;
    return SM_OK;
}

sm_status reader_read_scores(const char *path, double **scores, int64_t *n, sm_error *err)
{
    score_list s = {NULL, 0, 0};
    sm_status st = read_list_file(path, score_line, &s, err);
    if (st != SM_OK) {
        free(s.values);
        *scores = NULL;
        *n = 0;
        return st;
    }
    shrink_array(&s.values, (size_t)s.n, sizeof *s.values);
    if (!s.values)
        return out_of_memory(err, path);
    *scores = s.values;
    *n = s.n;
    return SM_OK;
}
