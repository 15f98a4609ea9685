/* fuzz_targets.c - libFuzzer target: the multi-class targets reader
 * (sidecar_read_targets: K numbers a line, one line per data row). The first
 * input byte picks what is expected (K given or taken from the first line,
 * a row count or any, probabilities or scores); the rest is the file. Any
 * input gives either SM_OK with exactly the lines expected of K finite
 * numbers each (distributions when asked for), or SM_EDATA naming the file,
 * with nothing allocated. */
#include <math.h>

#include "fuzz.h"
#include "scorer.h"
#include "sidecar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint8_t mode = data[0];
    sm_targets_spec spec = {.k = mode & 1 ? 3 : 0, .rows = mode & 2 ? (mode >> 4) : -1,
                            .rows_of = "data", .prob = (mode & 4) != 0};
    int32_t k_asked = spec.k;
    const char *path = fuzz_scratch_write(data + 1, size - 1);
    double *t = NULL;
    int64_t n = -1;
    sm_error err;
    sm_error_clear(&err);
    sm_status st = sidecar_read_targets(path, &spec, &t, &n, &err);
    if (st != SM_OK) {
        FUZZ_REQUIRE(st == SM_EDATA && t == NULL && n == 0);
        FUZZ_REQUIRE(strncmp(err.msg, path, strlen(path)) == 0);
        return 0;
    }
    FUZZ_REQUIRE(t != NULL && n >= 1);
    FUZZ_REQUIRE(k_asked ? spec.k == k_asked : spec.k >= 2 && spec.k <= SCORER_MAX_OUTPUTS);
    FUZZ_REQUIRE(spec.rows < 0 || n == spec.rows);
    for (int64_t i = 0; i < n; i++) {
        double sum = 0.0;
        for (int32_t j = 0; j < spec.k; j++) {
            double v = t[i * spec.k + j];
            FUZZ_REQUIRE(isfinite(v) && (!spec.prob || v >= 0.0));
            sum += v;
        }
        FUZZ_REQUIRE(!spec.prob || fabs(sum - 1.0) <= 1e-6 * (1 + 1e-9));
    }
    free(t);
    return 0;
}
