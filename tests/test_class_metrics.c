/* test_class_metrics.c - the class report against small cases worked by hand:
 * pessimistic ties, top-k accuracy, the confusion matrix and per-class
 * precision/recall/F1 with undefined classes, top-1 agreement, top-k overlap,
 * NDCG@k with the target's probabilities as gains, band order accuracy; and a
 * random comparison of the sorted orders with a brute-force definition. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "class_metrics.h"
#include "test.h"

static sm_class_config config(void)
{
    sm_class_config c;
    class_config_default(&c);
    return c;
}

/* Rows (label): (3,1,2) (0) rank 1; (1,1,0) (0) tied with 1: rank 2, predicted
 * 1; (0,2,1) (2) rank 2, predicted 1; (5,5,5) (2) rank 3, predicted 0. */
static void test_labels_by_hand(void)
{
    const double s[] = {3, 1, 2, 1, 1, 0, 0, 2, 1, 5, 5, 5};
    const int32_t y[] = {0, 0, 2, 2};
    sm_class_config c = config();
    sm_class_report r;
    CHECK(class_report_compute(&c, s, 4, 3, y, NULL, NULL, &r, NULL) == SM_OK);
    CHECK(r.has_labels && !r.has_target);
    CHECK_CLOSE(r.weight, 4.0, 0); /* the rows without weights */
    CHECK_CLOSE(r.accuracy, 0.25, 0);
    CHECK_CLOSE(r.top_k[0], 0.25, 0);  /* k = 1 */
    CHECK_CLOSE(r.top_k[1], 0.75, 0);  /* k = 2 */
    CHECK_CLOSE(r.top_k[2], 1.0, 0);   /* k = 3 */
    CHECK(r.config.n_cutoffs == 3);    /* k = 5 counts as 3, which is there */
    const int64_t want[9] = {1, 1, 0, 0, 0, 0, 1, 1, 0};
    CHECK(memcmp(r.confusion, want, sizeof want) == 0);
    CHECK(r.support[0] == 2 && r.support[1] == 0 && r.support[2] == 2);
    CHECK_CLOSE(r.precision[0], 0.5, 0);
    CHECK_CLOSE(r.precision[1], 0.0, 0);
    CHECK(isnan(r.precision[2]));      /* never predicted */
    CHECK_CLOSE(r.recall[0], 0.5, 0);
    CHECK(isnan(r.recall[1]));         /* no rows */
    CHECK_CLOSE(r.recall[2], 0.0, 0);
    CHECK_CLOSE(r.f1[0], 0.5, 1e-15);
    CHECK(isnan(r.f1[1]) && isnan(r.f1[2]));
    CHECK_CLOSE(r.macro_precision, 0.25, 1e-15);
    CHECK_CLOSE(r.macro_recall, 0.25, 1e-15);
    CHECK_CLOSE(r.macro_f1, 0.5, 1e-15);
    class_report_free(&r);
}

/* The rows of test_labels_by_hand, the second and the last of a class the
 * model lacks: always wrong; the second (1,1,0) counts as a wrong
 * prediction of its first top class, 0, the last of class 0 (5,5,5). */
static void test_labels_not_in_model(void)
{
    const double s[] = {3, 1, 2, 1, 1, 0, 0, 2, 1, 5, 5, 5};
    const int32_t y[] = {0, CLASS_NOT_IN_MODEL, 2, CLASS_NOT_IN_MODEL};
    sm_class_config c = config();
    sm_class_report r;
    CHECK(class_report_compute(&c, s, 4, 3, y, NULL, NULL, &r, NULL) == SM_OK);
    CHECK(r.not_in_model_rows == 2);
    CHECK(r.not_in_model[0] == 2 && r.not_in_model[1] == 0 && r.not_in_model[2] == 0);
    CHECK_CLOSE(r.accuracy, 0.25, 0);
    CHECK_CLOSE(r.top_k[1], 0.5, 0);   /* k = 2: rows 1 and 3 */
    CHECK_CLOSE(r.top_k[2], 0.5, 0);   /* k = 3: never the lacking rows */
    const int64_t want[9] = {1, 0, 0, 0, 0, 0, 0, 1, 0};
    CHECK(memcmp(r.confusion, want, sizeof want) == 0);
    CHECK(r.support[0] == 1 && r.support[1] == 0 && r.support[2] == 1);
    CHECK_CLOSE(r.precision[0], 1.0 / 3.0, 1e-15); /* predicted 3 times, right once */
    CHECK_CLOSE(r.precision[1], 0.0, 0);
    CHECK(isnan(r.precision[2]));
    CHECK_CLOSE(r.recall[0], 1.0, 0);
    CHECK_CLOSE(r.recall[2], 0.0, 0);
    CHECK_CLOSE(r.f1[0], 0.5, 1e-15);
    CHECK_CLOSE(r.macro_precision, 1.0 / 6.0, 1e-15);
    CHECK_CLOSE(r.macro_recall, 0.5, 1e-15);
    class_report_free(&r);
}

