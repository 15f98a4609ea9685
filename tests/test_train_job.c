/* test_train_job.c - a training run from options, as a program linking the
 * library makes it: the model records its provenance, a warm start takes
 * what the options leave unsaid and refuses another shape, a
 * multi-class objective gets its K from the classes, once, and the rows are
 * weighed by their classes, then normalised, as the command line does. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "reader.h"
#include "test.h"
#include "train_job.h"

#define HOUSING "data/libsvm-housing-scale/housing_scale"

/* Train job on the housing data into *model, as `smloss train` would. */
static int run_job(sm_train_job *job, sm_model *model)
{
    sm_dataset ds;
    sm_error err;
    sm_featmap features;
    dataset_init(&ds);
    featmap_init(&features, 0);
    model_init(model);
    int ok = CHECK(reader_read_file(HOUSING, NULL, &ds, &err) == SM_OK) &&
             CHECK(train_job_check_objective(job, &err) == SM_OK) &&
             CHECK(train_job_features(job, NULL, &ds, NULL, &features, &err) == SM_OK) &&
             CHECK(train_job_regions(job, NULL, &ds, &model->regions, &err) == SM_OK) &&
             CHECK(train_job_run(job, &ds, NULL, &features, model, &err) == SM_OK);
    featmap_free(&features);
    dataset_free(&ds);
    return ok;
}

static void check_info(const sm_model *m, const char *key, const char *want)
{
    const char *got = model_get_info(m, key);
    if (!CHECK(got != NULL))
        fprintf(stderr, "  no info key %s\n", key);
    else
        CHECK_STREQ(got, want);
}

static void test_run_records_provenance(void)
{
    sm_train_job job;
    train_job_init(&job);
    job.cfg.solver = SOLVER_SGD; /* (its provenance: epochs, batch, optimiser) */
    job.cfg.epochs = 2;
    job.cfg.seed = 3;
    job.label_transform = LABEL_LOG1P;
    sm_model m;
    if (run_job(&job, &m)) {
        check_info(&m, "train_data", HOUSING);
        check_info(&m, "train_rows", "506");
        check_info(&m, "epochs", "2");
        check_info(&m, "batch", "16");
        check_info(&m, "optimizer", "sgd");
        check_info(&m, "lr_schedule", "linear");
        check_info(&m, "scale", "maxabs");
        check_info(&m, "seed", "3");
        CHECK(m.label_transform == LABEL_LOG1P);
        CHECK(m.dim == 14); /* the data's indices, 1 .. 13: the model took them over */
        /* regions chosen from the labels: more than 10 distinct, quartiles */
        CHECK(m.regions.n == 4 && m.regions.origin == REGIONS_QUARTILES);
    }
    model_free(&m);
    train_job_free(&job);
}

