/* test_rank_metrics.c - NDCG, ERR, MAP, MRR and region-pair accuracy against
 * small cases computed by hand: ties, all-equal labels, single-row queries,
 * queries without relevant rows, cutoffs beyond the list, linear gains. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rank_metrics.h"
#include "test.h"

static sm_rank_config config_k(int k1, int k2)
{
    sm_rank_config c;
    rank_config_default(&c);
    c.n_cutoffs = 2;
    c.cutoff[0] = k1;
    c.cutoff[1] = k2;
    return c;
}

static sm_regions one_region(void)
{
    sm_regions r = {.n = 1};
    return r;
}

/* y = (2, 0, 1), s = (0.5, 0.9, 0.1): by score the labels come 0, 2, 1. */
static void test_one_query_by_hand(void)
{
    const double y[] = {2, 0, 1}, s[] = {0.5, 0.9, 0.1};
    const int64_t gp[] = {0, 3};
    sm_rank_config c = config_k(1, 3);
    sm_regions r = one_region();
    sm_rank_report rep;
    sm_query_metrics q;
    CHECK(rank_report_compute(&c, &r, gp, 1, y, NULL, s, &rep, &q, NULL) == SM_OK);
    double l3 = log2(3.0);
    CHECK_CLOSE(q.ndcg[0], 0.0, 1e-15);
    CHECK_CLOSE(q.ndcg[1], (3 / l3 + 1.0 / 2) / (3 + 1 / l3), 1e-14);
    /* ERR with y_max = 2: R = (2^y - 1) / 4 = 0, 3/4, 1/4. */
    CHECK_CLOSE(q.err[0], 0.0, 1e-15);
    CHECK_CLOSE(q.err[1], 3.0 / 8 + 1.0 / 48, 1e-15);
    CHECK_CLOSE(q.ap, (1.0 / 2 + 2.0 / 3) / 2, 1e-15);
    CHECK_CLOSE(q.rr, 0.5, 1e-15);
    CHECK_CLOSE(rep.mean.ndcg[1], q.ndcg[1], 1e-15);
    CHECK(rep.queries == 1 && rep.rows == 3 && rep.gain_queries == 1 && rep.relevant_queries == 1);
    CHECK(rep.max_label == 2);

    /* Linear gains 2, 0, 1; ERR's R = y / 3. */
    c.gain = GAIN_LINEAR;
    CHECK(rank_report_compute(&c, &r, gp, 1, y, NULL, s, &rep, &q, NULL) == SM_OK);
    CHECK_CLOSE(q.ndcg[1], (2 / l3 + 1.0 / 2) / (2 + 1 / l3), 1e-14);
    CHECK_CLOSE(q.err[1], (2.0 / 3) / 2 + (1.0 / 3) * (1.0 / 3) / 3, 1e-15);

    /* A threshold of 1: only the row labelled 2 is relevant, at rank 2. */
    c.threshold = 1;
    CHECK(rank_report_compute(&c, &r, gp, 1, y, NULL, s, &rep, &q, NULL) == SM_OK);
    CHECK_CLOSE(q.ap, 0.5, 1e-15);
    CHECK_CLOSE(q.rr, 0.5, 1e-15);

    /* A cutoff longer than the list is the whole list. */
    c = config_k(3, 50);
    CHECK(rank_report_compute(&c, &r, gp, 1, y, NULL, s, &rep, &q, NULL) == SM_OK);
    CHECK(q.ndcg[0] == q.ndcg[1] && q.err[0] == q.err[1]);
}

/* Equal scores: the worse order is assumed, so a constant model scores as
 * badly as the reversed ranking. */
