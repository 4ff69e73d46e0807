/* atomicfile.c - write files whole or not at all; the ".old" rule
 *
 * See atomicfile.h for the rules. The cleanup guard (tmp_guard_*) is shared
 * with newrec.c: one place that knows how to remove a half-written file
 * when die() or a signal ends the process.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "util.h"

/* --- removing temporaries when the process is ended --- */

static char guard_paths[4][4096];
static volatile sig_atomic_t guard_armed;
static void (*saved_die_hook)(void);
static const int guard_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
static struct sigaction saved_actions[ARRAY_SIZE(guard_signals)];

static void guard_remove(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(guard_paths); i++)
		if (guard_paths[i][0])
			unlink(guard_paths[i]);
}

/* Removes the temporaries, then hands the signal to whoever had it before
 * (the UI restores the terminal on SIGTERM; by default it ends us). */
static void guard_on_signal(int sig)
{
	size_t i;

	if (guard_armed)
		guard_remove();
	guard_armed = 0;
	for (i = 0; i < ARRAY_SIZE(guard_signals); i++)
		if (guard_signals[i] == sig)
			sigaction(sig, &saved_actions[i], NULL);
	raise(sig);
}

static void guard_on_die(void)
{
	if (guard_armed)
		guard_remove();
	guard_armed = 0;
	if (saved_die_hook)
		saved_die_hook();
}

void tmp_guard_arm(const char *const *paths, size_t n)
{
	struct sigaction sa;
	size_t i;

	if (guard_armed)
		tmp_guard_disarm();
	memset(guard_paths, 0, sizeof(guard_paths));
	for (i = 0; i < n && i < ARRAY_SIZE(guard_paths); i++)
		if (strlen(paths[i]) < sizeof(guard_paths[i]))
			strcpy(guard_paths[i], paths[i]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = guard_on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(guard_signals); i++)
		sigaction(guard_signals[i], &sa, &saved_actions[i]);
	saved_die_hook = die_hook;
	die_hook = guard_on_die;
	guard_armed = 1;
}

void tmp_guard_disarm(void)
{
	size_t i;

	if (!guard_armed)
		return;
	guard_armed = 0;
	for (i = 0; i < ARRAY_SIZE(guard_signals); i++)
		sigaction(guard_signals[i], &saved_actions[i], NULL);
	die_hook = saved_die_hook;
	memset(guard_paths, 0, sizeof(guard_paths));
}

/* --- ownership --- */

void give_to_sudo_user(int fd)
{
	const char *u = getenv("SUDO_UID"), *g = getenv("SUDO_GID");
	long uid, gid;

	if (geteuid() != 0 || !u || !g)
		return;
	if (parse_long(u, 1, INT32_MAX, &uid) || parse_long(g, 0, INT32_MAX, &gid))
		return;
	if (fchown(fd, (uid_t)uid, (gid_t)gid) < 0)
		return;
}

/* --- atomic files --- */

static bool trusted_link(const struct stat *sb)
{
	return sb->st_uid == geteuid() || sb->st_uid == 0;
}

/*
 * Follow the symlinks at the end of path while each belongs to us or to
 * root; the path reached (malloc'd), or a copy of path itself when one
 * of them is anyone else's (that link is then replaced, never followed).
 */
static char *resolve_trusted(const char *path)
{
	char *cur = xstrdup(path), *next, *slash;
	char target[4096];
	struct stat sb;
	ssize_t n;
	int hops;

	for (hops = 0; hops < 16; hops++) {
		if (lstat(cur, &sb) < 0 || !S_ISLNK(sb.st_mode))
			return cur;
		if (!trusted_link(&sb))
			break;
		n = readlink(cur, target, sizeof(target) - 1);
		if (n <= 0)
			break;
		target[n] = '\0';
		slash = strrchr(cur, '/');
		if (target[0] == '/' || !slash)
			next = xstrdup(target);
		else
			next = xasprintf("%.*s/%s", (int)(slash - cur), cur, target);
		free(cur);
		cur = next;
	}
	free(cur);
	return xstrdup(path);
}

/* The standard stream (1 or 2) path names, or -1: "-o /dev/stdout" means
 * our own standard output, whatever it is (a pipe, a terminal, a file
 * opened for appending), written as it is. */
static int standard_stream(const char *path)
{
	struct stat a, b;
	int fd;

	if (stat(path, &a) < 0)
		return -1;
	for (fd = 1; fd <= 2; fd++)
		if (fstat(fd, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino &&
		    a.st_rdev == b.st_rdev)
			return fd;
	return -1;
}

static int open_fd(struct atomicfile *af, int fd)
{
	af->f = fdopen(fd, "w");
	if (!af->f) {
		int err = errno;

		close(fd);
		return -err;
	}
	return 0;
}

/* path is no regular file: write it in place (a FIFO, a terminal). Returns
 * 0, 1 when it turned out to be a regular file, or a negative errno. */
static int open_in_place(struct atomicfile *af, const char *path)
{
	struct stat sb;
	int fd;

	fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	/* replaced since we looked: never write a regular file in place (that
	 * is the truncation this module exists to avoid) */
	if (fstat(fd, &sb) < 0 || S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode)) {
		close(fd);
		return 1;
	}
	return open_fd(af, fd);
}