/* The probability figures by hand. K = 2, p_2 = 0.9, 0.4, 0.4, 0.2 for the
 * classes 1, 0, 1, 0: of the 4 (positive, negative) pairs three are ordered
 * and one (0.4, 0.4) tied: ROC AUC 3.5/4; average precision: at 0.9 recall
 * 1/2 with precision 1, at 0.4 the other 1/2 with precision 2/3. */
static void test_probability_figures_by_hand(void)
{
    const double p[] = {0.1, 0.9, 0.6, 0.4, 0.6, 0.4, 0.8, 0.2};
    const int32_t y[] = {1, 0, 1, 0};
    sm_class_config c = config();
    sm_class_report r;
    CHECK(class_report_compute(&c, p, 4, 2, y, NULL, NULL, &r, NULL) == SM_OK);
    CHECK(!r.has_probs);
    CHECK(class_report_probs(&r, p, 4, y, NULL, NULL) == SM_OK && r.has_probs);
    CHECK_CLOSE(r.roc_auc, 0.875, 1e-15);
    CHECK_CLOSE(r.pr_auc, 0.5 + 1.0 / 3.0, 1e-15);
    CHECK_CLOSE(r.log_loss, -(log(0.9) + log(0.6) + log(0.4) + log(0.8)) / 4, 1e-15);
    CHECK_CLOSE(r.brier, (0.02 + 0.32 + 0.72 + 0.08) / 4, 1e-15);
    /* weights 1, 2, 1, 1: pairs 2 + 1 + 0.5 * 2 + 1 of 2 x 3; at 0.4 the
     * precision is 2/4 */
    const double w[] = {1, 2, 1, 1};
    CHECK(class_report_probs(&r, p, 4, y, w, NULL) == SM_OK);
    CHECK_CLOSE(r.roc_auc, 5.0 / 6.0, 1e-15);
    CHECK_CLOSE(r.pr_auc, (1.0 + 0.5) / 2, 1e-15);
    CHECK_CLOSE(r.log_loss, -(log(0.9) + 2 * log(0.6) + log(0.4) + log(0.8)) / 5, 1e-15);
    class_report_free(&r);

    /* a certain mistake is clipped at 1e-15; a row of a class the model lacks
     * is left out; one class only: no ROC AUC; K = 3: Brier, no AUC */
    const double sure[] = {1, 0, 0.5, 0.5};
    const int32_t y2[] = {1, CLASS_NOT_IN_MODEL};
    CHECK(class_report_compute(&c, sure, 2, 2, y2, NULL, NULL, &r, NULL) == SM_OK);
    CHECK(class_report_probs(&r, sure, 2, y2, NULL, NULL) == SM_OK);
    CHECK_CLOSE(r.log_loss, 15 * log(10.0), 1e-12);
    CHECK_CLOSE(r.brier, 2.0, 0);
    CHECK(isnan(r.roc_auc));
    CHECK_CLOSE(r.pr_auc, 1.0, 0);
    class_report_free(&r);
    const double p3[] = {0.2, 0.3, 0.5};
    const int32_t y3[] = {2};
    CHECK(class_report_compute(&c, p3, 1, 3, y3, NULL, NULL, &r, NULL) == SM_OK);
    CHECK(class_report_probs(&r, p3, 1, y3, NULL, NULL) == SM_OK);
    CHECK_CLOSE(r.brier, 0.04 + 0.09 + 0.25, 1e-15);
    CHECK_CLOSE(r.log_loss, -log(0.5), 1e-15);
    CHECK(isnan(r.roc_auc) && isnan(r.pr_auc));
    class_report_free(&r);
}

