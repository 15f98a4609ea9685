/* main.c - the smloss command: dispatch to a subcommand. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_completion.h"
#include "cli_msg.h"
#include "cli_output.h"
#include "commands.h"
#include "dist.h"
#include "version.h"

static const char main_usage[] =
    "Usage: smloss COMMAND [options]\n"
    "Train linear and MLP scorers by SGD with selective matching losses and report\n"
    "errors per label region (Shamir & Warmuth, arXiv 2506.04446).\n"
    "\n"
    "Commands:\n"
    "  train     train a model on libsvm/SVMlight/LETOR data\n"
    "  predict   write a model's scores for a data file\n"
    "  eval      per-region error report of a model or a predictions file\n"
    "  link      tabulate a link h, its primitive H and slope h'\n"
    "  completion  write the bash completion script: smloss completion bash\n"
    "\n"
    "  smloss COMMAND --help   options of a command\n"
    "  smloss --version        version\n"
    "\n"
    "Data files are libsvm text, plain or gzip (zero padding after the stream is\n"
    "skipped); outputs are written whole through a temporary file (unnamed on\n"
    "Linux: a killed run leaves nothing), and never over a file the command reads.\n"
    "\n"
    "Exit status: 0 success, 1 internal error, 2 bad command line or link spec,\n"
    "3 malformed input file, 4 I/O error, 5 training diverged.\n"
    "See man smloss.\n";

/* What is still buffered for standard output must reach it: a write error
 * there (a full disk, a closed pipe) is reported, not lost. */
static int flush_stdout(int rc)
{
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == SM_OK) {
        cli_msg("write error on standard output: %s", strerror(errno));
        return SM_EIO;
    }
    return rc;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } commands[] = {
        {.name = "train", .run = cmd_train},
        {.name = "predict", .run = cmd_predict},
        {.name = "eval", .run = cmd_eval},
        {.name = "link", .run = cmd_link},
    };
    if (argc < 2) {
        fputs(main_usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        fputs(main_usage, stdout);
        return flush_stdout(SM_OK);
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("smloss %s\n", SMLOSS_VERSION);
        printf("MPI: %s\n", dist_compiled() ? "yes (mpirun -np N smloss train: data-parallel training)"
                                            : "no (make MPI=1 builds it in)");
        return flush_stdout(SM_OK);
    }
    if (strcmp(cmd, "completion") == 0) {
        static const cli_command_spec *const specs[] = {&train_spec, &predict_spec, &eval_spec,
                                                        &link_spec};
        static const char usage[] =
            "Usage: smloss completion bash\n"
            "Write the bash completion script of smloss, generated from its option tables.\n"
            "Install it as share/bash-completion/completions/smloss, or: . <(smloss "
            "completion bash)\n";
        if (argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
            fputs(usage, stdout);
            return flush_stdout(SM_OK);
        }
        if (argc != 3 || strcmp(argv[2], "bash") != 0) {
            fputs(usage, stderr);
            return 2;
        }
        return flush_stdout(cli_completion_bash(stdout, specs, sizeof specs / sizeof specs[0]));
    }
    /* Each command says what is wrong with an option itself (cli_bad_option):
     * getopt's own line would make two different messages of one mistake. */
    opterr = 0;
    cli_signals_install();
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0) {
            return flush_stdout(commands[i].run(argc - 1, argv + 1));
        }
    fprintf(stderr, "smloss: unknown command '%s'\n", cmd);
    fputs(main_usage, stderr);
    return 2;
}
