/* cmd.h - the subcommands, one file each (cmd-NAME.c), dispatched from main.c
 *
 * Each cmd_NAME(argc, argv) gets argv[0] == "NAME", parses its own options
 * with getopt_long, and returns an exit code (see util.h: EXIT_*). Usage
 * errors call die_usage() (exit 64), fatal errors die() (exit 2).
 */
#ifndef HOTSTACK_CMD_H
#define HOTSTACK_CMD_H

#include <sys/types.h>

int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_flame(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_import(int argc, char **argv);
/* The import parsers on a buffer (for the fuzzer): format 0 guesses, 1
 * folded, 2 perf script; returns the samples parsed. Bad input dies as
 * import does (the fuzzer catches die() through die_hook, then calls
 * import_parse_abort() to free what the parse held). */
#include <stddef.h>
#include <stdint.h>
int64_t import_parse(const char *buf, size_t len, int format);
void import_parse_abort(void);
int cmd_merge(int argc, char **argv);
/* merge with a choice per input (for cmd-range.c): its slices lo..hi
 * (inclusive, -1 open), or with totals its samples summed over the file
 * (samples_total), the inputs picked so summed in memory and written at the
 * first one's first slice, and opened without the whole-file check
 * (store_open_quick(): what is read is still checked) */
#include <stdbool.h>
struct merge_pick {
	int64_t lo, hi;
	bool totals;
};
int cmd_merge_picked(int argc, char **argv, const struct merge_pick *pick);
int cmd_stacks(int argc, char **argv);
/* record --continuous (cmd-continuous.c): cmd_record hands over when
 * cmd_record_is_continuous() */
int cmd_record_continuous(int argc, char **argv);
#include <stdbool.h>
bool cmd_record_is_continuous(int argc, char **argv);

/*
 * Readers over time (cmd-range.c): FILE may be a directory of rotated
 * recordings (record --continuous); --since/--until select a time range.
 * cmd_range_resolve() returns the recording to read (the file, the one file
 * of the directory in range, or a temporary merge of those in range) and
 * sets f's slice range; cmd_range_release() removes the temporary merge.
 * A merge copies only what is in range: the files wholly inside it as their
 * sums, unless the reader sets slices (it needs time within the range: ui,
 * diff, speedscope, anomalies); with exact, the recording returned holds the
 * range's samples only (for a reader that takes no slice range: ui), so a
 * single file with --since/--until is copied too.
 */
#include <stddef.h>
#include <stdint.h>
struct profile_filter;
struct cmd_range {
	int64_t since, until;	/* Unix ns, -1 if not given */
	size_t files;		/* recordings of the directory read */
	bool slices, exact;	/* set by the reader before resolving */
	char *tmpdir, *merged;
};
void cmd_range_init(struct cmd_range *r);
/* opt: "since" or "until"; dies with a usage error on a bad time. */
void cmd_range_parse(struct cmd_range *r, const char *cmd, const char *opt, const char *arg);
const char *cmd_range_resolve(struct cmd_range *r, const char *cmd, const char *file,
			      struct profile_filter *f);
void cmd_range_release(struct cmd_range *r);
/* report --anomalies: the marks stored in the recording(s), else computed. */
int cmd_report_anomalies(const char *file, struct cmd_range *r, bool json);
int cmd_ui(int argc, char **argv);
int cmd_attach(int argc, char **argv);

/* True if argv has -h/--help before any "--"; used by each command. */
int cmd_wants_help(int argc, char **argv);
/* Prints the man-page-like help text of a command and returns EXIT_OK. */
int cmd_print_help(const char *text);
/* Parses -p's PID[,PID...] into *pids (appending); dies with a usage error
 * naming cmd and the bad part, or saying missing when no PID was given. */
void cmd_parse_pids(const char *cmd, const char *arg, const char *missing, pid_t **pids,
		    int *npids);
/* The warning of the .old rule (move_aside()): path existed and was moved
 * to moved_to; nothing when moved_to is NULL. */
void cmd_warn_moved(const char *path, const char *moved_to);

#endif
