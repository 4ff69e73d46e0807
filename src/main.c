/* main.c - hotstack entry point: the command table and dispatch */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "util.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "record", cmd_record, "sample a command or running processes into a recording" },
	{ "report", cmd_report, "print the hottest functions of a recording" },
	{ "info",   cmd_info,   "print what a recording holds: command, host, counts" },
	{ "export", cmd_export, "write a recording as folded stacks, pprof, speedscope or JSON" },
	{ "flame",  cmd_flame,  "draw an interactive SVG flame graph of a recording" },
	{ "diff",   cmd_diff,   "compare recordings: what got faster or slower, beyond noise" },
	{ "import", cmd_import, "make a recording from folded stacks or perf script output" },
	{ "merge",  cmd_merge,  "combine recordings from several processes or hosts into one" },
	{ "stacks", cmd_stacks, "print the stack of every thread of a live process" },
	{ "ui",     cmd_ui,     "browse a recording in the terminal: hotspots, tree, flame graph" },
	{ "attach", cmd_attach, "watch running processes live in the terminal ui" },
};

static void print_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: hotstack [--version] [--help] COMMAND [ARGS]\n\n"
		   "A sampling profiler for Linux processes: DWARF stacks, SQLite recordings.\n\n"
		   "Commands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'hotstack COMMAND --help' or 'man hotstack-COMMAND' for details.\n"
		   "Exit codes: 0 ok, 1 partial result or failed check, 2 error, 64 usage.\n");
}

int cmd_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	}
	return 0;
}

void cmd_parse_pids(const char *cmd, const char *arg, const char *missing, pid_t **pids,
		    int *npids)
{
	char *bad;

	if (!parse_pid_list(arg, pids, npids, &bad))
		return;
	if (*bad)
		die_usage("%s: '%s' is not a process id", cmd, sanitized(bad));
	die_usage("%s: %s", cmd, missing);
}

void cmd_warn_moved(const char *path, const char *moved_to)
{
	if (moved_to)
		warn("'%s' existed: renamed it to '%s'", sanitized(path), sanitized(moved_to));
}

int cmd_print_help(const char *text)
{
	fputs(text, stdout);
	return EXIT_OK;
}

/* Flush stdout and report a write error (e.g. a full disk or closed pipe). */
static int finish_stdout(int rc)
{
	if (fflush(stdout) || ferror(stdout)) {
		if (errno != EPIPE)
			fprintf(stderr, "%s: error: writing standard output: %s\n", progname,
				strerror(errno));
		return rc ? rc : EXIT_ERROR;
	}
	return rc;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		print_usage(stdout);
		return finish_stdout(EXIT_OK);
	}
	if (!strcmp(argv[1], "--version")) {
		printf("hotstack %s\n", PACKAGE_VERSION);
		return finish_stdout(EXIT_OK);
	}
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name)) {
			usage_command = commands[i].name;
			return finish_stdout(commands[i].fn(argc - 1, argv + 1));
		}
	fprintf(stderr, "%s: '%s' is not a hotstack command; see 'hotstack --help'\n", progname,
		sanitized(argv[1]));
	return EXIT_USAGE;
}
