/* fuzz_model.c - libFuzzer target: the model-file loader (model_read on a
 * memory stream). Any input gives either SM_OK or SM_EDATA naming the stream,
 * with nothing left allocated; a loaded model written back (model_write) must
 * load again and write the very same bytes. */
#include "fuzz.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The loader allocates `dim` dense weights as the format intends (up to 16 GiB
 * for dim = 2^31 - 1); keep the fuzzer's memory small by skipping such inputs. */
static int dim_too_large(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i + 4 <= size; i++) {
        if ((i == 0 || data[i - 1] == '\n') && memcmp(data + i, "dim=", 4) == 0) {
            char num[32];
            size_t k = 0;
            for (size_t j = i + 4; j < size && data[j] != '\n' && k + 1 < sizeof num; j++)
                num[k++] = (char)data[j];
            num[k] = '\0';
            if (strtol(num, NULL, 10) > (1L << 20))
                return 1;
        }
    }
    return 0;
}

static char *write_model(const sm_model *m, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    FUZZ_REQUIRE(f != NULL);
    sm_error err;
    FUZZ_REQUIRE(model_write(m, f, &err) == SM_OK);
    FUZZ_REQUIRE(fclose(f) == 0);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || dim_too_large(data, size))
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
        FUZZ_REQUIRE(m.w == NULL);
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
