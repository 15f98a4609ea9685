/* test_classes.c - class labels: the class set of training data, the mapping
 * from labels to indices and one-hot targets, the model's classes= value,
 * the reader's rule on labels (located however the text is cut into blocks
 * and whatever the threads, and through a cache), and the targets reader. */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "classes.h"
#include "model.h"
#include "reader.h"
#include "test.h"

static int read_text(const char *text, const sm_reader_options *opt, const sm_reader_parallel *par,
                     sm_dataset *ds, sm_error *err)
{
    return reader_read_buffer_parallel(text, strlen(text), "mem", opt, par, ds, err) == SM_OK;
}

static void test_classes_from_labels(void)
{
    sm_dataset ds;
    sm_error err;
    CHECK(read_text("3 1:1\n-1 1:2\n3 1:3\n10 1:4\n-1 1:5\n", NULL, NULL, &ds, &err));
    sm_classes c;
    classes_init(&c);
    CHECK(classes_from_labels(&ds, &c, &err) == SM_OK);
    CHECK(c.n == 3 && c.value[0] == -1 && c.value[1] == 3 && c.value[2] == 10);
    CHECK(classes_find(&c, 3.0) == 1);
    CHECK(classes_find(&c, -1.0) == 0);
    CHECK(classes_find(&c, 4.0) == -1);
    CHECK(classes_find(&c, 3.5) == -1);
    CHECK(classes_find(&c, 11.0) == -1);
    CHECK(classes_one_hot(&c, &ds, &err) == SM_OK);
    CHECK(ds.target_dim == 3);
    static const double want[] = {0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0};
    CHECK(ds.target && memcmp(ds.target, want, sizeof want) == 0);
    int32_t *idx = NULL;
    CHECK(classes_index_rows(&c, &ds, &idx, &err) == SM_OK);
    CHECK(idx && idx[0] == 1 && idx[1] == 0 && idx[3] == 2);
    free(idx);
    ds.label[2] = 7;
    CHECK(classes_index_rows(&c, &ds, &idx, &err) == SM_EDATA && idx == NULL);
    CHECK_CONTAINS(err.msg, "mem:3: label 7");
    ds.label[2] = 0.5;
    CHECK(classes_from_labels(&ds, &c, &err) == SM_EDATA && c.n == 0);
    classes_free(&c);
    dataset_free(&ds);
}

static void test_classes_parse(void)
{
    sm_classes c, d;
    classes_init(&c);
    classes_init(&d);
    sm_error err;
    CHECK(classes_parse("-3,0,7", &c, &err) == SM_OK);
    CHECK(c.n == 3 && c.value[0] == -3 && c.value[2] == 7);
    CHECK(classes_copy(&d, &c, &err) == SM_OK && d.n == 3 && d.value[1] == 0);
    CHECK(classes_parse("1,1", &c, &err) == SM_EDATA);
    CHECK(classes_parse("2,1", &c, &err) == SM_EDATA);
    CHECK(classes_parse("1,x", &c, &err) == SM_EDATA);
    CHECK(classes_parse("1,2,", &c, &err) == SM_EDATA);
    CHECK(classes_parse("5", &c, &err) == SM_EDATA);
    CHECK(classes_range(4, &c, &err) == SM_OK && c.n == 4 && c.value[3] == 3);
    classes_free(&c);
    classes_free(&d);
}

/* A model of 3 outputs keeps its classes through a file. */
static void test_model_classes_round_trip(void)
{
    sm_model m, back;
    sm_error err;
    model_init(&m);
    sm_scorer_config sc;
    scorer_config_default(&sc);
    sc.n_out = 3;
    m.objective = OBJ_MULTICLASS;
    link_parse("lin", &m.link, NULL);
    CHECK(model_init_scorer(&m, &sc, 4, &err) == SM_OK);
    CHECK(classes_parse("-1,2,9", &m.classes, &err) == SM_OK);
    model_set_info(&m, "temperature", "2");
    model_set_info(&m, "target", "prob");
    const char *path = test_tmp_path("classes.model");
    FILE *f = fopen(path, "w");
    CHECK(f && model_write(&m, f, 1, &err) == SM_OK);
    if (f)
        fclose(f);
    CHECK(model_load(path, &back, &err) == SM_OK);
    CHECK(back.classes.n == 3 && back.classes.value[0] == -1 && back.classes.value[2] == 9);
    sm_objective obj;
    CHECK(model_objective(&back, &obj, &err) == SM_OK);
    CHECK(obj.kind == OBJ_MULTICLASS && obj.n_out == 3 && obj.target == TARGET_PROB);
    CHECK_CLOSE(obj.temperature, 2.0, 0);
    model_free(&back);
    /* classes that do not match the outputs */
    test_write_file(path, "", 0);
    f = fopen(path, "w");
    classes_parse("1,2", &m.classes, &err);
    CHECK(f && model_write(&m, f, 1, &err) == SM_OK);
    if (f)
        fclose(f);
    CHECK(model_load(path, &back, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "2 classes for 3 outputs");
    model_free(&m);
}

/* The rule's message is that of the first bad label, located, for any
 * block size and thread count. */
static void test_reader_label_rule(void)
{
    test_strbuf text = {0};
    for (int i = 0; i < 400; i++)
        test_strbuf_add(&text, "%d qid:%d 1:%d\n", i % 3, i / 10, i);
    test_strbuf_add(&text, "# comment\n  2.5 qid:40 1:1\n4 qid:40 1:x\n");
    sm_reader_options opt = {.check_label = classes_check_integer};
    static const size_t blocks[] = {16, 100, 0};
    static const int threads[] = {1, 3};
    for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++)
        for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
            sm_reader_parallel par = {threads[t], blocks[b], 0};
            sm_dataset ds;
            sm_error err;
            CHECK(!read_text(text.s, &opt, &par, &ds, &err));
            CHECK_STREQ(err.msg, "mem:402:3: class label must be an integer of magnitude "
                                 "below 2^53 \"2.5\"");
        }
    /* without the rule the bad feature is the first error */
    sm_dataset ds;
    sm_error err;
    CHECK(!read_text(text.s, NULL, NULL, &ds, &err));
    CHECK_CONTAINS(err.msg, "mem:403:");
    free(text.s);
    /* a known-class rule */
    sm_classes c;
    classes_init(&c);
    classes_parse("0,1", &c, &err);
    sm_reader_options known = {.check_label = classes_check_known, .check_label_ctx = &c};
    CHECK(!read_text("0 1:1\n1 1:1\n\n5 1:2\n", &known, NULL, &ds, &err));
    CHECK_CONTAINS(err.msg, "mem:4:1: class 5 was not seen in training");
    CHECK(read_text("0 1:1\n1 1:1\n", &known, NULL, &ds, &err) && ds.n_rows == 2);
    dataset_free(&ds);
    classes_free(&c);
}

