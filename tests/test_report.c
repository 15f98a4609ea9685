/* test_report.c - the text, TSV and JSON layouts of a hand-built region report. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "report.h"
#include "test.h"

/* ---- a strict JSON validator (RFC 8259), recursive descent ---- */

typedef struct {
    const char *p;
    int depth;
} json_cursor;

static int json_value(json_cursor *c);

static void json_ws(json_cursor *c)
{
    while (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')
        c->p++;
}

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static int is_hex(char ch)
{
    return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* Bytes of a well-formed UTF-8 sequence at p (no overlongs, surrogates or > U+10FFFF), else 0. */
static int json_utf8(const unsigned char *p)
{
    unsigned code, min;
    int len;
    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xe0) == 0xc0)
        len = 2, min = 0x80, code = p[0] & 0x1f;
    else if ((p[0] & 0xf0) == 0xe0)
        len = 3, min = 0x800, code = p[0] & 0x0f;
    else if ((p[0] & 0xf8) == 0xf0)
        len = 4, min = 0x10000, code = p[0] & 0x07;
    else
        return 0;
    for (int k = 1; k < len; k++) {
        if ((p[k] & 0xc0) != 0x80)
            return 0;
        code = code << 6 | (p[k] & 0x3f);
    }
    return code >= min && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? len : 0;
}

static int json_string(json_cursor *c)
{
    if (*c->p != '"')
        return 0;
    c->p++;
    for (;;) {
        unsigned char ch = (unsigned char)*c->p;
        if (ch == '"') {
            c->p++;
            return 1;
        }
        if (ch < 0x20) /* includes the end of the text */
            return 0;
        if (ch == '\\') {
            c->p++;
            if (*c->p == 'u') {
                for (int k = 1; k <= 4; k++)
                    if (!is_hex(c->p[k]))
                        return 0;
                c->p += 5;
            } else if (*c->p && strchr("\"\\/bfnrt", *c->p)) {
                c->p++;
            } else {
                return 0;
            }
            continue;
        }
        int len = json_utf8((const unsigned char *)c->p);
        if (!len)
            return 0;
        c->p += len;
    }
}

static int json_number(json_cursor *c)
{
    const char *p = c->p;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (is_digit(*p))
            p++;
    else
        return 0;
    if (*p == '.') {
        p++;
        if (!is_digit(*p))
            return 0;
        while (is_digit(*p))
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!is_digit(*p))
            return 0;
        while (is_digit(*p))
            p++;
    }
    c->p = p;
    return 1;
}

static int json_literal(json_cursor *c, const char *word)
{
    size_t n = strlen(word);
    if (strncmp(c->p, word, n) != 0)
        return 0;
    c->p += n;
    return 1;
}

/* '{' or '[' members separated by ',' up to the closing bracket; objects have "key": value. */
static int json_container(json_cursor *c, char close, int is_object)
{
    if (++c->depth > 64)
        return 0;
    c->p++;
    json_ws(c);
    if (*c->p == close) {
        c->p++;
        c->depth--;
        return 1;
    }
    for (;;) {
        json_ws(c);
        if (is_object) {
            if (!json_string(c))
                return 0;
            json_ws(c);
            if (*c->p++ != ':')
                return 0;
        }
        if (!json_value(c))
            return 0;
        json_ws(c);
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        if (*c->p != close)
            return 0;
        c->p++;
        c->depth--;
        return 1;
    }
}

static int json_value(json_cursor *c)
{
    json_ws(c);
    switch (*c->p) {
    case '{': return json_container(c, '}', 1);
    case '[': return json_container(c, ']', 0);
    case '"': return json_string(c);
    case 't': return json_literal(c, "true");
    case 'f': return json_literal(c, "false");
    case 'n': return json_literal(c, "null");
    default: return json_number(c);
    }
}

static int json_valid(const char *text)
{
    json_cursor c = {text, 0};
    if (!json_value(&c))
        return 0;
    json_ws(&c);
    return *c.p == '\0';
}

