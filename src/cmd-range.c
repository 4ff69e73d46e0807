/* cmd-range.c - readers over time, for the commands: a directory of rotated
 * recordings (record --continuous) and --since/--until, and the anomaly
 * marks that `report --anomalies` lists
 *
 * A directory is read as one recording: the files that cover some of
 * [since, until] (rotate_select()) are merged (cmd_merge_picked(), which
 * aligns their slices on the earliest start) into a private temporary
 * file, and the time range becomes the profile filter's slice range. The
 * merge copies of the two edge files only their slices in range, and of
 * the files wholly inside the range only their sums (samples_total, one
 * row per stack and thread instead of one per slice, summed in memory):
 * a day of 10-minute files is then read for a report in a fraction of the
 * time (tests/bench/README.md has the figures). A reader that needs time
 * within the range (r->slices) gets every slice of the inner files. A
 * single recording with --since/--until gets the slice range only, or with
 * r->exact a copy of the range. Command-side code: it may die().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "anomaly.h"
#include "cmd.h"
#include "json.h"
#include "profile.h"
#include "rotate.h"
#include "store.h"
#include "util.h"

#define NS 1000000000ll

void cmd_range_init(struct cmd_range *r)
{
	memset(r, 0, sizeof(*r));
	r->since = r->until = -1;
}

void cmd_range_parse(struct cmd_range *r, const char *cmd, const char *opt, const char *arg)
{
	int64_t *t = !strcmp(opt, "since") ? &r->since : &r->until;

	if (rotate_parse_time(arg, realtime_ns(), t))
		die_usage("%s: --%s wants a time such as -1h, -30m, today, yesterday 14:00, "
			  "'2026-11-30 14:00' or 2026-11-30T14:00:00Z, not '%s'",
			  cmd, opt, sanitized(arg));
}

static int saved_stderr = -1;

static void restore_stderr(void)
{
	if (saved_stderr >= 0) {
		dup2(saved_stderr, 2);
		close(saved_stderr);
		saved_stderr = -1;
	}
}

/* Merges paths[0..n) into r->merged, as pick[] says, quietly (merge's
 * message names a temporary file); its errors still reach stderr. */
static void merge_quietly(struct cmd_range *r, char **paths, size_t n,
			  const struct merge_pick *pick)
{
	char **argv = xcalloc(n + 5, sizeof(*argv));
	void (*hook)(void) = die_hook;
	int null, argc = 0, ret;
	size_t i;

	argv[argc++] = (char *)"merge";
	argv[argc++] = (char *)"-o";
	argv[argc++] = r->merged;
	for (i = 0; i < n; i++)
		argv[argc++] = paths[i];
	fflush(stderr);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	saved_stderr = dup(2);
	if (null >= 0 && saved_stderr >= 0) {
		dup2(null, 2);
		die_hook = restore_stderr;
	}
	if (null >= 0)
		close(null);
	optind = 1;
	ret = cmd_merge_picked(argc, argv, pick);
	fflush(stderr);
	restore_stderr();
	die_hook = hook;
	optind = 1;
	free(argv);
	if (ret)
		die("cannot merge the recordings of the time range");
}

/* The slice range of [since, until] in the recording at path; quick: the
 * file is checked when it is read (store_open()). Returns false when the
 * range holds no slice of it (f->slice_hi <= f->slice_lo). */
static bool file_slices(const struct cmd_range *r, const char *path, struct profile_filter *f,
			bool quick)
{
	struct store *st;
	char *err = NULL, *v;
	int64_t start, slice_ns;

	if ((quick ? store_open_quick : store_open)(path, &st, &err))
		die("%s", err);
	v = store_get_meta(st, "start_time");
	start = int_or(v, -1);
	free(v);
	v = store_get_meta(st, "slice_ns");
	slice_ns = int_or(v, (int64_t)STORE_SLICE_NS);
	free(v);
	store_free(st);
	if (start < 0)
		die("'%s' has no start time: --since and --until cannot apply", sanitized(path));
	if (slice_ns <= 0)
		slice_ns = (int64_t)STORE_SLICE_NS;
	f->slice_lo = r->since > start ? (r->since - start) / slice_ns : 0;
	if (r->until >= 0) {
		/* slice_hi 0 means no bound: an empty range is slice 0..0+ */
		f->slice_hi = r->until > start ? (r->until - start + slice_ns - 1) / slice_ns : 0;
		if (f->slice_hi <= f->slice_lo)
			return false;
	}
	return true;
}

static void slice_range(const struct cmd_range *r, const char *path, struct profile_filter *f,
			bool quick)
{
	if (!file_slices(r, path, f, quick))
		die("nothing recorded between --since and --until in '%s'", sanitized(path));
}

/* What to copy of list[i] (one of [lo, hi) of n files). A file lies wholly
 * inside the range when it starts at or after since and the next file
 * starts (a second later than its name says, at most) by until. */
