/* reader.c - libsvm / SVMlight / LETOR text into CSR in one pass.
 *
 * A text_source (a zlib gzFile, which reads gzip and plain text alike, or a
 * memory buffer) is cut into blocks of whole lines. Each block is parsed on
 * its own - in parallel, by a pool of parser threads - into rows with local
 * line numbers; blocks are then merged in file order, and only the merge
 * applies the file-wide rules (the qid convention and contiguity) and knows
 * the real line numbers. A reader thread reads (inflates) ahead into a ring
 * of block slots, so gzip input is parsed while it inflates.
 *
 * A line is parsed by fast_line when it has the usual shape; anything else
 * (and every error) goes to careful_line, the single place where messages
 * are made. A block stops at its first failing line; the merge then parses
 * that line again with careful_line and the file-wide rules as they stand at
 * that point, which yields exactly the message a line-by-line reader gives.
 *
 * Block text ends with a NUL, so numbers are parsed in place: a token always
 * ends at a blank, a '#', a '\r', a '\n' or the NUL, none of which can
 * continue a number. Group and score files go through scan_lines, which
 * hands one NUL-terminated line at a time to a handler.
 */
#include "reader.h"

#include "memhint.h"
#include "numparse.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

enum {
    CHUNK_BYTES = 1 << 20,     /* one read of a list file; grows for a longer line */
    BLOCK_BYTES = 1 << 19,     /* text parsed by one thread at a time */
    SLOTS_PER_THREAD = 2,      /* blocks in flight per parsing thread */
    MAX_THREADS = 64,
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

/* ---- query groups: the rules, over values ---- */

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

enum { QID_UNSET, QID_PRESENT, QID_ABSENT };
#define NO_QID INT64_C(-1) /* a row without a qid (qids are >= 0) */

/* The file-wide qid rules: the first data line decides whether every line
 * has a qid; rows of one qid are contiguous. They are checked in file order
 * when blocks are merged (and by careful_line when it reproduces a message). */
typedef struct {
    int mode;
    int64_t convention_line; /* first data line: it decided whether qid is used */
    qid_set seen;
    int64_t last_qid; /* qid of the open group; NO_QID before the first */
} qid_rules;

typedef enum { RULE_OK, RULE_NEW_GROUP, RULE_MISSING, RULE_UNEXPECTED, RULE_REAPPEARS, RULE_NOMEM } rule_verdict;

static rule_verdict qid_convention(qid_rules *r, int has_qid, int64_t lineno)
{
    if (r->mode == QID_UNSET) {
        r->mode = has_qid ? QID_PRESENT : QID_ABSENT;
        r->convention_line = lineno;
    }
    if (!has_qid)
        return r->mode == QID_PRESENT ? RULE_MISSING : RULE_OK;
    return r->mode == QID_ABSENT ? RULE_UNEXPECTED : RULE_OK;
}

/* A row with qid q: same group, a new group, or a qid that reappears (left
 * unchanged then, so the failing row can be parsed again for its message). */
static rule_verdict qid_group(qid_rules *r, int64_t q, int64_t lineno)
{
    if (r->last_qid == q)
        return RULE_OK;
    if (qid_set_find(&r->seen, q))
        return RULE_REAPPEARS;
    if (!qid_set_add(&r->seen, q, lineno))
        return RULE_NOMEM;
    r->last_qid = q;
    return RULE_NEW_GROUP;
}

/* ---- blocks: whole lines parsed independently ---- */

typedef struct {
    int32_t idx;
    float val;
    size_t order; /* position in the line: finds the token of a duplicate */
} feature_entry;

/* A block of whole lines and the rows parsed from it. Blocks are parsed in
 * parallel without the file-wide qid rules; merge_block applies those in file
 * order. Line numbers here are local (1 = the block's first line). */
typedef struct {
    char *text; /* text[len] == '\0' */
    size_t len, cap;
    int64_t n_lines;
    /* rows */
    int64_t n_rows;
    size_t cap_rows;
    double *label;
    int64_t *row_end; /* nnz of the block after the row */
    int64_t *qid;     /* NO_QID when the row has none */
    int64_t *line_no; /* local line of the row */
    size_t *line_off; /* where the row's line starts in text */
    /* nonzeros */
    int32_t *col;
    float *val;
    size_t nnz, cap_nnz;
    int64_t max_index;
    /* the first line that failed; merge_block parses it again for the message */
    int failed, out_of_memory;
    size_t fail_off;
    int64_t fail_line;
    /* careful_line's scratch */
    char *line_buf;
    size_t cap_line_buf;
    size_t *feature_col; /* columns of the current row's features */
    size_t cap_feature_col;
    feature_entry *sorted;
    size_t cap_sorted;
    const char *name;
} block;

static void block_free(block *b)
{
    free(b->text);
    free(b->label);
    free(b->row_end);
    free(b->qid);
    free(b->line_no);
    free(b->line_off);
    free(b->col);
    free(b->val);
    free(b->line_buf);
    free(b->feature_col);
    free(b->sorted);
    memset(b, 0, sizeof *b);
}

static void block_clear_rows(block *b)
{
    b->n_lines = 0;
    b->n_rows = 0;
    b->nnz = 0;
    b->max_index = -1;
    b->failed = b->out_of_memory = 0;
}

static int block_add_row(block *b, double label, int64_t qid, int64_t line_no, size_t line_off)
{
    if (b->n_rows == (int64_t)b->cap_rows) {
        /* the per-row arrays share one capacity */
        struct {
            void *pp;
            size_t size;
        } arrays[] = {{&b->label, sizeof *b->label},
                      {&b->row_end, sizeof *b->row_end},
                      {&b->qid, sizeof *b->qid},
                      {&b->line_no, sizeof *b->line_no},
                      {&b->line_off, sizeof *b->line_off}};
        size_t cap = b->cap_rows;
        for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++) {
            cap = b->cap_rows;
            if (!grow_array(arrays[a].pp, &cap, cap + 1, arrays[a].size))
                return 0;
        }
        b->cap_rows = cap;
    }
    int64_t r = b->n_rows++;
    b->label[r] = label;
    b->row_end[r] = (int64_t)b->nnz;
    b->qid[r] = qid;
    b->line_no[r] = line_no;
    b->line_off[r] = line_off;
    return 1;
}