static void test_ties_are_pessimistic(void)
{
    const double y[] = {1, 0, 3, 2}, constant[] = {0.3, 0.3, 0.3, 0.3}, reversed[] = {2, 3, 0, 1};
    const int64_t gp[] = {0, 4};
    sm_rank_config c = config_k(1, 4);
    sm_regions r;
    CHECK(regions_parse("1,2,3", &r, NULL) == SM_OK);
    sm_rank_report a, b;
    sm_query_metrics qa, qb;
    CHECK(rank_report_compute(&c, &r, gp, 1, y, NULL, constant, &a, &qa, NULL) == SM_OK);
    CHECK(rank_report_compute(&c, &r, gp, 1, y, NULL, reversed, &b, &qb, NULL) == SM_OK);
    CHECK(memcmp(&qa, &qb, sizeof qa) == 0);
    CHECK_CLOSE(qa.ndcg[0], 0.0, 1e-15);
    CHECK_CLOSE(qa.rr, 1.0 / 2, 1e-15);
    CHECK(a.all_pairs == 6 && a.all_ordered == 0 && b.all_ordered == 0);
    /* Partial ties: y = (1, 0), s equal: the non-relevant row comes first. */
    const double y2[] = {1, 0}, s2[] = {5, 5};
    const int64_t gp2[] = {0, 2};
    CHECK(rank_report_compute(&c, &r, gp2, 1, y2, NULL, s2, &a, &qa, NULL) == SM_OK);
    CHECK_CLOSE(qa.ndcg[0], 0.0, 1e-15);
    CHECK_CLOSE(qa.ap, 0.5, 1e-15);
    CHECK(a.pairs[1][0] == 1 && a.ordered[1][0] == 0);
}

/* Region pairs: regions (-inf,1), [1,2), [2,inf). */
static void test_region_pairs_by_hand(void)
{
    const double y[] = {2, 0, 1, 2, /* second query */ 0, 2};
    const double s[] = {1, 2, 0.5, 1, /* */ -1, 4};
    const int64_t gp[] = {0, 4, 6};
    sm_rank_config c = config_k(1, 3);
    sm_regions r;
    CHECK(regions_parse("1,2", &r, NULL) == SM_OK);
    sm_rank_report rep;
    CHECK(rank_report_compute(&c, &r, gp, 2, y, NULL, s, &rep, NULL, NULL) == SM_OK);
    /* (2,0): query 1 has rows 0,3 vs 1, both wrong; query 2 one right pair. */
    CHECK(rep.pairs[2][0] == 3 && rep.ordered[2][0] == 1);
    CHECK(rep.pairs[2][1] == 2 && rep.ordered[2][1] == 2);
    CHECK(rep.pairs[1][0] == 1 && rep.ordered[1][0] == 0);
    CHECK(rep.pairs[0][1] == 0 && rep.pairs[1][1] == 0);
    CHECK(rep.all_pairs == 6 && rep.all_ordered == 3);
}

/* All-equal labels: every order is ideal. Single rows: trivially ranked. */
static void test_equal_labels_and_single_rows(void)
{
    const double y[] = {1, 1, 1, /* single */ 3}, s[] = {0.2, -1, 4, 0};
    const int64_t gp[] = {0, 3, 4};
    sm_rank_config c = config_k(1, 10);
    sm_regions r = one_region();
    sm_rank_report rep;
    sm_query_metrics q[2];
    CHECK(rank_report_compute(&c, &r, gp, 2, y, NULL, s, &rep, q, NULL) == SM_OK);
    CHECK_CLOSE(q[0].ndcg[0], 1.0, 1e-15);
    CHECK_CLOSE(q[0].ndcg[1], 1.0, 1e-15);
    CHECK_CLOSE(q[0].ap, 1.0, 1e-15);
    CHECK_CLOSE(q[0].rr, 1.0, 1e-15);
    CHECK_CLOSE(q[1].ndcg[1], 1.0, 1e-15);
    /* ERR with y_max = 3: a single row of grade 3 has R = 7/8. */
    CHECK_CLOSE(q[1].err[1], 7.0 / 8, 1e-15);
    /* Three rows of grade 1: R = 1/8 each. */
    CHECK_CLOSE(q[0].err[1], 1.0 / 8 + (7.0 / 8) * (1.0 / 8) / 2 + (49.0 / 64) * (1.0 / 8) / 3,
                1e-15);
    CHECK(rep.all_pairs == 0);
}

