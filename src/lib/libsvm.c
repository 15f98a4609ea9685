/* libsvm.c - libsvm / SVMlight / LETOR lines into rows, block by block, and
 * blocks into a dataset in file order.
 *
 * A line is parsed by fast_line when it has the usual shape; anything else
 * (and every error) goes to careful_line, the single place where messages
 * are made. A block stops at its first failing line; the merge then parses
 * that line again with careful_line and the file-wide rules as they stand at
 * that point, which yields exactly the message a line-by-line reader gives.
 *
 * Block text ends with a NUL, so numbers are parsed in place: a token always
 * ends at a blank, a '#', a '\r', a '\n' or the NUL, none of which can
 * continue a number.
 */
#include "libsvm.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "memhint.h"
#include "numparse.h"
#include "tokens.h"

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
    /* The caller's rule on labels (NULL: none), a file-wide rule too: checked
     * by the merge, so a block parses the same whoever reads the file. */
    int (*check_label)(void *ctx, double label, char *why, size_t size);
    void *check_label_ctx;
    /* Rows without a label (NaN): allowed, or refused naming the command. */
    int allow_unlabeled;
    const char *command;
} qid_rules;

/* Whether the rules accept the label (why: the caller's reason if not): a
 * missing one (NaN) when allowed, a present one by the caller's rule. */
