/* reader.h - parse libsvm / SVMlight / LETOR text into an sm_dataset.
 *
 * Format, one row per line:  label [qid:N] index:value ... [# comment]
 *  - tokens separated by spaces or tabs; CRLF accepted; last line may lack '\n';
 *  - blank lines and lines holding only a comment are skipped;
 *  - the label may be missing (the line starts with a feature or with qid:,
 *    Vowpal Wabbit's convention for data to predict) when the options allow
 *    it: the row's label is then NaN, which no parsed label can be;
 *  - label and values: finite real numbers in C-locale syntax (strtod), parsed
 *    exactly (the value is the correctly rounded double, then rounded to float
 *    for feature values); NaN and Inf are errors;
 *  - indices: non-negative decimal integers up to SM_MAX_INDEX (0 allowed);
 *    a row's indices may come in any order and are sorted; a repeated index
 *    within a row is an error, or by sm_reader_options.duplicates its values
 *    are summed or the last one kept (the dataset counts the rows changed);
 *  - qid: optional non-negative integer; if one row has it every row must.
 *    Rows with the same qid must be contiguous: a qid that reappears after a
 *    different one is an error naming both lines. Groups are built from runs.
 *  - input compressed with gzip is recognised by its magic bytes (not the file
 *    name), from a file or from standard input.
 *
 * Errors are SM_EDATA with "NAME:LINE:COLUMN: what is wrong \"token\"" (column
 * counted in bytes from 1), or SM_EIO when the file cannot be opened or read.
 * The path "-" reads standard input and is displayed as "<stdin>".
 * Nothing is allocated in *out on failure.
 */
#ifndef SM_READER_H
#define SM_READER_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "error.h"
#include "sidecar.h" /* sidecar_read_groups, sidecar_read_scores */

/* What a feature index repeated within a row does (TensorFlow Ranking's
 * example files repeat them): an error at the repeat (the default), the
 * values summed (in double, rounded once to float; a sum beyond float's
 * range is an error), or the last one on the line kept. */
typedef enum {
    DUPLICATES_ERROR = 0,
    DUPLICATES_SUM,
    DUPLICATES_LAST,
    DUPLICATES_COUNT
} sm_duplicates;
/* Names indexed by sm_duplicates, NULL-terminated (names.h). */
extern const char *const reader_duplicates_names[DUPLICATES_COUNT + 1];

/* The long steps of reading data, for progress. */
typedef enum {
    READ_STEP_TEXT,  /* parsing the text */
    READ_STEP_HASH,  /* hashing a file, to check a cache against it or record it */
    READ_STEP_CHECK, /* checking a cache's arrays */
    READ_STEP_WRITE, /* writing a cache */
    READ_STEP_COUNT
} sm_read_step;

typedef struct {
    /* Called now and then during a long step (may be NULL), from the calling
     * thread: done of total bytes (total 0: unknown). READ_STEP_TEXT: of the
     * file as stored (compressed bytes for gzip; a share's own), every few
     * MB; the steps of a cache (cache.h): hashing a file, checking a cache's
     * arrays, writing a cache. The CLI draws it on a terminal. */
    void (*progress)(void *ctx, sm_read_step step, uint64_t done, uint64_t total);
    void *progress_ctx;
    /* Called (may be NULL) by cache_load, which writes a temporary file next
     * to the cache: with exists = 1 once the file is created, 0 once it is
     * renamed into place or removed, so that a caller can remove it should
     * the process be killed in between. */
    void (*temp_file)(void *ctx, const char *path, int exists);
    void *temp_file_ctx;
    /* A rule on labels (may be NULL), such as class labels that must be
     * integers: called in file order on every row's label, it returns 1 to
     * accept it, or 0 with a reason in why[0..size) (e.g. "class label must
     * be an integer"), which fails the read at that label's token as any bad
     * token does: SM_EDATA "NAME:LINE:COLUMN: reason \"token\"". A data set
     * reused from a cache (cache.h) is checked too, and its source is parsed
     * again to locate a label that fails. */
    int (*check_label)(void *ctx, double label, char *why, size_t size);
    void *check_label_ctx;
    /* 1: a row may lack its label (label NaN; check_label is not called for
     * it). 0: such a row fails at its first token, and the message says that
     * `command` (when not NULL, e.g. "eval") needs a label on every row. A
     * data set reused from a cache is checked the same way. */
    int allow_unlabeled;
    const char *command;
    /* A feature index repeated within a row (the cache records it, cache.h). */
    sm_duplicates duplicates;
} sm_reader_options;

/* How the text is cut into blocks parsed in parallel. Any setting gives the
 * same dataset and the same error (that of the first bad line of the file). */
typedef struct {
    int threads;        /* parsing threads; 0 = one per online core */
    size_t block_bytes; /* text per block; 0 = the default (512 KiB). Tests make
                         * it tiny to put block boundaries everywhere. */
    /* The memory budget in bytes (membudget.h); 0: half the physical memory.
     * A cache (cache.h) within it is read in at once; a larger one is
     * mapped for reading in order, page by page as it is used. */
    uint64_t memory;
} sm_reader_parallel;

/* With the default parallelism (used by tests, fuzzers and other callers;
 * the command line and the cache read through reader_read_file_parallel). */
/* For library callers and tests. */
sm_status reader_read_file(const char *path, const sm_reader_options *opt,
                           sm_dataset *out, sm_error *err);
/* With explicit parallelism (par NULL: the defaults). */
sm_status reader_read_file_parallel(const char *path, const sm_reader_options *opt,
                                    const sm_reader_parallel *par, sm_dataset *out,
                                    sm_error *err);

/* Share `part` of `parts` of a plain (not gzip) file, for the ranks of a
 * distributed run (dist.h), each reading only its own: the file is cut into
 * `parts` byte ranges of about equal size, each moved forward to the start
 * of a line, and with by_query further on to the first line whose qid
 * differs from the line before, so that a query never spans two shares.
 * Every share is parsed as the file's rows would be, and messages name the
 * line of the whole file. Gzip input cannot be cut: SM_EUSAGE. */
sm_status reader_read_share(const char *path, const sm_reader_options *opt,
                            const sm_reader_parallel *par, int part, int parts, int by_query,
                            sm_dataset *out, sm_error *err);

/* The same for data whose queries come from a group file, not from qid:
 * (its rows carry none): group_start holds the first row of each of the
 * n_groups queries, increasing, and a share begins at the first of them that
 * starts at or after the share's byte cut (moved to a line), so a query never
 * spans two shares; *first_row is the share's first row in the file (for
 * its slice of the group sizes, weights and targets). */
sm_status reader_read_share_groups(const char *path, const sm_reader_options *opt,
                                   const sm_reader_parallel *par, int part, int parts,
                                   const int64_t *group_start, int64_t n_groups,
                                   int64_t *first_row, sm_dataset *out, sm_error *err);

/* Parse a buffer already in memory (used by tests and fuzzers); name is the
 * display name used in messages. */
/* For tests only. */
sm_status reader_read_buffer(const char *buf, size_t len, const char *name,
                             const sm_reader_options *opt, sm_dataset *out, sm_error *err);
/* For tests only. */
sm_status reader_read_buffer_parallel(const char *buf, size_t len, const char *name,
                                      const sm_reader_options *opt, const sm_reader_parallel *par,
                                      sm_dataset *out, sm_error *err);

#endif
