/* textsrc.c - text from a file (plain, or gzip inflated here with zlib),
 * standard input or memory, as bytes, lines or blocks of whole lines. */
#include "textsrc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "array.h"

enum {
    CHUNK_BYTES = 1 << 20, /* one read of textsrc_scan_lines; grows for a longer line */
    IN_BYTES = 1 << 18     /* compressed input read at a time (as gzbuffer's was) */
};

/* inflate is driven here rather than through gzread, which ends the text
 * silently at bytes after a gzip member that do not start another member
 * (it cannot tell a damaged or appended file from the end). */
struct textsrc_file {
    int fd;
    enum { FILE_UNKNOWN, FILE_PLAIN, FILE_GZIP } kind; /* known after the first read */
    int member_done;   /* gzip: the last member read ended with its trailer */
    int in_eof;        /* read() returned 0 */
    uint64_t in_total; /* bytes read from fd: the offset of in[avail_in] */
    uint64_t size;     /* a regular file's size, 0 for a pipe or a terminal */
    z_stream z;        /* next_in/avail_in: the unused bytes of in */
    int z_ready;       /* inflateInit2 done */
    unsigned char in[IN_BYTES];
};

sm_status textsrc_open(sm_textsrc *src, const char *path, sm_error *err)
{
    memset(src, 0, sizeof *src);
    int is_stdin = strcmp(path, "-") == 0;
    src->name = is_stdin ? "<stdin>" : path;
    /* Standard input is read through a copy, which textsrc_close closes. */
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
    textsrc_file *f = malloc(sizeof *f);
    if (!f) {
        close(fd);
        return sm_fail_nomem(err, src->name);
    }
    memset(f, 0, offsetof(textsrc_file, in));
    f->fd = fd;
    f->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    src->file = f;
    return SM_OK;
}

void textsrc_from_buffer(sm_textsrc *src, const char *buf, size_t len, const char *name)
{
    *src = (sm_textsrc){NULL, buf, len, 0, name};
}

void textsrc_close(sm_textsrc *src)
{
    textsrc_file *f = src->file;
    if (!f)
        return;
    if (f->z_ready)
        inflateEnd(&f->z);
    close(f->fd);
    free(f);
    src->file = NULL;
}

/* More input after the unused bytes (moved to the start of in): one read(),
 * which sets in_eof when the file has ended. */
static sm_status read_input(sm_textsrc *src, sm_error *err)
{
    textsrc_file *f = src->file;
    if (f->z.avail_in > 0 && f->z.next_in != f->in)
        memmove(f->in, f->z.next_in, f->z.avail_in);
    f->z.next_in = f->in;
    ssize_t n;
    do
        n = read(f->fd, f->in + f->z.avail_in, IN_BYTES - f->z.avail_in);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return sm_fail(err, SM_EIO, "%s: read error: %s", src->name, strerror(errno));
    f->in_eof = n == 0;
    f->z.avail_in += (uInt)n;
    f->in_total += (uint64_t)n;
    return SM_OK;
}

/* Whether the unused input starts a gzip member (its two magic bytes), after
 * reading until there are two bytes or the file ends. */
static sm_status at_gzip_magic(sm_textsrc *src, int *magic, sm_error *err)
{
    textsrc_file *f = src->file;
    sm_status st = SM_OK;
    while (st == SM_OK && f->z.avail_in < 2 && !f->in_eof)
        st = read_input(src, err);
    *magic = f->z.avail_in >= 2 && f->z.next_in[0] == 0x1f && f->z.next_in[1] == 0x8b;
    return st;
}

/* Plain text: the bytes the detection read, then straight from the file. */
static sm_status read_plain(sm_textsrc *src, char *dst, size_t want, size_t *got, sm_error *err)
{
    textsrc_file *f = src->file;
    if (f->z.avail_in > 0) {
        size_t n = f->z.avail_in < want ? f->z.avail_in : want;
        memcpy(dst, f->z.next_in, n);
        f->z.next_in += n;
        f->z.avail_in -= (uInt)n;
        *got = n;
        return SM_OK;
    }
    ssize_t n;
    do
        n = read(f->fd, dst, want);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return sm_fail(err, SM_EIO, "%s: read error: %s", src->name, strerror(errno));
    *got = (size_t)n;
    f->in_total += (uint64_t)n; /* (in_total - avail_in: the bytes of the file used) */
    return SM_OK;
}

