/* cache.h - a binary cache of a parsed data file (--cache FILE).
 *
 * The cache file is the dataset's in-memory layout written to disk: a header
 * (magic, format version, byte order, the source's size, mtime and content
 * hash, the counts) followed by the arrays row_ptr, col, val, label,
 * group_ptr and qid, each 64-byte aligned. Loading maps it with mmap
 * (private, copy-on-write) and points the dataset's arrays into the mapping,
 * so loading costs no parsing and little copying, and data larger than
 * memory still trains: the kernel pages the arrays in and out as they are
 * used.
 *
 * Never stale: the cache is used only when the source's size and mtime
 * equal those recorded AND a hash of the source's bytes (the file as stored,
 * gzip or not) equals the recorded one; otherwise (also when the cache is
 * missing, truncated, corrupt, or from another format version or byte order)
 * the source is parsed and the cache rewritten: to a temporary file in the
 * cache's directory, flushed to disk, then renamed over the old one, so a
 * reader never sees a half-written cache.
 */
#ifndef SM_CACHE_H
#define SM_CACHE_H

#include "dataset.h"
#include "error.h"
#include "reader.h"

typedef enum {
    CACHE_REUSED,     /* the cache matched the source and was mapped */
    CACHE_WRITTEN,    /* the source was parsed and the cache (re)written */
    CACHE_NOT_WRITTEN /* the source was parsed but the cache could not be written */
} cache_outcome;

typedef struct {
    cache_outcome outcome;
    char why[SM_ERROR_MSG_MAX]; /* why it was rebuilt, or why it could not be written */
} cache_report;

/* Load the data file source through the cache file cache_path (see above).
 * opt and par are passed to the reader when the source is parsed. A cache
 * that cannot be written is not an error (report->outcome says so); errors
 * are those of the reader, SM_EUSAGE when source is "-" (standard input has
 * no identity to check a cache against), and SM_EIO for an unreadable
 * source. report may be NULL. */
sm_status cache_load(const char *source, const char *cache_path, const sm_reader_options *opt,
                     const sm_reader_parallel *par, sm_dataset *out, cache_report *report,
                     sm_error *err);

/* The content hash recorded in a cache: 64 bits over the bytes of the file
 * at path, the same for any number of threads (0: one per core); exposed for
 * tests. SM_EIO when it cannot be read. */
sm_status cache_hash_file(const char *path, int threads, uint64_t *hash, sm_error *err);

#endif
