/* libsvm.h - the libsvm / SVMlight / LETOR line format (see reader.h), parsed
 * in blocks of whole lines that are merged into a dataset in file order.
 *
 * A block is parsed on its own, so blocks can be parsed in parallel: its
 * rows get local line numbers, and only the builder, which merges blocks in
 * file order, applies the file-wide rules (whether every line has a qid,
 * and that the rows of a qid are contiguous) and knows the real line
 * numbers. The data, and the message of a bad file (its first bad line), are
 * the same however the text is cut into blocks.
 */
#ifndef SM_LIBSVM_H
#define SM_LIBSVM_H

#include "dataset.h"
#include "error.h"
#include "reader.h"
#include "textsrc.h"

typedef struct libsvm_block libsvm_block;

/* An empty block; name is the display name used in messages, duplicates
 * what a feature index repeated within a row does (reader.h). NULL when out
 * of memory. */
libsvm_block *libsvm_block_new(const char *name, sm_duplicates duplicates);
void libsvm_block_free(libsvm_block *b);
/* Read the next block of whole lines into b; *more = 0 at the end of the
 * input (b is then empty). */
sm_status libsvm_block_read(libsvm_block *b, textsrc_blocks *r, int *more, sm_error *err);
/* Parse every line of b into rows, stopping at its first bad line (whose
 * message the merge makes). Touches only b, so blocks parse in parallel. */
void libsvm_block_parse(libsvm_block *b);

typedef struct libsvm_builder libsvm_builder;

/* NULL when out of memory. duplicates: as the blocks'; check_label (NULL:
 * none) is the caller's rule on labels (sm_reader_options.check_label),
 * applied in file order. The dataset counts the rows whose repeated indices
 * the blocks merged (duplicate_rows). */
libsvm_builder *libsvm_builder_new(const char *name, sm_duplicates duplicates,
                                   int (*check_label)(void *ctx, double label, char *why,
                                                      size_t size),
                                   void *check_label_ctx);
/* Rows without a label (sm_reader_options.allow_unlabeled, .command): the
 * default refuses them, naming no command. */
void libsvm_builder_unlabeled(libsvm_builder *g, int allow, const char *command);
void libsvm_builder_free(libsvm_builder *g);
/* The text merged next starts after `lines` lines of its file (a share of
 * a file split among ranks): messages give the whole file's line numbers. */
void libsvm_builder_skip_lines(libsvm_builder *g, int64_t lines);
/* Append the rows of the next parsed block. A bad line (in the block or
 * against the file-wide rules) fails with the message a reader going line
 * by line gives. */
sm_status libsvm_builder_merge(libsvm_builder *g, const libsvm_block *b, sm_error *err);
/* Move the dataset out (trimmed, groups closed, dim set) and free g. */
void libsvm_builder_finish(libsvm_builder *g, sm_dataset *out);

#endif