static void test_json_validator(void)
{
    static const char *const good[] = {
        "{}", "[]", "0", "-0.5e+3", "1E9", "\"a\\u00e9\\n\"", "true", " null ",
        "{\"a\": [1, 2, {\"b\": false}], \"c\": \"\xc3\xa9\"}", "[[[]]]",
    };
    static const char *const bad[] = {
        "", "{", "}", "[1,]", "{\"a\":1,}", "[1 2]", "\"abc", "01", "1.", ".5", "-", "1e",
        "nul", "NaN", "inf", "{\"a\" 1}", "{a: 1}", "\"\x01\"", "[1]]", "\"\\x\"",
        "\"\\u12g4\"", "\"\xff\"", "\"\xc0\x80\"", "{} {}", "'a'", "[\"a\"\"b\"]",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!CHECK(json_valid(good[i])))
            fprintf(stderr, "  rejected %s\n", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (!CHECK(!json_valid(bad[i])))
            fprintf(stderr, "  accepted %s\n", bad[i]);
}

/* ---- a hand-built report ---- */

static sm_region_stats stats(int64_t rows, double mean_y, double mean_s, double bias, double mae,
                             double rmse, double loss, double sq, double hit)
{
    return (sm_region_stats){rows, mean_y, mean_s, bias, mae, rmse, loss, sq, hit, (double)rows,
                             0, 0};
}

/* Regions (-inf,1), [1,2), [2,inf); the middle one is empty, the last has an
 * overflowing selective loss. */
static void sample_report(sm_region_report *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->regions = (sm_regions){.n = 3, .bound = {1, 2}, .origin = REGIONS_GIVEN};
    rep->region[0] = stats(2, 0, 0.75, 0.75, 0.75, sqrt(0.625), 0.3125, 0.3125, 0.5);
    rep->region[1] = stats(0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN);
    rep->region[2] = stats(3, 7.0 / 3, 2, -1.0 / 3, 1, sqrt(5.0 / 3), INFINITY, 5.0 / 6, 2.0 / 3);
    rep->all = stats(5, 1.4, 1.5, 0.1, 0.9, sqrt(1.25), INFINITY, 0.625, 0.6);
    rep->confusion[0][0] = 1;
    rep->confusion[0][1] = 1;
    rep->confusion[2][1] = 1;
    rep->confusion[2][2] = 2;
}

static const sm_report_meta sample_meta = {"housing.txt", "m.model", NULL, "lin:w=1", "none",
                                            NULL};

/* The report as a string (malloc'd), or NULL when writing failed. */
static char *render(sm_report_format fmt, const sm_report_meta *meta, const sm_region_report *rep)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!CHECK(f != NULL))
        return NULL;
    sm_error err = {SM_OK, ""};
    sm_status st = report_write_regions(f, fmt, meta, rep, &err);
    fclose(f);
    if (!CHECK(st == SM_OK)) {
        fprintf(stderr, "  report_write_regions: %s\n", err.msg);
        free(buf);
        return NULL;
    }
    CHECK(strlen(buf) == len);
    return buf;
}

/* The line of text starting with prefix, copied into line. */
static int find_line(const char *text, const char *prefix, char *line, size_t size)
{
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, prefix, strlen(prefix)) == 0) {
            size_t n = strcspn(p, "\n");
            snprintf(line, size, "%.*s", (int)n, p);
            return 1;
        }
    }
    return 0;
}

static void test_format_names(void)
{
    CHECK(names_find(report_format_names, "text") == REPORT_TEXT);
    CHECK(names_find(report_format_names, "tsv") == REPORT_TSV);
    CHECK(names_find(report_format_names, "json") == REPORT_JSON);
    CHECK(names_find(report_format_names, "JSON") == -1);
    CHECK(names_find(report_format_names, "csv") == -1);
    CHECK(names_find(report_format_names, "") == -1);
    CHECK(names_find(report_format_names, NULL) == -1);
}

