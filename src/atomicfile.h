/* atomicfile.h - every file hotstack writes: whole or not at all, never
 * through someone else's symlink
 *
 * hotstack runs as root and is often pointed at world-writable directories
 * (/tmp). A file it writes must not become a way to truncate or overwrite
 * another file, and a reader must never see half of it:
 *
 *   - atomicfile_open() writes a regular output through a temporary file
 *     made with mkstemp() beside it (O_EXCL, mode 0600, a random name, so
 *     nothing planted can be followed), and atomicfile_commit() flushes,
 *     fsyncs and renames it over PATH. A symlink at PATH is replaced, not
 *     followed, so its target is never touched.
 *   - An existing non-regular PATH (a FIFO, /dev/stdout, a terminal, a
 *     socket) is written in place: there is nothing to rename over. A
 *     symlink is followed for that only when it belongs to us or to root
 *     (/dev/stdout, /proc/self/fd/N); anyone else's symlink is replaced.
 *   - Until the commit, die() and SIGINT/SIGTERM/SIGHUP/SIGPIPE remove the
 *     temporary; only SIGKILL or a crash can leave a PATH.tmp-XXXXXX.
 *
 * New files are 0600 and, under sudo, handed to the invoking user: they
 * hold the same command lines and paths a recording does.
 */
#ifndef HOTSTACK_ATOMICFILE_H
#define HOTSTACK_ATOMICFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct atomicfile {
	char *path;	/* the target */
	char *tmp;	/* the temporary beside it, or NULL when written in place */
	FILE *f;	/* write here */
};

/* Returns 0 or a negative errno with a one-line *errmsg (malloc'd). */
int atomicfile_open(struct atomicfile *af, const char *path, char **errmsg);
/* Flushes, fsyncs and renames the temporary over the target; on failure
 * removes the temporary. af is released either way. */
int atomicfile_commit(struct atomicfile *af, char **errmsg);
/* Closes and removes the temporary; safe on a released af. */
void atomicfile_abort(struct atomicfile *af);

/*
 * The ".old" rule, for recordings: move path and its -wal/-shm to path.old,
 * or, when that exists, to the first free path.old.N (N up to
 * MOVE_ASIDE_MAX; then -EEXIST): an older copy is never replaced.
 * *moved_to is the name it was moved to (malloc'd), NULL when path did not
 * exist. When path is absent, a stale -wal/-shm beside it is removed:
 * SQLite would replay it into the new file. A -wal never ends up beside a
 * database it was not written for. A symlink at path is moved, never
 * followed. Returns 0 or a negative errno with *errmsg.
 */
#define MOVE_ASIDE_MAX 999
int move_aside(const char *path, char **moved_to, char **errmsg);
/* Remove (old == NULL) the -wal/-shm beside path, or rename them to
 * old-wal/old-shm. Returns 0 or a negative errno with *errmsg. */
int move_side_files(const char *path, const char *old, char **errmsg);

/*
 * Until tmp_guard_disarm(), die() and SIGINT/SIGTERM/SIGHUP/SIGPIPE remove
 * these files (up to 4, copied) before the process ends. One guard at a
 * time: arming again replaces the set. Signals are re-raised afterwards.
 */
void tmp_guard_arm(const char *const *paths, size_t n);
void tmp_guard_disarm(void);

/* Under sudo, give the file open as fd to SUDO_UID/SUDO_GID (best effort:
 * it stays root's if that fails). No-op unless running as root. */
void give_to_sudo_user(int fd);

#endif