static inline int block_add_feature(block *b, int32_t idx, float val)
{
    if (b->nnz == b->cap_nnz) {
        size_t cap = b->cap_nnz;
        if (!grow_array(&b->col, &cap, b->nnz + 1, sizeof *b->col))
            return 0;
        cap = b->cap_nnz;
        if (!grow_array(&b->val, &cap, b->nnz + 1, sizeof *b->val))
            return 0;
        b->cap_nnz = cap;
    }
    b->col[b->nnz] = idx;
    b->val[b->nnz] = val;
    b->nnz++;
    return 1;
}

/* ---- the careful line parser: every check, every message ---- */

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
static sm_status sort_row(block *b, const char *line, size_t len, int64_t lineno, size_t first,
                          size_t n, sm_error *err)
{
    if (!grow_array(&b->sorted, &b->cap_sorted, n, sizeof *b->sorted))
        return out_of_memory(err, b->name);
    for (size_t k = 0; k < n; k++)
        b->sorted[k] = (feature_entry){b->col[first + k], b->val[first + k], k};
    qsort(b->sorted, n, sizeof *b->sorted, compare_features);
    for (size_t k = 0; k < n; k++) {
        if (k > 0 && b->sorted[k].idx == b->sorted[k - 1].idx) {
            token t = token_at(line, len, b->feature_col[b->sorted[k].order]);
            return token_fail(err, b->name, lineno, &t,
                              "duplicate feature index %ld (first at column %zu)",
                              (long)b->sorted[k].idx, b->feature_col[b->sorted[k - 1].order]);
        }
        b->col[first + k] = b->sorted[k].idx;
        b->val[first + k] = b->sorted[k].val;
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

/* The qid of a row (qid_tok NULL when it has none; where is the token to
 * blame for a missing one). rules is NULL inside a block, where only the
 * token itself is checked; merge_block applies the rules later. */
static sm_status parse_qid(qid_rules *rules, const char *name, int64_t lineno,
                           const token *qid_tok, const token *where, int64_t *qid, sm_error *err)
{
    *qid = NO_QID;
    rule_verdict v = rules ? qid_convention(rules, qid_tok != NULL, lineno) : RULE_OK;
    if (v == RULE_MISSING)
        return token_fail(err, name, lineno, where,
                          "missing qid (line %lld has one, so every line needs one)",
                          (long long)rules->convention_line);
    if (v == RULE_UNEXPECTED)
        return token_fail(err, name, lineno, qid_tok,
                          "unexpected qid: line %lld has none, so no line may have one",
                          (long long)rules->convention_line);
    if (!qid_tok)
        return SM_OK;
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
    v = rules ? qid_group(rules, q, lineno) : RULE_OK;
    if (v == RULE_REAPPEARS)
        return sm_fail(err, SM_EDATA,
                       "%s:%lld:%zu: qid %lld reappears; its rows must be contiguous (first seen "
                       "at line %lld)",
                       name, (long long)lineno, qid_tok->col, (long long)q,
                       (long long)qid_set_find(&rules->seen, q));
    if (v == RULE_NOMEM)
        return out_of_memory(err, name);
    *qid = q;
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

/* Parse one line with every check, appending its row to b. line[len] is
 * '\0' and a trailing '\r' is already removed. With rules, the file-wide qid
 * rules are applied too, in the order a reader going line by line meets them:
 * that is how merge_block gets the message of a line that failed. */
static sm_status careful_line(block *b, qid_rules *rules, char *line, size_t len, int64_t lineno,
                              size_t line_off, sm_error *err)
{
    const char *name = b->name;
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
    int64_t qid;
    if ((st = parse_qid(rules, name, lineno, has_qid ? &t : NULL, has_next ? &t : &label_tok, &qid,
                        err)) != SM_OK)
        return st;
    if (!has_qid)
        pos = after_label;

    size_t first = b->nnz, n = 0;
    int sorted = 1;
    int32_t prev = -1;
    while (next_token(line, len, &pos, &t)) {
        int32_t idx = 0;
        float val = 0;
        if ((st = parse_feature(name, lineno, &t, &idx, &val, err)) != SM_OK)
            return st;
        if (!block_add_feature(b, idx, val) ||
            !grow_array(&b->feature_col, &b->cap_feature_col, n + 1, sizeof *b->feature_col))
            return out_of_memory(err, name);
        b->feature_col[n++] = t.col;
        if (idx <= prev)
            sorted = 0;
        prev = idx;
        if (idx > b->max_index)
            b->max_index = idx;
    }
    if (!sorted && (st = sort_row(b, line, len, lineno, first, n, err)) != SM_OK)
        return st;
    if (!block_add_row(b, label, qid, lineno, line_off))
        return out_of_memory(err, name);
    return SM_OK;
}

/* Copy the line at off (up to '\n' or the end of the block) into the
 * scratch buffer, terminated and without a final '\r', and parse it
 * carefully. *next is where the following line starts. */
static sm_status careful_line_at(block *b, qid_rules *rules, size_t off, int64_t lineno,
                                 size_t *next, sm_error *err)
{
    const char *line = b->text + off;
    const char *nl = memchr(line, '\n', b->len - off);
    size_t len = nl ? (size_t)(nl - line) : b->len - off;
    *next = off + len + (nl != NULL);
    if (!grow_array(&b->line_buf, &b->cap_line_buf, len + 1, 1))
        return out_of_memory(err, b->name);
    memcpy(b->line_buf, line, len);
    if (len > 0 && b->line_buf[len - 1] == '\r')
        len--;
    b->line_buf[len] = '\0';
    return careful_line(b, rules, b->line_buf, len, lineno, off, err);
}

/* ---- the fast line parser: the common shape of a line, no messages ---- */

static inline int is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

/* Parse a line of the usual shape (label [qid:N] sorted index:value pairs
 * [# comment]) and append its row; returns 0, leaving b as it was, for
 * anything else (blank lines, unsorted indices, any doubt about the syntax),
 * and careful_line then decides. Numbers go through sm_parse_decimal, which
 * gives strtod's value exactly; a number must end at a blank, '#' or the end
 * of the line, exactly where next_token would end it. */
static int fast_line(block *b, size_t off, int64_t lineno, size_t *next)
{
    const char *s = b->text + off, *end = b->text + b->len;
    while (*s == ' ' || *s == '\t')
        s++;
    double label;
    const char *e;
    if (!is_digit(*s) && *s != '-' && *s != '+' && *s != '.')
        return 0;
    if (!sm_parse_decimal(s, &e, &label) || !(fabs(label) <= DBL_MAX))
        return 0;
    s = e;
    int64_t qid = NO_QID;
    if (*s == ' ' || *s == '\t') {
        const char *t = s;
        while (*t == ' ' || *t == '\t')
            t++;
        if (t[0] == 'q' && t[1] == 'i' && t[2] == 'd' && t[3] == ':') {
            s = t + 4;
            int64_t q = 0;
            int n = 0;
            for (; is_digit(*s) && n < 18; s++, n++)
                q = q * 10 + (*s - '0');
            if (n == 0 || is_digit(*s))
                return 0;
            qid = q;
        }
    }
    size_t first = b->nnz;
    int64_t prev = -1;
    for (;;) {
        /* s is just past the previous token */
        char c = *s;
        if (c == ' ' || c == '\t') {
            while (*s == ' ' || *s == '\t')
                s++;
            c = *s;
        } else if (c != '\n' && c != '\r' && c != '#' && c != '\0') {
            break; /* a token that does not end where it should */
        }
        if (c == '\n') {
            s++;
            goto row_done;
        }
        if (c == '#') {
            s = memchr(s, '\n', (size_t)(end - s));
            s = s ? s + 1 : end;
            goto row_done;
        }
        if (c == '\r' && s[1] == '\n') {
            s += 2;
            goto row_done;
        }
        if (c == '\0' && s == end)
            goto row_done;
        int64_t idx = 0;
        int n = 0;
        for (; is_digit(*s) && n < 10; s++, n++)
            idx = idx * 10 + (*s - '0');
        if (n == 0 || *s != ':' || idx > SM_MAX_INDEX || idx <= prev)
            break;
        double x;
        if (!sm_parse_decimal(s + 1, &e, &x) || !(fabs(x) <= FLT_MAX))
            break;
        s = e;
        if (!block_add_feature(b, (int32_t)idx, (float)x))
            break; /* careful_line reports the lack of memory */
        prev = idx;
    }
    b->nnz = first;
    return 0;
row_done:
    if (!block_add_row(b, label, qid, lineno, off)) {
        b->nnz = first;
        return 0;
    }
    if (prev > b->max_index)
        b->max_index = prev;
    *next = (size_t)(s - b->text);
    return 1;
}

/* Parse every line of a block (runs in a worker thread: touches only b). */
static void parse_block(block *b)
{
    block_clear_rows(b);
    size_t off = 0;
    while (off < b->len) {
        int64_t lineno = ++b->n_lines;
        size_t next;
        if (fast_line(b, off, lineno, &next)) {
            off = next;
            continue;
        }
        sm_error ignored; /* merge_block parses a failing line again for its message */
        sm_status st = careful_line_at(b, NULL, off, lineno, &next, &ignored);
        if (st != SM_OK) {
            b->failed = 1;
            b->out_of_memory = st == SM_EFAIL;
            b->fail_off = off;
            b->fail_line = lineno;
            return;
        }
        off = next;
    }
}

/* ---- reading blocks ---- */

typedef struct {
    text_source *src;
    size_t block_bytes;
    char *carry; /* the start of a line that the previous block cut off */
    size_t carry_len, carry_cap;
    int eof;
    uint64_t consumed;
} block_reader;

/* Fill b with the next whole lines (block_bytes or more when one line is
 * longer); b->len == 0 at the end of the input. */
static sm_status read_block(block_reader *r, block *b, sm_error *err)
{
    size_t want = r->block_bytes > r->carry_len ? r->block_bytes : 2 * r->carry_len;
    if (b->cap < want) {
        char *t = realloc(b->text, want + 1);
        if (!t)
            return out_of_memory(err, r->src->name);
        b->text = t;
        b->cap = want;
    }
    if (r->carry_len)
        memcpy(b->text, r->carry, r->carry_len);
    b->len = r->carry_len;
    r->carry_len = 0;
    for (;;) {
        while (!r->eof && b->len < b->cap) {
            size_t got = 0;
            sm_status st = source_read(r->src, b->text + b->len, b->cap - b->len, &got, err);
            if (st != SM_OK)
                return st;
            r->eof = got == 0;
            b->len += got;
            r->consumed += got;
        }
        if (r->eof)
            break;
        size_t cut = b->len;
        while (cut > 0 && b->text[cut - 1] != '\n')
            cut--;
        if (cut > 0) {
            size_t rest = b->len - cut;
            if (rest > 0 && !grow_array(&r->carry, &r->carry_cap, rest, 1))
                return out_of_memory(err, r->src->name);
            if (rest > 0)
                memcpy(r->carry, b->text + cut, rest);
            r->carry_len = rest;
            b->len = cut;
            break;
        }
        /* One line fills the whole block: make room and read on. */
        char *t = b->cap <= (SIZE_MAX - 1) / 2 ? realloc(b->text, 2 * b->cap + 1) : NULL;
        if (!t)
            return out_of_memory(err, r->src->name);
        b->text = t;
        b->cap *= 2;
    }
    b->text[b->len] = '\0';
    return SM_OK;
}

/* ---- merging blocks into the dataset, in file order ---- */

typedef struct {
    sm_dataset ds; /* arrays grow in place; n_rows, nnz, n_groups count what is filled */
    size_t cap_row_ptr, cap_label, cap_col, cap_val, cap_group_ptr, cap_qid;
    int64_t max_index;
    int64_t lines; /* lines of the blocks merged so far */
    qid_rules rules;
    block scratch; /* careful_line's output when a message is reproduced */
} data_builder;

static void builder_free(data_builder *g)
{
    dataset_free(&g->ds);
    free(g->rules.seen.keys);
    free(g->rules.seen.lines);
    block_free(&g->scratch);
}

static int builder_init(data_builder *g, const char *name)
{
    memset(g, 0, sizeof *g);
    dataset_init(&g->ds);
    g->max_index = -1;
    g->rules.last_qid = NO_QID;
    g->scratch.name = name;
    block_clear_rows(&g->scratch);
    sm_dataset *ds = &g->ds;
    if (!grow_array(&ds->row_ptr, &g->cap_row_ptr, 256, sizeof *ds->row_ptr) ||
        !grow_array(&ds->label, &g->cap_label, 256, sizeof *ds->label)) {
        builder_free(g);
        return 0;
    }
    ds->row_ptr[0] = 0;
    return 1;
}

/* The message of the line at off in b (local line local_line), which fails
 * when parsed with the file-wide rules as they stand. */
static sm_status reproduce_failure(data_builder *g, const block *b, size_t off, int64_t local_line,
                                   sm_error *err)
{
    block *s = &g->scratch;
    block_clear_rows(s);
    size_t len = b->len - off;
    const char *nl = memchr(b->text + off, '\n', len);
    if (nl)
        len = (size_t)(nl - (b->text + off));
    if (!grow_array(&s->text, &s->cap, len + 1, 1))
        return out_of_memory(err, b->name);
    memcpy(s->text, b->text + off, len);
    s->text[len] = '\0';
    s->len = len;
    size_t next;
    sm_status st = careful_line_at(s, &g->rules, 0, g->lines + local_line, &next, err);
    if (st == SM_OK)
        st = sm_fail(err, SM_EFAIL, "%s:%lld: internal error: the line failed once and passed once",
                     b->name, (long long)(g->lines + local_line));
    return st;
}

static sm_status merge_block(data_builder *g, const block *b, sm_error *err)
{
    sm_dataset *ds = &g->ds;
    if (b->out_of_memory)
        return out_of_memory(err, b->name);
    size_t rows = (size_t)ds->n_rows + (size_t)b->n_rows;
    size_t nnz = (size_t)ds->nnz + b->nnz;
    if (!grow_array(&ds->row_ptr, &g->cap_row_ptr, rows + 1, sizeof *ds->row_ptr) ||
        !grow_array(&ds->label, &g->cap_label, rows, sizeof *ds->label) ||
        !grow_array(&ds->col, &g->cap_col, nnz, sizeof *ds->col) ||
        !grow_array(&ds->val, &g->cap_val, nnz, sizeof *ds->val))
        return out_of_memory(err, b->name);
    /* One call faults in the part this block fills. (No huge pages here:
     * rows are read whole, and a half-used last huge page is memory.) */
    if (b->nnz > 0) { /* (col and val may still be NULL: no offset on a null pointer) */
        sm_prefault(ds->col + ds->nnz, b->nnz * sizeof *ds->col);
        sm_prefault(ds->val + ds->nnz, b->nnz * sizeof *ds->val);
    }
    for (int64_t r = 0; r < b->n_rows; r++) {
        int64_t q = b->qid[r], lineno = g->lines + b->line_no[r];
        rule_verdict v = qid_convention(&g->rules, q != NO_QID, lineno);
        if (v == RULE_OK && q != NO_QID)
            v = qid_group(&g->rules, q, lineno);
        if (v == RULE_NEW_GROUP) {
            size_t n = (size_t)ds->n_groups;
            if (!grow_array(&ds->group_ptr, &g->cap_group_ptr, n + 2, sizeof *ds->group_ptr) ||
                !grow_array(&ds->qid, &g->cap_qid, n + 1, sizeof *ds->qid))
                return out_of_memory(err, b->name);
            ds->group_ptr[n] = ds->n_rows;
            ds->qid[n] = q;
            ds->n_groups++;
        } else if (v == RULE_NOMEM) {
            return out_of_memory(err, b->name);
        } else if (v != RULE_OK) {
            return reproduce_failure(g, b, b->line_off[r], b->line_no[r], err);
        }
        ds->label[ds->n_rows] = b->label[r];
        ds->row_ptr[ds->n_rows + 1] = ds->nnz + b->row_end[r];
        ds->n_rows++;
    }
    if (b->failed)
        return reproduce_failure(g, b, b->fail_off, b->fail_line, err);
    if (b->nnz) {
        memcpy(ds->col + ds->nnz, b->col, b->nnz * sizeof *ds->col);
        memcpy(ds->val + ds->nnz, b->val, b->nnz * sizeof *ds->val);
    }
    ds->nnz = (int64_t)nnz;
    if (b->max_index > g->max_index)
        g->max_index = b->max_index;
    g->lines += b->n_lines;
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

static int reader_threads(const sm_reader_parallel *par)
{
    long n = par && par->threads > 0 ? par->threads : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}


static void report_progress(const sm_reader_options *opt, uint64_t consumed, uint64_t *next_report)
{
    if (opt && opt->progress && consumed >= *next_report) {
        opt->progress(opt->progress_ctx, consumed);
        *next_report = consumed + PROGRESS_STEP;
    }
}

/* One thread: read a block, parse it, merge it, and again. */
static sm_status parse_blocks_serial(block_reader *r, const sm_reader_options *opt,
                                     data_builder *g, sm_error *err)
{
    block b;
    memset(&b, 0, sizeof b);
    b.name = r->src->name;
    uint64_t next_report = PROGRESS_STEP;
    sm_status st;
    while ((st = read_block(r, &b, err)) == SM_OK && b.len > 0) {
        parse_block(&b);
        if ((st = merge_block(g, &b, err)) != SM_OK)
            break;
        report_progress(opt, r->consumed, &next_report);
    }
    block_free(&b);
    return st;
}

/* Several threads: a pipeline over a ring of block slots. One thread reads
 * (inflates) blocks into free slots in file order, the parser threads take
 * filled slots as they come, and the calling thread merges parsed slots in
 * file order and frees them. Reading, parsing and merging all overlap, so
 * gzip input is parsed while the next blocks inflate. */
enum { SLOT_FREE, SLOT_FILLED, SLOT_PARSING, SLOT_PARSED };

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t changed;
    block slot[SLOTS_PER_THREAD * MAX_THREADS];
    int state[SLOTS_PER_THREAD * MAX_THREADS];
    int n_slots;
    block_reader *reader;
    int64_t n_read;     /* blocks read so far; block k is in slot k % n_slots */
    int64_t next_parse; /* next block to hand to a parser */
    int read_done;      /* end of input or read error */
    int abort;          /* the merge failed: everyone stops */
    uint64_t consumed;  /* bytes read, for progress */
    sm_status read_st;
    sm_error read_err;
} pipeline;

static void *pipeline_read(void *arg)
{
    pipeline *p = arg;
    for (int64_t k = 0;; k++) {
        block *b = &p->slot[k % p->n_slots];
        pthread_mutex_lock(&p->mu);
        while (p->state[k % p->n_slots] != SLOT_FREE && !p->abort)
            pthread_cond_wait(&p->changed, &p->mu);
        int stop = p->abort;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        sm_error e;
        sm_status st = read_block(p->reader, b, &e);
        pthread_mutex_lock(&p->mu);
        if (st != SM_OK) {
            p->read_st = st;
            p->read_err = e;
        }
        if (st != SM_OK || b->len == 0) {
            p->read_done = 1;
        } else {
            p->state[k % p->n_slots] = SLOT_FILLED;
            p->n_read = k + 1;
            p->consumed = p->reader->consumed;
        }
        int done = p->read_done;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->mu);
        if (done)
            break;
    }
    return NULL;
}

static void *pipeline_parse(void *arg)
{
    pipeline *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->abort && p->next_parse >= p->n_read && !p->read_done)
            pthread_cond_wait(&p->changed, &p->mu);
        if (p->abort || p->next_parse >= p->n_read)
            break;
        int s = (int)(p->next_parse++ % p->n_slots);
        p->state[s] = SLOT_PARSING;
        pthread_mutex_unlock(&p->mu);
        parse_block(&p->slot[s]);
        pthread_mutex_lock(&p->mu);
        p->state[s] = SLOT_PARSED;
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void pipeline_abort(pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    p->abort = 1;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->mu);
}

/* Returns -1 when the threads could not be started (nothing was read then). */
static int parse_blocks_parallel(block_reader *r, int threads, const sm_reader_options *opt,
                                 data_builder *g, sm_status *st, sm_error *err)
{
    pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->n_slots = SLOTS_PER_THREAD * threads;
    p->reader = r;
    for (int i = 0; i < p->n_slots; i++)
        p->slot[i].name = r->src->name;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->changed, NULL);
    pthread_t parser[MAX_THREADS], reader;
    int n_parsers = 0;
    while (n_parsers < threads &&
           pthread_create(&parser[n_parsers], NULL, pipeline_parse, p) == 0)
        n_parsers++;
    int reading = n_parsers > 0 && pthread_create(&reader, NULL, pipeline_read, p) == 0;
    *st = SM_OK;
    if (reading) {
        uint64_t next_report = PROGRESS_STEP;
        for (int64_t k = 0; *st == SM_OK; k++) {
            int s = (int)(k % p->n_slots);
            pthread_mutex_lock(&p->mu);
            while (!(k < p->n_read && p->state[s] == SLOT_PARSED) && !(p->read_done && k >= p->n_read))
                pthread_cond_wait(&p->changed, &p->mu);
            int done = k >= p->n_read;
            uint64_t consumed = p->consumed;
            pthread_mutex_unlock(&p->mu);
            if (done)
                break;
            *st = merge_block(g, &p->slot[s], err);
            report_progress(opt, consumed, &next_report);
            pthread_mutex_lock(&p->mu);
            p->state[s] = SLOT_FREE;
            pthread_cond_broadcast(&p->changed);
            pthread_mutex_unlock(&p->mu);
        }
        /* A read error counts after every block read before it is merged,
         * so that an earlier bad line is still the one reported. */
        if (*st == SM_OK && p->read_st != SM_OK) {
            *err = p->read_err;
            *st = p->read_st;
        }
    }
    pipeline_abort(p);
    if (reading)
        pthread_join(reader, NULL);
    for (int i = 0; i < n_parsers; i++)
        pthread_join(parser[i], NULL);
    for (int i = 0; i < p->n_slots; i++)
        block_free(&p->slot[i]);
    pthread_cond_destroy(&p->changed);
    pthread_mutex_destroy(&p->mu);
    free(p);
    return reading ? 0 : -1;
}

