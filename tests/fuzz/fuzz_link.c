/* fuzz_link.c - libFuzzer target: the link-spec parser. Any text must either
 * parse or fail with SM_EUSAGE; a parsed link must print (link_format) to a
 * spec that parses back to the same link bit for bit, and printing that again
 * gives the same text. */
#include "fuzz.h"
#include "link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same_link(const sm_link *a, const sm_link *b)
{
    FUZZ_REQUIRE(a->n_terms == b->n_terms);
    for (int k = 0; k < a->n_terms; k++) {
        const link_term *s = &a->terms[k], *t = &b->terms[k];
        FUZZ_REQUIRE(s->kind == t->kind && s->n_regions == t->n_regions &&
                     s->n_bounds == t->n_bounds);
        FUZZ_REQUIRE(fuzz_same_bits(s->w, t->w) && fuzz_same_bits(s->a, t->a) &&
                     fuzz_same_bits(s->c, t->c) && fuzz_same_bits(s->width, t->width));
        for (int i = 0; i < s->n_regions; i++)
            FUZZ_REQUIRE(fuzz_same_bits(s->slopes[i], t->slopes[i]));
        for (int i = 0; i + 1 < s->n_regions; i++)
            FUZZ_REQUIRE(fuzz_same_bits(s->knots[i], t->knots[i]));
        for (int j = 0; j < s->n_bounds; j++)
            FUZZ_REQUIRE(fuzz_same_bits(s->bound[j], t->bound[j]) &&
                         fuzz_same_bits(s->h_at_bound[j], t->h_at_bound[j]));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4 * LINK_SPEC_MAX)
        return 0;
    char *spec = malloc(size + 1);
    FUZZ_REQUIRE(spec != NULL);
    memcpy(spec, data, size);
    spec[size] = '\0';
    sm_link link, again;
    sm_error err;
    sm_error_clear(&err);
    sm_status st = link_parse(spec, &link, &err);
    if (st != SM_OK) {
        FUZZ_REQUIRE(st == SM_EUSAGE && err.msg[0] != '\0');
        free(spec);
        return 0;
    }
    FUZZ_REQUIRE(link.n_terms >= 1 && link.n_terms <= LINK_MAX_TERMS);
    int len = link_format(&link, NULL, 0);
    FUZZ_REQUIRE(len > 0);
    char *canon = malloc((size_t)len + 1), *canon2 = malloc((size_t)len + 1);
    FUZZ_REQUIRE(canon != NULL && canon2 != NULL);
    FUZZ_REQUIRE(link_format(&link, canon, (size_t)len + 1) == len);
    st = link_parse(canon, &again, &err);
    if (st != SM_OK) {
        fprintf(stderr, "canonical spec of '%s' does not parse: %s\n", spec, err.msg);
        abort();
    }
    check_same_link(&link, &again);
    FUZZ_REQUIRE(link_format(&again, canon2, (size_t)len + 1) == len);
    FUZZ_REQUIRE(strcmp(canon, canon2) == 0);
    /* The evaluation must not crash on any parsed link either, nor give NaN:
     * H >= 0, h' >= 0, L >= 0 and dL/ds with the sign of s - y (link.h). */
    double z[] = {-1e300, -40, -1, 0, 0.5, 1, 40, 1e300};
    for (size_t i = 0; i < sizeof z / sizeof z[0]; i++) {
        double h, H, dh;
        link_eval(&link, z[i], &h, &H, &dh);
        FUZZ_REQUIRE(H >= 0 && dh >= 0);
        double loss = link_loss(&link, z[i], 0.25), grad = link_grad(&link, z[i], 0.25);
        FUZZ_REQUIRE(loss >= 0 && (z[i] > 0.25 ? grad >= 0 : z[i] < 0.25 ? grad <= 0 : grad == 0));
    }
    free(canon);
    free(canon2);
    free(spec);
    return 0;
}