/* Whether the rest of the input is zero bytes, reading (and using up) it
 * to the end or to the first other byte. */
static sm_status only_zeros_left(sm_textsrc *src, int *zeros, sm_error *err)
{
    textsrc_file *f = src->file;
    sm_status st = SM_OK;
    *zeros = 1;
    while (st == SM_OK && *zeros && f->z.avail_in > 0) {
        for (uInt i = 0; i < f->z.avail_in && *zeros; i++)
            *zeros = f->z.next_in[i] == 0;
        if (*zeros) {
            f->z.avail_in = 0;
            st = read_input(src, err);
        }
    }
    return st;
}

/* Where one member ended: another member, the end (zero bytes to the end
 * are padding, as tar's blocks leave and gzip -d accepts), or bytes that
 * are an error. */
static sm_status next_member(sm_textsrc *src, int *more, sm_error *err)
{
    textsrc_file *f = src->file;
    int magic, zeros;
    sm_status st = at_gzip_magic(src, &magic, err);
    *more = 0;
    if (st != SM_OK || f->z.avail_in == 0)
        return st;
    uint64_t at = f->in_total - f->z.avail_in;
    if (!magic && ((st = only_zeros_left(src, &zeros, err)) != SM_OK || zeros))
        return st;
    if (!magic)
        return sm_fail(err, SM_EDATA,
                       "%s: data after the end of the gzip stream at byte offset %llu that is "
                       "not another gzip member (a damaged or appended file?)",
                       src->name, (unsigned long long)at);
    inflateReset(&f->z);
    f->member_done = 0;
    *more = 1;
    return SM_OK;
}

/* Inflate until some text comes out or the last member ends (*got == 0). */
static sm_status read_gzip(sm_textsrc *src, char *dst, size_t want, size_t *got, sm_error *err)
{
    textsrc_file *f = src->file;
    f->z.next_out = (unsigned char *)dst;
    f->z.avail_out = (uInt)want;
    sm_status st = SM_OK;
    int more = 1;
    while (st == SM_OK && f->z.avail_out == want) {
        if (f->member_done && ((st = next_member(src, &more, err)) != SM_OK || !more))
            break;
        if (f->z.avail_in == 0 && (st = read_input(src, err)) != SM_OK)
            break;
        if (f->z.avail_in == 0 && f->in_eof) {
            st = sm_fail(err, SM_EDATA,
                         "%s: corrupt gzip data: unexpected end of file (truncated?)", src->name);
            break;
        }
        int zret = inflate(&f->z, Z_NO_FLUSH);
        if (zret == Z_STREAM_END)
            f->member_done = 1;
        else if (zret == Z_MEM_ERROR)
            st = sm_fail_nomem(err, src->name);
        /* Z_BUF_ERROR (no progress) is only possible here without input,
         * which the next round reads. */
        else if (zret != Z_OK && !(zret == Z_BUF_ERROR && f->z.avail_in == 0))
            st = sm_fail(err, SM_EDATA, "%s: corrupt gzip data (%s) near byte offset %llu",
                         src->name, f->z.msg ? f->z.msg : "unknown zlib error",
                         (unsigned long long)(f->in_total - f->z.avail_in));
    }
    *got = want - f->z.avail_out;
    return st;
}

/* Up to `want` bytes of (inflated) text; *got == 0 at the end. */
static sm_status textsrc_read(sm_textsrc *src, char *dst, size_t want, size_t *got,
                              sm_error *err)
{
    textsrc_file *f = src->file;
    if (!f) {
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
    if (f->kind == FILE_UNKNOWN) {
        int magic;
        sm_status st = at_gzip_magic(src, &magic, err);
        if (st != SM_OK)
            return st;
        f->kind = magic ? FILE_GZIP : FILE_PLAIN;
        /* 15 + 16: a gzip wrapper (header, CRC-32 and length checked) */
        if (magic && inflateInit2(&f->z, 15 + 16) != Z_OK)
            return sm_fail_nomem(err, src->name);
        f->z_ready = magic;
    }
    return f->kind == FILE_GZIP ? read_gzip(src, dst, want, got, err)
                                : read_plain(src, dst, want, got, err);
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

void textsrc_position(const sm_textsrc *src, uint64_t *done, uint64_t *total)
{
    const textsrc_file *f = src->file;
    *done = f ? f->in_total - f->z.avail_in : src->mem_pos;
    *total = f ? f->size : src->mem_len;
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
    textsrc_position(r->src, &r->done, &r->total);
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
