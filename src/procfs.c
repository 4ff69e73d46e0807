/* procfs.c - readers for /proc: threads, memory maps, names, states */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"
#include "util.h"

int procfs_list_tasks(pid_t pid, pid_t **tids)
{
	char path[64];
	struct dirent *de;
	size_t n = 0, cap = 0;
	pid_t *out = NULL;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		long tid;

		if (parse_long(de->d_name, 1, INT32_MAX, &tid))
			continue;
		xgrow(&out, &cap, n + 1, sizeof(*out));
		out[n++] = (pid_t)tid;
	}
	closedir(d);
	*tids = out;
	return (int)n;
}

int procfs_read_maps(pid_t pid, void (*cb)(void *arg, const struct proc_map *map), void *arg)
{
	char path[64], *buf, *line, *save = NULL;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	len = read_file(path, &buf);
	if (len < 0)
		return (int)len;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct proc_map m = { 0 };
		char perms[8];
		unsigned maj, min;
		int off = 0;
		char *p;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
			   &m.start, &m.end, perms, &m.pgoff, &maj, &min, &m.inode, &off) < 7)
			continue;
		p = line + off;
		while (*p == ' ')
			p++;
		len = strlen(p);
		if (len > 10 && !strcmp(p + len - 10, " (deleted)")) {
			p[len - 10] = '\0';
			m.deleted = true;
		}
		m.exec = perms[2] == 'x';
		m.path = p;
		cb(arg, &m);
	}
	free(buf);
	return 0;
}

int procfs_comm(pid_t pid, pid_t tid, char *buf, size_t size)
{
	char path[64], *s;
	ssize_t len;

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", (int)pid, (int)tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	len = read_file(path, &s);
	if (len < 0)
		return (int)len;
	if (len && s[len - 1] == '\n')
		s[--len] = '\0';
	snprintf(buf, size, "%s", s);
	free(s);
	return 0;
}

/* The fields of /proc/PID/stat after "(comm)", which may itself hold ')'. */
static char *stat_fields(pid_t pid, pid_t tid, char **buf)
{
	char path[64], *p;

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, buf) < 0)
		return NULL;
	p = strrchr(*buf, ')');
	if (!p || p[1] != ' ') {
		free(*buf);
		return NULL;
	}
	return p + 2;
}

pid_t procfs_ppid(pid_t pid)
{
	char *buf, *f = stat_fields(pid, 0, &buf);
	int ppid;
	char state;

	if (!f)
		return -ESRCH;
	if (sscanf(f, "%c %d", &state, &ppid) != 2)
		ppid = -EINVAL;
	free(buf);
	return ppid;
}

char procfs_state(pid_t pid, pid_t tid)
{
	char *buf, *f = stat_fields(pid, tid, &buf);
	char state;

	if (!f)
		return 0;
	state = f[0];
	free(buf);
	return state;
}

int procfs_exe(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

bool procfs_exists(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return access(path, F_OK) == 0;
}
