/* cmd.h - the subcommands, one file each (cmd-NAME.c), dispatched from main.c
 *
 * Each cmd_NAME(argc, argv) gets argv[0] == "NAME", parses its own options
 * with getopt_long, and returns an exit code (see util.h: EXIT_*). Usage
 * errors call die_usage() (exit 64), fatal errors die() (exit 2).
 */
#ifndef HOTSTACK_CMD_H
#define HOTSTACK_CMD_H

int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_flame(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_stacks(int argc, char **argv);
int cmd_ui(int argc, char **argv);

/* True if argv has -h/--help before any "--"; used by each command. */
int cmd_wants_help(int argc, char **argv);
/* Prints the man-page-like help text of a command and returns EXIT_OK. */
int cmd_print_help(const char *text);

#endif
