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

int procfs_last_cpu(pid_t pid, pid_t tid)
{
	char *buf, *f = stat_fields(pid, tid, &buf), *save = NULL, *tok;
	int field, cpu = -ENOENT;

	if (!f)
		return -ESRCH;
	/* f starts at field 3 (state); processor is field 39 */
	for (field = 3, tok = strtok_r(f, " ", &save); tok; tok = strtok_r(NULL, " ", &save), field++)
		if (field == 39) {
			cpu = atoi(tok);
			break;
		}
	free(buf);
	return cpu;
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

int procfs_syscall(pid_t pid, pid_t tid, struct proc_syscall *sc)
{
	char path[96], *text;
	ssize_t len;
	int n;

	memset(sc, 0, sizeof(*sc));
	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	len = read_file(path, &text);
	if (len < 0)
		return (int)len;
	if (!strncmp(text, "running", 7)) {
		free(text);
		return -EAGAIN;
	}
	/* "nr a0 .. a5 sp pc" in a call, "-1 sp pc" outside one */
	n = sscanf(text,
		   "%ld %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64
		   " %" SCNx64 " %" SCNx64,
		   &sc->nr, &sc->args[0], &sc->args[1], &sc->args[2], &sc->args[3], &sc->args[4],
		   &sc->args[5], &sc->sp, &sc->pc);
	free(text);
	if (n == 3 && sc->nr < 0) {
		sc->sp = sc->args[0];
		sc->pc = sc->args[1];
		sc->args[0] = sc->args[1] = 0;
		return 0;
	}
	return n == 9 && sc->nr >= 0 ? 0 : -EINVAL;
}

int procfs_timeslices(pid_t pid, pid_t tid, uint64_t *out)
{
	char path[96], *text;
	unsigned long long run, wait, slices;
	ssize_t len;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
	len = read_file(path, &text);
	if (len < 0)
		return (int)len;
	n = sscanf(text, "%llu %llu %llu", &run, &wait, &slices);
	free(text);
	if (n != 3)
		return -EINVAL;
	*out = slices;
	return 0;
}

int procfs_kernel_stack(pid_t pid, pid_t tid,
			void (*cb)(void *arg, const char *function, uint64_t offset,
				   const char *module),
			void *arg)
{
	char path[96], *text, *line, *save = NULL;
	ssize_t len;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", (int)pid, (int)tid);
	len = read_file(path, &text);
	if (len < 0)
		return (int)len;
	/* "[<0>] ep_poll+0x2a5/0x400" or "... [module]" */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char fn[256], mod[128] = "";
		uint64_t off;

		if (sscanf(line, "[<%*[0-9a-fx]>] %255[^+ ]+0x%" SCNx64 "/%*s [%127[^]]]", fn, &off,
			   mod) < 2)
			continue;
		cb(arg, fn, off, mod);
		n++;
	}
	free(text);
	return n;
}

static void add_range(void *arg, const struct proc_map *m)
{
	struct proc_ranges *r = arg;

	xgrow(&r->v, &r->cap, 2 * (r->n + 1), sizeof(*r->v));
	r->v[2 * r->n] = m->start;
	r->v[2 * r->n + 1] = m->end;
	r->n++;
}

int procfs_read_ranges(pid_t pid, struct proc_ranges *r)
{
	memset(r, 0, sizeof(*r));
	return procfs_read_maps(pid, add_range, r);
}

uint64_t procfs_range_end(const struct proc_ranges *r, uint64_t addr)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (addr < r->v[2 * mid])
			hi = mid;
		else if (addr >= r->v[2 * mid + 1])
			lo = mid + 1;
		else
			return r->v[2 * mid + 1];
	}
	return 0;
}

