/* newrec.c - write a recording under a temporary name, rename it at the end */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "newrec.h"
#include "util.h"

/* The files to remove on a signal, prepared beforehand (async-signal-safe). */
static const char *const side_suffix[] = { "", "-wal", "-shm", "-journal" };
static char cleanup_paths[4][4096];
static volatile sig_atomic_t cleanup_armed;
static struct newrec *active;
static void (*saved_die_hook)(void);
static const int cleanup_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
static struct sigaction saved_actions[ARRAY_SIZE(cleanup_signals)];

static void remove_tmp_files(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(side_suffix); i++)
		if (cleanup_paths[i][0])
			unlink(cleanup_paths[i]);
}

static void on_signal(int sig)
{
	if (cleanup_armed)
		remove_tmp_files();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_die(void)
{
	if (active)
		newrec_abort(active);
	if (saved_die_hook)
		saved_die_hook();
}

static void arm(struct newrec *r)
{
	struct sigaction sa;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(side_suffix); i++)
		snprintf(cleanup_paths[i], sizeof(cleanup_paths[i]), "%s%s", r->tmp,
			 side_suffix[i]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(cleanup_signals); i++)
		sigaction(cleanup_signals[i], &sa, &saved_actions[i]);
	active = r;
	saved_die_hook = die_hook;
	die_hook = on_die;
	cleanup_armed = 1;
}

static void disarm(void)
{
	size_t i;

	if (!active)
		return;
	cleanup_armed = 0;
	for (i = 0; i < ARRAY_SIZE(cleanup_signals); i++)
		sigaction(cleanup_signals[i], &saved_actions[i], NULL);
	die_hook = saved_die_hook;
	active = NULL;
}

int newrec_create(struct newrec *r, const char *path, char **errmsg)
{
	struct stat sb;
	bool renamed;
	size_t i;
	int ret;

	memset(r, 0, sizeof(*r));
	*errmsg = NULL;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		*errmsg = xasprintf("cannot create '%s': %s", sanitized(path), strerror(EISDIR));
		return -EISDIR;
	}
	r->path = xstrdup(path);
	r->tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
	/* a leftover of a killed run that had our pid */
	for (i = 0; i < ARRAY_SIZE(side_suffix); i++) {
		char *s = xasprintf("%s%s", r->tmp, side_suffix[i]);

		unlink(s);
		free(s);
	}
	arm(r);
	ret = store_create(r->tmp, &r->st, &renamed, errmsg);
	if (ret) {
		disarm();
		free(*errmsg);
		*errmsg = xasprintf("cannot create '%s': %s", sanitized(path), strerror(-ret));
		free(r->path);
		free(r->tmp);
		memset(r, 0, sizeof(*r));
	}
	return ret;
}

/* Move path (and its -wal/-shm) to path.old; nothing to do if it is absent. */
static int move_aside(const char *path, bool *renamed, char **errmsg)
{
	static const char *const side[] = { "-wal", "-shm" };
	char *old = xasprintf("%s.old", path);
	struct stat sb;
	int ret = 0;
	size_t i;

	if (lstat(path, &sb) < 0) {
		if (errno != ENOENT) {
			ret = -errno;
			*errmsg = xasprintf("cannot replace '%s': %s", sanitized(path),
					    strerror(-ret));
		}
		/* a stale -wal must not be replayed into the new file */
		for (i = 0; !ret && i < ARRAY_SIZE(side); i++) {
			char *s = xasprintf("%s%s", path, side[i]);

			unlink(s);
			free(s);
		}
		free(old);
		return ret;
	}
	if (S_ISDIR(sb.st_mode)) {
		*errmsg = xasprintf("cannot replace '%s': %s", sanitized(path), strerror(EISDIR));
		free(old);
		return -EISDIR;
	}
	for (i = 0; i < ARRAY_SIZE(side); i++) {
		char *o = xasprintf("%s%s", old, side[i]);

		unlink(o);
		free(o);
	}
	if (rename(path, old) < 0) {
		ret = -errno;
		*errmsg = xasprintf("cannot rename '%s' to '%s.old': %s", sanitized(path),
				    sanitized(path), strerror(-ret));
		free(old);
		return ret;
	}
	*renamed = true;
	for (i = 0; i < ARRAY_SIZE(side); i++) {
		char *s = xasprintf("%s%s", path, side[i]);
		char *o = xasprintf("%s%s", old, side[i]);

		rename(s, o);	/* absent when the old recording was finished */
		free(s);
		free(o);
	}
	free(old);
	return 0;
}

int newrec_commit(struct newrec *r, bool *renamed, char **errmsg)
{
	int ret;

	*renamed = false;
	*errmsg = NULL;
	ret = store_close(r->st);
	r->st = NULL;
	if (ret) {
		*errmsg = xasprintf("cannot write '%s': %s", sanitized(r->tmp), strerror(-ret));
		return ret;
	}
	ret = move_aside(r->path, renamed, errmsg);
	if (ret)
		return ret;
	if (rename(r->tmp, r->path) < 0) {
		ret = -errno;
		*errmsg = xasprintf("cannot rename '%s' to '%s': %s", sanitized(r->tmp),
				    sanitized(r->path), strerror(-ret));
		return ret;
	}
	disarm();
	free(r->path);
	free(r->tmp);
	memset(r, 0, sizeof(*r));
	return 0;
}

void newrec_abort(struct newrec *r)
{
	size_t i;

	if (!r->tmp)
		return;
	store_free(r->st);
	r->st = NULL;
	for (i = 0; i < ARRAY_SIZE(side_suffix); i++) {
		char *s = xasprintf("%s%s", r->tmp, side_suffix[i]);

		unlink(s);
		free(s);
	}
	disarm();
	free(r->path);
	free(r->tmp);
	memset(r, 0, sizeof(*r));
}