/* A cache reused for a read with the rule: the label that fails is still
 * located in the text. */
static void test_reader_label_rule_cache(void)
{
    const char *data = test_tmp_path("labels.txt"), *cache = test_tmp_path("labels.cache");
    const char *text = "0 1:1\n1 1:2\n0.5 1:3\n";
    test_write_file(data, text, strlen(text));
    sm_dataset ds;
    sm_error err;
    CHECK(cache_load(data, NULL, cache, NULL, NULL, &ds, NULL, &err) == SM_OK && ds.n_rows == 3);
    dataset_free(&ds);
    sm_reader_options opt = {.check_label = classes_check_integer};
    cache_report rep;
    CHECK(cache_load(data, NULL, cache, &opt, NULL, &ds, &rep, &err) == SM_EDATA);
    CHECK(rep.outcome == CACHE_REUSED);
    CHECK_CONTAINS(err.msg, "labels.txt:3:1: class label must be an integer");
}

static int targets_of(const char *text, sm_targets_spec *spec, double **t, int64_t *n,
                      sm_error *err)
{
    const char *path = test_tmp_path("targets.txt");
    test_write_file(path, text, strlen(text));
    return sidecar_read_targets(path, spec, t, n, err) == SM_OK;
}

static void test_targets_reader(void)
{
    double *t;
    int64_t n;
    sm_error err;
    sm_targets_spec spec = {0, 3, "data", 0};
    CHECK(targets_of("1 2 3\n\n4\t5 6 # note\n7 8 9\r\n", &spec, &t, &n, &err));
    CHECK(spec.k == 3 && n == 3 && t[0] == 1 && t[4] == 5 && t[8] == 9);
    free(t);
    spec = (sm_targets_spec){0, -1, "data", 0};
    CHECK(targets_of("1 2\n3 4\n5 6\n7 8\n", &spec, &t, &n, &err) && n == 4 && spec.k == 2);
    free(t);
    static const struct {
        const char *text;
        int32_t k;
        int prob;
        const char *msg;
    } bad[] = {
        {"1 2 3\n1 nan 3\n", 0, 0, "targets.txt:2:3: target must be finite"},
        {"1 2 3\n1 2\n", 0, 0, "targets.txt:2: 2 targets on the line, expected 3"},
        {"1 2 3\n1 2 3 4\n", 0, 0, "targets.txt:2:7: more than 3 targets on the line"},
        {"1 2\n", 3, 0, "targets.txt:1: 2 targets on the line, expected 3"},
        {"1\n", 0, 0, "targets.txt:1: 1 target on the line"},
        {"1 2\n1 2\n1 2\n1 2\n", 0, 0, "targets.txt:4: more lines of targets than the 3 rows of data"},
        {"1 2\n1 2\n\n", 0, 0, "targets.txt:3: the file ends after 2 lines of targets, for the 3 rows"},
        {"0.5 0.5\n0.3 0.6\n1 0\n", 0, 1, "targets.txt:2: probabilities sum to 0.89999"},
        {"0.5 0.5\n1.5 -0.5\n1 0\n", 0, 1, "targets.txt:2:5: a probability must be >= 0"},
        {"\n# nothing\n", 0, 0, "no targets"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        spec = (sm_targets_spec){bad[i].k, i == 9 ? -1 : 3, "data", bad[i].prob};
        CHECK(!targets_of(bad[i].text, &spec, &t, &n, &err) && t == NULL);
        CHECK_CONTAINS(err.msg, bad[i].msg);
    }
    spec = (sm_targets_spec){0, 3, "data", 1};
    CHECK(targets_of("0.5 0.5\n0.2 0.8000001\n1 0\n", &spec, &t, &n, &err));
    free(t);
}

static const test_case cases[] = {
    TEST(test_classes_from_labels),      TEST(test_classes_parse),
    TEST(test_model_classes_round_trip), TEST(test_reader_label_rule),
    TEST(test_reader_label_rule_cache),  TEST(test_targets_reader),
};
TEST_MAIN(cases)
