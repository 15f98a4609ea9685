/* cache.h - a binary cache of a parsed data file (--cache FILE), with the
 * data's row weights.
 *
 * The cache file is the dataset's in-memory layout written to disk: a header
 * (magic, format version, byte order, the source's size, mtime and content
 * hash, the same of the weights file when there is one, the counts) followed
 * by the arrays row_ptr, col, val, label, group_ptr, qid, weight and col_ptr,
 * each 64-byte aligned (weight is empty without weights, col_ptr with
 * sparse rows: dataset.h; compact rows keep their layout in the cache, 4
 * bytes a value). Loading maps it with
 * mmap (read-only) and points the dataset's big arrays into the mapping,
 * so loading costs no parsing and little copying, and data larger than
 * memory still trains: the passes page the arrays in, in order, and the
 * SGD epochs read them with pread through the file, which the dataset
 * keeps open (dataset.h: mapping_fd; stream.h).
 *
 * Never stale: the cache is used only when the source's size and mtime
 * equal those recorded AND the CRC-32C of the source's bytes (the file as
 * stored, gzip or not; checked once, when the cache is loaded) equals the
 * recorded one; otherwise (also when the cache is
 * missing, truncated, damaged, or from another format version or byte order)
 * the source is parsed and the cache rewritten: to a temporary file in the
 * cache's directory, flushed to disk, then renamed over the old one, so a
 * reader never sees a half-written cache. The weights are checked the same
 * way against the weights file asked for: when it is not the one recorded
 * (size, mtime, then hash), or the cache has none, the file is read and the
 * cache rewritten from the data in memory (the source is not parsed again).
 * Weights are never taken from a cache unless a weights file is asked for.
 *
 * The cache records how the reader treated a feature index repeated within
 * a row (sm_reader_options.duplicates) and how many rows that changed: a
 * cache whose rows were changed so is used only under the same rule (under
 * another, the source is parsed again); one without such rows is the
 * source's data under any rule.
 *
 * Never trusted: nothing read from a cache is used before it is checked. The
 * header has a checksum and must describe exactly the layout its counts give
 * for the file's size; the arrays have a checksum of their own, summed in
 * the one pass (on the threads) that checks that they hold what the reader
 * promises (reader.h, sidecar.h, dataset.h): row offsets from
 * 0 up to nnz, column indices strictly increasing within a row and below
 * dim (= the largest + 1; compact rows: index offsets from 0 up to the
 * indices stored, as many a row as its values or one, a run's first, whose
 * run stays within the largest index allowed), finite values and labels (or NaN: a row without
 * one, reader.h), groups of at least one
 * row covering the rows, non-negative qids, one finite weight >= 0 a row,
 * not all 0. A cache failing any check is treated as stale (report->why says
 * which check), never as an error.
 *
 * Never clobbering: a cache is written only where no file is, or an empty
 * one, or a smloss cache (by its magic); any other file (data, a model) is
 * refused with SM_EUSAGE before the source is parsed.
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

/* Load the data file source, and the row weights in the file weights (NULL:
 * none; out->weight stays NULL), through the cache file cache_path (see
 * above). opt and par are passed to the reader when the source is parsed.
 * A cache that cannot be written is not an error (report->outcome says so);
 * errors are those of the reader and of sidecar_read_weights (no cache is
 * written then), SM_EUSAGE when source or weights is "-" (standard input
 * has no identity to check a cache against; weights must be a regular file)
 * or when cache_path is the source itself or a file that is not a cache, and
 * SM_EIO for an unreadable source, weights or cache_path. report may be
 * NULL. */
sm_status cache_load(const char *source, const char *weights, const char *cache_path,
                     const sm_reader_options *opt, const sm_reader_parallel *par,
                     sm_dataset *out, cache_report *report, sm_error *err);

/* The content hash recorded in a cache: the CRC-32C (crc32c.h) of the bytes
 * of the file at path, summed by segments on `threads` threads (0: one per
 * core) and combined, so the same for any number; exposed for tests. SM_EIO
 * when it cannot be read. */
/* For tests only. */
sm_status cache_hash_file(const char *path, int threads, uint64_t *hash, sm_error *err);

/* ---- test hooks: for tests/test_cache.c and tests/fuzz/ (fuzz_cache.c, the
 * regression inputs' table cache_regress.c) only ----
 *
 * The file format (cache.c's, shown for the hooks' users): this header at
 * offset 0, then the arrays row_ptr, col,
 * val, label, group_ptr, qid, weight, col_ptr at offset[], each bytes[] long, each
 * aligned to CACHE_ALIGN, in that order; the header is in the machine's byte
 * order. The weights file's fields are 0 when has_weights is. */
enum { CACHE_ARRAYS = 8, CACHE_ALIGN = 64 };
typedef struct {
    char magic[8]; /* "SMLCACHE" */
    uint32_t version, byte_order;
    uint64_t source_size;
    int64_t source_mtime_sec, source_mtime_nsec;
    uint64_t source_hash;
    int64_t n_rows, nnz, n_groups;
    int64_t n_col; /* the indices in col: nnz, or fewer with compact rows */
    int32_t dim, has_qid;
    int32_t has_weights;
    int32_t duplicates;     /* the reader's sm_duplicates */
    int64_t duplicate_rows; /* rows it changed (0 with DUPLICATES_ERROR) */
    uint64_t weights_size;
    int64_t weights_mtime_sec, weights_mtime_nsec;
    uint64_t weights_hash;
    uint64_t offset[CACHE_ARRAYS], bytes[CACHE_ARRAYS];
    uint64_t file_size;
    char source[256];     /* display name of the source */
    uint64_t arrays_hash; /* of the arrays (cache.c, scan_data) */
    uint64_t header_hash; /* of every byte above */
} cache_header;

/* Check the image of a cache file in memory (len bytes at image, which must
 * be 8-byte aligned, as malloc's memory is) as cache_load checks a cache
 * before it uses it, all but the comparison with its source and weights
 * file. Returns 1 and
 * fills out with copies of the arrays (dataset_free frees them), or 0 with
 * the reason in why and nothing allocated. */
/* For tests only. */
int cache_image_load(const void *image, size_t len, sm_dataset *out, char *why, size_t why_cap);
/* Recompute the checksums of an image (the arrays' only when the header
 * describes a layout that fits the image and the arrays pass the checks:
 * others fail whatever their checksum), so that a test's or a fuzzer's
 * changes reach the checks behind the checksums. */
/* For tests only. */
void cache_image_seal(void *image, size_t len);

#endif
