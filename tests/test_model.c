/* test_model.c - model file round trip (one output and K), prediction and
 * every loading error path. */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "reader.h"
#include "test.h"

static sm_status read_text(const char *text, sm_model *m, sm_error *err)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    sm_status st = model_read(f, "m.txt", m, err);
    fclose(f);
    return st;
}

/* A zero model of the kind (outputs k, hidden widths h1 .. for an MLP). */
static void init_scorer(sm_model *m, sm_scorer_kind kind, int32_t outputs, int32_t dim,
                        const int32_t *hidden, int n_hidden)
{
    sm_scorer_config c;
    sm_error err;
    scorer_config_default(&c);
    c.kind = kind;
    c.n_out = outputs;
    c.mlp.n_hidden = n_hidden;
    c.mlp.act = ACT_TANH;
    for (int l = 0; l < n_hidden; l++)
        c.mlp.width[l + 1] = hidden[l];
    model_init(m);
    CHECK(model_init_scorer(m, &c, dim, &err) == SM_OK);
    CHECK(link_parse("lin", &m->link, &err) == SM_OK);
}

/* A linear model of dim 6: weights param[0 .. 5], bias param[6]. */
static void make_model(sm_model *m)
{
    sm_error err;
    init_scorer(m, SCORER_LINEAR, 1, 6, NULL, 0);
    m->param[0] = 0.1;
    m->param[2] = -1.0 / 3.0;
    m->param[5] = 4.9e-324; /* subnormal: must survive */
    m->param[6] = 22.532806324110677;
    CHECK(link_parse("lin:w=0.05+sigmoid:a=3,c=3.3", &m->link, &err) == SM_OK);
    m->label_transform = LABEL_LOG;
    CHECK(regions_parse("10,20.5,30", &m->regions, &err) == SM_OK);
    m->regions.origin = REGIONS_GIVEN;
    model_set_info(m, "seed", "%d", 7);
    model_set_info(m, "train_data", "%s", "a file\nwith a newline");
}

static void test_round_trip_bit_exact(void)
{
    sm_model m, back;
    sm_error err;
    make_model(&m);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK(model_write(&m, f, 0, &err) == SM_OK);
    fclose(f);
    CHECK(read_text(buf, &back, &err) == SM_OK);
    CHECK(back.dim == 6);
    CHECK(back.scorer.kind == SCORER_LINEAR && back.scorer.n_out == 1);
    CHECK(memcmp(back.param, m.param, 7 * sizeof *m.param) == 0);
    CHECK(back.label_transform == LABEL_LOG);
    CHECK(back.regions.n == 4 && back.regions.bound[1] == 20.5);
    CHECK(back.regions.origin == REGIONS_GIVEN);
    CHECK(memcmp(&back.link, &m.link, sizeof m.link) == 0);
    CHECK_STREQ(model_get_info(&back, "seed"), "7");
    CHECK_STREQ(model_get_info(&back, "train_data"), "a file with a newline");
    /* Writing the reloaded model gives the same bytes. */
    char *buf2 = NULL;
    size_t len2 = 0;
    f = open_memstream(&buf2, &len2);
    CHECK(model_write(&back, f, 0, &err) == SM_OK);
    fclose(f);
    CHECK(len == len2 && memcmp(buf, buf2, len) == 0);
    CHECK_CONTAINS(buf, "smloss-model 1\n");
    CHECK_CONTAINS(buf, "\n2 -0.33333333333333331\n");
    CHECK_CONTAINS(buf, "\nbias=22.532806324110677\nweights=3\n");
    CHECK(strstr(buf, "outputs=") == NULL); /* one output: the 0.1 format */
    free(buf);
    free(buf2);
    model_free(&m);
    model_free(&back);
}

/* The weight lines are formatted in pieces on all cores: a big linear model
 * and an MLP whose layers span several pieces (and several groups of pieces)
 * write exactly the lines of plain fprintf, in order, and reload bit for bit. */
