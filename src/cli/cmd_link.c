/* cmd_link.c - `smloss link`: tabulate a link, to check a spec or plot it. */
#include <getopt.h>
#include <math.h>
#include <string.h>

#include "cli_msg.h"
#include "cli_opts.h"
#include "cli_output.h"
#include "commands.h"
#include "emphasize.h"
#include "link.h"
#include "numfmt.h"

static const char link_usage[] =
    "Usage: smloss link --loss SPEC | --emphasize SPEC [--from A] [--to B] [--steps N] [-o FILE]\n"
    "Print the link as TSV: z, h(z), H(z) and h'(z) (the loss's sensitivity) at\n"
    "N+1 evenly spaced points from A to B. Default range: the link's centres and\n"
    "knots (and 0) widened by 3 on each side.\n"
    "\n"
    "Link spec: terms joined by '+', each NAME[:key=value[,key=value...]]:\n"
    "  lin                     h = z (square loss)              keys: w\n"
    "  sigmoid:a=A,c=C         h = sigmoid(a(z-c))              keys: w, a>0, c\n"
    "  exp:a=A,c=C             h = exp(a(z-c))/a                keys: w, a!=0, c\n"
    "  sinh:a=A,c=C            h = sinh(a(z-c))/a               keys: w, a>0, c\n"
    "  pwl:knots=T1/T2,slopes=M0/M1/M2\n"
    "                          piecewise linear, h(0)=0          keys: w, knots, slopes>0,\n"
    "                          width>=0 (the slope ramps linearly over width at each knot)\n"
    "  Defaults: w=1, a=1, c=0. Example: lin:w=0.05+sigmoid:a=3,c=3\n"
    "\n"
    "      --loss SPEC    the link\n"
    "      --emphasize SPEC  the link 'smloss train --emphasize SPEC' compiles, from\n"
    "                     intervals, e.g. '(-inf,20)=0.2,[35,inf)=5'; the default\n"
    "                     width is 5% of the tabulated range (B - A)\n"
    "      --from A       first z\n"
    "      --to B         last z\n"
    "      --steps N      intervals (100)\n"
    "  -o, --output FILE  where to write (default - = stdout)\n"
    "  -h, --help         this help\n";

enum { ARG_LOSS = 256, ARG_EMPHASIZE, ARG_FROM, ARG_TO, ARG_STEPS };

static const struct option link_options[] = {
    {"loss", required_argument, NULL, ARG_LOSS}, {"from", required_argument, NULL, ARG_FROM},
    {"to", required_argument, NULL, ARG_TO},     {"steps", required_argument, NULL, ARG_STEPS},
    {"output", required_argument, NULL, 'o'},    {"help", no_argument, NULL, 'h'},
    {"emphasize", required_argument, NULL, ARG_EMPHASIZE},
    {NULL, 0, NULL, 0},
};

const cli_command_spec link_spec = {
    .name = "link", .options = link_options, .usage = link_usage, .choices = NULL};

/* The interesting part of the axis: every centre and knot, and 0. */
static void default_range(const sm_link *link, double *lo, double *hi)
{
    *lo = *hi = 0.0;
    for (int k = 0; k < link->n_terms; k++) {
        const link_term *t = &link->terms[k];
        if (t->kind == LINK_SIGMOID || t->kind == LINK_EXP || t->kind == LINK_SINH) {
            *lo = fmin(*lo, t->c);
            *hi = fmax(*hi, t->c);
        }
        for (int i = 0; t->kind == LINK_PWL && i < t->n_regions - 1; i++) {
            *lo = fmin(*lo, t->knots[i]);
            *hi = fmax(*hi, t->knots[i]);
        }
    }
    *lo -= 3.0;
    *hi += 3.0;
}

/* --emphasize's link: the width's default follows the tabulated range (the
 * given ends, else the intervals' boundaries widened as default_range does). */