/* q = (0.5, 0.3, 0.15, 0.05), s = (1, 3, 2, 0): by score 1, 2, 0, 3. */
static void test_target_by_hand(void)
{
    const double s[] = {1, 3, 2, 0}, q[] = {0.5, 0.3, 0.15, 0.05};
    sm_class_config c = config();
    sm_class_report r;
    CHECK(class_report_compute(&c, s, 1, 4, NULL, q, NULL, &r, NULL) == SM_OK);
    CHECK(!r.has_labels && r.has_target && r.n_bands == 3);
    CHECK_CLOSE(r.top1_agreement, 0.0, 0);
    CHECK_CLOSE(r.overlap[0], 0.0, 0);          /* {1} vs {0} */
    CHECK_CLOSE(r.overlap[1], 0.5, 0);          /* {1,2} vs {0,1} */
    CHECK_CLOSE(r.overlap[2], 1.0, 0);          /* {1,2,0} vs {0,1,2} */
    CHECK_CLOSE(r.overlap[3], 1.0, 0);          /* k = 5 counts as 4 */
    CHECK(r.config.n_cutoffs == 4 && r.config.cutoff[3] == 4);
    double l3 = log2(3.0);
    CHECK_CLOSE(r.ndcg[0], 0.3 / 0.5, 1e-15);
    CHECK_CLOSE(r.ndcg[1], (0.3 + 0.15 / l3) / (0.5 + 0.3 / l3), 1e-15);
    /* bands: rank 1 | ranks 2-3 | rank 4 */
    CHECK(r.band_pairs[0][1] == 2 && r.band_ordered[0][1] == 0);
    CHECK(r.band_pairs[0][2] == 1 && r.band_ordered[0][2] == 1);
    CHECK(r.band_pairs[1][1] == 1 && r.band_ordered[1][1] == 1);
    CHECK(r.band_pairs[1][2] == 2 && r.band_ordered[1][2] == 2);
    CHECK(r.band_pairs[0][0] == 0 && r.band_pairs[2][2] == 0);
    class_report_free(&r);
}

/* A constant model: every tie goes the wrong way. */
static void test_constant_scores_look_bad(void)
{
    const double s[] = {0, 0, 0}, q[] = {0.6, 0.3, 0.1};
    const int32_t y[] = {0};
    sm_class_config c = config();
    sm_class_report r;
    CHECK(class_report_compute(&c, s, 1, 3, y, q, NULL, &r, NULL) == SM_OK);
    CHECK_CLOSE(r.accuracy, 0.0, 0);
    CHECK_CLOSE(r.top_k[1], 0.0, 0);    /* the label class ranks last */
    CHECK_CLOSE(r.top1_agreement, 0.0, 0);
    CHECK_CLOSE(r.ndcg[0], 0.1 / 0.6, 1e-15);
    CHECK_CLOSE(r.overlap[1], 0.5, 0);  /* {2,1}: the target's top 2 is {0,1} */
    int64_t pairs = 0, ordered = 0;
    for (int a = 0; a < CLASS_MAX_BANDS; a++)
        for (int b = 0; b < CLASS_MAX_BANDS; b++)
            pairs += r.band_pairs[a][b], ordered += r.band_ordered[a][b];
    CHECK(pairs == 3 && ordered == 0);
    class_report_free(&r);
}

/* Equal target probabilities give no pair; bands beyond K are dropped. */
static void test_target_ties_and_bands(void)
{
    const double s[] = {2, 1}, q[] = {0.5, 0.5};
    sm_class_config c = config();
    sm_class_report r;
    CHECK(class_report_compute(&c, s, 1, 2, NULL, q, NULL, &r, NULL) == SM_OK);
    CHECK(r.n_bands == 2);
    CHECK(r.band_pairs[0][1] == 0 && r.band_pairs[0][0] == 0);
    CHECK_CLOSE(r.ndcg[0], 1.0, 0);
    class_report_free(&r);
}

