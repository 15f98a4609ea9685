/* fuzz_emphasize.c - libFuzzer target: the --emphasize spec. Any text must
 * either parse or fail with SM_EUSAGE and a message; a parsed spec, resolved
 * against fixed regions and a spread, must compile to a link or fail with a
 * message, and the compiled link must have the weights as its slope in the
 * middle of every finite region and increase; the canonical spec
 * (emphasis_format) must parse back to the same pieces, bit for bit. */
#include "emphasize.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *spec = malloc(size + 1);
    FUZZ_REQUIRE(spec != NULL);
    memcpy(spec, data, size);
    spec[size] = '\0';
    sm_emphasis e;
    sm_error err;
    sm_error_clear(&err);
    sm_status st = emphasis_parse(spec, &e, &err);
    free(spec);
    if (st != SM_OK) {
        FUZZ_REQUIRE(st == SM_EUSAGE && err.msg[0] != '\0');
        return 0;
    }
    sm_regions regions = {.n = 3, .bound = {20, 35}};
    if (emphasis_resolve(&e, &regions, 45, &err) != SM_OK) {
        FUZZ_REQUIRE(err.msg[0] != '\0');
        return 0;
    }
    FUZZ_REQUIRE(e.n >= 1 && e.n <= SM_MAX_REGIONS && e.width >= 0);
    for (int i = 0; i < e.n; i++)
        FUZZ_REQUIRE(e.weight[i] > 0 && isfinite(e.weight[i]));
    for (int i = 1; i + 1 < e.n; i++)
        FUZZ_REQUIRE(e.bound[i] > e.bound[i - 1]);
    char canon[EMPHASIS_SPEC_MAX];
    int len = emphasis_format(&e, canon, sizeof canon);
    FUZZ_REQUIRE(len > 0 && (size_t)len < sizeof canon);
    sm_emphasis back;
    if (emphasis_parse(canon, &back, &err) != SM_OK) {
        fprintf(stderr, "canonical spec '%s' does not parse: %s\n", canon, err.msg);
        abort();
    }
    FUZZ_REQUIRE(back.n == e.n && same_bits(back.width, e.width));
    for (int i = 0; i < e.n; i++)
        FUZZ_REQUIRE(same_bits(back.weight[i], e.weight[i]) &&
                     (i + 1 == e.n || same_bits(back.bound[i], e.bound[i])));
    sm_link link;
    if (emphasis_compile(&e, &link, &err) != SM_OK) {
        FUZZ_REQUIRE(err.msg[0] != '\0');
        return 0;
    }
    /* the middle of each region with two finite ends holds its weight; a
     * region one double wide has no middle (it rounds to the upper end, which
     * belongs to the next region), so its one point, the lower end, is used */
    for (int i = 1; i + 1 < e.n; i++) {
        double mid = e.bound[i - 1] + 0.5 * (e.bound[i] - e.bound[i - 1]);
        if (!(mid > e.bound[i - 1] && mid < e.bound[i]))
            mid = e.bound[i - 1];
        double dh = link_dh(&link, mid);
        FUZZ_REQUIRE(fabs(dh - e.weight[i]) <= 1e-9 * e.weight[i] || !isfinite(mid));
    }
    double lo = e.n > 1 ? e.bound[0] : 0, hi = e.n > 1 ? e.bound[e.n - 2] : 1;
    for (int k = 0; k <= 16; k++) {
        double z = lo + (hi - lo) * (k / 16.0), dh = link_dh(&link, z);
        FUZZ_REQUIRE(!(dh < 0) && !isnan(link_h(&link, z)));
    }
    return 0;
}
