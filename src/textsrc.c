/* textsrc.c - text from a file (zlib reads gzip and plain text alike),
 * standard input or memory, as bytes, lines or blocks of whole lines. */
#include "textsrc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "array.h"

enum {
    CHUNK_BYTES = 1 << 20,     /* one read of textsrc_scan_lines; grows for a longer line */
    GZ_BUFFER_BYTES = 1 << 18  /* zlib's own input buffer (default 8 KiB is slow) */
};

sm_status textsrc_open(sm_textsrc *src, const char *path, sm_error *err)
{
    memset(src, 0, sizeof *src);
    int is_stdin = strcmp(path, "-") == 0;
    src->name = is_stdin ? "<stdin>" : path;
    /* gzclose closes the descriptor, so standard input is read through a copy. */
    int fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY);
    if (fd < 0)
        return sm_fail(err, SM_EIO, "%s: cannot open: %s", src->name, strerror(errno));
    /* open() succeeds on a directory; say so now rather than at the first read. */
    struct stat st;
    int stat_errno = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (stat_errno) {
        close(fd);
        return sm_fail(err, SM_EIO, "%s: cannot read: %s", src->name, strerror(stat_errno));
    }
    src->gz = gzdopen(fd, "rb");
    if (!src->gz) {
        close(fd);
        return sm_fail_nomem(err, src->name);
    }
    gzbuffer(src->gz, GZ_BUFFER_BYTES);
    return SM_OK;
}

void textsrc_from_buffer(sm_textsrc *src, const char *buf, size_t len, const char *name)
{
    *src = (sm_textsrc){NULL, buf, len, 0, name};
}

void textsrc_close(sm_textsrc *src)
{
    if (src->gz)
        gzclose_r(src->gz);
    src->gz = NULL;
}

/* Up to `want` bytes of (inflated) text; *got == 0 at the end. */
static sm_status textsrc_read(sm_textsrc *src, char *dst, size_t want, size_t *got,
                              sm_error *err)
{
    if (!src->gz) {
        size_t n = src->mem_len - src->mem_pos;
        if (n > want)
            n = want;
        if (n)
            memcpy(dst, src->mem + src->mem_pos, n);
        src->mem_pos += n;
        *got = n;
        return SM_OK;
    }
    if (want > INT_MAX)
        want = INT_MAX;
    int n = gzread(src->gz, dst, (unsigned)want);
    int saved_errno = errno;
    int zerr = Z_OK;
    const char *zmsg = gzerror(src->gz, &zerr);
    /* A truncated stream still returns the data before the cut and only flags
     * Z_BUF_ERROR, so the flag is checked after every read, not just on -1. */
    if (n >= 0 && zerr == Z_OK) {
        *got = (size_t)n;
        return SM_OK;
    }
    switch (zerr) {
    case Z_ERRNO:
        return sm_fail(err, SM_EIO, "%s: read error: %s", src->name, strerror(saved_errno));
    case Z_MEM_ERROR:
        return sm_fail_nomem(err, src->name);
    case Z_BUF_ERROR:
        return sm_fail(err, SM_EDATA, "%s: corrupt gzip data: unexpected end of file (truncated?)",
                       src->name);
    default:
        return sm_fail(err, SM_EDATA, "%s: corrupt gzip data (%s)", src->name,
                       zmsg ? zmsg : "unknown zlib error");
    }
}

/* ---- lines ---- */

static sm_status emit_line(textsrc_line_fn handle, void *ctx, const char *name, char *line,
                           size_t len, int64_t lineno, sm_error *err)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    line[len] = '\0';
    return handle(ctx, name, line, len, lineno, err);
}

sm_status textsrc_scan_lines(sm_textsrc *src, textsrc_line_fn handle, void *ctx, sm_error *err)
{
    size_t cap = CHUNK_BYTES;
    char *buf = malloc(cap + 1); /* +1: room to terminate a last line lacking '\n' */
    if (!buf)
        return sm_fail_nomem(err, src->name);
    size_t fill = 0; /* bytes of an incomplete line kept at the start of buf */
    int64_t lineno = 0;
    sm_status st = SM_OK;
    for (;;) {
        if (fill == cap) { /* one line fills the whole buffer */
            char *nb = cap <= (SIZE_MAX - 1) / 2 ? realloc(buf, 2 * cap + 1) : NULL;
            if (!nb) {
                st = sm_fail_nomem(err, src->name);
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = 0;
        if ((st = textsrc_read(src, buf + fill, cap - fill, &got, err)) != SM_OK || got == 0)
            break;
        char *line = buf, *scan = buf + fill, *end = buf + fill + got;
        char *nl;
        while ((nl = memchr(scan, '\n', (size_t)(end - scan))) != NULL) {
            st = emit_line(handle, ctx, src->name, line, (size_t)(nl - line), ++lineno, err);
            if (st != SM_OK)
                break;
            line = scan = nl + 1;
        }
        if (st != SM_OK)
            break;
        fill = (size_t)(end - line);
        memmove(buf, line, fill);
    }
    if (st == SM_OK && fill > 0)
        st = emit_line(handle, ctx, src->name, buf, fill, ++lineno, err);
    free(buf);
    return st;
}

/* ---- blocks of whole lines ---- */

void textsrc_blocks_init(textsrc_blocks *r, sm_textsrc *src, size_t block_bytes)
{
    *r = (textsrc_blocks){.src = src, .block_bytes = block_bytes};
}

void textsrc_blocks_free(textsrc_blocks *r)
{
    free(r->carry);
    r->carry = NULL;
    r->carry_len = r->carry_cap = 0;
}

/* Fill text[len .. cap) from the source until it is full or the input ends. */
static sm_status fill_block(textsrc_blocks *r, char *text, size_t *len, size_t cap, sm_error *err)
{
    while (!r->eof && *len < cap) {
        size_t got = 0;
        sm_status st = textsrc_read(r->src, text + *len, cap - *len, &got, err);
        if (st != SM_OK)
            return st;
        r->eof = got == 0;
        *len += got;
        r->consumed += got;
    }
    return SM_OK;
}

sm_status textsrc_next_block(textsrc_blocks *r, char **text, size_t *len, size_t *cap,
                             sm_error *err)
{
    const char *name = r->src->name;
    size_t want = r->block_bytes > r->carry_len ? r->block_bytes : 2 * r->carry_len;
    if (*cap < want) {
        char *t = realloc(*text, want + 1);
        if (!t)
            return sm_fail_nomem(err, name);
        *text = t;
        *cap = want;
    }
    if (r->carry_len)
        memcpy(*text, r->carry, r->carry_len);
    *len = r->carry_len;
    r->carry_len = 0;
    for (;;) {
        sm_status st = fill_block(r, *text, len, *cap, err);
        if (st != SM_OK)
            return st;
        if (r->eof)
            break;
        size_t cut = *len;
        while (cut > 0 && (*text)[cut - 1] != '\n')
            cut--;
        if (cut > 0) {
            size_t rest = *len - cut;
            if (rest > 0 && !sm_array_grow(&r->carry, &r->carry_cap, rest, 1))
                return sm_fail_nomem(err, name);
            if (rest > 0)
                memcpy(r->carry, *text + cut, rest);
            r->carry_len = rest;
            *len = cut;
            break;
        }
        /* One line fills the whole block: make room and read on. */
        char *t = *cap <= (SIZE_MAX - 1) / 2 ? realloc(*text, 2 * *cap + 1) : NULL;
        if (!t)
            return sm_fail_nomem(err, name);
        *text = t;
        *cap *= 2;
    }
    (*text)[*len] = '\0';
    return SM_OK;
}