static void test_big_models_written_in_pieces(void)
{
    sm_error err;
    sm_model lin, mlp, back;
    init_scorer(&lin, SCORER_LINEAR, 1, 700000, NULL, 0);
    char *want = NULL;
    size_t want_len = 0;
    FILE *ref = open_memstream(&want, &want_len);
    fprintf(ref, "weights=%d\n", 700000 / 3 + 1);
    for (int32_t j = 0; j < 700000; j += 3) {
        lin.param[j] = (j % 2 ? -1.0 : 1.0) / (j + 3.0);
        fprintf(ref, "%ld %.17g\n", (long)j, lin.param[j]);
    }
    fclose(ref);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK(model_write(&lin, f, 0, &err) == SM_OK);
    fclose(f);
    const char *lines = strstr(buf, "weights=");
    CHECK(lines && strncmp(lines, want, want_len) == 0 && strcmp(lines + want_len, "end\n") == 0);
    for (int threads = 1; threads <= 3; threads += 2) { /* any thread count, the same bytes */
        char *again = NULL;
        size_t again_len = 0;
        f = open_memstream(&again, &again_len);
        CHECK(model_write(&lin, f, threads, &err) == SM_OK);
        fclose(f);
        CHECK(again_len == len && memcmp(again, buf, len) == 0);
        free(again);
    }
    if (!CHECK(read_text(buf, &back, &err) == SM_OK && back.dim == 700000))
        fprintf(stderr, "  %s\n", err.msg);
    CHECK(memcmp(back.param, lin.param, 700001 * sizeof *lin.param) == 0);
    model_free(&back);
    free(buf);
    free(want);

    init_scorer(&mlp, SCORER_MLP, 1, 5000, (const int32_t[]){64}, 1);
    int64_t n = mlp_param_count(&mlp.scorer.mlp);
    for (int64_t i = 0; i < n; i++)
        mlp.param[i] = i % 7 == 0 ? 0.0 : (double)(i % 1000) / 999.0 - 0.5;
    buf = NULL;
    f = open_memstream(&buf, &len);
    CHECK(model_write(&mlp, f, 0, &err) == SM_OK);
    fclose(f);
    if (!CHECK(read_text(buf, &back, &err) == SM_OK))
        fprintf(stderr, "  %s\n", err.msg);
    CHECK(back.scorer.kind == SCORER_MLP && mlp_param_count(&back.scorer.mlp) == n);
    CHECK(memcmp(back.param, mlp.param, (size_t)n * sizeof *mlp.param) == 0);
    model_free(&back);
    free(buf);
    model_free(&lin);
    model_free(&mlp);
}

static void test_predict(void)
{
    sm_model m;
    sm_error err;
    make_model(&m);
    const char text[] = "0 0:2 2:3 9:100\n1\n";
    sm_dataset ds;
    dataset_init(&ds);
    CHECK(reader_read_buffer(text, sizeof text - 1, "mem", NULL, &ds, &err) == SM_OK);
    double s[2];
    CHECK(model_predict(&m, &ds, s, NULL) == SM_OK);
    CHECK(s[0] == m.param[6] + 0.1 * 2.0 + (-1.0 / 3.0) * 3.0); /* feature 9 >= dim: ignored */
    CHECK(s[1] == m.param[6]);
    dataset_free(&ds);
    model_free(&m);
}

#define HEAD "smloss-model 1\nscorer=linear\nloss=lin\ndim=3\n"

static void expect_error(const char *text, const char *fragment)
{
    sm_model m;
    sm_error err;
    sm_status st = read_text(text, &m, &err);
    CHECK(st == SM_EDATA);
    if (!CHECK_CONTAINS(err.msg, fragment))
        fprintf(stderr, "  for model text: %s\n", text);
    CHECK(m.param == NULL);
}

