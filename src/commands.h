/* commands.h - the subcommands; each returns the process exit status. */
#ifndef SM_COMMANDS_H
#define SM_COMMANDS_H

int cmd_train(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_link(int argc, char **argv);

#endif
