/* link.h - increasing links h, their primitives H and the matching loss.
 *
 * A link is a weighted sum of terms, h = sum_k w_k h_k (smloss-losses(7), LINKS).
 * The matching loss is the Bregman divergence of H:
 *     L(s, y) = H(s) - H(y) - (s - y) h(y),     dL/ds = h(s) - h(y).
 * link_loss and link_grad evaluate them with the cancellation-free formulas of
 * smloss-losses(7), COMPUTING THE DIVERGENCE (expm1-based phi, KL form for
 * sigmoid, segment walk for pwl), never as the literal difference
 * H(s) - H(y) - ... .
 *
 * Accuracy (link.c has the details): about 1e-13 relative for h, H, h', L
 * and dL/ds, plus (|u0| + |u1|) 2^-53 for the rounding of u = a (z - c), for
 * every normal a (2.2e-308 <= |a| <= 1.8e308) and all finite arguments;
 * subnormal results keep absolute accuracy only. A result beyond DBL_MAX is
 * +-inf; no finite argument gives NaN (but h of a sum whose terms overflow
 * in opposite directions at one z).
 *
 * Spec grammar (one string, no spaces):
 *     spec := term ('+' term)*
 *     term := NAME [':' key '=' value (',' key '=' value)*]
 *     NAME := lin | sigmoid | exp | sinh | pwl
 * list values (pwl knots, slopes) are separated by '/'; pwl also takes
 * width=W (ramps instead of kinks, see link_term). Terms are split only at
 * a '+' followed by a term name, so "a=1e+2" and "c=-2.5" keep their meaning.
 *
 * Each term kind is one row of a table in link.c (name, keys, defaults, and the
 * h / H / h' / loss / grad functions); the sum is a loop over terms.
 */
#ifndef SM_LINK_H
#define SM_LINK_H

#include "error.h"

#define LINK_MAX_TERMS 8
#define LINK_PWL_MAX_REGIONS 32
/* The longest spec accepted, and a buffer size that holds link_format's
 * canonical form of ANY valid link (model files and reports store it): at most
 * LINK_MAX_TERMS terms of at most 2 * LINK_PWL_MAX_REGIONS + 2 numbers of at
 * most 24 characters each, plus names, keys and separators (about 13,000). */
#define LINK_SPEC_MAX 16384

typedef enum { LINK_LIN = 0, LINK_SIGMOID, LINK_EXP, LINK_SINH, LINK_PWL, LINK_KIND_COUNT } link_kind;

typedef struct {
    link_kind kind;
    double w;                                   /* weight > 0 */
    double a, c;                                /* scale and centre (sigmoid, exp, sinh) */
    int n_regions;                              /* pwl: regions = knots + 1 */
    double knots[LINK_PWL_MAX_REGIONS - 1];     /* pwl: strictly increasing */
    double slopes[LINK_PWL_MAX_REGIONS];        /* pwl: > 0 */
    /* pwl: 0, or the width of the ramps: the slope moves linearly from one
     * region's to the next over [knot - width/2, knot + width/2], so h' is
     * continuous; knots are at least width apart. */
    double width;
    /* pwl, derived: the ends of its segments (constant slope, or a ramp),
     * the knots when width = 0, and h there (h(0) = 0). */
    int n_bounds;
    double bound[2 * (LINK_PWL_MAX_REGIONS - 1)];
    double h_at_bound[2 * (LINK_PWL_MAX_REGIONS - 1)];
} link_term;

typedef struct {
    int n_terms;
    link_term terms[LINK_MAX_TERMS];
} sm_link;

/* Parse a spec. On error returns SM_EUSAGE with a message quoting the bad part,
 * e.g. "--loss: unknown key 'b' in term 'sigmoid:b=2'". */
sm_status link_parse(const char *spec, sm_link *link, sm_error *err);

/* Canonical spec with every parameter spelled out and values printed by
 * sm_format_double (shortest exact decimal), so link_parse(link_format(l))
 * reproduces l bit-exactly. Returns the length (snprintf-style); a buffer of
 * LINK_SPEC_MAX always suffices. */
int link_format(const sm_link *link, char *buf, size_t size);

/* Point evaluations of the whole sum. Any pointer may be NULL. */
void link_eval(const sm_link *link, double z, double *h, double *H, double *dh);
double link_h(const sm_link *link, double z);
double link_dh(const sm_link *link, double z);

/* Matching loss L(s, y) >= 0 and its derivative in s, computed stably.
 * Results beyond DBL_MAX (large a|z - c| with exp or sinh) are +-inf; the
 * caller (trainer) detects them and stops. */
double link_loss(const sm_link *link, double s, double y);
double link_grad(const sm_link *link, double s, double y);

/* Whether a link is flat over the labels (the trainer refuses one that is:
 * a model trained with it learns nothing, or not what the link was meant
 * for). link_slope_over is the link's largest slope h' over [lo, hi]
 * (within a factor of n_terms). link_steepest is its slope where its
 * steepest term is steepest, *at that z (NaN for a lin term, as steep
 * everywhere): a sigmoid's centre (w a / 4), the centre of sinh (slope w,
 * its least), a point of a pwl term's steepest segment; exp terms have no
 * such point (moving the centre of w e^(a(z-c))/a only rescales it, which the
 * trainer's relative learning rate undoes) and count for nothing there, 0
 * for a link of exp terms only. Flat: a slope over the labels below
 * LINK_FLAT_RATIO times the steepest (a centre so far from the labels, in
 * other units?, that the link's slope over them is a millionth of its slope
 * there), or below LINK_FLAT_SLOPE (a slope that underflows: no gradient). */
#define LINK_FLAT_RATIO 1e-6
#define LINK_FLAT_SLOPE 1e-300
double link_slope_over(const sm_link *link, double lo, double hi);
double link_steepest(const sm_link *link, double *at);

#endif