static struct merge_pick pick_of(const struct cmd_range *r, const struct rotate_file *list,
				 size_t n, size_t i)
{
	struct merge_pick p = { 0, -1, false };
	bool inside = list[i].start * NS >= r->since &&
		      (r->until < 0 || (i + 1 < n && (list[i + 1].start + 1) * NS <= r->until));

	if (inside) {
		p.totals = !r->slices;
	} else {
		struct profile_filter f = PROFILE_FILTER_INIT;

		if (file_slices(r, list[i].path, &f, true)) {
			p.lo = f.slice_lo;
			p.hi = f.slice_hi > 0 ? f.slice_hi - 1 : -1;
		} else {	/* it starts where the range ends: nothing */
			p.lo = 1;
			p.hi = 0;
		}
	}
	return p;
}

/* A private temporary directory for r->merged. */
static void make_tmpdir(struct cmd_range *r)
{
	const char *tmp = getenv("TMPDIR");

	r->tmpdir = xasprintf("%s/hotstack-range.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(r->tmpdir))
		die("cannot make a temporary directory: %s", strerror(errno));
	r->merged = xasprintf("%s/merged.db", r->tmpdir);
}

const char *cmd_range_resolve(struct cmd_range *r, const char *cmd, const char *file,
			      struct profile_filter *f)
{
	struct rotate_file *list;
	struct merge_pick *pick;
	struct stat sb;
	size_t lo, hi, i, n;
	ssize_t nl;
	char **paths;

	if (stat(file, &sb) || !S_ISDIR(sb.st_mode)) {
		if (r->since < 0 && r->until < 0)
			return file;
		slice_range(r, file, f, false);
		if (!r->exact)
			return file;
		/* a copy of the range: the reader takes no slice range */
		pick = xcalloc(1, sizeof(*pick));
		pick->lo = f->slice_lo;
		pick->hi = f->slice_hi > 0 ? f->slice_hi - 1 : -1;
		make_tmpdir(r);
		merge_quietly(r, (char **)&file, 1, pick);
		free(pick);
		r->files = 1;
		slice_range(r, r->merged, f, true);
		return r->merged;
	}
	nl = rotate_list(file, &list);
	if (nl < 0)
		die("cannot read '%s': %s", sanitized(file), strerror((int)-nl));
	if (nl == 0)
		die("no recordings in '%s': record --continuous writes hotstack-*.db files there",
		    sanitized(file));
	n = rotate_select(list, (size_t)nl, r->since, r->until, &lo, &hi);
	if (!n)
		die("%s: no recording in '%s' covers that time range (%zu files from %s)", cmd,
		    sanitized(file), (size_t)nl, strrchr(list[0].path, '/') + 1);
	paths = xcalloc(n, sizeof(*paths));
	pick = xcalloc(n, sizeof(*pick));
	for (i = 0; i < n; i++) {
		paths[i] = list[lo + i].path;
		if (n > 1 || r->exact)
			pick[i] = pick_of(r, list, (size_t)nl, lo + i);
	}
	r->files = n;
	if (n == 1 && !r->exact) {
		r->merged = xstrdup(paths[0]);
	} else {
		make_tmpdir(r);
		merge_quietly(r, paths, n, pick);
	}
	free(pick);
	free(paths);
	rotate_files_free(list, (size_t)nl);
	if (r->since >= 0 || r->until >= 0)
		slice_range(r, r->merged, f, r->tmpdir != NULL);
	return r->merged;
}

void cmd_range_release(struct cmd_range *r)
{
	if (r->tmpdir) {
		static const char *const suffixes[] = { "", "-wal", "-shm", ".old" };
		size_t i;

		for (i = 0; i < ARRAY_SIZE(suffixes); i++) {
			char *p = xasprintf("%s%s", r->merged, suffixes[i]);

			unlink(p);
			free(p);
		}
		rmdir(r->tmpdir);
	}
	free(r->tmpdir);
	free(r->merged);
	memset(r, 0, sizeof(*r));
}

/* ---- report --anomalies ---- */

struct mark_list {
	struct store_anomaly *v;
	size_t n, cap;
	int64_t offset;		/* added to the times: the file's start_time */
};

static int add_mark(void *arg, const struct store_anomaly *a)
{
	struct mark_list *l = arg;
	struct store_anomaly *m;

	xgrow(&l->v, &l->cap, l->n + 1, sizeof(*l->v));
	m = &l->v[l->n++];
	*m = *a;
	m->start_ns += l->offset;
	m->end_ns += l->offset;
	m->function = xstrdup(a->function ? a->function : "?");
	m->module = a->module ? xstrdup(a->module) : NULL;
	return 0;
}

static int64_t start_time(struct store *st)
{
	char *v = store_get_meta(st, "start_time");
	int64_t t = int_or(v, 0);

	free(v);
	return t;
}

/* The marks of the recordings (all with times in Unix ns); *stored tells
 * whether they were stored or computed now. */
static void collect_marks(char **paths, size_t n, const char *merged, struct mark_list *l,
			  bool *stored)
{
	struct store *st;
	char *err = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (store_open(paths[i], &st, &err))
			die("%s", err);
		l->offset = start_time(st);
		if (store_each_anomaly(st, add_mark, l))
			die("cannot read the anomaly marks of '%s': %s", sanitized(paths[i]),
			    store_last_error(st));
		store_free(st);
	}
	*stored = l->n > 0;
	if (*stored)
		return;
	if (store_open(merged, &st, &err))
		die("%s", err);
	l->offset = start_time(st);
	if (anomaly_scan(st, NULL, add_mark, l, &err))
		die("%s", err);
	store_free(st);
}