void procfs_ranges_release(struct proc_ranges *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* "0100007F:1F90" (IPv4) or 32 hex digits + port (IPv6) -> "addr:port". */
static void format_inet(const char *hex, char *out, size_t size)
{
	const char *colon = strchr(hex, ':');
	unsigned port = colon ? (unsigned)strtoul(colon + 1, NULL, 16) : 0;
	size_t len = colon ? (size_t)(colon - hex) : strlen(hex);

	if (len == 8) {
		uint32_t a = (uint32_t)strtoul(hex, NULL, 16);

		snprintf(out, size, "%u.%u.%u.%u:%u", a & 0xff, (a >> 8) & 0xff, (a >> 16) & 0xff,
			 a >> 24, port);
	} else if (len == 32) {
		/* four little-endian 32-bit words */
		char buf[64];
		size_t o = 0;
		int w, b;

		for (w = 0; w < 4; w++) {
			char word[9];
			uint32_t v;

			memcpy(word, hex + 8 * w, 8);
			word[8] = '\0';
			v = (uint32_t)strtoul(word, NULL, 16);
			for (b = 0; b < 4; b += 2)
				o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%x", o ? ":" : "",
						      ((v >> (8 * b)) & 0xff) << 8 |
							      ((v >> (8 * (b + 1))) & 0xff));
		}
		snprintf(out, size, "[%s]:%u", buf, port);
	} else {
		snprintf(out, size, "%s", hex);
	}
}

/* Looks inode up in /proc/PID/net/FILE (tcp, tcp6, udp, udp6). */
static bool find_inet_socket(pid_t pid, const char *file, unsigned long inode, char *buf,
			     size_t size)
{
	char path[64], *text, *line, *save = NULL;
	bool found = false;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", (int)pid, file);
	if (read_file(path, &text) < 0)
		return false;
	for (line = strtok_r(text, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
		char local[64], remote[64], l[80], r[80];
		unsigned st;
		unsigned long ino;

		if (sscanf(line, " %*d: %63s %63s %x %*s %*s %*s %*u %*u %lu", local, remote, &st,
			   &ino) != 4 || ino != inode)
			continue;
		format_inet(local, l, sizeof(l));
		format_inet(remote, r, sizeof(r));
		if (st == 0x0a)	/* TCP_LISTEN */
			snprintf(buf, size, "%s (listening)", l);
		else
			snprintf(buf, size, "%s -> %s", l, r);
		found = true;
	}
	free(text);
	return found;
}

static bool find_unix_socket(pid_t pid, unsigned long inode, char *buf, size_t size)
{
	char path[64], *text, *line, *save = NULL;
	bool found = false;

	snprintf(path, sizeof(path), "/proc/%d/net/unix", (int)pid);
	if (read_file(path, &text) < 0)
		return false;
	for (line = strtok_r(text, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
		unsigned long ino;
		int off = 0;

		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %n", &ino, &off) < 1 || ino != inode)
			continue;
		snprintf(buf, size, "unix:%s", off && line[off] ? line + off : "[unnamed]");
		found = true;
	}
	free(text);
	return found;
}

const char *procfs_fd_target(pid_t pid, int fd, char *buf, size_t size)
{
	char path[64], link[4096];
	unsigned long inode;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return NULL;
	link[n] = '\0';
	snprintf(buf, size, "%s", link);
	if (sscanf(link, "socket:[%lu]", &inode) == 1) {
		if (find_inet_socket(pid, "tcp", inode, buf, size) ||
		    find_inet_socket(pid, "tcp6", inode, buf, size))
			return "tcp";
		if (find_inet_socket(pid, "udp", inode, buf, size) ||
		    find_inet_socket(pid, "udp6", inode, buf, size))
			return "udp";
		if (find_unix_socket(pid, inode, buf, size))
			return "unix";
		return "socket";
	}
	if (!strncmp(link, "pipe:", 5))
		return "pipe";
	if (!strncmp(link, "anon_inode:", 11)) {
		const char *what = link + 11;

		if (strstr(what, "eventfd"))
			return "eventfd";
		if (strstr(what, "eventpoll"))
			return "epoll";
		if (strstr(what, "timerfd"))
			return "timerfd";
		if (strstr(what, "signalfd"))
			return "signalfd";
		return "anon";
	}
	if (!strncmp(link, "/dev/", 5))
		return "device";
	return "file";
}
