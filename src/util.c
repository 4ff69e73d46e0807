/* util.c - allocation, error reporting, small string and time helpers */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

const char *progname = "hotstack";
int verbose;
void (*die_hook)(void);

static void ATTR_NORETURN out_of_memory(size_t size)
{
	fprintf(stderr, "%s: out of memory allocating %zu bytes\n", progname, size);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		out_of_memory(size);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		out_of_memory(n * size);
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		out_of_memory(size);
	return p;
}

void xgrow(void *ptrp, size_t *cap, size_t need, size_t elem)
{
	void **pp = ptrp;
	size_t ncap = *cap ? *cap : 16;

	if (need <= *cap)
		return;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			out_of_memory(SIZE_MAX);
		ncap *= 2;
	}
	*pp = xrealloc(*pp, ncap * elem);
	*cap = ncap;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory(strlen(fmt));
	va_end(ap);
	return s;
}

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", progname, prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;

	if (die_hook)
		die_hook();
	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
	/* nothing to clean up on the way out: what is allocated goes with the
	 * process (and LeakSanitizer need not see it), output is flushed */
	fflush(stdout);
	_exit(EXIT_ERROR);
}

const char *usage_command;

void die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
	if (usage_command)
		fprintf(stderr, "%s: try '%s %s --help'\n", progname, progname, usage_command);
	else
		fprintf(stderr, "%s: try '%s --help'\n", progname, progname);
	fflush(stdout);
	_exit(EXIT_USAGE);
}

void error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* reject overlongs and surrogates */
	if (n == 3 && c == 0xe0 && s[1] < 0xa0)
		return 0;
	if (n == 3 && c == 0xed && s[1] >= 0xa0)
		return 0;
	if (n == 4 && c == 0xf0 && s[1] < 0x90)
		return 0;
	if (n == 4 && c == 0xf4 && s[1] >= 0x90)
		return 0;
	/* C1 controls encoded as U+0080..U+009F */
	if (n == 2 && c == 0xc2 && s[1] < 0xa0)
		return 0;
	return n;
}

static char *sanitize_to(char *dst, size_t dstsize, const char *src, bool ascii)
{
	const unsigned char *s = (const unsigned char *)(src ? src : "");
	size_t o = 0;

	if (!dstsize)
		return dst;
	while (*s) {
		size_t n = utf8_len(s);

		if (n == 1 && (*s < 0x20 || *s == 0x7f))
			n = 0;
		if (ascii && n > 1)
			n = 0;
		if (n) {
			if (o + n >= dstsize)
				break;
			memcpy(dst + o, s, n);
			o += n;
			s += n;
		} else {
			if (o + 4 >= dstsize)
				break;
			snprintf(dst + o, 5, "\\x%02x", *s);
			o += 4;
			s++;
		}
	}
	dst[o] = '\0';
	return dst;
}

char *sanitize(char *dst, size_t dstsize, const char *src)
{
	return sanitize_to(dst, dstsize, src, false);
}

char *sanitize_ascii(char *dst, size_t dstsize, const char *src)
{
	return sanitize_to(dst, dstsize, src, true);
}

const char *sanitized(const char *src)
{
	/* a few buffers in turn: one message may quote several names */
	static _Thread_local char bufs[4][1024];
	static _Thread_local unsigned next;

	return sanitize(bufs[next++ % ARRAY_SIZE(bufs)], sizeof(bufs[0]), src);
}

size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

void print_padded(const char *s, size_t width)
{
	size_t w = text_width(s);

	fputs(s, stdout);
	while (w++ < width)
		putchar(' ');
}

void strbuf_add(struct strbuf *sb, const char *s, size_t n)
{
	xgrow(&sb->buf, &sb->cap, sb->len + n + 1, 1);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void strbuf_adds(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	xgrow(&sb->buf, &sb->cap, sb->len + n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, n + 1, fmt, ap);
	va_end(ap);
	sb->len += n;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void strbuf_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int64_t int_or(const char *s, int64_t dflt)
{
	char *end;
	long long n;

	if (!s || !*s)
		return dflt;
	errno = 0;
	n = strtoll(s, &end, 10);
	return *end || errno ? dflt : n;
}

int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end == 's' && end[1] == '\0')
		end++;
	if (*end || errno || !isfinite(v) || v <= 0 || v > 1e7)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_pid_list(const char *arg, pid_t **pids, int *npids, char **bad)
{
	char *copy = xstrdup(arg), *tok, *save = NULL;
	int before = *npids;

	*bad = NULL;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long pid;

		if (parse_long(tok, 1, INT_MAX, &pid)) {
			*bad = xstrdup(tok);
			break;
		}
		*pids = xrealloc(*pids, (size_t)(*npids + 1) * sizeof(**pids));
		(*pids)[(*npids)++] = (pid_t)pid;
	}
	free(copy);
	if (!*bad && *npids == before)
		*bad = xstrdup("");
	return *bad ? -EINVAL : 0;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

uint64_t hash_bytes(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	/* final avalanche so low bits depend on all input */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

ssize_t read_file(const char *path, char **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 0;
	char *buf = NULL;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		xgrow(&buf, &cap, len + 4097, 1);
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			close(fd);
			free(buf);
			return -err;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return len;
}