static void test_interval(void)
{
    sm_regions r = {.n = 3, .bound = {10, 20}};
    char buf[96];
    CHECK(regions_interval_format(&r, 0, buf, sizeof buf) == (int)strlen("(-inf, 10)"));
    CHECK_STREQ(buf, "(-inf, 10)");
    regions_interval_format(&r, 1, buf, sizeof buf);
    CHECK_STREQ(buf, "[10, 20)");
    regions_interval_format(&r, 2, buf, sizeof buf);
    CHECK_STREQ(buf, "[20, inf)");
    sm_regions one = {.n = 1};
    regions_interval_format(&one, 0, buf, sizeof buf);
    CHECK_STREQ(buf, "(-inf, inf)");

    /* shortest form that still reads back exactly */
    sm_regions odd = {.n = 3, .bound = {0.1, 1.0 / 3.0}};
    regions_interval_format(&odd, 1, buf, sizeof buf);
    CHECK_STREQ(buf, "[0.1, 0.3333333333333333)");
    CHECK(strtod(buf + 6, NULL) == 1.0 / 3.0);
    sm_regions wide = {.n = 5, .bound = {-2500, 1e6, 1e7, 12345678.9}};
    regions_interval_format(&wide, 1, buf, sizeof buf);
    CHECK_STREQ(buf, "[-2500, 1000000)");
    regions_interval_format(&wide, 2, buf, sizeof buf);
    CHECK_STREQ(buf, "[1000000, 10000000)");
    regions_interval_format(&wide, 3, buf, sizeof buf);
    CHECK_STREQ(buf, "[10000000, 12345678.9)");
    sm_regions tiny = {.n = 2, .bound = {1.5e-9}};
    regions_interval_format(&tiny, 1, buf, sizeof buf);
    CHECK_STREQ(buf, "[1.5e-09, inf)");
}

static void test_text(void)
{
    sm_region_report rep;
    sample_report(&rep);
    char *out = render(REPORT_TEXT, &sample_meta, &rep);
    if (!out)
        return;
    char line[512];
    CHECK(find_line(out, "data:", line, sizeof line));
    CHECK_CONTAINS(line, "housing.txt");
    CHECK(find_line(out, "model:", line, sizeof line));
    CHECK_CONTAINS(line, "m.model");
    CHECK(find_line(out, "predictions:", line, sizeof line));
    CHECK_CONTAINS(line, "(none)");
    CHECK(find_line(out, "loss:", line, sizeof line));
    CHECK_CONTAINS(line, "lin:w=1");
    CHECK(find_line(out, "label transform:", line, sizeof line));
    CHECK_CONTAINS(line, "none");
    CHECK(find_line(out, "regions:", line, sizeof line));
    CHECK_CONTAINS(line, "3, given boundaries: (-inf, 1) [1, 2) [2, inf)");

    /* the table: a header and four rows of equal width */
    char header[512], row[4][512];
    CHECK(find_line(out, "region ", header, sizeof header));
    static const char *const headings[] = {"rows", "mean_y", "mean_s", "bias", "MAE",
                                           "RMSE", "sel_loss", "sq_loss", "hit%"};
    for (size_t k = 0; k < sizeof headings / sizeof headings[0]; k++)
        CHECK_CONTAINS(header, headings[k]);
    CHECK(find_line(out, "(-inf, 1) ", row[0], sizeof row[0]));
    CHECK(find_line(out, "[1, 2) ", row[1], sizeof row[1]));
    CHECK(find_line(out, "[2, inf) ", row[2], sizeof row[2]));
    CHECK(find_line(out, "all ", row[3], sizeof row[3]));
    for (int i = 0; i < 4; i++)
        if (!CHECK(strlen(row[i]) == strlen(header)))
            fprintf(stderr, "  misaligned:\n  %s\n  %s\n", header, row[i]);
    CHECK_CONTAINS(row[0], " 0.7906 "); /* sqrt(0.625) = 0.790569... to 4 digits */
    CHECK_CONTAINS(row[0], " 0.3125 ");
    CHECK(strlen(row[0]) >= 4 && strcmp(row[0] + strlen(row[0]) - 4, "50.0") == 0);
    CHECK_CONTAINS(row[1], " 0 ");
    CHECK(row[1][strlen(row[1]) - 1] == '-' && row[1][strlen(row[1]) - 2] == ' ');
    CHECK(strstr(row[1], "nan") == NULL);
    CHECK_CONTAINS(row[2], " -0.3333 ");
    CHECK_CONTAINS(row[2], " inf ");
    CHECK_CONTAINS(row[2], " 66.7");
    CHECK_CONTAINS(row[3], " 1.118 "); /* sqrt(1.25) */

    /* the confusion matrix */
    CHECK_CONTAINS(out, "confusion matrix: rows = region of the label");
    CHECK(find_line(out, "label \\ pred", line, sizeof line));
    CHECK_CONTAINS(line, "(-inf, 1)  [1, 2)  [2, inf)");
    const char *m = strstr(out, "label \\ pred");
    if (CHECK(m != NULL)) {
        char cm[3][128];
        CHECK(find_line(m, "(-inf, 1)", cm[0], sizeof cm[0]));
        CHECK(find_line(m, "[1, 2)", cm[1], sizeof cm[1]));
        CHECK(find_line(m, "[2, inf)", cm[2], sizeof cm[2]));
        int a, b, c;
        CHECK(sscanf(cm[0] + strlen("(-inf, 1)"), "%d %d %d", &a, &b, &c) == 3 && a == 1 &&
              b == 1 && c == 0);
        CHECK(sscanf(cm[1] + strlen("[1, 2)"), "%d %d %d", &a, &b, &c) == 3 && a == 0 &&
              b == 0 && c == 0);
        CHECK(sscanf(cm[2] + strlen("[2, inf)"), "%d %d %d", &a, &b, &c) == 3 && a == 0 &&
              b == 1 && c == 2);
        CHECK(strlen(cm[0]) == strlen(line) && strlen(cm[2]) == strlen(line));
    }
    free(out);
}

