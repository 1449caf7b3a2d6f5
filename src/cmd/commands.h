/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The subcommands; each takes argv after the command name and returns the exit status. */
#ifndef LJ_COMMANDS_H
#define LJ_COMMANDS_H

int cmd_daemon(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_diagnose(int argc, char **argv);
int cmd_explain(int argc, char **argv);

#endif
