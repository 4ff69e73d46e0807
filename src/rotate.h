/* rotate.h - a directory of rotated recordings: names, retention, the
 * `latest` link, and finding the files of a time range
 *
 * record --continuous DIR writes DIR/hotstack-YYYYmmddTHHMMSSZ.db, the UTC
 * second the file was started; a second file started within the same
 * second gets "-2", "-3"... before ".db" (files sort by (time, number), not
 * by name). DIR/latest is a symbolic link to the file being written (its
 * base name), replaced atomically (a new link renamed over the old one).
 *
 * A file covers the time from its own start to the start of the next file
 * (the recorder starts the next file the moment it finishes one), the last
 * one up to now.
 */
#ifndef HOTSTACK_ROTATE_H
#define HOTSTACK_ROTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rotate_file {
	char *path;		/* DIR/NAME */
	int64_t start;		/* Unix seconds from the name */
	int seq;		/* 1 without a suffix, else the suffix */
	uint64_t bytes;		/* with its -wal file */
};

/* What to keep: 0 = no limit. */
struct rotate_keep {
	uint64_t max_age_ns;	/* --keep 24h */
	unsigned max_count;	/* --keep 48 */
	uint64_t max_bytes;	/* --max-size 2G */
};

/* Parses a file name (no directory); returns 0, or -EINVAL when it is not
 * one of ours. */
int rotate_parse_name(const char *name, int64_t *start, int *seq);
/* A new file name in dir for the time now (Unix ns): the first of
 * hotstack-STAMP.db, hotstack-STAMP-2.db, ... that does not exist (nor its
 * -wal). Returns 0 with *out malloc'd, or -errno. */
int rotate_new_path(const char *dir, uint64_t now_ns, char **out);
/* The recordings in dir, sorted by (start, seq). Returns how many (with
 * *out malloc'd; free with rotate_files_free()) or -errno. */
ssize_t rotate_list(const char *dir, struct rotate_file **out);
void rotate_files_free(struct rotate_file *f, size_t n);
/*
 * Removes the oldest recordings of dir (with their -wal and -shm) until
 * what is left satisfies keep: none older than max_age (by the start of
 * the file after it: a file is old when all it covers is), at most
 * max_count, at most max_bytes in all. The file named keep_path (the one
 * being written) is never removed. *removed (if not NULL) gets how many
 * were. Returns 0 or -errno.
 */
int rotate_prune(const char *dir, const struct rotate_keep *keep, uint64_t now_ns,
		 const char *keep_path, int *removed);
/* Points dir/latest at path's base name, atomically. Returns 0 or -errno. */
int rotate_set_latest(const char *dir, const char *path);
/*
 * The files of list[0..n) that cover some of [since, until] (Unix ns; -1
 * for an open end): indices [*lo, *hi). Returns *hi - *lo.
 */
size_t rotate_select(const struct rotate_file *list, size_t n, int64_t since, int64_t until,
		     size_t *lo, size_t *hi);

/* "10m", "2s", "1h", "1d", "90" (seconds), "2.5s" -> ns; 0 or -EINVAL. */
int rotate_parse_duration(const char *s, uint64_t *ns);
/* "2G", "500M", "64k", "1000" (bytes); powers of 1024; 0 or -EINVAL. */
int rotate_parse_size(const char *s, uint64_t *bytes);
/* --keep: a duration with a unit ("24h") keeps by age, a plain number
 * ("48") by count. 0 or -EINVAL. */
int rotate_parse_keep(const char *s, struct rotate_keep *k);
/*
 * --since/--until, as journalctl takes them: "now", "today", "yesterday"
 * (midnight), "-1h", "-30m", "+10m" (relative to now), "@UNIXSECONDS",
 * "2026-11-30 14:00[:SS]", "2026-11-30T14:00[:SS][Z]", "2026-11-30",
 * "14:00[:SS]" (today), "yesterday 14:00", "today 09:30". Times are local
 * unless they end in 'Z' or " UTC". Returns 0 with *out in Unix ns, or
 * -EINVAL.
 */
int rotate_parse_time(const char *s, uint64_t now_ns, int64_t *out);

#endif