static void test_errors(void)
{
    expect_error("", "empty file");
    expect_error("hello\n", "m.txt:1: not an smloss model");
    expect_error("smloss-model 2\n", "unsupported model format version '2'");
    expect_error("smloss-model x\n", "unsupported model format version");
    expect_error(HEAD "bias=1\n", "ends before the weights");
    expect_error(HEAD "bias=1\nweights=2\n0 1\n", "file ends after 1 of 2 weights");
    expect_error(HEAD "bias=1\nweights=1\n0 1\n", "missing 'end'");
    expect_error(HEAD "bias=1\nweights=1\n0 1\nbogus\n", "expected 'end'");
    expect_error(HEAD "bias=1\nweights=1\n3 1\nend\n", "m.txt:7: bad or out-of-order weight index");
    expect_error(HEAD "bias=1\nweights=2\n1 1\n0 1\nend\n", "out-of-order");
    expect_error(HEAD "bias=1\nweights=1\n0 1x\nend\n", "bad weight value");
    expect_error(HEAD "bias=1\nweights=1\n0 nan\nend\n", "bad weight value");
    expect_error(HEAD "bias=x\n", "m.txt:5: bad bias");
    expect_error(HEAD "bias=1\nweights=4\n", "bad weight count");
    expect_error("smloss-model 1\nscorer=tree\n", "unknown scorer 'tree'");
    expect_error("smloss-model 1\nloss=sigmoid:a=-1\n", "m.txt:2: bad loss");
    expect_error("smloss-model 1\ndim=-3\n", "bad dimension");
    expect_error("smloss-model 1\nobjective=magic\n", "unknown objective");
    expect_error("smloss-model 1\nlabel_transform=sqrt\n", "unknown label transform");
    expect_error("smloss-model 1\nregions=3,1\n", "bad regions");
    expect_error("smloss-model 1\nno equals sign\n", "expected key=value");
    expect_error("smloss-model 1\nloss=lin\nbias=0\nweights=0\n", "weights before the dim line");
}


/* Write m, read it back (the same bytes when written again); returns the text. */
static char *round_trip(const sm_model *m, sm_model *back)
{
    sm_error err;
    char *buf = NULL, *again = NULL;
    size_t len = 0, again_len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK(model_write(m, f, 0, &err) == SM_OK);
    fclose(f);
    if (!CHECK(read_text(buf, back, &err) == SM_OK))
        fprintf(stderr, "  %s\n", err.msg);
    f = open_memstream(&again, &again_len);
    CHECK(model_write(back, f, 0, &err) == SM_OK);
    fclose(f);
    CHECK(again_len == len && memcmp(again, buf, len) == 0);
    free(again);
    return buf;
}

/* K = 3 outputs: outputs=3 in the header, K values on the linear bias and
 * weight lines, a 3-wide last MLP layer; the reloaded model predicts the
 * same n x K scores, and the linear ones are bias_k + sum_j w_jk x_j. */
static void test_outputs_round_trip(void)
{
    const char text[] = "0 0:2 2:3 9:100\n1\n1 1:-0.5 3:0.25\n";
    sm_dataset ds;
    sm_error err;
    dataset_init(&ds);
    CHECK(reader_read_buffer(text, sizeof text - 1, "mem", NULL, &ds, &err) == SM_OK);
    for (int kind = 0; kind < SCORER_KIND_COUNT; kind++) {
        sm_model m, back;
        init_scorer(&m, (sm_scorer_kind)kind, 3, 4, (const int32_t[]){5, 2}, 2);
        int64_t n = scorer_saved_param_count(&m.scorer);
        CHECK(n == (kind == SCORER_LINEAR ? 15 : (4 + 1) * 5 + (5 + 1) * 2 + (2 + 1) * 3));
        for (int64_t i = 0; i < n; i++)
            m.param[i] = i % 4 == 1 ? 0.0 : (double)(i % 11) / 7.0 - 0.6;
        char *buf = round_trip(&m, &back);
        CHECK_CONTAINS(buf, "\ndim=4\noutputs=3\n");
        if (kind == SCORER_LINEAR) {
            CHECK_CONTAINS(buf, "\nbias=");
            CHECK_CONTAINS(buf, "\n0 -0.59999999999999998 0 -0.31428571428571428\n");
        } else {
            CHECK_CONTAINS(buf, "\nlayer=3 in=2 out=3\n");
        }
        CHECK(back.scorer.kind == m.scorer.kind && back.scorer.n_out == 3 && back.dim == 4);
        CHECK(memcmp(back.param, m.param, (size_t)n * sizeof *m.param) == 0);
        double s[9], t[9];
        CHECK(model_predict(&m, &ds, s, NULL) == SM_OK);
        CHECK(model_predict(&back, &ds, t, NULL) == SM_OK);
        CHECK(memcmp(s, t, sizeof s) == 0);
        for (int k = 0; k < 3 && kind == SCORER_LINEAR; k++) {
            const double *w = m.param, *b = m.param + 12;
            CHECK(s[k] == b[k] + w[0 * 3 + k] * 2.0 + w[2 * 3 + k] * 3.0);
            CHECK(s[3 + k] == b[k]);
            CHECK(s[6 + k] == b[k] + w[1 * 3 + k] * -0.5 + w[3 * 3 + k] * 0.25);
        }
        free(buf);
        model_free(&m);
        model_free(&back);
    }
    dataset_free(&ds);
}

