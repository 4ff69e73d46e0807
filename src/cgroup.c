/* cgroup.c - the cgroup v2 directory `record --cgroup` names, and its processes
 *
 * See cgroup.h. Only cgroup v2 can be followed by perf events alone (a v1
 * hierarchy needs its perf_event controller): a v1 directory, or a machine
 * with v1 only, is refused with a line that says so.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "util.h"

#define MAX_DEPTH 64		/* cgroups nest far less deep than this */

static bool is_cgroup2(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* Where the cgroup v2 hierarchy is: /sys/fs/cgroup, or its "unified"
 * subdirectory on a hybrid system; NULL with cgroup v1 only. */
static const char *v2_root(void)
{
	if (is_cgroup2(CGROUP_ROOT))
		return CGROUP_ROOT;
	if (is_cgroup2(CGROUP_ROOT "/unified"))
		return CGROUP_ROOT "/unified";
	return NULL;
}

static char *open_error(const char *path, int err)
{
	const char *shown = sanitized(path);

	switch (err) {
	case ENOENT:
		return xasprintf("no cgroup '%s': no such directory; give a cgroup v2 directory, "
				 "e.g. %s/system.slice/NAME.service or system.slice/NAME.service",
				 shown, CGROUP_ROOT);
	case ENOTDIR:
		return xasprintf("'%s' is not a directory: --cgroup needs a cgroup v2 directory",
				 shown);
	case EACCES:
	case EPERM:
		return xasprintf("cannot open cgroup '%s': %s; run as root or as a user who may "
				 "read it", shown, strerror(err));
	default:
		return xasprintf("cannot open cgroup '%s': %s", shown, strerror(err));
	}
}

int cgroup_open(const char *arg, char **dir, char **errmsg)
{
	const char *root = v2_root();
	struct statfs sf;
	char *path;
	int fd;

	*dir = NULL;
	*errmsg = NULL;
	if (!*arg) {
		*errmsg = xasprintf("--cgroup needs a cgroup v2 directory, e.g. "
				    "system.slice/NAME.service");
		return -EINVAL;
	}
	if (arg[0] != '/' && !root) {
		*errmsg = xasprintf("no cgroup v2 hierarchy at %s: this machine has cgroup v1 only, "
				    "and --cgroup needs cgroup v2", CGROUP_ROOT);
		return -EOPNOTSUPP;
	}
	if (arg[0] == '/') {
		path = xstrdup(arg);
	} else {
		/* on a hybrid system, unified/PATH is relative to /sys/fs/cgroup */
		path = xasprintf("%s/%s", CGROUP_ROOT, arg);
		if (strcmp(root, CGROUP_ROOT) && !is_cgroup2(path)) {
			free(path);
			path = xasprintf("%s/%s", root, arg);
		}
	}
	memset(&sf, 0, sizeof(sf));
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		*errmsg = open_error(path, err);
		free(path);
		return -err;
	}
	if (fstatfs(fd, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC) {
		bool v1 = sf.f_type == CGROUP_SUPER_MAGIC;

		if (v1 && !root)
			*errmsg = xasprintf("'%s' is a cgroup v1 directory and this machine has cgroup v1 "
					    "only: --cgroup needs cgroup v2", sanitized(path));
		else if (v1)
			*errmsg = xasprintf("'%s' is a cgroup v1 directory: --cgroup needs one of the "
					    "cgroup v2 hierarchy at %s", sanitized(path), root);
		else
			*errmsg = xasprintf("'%s' is not a cgroup v2 directory: give one under %s, e.g. "
					    "system.slice/NAME.service", sanitized(path),
					    root ? root : CGROUP_ROOT);
		close(fd);
		free(path);
		return v1 ? -EOPNOTSUPP : -ENOTDIR;
	}
	*dir = path;
	return fd;
}

struct pid_list {
	pid_t *v;
	size_t n, cap;
};

/* Adds the pids of dirfd's cgroup.procs. */
static int read_procs(int dirfd, struct pid_list *l)
{
	int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	char line[32];
	FILE *f;

	if (fd < 0)
		return -errno;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f)) {
		long pid;

		line[strcspn(line, "\n")] = '\0';
		if (parse_long(line, 1, INT_MAX, &pid))
			continue;
		xgrow(&l->v, &l->cap, l->n + 1, sizeof(*l->v));
		l->v[l->n++] = (pid_t)pid;
	}
	fclose(f);
	return 0;
}

/* The cgroup at dirfd and those below it (closes dirfd). Only the top
 * one's errors count: the others may go away while they are read. */
static int walk(int dirfd, struct pid_list *l, int depth)
{
	int err = read_procs(dirfd, l), sub;
	struct dirent *de;
	DIR *d;

	if (err || depth >= MAX_DEPTH) {
		close(dirfd);
		return err;
	}
	sub = dup(dirfd);
	d = sub >= 0 ? fdopendir(sub) : NULL;
	if (!d) {
		if (sub >= 0)
			close(sub);
		close(dirfd);
		return 0;
	}
	while ((de = readdir(d))) {
		int fd;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			walk(fd, l, depth + 1);
	}
	closedir(d);
	close(dirfd);
	return 0;
}

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int cgroup_procs(const char *dir, pid_t **pids)
{
	struct pid_list l = { NULL, 0, 0 };
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;
	size_t i, n = 0;

	*pids = NULL;
	if (fd < 0)
		return -errno;
	err = walk(fd, &l, 0);
	if (err) {
		free(l.v);
		return err;
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), pid_cmp);
	for (i = 0; i < l.n; i++)
		if (!n || l.v[n - 1] != l.v[i])
			l.v[n++] = l.v[i];
	*pids = l.v;
	return (int)n;
}