static int compile_emphasis(const char *text, const double *from, const double *to,
                            sm_link *link)
{
    sm_emphasis e;
    sm_error err;
    if (emphasis_parse(text, &e, &err) != SM_OK ||
        (e.n == 0 && emphasis_resolve(&e, NULL, 0, &err) != SM_OK))
        return cli_usage_error("link", "--emphasize: %s", err.msg);
    double lo = e.n > 1 ? e.bound[0] - 3.0 : -3.0, hi = e.n > 1 ? e.bound[e.n - 2] + 3.0 : 3.0;
    lo = from ? *from : lo;
    hi = to ? *to : hi;
    if (emphasis_resolve(&e, NULL, hi - lo, &err) != SM_OK ||
        emphasis_compile(&e, link, &err) != SM_OK)
        return cli_usage_error("link", "--emphasize: %s", err.msg);
    char spec[EMPHASIS_SPEC_MAX];
    emphasis_format(&e, spec, sizeof spec);
    cli_msg("--emphasize %s", spec);
    return SM_OK;
}

int cmd_link(int argc, char **argv)
{
    const char *spec = NULL, *emphasize = NULL, *output = "-";
    double from = 0, to = 0;
    int have_from = 0, have_to = 0, c, rc = SM_OK;
    int64_t steps = 100;
    optind = 1;
    while (rc == SM_OK && (c = getopt_long(argc, argv, "o:h", link_options, NULL)) != -1) {
        switch (c) {
        case ARG_LOSS: spec = optarg; break;
        case ARG_EMPHASIZE: emphasize = optarg; break;
        case ARG_FROM: rc = cli_parse_double("link", "--from", optarg, -1e300, 1e300, &from); have_from = 1; break;
        case ARG_TO: rc = cli_parse_double("link", "--to", optarg, -1e300, 1e300, &to); have_to = 1; break;
        case ARG_STEPS: rc = cli_parse_int64("link", "--steps", optarg, 1, 100000000, &steps); break;
        case 'o': output = optarg; break;
        case 'h': fputs(link_usage, stdout); return SM_OK;
        default: return cli_bad_option("link", argc, argv, "o:h", link_options);
        }
    }
    if (rc != SM_OK)
        return rc;
    if (optind < argc)
        return cli_usage_error("link", "unexpected argument '%s'", argv[optind]);
    if (!spec == !emphasize)
        return cli_usage_error("link", "give one of --loss and --emphasize");
    sm_link link;
    sm_error err;
    if (emphasize)
        rc = compile_emphasis(emphasize, have_from ? &from : NULL, have_to ? &to : NULL, &link);
    else if (link_parse(spec, &link, &err) != SM_OK)
        rc = cli_usage_error("link", "--loss: %s", err.msg);
    if (rc != SM_OK)
        return rc;
    double lo, hi;
    default_range(&link, &lo, &hi);
    if (have_from)
        lo = from;
    if (have_to)
        hi = to;
    if (!(hi > lo))
        return cli_usage_error("link", "--to must be greater than --from");
    if (!isfinite(hi - lo))
        return cli_usage_error("link", "the range from %g to %g is too wide: give --from and --to",
                               lo, hi);

    cli_output out;
    if ((rc = cli_output_open(&out, output)) != SM_OK)
        return rc;
    char canon[LINK_SPEC_MAX], zb[40], hb[40], Hb[40], db[40];
    link_format(&link, canon, sizeof canon);
    fprintf(out.f, "# link %s\n# z\th\tH\th'\n", canon);
    for (int64_t i = 0; i <= steps; i++) {
        double z = i == steps ? hi : lo + (hi - lo) * (double)i / (double)steps;
        double h, H, dh;
        link_eval(&link, z, &h, &H, &dh);
        sm_format_double(zb, sizeof zb, z);
        sm_format_double(hb, sizeof hb, h);
        sm_format_double(Hb, sizeof Hb, H);
        sm_format_double(db, sizeof db, dh);
        if (fprintf(out.f, "%s\t%s\t%s\t%s\n", zb, hb, Hb, db) < 0)
            break;
    }
    return cli_output_commit(&out);
}