/* Files without outputs= are one output; wrong outputs and bias counts. */
static void test_outputs_errors(void)
{
    sm_model m;
    sm_error err;
    CHECK(read_text(HEAD "bias=1\nweights=1\n2 0.5\nend\n", &m, &err) == SM_OK);
    CHECK(m.scorer.n_out == 1 && m.param[2] == 0.5 && m.param[3] == 1);
    model_free(&m);
    CHECK(read_text(HEAD "outputs=2\nbias=1 2\nweights=1\n2 0.5 -1\nend\n", &m, &err) == SM_OK);
    CHECK(m.scorer.n_out == 2 && m.param[4] == 0.5 && m.param[5] == -1 && m.param[7] == 2);
    model_free(&m);
    expect_error(HEAD "outputs=0\n", "m.txt:5: bad outputs '0'");
    expect_error(HEAD "outputs=2\nbias=1\nweights=0\nend\n", "bias line has 1 values for 2 outputs");
    expect_error(HEAD "bias=1 2\nweights=0\nend\n", "bias line has 2 values for 1 outputs");
    expect_error(HEAD "outputs=2\nbias=1 2\nweights=1\n0 1\nend\n", "expected 2 numbers");
    expect_error("smloss-model 1\nscorer=mlp\nhidden=2\nloss=lin\ndim=3\noutputs=2\n"
                 "layer=1 in=3 out=2\nbias=0 0\nweights=0\nlayer=2 in=2 out=1\n",
                 "but dim and hidden make layer 2 2x2");
}

/* Rows whose indices are a few scattered ones up to the largest allowed:
 * more rows than model_predict maps at a time. */
static char *scattered_text(void)
{
    static const int32_t pool[] = {1, 5, 6, 900, 70001, 1000000, 123456789, 2147483646};
    test_strbuf t = {0};
    for (int r = 0; r < 9000; r++) {
        test_strbuf_add(&t, "%d", r % 3);
        for (int p = 0; p < 8; p++)
            if ((r * 7 + p * 3) % 5 < 2 || p == r % 8)
                test_strbuf_add(&t, " %ld:%.2f", (long)pool[p], (double)((r + p) % 9) / 4.0 - 1.0);
        test_strbuf_add(&t, "\n");
    }
    return t.s;
}

/* A model on mapped data (compacted, hashed into 16 buckets, hashed into
 * 2^30): it scores raw data as it scores the mapped data, writes the
 * original indices (or buckets) and reads back to the same scores on raw
 * data, with a list of features when the space is large. */