/* Every line of a TSV report has the four fields "table row column value";
 * info rows are the whole report's (row "all") with a text value, every
 * other value has TSV_DECIMALS (6) decimals or is NaN, inf or -inf. */
static int tidy_table(const char *out)
{
    const char *header = "table\trow\tcolumn\tvalue\n";
    int ok = strncmp(out, header, strlen(header)) == 0;
    for (const char *p = strchr(out, '\n') + 1; ok && *p; p = strchr(p, '\n') + 1) {
        const char *e = strchr(p, '\n'), *value = p;
        int tabs = 0;
        for (const char *k = p; k < e; k++)
            if (*k == '\t' && ++tabs == 3)
                value = k + 1;
        ok &= tabs == 3;
        int len = (int)(e - value);
        if (strncmp(p, "info\t", 5) == 0) {
            ok &= strncmp(p, "info\tall\t", 9) == 0;
            continue;
        }
        const char *dot = memchr(value, '.', (size_t)len);
        int digits = len > 0 && (value[0] == '-' || (value[0] >= '0' && value[0] <= '9'));
        for (int k = 1; k < len; k++)
            digits &= value[k] >= '0' && value[k] <= '9';
        /* a number with 6 decimals, or a count as an integer */
        ok &= (dot && e - dot == 7) || (digits && !dot) || (len == 3 && !strncmp(value, "NaN", 3)) ||
              (len == 3 && !strncmp(value, "inf", 3)) || (len == 4 && !strncmp(value, "-inf", 4));
        if (!ok)
            fprintf(stderr, "  not tidy: %.*s\n", (int)(e - p), p);
    }
    return ok;
}

static void test_tsv(void)
{
    sm_region_report rep;
    sample_report(&rep);
    char *out = render(REPORT_TSV, &sample_meta, &rep);
    if (!out)
        return;
    CHECK(tidy_table(out));
    CHECK_CONTAINS(out, "\ninfo\tall\tdata\thousing.txt\n");
    CHECK_CONTAINS(out, "\ninfo\tall\tloss\tlin:w=1\n");
    CHECK(!strstr(out, "\ninfo\tall\tpredictions")); /* NULL fields left out */
    CHECK_CONTAINS(out, "\ninfo\tall\tboundaries\t1,2\n");
    CHECK_CONTAINS(out, "\ninfo\tall\tregions_origin\tgiven\n");
    CHECK_CONTAINS(out, "\ninfo\tall\tinterval_1\t[1, 2)\n");
    CHECK_CONTAINS(out, "\nregion\t0\tlower\t-inf\nregion\t0\tupper\t1.000000\n"
                        "region\t0\trows\t2\nregion\t0\tmean_label\t0.000000\n");
    CHECK_CONTAINS(out, "\nregion\t0\trmse\t0.790569\n"); /* sqrt(0.625), rounded */
    CHECK_CONTAINS(out, "\nregion\t1\tmean_label\tNaN\n");
    CHECK_CONTAINS(out, "\nregion\t2\tmean_loss\tinf\n");
    CHECK_CONTAINS(out, "\nregion\t2\tmean_label\t2.333333\n");
    CHECK_CONTAINS(out, "\nregion\tall\trows\t5\n");
    CHECK_CONTAINS(out, "\nregion\tall\tupper\tinf\n");
    CHECK(!strstr(out, "\tslope\t")); /* no emphasis */
    CHECK_CONTAINS(out, "\nconfusion\t2\t1\t1\nconfusion\t2\t2\t2\n");
    free(out);

    /* a model trained with --emphasize adds the slope and weight asked for */
    rep.emphasis = 1;
    rep.region[2].slope = 9.5;
    rep.region[2].weight = 10;
    out = render(REPORT_TSV, &sample_meta, &rep);
    if (out) {
        CHECK(tidy_table(out));
        CHECK_CONTAINS(out, "\nregion\t2\tslope\t9.500000\nregion\t2\tweight\t10.000000\n");
        free(out);
    }
    out = render(REPORT_TEXT, &sample_meta, &rep);
    if (out) {
        CHECK_CONTAINS(out, "h'  weight\n");
        free(out);
    }
}

