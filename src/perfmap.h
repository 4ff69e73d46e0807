/* perfmap.h - JIT symbols from /tmp/perf-PID.map, read as root without
 * believing the file
 *
 * JIT compilers (V8, the JVM with perf-map-agent, LuaJIT, .NET...) describe
 * their code in /tmp/perf-PID.map, one "START SIZE NAME" line (hex) per
 * function, appending as they compile. /tmp is anyone's: hotstack runs as
 * root, so the map is treated as hostile input:
 *
 *   - found through /proc/PID/root, under the PID the target sees in its
 *     own namespace (the last NSpid in /proc/PID/status), so a container's
 *     map is found; the path is resolved inside that root (openat2 with
 *     RESOLVE_IN_ROOT), so a symlink in the container cannot lead to the
 *     host's files; where openat2 is missing, no symlink is followed at all;
 *   - opened O_NOFOLLOW | O_NONBLOCK (a symlink is refused, a FIFO cannot
 *     hang us) and accepted only as a regular file owned by the target's
 *     user or by root (anyone else could forge its names);
 *   - read up to PERFMAP_MAX_BYTES; lines longer than PERFMAP_MAX_LINE are
 *     skipped;
 *   - re-read only when it changed (inode, size, mtime), and a map that
 *     grew is read from where the last read stopped: runtimes only append.
 *
 * Library code: never prints; perfmap_update() returns why a map is ignored.
 */
#ifndef HOTSTACK_PERFMAP_H
#define HOTSTACK_PERFMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define PERFMAP_MAX_BYTES (64 << 20)
#define PERFMAP_MAX_LINE 4096

struct perfmap_sym {
	uint64_t start, end;	/* [start, end) */
	uint64_t seq;		/* line order: a later line wins */
	char *name;
};

struct perfmap {
	pid_t pid;		/* as hotstack sees it */
	int fd;			/* the open map, or -1 */
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	off_t off;		/* bytes parsed: up to the last full line */
	off_t seen;		/* the size at the last read */
	uint64_t next_reopen_ns;	/* when to look for a replaced file */
	uint64_t bytes_read;	/* all bytes read, for tests and -v */
	bool capped;		/* PERFMAP_MAX_BYTES reached */
	struct perfmap_sym *syms;	/* sorted by start, then seq */
	size_t n, cap;
	uint64_t seq;
};

void perfmap_init(struct perfmap *m, pid_t pid);
void perfmap_release(struct perfmap *m);

/*
 * Brings the symbols up to date with the file, cheaply when it did not
 * change (one fstat; the path is looked up again at most every 500 ms).
 * Returns 0, or a negative errno saying why there is no map: -ENOENT,
 * -ELOOP (a symlink), -EPERM (owned by another user), -EINVAL (not a
 * regular file). The symbols read so far are kept either way.
 */
int perfmap_update(struct perfmap *m);

/* The symbol containing pc, or NULL. */
const struct perfmap_sym *perfmap_lookup(const struct perfmap *m, uint64_t pc);

/*
 * Adds the complete lines of buf[0..len) to m; returns the bytes consumed
 * (up to and including the last newline). Malformed lines are skipped.
 * Public for the unit test and the fuzzer.
 */
size_t perfmap_parse(struct perfmap *m, const char *buf, size_t len);

/* Opens the map of pid as described above; the fd or a negative errno.
 * Public for tests. */
int perfmap_open(pid_t pid);

#endif
