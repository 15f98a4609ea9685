/* test_eval.c - eval_run: what it takes from the model, from the defaults
 * without a model, and from the configuration when given. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "reader.h"
#include "test.h"

/* Three rows with labels 0, 1, 2; feature 0 is the label plus 0.5. */
static const char data3[] = "0 0:0.5\n1 0:1.5\n2 0:2.5\n";

static void load(const char *text, sm_dataset *ds)
{
    sm_error err;
    if (!CHECK(reader_read_buffer(text, strlen(text), "mem", NULL, ds, &err) == SM_OK))
        fprintf(stderr, "  %s\n", err.msg);
}

/* score = x0: a linear model of dimension 1 with the given loss. */
static void make_model(sm_model *m, const char *loss)
{
    sm_error err;
    sm_scorer_config c;
    scorer_config_default(&c);
    model_init(m);
    CHECK(model_init_scorer(m, &c, 1, &err) == SM_OK);
    m->param[0] = 1.0; /* the weight of feature 0, then the bias */
    CHECK(link_parse(loss, &m->link, &err) == SM_OK);
    CHECK(regions_parse("1.2", &m->regions, &err) == SM_OK);
    m->regions.origin = REGIONS_QUARTILES;
    m->label_transform = LABEL_LOG1P;
}

static void spec_of(const sm_link *link, char *buf)
{
    link_format(link, buf, LINK_SPEC_MAX);
}

static void test_from_model(void)
{
    sm_model m;
    sm_dataset ds;
    sm_eval_config c;
    sm_eval_result res;
    sm_error err;
    make_model(&m, "sigmoid:a=2,c=1");
    load(data3, &ds);
    eval_config_default(&c);
    c.model = &m;
    CHECK(eval_run(&c, &ds, &res, &err) == SM_OK);
    static char got[LINK_SPEC_MAX], want[LINK_SPEC_MAX];
    spec_of(&res.loss, got);
    spec_of(&m.link, want);
    CHECK_STREQ(got, want);
    CHECK(res.label_transform == LABEL_LOG1P);
    CHECK_CLOSE(ds.label[2], log1p(2.0), 1e-15); /* transformed in place */
    CHECK(res.report->regions.n == 2 && res.report->regions.bound[0] == 1.2);
    CHECK(res.report->regions.origin == REGIONS_QUARTILES);
    CHECK(res.report->all.rows == 3);
    CHECK_CLOSE(res.report->all.mean_pred, 1.5, 1e-15);
    CHECK(res.rank == NULL && res.per_query == NULL); /* no query groups */
    eval_result_free(&res);
    dataset_free(&ds);
    model_free(&m);
}

static void test_given_over_model(void)
{
    sm_model m;
    sm_dataset ds;
    sm_eval_config c;
    sm_eval_result res;
    sm_error err;
    sm_link lin;
    sm_regions two;
    make_model(&m, "sigmoid:a=2,c=1");
    load(data3, &ds);
    CHECK(link_parse("lin", &lin, &err) == SM_OK);
    CHECK(regions_parse("0.5,1.5", &two, &err) == SM_OK);
    eval_config_default(&c);
    c.model = &m;
    c.loss = &lin;
    c.regions = &two;
    c.label_transform = LABEL_NONE;
    CHECK(eval_run(&c, &ds, &res, &err) == SM_OK);
    char got[64];
    link_format(&res.loss, got, sizeof got);
    CHECK_STREQ(got, "lin:w=1");
    CHECK(res.label_transform == LABEL_NONE && ds.label[2] == 2.0);
    CHECK(res.report->regions.n == 3 && res.report->regions.origin == REGIONS_GIVEN);
    CHECK_CLOSE(res.report->all.mean_sq, 0.125, 1e-15); /* every score is y + 0.5 */
    eval_result_free(&res);
    dataset_free(&ds);
    model_free(&m);
}

/* eval_run with the default configuration on data3 and a predictions file
 * of the given text (named name). */
static sm_status run_with_predictions(const char *name, const char *text, sm_dataset *ds,
                                      sm_eval_result *res, sm_error *err)
{
    const char *pred = test_tmp_path(name);
    test_write_file(pred, text, strlen(text));
    sm_eval_config c;
    load(data3, ds);
    eval_config_default(&c);
    c.predictions = pred;
    return eval_run(&c, ds, res, err);
}

static void test_predictions_defaults(void)
{
    sm_dataset ds;
    sm_eval_result res;
    sm_error err;
    CHECK(run_with_predictions("p.txt", "0\n1\n4\n", &ds, &res, &err) == SM_OK);
    char got[64];
    link_format(&res.loss, got, sizeof got);
    CHECK_STREQ(got, "lin:w=1");
    CHECK(res.label_transform == LABEL_NONE);
    /* three distinct labels: a region each */
    CHECK(res.report->regions.n == 3 && res.report->regions.origin == REGIONS_DISTINCT);
    CHECK_CLOSE(res.report->all.mae, 2.0 / 3.0, 1e-15);
    eval_result_free(&res);
    dataset_free(&ds);
}

