/* test_dist.c - what the ranks of a distributed run rely on without MPI:
 * the shares of a file (reader_read_share), %r in paths, and the lone
 * process's group. The runs under mpirun are tests/mpi/run.sh's. */
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "reader.h"
#include "test.h"

/* A file of `queries` queries of 1 to 4 rows each, some blank and comment
 * lines among them. */
static const char *write_ranking_file(int queries)
{
    test_strbuf t = {0};
    for (int q = 0; q < queries; q++) {
        for (int r = 0; r <= (q * 7) % 4; r++)
            test_strbuf_add(&t, "%d qid:%d %d:%d.5 %d:1\n", (q + r) % 3, 100 + q, 1 + r, q,
                            5 + q % 9);
        if (q % 5 == 0)
            test_strbuf_add(&t, "\n# a comment\n");
    }
    const char *path = test_tmp_path("share.txt");
    test_write_file(path, t.s, t.len);
    free(t.s);
    return path;
}

/* The shares, one after another, are the whole file's rows; by query no
 * query is cut. */
static void test_shares_make_the_file(void)
{
    const char *path = write_ranking_file(60);
    sm_error err;
    sm_dataset whole;
    CHECK(reader_read_file(path, NULL, &whole, &err) == SM_OK);
    for (int by_query = 0; by_query <= 1; by_query++)
        for (int parts = 1; parts <= 7; parts++) {
            int64_t rows = 0, groups = 0, nnz = 0;
            for (int part = 0; part < parts; part++) {
                sm_dataset s;
                CHECK(reader_read_share(path, NULL, NULL, part, parts, by_query, &s, &err) ==
                      SM_OK);
                for (int64_t r = 0; r < s.n_rows; r++) {
                    CHECK(s.label[r] == whole.label[rows + r]);
                    CHECK(s.row_ptr[r + 1] - s.row_ptr[r] ==
                          whole.row_ptr[rows + r + 1] - whole.row_ptr[rows + r]);
                }
                if (by_query) /* a share's queries are whole queries of the file */
                    for (int64_t g = 0; g < s.n_groups; g++) {
                        CHECK(s.qid[g] == whole.qid[groups + g]);
                        CHECK(s.group_ptr[g + 1] - s.group_ptr[g] ==
                              whole.group_ptr[groups + g + 1] - whole.group_ptr[groups + g]);
                    }
                rows += s.n_rows;
                groups += s.n_groups;
                nnz += s.nnz;
                dataset_free(&s);
            }
            CHECK(rows == whole.n_rows);
            CHECK(nnz == whole.nnz);
            if (by_query)
                CHECK(groups == whole.n_groups);
        }
    dataset_free(&whole);
}

/* The same queries as a group file (LightGBM's layout: rows without qid:):
 * the shares, one after another, are the file's rows; each starts at the
 * first row of a query (*first_row, the rows before it), the first at or
 * after its byte cut; none is empty here. */
static void test_shares_cut_at_group_file_queries(void)
{
    const char *with_qid = write_ranking_file(60);
    sm_error err;
    sm_dataset whole;
    if (!CHECK(reader_read_file(with_qid, NULL, &whole, &err) == SM_OK))
        return;
    /* the file without its qid: tokens, and the first row of each query */
    test_strbuf t = {0};
    for (int q = 0; q < 60; q++) {
        for (int r = 0; r <= (q * 7) % 4; r++)
            test_strbuf_add(&t, "%d %d:%d.5 %d:1\n", (q + r) % 3, 1 + r, q, 5 + q % 9);
        if (q % 5 == 0)
            test_strbuf_add(&t, "\n# a comment\n");
    }
    const char *path = test_tmp_path("groups.txt");
    test_write_file(path, t.s, t.len);
    free(t.s);
    for (int parts = 2; parts <= 7; parts++) {
        int64_t rows = 0, nnz = 0;
        for (int part = 0; part < parts; part++) {
            sm_dataset s;
            int64_t first = -1, g = 0;
            CHECK(reader_read_share_groups(path, NULL, NULL, part, parts, whole.group_ptr,
                                           whole.n_groups, &first, &s, &err) == SM_OK);
            while (g < whole.n_groups && whole.group_ptr[g] < first)
                g++;
            CHECK(first == rows && whole.group_ptr[g] == first && s.n_rows > 0 && !s.qid);
            for (int64_t r = 0; r < s.n_rows && rows + r < whole.n_rows; r++)
                CHECK(s.label[r] == whole.label[rows + r] &&
                      s.row_ptr[r + 1] - s.row_ptr[r] ==
                          whole.row_ptr[rows + r + 1] - whole.row_ptr[rows + r]);
            rows += s.n_rows;
            nnz += s.nnz;
            dataset_free(&s);
        }
        CHECK(rows == whole.n_rows && nnz == whole.nnz);
    }
    dataset_free(&whole);
}

