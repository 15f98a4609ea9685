/* cli_msg.h - what the command line says on stderr: messages, usage errors,
 * and the progress line of long reads and epochs.
 *
 * Only the command layer (main.c, cli_*.c, cmd_*.c) prints or picks exit
 * statuses; the engine returns sm_status values, which are the exit statuses
 * (see error.h and man/smloss.1).
 */
#ifndef SM_CLI_MSG_H
#define SM_CLI_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#if defined(__GNUC__)
#define CLI_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CLI_PRINTF(fmt, args)
#endif

/* "smloss: message" on stderr. */
void cli_msg(const char *fmt, ...) CLI_PRINTF(1, 2);
/* "smloss CMD: warning: message" on stderr: something asked for that the
 * run does not do, which changes neither the exit status nor the outputs. */
void cli_warn(const char *cmd, const char *fmt, ...) CLI_PRINTF(2, 3);
/* Print an engine error and return its status. */
int cli_fail(const sm_error *err);
/* Print "smloss CMD: ..." plus a pointer to --help; returns SM_EUSAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) CLI_PRINTF(2, 3);

/* Several ranks under mpirun: what every rank finds (a missing file, a bad
 * option) should be said once, not once per rank. Between cli_msg_hold and
 * cli_msg_release the messages of cli_msg, cli_fail and cli_usage_error are
 * kept, not printed; cli_msg_flush prints them (print != 0) or drops them,
 * and goes on keeping; cli_msg_release prints what is kept and stops. The
 * one piece of process state of the command layer, as stderr itself is. */
void cli_msg_hold(void);
void cli_msg_flush(int print);
void cli_msg_release(void);

/* Progress on a terminal: active only when stderr is a tty and not quiet.
 * Draws "\r<text>" from half a second on, at most five times a second
 * (SMLOSS_PROGRESS_AFTER=SECONDS in the environment: from then on, and at
 * most every SECONDS when that is less; 0, for tests: every time it is
 * told); cli_progress_done clears the line. */
typedef struct {
    int active;
    double start, last; /* when it began, when it was last drawn */
    double after;       /* seconds before the first drawing */
    int drawn;
} cli_progress;

void cli_progress_init(cli_progress *p, int quiet);
void cli_progress_draw(cli_progress *p, const char *fmt, ...) CLI_PRINTF(2, 3);
/* Another step begins: its rate and time left count from now. */
void cli_progress_restart(cli_progress *p);
/* Seconds since cli_progress_init or cli_progress_restart. */
double cli_progress_seconds(const cli_progress *p);
/* How far `what` has come: done of total (total <= 0: unknown) in units of
 * unit ("B": bytes, shown in kB, MB or GB; else a count such as "epochs" or
 * "rows", in thousands, millions or billions from 10000 on),
 * with the rate since cli_progress_init and, with a total, the time left:
 * "reading big.letor: 1.4 of 2.0 GB (70%), 480 MB/s, 1 s left". */
void cli_progress_show(cli_progress *p, const char *what, double done, double total,
                       const char *unit);
/* cli_progress_show's line after `seconds` (exposed for tests). */
void cli_progress_format(char *buf, size_t size, const char *what, double done, double total,
                         const char *unit, double seconds);
/* L-BFGS's line after `seconds`: the iteration under way of at most
 * max_iter, the passes over the data so far (an iteration takes one or
 * more), the objective and largest gradient component at the iterate (NaN:
 * none yet) and the rate of the iterations done:
 * "training by L-BFGS, iteration 12 of at most 1000 (pass 14): objective
 * 0.2601629, largest |gradient| 0.00034, 2.2 iterations/s". */
void cli_progress_lbfgs(char *buf, size_t size, int iteration, int max_iter, int64_t passes,
                        double objective, double grad_max, double seconds);
void cli_progress_done(cli_progress *p);

/* The progress of a step over rows, such as "scoring DATA" or "writing
 * OUTPUT": its words and its line. */
typedef struct {
    cli_progress bar;
    char what[300];
} cli_rows_progress;

void cli_rows_progress_init(cli_rows_progress *p, int quiet);
/* The next step, in words (printf-style): its rate counts from now. */
void cli_rows_progress_step(cli_rows_progress *p, const char *fmt, ...) CLI_PRINTF(2, 3);
/* done of total rows: an sm_rows_progress (model.h) with p as its ctx. */
void cli_rows_progress_tell(void *p, int64_t done, int64_t total);

#endif