/* A query without relevant rows counts as 1 (ERR 0) or is skipped. */
static void test_queries_without_relevant_rows(void)
{
    const double y[] = {2, 0, 1, /* none relevant */ 0, 0, -1};
    const double s[] = {0.5, 0.9, 0.1, /* */ 1, 2, 3};
    const int64_t gp[] = {0, 3, 6};
    sm_rank_config c = config_k(1, 3);
    sm_regions r = one_region();
    sm_rank_report one, skip, alone;
    sm_query_metrics q[2];
    CHECK(rank_report_compute(&c, &r, gp, 1, y, NULL, s, &alone, NULL, NULL) == SM_OK);
    CHECK(rank_report_compute(&c, &r, gp, 2, y, NULL, s, &one, q, NULL) == SM_OK);
    CHECK(q[1].ndcg[0] == 1.0 && q[1].ndcg[1] == 1.0 && q[1].ap == 1.0 && q[1].rr == 1.0);
    CHECK(q[1].err[0] == 0.0 && q[1].err[1] == 0.0);
    CHECK_CLOSE(one.mean.ndcg[1], (alone.mean.ndcg[1] + 1) / 2, 1e-15);
    CHECK_CLOSE(one.mean.ap, (alone.mean.ap + 1) / 2, 1e-15);
    CHECK_CLOSE(one.mean.err[1], alone.mean.err[1] / 2, 1e-15);
    CHECK(one.gain_queries == 2 && one.relevant_queries == 2);
    c.no_relevant = NO_RELEVANT_SKIP;
    CHECK(rank_report_compute(&c, &r, gp, 2, y, NULL, s, &skip, q, NULL) == SM_OK);
    CHECK(isnan(q[1].ndcg[1]) && isnan(q[1].err[1]) && isnan(q[1].ap) && isnan(q[1].rr));
    CHECK(skip.mean.ndcg[1] == alone.mean.ndcg[1] && skip.mean.ap == alone.mean.ap);
    CHECK(skip.mean.err[1] == alone.mean.err[1] && skip.mean.rr == alone.mean.rr);
    CHECK(skip.gain_queries == 1 && skip.relevant_queries == 1 && skip.queries == 2);
    /* Only unrelevant queries with skip: the means are undefined (NaN). */
    CHECK(rank_report_compute(&c, &r, gp + 1, 1, y, NULL, s, &skip, NULL, NULL) == SM_OK);
    CHECK(isnan(skip.mean.ndcg[0]) && skip.gain_queries == 0);
}