static void test_warm_start(void)
{
    sm_train_job job;
    train_job_init(&job);
    job.cfg.solver = SOLVER_SGD; /* (the engine's default is L-BFGS) */
    job.cfg.epochs = 1;
    sm_error err;
    CHECK(link_parse("sigmoid:a=3,c=30", &job.cfg.objective.link, &err) == SM_OK);
    sm_model first;
    int ok = run_job(&job, &first);
    train_job_free(&job);
    if (!ok) {
        model_free(&first);
        return;
    }
    /* nothing said: the model's loss, scorer and regions */
    train_job_init(&job);
    job.init_name = "first.model";
    job.init = first;
    CHECK(train_job_warm_start(&job, &err) == SM_OK);
    char want[LINK_SPEC_MAX], got[LINK_SPEC_MAX];
    link_format(&first.link, want, sizeof want);
    link_format(&job.cfg.objective.link, got, sizeof got);
    CHECK_STREQ(got, want);
    sm_regions regions;
    CHECK(train_job_regions(&job, NULL, NULL, &regions, &err) == SM_OK);
    CHECK(regions.n == first.regions.n && regions.bound[0] == first.regions.bound[0]);
    /* another shape: refused, naming the model */
    CHECK(scorer_config_parse("mlp:4", &job.cfg.scorer, &err) == SM_OK);
    job.have_scorer = 1;
    CHECK(train_job_warm_start(&job, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "--init first.model: the model's scorer is linear");
    job.have_scorer = 0;
    job.have_hash_bits = 1;
    job.hash_bits = 12;
    CHECK(train_job_warm_start(&job, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "does not hash its features");
    train_job_free(&job); /* frees first, which the job took */
}

static void test_classes_resolve_k(void)
{
    sm_train_job job;
    train_job_init(&job);
    job.cfg.objective.kind = OBJ_MULTICLASS;
    sm_error err;
    /* before the data: K unknown, the rest checked */
    CHECK(train_job_check_objective(&job, &err) == SM_OK);
    sm_classes classes = {.value = NULL, .n = 3};
    sm_dataset valid;
    dataset_init(&valid);
    int32_t *valid_classes = NULL;
    CHECK(train_job_set_classes(&job, &classes, &valid, &valid_classes, &err) == SM_OK);
    CHECK(job.cfg.objective.n_out == 3 && job.cfg.scorer.n_out == 3);
    /* class labels are one-hot probabilities; the model records the default */
    CHECK(job.cfg.objective.target == TARGET_PROB && job.file_target == TARGET_MATCHED);
    classes.n = 1;
    CHECK(train_job_set_classes(&job, &classes, &valid, &valid_classes, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "at least 2 classes");
    /* a wrong target is found before the data */
    job.cfg.objective.target = TARGET_GAIN;
    CHECK(train_job_check_objective(&job, &err) == SM_EUSAGE);
    free(valid_classes);
    train_job_free(&job);
}

/* train_job_weigh: --class-weights multiplies the row weights, then both
 * data sets' weights are divided by the power of two that puts their
 * largest in [0.5, 1), exactly. */
static void test_weigh(void)
{
    static const char rows[] = "0 1:1\n1 1:2\n2 1:3\n1 1:4\n";
    sm_train_job job;
    train_job_init(&job);
    job.class_weights = "1=3,2=0.5";
    sm_dataset train, valid;
    sm_error err;
    dataset_init(&train);
    dataset_init(&valid);
    CHECK(reader_read_buffer(rows, sizeof rows - 1, "train", NULL, &train, &err) == SM_OK);
    CHECK(reader_read_buffer(rows, sizeof rows - 1, "valid", NULL, &valid, &err) == SM_OK);
    valid.weight = malloc(4 * sizeof *valid.weight);
    for (int i = 0; valid.weight && i < 4; i++)
        valid.weight[i] = 1e306 * (i + 1);
    if (CHECK(valid.weight) && CHECK(train_job_weigh(&job, NULL, &train, &valid, &err) == SM_OK) &&
        CHECK(train.weight != NULL)) {
        /* train: 1, 3, 0.5, 3 over 4 (3 in [2, 4)) */
        static const double want[4] = {0.25, 0.75, 0.125, 0.75};
        for (int i = 0; i < 4; i++)
            CHECK(train.weight[i] == want[i]);
        double scale = ldexp(1.0, -ilogb(4e306) - 1); /* 4e306 * scale in [0.5, 1) */
        for (int i = 0; i < 4; i++)
            CHECK(valid.weight[i] == 1e306 * (i + 1) * scale);
    }
    /* a bad class weight is the caller's mistake, named */
    job.class_weights = "1=-1";
    CHECK(train_job_weigh(&job, NULL, &train, NULL, &err) == SM_EUSAGE);
    dataset_free(&train);
    dataset_free(&valid);
    train_job_free(&job);
}

static const test_case cases[] = {
    TEST(test_run_records_provenance),
    TEST(test_warm_start),
    TEST(test_classes_resolve_k),
    TEST(test_weigh),
};

TEST_MAIN(cases)
