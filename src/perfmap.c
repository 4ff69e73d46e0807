/* perfmap.c - JIT symbols from /tmp/perf-PID.map (see perfmap.h) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define HAVE_OPENAT2 1
#endif
#endif

#include "perfmap.h"
#include "util.h"

#define REOPEN_NS (500 * 1000000ull)

void perfmap_init(struct perfmap *m, pid_t pid)
{
	memset(m, 0, sizeof(*m));
	m->pid = pid;
	m->fd = -1;
}

static void clear_syms(struct perfmap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->syms[i].name);
	m->n = 0;
	m->off = 0;
	m->seen = 0;
	m->capped = false;
}

void perfmap_release(struct perfmap *m)
{
	clear_syms(m);
	free(m->syms);
	if (m->fd >= 0)
		close(m->fd);
	perfmap_init(m, m->pid);
}

static int cmp_sym(const void *a, const void *b)
{
	const struct perfmap_sym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Parses "START SIZE NAME" (hex, optional 0x); false if malformed. */
static bool parse_line(const char *s, size_t len, uint64_t *start, uint64_t *size,
		       const char **name, size_t *namelen)
{
	const char *end = s + len;
	uint64_t *v[2] = { start, size };
	int i;

	for (i = 0; i < 2; i++) {
		unsigned digits = 0;

		*v[i] = 0;
		if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			s += 2;
		for (; s < end; s++) {
			int d;

			if (*s >= '0' && *s <= '9')
				d = *s - '0';
			else if (*s >= 'a' && *s <= 'f')
				d = *s - 'a' + 10;
			else if (*s >= 'A' && *s <= 'F')
				d = *s - 'A' + 10;
			else
				break;
			if (++digits > 16)
				return false;
			*v[i] = *v[i] << 4 | (uint64_t)d;
		}
		if (!digits || s >= end || *s != ' ')
			return false;
		while (s < end && *s == ' ')
			s++;
	}
	while (end > s && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	if (s >= end || *size == 0 || *start + *size < *start)
		return false;
	*name = s;
	*namelen = (size_t)(end - s);
	return true;
}

size_t perfmap_parse(struct perfmap *m, const char *buf, size_t len)
{
	size_t pos = 0, before = m->n;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos), *name;
		size_t linelen, namelen;
		uint64_t start, size;

		if (!nl)
			break;
		linelen = (size_t)(nl - (buf + pos));
		if (linelen <= PERFMAP_MAX_LINE &&
		    parse_line(buf + pos, linelen, &start, &size, &name, &namelen) &&
		    !memchr(name, '\0', namelen)) {
			xgrow(&m->syms, &m->cap, m->n + 1, sizeof(*m->syms));
			m->syms[m->n].start = start;
			m->syms[m->n].end = start + size;
			m->syms[m->n].seq = m->seq++;
			m->syms[m->n].name = xstrndup(name, namelen);
			m->n++;
		}
		pos += linelen + 1;
	}
	if (m->n != before)
		qsort(m->syms, m->n, sizeof(*m->syms), cmp_sym);
	return pos;
}

const struct perfmap_sym *perfmap_lookup(const struct perfmap *m, uint64_t pc)
{
	size_t lo = 0, hi = m->n, i;

	/* the last symbol starting at or before pc; among equal starts the
	 * latest line, which replaced the earlier ones */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->syms[mid].start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* a few steps back, for a short symbol inside a longer one's range */
	for (i = lo; i > 0 && lo - i < 8; i--)
		if (pc < m->syms[i - 1].end)
			return &m->syms[i - 1];
	return NULL;
}

/* The target's innermost namespaced pid and effective uid, from
 * /proc/PID/status. */
static int target_ids(pid_t pid, long *nspid, long *uid)
{
	char path[64], *text, *line, *save = NULL;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	n = read_file(path, &text);
	if (n < 0)
		return (int)n;
	*nspid = pid;
	*uid = -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "NSpid:", 6)) {
			char *last = strrchr(line, '\t');

			if (last && parse_long(last + 1, 1, INT32_MAX, nspid))
				*nspid = pid;
		} else if (!strncmp(line, "Uid:", 4)) {
			char *end;
			unsigned long real = strtoul(line + 4, &end, 10);
			unsigned long eff = strtoul(end, &end, 10);

			(void)real;
			*uid = (long)eff;
		}
	}
	free(text);
	return *uid < 0 ? -EINVAL : 0;
}

