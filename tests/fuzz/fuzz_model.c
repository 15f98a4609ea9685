/* fuzz_model.c - libFuzzer target: the model-file loader (model_read on a
 * memory stream). Any input gives either SM_OK or SM_EDATA naming the stream,
 * with nothing left allocated; a loaded model written back (model_write) must
 * load again and write the very same bytes. */
#include "fuzz.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 and the rest of the line in num when a line starts at data[i] with key. */
static int line_value(const uint8_t *data, size_t size, size_t i, const char *key,
                      char *num, size_t cap)
{
    size_t k = 0, n = strlen(key);
    if ((i > 0 && data[i - 1] != '\n') || i + n > size || memcmp(data + i, key, n) != 0)
        return 0;
    for (size_t j = i + n; j < size && data[j] != '\n' && k + 1 < cap; j++)
        num[k++] = (char)data[j];
    num[k] = '\0';
    return 1;
}

/* The loader allocates dense parameters as the format intends: dim x outputs
 * weights, or dim x hidden for an MLP (gigabytes for dim = 2^31 - 1); keep
 * the fuzzer's memory small by skipping inputs that ask for large shapes. */
static int shape_too_large(const uint8_t *data, size_t size)
{
    char num[64];
    long dim = 0, widest = 0, outputs = 1;
    for (size_t i = 0; i < size; i++) {
        if (line_value(data, size, i, "dim=", num, sizeof num)) {
            long d = strtol(num, NULL, 10);
            dim = d > dim ? d : dim;
        }
        if (line_value(data, size, i, "outputs=", num, sizeof num)) {
            long k = strtol(num, NULL, 10);
            outputs = k > outputs ? k : outputs;
        }
        if (line_value(data, size, i, "hidden=", num, sizeof num)) {
            char *p = num;
            while (*p) { /* comma-separated widths */
                char *end;
                long w = strtol(p, &end, 10);
                widest = w > widest ? w : widest;
                p = end == p ? p + 1 : end;
            }
        }
    }
    /* At most ~4M parameters: 2^20 linear weights, or 2^12 inputs times 2^10
     * units; at most 2^10 outputs. */
    return dim > (1L << 20) || widest > (1L << 10) || (widest > 0 && dim > (1L << 12)) ||
           outputs > (1L << 10) || dim * outputs > (1L << 20);
}

static char *write_model(const sm_model *m, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    FUZZ_REQUIRE(f != NULL);
    sm_error err;
    FUZZ_REQUIRE(model_write(m, f, 0, &err) == SM_OK);
    FUZZ_REQUIRE(fclose(f) == 0);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || shape_too_large(data, size))
        return 0; /* fmemopen refuses an empty buffer; the CLI suite covers empty files */
    FILE *in = fmemopen((void *)data, size, "r");
    FUZZ_REQUIRE(in != NULL);
    sm_model m;
    sm_error err;
    sm_error_clear(&err);
    sm_status st = model_read(in, "fuzz", &m, &err);
    fclose(in);
    if (st != SM_OK) {
        FUZZ_REQUIRE((st == SM_EDATA || st == SM_EFAIL) && strncmp(err.msg, "fuzz", 4) == 0);
        FUZZ_REQUIRE(m.param == NULL);
        return 0;
    }
    size_t len1, len2;
    char *text1 = write_model(&m, &len1);
    model_free(&m);
    in = fmemopen(text1, len1, "r");
    FUZZ_REQUIRE(in != NULL);
    st = model_read(in, "rewritten", &m, &err);
    fclose(in);
    if (st != SM_OK) {
        fprintf(stderr, "a written model does not load: %s\n", err.msg);
        abort();
    }
    char *text2 = write_model(&m, &len2);
    FUZZ_REQUIRE(len1 == len2 && memcmp(text1, text2, len1) == 0);
    model_free(&m);
    free(text1);
    free(text2);
    return 0;
}
