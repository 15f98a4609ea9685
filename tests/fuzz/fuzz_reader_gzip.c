/* fuzz_reader_gzip.c - libFuzzer target: the data reader's file path (inflated
 * with zlib), plain and compressed.
 *  - Input that starts with the gzip magic is read as it is: corrupt,
 *    truncated and concatenated streams must give a clean error, never a crash.
 *  - Any other input is treated as text: read from a file as it is, and again
 *    after gzip compression. Both must agree bit for bit (status, message and
 *    data set) with reader_read_buffer on the same text, so chunk boundaries of
 *    the file path cannot change what is parsed. Zero padding after the gzip
 *    stream (tar's blocks) changes nothing either.
 *  - The text after a UTF-8 byte-order mark always fails, at 1:1, with the
 *    message that names the mark. */
#include <zlib.h>

#include "fuzz.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char *gzip_bytes(const uint8_t *data, size_t size, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    FUZZ_REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    size_t cap = deflateBound(&z, (uLong)size) + 64;
    unsigned char *out = malloc(cap);
    FUZZ_REQUIRE(out != NULL);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)size;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    FUZZ_REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* The gzip stream of data followed by pad zero bytes. */
static unsigned char *gzip_padded(const uint8_t *data, size_t size, size_t pad, size_t *out_len)
{
    size_t zlen;
    unsigned char *z = gzip_bytes(data, size, &zlen);
    unsigned char *padded = realloc(z, zlen + pad);
    FUZZ_REQUIRE(padded != NULL);
    memset(padded + zlen, 0, pad);
    *out_len = zlen + pad;
    return padded;
}

static void check_byte_order_mark(const uint8_t *data, size_t size, const char *name)
{
    char *text = malloc(size + 3);
    FUZZ_REQUIRE(text != NULL);
    memcpy(text, "\xEF\xBB\xBF", 3);
    if (size)
        memcpy(text + 3, data, size);
    sm_dataset ds;
    sm_error err;
    char want[300];
    snprintf(want, sizeof want, "%s:1:1: the file starts with a UTF-8 byte-order mark", name);
    FUZZ_REQUIRE(reader_read_buffer(text, size + 3, name, NULL, &ds, &err) == SM_EDATA);
    FUZZ_REQUIRE(strncmp(err.msg, want, strlen(want)) == 0);
    free(text);
}

static void read_and_compare(const void *file_bytes, size_t file_len, const sm_dataset *want,
                             sm_status want_st, const sm_error *want_err)
{
    const char *path = fuzz_scratch_write(file_bytes, file_len);
    sm_dataset ds;
    sm_error err;
    sm_error_clear(&err);
    sm_status st = reader_read_file(path, NULL, &ds, &err);
    FUZZ_REQUIRE(st == want_st);
    if (st == SM_OK)
        fuzz_check_same_dataset(&ds, want);
    else
        FUZZ_REQUIRE(strcmp(err.msg, want_err->msg) == 0);
    dataset_free(&ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
        const char *path = fuzz_scratch_write(data, size);
        sm_dataset ds;
        sm_error err;
        sm_status st = reader_read_file(path, NULL, &ds, &err);
        if (st == SM_OK)
            fuzz_check_dataset(&ds);
        else
            FUZZ_REQUIRE(st == SM_EDATA && strncmp(err.msg, path, strlen(path)) == 0);
        dataset_free(&ds);
        return 0;
    }
    /* Messages name the file, so the reference read uses the scratch path too. */
    const char *name = fuzz_scratch_write("", 0);
    sm_dataset want;
    sm_error want_err;
    sm_error_clear(&want_err);
    sm_status want_st = reader_read_buffer((const char *)data, size, name, NULL, &want, &want_err);
    if (want_st == SM_OK)
        fuzz_check_dataset(&want);
    read_and_compare(data, size, &want, want_st, &want_err);
    size_t zlen;
    unsigned char *z = gzip_padded(data, size, size % 3 ? 0 : 1 + size % 1024, &zlen);
    read_and_compare(z, zlen, &want, want_st, &want_err);
    free(z);
    check_byte_order_mark(data, size, name);
    dataset_free(&want);
    return 0;
}