/* Opens name inside the directory root as if root were "/", following no
 * symlink out of it; without openat2, follows no symlink at all. */
static int open_in_root(int root, const char *name, int flags)
{
	int tmp, fd;
#if defined(HAVE_OPENAT2) && defined(SYS_openat2)
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)flags;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, root, name, &how, sizeof(how));
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM && errno != E2BIG))
		return fd < 0 ? -errno : fd;
#endif
	/* "tmp/perf-N.map": each component a real directory or file */
	tmp = openat(root, "tmp", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tmp < 0)
		return -errno;
	fd = openat(tmp, strchr(name, '/') + 1, flags);
	if (fd < 0)
		fd = -errno;
	close(tmp);
	return fd;
}

int perfmap_open(pid_t pid)
{
	char path[64], name[64];
	struct stat sb;
	long nspid = 0, uid = -1;
	int root, fd, ret;

	ret = target_ids(pid, &nspid, &uid);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	snprintf(name, sizeof(name), "tmp/perf-%ld.map", nspid);
	fd = open_in_root(root, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	close(root);
	if (fd < 0)
		return fd;
	if (fstat(fd, &sb) < 0) {
		ret = -errno;
	} else if (!S_ISREG(sb.st_mode)) {
		ret = -EINVAL;
	} else if (sb.st_uid != 0 && (long)sb.st_uid != uid) {
		ret = -EPERM;
	} else {
		return fd;
	}
	close(fd);
	return ret;
}

/* Reads what was appended since m->off (up to the cap). */
static int read_tail(struct perfmap *m, off_t size)
{
	char *buf;
	size_t have = 0, want, used;
	ssize_t n;

	if (size > PERFMAP_MAX_BYTES) {
		size = PERFMAP_MAX_BYTES;
		m->capped = true;
	}
	if (size <= m->off)
		return 0;
	want = (size_t)(size - m->off);
	buf = xmalloc(want);
	while (have < want) {
		n = pread(m->fd, buf + have, want - have, m->off + (off_t)have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	m->bytes_read += have;
	used = perfmap_parse(m, buf, have);
	/* a line longer than the cap never ends: skip it */
	if (!used && have >= PERFMAP_MAX_LINE + 1) {
		const char *nl = memchr(buf, '\n', have);

		used = nl ? (size_t)(nl - buf) + 1 : have;
	}
	m->off += (off_t)used;
	free(buf);
	return 0;
}

int perfmap_update(struct perfmap *m)
{
	uint64_t now = monotonic_ns();
	struct stat sb;
	int fd;

	if (m->fd < 0 || now >= m->next_reopen_ns) {
		m->next_reopen_ns = now + REOPEN_NS;
		fd = perfmap_open(m->pid);
		if (fd < 0) {
			/* gone (the process ended, or removed its map): keep
			 * what was read; a refused file is forgotten */
			if (fd != -ENOENT && fd != -ESRCH) {
				clear_syms(m);
				if (m->fd >= 0)
					close(m->fd);
				m->fd = -1;
			}
			return m->fd >= 0 ? 0 : fd;
		}
		if (fstat(fd, &sb) < 0) {
			close(fd);
			return -errno;
		}
		if (m->fd >= 0 && sb.st_dev == m->dev && sb.st_ino == m->ino) {
			close(fd);	/* the same file */
		} else {
			if (m->fd >= 0)
				close(m->fd);
			clear_syms(m);
			m->fd = fd;
			m->dev = sb.st_dev;
			m->ino = sb.st_ino;
			m->mtime.tv_sec = -1;
		}
	}
	if (fstat(m->fd, &sb) < 0)
		return -errno;
	if (sb.st_size == m->seen && sb.st_mtim.tv_sec == m->mtime.tv_sec &&
	    sb.st_mtim.tv_nsec == m->mtime.tv_nsec)
		return 0;
	if (sb.st_size < m->off)	/* rewritten shorter: start over */
		clear_syms(m);
	m->mtime = sb.st_mtim;
	m->seen = sb.st_size;
	return read_tail(m, sb.st_size);
}