static void test_metric_by_name(void)
{
    sm_rank_metric m;
    sm_error err;
    char buf[32];
    CHECK(rank_metric_parse("ndcg@10", &m, &err) == SM_OK && m.kind == METRIC_NDCG && m.k == 10);
    rank_metric_format(&m, buf, sizeof buf);
    CHECK_STREQ(buf, "ndcg@10");
    CHECK(rank_metric_parse("err", &m, &err) == SM_OK && m.kind == METRIC_ERR && m.k == 0);
    CHECK(rank_metric_parse("objective", &m, &err) == SM_OK && !rank_metric_higher_is_better(&m));
    CHECK(rank_metric_parse("map@3", &m, &err) == SM_EUSAGE);
    CHECK_STREQ(err.msg, "'map@3': only ndcg and err take a cutoff @K");
    CHECK(rank_metric_parse("ndcg@0", &m, &err) == SM_EUSAGE);
    CHECK(rank_metric_parse("auc", &m, &err) == SM_EUSAGE);
    CHECK_STREQ(err.msg, "unknown metric 'auc'; expected ndcg@K, err@K, map, mrr, accuracy, "
                         "top1-agreement, rmse[:INTERVAL], mae[:INTERVAL] or objective");
    /* the errors of the scores, over a region of labels or every row */
    CHECK(rank_metric_parse("rmse:[35,inf)", &m, &err) == SM_OK && m.kind == METRIC_RMSE &&
          m.has_region && m.region.lower == 35 && m.region.lower_closed &&
          m.region.upper == INFINITY && !m.region.upper_closed);
    CHECK(!rank_metric_higher_is_better(&m) && rank_metric_is_error(&m) &&
          !rank_metric_is_ranking(&m));
    rank_metric_format(&m, buf, sizeof buf);
    CHECK_STREQ(buf, "rmse:[35,inf)");
    CHECK(rank_metric_parse("mae", &m, &err) == SM_OK && m.kind == METRIC_MAE && !m.has_region);
    CHECK(rank_metric_parse("mae:(-inf,2.5]", &m, &err) == SM_OK && m.region.upper_closed);
    rank_metric_format(&m, buf, sizeof buf);
    CHECK_STREQ(buf, "mae:(-inf,2.5]");
    CHECK(rank_metric_parse("rmse:[35,20)", &m, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "'rmse:[35,20)', column 7: the lower end must be below the upper end");
    CHECK(rank_metric_parse("rmse:[x,1)", &m, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "column 7: the lower end must be a number or -inf");
    CHECK(rank_metric_parse("map:[1,2)", &m, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "only rmse and mae take a region");
    CHECK(rank_metric_parse("ndcg@5", &m, &err) == SM_OK && rank_metric_is_ranking(&m) &&
          !m.has_region);

    const double y[] = {2, 0, 1}, s[] = {0.5, 0.9, 0.1};
    const int64_t gp[] = {0, 3};
    sm_rank_config c;
    rank_config_default(&c);
    double v;
    CHECK(rank_metric_parse("ndcg@3", &m, &err) == SM_OK);
    CHECK(rank_metric_value(&m, &c, gp, 1, y, NULL, s, &v, &err) == SM_OK);
    CHECK_CLOSE(v, (3 / log2(3.0) + 0.5) / (3 + 1 / log2(3.0)), 1e-14);
    CHECK(rank_metric_parse("mrr", &m, &err) == SM_OK);
    CHECK(rank_metric_value(&m, &c, gp, 1, y, NULL, s, &v, &err) == SM_OK && v == 0.5);
    CHECK(rank_metric_parse("map", &m, &err) == SM_OK);
    CHECK(rank_metric_value(&m, &c, gp, 1, y, NULL, s, &v, &err) == SM_OK);
    CHECK_CLOSE(v, 7.0 / 12, 1e-15);

    CHECK(rank_cutoffs_parse("1,3,20", &c, &err) == SM_OK && c.n_cutoffs == 3 && c.cutoff[2] == 20);
    CHECK(rank_cutoffs_parse("1,,3", &c, &err) == SM_EUSAGE);
    CHECK(rank_cutoffs_parse("5,x", &c, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "cutoff 'x'");
    CHECK(rank_cutoffs_parse("1,2,3,4,5,6,7,8,9", &c, &err) == SM_EUSAGE);
    /* a repeated cutoff is refused, and the config keeps its previous cutoffs */
    CHECK(rank_cutoffs_parse("3,3", &c, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "cutoff 3 is given twice (in '3,3')");
    CHECK(rank_cutoffs_parse("10,5,7,5", &c, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "cutoff 5 is given twice");
    CHECK(c.n_cutoffs == 3 && c.cutoff[2] == 20);
    CHECK(rank_gain_parse("linear") == GAIN_LINEAR && rank_gain_parse("exp") == -1);
    CHECK(rank_no_relevant_parse("skip") == NO_RELEVANT_SKIP);
}

/* ERR's y_max: the rows' largest label, or the one given (a share of a data
 * set measured as the whole). One query, labels 2 and 0, the 2 ranked
 * first: ERR@2 = R(2) = (2^2 - 1) / 2^y_max. */
static void test_err_max_label_given(void)
{
    const double y[] = {2, 0}, s[] = {0.9, 0.1};
    const int64_t gp[] = {0, 2};
    sm_rank_metric m = {.kind = METRIC_ERR, .k = 2};
    sm_rank_config c;
    rank_config_default(&c);
    double v, counted;
    CHECK(rank_metric_value_counted(&m, &c, gp, 1, y, NULL, s, &v, &counted, NULL) == SM_OK);
    CHECK_CLOSE(v, 3.0 / 4.0, 1e-15);
    CHECK(counted == 1.0);
    c.err_max_given = 1;
    c.err_max_label = 4;
    CHECK(rank_metric_value_counted(&m, &c, gp, 1, y, NULL, s, &v, &counted, NULL) == SM_OK);
    CHECK_CLOSE(v, 3.0 / 16.0, 1e-15);
    /* with weights, counted is the counted queries' weight */
    const double w[] = {2.5, 2.5};
    CHECK(rank_metric_value_counted(&m, &c, gp, 1, y, w, s, &v, &counted, NULL) == SM_OK);
    CHECK(counted == 2.5);
}

static const test_case cases[] = {
    TEST(test_one_query_by_hand), TEST(test_ties_are_pessimistic),
    TEST(test_region_pairs_by_hand), TEST(test_equal_labels_and_single_rows),
    TEST(test_queries_without_relevant_rows), TEST(test_metric_by_name),
    TEST(test_err_max_label_given),
};
TEST_MAIN(cases)
