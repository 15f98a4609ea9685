/* test_cli_msg.c - the progress line's words and numbers (cli_msg.h), which a
 * terminal alone shows: fraction, rate and time left, worked by hand
 * (tests/cli_progress.sh draws them on a terminal). */
#include <math.h>
#include <string.h>

#include "cli_msg.h"
#include "test.h"

static const char *line(const char *what, double done, double total, const char *unit,
                        double seconds)
{
    static char buf[256];
    cli_progress_format(buf, sizeof buf, what, done, total, unit, seconds);
    return buf;
}

/* The example: 1.4 of 2.0 GB read in 1.4e9 / 480e6 s; the other
 * 0.6 GB at 480 MB/s take 1.25 s. */
static void test_bytes_with_a_total(void)
{
    CHECK_STREQ(line("reading big.letor", 1.4e9, 2.0e9, "B", 1.4e9 / 480e6),
                "reading big.letor: 1.4 of 2.0 GB (70%), 480 MB/s, 1 s left");
    /* the unit follows the total; a slow rate its own: 2.5 kB/s */
    CHECK_STREQ(line("reading a", 5e3, 2e6, "B", 2.0),
                "reading a: 0.0 of 2.0 MB (0%), 2.5 kB/s, 13 min 18 s left");
    CHECK_STREQ(line("reading a", 5e3, 2e10, "B", 2.0),
                "reading a: 0.0 of 20.0 GB (0%), 2.5 kB/s, 2222 h 13 min left");
}

/* Without a total (gzip, a pipe): what was read and the rate. */
static void test_bytes_without_a_total(void)
{
    CHECK_STREQ(line("reading <stdin>", 5e5, 0, "B", 0.5),
                "reading <stdin>: 500.0 kB, 1.0 MB/s");
    CHECK_STREQ(line("reading x", 999, 0, "B", 1.0), "reading x: 999.0 B, 999 B/s");
}

/* Epochs: 3 of 20 in 6 s, 0.5 an epoch a second, 17 to go: 34 s. */
static void test_counts(void)
{
    CHECK_STREQ(line("training, epoch 4", 3, 20, "epochs", 6),
                "training, epoch 4: 3.0 of 20 epochs (15%), 0.5 epochs/s, 34 s left");
    CHECK_STREQ(line("training, epoch 1", 0.25, 2, "epochs", 100),
                "training, epoch 1: 0.2 of 2 epochs (12%), 0.0 epochs/s, 11 min 40 s left");
    /* no time yet, nothing done yet, or done: no rate or time left to speak of */
    CHECK_STREQ(line("t", 1, 2, "epochs", 0), "t: 1.0 of 2 epochs (50%)");
    CHECK_STREQ(line("t", 0, 2, "epochs", 3), "t: 0.0 of 2 epochs (0%)");
    CHECK_STREQ(line("t", 2, 2, "epochs", 4), "t: 2.0 of 2 epochs (100%), 0.5 epochs/s");
}

/* Rows (scoring, writing): in thousands, millions, billions from 10000 on,
 * the rate in its own. 1.5 of 4 million rows in 3 s: 500 thousand a
 * second, 2.5 million to go: 5 s. */
static void test_rows(void)
{
    CHECK_STREQ(line("scoring d", 1.5e6, 4e6, "rows", 3),
                "scoring d: 1.5 of 4.0 million rows (38%), 500 thousand rows/s, 5 s left");
    CHECK_STREQ(line("t", 500, 9000, "rows", 2),
                "t: 500.0 of 9000 rows (6%), 250 rows/s, 34 s left");
    CHECK_STREQ(line("t", 2500, 1e4, "rows", 0), "t: 2.5 of 10.0 thousand rows (25%)");
    CHECK_STREQ(line("t", 3e9, 0, "rows", 2), "t: 3.0 billion rows, 1.5 billion rows/s");
}

/* L-BFGS: the iteration under way, its pass, the iterate's figures and the
 * rate of the iterations done (11 in 5.5 s); before the first pass, none. */
static void test_lbfgs(void)
{
    char buf[256];
    cli_progress_lbfgs(buf, sizeof buf, 12, 1000, 13, 0.26016293, 0.00034309, 5.5);
    CHECK_STREQ(buf, "training by L-BFGS, iteration 12 of at most 1000 (pass 14): objective "
                     "0.2601629, largest |gradient| 0.00034, 2.0 iterations/s");
    cli_progress_lbfgs(buf, sizeof buf, 1, 1000, 0, NAN, NAN, 0.1);
    CHECK_STREQ(buf, "training by L-BFGS, iteration 1 of at most 1000 (pass 1)");
    cli_progress_lbfgs(buf, 12, 1, 1000, 0, NAN, NAN, 0.1);
    CHECK_STREQ(buf, "training by");
}

/* A buffer too short is cut, never overrun. */
static void test_short_buffer(void)
{
    char buf[12];
    memset(buf, 'x', sizeof buf);
    cli_progress_format(buf, 8, "reading big.letor", 1.4e9, 2.0e9, "B", 3);
    CHECK_STREQ(buf, "reading");
    CHECK(buf[8] == 'x');
}

static const test_case cases[] = {
    TEST(test_bytes_with_a_total),
    TEST(test_bytes_without_a_total),
    TEST(test_counts),
    TEST(test_rows),
    TEST(test_lbfgs),
    TEST(test_short_buffer),
};

TEST_MAIN(cases)