static void test_json(void)
{
    sm_region_report rep;
    sample_report(&rep);
    char *out = render(REPORT_JSON, &sample_meta, &rep);
    if (!out)
        return;
    if (!CHECK(json_valid(out)))
        fprintf(stderr, "%s", out);
    CHECK_CONTAINS(out, "\"data\": \"housing.txt\"");
    CHECK_CONTAINS(out, "\"model\": \"m.model\"");
    CHECK_CONTAINS(out, "\"predictions\": null");
    CHECK_CONTAINS(out, "\"loss\": \"lin:w=1\"");
    CHECK_CONTAINS(out, "\"label_transform\": \"none\"");
    CHECK_CONTAINS(out, "\"regions\": {\"count\": 3, \"origin\": \"given\", \"boundaries\": [1, "
                        "2], \"intervals\": [\"(-inf, 1)\", \"[1, 2)\", \"[2, inf)\"]}");
    CHECK_CONTAINS(out, "{\"region\": 0, \"interval\": \"(-inf, 1)\", \"rows\": 2, "
                        "\"mean_label\": 0, \"mean_pred\": 0.75,");
    CHECK_CONTAINS(out, "{\"region\": 1, \"interval\": \"[1, 2)\", \"rows\": 0, "
                        "\"mean_label\": null,");
    CHECK_CONTAINS(out, "\"mean_loss\": null, \"mean_sq\": 0.8333333333333334");
    CHECK_CONTAINS(out, "\"all\": {\"interval\": \"(-inf, inf)\", \"rows\": 5,");
    CHECK_CONTAINS(out, "\"confusion\": [\n    [1, 1, 0],\n    [0, 0, 0],\n    [0, 1, 2]\n  ]");
    CHECK(strstr(out, "nan") == NULL && strstr(out, ": inf") == NULL);
    free(out);

    /* hostile names are escaped; bytes that are not UTF-8 become U+FFFD */
    sm_report_meta nasty = {"a\"b\\c\nd\te\x01" "f\xff\xc3\xa9", NULL, NULL, NULL, NULL, NULL};
    out = render(REPORT_JSON, &nasty, &rep);
    if (!out)
        return;
    CHECK(json_valid(out));
    CHECK_CONTAINS(out, "\"data\": \"a\\\"b\\\\c\\nd\\te\\u0001f\\ufffd\xc3\xa9\"");
    CHECK_CONTAINS(out, "\"model\": null");
    CHECK_CONTAINS(out, "\"loss\": null");
    free(out);

    out = render(REPORT_JSON, NULL, &rep);
    if (out) {
        CHECK(json_valid(out));
        CHECK_CONTAINS(out, "\"data\": null");
        free(out);
    }
}

static void test_single_region_and_hostile_text(void)
{
    sm_region_report rep;
    memset(&rep, 0, sizeof rep);
    rep.regions = (sm_regions){.n = 1, .origin = REGIONS_QUARTILES};
    rep.region[0] = rep.all = stats(1, 2, 3, 1, 1, 1, 0.5, 0.5, 1);
    rep.confusion[0][0] = 1;
    sm_report_meta meta = {"x\ny", NULL, NULL, "lin", "log1p", NULL};
    char *out = render(REPORT_TEXT, &meta, &rep);
    if (out) {
        CHECK_CONTAINS(out, "x?y"); /* a newline in a name must not break the header */
        CHECK_CONTAINS(out, "1, label quartiles: (-inf, inf)");
        CHECK_CONTAINS(out, "100.0");
        free(out);
    }
    out = render(REPORT_TSV, &meta, &rep);
    if (out) {
        CHECK(tidy_table(out));
        CHECK_CONTAINS(out, "\ninfo\tall\tdata\tx?y\n");
        CHECK_CONTAINS(out, "\ninfo\tall\tboundaries\t\n");
        CHECK_CONTAINS(out, "\nregion\t0\tlower\t-inf\nregion\t0\tupper\tinf\n");
        CHECK_CONTAINS(out, "\nconfusion\t0\t0\t1\n");
        free(out);
    }
    out = render(REPORT_JSON, &meta, &rep);
    if (out) {
        CHECK(json_valid(out));
        CHECK_CONTAINS(out, "\"boundaries\": [], \"intervals\": [\"(-inf, inf)\"]");
        CHECK_CONTAINS(out, "\"confusion\": [\n    [1]\n  ]");
        free(out);
    }
}