static int label_accepted(const qid_rules *r, double label, char *why, size_t size)
{
    if (isnan(label))
        return r->allow_unlabeled;
    return !r->check_label || r->check_label(r->check_label_ctx, label, why, size);
}

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
 * parallel without the file-wide qid rules; the merge applies those in file
 * order. Line numbers here are local (1 = the block's first line). */
struct libsvm_block {
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
    /* the first line that failed; the merge parses it again for the message */
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
    sm_duplicates duplicates;  /* what a repeated index in a row does */
    int64_t duplicate_rows;    /* rows of the block whose repeats it merged */
};

static void block_release(libsvm_block *b)
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

static void block_clear_rows(libsvm_block *b)
{
    b->n_lines = 0;
    b->n_rows = 0;
    b->nnz = 0;
    b->max_index = -1;
    b->failed = b->out_of_memory = 0;
    b->duplicate_rows = 0;
}

libsvm_block *libsvm_block_new(const char *name, sm_duplicates duplicates)
{
    libsvm_block *b = calloc(1, sizeof *b);
    if (b) {
        b->name = name;
        b->duplicates = duplicates;
    }
    return b;
}

void libsvm_block_free(libsvm_block *b)
{
    if (b)
        block_release(b);
    free(b);
}

sm_status libsvm_block_read(libsvm_block *b, textsrc_blocks *r, int *more, sm_error *err)
{
    sm_status st = textsrc_next_block(r, &b->text, &b->len, &b->cap, err);
    *more = st == SM_OK && b->len > 0;
    return st;
}

static int block_add_row(libsvm_block *b, double label, int64_t qid, int64_t line_no,
                         size_t line_off)
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
            if (!sm_array_grow(arrays[a].pp, &cap, cap + 1, arrays[a].size))
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

static inline int block_add_feature(libsvm_block *b, int32_t idx, float val)
{
    if (b->nnz == b->cap_nnz) {
        size_t cap = b->cap_nnz;
        if (!sm_array_grow(&b->col, &cap, b->nnz + 1, sizeof *b->col))
            return 0;
        cap = b->cap_nnz;
        if (!sm_array_grow(&b->val, &cap, b->nnz + 1, sizeof *b->val))
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

/* Sort the current row's n features (appended from `first`) by index. A
 * repeated index is refused, pointing at its second occurrence, or by
 * b->duplicates its values are summed (in double, rounded once) or the
 * last one on the line kept, the row shrinking to its distinct indices
 * (b->nnz) and counted in b->duplicate_rows. */
static sm_status sort_row(libsvm_block *b, const char *line, size_t len, int64_t lineno,
                          size_t first, size_t n, sm_error *err)
{
    if (!sm_array_grow(&b->sorted, &b->cap_sorted, n, sizeof *b->sorted))
        return sm_fail_nomem(err, b->name);
    for (size_t k = 0; k < n; k++)
        b->sorted[k] = (feature_entry){b->col[first + k], b->val[first + k], k};
    qsort(b->sorted, n, sizeof *b->sorted, compare_features);
    size_t kept = 0;
    double sum = 0.0; /* of the run of the index last kept */
    for (size_t k = 0; k < n; k++) {
        const feature_entry *e = &b->sorted[k];
        if (k == 0 || e->idx != b->sorted[k - 1].idx) {
            b->col[first + kept] = e->idx;
            b->val[first + kept++] = e->val;
            sum = e->val;
            continue;
        }
        sm_token t = token_at(line, len, b->feature_col[e->order]);
        if (b->duplicates == DUPLICATES_ERROR)
            return token_fail(err, b->name, lineno, &t,
                              "duplicate feature index %ld (first at column %zu)", (long)e->idx,
                              b->feature_col[b->sorted[k - 1].order]);
        sum += e->val;
        if (b->duplicates == DUPLICATES_SUM && !(fabs(sum) <= FLT_MAX))
            return token_fail(err, b->name, lineno, &t, "the sum of the values of feature "
                              "index %ld is out of range for a float", (long)e->idx);
        /* (equal indices sort by their place on the line: e is the latest) */
        b->val[first + kept - 1] = b->duplicates == DUPLICATES_SUM ? (float)sum : e->val;
    }
    b->duplicate_rows += kept < n;
    b->nnz = first + kept;
    return SM_OK;
}

static int is_qid_token(const sm_token *t);

/* The label token t, or NaN when the line has no label (its first token is a
 * feature or a qid; rules NULL: inside a block, where it is always allowed and
 * the merge applies the rule). */
static sm_status parse_label(const qid_rules *rules, const char *name, int64_t lineno,
                             const sm_token *t, double *label, sm_error *err)
{
    if (memchr(t->s, ':', t->len)) {
        const char *what = is_qid_token(t) ? "qid:" : "a feature";
        if (rules && !rules->allow_unlabeled && rules->command)
            return token_fail(err, name, lineno, t,
                              "missing label: %s needs a label on every row, and this line "
                              "starts with %s",
                              rules->command, what);
        if (rules && !rules->allow_unlabeled)
            return token_fail(err, name, lineno, t, "missing label: the line starts with %s",
                              what);
        *label = NAN;
        return SM_OK;
    }
    if (memchr(t->s, ',', t->len))
        return token_fail(err, name, lineno, t, "multiple labels are not supported");
    real_status rs = token_real(t->s, t->len, label);
    if (rs != REAL_OK)
        return token_fail(err, name, lineno, t, "label %s", real_problem[rs]);
    return SM_OK;
}

static int is_qid_token(const sm_token *t)
{
    return t->len >= 4 && memcmp(t->s, "qid:", 4) == 0;
}

/* The qid of a row (qid_tok NULL when it has none; where is the token to
 * blame for a missing one). rules is NULL inside a block, where only the
 * token itself is checked; the merge applies the rules later. */
static sm_status parse_qid(qid_rules *rules, const char *name, int64_t lineno,
                           const sm_token *qid_tok, const sm_token *where, int64_t *qid,
                           sm_error *err)
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
    if (token_uint(digits, n_digits, INT64_MAX, &q, &too_large) != n_digits)
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
        return sm_fail_nomem(err, name);
    *qid = q;
    return SM_OK;
}

/* One index:value token, checked left to right so the message names the first
 * thing that is wrong. */
static sm_status parse_feature(const char *name, int64_t lineno, const sm_token *t, int32_t *idx,
                               float *val, sm_error *err)
{
    int64_t index;
    int too_large;
    size_t d = token_uint(t->s, t->len, SM_MAX_INDEX, &index, &too_large);
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
    real_status rs = token_real(v, v_len, &x);
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
 * that is how the merge gets the message of a line that failed. */
static sm_status careful_line(libsvm_block *b, qid_rules *rules, char *line, size_t len,
                              int64_t lineno, size_t line_off, sm_error *err)
{
    const char *name = b->name;
    size_t pos = 0;
    sm_token label_tok, t;
    if (!token_next(line, len, &pos, &label_tok))
        return SM_OK; /* blank or comment-only */
    double label;
    sm_status st = parse_label(rules, name, lineno, &label_tok, &label, err);
    if (st != SM_OK)
        return st;
    char why[200];
    if (rules && !isnan(label) && !label_accepted(rules, label, why, sizeof why))
        return token_fail(err, name, lineno, &label_tok, "%s", why);

    if (isnan(label)) /* no label: the first token is the row's qid or feature */
        pos = label_tok.col - 1;
    size_t after_label = pos;
    int has_next = token_next(line, len, &pos, &t);
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
    while (token_next(line, len, &pos, &t)) {
        int32_t idx = 0;
        float val = 0;
        if ((st = parse_feature(name, lineno, &t, &idx, &val, err)) != SM_OK)
            return st;
        if (!block_add_feature(b, idx, val) ||
            !sm_array_grow(&b->feature_col, &b->cap_feature_col, n + 1, sizeof *b->feature_col))
            return sm_fail_nomem(err, name);
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
        return sm_fail_nomem(err, name);
    return SM_OK;
}

/* Copy the line at off (up to '\n' or the end of the block) into the
 * scratch buffer, terminated and without a final '\r', and parse it
 * carefully. *next is where the following line starts. */
static sm_status careful_line_at(libsvm_block *b, qid_rules *rules, size_t off, int64_t lineno,
                                 size_t *next, sm_error *err)
{
    const char *line = b->text + off;
    const char *nl = memchr(line, '\n', b->len - off);
    size_t len = nl ? (size_t)(nl - line) : b->len - off;
    *next = off + len + (nl != NULL);
    if (!sm_array_grow(&b->line_buf, &b->cap_line_buf, len + 1, 1))
        return sm_fail_nomem(err, b->name);
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
 * of the line, exactly where next_token would end it. It stays one function
 * over 80 lines on purpose: it is the inner loop of every read (one call a
 * line of every data file), and keeping the cursor, the row's counts and the
 * growing arrays in one frame is what lets the compiler keep them in
 * registers; scripts/bench.sh's parse rows (sm_parse_*) are its measure.
 * Measured: moving the label and qid prefix into an inline helper made a
 * parse of LETOR-like text (gen_bench letor, one thread) execute 2.7% more
 * instructions (cachegrind: 541.5M against 527.4M for 20 MB), so it stays. */
static int fast_line(libsvm_block *b, size_t off, int64_t lineno, size_t *next)
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
    /* No label (reader.h): the line starts with a feature, its index digits
     * then ':'. The feature loop takes it from there; the merge decides
     * whether such a row is allowed. */
    int unlabeled = *e == ':';
    for (const char *d = s; unlabeled && d < e; d++)
        if (!is_digit(*d))
            return 0;
    if (unlabeled)
        label = NAN;
    else
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
    if (unlabeled)
        goto feature; /* s is at its first byte */
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
    feature:;
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

void libsvm_block_parse(libsvm_block *b)
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
        sm_error ignored; /* the merge parses a failing line again for its message */
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

/* ---- merging blocks into the dataset, in file order ---- */

struct libsvm_builder {
    sm_dataset ds; /* arrays grow in place; n_rows, nnz, n_groups count what is filled */
    size_t cap_row_ptr, cap_label, cap_col, cap_val, cap_group_ptr, cap_qid;
    int64_t max_index;
    int64_t lines; /* lines of the blocks merged so far */
    size_t cap_line_skips;
    int64_t duplicate_rows; /* of the blocks merged so far */
    qid_rules rules;
    libsvm_block scratch; /* careful_line's output when a message is reproduced */
};

void libsvm_builder_unlabeled(libsvm_builder *g, int allow, const char *command)
{
    g->rules.allow_unlabeled = allow;
    g->rules.command = command;
}

void libsvm_builder_free(libsvm_builder *g)
{
    if (!g)
        return;
    dataset_free(&g->ds);
    free(g->rules.seen.keys);
    free(g->rules.seen.lines);
    block_release(&g->scratch);
    free(g);
}

libsvm_builder *libsvm_builder_new(const char *name, sm_duplicates duplicates,
                                   int (*check_label)(void *ctx, double label, char *why,
                                                      size_t size),
                                   void *check_label_ctx)
{
    libsvm_builder *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    dataset_init(&g->ds);
    g->max_index = -1;
    g->rules.last_qid = NO_QID;
    g->rules.check_label = check_label;
    g->rules.check_label_ctx = check_label_ctx;
    g->scratch.name = name;
    g->scratch.duplicates = duplicates;
    block_clear_rows(&g->scratch);
    sm_dataset *ds = &g->ds;
    if (!sm_array_grow(&ds->row_ptr, &g->cap_row_ptr, 256, sizeof *ds->row_ptr) ||
        !sm_array_grow(&ds->label, &g->cap_label, 256, sizeof *ds->label)) {
        libsvm_builder_free(g);
        return NULL;
    }
    ds->row_ptr[0] = 0;
    return g;
}

void libsvm_builder_skip_lines(libsvm_builder *g, int64_t lines) { g->lines += lines; }

/* What a first line that does not parse may really be: a byte-order mark
 * before the text, or compressed data of a kind smloss does not inflate.
 * The signatures only name the cause of a failure: text that parses is
 * never refused for them. */
static const struct {
    const char *bytes;
    size_t len;
    const char *cause;
} file_signatures[] = {
    {"\xEF\xBB\xBF", 3, "the file starts with a UTF-8 byte-order mark (bytes EF BB BF), which "
                       "is not part of libsvm text: save it without one"},
    {"BZh", 3, "the file looks like bzip2-compressed data (it starts with \"BZh\"); smloss "
               "reads plain or gzip-compressed text: decompress it first (bzip2 -d)"},
    {"\xFD" "7zXZ", 5, "the file looks like xz-compressed data; smloss reads plain or "
                      "gzip-compressed text: decompress it first (xz -d)"},
    {"\x28\xB5\x2F\xFD", 4, "the file looks like zstd-compressed data; smloss reads plain or "
                            "gzip-compressed text: decompress it first (zstd -d)"},
};

/* SM_EDATA naming the cause when the failing line is the file's first and
 * starts with a signature, else st with err as it is. */
static sm_status name_signature(const char *name, const char *line, size_t len, int64_t lineno,
                                sm_status st, sm_error *err)
{
    for (size_t i = 0; lineno == 1 && i < sizeof file_signatures / sizeof *file_signatures; i++)
        if (len >= file_signatures[i].len &&
            memcmp(line, file_signatures[i].bytes, file_signatures[i].len) == 0)
            return sm_fail(err, SM_EDATA, "%s:1:1: %s", name, file_signatures[i].cause);
    return st;
}

/* The message of the line at off in b (local line local_line), which fails
 * when parsed with the file-wide rules as they stand. */
static sm_status reproduce_failure(libsvm_builder *g, const libsvm_block *b, size_t off,
                                   int64_t local_line, sm_error *err)
{
    libsvm_block *s = &g->scratch;
    block_clear_rows(s);
    size_t len = b->len - off;
    const char *nl = memchr(b->text + off, '\n', len);
    if (nl)
        len = (size_t)(nl - (b->text + off));
    if (!sm_array_grow(&s->text, &s->cap, len + 1, 1))
        return sm_fail_nomem(err, b->name);
    memcpy(s->text, b->text + off, len);
    s->text[len] = '\0';
    s->len = len;
    size_t next;
    sm_status st = careful_line_at(s, &g->rules, 0, g->lines + local_line, &next, err);
    if (st == SM_EDATA)
        st = name_signature(b->name, s->text, len, g->lines + local_line, st, err);
    if (st == SM_OK)
        st = sm_fail(err, SM_EFAIL, "%s:%lld: internal error: the line failed once and passed once",
                     b->name, (long long)(g->lines + local_line));
    return st;
}

/* Where the next row is (its line), as ds->line_skips keeps it: a new
 * entry when blank or comment lines (or a share's start) moved it; 0 when
 * out of memory. */
static int note_row_line(libsvm_builder *g, int64_t lineno)
{
    sm_dataset *ds = &g->ds;
    int64_t skip = lineno - ds->n_rows - 1;
    int64_t last = ds->n_line_skips ? ds->line_skips[ds->n_line_skips - 1][1] : 0;
    if (skip == last)
        return 1;
    if (!sm_array_grow(&ds->line_skips, &g->cap_line_skips, (size_t)ds->n_line_skips + 1,
                       sizeof *ds->line_skips))
        return 0;
    ds->line_skips[ds->n_line_skips][0] = ds->n_rows;
    ds->line_skips[ds->n_line_skips++][1] = skip;
    return 1;
}

sm_status libsvm_builder_merge(libsvm_builder *g, const libsvm_block *b, sm_error *err)
{
    sm_dataset *ds = &g->ds;
    if (b->out_of_memory)
        return sm_fail_nomem(err, b->name);
    size_t rows = (size_t)ds->n_rows + (size_t)b->n_rows;
    size_t nnz = (size_t)ds->nnz + b->nnz;
    if (!sm_array_grow(&ds->row_ptr, &g->cap_row_ptr, rows + 1, sizeof *ds->row_ptr) ||
        !sm_array_grow(&ds->label, &g->cap_label, rows, sizeof *ds->label) ||
        !sm_array_grow(&ds->col, &g->cap_col, nnz, sizeof *ds->col) ||
        !sm_array_grow(&ds->val, &g->cap_val, nnz, sizeof *ds->val))
        return sm_fail_nomem(err, b->name);
    /* One call faults in the part this block fills. (No huge pages here:
     * rows are read whole, and a half-used last huge page is memory.) */
    if (b->nnz > 0) { /* (col and val may still be NULL: no offset on a null pointer) */
        sm_prefault(ds->col + ds->nnz, b->nnz * sizeof *ds->col);
        sm_prefault(ds->val + ds->nnz, b->nnz * sizeof *ds->val);
    }
    for (int64_t r = 0; r < b->n_rows; r++) {
        int64_t q = b->qid[r], lineno = g->lines + b->line_no[r];
        char why[8];
        /* the label comes before the qid on the line, and so does its rule */
        if (!label_accepted(&g->rules, b->label[r], why, sizeof why))
            return reproduce_failure(g, b, b->line_off[r], b->line_no[r], err);
        rule_verdict v = qid_convention(&g->rules, q != NO_QID, lineno);
        if (v == RULE_OK && q != NO_QID)
            v = qid_group(&g->rules, q, lineno);
        if (v == RULE_NEW_GROUP) {
            size_t n = (size_t)ds->n_groups;
            if (!sm_array_grow(&ds->group_ptr, &g->cap_group_ptr, n + 2, sizeof *ds->group_ptr) ||
                !sm_array_grow(&ds->qid, &g->cap_qid, n + 1, sizeof *ds->qid))
                return sm_fail_nomem(err, b->name);
            ds->group_ptr[n] = ds->n_rows;
            ds->qid[n] = q;
            ds->n_groups++;
        } else if (v == RULE_NOMEM) {
            return sm_fail_nomem(err, b->name);
        } else if (v != RULE_OK) {
            return reproduce_failure(g, b, b->line_off[r], b->line_no[r], err);
        }
        if (!note_row_line(g, lineno))
            return sm_fail_nomem(err, b->name);
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
    g->duplicate_rows += b->duplicate_rows;
    if (b->max_index > g->max_index)
        g->max_index = b->max_index;
    g->lines += b->n_lines;
    return SM_OK;
}

void libsvm_builder_finish(libsvm_builder *g, sm_dataset *out)
{
    sm_dataset *ds = &g->ds;
    if (ds->n_groups > 0)
        ds->group_ptr[ds->n_groups] = ds->n_rows;
    ds->dim = (int32_t)(g->max_index + 1);
    ds->duplicate_rows = g->duplicate_rows;
    snprintf(ds->source, sizeof ds->source, "%s", g->scratch.name);
    sm_array_shrink(&ds->row_ptr, (size_t)ds->n_rows + 1, sizeof *ds->row_ptr);
    sm_array_shrink(&ds->label, (size_t)ds->n_rows, sizeof *ds->label);
    sm_array_shrink(&ds->col, (size_t)ds->nnz, sizeof *ds->col);
    sm_array_shrink(&ds->val, (size_t)ds->nnz, sizeof *ds->val);
    ds->lines_known = 1;
    *out = g->ds;
    dataset_init(&g->ds);
    libsvm_builder_free(g);
}
