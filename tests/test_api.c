/* test_api.c - a program that includes only smloss.h (the public engine
 * header) trains, saves, reloads, predicts and evaluates as its comment
 * shows: the header is enough, and the flow works end to end. */
#include <stdio.h>
#include <stdlib.h>

#include "smloss.h"
#include "test.h"

#define HOUSING "data/libsvm-housing-scale/housing_scale"

static void test_train_save_load_predict_eval(void)
{
    sm_dataset ds;
    sm_error err;
    dataset_init(&ds);
    if (!CHECK(reader_read_file(HOUSING, NULL, &ds, &err) == SM_OK))
        return;
    sm_train_job job;
    train_job_init(&job);
    job.cfg.epochs = 3;
    sm_model m, back;
    model_init(&m);
    model_init(&back);
    sm_featmap fm;
    featmap_init(&fm, 0);
    CHECK(link_parse("sigmoid:a=0.3,c=30", &job.cfg.objective.link, &err) == SM_OK);
    CHECK(train_job_check_objective(&job, &err) == SM_OK);
    CHECK(train_job_weigh(&job, NULL, &ds, NULL, &err) == SM_OK);
    CHECK(train_job_features(&job, NULL, &ds, NULL, &fm, &err) == SM_OK);
    CHECK(train_job_regions(&job, NULL, &ds, &m.regions, &err) == SM_OK);
    CHECK(train_job_run(&job, &ds, NULL, &fm, &m, &err) == SM_OK);
    /* the written model reads back, its scores bit for bit */
    FILE *f = tmpfile();
    if (CHECK(f != NULL)) {
        CHECK(model_write(&m, f, 0, &err) == SM_OK);
        rewind(f);
        CHECK(model_read(f, "tmp.model", &back, &err) == SM_OK);
        fclose(f);
    }
    CHECK(model_get_info(&back, "train_rows") != NULL);
    double *a = malloc((size_t)ds.n_rows * sizeof *a), *b = malloc((size_t)ds.n_rows * sizeof *b);
    if (CHECK(a && b) && CHECK(model_predict(&m, &ds, a, &err) == SM_OK) &&
        CHECK(model_predict(&back, &ds, b, &err) == SM_OK)) {
        int same = 1;
        for (int64_t i = 0; i < ds.n_rows; i++)
            same &= a[i] == b[i];
        CHECK(same);
    }
    /* eval as `smloss eval -m` would: every row in the report */
    sm_eval_config cfg;
    eval_config_default(&cfg);
    cfg.model = &back;
    sm_eval_result r;
    if (CHECK(eval_run(&cfg, &ds, &r, &err) == SM_OK))
        CHECK(r.report && r.report->all.rows == 506);
    eval_result_free(&r);
    free(a);
    free(b);
    model_free(&m);
    model_free(&back);
    train_job_free(&job);
    dataset_free(&ds);
}

static const test_case cases[] = {
    TEST(test_train_save_load_predict_eval),
};

TEST_MAIN(cases)
