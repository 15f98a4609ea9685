/* gen_dwell.c - a seeded generator of a realistic dwell-time task (experiment 2).
 *
 *   cc -O2 -Isrc/lib scripts/gen_dwell.c src/lib/rng.c -lm -o gen_dwell
 *   gen_dwell ROWS SEED > file.svm        (label: dwell time in seconds)
 *
 * A visit is a (query, document, user) triple described by sparse binary
 * features: one query category of 200, one document of 2000, one of 50 user
 * segments, one of 4 devices, one of 10 result positions, and 5 to 12 of 500
 * document terms. A hidden satisfaction probability p = sigmoid(relevance)
 * depends on the features, with interactions (category x document topic,
 * device x position) that a linear scorer cannot represent exactly. A
 * satisfied visit dwells log-normally around 2 minutes (longer for longer
 * documents); an unsatisfied one bounces after a few seconds, heavy tails on
 * both. Dwell >= 30 s is the usual "satisfied click" threshold: that long-dwell
 * region is the one that matters. Same ROWS and SEED give the same bytes on
 * every machine (our own generator, no libc rand).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rng.h"

enum { N_CATEGORY = 200, N_DOC = 2000, N_SEGMENT = 50, N_DEVICE = 4, N_POSITION = 10, N_TERM = 500 };
enum { OFF_CATEGORY = 1, OFF_DOC = OFF_CATEGORY + N_CATEGORY, OFF_SEGMENT = OFF_DOC + N_DOC,
       OFF_DEVICE = OFF_SEGMENT + N_SEGMENT, OFF_POSITION = OFF_DEVICE + N_DEVICE,
       OFF_TERM = OFF_POSITION + N_POSITION };

static int compare_ints(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gen_dwell ROWS SEED > data.svm\n");
        return 2;
    }
    long rows = atol(argv[1]);
    sm_rng world, draw;
    /* The world (effects) depends on a fixed seed so that train and test files
     * made with different SEEDs describe the same population. */
    rng_seed(&world, 20250604);
    rng_seed(&draw, (uint64_t)strtoull(argv[2], NULL, 10));

    static double cat_effect[N_CATEGORY], doc_effect[N_DOC], doc_length[N_DOC], seg_effect[N_SEGMENT];
    static double term_effect[N_TERM], device_effect[N_DEVICE], position_effect[N_POSITION];
    static int doc_topic[N_DOC], cat_topic[N_CATEGORY];
    for (int i = 0; i < N_CATEGORY; i++) {
        cat_effect[i] = 0.6 * rng_normal(&world);
        cat_topic[i] = (int)rng_below(&world, 8);
    }
    for (int i = 0; i < N_DOC; i++) {
        doc_effect[i] = 0.8 * rng_normal(&world);
        doc_length[i] = 0.5 * rng_normal(&world);
        doc_topic[i] = (int)rng_below(&world, 8);
    }
    for (int i = 0; i < N_SEGMENT; i++)
        seg_effect[i] = 0.4 * rng_normal(&world);
    for (int i = 0; i < N_TERM; i++)
        term_effect[i] = 0.25 * rng_normal(&world);
    for (int i = 0; i < N_DEVICE; i++)
        device_effect[i] = 0.3 * rng_normal(&world);
    for (int i = 0; i < N_POSITION; i++)
        position_effect[i] = -0.15 * i;

    for (long r = 0; r < rows; r++) {
        int cat = (int)rng_below(&draw, N_CATEGORY);
        /* Documents shown for a category mostly share its topic. */
        int doc;
        do
            doc = (int)rng_below(&draw, N_DOC);
        while (doc_topic[doc] != cat_topic[cat] && rng_uniform(&draw) < 0.7);
        int seg = (int)rng_below(&draw, N_SEGMENT), dev = (int)rng_below(&draw, N_DEVICE);
        int pos = (int)fmin(N_POSITION - 1, floor(-log1p(-rng_uniform(&draw)) * 2.5));
        int n_terms = 5 + (int)rng_below(&draw, 8), terms[12];
        double relevance = cat_effect[cat] + doc_effect[doc] + seg_effect[seg] + device_effect[dev] +
                           position_effect[pos] - 0.5;
        for (int t = 0; t < n_terms; t++) {
            int fresh;
            do {
                terms[t] = (int)rng_below(&draw, N_TERM);
                fresh = 1;
                for (int u = 0; u < t; u++)
                    fresh &= terms[u] != terms[t];
            } while (!fresh);
            relevance += term_effect[terms[t]];
        }
        /* Interactions a linear scorer cannot represent exactly. */
        if (doc_topic[doc] == cat_topic[cat])
            relevance += 1.0;
        if (dev == 0 && pos >= 3)
            relevance -= 0.8;
        double p = 1.0 / (1.0 + exp(-relevance));
        double log_dwell;
        if (rng_uniform(&draw) < p)
            log_dwell = log(120.0) + 0.7 * doc_length[doc] + 0.3 * relevance + 0.6 * rng_normal(&draw);
        else
            log_dwell = log(6.0) + 0.8 * rng_normal(&draw);
        qsort(terms, (size_t)n_terms, sizeof terms[0], compare_ints);
        printf("%.1f %d:1 %d:1 %d:1 %d:1 %d:1", fmax(1.0, round(10.0 * exp(log_dwell)) / 10.0),
               OFF_CATEGORY + cat, OFF_DOC + doc, OFF_SEGMENT + seg, OFF_DEVICE + dev,
               OFF_POSITION + pos);
        for (int t = 0; t < n_terms; t++)
            printf(" %d:1", OFF_TERM + terms[t]);
        putchar('\n');
    }
    return ferror(stdout) ? 1 : 0;
}