static void test_mapped_round_trip(void)
{
    char *text = scattered_text();
    sm_dataset raw, train;
    sm_error err;
    CHECK(reader_read_buffer(text, strlen(text), "raw", NULL, &raw, &err) == SM_OK);
    static const int bits[] = {0, 4, 30};
    for (int b = 0; b < 3; b++)
        for (int kind = 0; kind < SCORER_KIND_COUNT; kind++) {
            CHECK(reader_read_buffer(text, strlen(text), "train", NULL, &train, &err) == SM_OK);
            sm_featmap map;
            CHECK(featmap_prepare(&train, NULL, bits[b], NULL, &map, &err) == SM_OK);
            CHECK(!featmap_is_plain(&map) && train.featmap_id == map.id && train.dim == map.n);
            sm_model m, back;
            int32_t K = kind == SCORER_LINEAR ? 2 : 1;
            init_scorer(&m, (sm_scorer_kind)kind, K, map.n, (const int32_t[]){3}, 1);
            int64_t n = scorer_saved_param_count(&m.scorer);
            for (int64_t i = 0; i < n; i++) /* input 0's row is all 0: not written */
                m.param[i] = i < m.scorer.mlp.width[1] ? 0.0 : (double)(i % 13) / 6.0 - 1.0;
            model_set_features(&m, &map);
            CHECK(featmap_is_plain(&map) && m.dim == (bits[b] ? 1 << bits[b] : 2147483647));
            double *direct = malloc((size_t)raw.n_rows * K * sizeof *direct);
            double *mapped = malloc((size_t)raw.n_rows * K * sizeof *mapped);
            double *reread = malloc((size_t)raw.n_rows * K * sizeof *reread);
            CHECK(model_predict(&m, &train, direct, &err) == SM_OK);
            CHECK(model_predict(&m, &raw, mapped, &err) == SM_OK);
            CHECK(memcmp(direct, mapped, (size_t)raw.n_rows * K * sizeof *direct) == 0);
            char *buf = round_trip(&m, &back);
            CHECK(back.dim == m.dim && back.features.hash_bits == bits[b]);
            /* 16 buckets are read densely; the other spaces as a list of the
             * inputs that carry a weight */
            CHECK(bits[b] == 4 ? !back.features.index && back.features.n == 16
                               : back.features.index && back.features.n == m.features.n - 1);
            if (bits[b] == 0)
                CHECK_CONTAINS(buf, "\n2147483646 ");
            else
                CHECK(strstr(buf, bits[b] == 4 ? "\nhash_bits=4\n" : "\nhash_bits=30\n"));
            CHECK(model_predict(&back, &raw, reread, &err) == SM_OK);
            CHECK(memcmp(mapped, reread, (size_t)raw.n_rows * K * sizeof *mapped) == 0);
            free(buf);
            free(direct);
            free(mapped);
            free(reread);
            model_free(&m);
            model_free(&back);
            dataset_free(&train);
        }
    dataset_free(&raw);
    free(text);
}

typedef struct {
    int calls, monotone;
    int64_t last, total;
} rows_log;

static void record_rows(void *ctx, int64_t done, int64_t total)
{
    rows_log *l = ctx;
    l->monotone &= done > l->last && done <= total;
    l->last = done;
    l->total = total;
    l->calls++;
}

/* Scoring told in pieces gives the same scores, bit for bit: 140000 rows
 * are 3 pieces of at most 65536; through a map, pieces of 4096 rows. */
static void test_predict_progress(void)
{
    test_strbuf t = {0};
    for (int r = 0; r < 140000; r++)
        test_strbuf_add(&t, "%d 1:%d 2:%.2f 4:1\n", r % 3, r % 17, (double)(r % 11) / 4.0);
    sm_dataset ds;
    sm_error err;
    CHECK(reader_read_buffer(t.s, t.len, "mem", NULL, &ds, &err) == SM_OK);
    for (int kind = 0; kind < SCORER_KIND_COUNT; kind++) {
        sm_model m;
        int32_t K = kind == SCORER_LINEAR ? 2 : 1;
        init_scorer(&m, (sm_scorer_kind)kind, K, ds.dim, (const int32_t[]){3}, 1);
        int64_t n = scorer_saved_param_count(&m.scorer);
        for (int64_t i = 0; i < n; i++)
            m.param[i] = (double)(i % 7) / 3.0 - 1.0;
        double *whole = malloc((size_t)ds.n_rows * K * sizeof *whole);
        double *told = malloc((size_t)ds.n_rows * K * sizeof *told);
        rows_log log = {0, 1, 0, 0};
        CHECK(model_predict(&m, &ds, whole, &err) == SM_OK);
        CHECK(model_predict_progress(&m, &ds, told, record_rows, &log, &err) == SM_OK);
        CHECK(memcmp(whole, told, (size_t)ds.n_rows * K * sizeof *whole) == 0);
        CHECK(log.calls == 3 && log.monotone && log.last == 140000 && log.total == 140000);
        free(whole);
        free(told);
        model_free(&m);
    }
    dataset_free(&ds);
    free(t.s);

    char *text = scattered_text(); /* 9000 rows through a map */
    sm_dataset raw, train;
    CHECK(reader_read_buffer(text, strlen(text), "raw", NULL, &raw, &err) == SM_OK);
    CHECK(reader_read_buffer(text, strlen(text), "train", NULL, &train, &err) == SM_OK);
    sm_featmap map;
    CHECK(featmap_prepare(&train, NULL, 4, NULL, &map, &err) == SM_OK);
    sm_model m;
    init_scorer(&m, SCORER_LINEAR, 1, map.n, NULL, 0);
    for (int64_t i = 0; i < scorer_saved_param_count(&m.scorer); i++)
        m.param[i] = (double)(i % 5) - 2.0;
    model_set_features(&m, &map);
    double *whole = malloc((size_t)raw.n_rows * sizeof *whole);
    double *told = malloc((size_t)raw.n_rows * sizeof *told);
    rows_log log = {0, 1, 0, 0};
    CHECK(model_predict(&m, &raw, whole, &err) == SM_OK);
    CHECK(model_predict_progress(&m, &raw, told, record_rows, &log, &err) == SM_OK);
    CHECK(memcmp(whole, told, (size_t)raw.n_rows * sizeof *whole) == 0);
    CHECK(log.calls == 3 && log.monotone && log.last == 9000 && log.total == 9000);
    free(whole);
    free(told);
    model_free(&m);
    dataset_free(&train);
    dataset_free(&raw);
    free(text);
}

