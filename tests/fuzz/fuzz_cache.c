/* fuzz_cache.c - libFuzzer target: the checks of the cache loader, through
 * its test hooks (cache.h): the input is the image of a cache file. It is
 * tried as it is, then with its checksums recomputed (cache_image_seal),
 * which lets mutations reach the checks behind them. Every image is either
 * refused with a reason and nothing allocated, or gives a dataset keeping
 * every promise of the reader (fuzz_check_dataset: what the trainer relies
 * on) and of a weights file (sidecar.h: one finite weight >= 0 a row, not
 * all 0). Left out: reading the file and comparing it with its source and
 * weights file (a file's identity, not bytes a fuzzer can vary); cache_load
 * maps the file and runs the same checks on the mapping. */
#include "cache.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_image(const unsigned char *image, size_t size)
{
    sm_dataset ds;
    char why[SM_ERROR_MSG_MAX] = "";
    if (!cache_image_load(image, size, &ds, why, sizeof why)) {
        FUZZ_REQUIRE(why[0] != '\0' && ds.row_ptr == NULL && ds.label == NULL &&
                     ds.weight == NULL);
        return;
    }
    cache_header h;
    memcpy(&h, image, sizeof h);
    FUZZ_REQUIRE((ds.weight != NULL) == (h.has_weights == 1));
    int weighs = 0;
    for (int64_t r = 0; ds.weight && r < ds.n_rows; r++) {
        FUZZ_REQUIRE(ds.weight[r] >= 0 && isfinite(ds.weight[r]));
        weighs |= ds.weight[r] > 0;
    }
    FUZZ_REQUIRE(!ds.weight || ds.n_rows == 0 || weighs);
    fuzz_check_dataset(&ds);
    FUZZ_REQUIRE(ds.mapping == NULL && ds.source[sizeof ds.source - 1] == '\0');
    FUZZ_REQUIRE((ds.qid != NULL) == (ds.n_groups > 0));
    for (int64_t g = 0; g < ds.n_groups; g++)
        FUZZ_REQUIRE(ds.qid[g] >= 0 && (g == 0 || ds.qid[g] != ds.qid[g - 1]));
    dataset_free(&ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A malloc'd copy of the exact size: aligned as a mapping is, and any
     * read past its end is one the sanitizer sees. */
    unsigned char *image = malloc(size ? size : 1);
    FUZZ_REQUIRE(image != NULL);
    if (size)
        memcpy(image, data, size);
    check_image(image, size);
    cache_image_seal(image, size);
    check_image(image, size);
    free(image);
    return 0;
}
