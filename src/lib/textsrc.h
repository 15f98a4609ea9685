/* textsrc.h - where text comes from: a file, plain or gzip (recognised by its
 * magic bytes, not its name), standard input ("-", shown as "<stdin>"), or a
 * buffer in memory; read as bytes, line by line, or in blocks of whole lines.
 *
 * Gzip input may hold several members one after the other (`cat a.gz b.gz`,
 * valid gzip): their texts are read in turn. Zero bytes after the last member
 * to the end of the input are padding (tar-style blocks, which gzip -d too
 * accepts) and are skipped; other bytes after it that do not start another
 * member are an error naming their byte offset, where zlib's gzread (and
 * gzip, with a warning) would drop them silently.
 *
 * Errors: SM_EIO when the file cannot be opened or read, SM_EDATA for corrupt
 * or truncated gzip data or trailing bytes after it, SM_EFAIL when out of
 * memory; messages start with the source's display name.
 */
#ifndef SM_TEXTSRC_H
#define SM_TEXTSRC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct textsrc_file textsrc_file; /* a file's descriptor and inflate state */

typedef struct {
    textsrc_file *file;  /* NULL: mem */
    const char *mem;
    size_t mem_len, mem_pos;
    const char *name;    /* display name used in messages */
} sm_textsrc;

sm_status textsrc_open(sm_textsrc *src, const char *path, sm_error *err);
/* A source over buf[0..len) (not copied); name is its display name. */
void textsrc_from_buffer(sm_textsrc *src, const char *buf, size_t len, const char *name);
void textsrc_close(sm_textsrc *src);

/* How far the source is read, for progress: *done bytes of *total, bytes of
 * the file as stored (compressed bytes for gzip) or of the buffer; *total
 * is 0 when the size is unknown (a pipe, a terminal). */
void textsrc_position(const sm_textsrc *src, uint64_t *done, uint64_t *total);

/* Hand every line to handle, numbered from 1, with line[len] == '\0' and a
 * trailing '\r' removed (the last line may lack its '\n'). The first status
 * other than SM_OK stops the scan and is returned. */
typedef sm_status (*textsrc_line_fn)(void *ctx, const char *name, char *line, size_t len,
                                     int64_t lineno, sm_error *err);
sm_status textsrc_scan_lines(sm_textsrc *src, textsrc_line_fn handle, void *ctx, sm_error *err);

/* Blocks of whole lines, for parsing blocks independently (and in
 * parallel): each block ends at a '\n' (or the end of the input) and holds
 * block_bytes of text or more when one line is longer. */
typedef struct {
    sm_textsrc *src;
    size_t block_bytes;
    char *carry;         /* the start of a line that the previous block cut off */
    size_t carry_len, carry_cap;
    int eof;
    uint64_t consumed;   /* bytes of text read so far */
    uint64_t done, total; /* textsrc_position after the last block */
} textsrc_blocks;

void textsrc_blocks_init(textsrc_blocks *r, sm_textsrc *src, size_t block_bytes);
void textsrc_blocks_free(textsrc_blocks *r);
/* Fill *text (capacity *cap, reallocated as needed; text[*len] == '\0') with
 * the next block; *len == 0 at the end of the input. */
sm_status textsrc_next_block(textsrc_blocks *r, char **text, size_t *len, size_t *cap,
                             sm_error *err);

#endif