/* Top-k accuracy and overlap against their definitions on random integer
 * scores (many ties) for K = 7. */
static void test_random_against_definitions(void)
{
    enum { N = 300, K = 7 };
    double s[N * K], q[N * K];
    int32_t y[N];
    srand(12345);
    for (int i = 0; i < N; i++) {
        double sum = 0.0;
        for (int k = 0; k < K; k++) {
            s[i * K + k] = rand() % 4;
            q[i * K + k] = 1.0 + rand() % 1000;
            sum += q[i * K + k];
        }
        for (int k = 0; k < K; k++)
            q[i * K + k] /= sum;
        y[i] = rand() % K;
    }
    sm_class_config c = config();
    sm_class_report r;
    CHECK(class_report_compute(&c, s, N, K, y, q, NULL, &r, NULL) == SM_OK);
    for (int j = 0; j < c.n_cutoffs; j++) {
        int k = c.cutoff[j], hits = 0;
        double overlap = 0.0;
        for (int i = 0; i < N; i++) {
            const double *si = s + i * K, *qi = q + i * K;
            int above = 0; /* classes at or above the label class's score */
            for (int m = 0; m < K; m++)
                above += m != y[i] && si[m] >= si[y[i]];
            hits += above < k;
            /* class m is in the score's top k when fewer than k classes come
             * before it (higher score, or equal score and lower q, or equal
             * both and higher index); in the target's when fewer than k
             * have a higher q (or equal q and a lower index) */
            int common = 0;
            for (int m = 0; m < K; m++) {
                int before_s = 0, before_t = 0;
                for (int o = 0; o < K; o++) {
                    before_s += si[o] > si[m] || (si[o] == si[m] && (qi[o] < qi[m] ||
                                                  (qi[o] == qi[m] && o > m)));
                    before_t += qi[o] > qi[m] || (qi[o] == qi[m] && o < m);
                }
                common += before_s < k && before_t < k;
            }
            overlap += (double)common / k;
        }
        CHECK_CLOSE(r.top_k[j], (double)hits / N, 1e-15);
        CHECK_CLOSE(r.overlap[j], overlap / N, 1e-12);
    }
    class_report_free(&r);
}

static void test_bands_parse(void)
{
    sm_class_config c = config();
    sm_error err;
    CHECK(class_bands_parse("2,5,9", &c, &err) == SM_OK);
    CHECK(c.n_bands == 4 && c.band_end[0] == 2 && c.band_end[2] == 9);
    CHECK(class_bands_parse("3,1", &c, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "--bands");
    CHECK(class_bands_parse("0", &c, &err) == SM_EUSAGE);
    CHECK(class_bands_parse("1,", &c, &err) == SM_EUSAGE);
    CHECK(class_bands_parse("x", &c, &err) == SM_EUSAGE);
    CHECK(class_bands_parse("", &c, &err) == SM_EUSAGE);
    CHECK(class_bands_parse("1,2,3,4,5,6,7,8", &c, &err) == SM_EUSAGE);
}

static void test_bad_label(void)
{
    const double s[] = {1, 2};
    const int32_t y[] = {2};
    sm_class_config c = config();
    sm_class_report r;
    sm_error err;
    CHECK(class_report_compute(&c, s, 1, 2, y, NULL, NULL, &r, &err) == SM_EUSAGE);
    CHECK(r.confusion == NULL);
}

static const test_case cases[] = {
    TEST(test_labels_by_hand),
    TEST(test_labels_not_in_model),      TEST(test_target_by_hand),
    TEST(test_probability_figures_by_hand),
    TEST(test_constant_scores_look_bad), TEST(test_target_ties_and_bands),
    TEST(test_random_against_definitions), TEST(test_bands_parse),
    TEST(test_bad_label),
};

TEST_MAIN(cases)