static void test_many_regions_json(void)
{
    sm_region_report rep;
    memset(&rep, 0, sizeof rep);
    rep.regions.n = SM_MAX_REGIONS;
    for (int i = 0; i + 1 < SM_MAX_REGIONS; i++)
        rep.regions.bound[i] = -1e300 + i * 1e299;
    for (int i = 0; i < SM_MAX_REGIONS; i++) {
        rep.region[i] = stats(i, -1e-300, 1e300, NAN, INFINITY, -INFINITY, 0, 0, 0);
        rep.confusion[i][SM_MAX_REGIONS - 1 - i] = 9000000000000000000LL;
    }
    rep.all = rep.region[3];
    for (int fmt = REPORT_TEXT; fmt <= REPORT_JSON; fmt++) {
        char *out = render((sm_report_format)fmt, &sample_meta, &rep);
        if (!out)
            continue;
        if (fmt == REPORT_JSON)
            CHECK(json_valid(out));
        CHECK_CONTAINS(out, "9000000000000000000");
        free(out);
    }
}

static void test_write_failure(void)
{
    sm_region_report rep;
    sample_report(&rep);
    for (int fmt = REPORT_TEXT; fmt <= REPORT_JSON; fmt++) {
        FILE *full = fopen("/dev/full", "w");
        if (!full) {
            fprintf(stderr, "  (no /dev/full: skipped)\n");
            return;
        }
        sm_error err = {SM_OK, ""};
        CHECK(report_write_regions(full, (sm_report_format)fmt, &sample_meta, &rep, &err) ==
              SM_EIO);
        CHECK(err.status == SM_EIO);
        CHECK_CONTAINS(err.msg, "cannot write the report");
        fclose(full);
    }
    sm_error err;
    CHECK(report_write_regions(stdout, (sm_report_format)7, &sample_meta, &rep, &err) ==
          SM_EFAIL);
}


/* The class report (K = 3, labels and a target) in the three formats: the
 * text names every figure, the TSV is one table of 4 columns whose rows carry
 * the computed numbers, the JSON is valid; a full disk is SM_EIO. */
static char *render_classes_named(sm_report_format fmt, const sm_class_report *r,
                                  const sm_class_names *names, FILE *f_override)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = f_override ? f_override : open_memstream(&buf, &len);
    sm_error err = {SM_OK, ""};
    sm_status st = report_write_classes(f, fmt, &sample_meta, r, names, 0.25, &err);
    if (f_override) {
        CHECK(st == SM_EIO);
        return NULL;
    }
    fclose(f);
    if (!CHECK(st == SM_OK)) {
        free(buf);
        return NULL;
    }
    return buf;
}

static char *render_classes(sm_report_format fmt, const sm_class_report *r, FILE *f_override)
{
    static const int64_t values[3] = {-1, 4, 7};
    const sm_class_names names = {.value = values};
    return render_classes_named(fmt, r, &names, f_override);
}