int atomicfile_open(struct atomicfile *af, const char *path, char **errmsg)
{
	struct stat sb;
	char *real;
	int fd, ret;

	memset(af, 0, sizeof(*af));
	*errmsg = NULL;
	fd = standard_stream(path);
	if (fd >= 0) {
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		ret = fd < 0 ? -errno : open_fd(af, fd);
		goto out;
	}
	real = resolve_trusted(path);
	if (lstat(real, &sb) < 0)
		ret = errno == ENOENT ? 0 : -errno;
	else if (S_ISDIR(sb.st_mode))
		ret = -EISDIR;
	else if (S_ISREG(sb.st_mode) || S_ISLNK(sb.st_mode))
		ret = 0;	/* a link here is someone else's: replaced */
	else
		ret = open_in_place(af, real);
	if (ret) {
		free(real);
		if (ret < 0)
			goto out;
		real = xstrdup(path);
	}
	ret = 0;
	if (af->f) {
		free(real);
		goto out;
	}
	af->tmp = xasprintf("%s.tmp-XXXXXX", real);
	free(real);
	fd = mkostemp(af->tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		free(af->tmp);
		af->tmp = NULL;
		goto out;
	}
	tmp_guard_arm((const char *const *)&af->tmp, 1);
	give_to_sudo_user(fd);
	ret = open_fd(af, fd);
	if (ret)
		atomicfile_abort(af);
out:
	if (ret) {
		*errmsg = xasprintf("cannot create '%s': %s", sanitized(path), strerror(-ret));
		return ret;
	}
	if (af->tmp)	/* the path the temporary is renamed to */
		af->path = xstrndup(af->tmp, strlen(af->tmp) - strlen(".tmp-XXXXXX"));
	else
		af->path = xstrdup(path);
	return 0;
}

static void release(struct atomicfile *af)
{
	free(af->path);
	free(af->tmp);
	memset(af, 0, sizeof(*af));
}

int atomicfile_commit(struct atomicfile *af, char **errmsg)
{
	int ret = 0;

	*errmsg = NULL;
	errno = 0;
	if (fflush(af->f) || ferror(af->f))
		ret = -(errno ? errno : EIO);
	/* fsync of a pipe or a terminal fails with EINVAL: nothing to sync */
	if (!ret && af->tmp && fsync(fileno(af->f)) < 0)
		ret = -errno;
	if (fclose(af->f) && !ret)
		ret = -errno;
	af->f = NULL;
	if (!ret && af->tmp && rename(af->tmp, af->path) < 0)
		ret = -errno;
	if (ret) {
		*errmsg = xasprintf("cannot write '%s': %s", sanitized(af->path),
				    ret == -ENOSPC ? "no space left on the device" : strerror(-ret));
		atomicfile_abort(af);
		return ret;
	}
	if (af->tmp)
		tmp_guard_disarm();
	release(af);
	return 0;
}

void atomicfile_abort(struct atomicfile *af)
{
	if (af->f)
		fclose(af->f);
	af->f = NULL;
	if (af->tmp) {
		unlink(af->tmp);
		tmp_guard_disarm();
	}
	release(af);
}

/* --- the .old rule --- */

int move_side_files(const char *path, const char *old, char **errmsg)
{
	static const char *const side[] = { "-wal", "-shm" };
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < ARRAY_SIZE(side); i++) {
		char *s = xasprintf("%s%s", path, side[i]);
		char *o = old ? xasprintf("%s%s", old, side[i]) : NULL;

		if ((o ? rename(s, o) : unlink(s)) < 0 && errno != ENOENT) {
			ret = -errno;
			*errmsg = xasprintf("cannot %s '%s': %s", o ? "move" : "remove",
					    sanitized(s), strerror(-ret));
		}
		free(s);
		free(o);
	}
	return ret;
}

/* The first of path.old, path.old.1, path.old.2, ... that does not exist:
 * an older copy is never replaced. NULL with *errmsg when all are taken. */
static char *free_old_name(const char *path, char **errmsg)
{
	struct stat sb;
	int n;

	for (n = 0; n <= MOVE_ASIDE_MAX; n++) {
		char *old = n ? xasprintf("%s.old.%d", path, n) : xasprintf("%s.old", path);

		if (lstat(old, &sb) < 0 && errno == ENOENT)
			return old;
		free(old);
	}
	*errmsg = xasprintf("'%s.old' to '%s.old.%d' all exist: remove old recordings or "
			    "give another -o", sanitized(path), sanitized(path), MOVE_ASIDE_MAX);
	return NULL;
}

int move_aside(const char *path, char **moved_to, char **errmsg)
{
	char *old = NULL;
	struct stat sb;
	int ret = 0;

	*moved_to = NULL;
	if (lstat(path, &sb) < 0) {
		if (errno == ENOENT)
			ret = move_side_files(path, NULL, errmsg);
		else {
			ret = -errno;
			*errmsg = xasprintf("cannot create '%s': %s", sanitized(path),
					    strerror(-ret));
		}
		goto out;
	}
	if (S_ISDIR(sb.st_mode)) {
		ret = -EISDIR;
		*errmsg = xasprintf("cannot create '%s': %s", sanitized(path), strerror(EISDIR));
		goto out;
	}
	old = free_old_name(path, errmsg);
	if (!old) {
		ret = -EEXIST;
		goto out;
	}
	/* a -wal/-shm without its database: SQLite would replay it into
	 * the file moved there */
	ret = move_side_files(old, NULL, errmsg);
	if (ret)
		goto out;
	if (rename(path, old) < 0) {
		char buf[1024];

		ret = -errno;
		sanitize(buf, sizeof(buf), path);
		*errmsg = xasprintf("cannot rename '%s' to '%s': %s", buf, sanitized(old),
				    strerror(-ret));
		goto out;
	}
	*moved_to = old;
	old = NULL;
	ret = move_side_files(path, *moved_to, errmsg);
out:
	free(old);
	return ret;
}
