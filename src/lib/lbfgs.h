/* lbfgs.h - limited-memory BFGS with a strong Wolfe line search, over a
 * callback: the numerical core of the full-batch solver, free of data, I/O
 * and threads.
 *
 * The caller's function returns f(x) and its gradient g(x) together (one
 * pass over the data gives both). An iteration takes the quasi-Newton
 * direction d = -H g of the last m pairs (s, y) (the two-loop recursion,
 * H0 = (s.y / y.y) I from the newest pair, or that scale times a diagonal
 * the caller gives (h0 below); the first direction is -g, or -diag(h0) g,
 * with a first trial step of min(1, 1 / sqrt(-g.d)): unit length for -g),
 * then a step a along d that satisfies the strong
 * Wolfe conditions
 *     f(x + a d) <= f(x) + c1 a g.d,   |g(x + a d).d| <= c2 |g.d|
 * (c1 = 1e-4, c2 = 0.9; Nocedal & Wright, Algorithms 3.5 and 3.6: bracket,
 * then zoom by safeguarded cubic interpolation). A trial point whose f or
 * gradient is not finite counts as a step too long. A pair with s.y <= 0
 * (possible only off a convex function) is not kept.
 *
 * When no step decreases f (at the rounding level of f, or along a poor
 * direction), the memory is dropped and the steepest descent direction
 * tried once; when that fails too the iteration reports a stall and x
 * stays where it was. The same evaluations in the same order give the same
 * iterates: the method adds nothing of its own to the caller's determinism.
 */
#ifndef SM_LBFGS_H
#define SM_LBFGS_H

#include <stdint.h>

#include "error.h"

/* f and g at x (n values each); a status other than SM_OK stops the solver
 * with it. A non-finite f is allowed (a step too long). */
typedef sm_status (*lbfgs_eval_fn)(void *ctx, const double *x, double *f, double *g,
                                   sm_error *err);

#define LBFGS_MEMORY 10      /* pairs kept (sklearn's and scipy's default) */
#define LBFGS_SEARCH_EVALS 30 /* evaluations a line search may take */

typedef struct {
    int64_t n;
    int m, count, newest; /* pairs kept, stored, index of the newest */
    double *s, *y;        /* m x n each, a ring */
    double *rho, *alpha;  /* m each */
    double *x, *g, *d;    /* the iterate, its gradient, the direction */
    double *xt, *gt;      /* a trial point of the line search */
    double *xl, *gl;      /* the best trial point so far */
    double f;             /* f(x) */
    int64_t evals;        /* calls of the function so far */
    /* NULL (H0 = gamma I), or the caller's n positive values, set before
     * lbfgs_start and kept for the run: a diagonal preconditioner, H0 =
     * gamma diag(h0) with gamma = s.y / y.diag(h0).y of the newest pair, and
     * the steepest direction -diag(h0) g. */
    const double *h0;
    lbfgs_eval_fn eval;
    void *ctx;
} sm_lbfgs;

sm_status lbfgs_init(sm_lbfgs *s, int64_t n, lbfgs_eval_fn eval, void *ctx, sm_error *err);
void lbfgs_free(sm_lbfgs *s);
/* Start at x0: evaluates f and g there (s->f, s->g); SM_EDIVERGED when f is
 * not finite. */
sm_status lbfgs_start(sm_lbfgs *s, const double *x0, sm_error *err);
/* One iteration from s->x. *moved is 1 when x moved to a point of lower f
 * (s->x, s->f, s->g updated), 0 on a stall. */
sm_status lbfgs_iterate(sm_lbfgs *s, int *moved, sm_error *err);
/* The largest |g_i| at the current iterate. */
double lbfgs_grad_max(const sm_lbfgs *s);
/* The state that continues a run exactly (train --resume): f, the
 * evaluations so far, the iterate and its gradient, and the pairs kept
 * (oldest first), as lbfgs_state_size(s) doubles. lbfgs_state_restore puts
 * it into a solver of the same n (after lbfgs_init, instead of
 * lbfgs_start); SM_EDATA when the size does not fit. The iterations that
 * follow are those the saved solver would have made, bit for bit. */
int64_t lbfgs_state_size(const sm_lbfgs *s);
void lbfgs_state_save(const sm_lbfgs *s, double *out);
sm_status lbfgs_state_restore(sm_lbfgs *s, const double *in, int64_t size, sm_error *err);

#endif
