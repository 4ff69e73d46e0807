/* util.h - allocation, error reporting, small string and time helpers
 *
 * Error rule (see DEVELOPERS.md): library code returns 0 or a negative errno
 * and never exits; only cmd-*.c and main.c call die()/die_usage().
 * Messages start lowercase, carry no final full stop, and quote their subject.
 */
#ifndef HOTSTACK_UTIL_H
#define HOTSTACK_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Exit codes, documented in hotstack(1). */
enum {
	EXIT_OK = 0,
	EXIT_PARTIAL = 1,	/* partial result or a failed check */
	EXIT_ERROR = 2,		/* could not do the job */
	EXIT_USAGE = 64,	/* bad command line */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ATTR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ATTR_NORETURN __attribute__((noreturn))
#define UNUSED __attribute__((unused))

/* Allocation that never returns NULL: out of memory aborts with a message. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grow *ptr (of *cap elements of size elem) to hold at least need elements. */
void xgrow(void *ptrp, size_t *cap, size_t need, size_t elem);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) ATTR_PRINTF(1, 2);

/* The program name used as prefix of every message ("hotstack"). */
extern const char *progname;
/* Verbosity: 0 normal, 1 -v. */
extern int verbose;

void die(const char *fmt, ...) ATTR_PRINTF(1, 2) ATTR_NORETURN;
/* The subcommand being run (set by main before dispatch), or NULL: usage
 * errors point to 'hotstack COMMAND --help' when it is set. */
extern const char *usage_command;
/* A usage error: one line, then where the help is; exits EXIT_USAGE. */
void die_usage(const char *fmt, ...) ATTR_PRINTF(1, 2) ATTR_NORETURN;
void error(const char *fmt, ...) ATTR_PRINTF(1, 2);
void warn(const char *fmt, ...) ATTR_PRINTF(1, 2);
void debug(const char *fmt, ...) ATTR_PRINTF(1, 2);
/* Called by die() before exiting (restores terminals, stops children). */
extern void (*die_hook)(void);

/*
 * Copy text that came from a traced process or a recording (symbol names,
 * thread names, paths) into dst so that it is safe to print on a terminal:
 * control characters and invalid UTF-8 become "\xNN" escapes. Always
 * NUL-terminates; truncates to dstsize - 1 bytes. Returns dst.
 */
char *sanitize(char *dst, size_t dstsize, const char *src);
/* As sanitize(), but every byte outside printable ASCII becomes "\xNN" too:
 * for terminals whose locale is not UTF-8 (0x9b is CSI on 8-bit ones). */
char *sanitize_ascii(char *dst, size_t dstsize, const char *src);
/* As sanitize() into a static buffer, one of four per thread used in turn:
 * up to four calls may appear in one message. */
const char *sanitized(const char *src);
/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one. */
size_t utf8_len(const unsigned char *s);
/* Display width of sanitized text: code points, not bytes. */
size_t text_width(const char *s);
/* Prints s to stdout padded with spaces to width columns. */
void print_padded(const char *s, size_t width);

/* Growable string buffer. */
struct strbuf {
	char *buf;
	size_t len, cap;
};
#define STRBUF_INIT { NULL, 0, 0 }
void strbuf_add(struct strbuf *sb, const char *s, size_t n);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) ATTR_PRINTF(2, 3);
void strbuf_reset(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);

/* Parse a whole decimal integer in [min, max]; returns 0 or -EINVAL/-ERANGE. */
int parse_long(const char *s, long min, long max, long *out);
/* The whole decimal integer in s, or dflt if s is NULL or not one. */
int64_t int_or(const char *s, int64_t dflt);
/* Parse a duration in seconds ("10", "2.5"); returns 0 or -EINVAL. */
int parse_seconds(const char *s, double *out);
/*
 * Append the process ids of a comma-separated list ("1234,1240") to
 * *pids (realloc'd) and *npids. Returns 0, or -EINVAL with *bad pointing
 * at a malloc'd copy of the first item that is not a process id (an
 * empty list gives "" there). The -p of record, attach and continuous.
 */
int parse_pid_list(const char *arg, pid_t **pids, int *npids, char **bad);

/* CLOCK_MONOTONIC in nanoseconds (the clock the sampler stamps events with). */
uint64_t monotonic_ns(void);
/* CLOCK_REALTIME in nanoseconds. */
uint64_t realtime_ns(void);

/*
 * Unsigned LEB128, as protobuf writes its varints: seven bits a byte, low
 * first, the high bit set on every byte but the last; at most 10 bytes.
 * varint_put() writes v at dst and returns the bytes written.
 * varint_get() reads one at *p, not past end: false if it runs past end or
 * is longer than 10 bytes; *p moves past it.
 */
#define VARINT_MAX 10
static inline size_t varint_put(uint8_t *dst, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		dst[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	dst[n++] = (uint8_t)v;
	return n;
}

static inline bool varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	const uint8_t *q = *p;
	uint64_t x = 0;
	int shift;

	for (shift = 0; q < end && shift < 7 * VARINT_MAX; shift += 7) {
		x |= (uint64_t)(*q & 0x7f) << shift;
		if (!(*q++ & 0x80)) {
			*v = x;
			*p = q;
			return true;
		}
	}
	return false;
}

/* 64-bit FNV-1a, for hash tables. */
uint64_t hash_bytes(const void *data, size_t len, uint64_t seed);

/* Read a whole small file (e.g. under /proc) into a NUL-terminated buffer.
 * Returns the length or a negative errno. */
ssize_t read_file(const char *path, char **out);

#endif