/* A bad line is reported by the share that holds it, with its line in the
 * whole file. */
static void test_share_errors_name_the_file_line(void)
{
    test_strbuf t = {0};
    for (int i = 1; i <= 40; i++)
        test_strbuf_add(&t, i == 33 ? "1 2:x\n" : "%d 1:%d\n", i, i);
    const char *path = test_tmp_path("bad.txt");
    test_write_file(path, t.s, t.len);
    free(t.s);
    sm_error err;
    sm_dataset s;
    int failed = 0;
    for (int part = 0; part < 2; part++) {
        sm_status st = reader_read_share(path, NULL, NULL, part, 2, 0, &s, &err);
        if (st == SM_OK) {
            dataset_free(&s);
            continue;
        }
        failed++;
        CHECK(part == 1);
        CHECK(st == SM_EDATA);
        CHECK_CONTAINS(err.msg, "bad.txt:33:3:");
    }
    CHECK(failed == 1);
}

static void test_gzip_is_not_split(void)
{
    static const unsigned char gz[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    const char *path = test_tmp_path("d.gz");
    test_write_file(path, gz, sizeof gz);
    sm_error err;
    sm_dataset s;
    CHECK(reader_read_share(path, NULL, NULL, 0, 2, 0, &s, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "%r");
}

static void test_rank_in_paths(void)
{
    sm_dist one;
    sm_error err;
    CHECK(dist_open(&one, NULL, NULL, &err) == SM_OK);
    char buf[32];
    CHECK(dist_expand_path(&one, "part-%r.txt", buf, sizeof buf) == 1);
    CHECK_STREQ(buf, "part-0.txt");
    CHECK(dist_expand_path(NULL, "data.txt", buf, sizeof buf) == 0);
    CHECK_STREQ(buf, "data.txt");
    CHECK(dist_expand_path(&one, "%r/%r%%", buf, sizeof buf) == 1);
    CHECK_STREQ(buf, "0/0%%");
    CHECK(dist_expand_path(&one, "a-very-long-name-%r.txt", buf, 8) == -1);
    dist_close(&one);
}

/* One process: the collectives leave the values as they are. */
static void test_lone_process(void)
{
    sm_dist one;
    sm_error err;
    CHECK(dist_open(&one, NULL, NULL, &err) == SM_OK);
    CHECK(dist_rank(&one) == 0 && dist_size(&one) == 1 && !dist_many(&one));
    double x[3] = {1.5, -2, 3};
    CHECK(dist_sum(&one, x, 3, &err) == SM_OK && x[0] == 1.5 && x[1] == -2 && x[2] == 3);
    CHECK(dist_max(&one, x, 3, &err) == SM_OK && x[0] == 1.5 && x[1] == -2 && x[2] == 3);
    double *all;
    int64_t n;
    CHECK(dist_allgather_f64(&one, x, 3, &all, &n, &err) == SM_OK && n == 3 && all[2] == 3);
    free(all);
    CHECK(dist_agree(&one, SM_EDATA, &err) == SM_EDATA);
    int first = 7;
    CHECK(dist_agree_first(&one, SM_EDATA, &first, &err) == SM_EDATA && first == 0);
    CHECK(dist_agree_first(&one, SM_OK, &first, &err) == SM_OK && first == -1);
    dist_close(&one);
}

static const test_case cases[] = {
    TEST(test_shares_make_the_file),
    TEST(test_shares_cut_at_group_file_queries),
    TEST(test_share_errors_name_the_file_line),
    TEST(test_gzip_is_not_split),
    TEST(test_rank_in_paths),
    TEST(test_lone_process),
};

TEST_MAIN(cases)
