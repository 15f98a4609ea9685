/* test_model.c - model file round trip and every loading error path. */
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

static void make_model(sm_model *m)
{
    model_init(m);
    sm_error err;
    CHECK(model_init_linear(m, 6, &err) == SM_OK);
    m->w[0] = 0.1;
    m->w[2] = -1.0 / 3.0;
    m->w[5] = 4.9e-324; /* subnormal: must survive */
    m->bias = 22.532806324110677;
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
    CHECK(model_write(&m, f, &err) == SM_OK);
    fclose(f);
    CHECK(read_text(buf, &back, &err) == SM_OK);
    CHECK(back.dim == 6);
    CHECK(memcmp(back.w, m.w, 6 * sizeof *m.w) == 0);
    CHECK(back.bias == m.bias);
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
    CHECK(model_write(&back, f, &err) == SM_OK);
    fclose(f);
    CHECK(len == len2 && memcmp(buf, buf2, len) == 0);
    CHECK_CONTAINS(buf, "smloss-model 1\n");
    CHECK_CONTAINS(buf, "\n2 -0.33333333333333331\n");
    free(buf);
    free(buf2);
    model_free(&m);
    model_free(&back);
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
    model_predict(&m, &ds, s);
    CHECK(s[0] == m.bias + 0.1 * 2.0 + (-1.0 / 3.0) * 3.0); /* feature 9 >= dim: ignored */
    CHECK(s[1] == m.bias);
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
    CHECK(m.w == NULL);
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
        CHECK(model_write(&m, f, &err) == SM_EIO);
        fclose(f);
    }
    model_free(&m);
}

static const test_case cases[] = {
    TEST(test_round_trip_bit_exact), TEST(test_predict), TEST(test_errors),
    TEST(test_missing_file), TEST(test_write_error),
};
TEST_MAIN(cases)