static void test_predictions_count(void)
{
    sm_dataset ds;
    sm_eval_result res;
    sm_error err;
    CHECK(run_with_predictions("short.txt", "0\n1\n", &ds, &res, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "has 2 predictions but mem has 3 rows");
    eval_result_free(&res);
    dataset_free(&ds);
}

static void test_bad_labels_for_transform(void)
{
    sm_dataset ds;
    sm_eval_config c;
    sm_eval_result res;
    sm_error err;
    sm_model m;
    make_model(&m, "lin");
    m.label_transform = LABEL_LOG; /* label 0 has no log */
    load(data3, &ds);
    eval_config_default(&c);
    c.model = &m;
    CHECK(eval_run(&c, &ds, &res, &err) == SM_EDATA);
    eval_result_free(&res);
    dataset_free(&ds);
    model_free(&m);
}

static void test_ranking(void)
{
    sm_model m;
    sm_dataset ds;
    sm_eval_config c;
    sm_eval_result res;
    sm_error err;
    make_model(&m, "lin");
    m.label_transform = LABEL_NONE;
    load("2 qid:1 0:3\n0 qid:1 0:1\n1 qid:2 0:1\n0 qid:2 0:2\n", &ds);
    eval_config_default(&c);
    c.model = &m;
    c.per_query = 1;
    CHECK(eval_run(&c, &ds, &res, &err) == SM_OK);
    if (CHECK(res.rank && res.per_query)) {
        CHECK(res.rank->queries == 2);
        CHECK_CLOSE(res.per_query[0].rr, 1.0, 0);   /* the relevant row first */
        CHECK_CLOSE(res.per_query[1].rr, 0.5, 0);   /* the relevant row second */
    }
    eval_result_free(&res);
    dataset_free(&ds);
    model_free(&m);
}

/* A model of 2 outputs for the classes 3 and 7: s = (x0, -x0). */
static void make_class_model(sm_model *m)
{
    sm_error err;
    sm_scorer_config c;
    scorer_config_default(&c);
    c.n_out = 2;
    model_init(m);
    m->objective = OBJ_MULTICLASS;
    CHECK(model_init_scorer(m, &c, 1, &err) == SM_OK);
    m->param[0] = 1.0; /* W (1 x 2), then the biases (0, 0) */
    m->param[1] = -1.0;
    CHECK(link_parse("lin", &m->link, &err) == SM_OK);
    CHECK(classes_parse("3,7", &m->classes, &err) == SM_OK);
}

static void test_classes(void)
{
    sm_model m;
    sm_dataset ds;
    sm_eval_config c;
    sm_eval_result res;
    sm_error err;
    make_class_model(&m);
    load("3 0:-1\n7 0:2\n3 0:0.5\n", &ds);
    eval_config_default(&c);
    c.model = &m;
    CHECK(eval_run(&c, &ds, &res, &err) == SM_OK);
    CHECK(res.classes && res.report == NULL && res.classes->n_classes == 2);
    CHECK_CLOSE(res.classes->accuracy, 1.0 / 3.0, 1e-15);
    CHECK(res.classes->confusion[0 * 2 + 1] == 1 && res.classes->confusion[1 * 2 + 0] == 1);
    /* class labels: -log softmax(s)_c */
    double want = (log1p(exp(2.0)) + log1p(exp(4.0)) + log1p(exp(-1.0))) / 3.0;
    CHECK_CLOSE(res.class_loss, want, 1e-14);
    CHECK(!res.classes->has_target);
    eval_result_free(&res);
    /* equal target scores: q uniform, its top class the first */
    static const double targets[6] = {0, 0, 0, 0, 0, 0};
    c.targets = targets;
    CHECK(eval_run(&c, &ds, &res, &err) == SM_OK);
    CHECK(res.classes->has_target);
    CHECK_CLOSE(res.classes->top1_agreement, 2.0 / 3.0, 1e-15);
    /* KL(uniform || softmax(a, -a)) = log cosh a */
    CHECK_CLOSE(res.class_loss, (log(cosh(1.0)) + log(cosh(2.0)) + log(cosh(0.5))) / 3.0, 1e-14);
    eval_result_free(&res);
    dataset_free(&ds);
    /* a class the model lacks (5, twice): its rows are errors, listed; the
     * loss is that of the row of class 3, scores (1, -1): log(1 + e^-2) */
    load("3 0:1\n5 0:1\n5 0:2\n", &ds);
    c.targets = NULL;
    CHECK(eval_run(&c, &ds, &res, &err) == SM_OK);
    CHECK(res.not_in_model.n == 1 && res.not_in_model.value[0] == 5 &&
          res.not_in_model_rows[0] == 2 && res.classes->not_in_model_rows == 2);
    CHECK_CLOSE(res.classes->accuracy, 1.0 / 3.0, 1e-15);
    CHECK_CLOSE(res.class_loss, log1p(exp(-2.0)), 1e-15);
    CHECK_CLOSE(res.classes->log_loss, log1p(exp(-2.0)), 1e-15);
    eval_result_free(&res);
    dataset_free(&ds);
    /* a label that is no integer is no class at all */
    load("3 0:1\n3.5 0:1\n", &ds);
    CHECK(eval_run(&c, &ds, &res, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "row 2: class label 3.5 is not an integer");
    eval_result_free(&res);
    dataset_free(&ds);
    model_free(&m);
}

static const test_case cases[] = {
    TEST(test_classes),
    TEST(test_from_model),
    TEST(test_given_over_model),
    TEST(test_predictions_defaults),
    TEST(test_predictions_count),
    TEST(test_bad_labels_for_transform),
    TEST(test_ranking),
};

TEST_MAIN(cases)