static void test_class_report_formats(void)
{
    const double s[] = {3, 1, 2, 1, 1, 0, 0, 2, 1, 5, 5, 5};
    const double q[] = {0.7, 0.2, 0.1, 0.5, 0.3, 0.2, 0.1, 0.3, 0.6, 0.2, 0.3, 0.5};
    const int32_t y[] = {0, 0, 2, 2};
    sm_class_config c;
    class_config_default(&c);
    sm_class_report r;
    if (!CHECK(class_report_compute(&c, s, 4, 3, y, q, NULL, &r, NULL) == SM_OK))
        return;
    char *text = render_classes(REPORT_TEXT, &r, NULL), line[256];
    CHECK(text && find_line(text, "classes:", line, sizeof line));
    CHECK_CONTAINS(line, "3: -1 4 7");
    CHECK(find_line(text, "accuracy ", line, sizeof line));
    CHECK_CONTAINS(line, "0.25");
    CHECK(find_line(text, "top_2_accuracy", line, sizeof line));
    CHECK_CONTAINS(line, "0.75");
    CHECK(find_line(text, "macro", line, sizeof line));
    CHECK(text && strstr(text, "confusion matrix") && strstr(text, "order accuracy"));
    /* cutoffs past K are shown as K, once */
    CHECK(text && !strstr(text, "top_5") && strstr(text, "top_3_accuracy") &&
          !strstr(strstr(text, "top_3_accuracy") + 1, "top_3_accuracy"));
    CHECK(text && !strstr(text, "\n1        1 ")); /* a one-rank band has no pairs within */
    free(text);
    char *tsv = render_classes(REPORT_TSV, &r, NULL);
    CHECK(tsv && tidy_table(tsv));
    CHECK(tsv && strstr(tsv, "\nsummary\tall\taccuracy\t0.250000\n"));
    CHECK(tsv && strstr(tsv, "\nsummary\t2\ttop_k_accuracy\t0.750000\n"));
    CHECK(tsv && strstr(tsv, "\nconfusion\t7\t-1\t1\n"));
    CHECK(tsv && strstr(tsv, "\nclass\t4\trecall\tNaN\n"));
    CHECK(tsv && strstr(tsv, "\nband_pairs\t1\t2-3\t"));
    free(tsv);
    char *json = render_classes(REPORT_JSON, &r, NULL);
    CHECK(json && json_valid(json));
    CHECK(json && strstr(json, "\"classes\": [-1, 4, 7]") && strstr(json, "\"band_pairs\""));
    free(json);
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        render_classes(REPORT_JSON, &r, full);
        fclose(full);
    }
    class_report_free(&r);
}

/* Two classes of the data that the model lacks (9 with 2 rows, 12 with 1):
 * listed with their rows in every format. */
static void test_class_report_not_in_model(void)
{
    const double s[] = {3, 1, 2, 1, 1, 0, 0, 2, 1, 5, 5, 5};
    const int32_t y[] = {0, CLASS_NOT_IN_MODEL, 2, CLASS_NOT_IN_MODEL};
    const int64_t values[3] = {-1, 4, 7}, lacking[2] = {9, 12}, rows[2] = {2, 1};
    const sm_class_names names = {values, 2, lacking, rows};
    sm_class_config c;
    class_config_default(&c);
    sm_class_report r;
    if (!CHECK(class_report_compute(&c, s, 4, 3, y, NULL, NULL, &r, NULL) == SM_OK))
        return;
    char *text = render_classes_named(REPORT_TEXT, &r, &names, NULL), line[256];
    CHECK(text && strstr(text, "\nnot in the model (its rows count as errors)\n"));
    CHECK(text && find_line(text, "9 ", line, sizeof line));
    CHECK(text && strcmp(line, "9               2") == 0);
    CHECK(text && find_line(text, "12 ", line, sizeof line));
    free(text);
    char *tsv = render_classes_named(REPORT_TSV, &r, &names, NULL);
    CHECK(tsv && tidy_table(tsv));
    CHECK(tsv && strstr(tsv, "\nnot_in_model\t9\trows\t2\nnot_in_model\t12\trows\t1\n"));
    free(tsv);
    char *json = render_classes_named(REPORT_JSON, &r, &names, NULL);
    CHECK(json && json_valid(json));
    CHECK(json && strstr(json, "\"not_in_model\": [{\"class\": 9, \"rows\": 2}, "
                               "{\"class\": 12, \"rows\": 1}]"));
    free(json);
    class_report_free(&r);
}

static const test_case cases[] = {
    TEST(test_json_validator),
    TEST(test_format_names),
    TEST(test_interval),
    TEST(test_text),
    TEST(test_tsv),
    TEST(test_json),
    TEST(test_single_region_and_hostile_text),
    TEST(test_many_regions_json),
    TEST(test_write_failure),
    TEST(test_class_report_formats),
    TEST(test_class_report_not_in_model),
};

TEST_MAIN(cases)