static void clock_text(int64_t t, char *buf, size_t size)
{
	time_t s = (time_t)(t / NS);
	struct tm tm;

	if (!t || !localtime_r(&s, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, size, "?");
}

int cmd_report_anomalies(const char *file, struct cmd_range *r, bool json)
{
	struct profile_filter f = PROFILE_FILTER_INIT;
	const char *path = (r->slices = true, cmd_range_resolve(r, "report", file, &f));
	struct mark_list l = { NULL, 0, 0, 0 };
	struct rotate_file *list = NULL;
	struct stat sb;
	char **paths;
	size_t n = 0, i, lo = 0, hi = 0, shown = 0;
	ssize_t nl = 0;
	bool stored;
	int64_t base = 0;

	/* stored marks: of every file in range (a directory), or of the file */
	if (!stat(file, &sb) && S_ISDIR(sb.st_mode)) {
		nl = rotate_list(file, &list);
		n = nl > 0 ? rotate_select(list, (size_t)nl, r->since, r->until, &lo, &hi) : 0;
		paths = xcalloc(n ? n : 1, sizeof(*paths));
		for (i = 0; i < n; i++)
			paths[i] = list[lo + i].path;
	} else {
		paths = xcalloc(1, sizeof(*paths));
		paths[0] = (char *)path;
		n = 1;
	}
	collect_marks(paths, n, path, &l, &stored);
	free(paths);
	rotate_files_free(list, nl > 0 ? (size_t)nl : 0);
	{
		struct store *st;
		char *err = NULL;

		if (store_open(path, &st, &err))
			die("%s", err);
		base = start_time(st);
		store_free(st);
	}
	for (i = 0; i < l.n; i++) {
		struct store_anomaly *m = &l.v[i];

		/* outside the range asked for: dropped */
		if ((r->since >= 0 && m->end_ns < r->since) ||
		    (r->until >= 0 && m->start_ns > r->until))
			m->score = -1;
		else
			shown++;
	}
	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_string(&j, "source", stored ? "stored" : "computed");
		json_array_begin(&j, "anomalies");
		for (i = 0; i < l.n; i++) {
			const struct store_anomaly *m = &l.v[i];

			if (m->score < 0)
				continue;
			json_object_begin(&j, NULL);
			json_int(&j, "start_time", m->start_ns);
			json_int(&j, "end_time", m->end_ns);
			json_int(&j, "start_ns", m->start_ns - base);
			json_int(&j, "end_ns", m->end_ns - base);
			json_string(&j, "function", m->function);
			if (m->module)
				json_string(&j, "module", m->module);
			else
				json_null(&j, "module");
			json_double(&j, "baseline", m->baseline, 4);
			json_double(&j, "observed", m->observed, 4);
			json_double(&j, "score", m->score, 1);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	} else {
		printf("anomalies: %zu, %s\n", shown,
		       stored ? "stored in the recording"
			      : "computed now (the recording has none stored)");
		if (shown)
			printf("%-19s  %8s  %8s  %8s  %8s  %6s  %s\n", "start", "from s", "to s",
			       "baseline", "observed", "score", "function");
		for (i = 0; i < l.n; i++) {
			const struct store_anomaly *m = &l.v[i];
			const char *mod = m->module ? strrchr(m->module, '/') : NULL;
			char when[64], name[1024], modname[256];

			if (m->score < 0)
				continue;
			clock_text(m->start_ns, when, sizeof(when));
			mod = mod ? mod + 1 : m->module;
			sanitize(name, sizeof(name), m->function);
			printf("%-19s  %8.1f  %8.1f  %7.1f%%  %7.1f%%  %6.1f  %s", when,
			       (double)(m->start_ns - base) / 1e9, (double)(m->end_ns - base) / 1e9,
			       100 * m->baseline, 100 * m->observed, m->score, name);
			if (mod && *mod)
				printf("  (%s)", sanitize(modname, sizeof(modname), mod));
			putchar('\n');
		}
	}
	for (i = 0; i < l.n; i++) {
		free((char *)l.v[i].function);
		free((char *)l.v[i].module);
	}
	free(l.v);
	cmd_range_release(r);
	return EXIT_OK;
}
