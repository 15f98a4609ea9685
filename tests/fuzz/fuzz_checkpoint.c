/* fuzz_checkpoint.c - libFuzzer target: a checkpoint's reader (the model,
 * then the resume state after its "end": model_read_checkpoint on a memory
 * stream). Any input gives SM_OK, or SM_EDATA (SM_EFAIL) naming the stream
 * with nothing left allocated; a checkpoint read and written back
 * (model_write, model_write_state) reads again and writes the very same
 * bytes. */
#include "fuzz.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A number after `key` on some line above `limit`: the fuzzer's memory stays
 * small (the model's shapes as fuzz_model keeps them, arrays of 2^16). */
static int asks_too_much(const uint8_t *data, size_t size)
{
    static const struct {
        const char *key;
        long limit;
    } keys[] = {{"dim=", 1L << 12}, {"outputs=", 1L << 6}, {"hidden=", 1L << 8}};
    for (size_t i = 0; i < size; i++) {
        if (i > 0 && data[i - 1] != '\n')
            continue;
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            size_t n = strlen(keys[k].key);
            if (i + n < size && memcmp(data + i, keys[k].key, n) == 0 &&
                strtol((const char *)data + i + n, NULL, 10) > keys[k].limit)
                return 1;
        }
        /* "array=NAME N" */
        if (i + 6 < size && memcmp(data + i, "array=", 6) == 0) {
            size_t j = i + 6;
            while (j < size && data[j] != ' ' && data[j] != '\n')
                j++;
            if (j < size && data[j] == ' ' && strtol((const char *)data + j + 1, NULL, 10) > 65536)
                return 1;
        }
    }
    return 0;
}

static char *write_checkpoint(const sm_model *m, const sm_train_state *s, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    FUZZ_REQUIRE(f != NULL);
    sm_error err;
    FUZZ_REQUIRE(model_write(m, f, 1, &err) == SM_OK);
    FUZZ_REQUIRE(model_write_state(s, f, 1, &err) == SM_OK);
    FUZZ_REQUIRE(fclose(f) == 0);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* (a copy with a NUL after it: strtol above stops there) */
    char *text = malloc(size + 1);
    FUZZ_REQUIRE(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    if (size == 0 || asks_too_much((const uint8_t *)text, size)) {
        free(text);
        return 0;
    }
    FILE *in = fmemopen(text, size, "r");
    FUZZ_REQUIRE(in != NULL);
    sm_model m;
    sm_train_state s;
    sm_error err;
    sm_error_clear(&err);
    sm_status st = model_read_checkpoint(in, "fuzz", &m, &s, &err);
    fclose(in);
    free(text);
    if (st != SM_OK) {
        FUZZ_REQUIRE((st == SM_EDATA || st == SM_EFAIL) && strncmp(err.msg, "fuzz", 4) == 0);
        FUZZ_REQUIRE(m.param == NULL && s.n_values == 0 && s.n_arrays == 0);
        return 0;
    }
    size_t len1, len2;
    char *text1 = write_checkpoint(&m, &s, &len1);
    model_free(&m);
    train_state_free(&s);
    in = fmemopen(text1, len1, "r");
    FUZZ_REQUIRE(in != NULL);
    st = model_read_checkpoint(in, "rewritten", &m, &s, &err);
    fclose(in);
    if (st != SM_OK) {
        fprintf(stderr, "a written checkpoint does not read: %s\n", err.msg);
        abort();
    }
    char *text2 = write_checkpoint(&m, &s, &len2);
    FUZZ_REQUIRE(len1 == len2 && memcmp(text1, text2, len1) == 0);
    model_free(&m);
    train_state_free(&s);
    free(text1);
    free(text2);
    return 0;
}