static sm_status parse_blocks(text_source *src, const sm_reader_options *opt,
                              const sm_reader_parallel *par, data_builder *g, sm_error *err)
{
    int threads = reader_threads(par);
    size_t block_bytes = par && par->block_bytes ? par->block_bytes : BLOCK_BYTES;
    block_reader r = {src, block_bytes, NULL, 0, 0, 0, 0};
    sm_status st;
    if (threads == 1 || parse_blocks_parallel(&r, threads, opt, g, &st, err) != 0)
        st = parse_blocks_serial(&r, opt, g, err);
    free(r.carry);
    return st;
}

static sm_status read_dataset(text_source *src, const sm_reader_options *opt,
                              const sm_reader_parallel *par, sm_dataset *out, sm_error *err)
{
    data_builder g;
    if (!builder_init(&g, src->name)) {
        dataset_init(out);
        return out_of_memory(err, src->name);
    }
    sm_status st = parse_blocks(src, opt, par, &g, err);
    if (st != SM_OK) {
        builder_free(&g);
        dataset_init(out);
        return st;
    }
    sm_dataset *ds = &g.ds;
    if (ds->n_groups > 0)
        ds->group_ptr[ds->n_groups] = ds->n_rows;
    ds->dim = (int32_t)(g.max_index + 1);
    snprintf(ds->source, sizeof ds->source, "%s", src->name);
    shrink_array(&ds->row_ptr, (size_t)ds->n_rows + 1, sizeof *ds->row_ptr);
    shrink_array(&ds->label, (size_t)ds->n_rows, sizeof *ds->label);
    shrink_array(&ds->col, (size_t)ds->nnz, sizeof *ds->col);
    shrink_array(&ds->val, (size_t)ds->nnz, sizeof *ds->val);
    *out = g.ds;
    dataset_init(&g.ds);
    builder_free(&g);
    return SM_OK;
}

sm_status reader_read_file_parallel(const char *path, const sm_reader_options *opt,
                                    const sm_reader_parallel *par, sm_dataset *out, sm_error *err)
{
    text_source src;
    sm_status st = source_open(&src, path, err);
    if (st != SM_OK) {
        dataset_init(out);
        return st;
    }
    st = read_dataset(&src, opt, par, out, err);
    source_close(&src);
    return st;
}

sm_status reader_read_file(const char *path, const sm_reader_options *opt, sm_dataset *out,
                           sm_error *err)
{
    return reader_read_file_parallel(path, opt, NULL, out, err);
}

sm_status reader_read_buffer_parallel(const char *buf, size_t len, const char *name,
                                      const sm_reader_options *opt, const sm_reader_parallel *par,
                                      sm_dataset *out, sm_error *err)
{
    text_source src = {NULL, buf, len, 0, name};
    return read_dataset(&src, opt, par, out, err);
}

sm_status reader_read_buffer(const char *buf, size_t len, const char *name,
                             const sm_reader_options *opt, sm_dataset *out, sm_error *err)
{
    return reader_read_buffer_parallel(buf, len, name, opt, NULL, out, err);
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