/* A model of two weights at indices up to 2147483646 loads as a list. */
static void test_huge_dim_loads_small(void)
{
    sm_model m;
    sm_error err;
    const char *text = "smloss-model 1\nscorer=linear\nloss=lin\ndim=2147483647\nbias=0.5\n"
                       "weights=2\n3 2\n2147483646 -1\nend\n";
    if (!CHECK(read_text(text, &m, &err) == SM_OK))
        return;
    CHECK(m.dim == 2147483647 && m.features.n == 2 && m.scorer.mlp.width[0] == 2);
    CHECK(m.param[0] == 2 && m.param[1] == -1 && m.param[2] == 0.5);
    const char data[] = "0 3:1 4:7 2147483646:3\n1 2147483645:1\n";
    sm_dataset ds;
    CHECK(reader_read_buffer(data, sizeof data - 1, "mem", NULL, &ds, &err) == SM_OK);
    double s[2];
    CHECK(model_predict(&m, &ds, s, &err) == SM_OK);
    CHECK(s[0] == 0.5 + 2.0 - 3.0 && s[1] == 0.5);
    dataset_free(&ds);
    model_free(&m);
    expect_error(HEAD "hash_bits=0\n", "m.txt:5: bad hash_bits '0'");
    expect_error(HEAD "hash_bits=31\n", "bad hash_bits '31'");
    expect_error(HEAD "hash_bits=4\nbias=0\nweights=0\nend\n", "dim 3 is not 2^hash_bits (16)");
}

static void test_missing_file(void)
{
    sm_model m;
    sm_error err;
    CHECK(model_load("/nonexistent/model.txt", &m, &err) == SM_EIO);
    CHECK_CONTAINS(err.msg, "/nonexistent/model.txt");
    CHECK(model_load("/", &m, &err) == SM_EIO);
}

static void test_write_error(void)
{
    sm_model m;
    sm_error err;
    make_model(&m);
    FILE *f = fopen("/dev/full", "w");
    if (f) {
        CHECK(model_write(&m, f, 0, &err) == SM_EIO);
        fclose(f);
    }
    model_free(&m);
}

static const test_case cases[] = {
    TEST(test_round_trip_bit_exact), TEST(test_big_models_written_in_pieces), TEST(test_predict),
    TEST(test_errors),
    TEST(test_missing_file), TEST(test_write_error), TEST(test_outputs_round_trip),
    TEST(test_outputs_errors), TEST(test_mapped_round_trip), TEST(test_predict_progress),
    TEST(test_huge_dim_loads_small),
};
TEST_MAIN(cases)
