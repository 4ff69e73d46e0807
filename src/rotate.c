/* rotate.c - a directory of rotated recordings (see rotate.h) */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rotate.h"
#include "util.h"

#define NS 1000000000ll
#define PREFIX "hotstack-"

int rotate_parse_name(const char *name, int64_t *start, int *seq)
{
	struct tm tm;
	const char *p;
	char *end;
	long n = 1;
	time_t t;

	if (strncmp(name, PREFIX, strlen(PREFIX)))
		return -EINVAL;
	p = name + strlen(PREFIX);
	memset(&tm, 0, sizeof(tm));
	end = strptime(p, "%Y%m%dT%H%M%SZ", &tm);
	if (!end || end - p != 16)
		return -EINVAL;
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return -EINVAL;
		n = strtol(end + 1, &end, 10);
		if (n < 2 || n > 1000000)
			return -EINVAL;
	}
	if (strcmp(end, ".db"))
		return -EINVAL;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*start = (int64_t)t;
	*seq = (int)n;
	return 0;
}

static bool exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

int rotate_new_path(const char *dir, uint64_t now_ns, char **out)
{
	time_t t = (time_t)(now_ns / NS);
	char stamp[32];
	struct tm tm;
	int seq;

	if (!gmtime_r(&t, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
		return -EINVAL;
	for (seq = 1; seq < 1000000; seq++) {
		char *p = seq == 1 ? xasprintf("%s/" PREFIX "%s.db", dir, stamp)
				   : xasprintf("%s/" PREFIX "%s-%d.db", dir, stamp, seq);
		char *wal = xasprintf("%s-wal", p);
		bool taken = exists(p) || exists(wal);

		free(wal);
		if (!taken) {
			*out = p;
			return 0;
		}
		free(p);
	}
	return -EEXIST;
}

static int file_cmp(const void *a, const void *b)
{
	const struct rotate_file *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static uint64_t file_bytes(const char *path)
{
	struct stat sb;
	uint64_t n = 0;
	char *wal;

	if (!stat(path, &sb))
		n += (uint64_t)sb.st_size;
	wal = xasprintf("%s-wal", path);
	if (!stat(wal, &sb))
		n += (uint64_t)sb.st_size;
	free(wal);
	return n;
}

ssize_t rotate_list(const char *dir, struct rotate_file **out)
{
	struct rotate_file *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int64_t start;
		int seq;

		if (rotate_parse_name(de->d_name, &start, &seq))
			continue;
		xgrow(&v, &cap, n + 1, sizeof(*v));
		v[n].path = xasprintf("%s/%s", dir, de->d_name);
		v[n].start = start;
		v[n].seq = seq;
		v[n].bytes = file_bytes(v[n].path);
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), file_cmp);
	*out = v;
	return (ssize_t)n;
}

void rotate_files_free(struct rotate_file *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(f[i].path);
	free(f);
}

static int remove_recording(const char *path)
{
	static const char *const suffixes[] = { "-wal", "-shm", "-journal" };
	size_t i;

	if (unlink(path) && errno != ENOENT)
		return -errno;
	for (i = 0; i < ARRAY_SIZE(suffixes); i++) {
		char *p = xasprintf("%s%s", path, suffixes[i]);

		unlink(p);
		free(p);
	}
	return 0;
}

int rotate_prune(const char *dir, const struct rotate_keep *keep, uint64_t now_ns,
		 const char *keep_path, int *removed)
{
	struct rotate_file *f;
	ssize_t n = rotate_list(dir, &f);
	uint64_t total = 0;
	size_t i, left;
	int ret = 0, count = 0;

	if (removed)
		*removed = 0;
	if (n < 0)
		return (int)n;
	for (i = 0; i < (size_t)n; i++)
		total += f[i].bytes;
	left = (size_t)n;
	for (i = 0; i < (size_t)n; i++) {
		/* a file covers up to the start of the next one */
		int64_t end = i + 1 < (size_t)n ? f[i + 1].start : (int64_t)(now_ns / NS);
		bool old = keep->max_age_ns && end >= 0 &&
			   (uint64_t)end * NS + keep->max_age_ns < now_ns;
		bool many = keep->max_count && left > keep->max_count;
		bool big = keep->max_bytes && total > keep->max_bytes;
		int err;

		if (!old && !many && !big)
			break;
		if (keep_path && !strcmp(f[i].path, keep_path))
			break;
		err = remove_recording(f[i].path);
		if (err) {
			ret = err;
			break;
		}
		total -= f[i].bytes;
		left--;
		count++;
	}
	if (removed)
		*removed = count;
	rotate_files_free(f, (size_t)n);
	return ret;
}

int rotate_set_latest(const char *dir, const char *path)
{
	const char *base = strrchr(path, '/');
	char *tmp = xasprintf("%s/.latest.%d", dir, (int)getpid());
	char *link = xasprintf("%s/latest", dir);
	int ret = 0;

	base = base ? base + 1 : path;
	unlink(tmp);
	if (symlink(base, tmp) || rename(tmp, link))
		ret = -errno;
	unlink(tmp);
	free(tmp);
	free(link);
	return ret;
}

size_t rotate_select(const struct rotate_file *list, size_t n, int64_t since, int64_t until,
		     size_t *lo, size_t *hi)
{
	size_t i;

	*lo = *hi = 0;
	for (i = 0; i < n; i++) {
		int64_t start = list[i].start * NS;
		/* the next file's second may be the same as this one's */
		int64_t end = i + 1 < n ? (list[i + 1].start + 1) * NS : INT64_MAX;

		if (until >= 0 && start > until)
			break;
		if (since >= 0 && end <= since)
			continue;
		if (*hi == *lo)
			*lo = i;
		*hi = i + 1;
	}
	return *hi - *lo;
}

/* A number with an optional unit from units[] (suffix, multiplier). */
struct unit {
	const char *suffix;
	double mult;
};

static int parse_with_unit(const char *s, const struct unit *units, size_t nunits,
			   double dflt_mult, double *out, bool *had_unit)
{
	char *end;
	double v;
	size_t i;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	*had_unit = *end != '\0';
	if (!*end) {
		*out = v * dflt_mult;
		return 0;
	}
	for (i = 0; i < nunits; i++) {
		if (!strcmp(end, units[i].suffix)) {
			*out = v * units[i].mult;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct unit time_units[] = {
	{ "ms", 1e6 }, { "s", 1e9 }, { "sec", 1e9 }, { "m", 60e9 }, { "min", 60e9 },
	{ "h", 3600e9 }, { "d", 86400e9 }, { "w", 604800e9 },
};

int rotate_parse_duration(const char *s, uint64_t *ns)
{
	bool unit;
	double v;

	if (parse_with_unit(s, time_units, ARRAY_SIZE(time_units), 1e9, &v, &unit) ||
	    v < 1e6 || v > 1e18)
		return -EINVAL;
	*ns = (uint64_t)v;
	return 0;
}

int rotate_parse_size(const char *s, uint64_t *bytes)
{
	static const struct unit units[] = {
		{ "k", 1024.0 }, { "K", 1024.0 }, { "M", 1048576.0 }, { "G", 1073741824.0 },
		{ "T", 1099511627776.0 }, { "KB", 1024.0 }, { "MB", 1048576.0 },
		{ "GB", 1073741824.0 }, { "TB", 1099511627776.0 },
	};
	bool unit;
	double v;

	if (parse_with_unit(s, units, ARRAY_SIZE(units), 1, &v, &unit) || v < 1 || v > 1e18)
		return -EINVAL;
	*bytes = (uint64_t)v;
	return 0;
}

int rotate_parse_keep(const char *s, struct rotate_keep *k)
{
	bool unit;
	double v;
	long n;

	if (!parse_long(s, 1, 1000000, &n)) {
		k->max_count = (unsigned)n;
		return 0;
	}
	if (parse_with_unit(s, time_units, ARRAY_SIZE(time_units), 1e9, &v, &unit) || !unit ||
	    v < 1e9 || v > 1e18)
		return -EINVAL;
	k->max_age_ns = (uint64_t)v;
	return 0;
}

/* Local (or UTC) midnight of the day holding t, plus days. */
static int64_t midnight(time_t t, int days, bool utc)
{
	struct tm tm;

	if (utc)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	return (int64_t)(utc ? timegm(&tm) : mktime(&tm));
}

/* "HH:MM[:SS]" at the end of s, added to the day starting at day (Unix s). */
static int parse_clock(const char *s, int64_t day, bool utc, int64_t *out)
{
	struct tm tm;
	time_t t = (time_t)day;
	const char *end;

	if (utc)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	end = strptime(s, "%H:%M:%S", &tm);
	if (!end || *end) {
		end = strptime(s, "%H:%M", &tm);
		if (!end || *end)
			return -EINVAL;
		tm.tm_sec = 0;
	}
	tm.tm_isdst = -1;
	*out = (int64_t)(utc ? timegm(&tm) : mktime(&tm));
	return 0;
}

int rotate_parse_time(const char *s, uint64_t now_ns, int64_t *out)
{
	time_t now = (time_t)(now_ns / NS);
	char buf[64], *p;
	bool utc = false;
	size_t len;
	int64_t day, t;
	struct tm tm;

	if (!s || !*s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	if (*s == '-' || *s == '+') {
		uint64_t d;

		if (rotate_parse_duration(s + 1, &d))
			return -EINVAL;
		*out = *s == '-' ? (int64_t)now_ns - (int64_t)d : (int64_t)now_ns + (int64_t)d;
		return 0;
	}
	if (*s == '@') {
		long v;

		if (parse_long(s + 1, 0, 100000000000L, &v))
			return -EINVAL;
		*out = (int64_t)v * NS;
		return 0;
	}
	strcpy(buf, s);
	len = strlen(buf);
	if (len > 4 && !strcmp(buf + len - 4, " UTC")) {
		buf[len - 4] = '\0';
		utc = true;
	} else if (len > 1 && buf[len - 1] == 'Z' && isdigit((unsigned char)buf[len - 2])) {
		buf[len - 1] = '\0';
		utc = true;
	}
	if (!strcmp(buf, "now")) {
		*out = (int64_t)now_ns;
		return 0;
	}
	day = -1;
	p = buf;
	if (!strncmp(p, "today", 5) && (!p[5] || p[5] == ' ')) {
		day = midnight(now, 0, utc);
		p += 5;
	} else if (!strncmp(p, "yesterday", 9) && (!p[9] || p[9] == ' ')) {
		day = midnight(now, -1, utc);
		p += 9;
	} else if (!strncmp(p, "tomorrow", 8) && (!p[8] || p[8] == ' ')) {
		day = midnight(now, 1, utc);
		p += 8;
	}
	if (day >= 0) {
		while (*p == ' ')
			p++;
		if (!*p) {
			*out = day * NS;
			return 0;
		}
		if (parse_clock(p, day, utc, &t))
			return -EINVAL;
		*out = t * NS;
		return 0;
	}
	/* a date, then maybe a time after ' ' or 'T' */
	memset(&tm, 0, sizeof(tm));
	p = strptime(buf, "%Y-%m-%d", &tm);
	if (p && (p - buf) >= 8) {
		time_t d0;

		tm.tm_isdst = -1;
		d0 = utc ? timegm(&tm) : mktime(&tm);
		if (d0 == (time_t)-1)
			return -EINVAL;
		if (!*p) {
			*out = (int64_t)d0 * NS;
			return 0;
		}
		if ((*p != ' ' && *p != 'T') || parse_clock(p + 1, (int64_t)d0, utc, &t))
			return -EINVAL;
		*out = t * NS;
		return 0;
	}
	/* a time of day alone: today */
	if (parse_clock(buf, midnight(now, 0, utc), utc, &t))
		return -EINVAL;
	*out = t * NS;
	return 0;
}
