/* cmd-report.c - hotstack report: the hottest functions of a recording
 *
 * Loads one selection through profile.h and prints the function table, or
 * one function's callers/callees, as text for people or JSON for scripts.
 * Text from the recording goes through sanitize(); JSON is escaped by json.c.
 *
 * JSON output (stable; new members may be added, none removed or renamed):
 *   { "samples", "lost", "unwind_errors", "weight_ns",
 *     "duration_ns" (null if the recording did not finish),
 *     "functions": [ { "name", "module" (path), "self", "total",
 *                      "self_pct", "total_pct", "self_ns", "total_ns",
 *                      "file" (or null), "line" (or null) } ],
 *     with --callers F also "callers_of": { "name", "module", "self", "total" }
 *     (F itself) and "callers": [ { "name", "module", "samples", "weight_ns",
 *     "pct" (of F's total) } ]; with --callees, "callees_of" and "callees";
 *     with --kind offcpu (and no --sort), "wait_sites": [ { "call",
 *     "call_module", "caller" (or null), "caller_module", "count", "ns",
 *     "pct" } ] }
 * For the time kinds (offcpu, runqueue, wall) every pct is a share of time.
 * A text table cut by --limit ends with "(N more rows; -n 0 prints all)".
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "demangle.h"
#include "json.h"
#include "profile.h"
#include "util.h"
#include "waitsummary.h"

static const char report_usage[] =
	"usage: hotstack report [FILE] [OPTIONS]\n"
	"\n"
	"Print the hottest functions of a recording (FILE, default hotstack.db).\n"
	"\n"
	"  -s, --sort self|total   order by self samples (default) or total samples\n"
	"  -n, --limit N           print the N hottest functions (default 25, 0 = all)\n"
	"  -t, --tid TID           only samples of thread TID\n"
	"  -m, --module NAME       only samples with a frame in module NAME: its file\n"
	"                          name exactly, else the executable of a process named\n"
	"                          NAME (or started as NAME), else any module whose name\n"
	"                          contains NAME\n"
	"  -k, --kind KIND         sample kind: cpu (default), offcpu (blocked: ranked by\n"
	"                          wait site), runqueue (preempted) or wall (all three);\n"
	"                          percentages of the last three are shares of time\n"
	"      --callers FUNC      print the functions that call FUNC directly\n"
	"      --callees FUNC      print the functions FUNC calls directly\n"
	"  -w, --waits             also what threads waited on (recordings made with\n"
	"                          record --waits): off-CPU stacks, system calls with\n"
	"                          latency percentiles and errors, I/O per file/socket\n"
	"  -f, --format text|json  output format (default text)\n"
	"      --since TIME, --until TIME  only samples in that time range: -1h, -30m,\n"
	"                          today, yesterday 14:00, '2026-11-30 14:00'; FILE may\n"
	"                          be a directory of record --continuous recordings\n"
	"      --anomalies         list the anomaly marks (stored, else computed now)\n"
	"  -h, --help              print this help\n"
	"\n"
	"Columns: self is the samples whose innermost frame is in the function; total\n"
	"the samples with the function anywhere on the stack (once per sample, even\n"
	"when it recurses); seconds are the samples' CPU time.\n";

enum { OPT_CALLERS = 256, OPT_CALLEES, OPT_SINCE, OPT_UNTIL, OPT_ANOMALIES };

struct report_opts {
	const char *file;
	enum profile_sort sort;
	bool sort_given;
	long limit;
	const char *callers, *callees;
	bool json;
	bool waits;
	struct profile_filter filter;
	struct cmd_range range;	/* --since/--until, a directory (cmd-range.c) */
	bool anomalies;
};

static void print_header(const struct profile *p, const struct report_opts *o)
{
	const char *cmd = profile_meta(p, "command");
	char buf[4096];

	printf("command: %s", cmd ? sanitize(buf, sizeof(buf), cmd) : "?");
	if (p->totals.duration_ns >= 0)
		printf("  duration: %.2f s", p->totals.duration_ns / 1e9);
	else
		printf("  duration: unknown (the recording did not finish)");
	printf("  samples: %llu  lost: %lld  unwind errors: %lld\n",
	       (unsigned long long)p->totals.samples, (long long)p->totals.lost,
	       (long long)p->totals.unwind_errors);
	if (o->filter.kind != KIND_CPU || o->filter.tid || o->filter.module) {
		printf("selection: kind %s", profile_kind_name(o->filter.kind));
		if (o->filter.tid)
			printf(", thread %d", o->filter.tid);
		if (o->filter.module)
			printf(", module '%s'", sanitize(buf, sizeof(buf), o->filter.module));
		if (profile_by_time(p))
			printf("; percentages are shares of %s time",
			       o->filter.kind == KIND_OFFCPU ? "blocked" :
			       o->filter.kind == KIND_RUNQUEUE ? "preempted" : "wall");
		putchar('\n');
	}
}

/* "file:line" of the function's hot frame into buf, "" if unknown. */
static const char *func_source(const struct profile *p, int func, char *buf, size_t size)
{
	const struct profile_func *f = &p->funcs[func];
	const struct profile_frame *fr = f->hot_frame >= 0 ? &p->frames[f->hot_frame] : NULL;
	char tmp[4096];

	buf[0] = '\0';
	if (!fr || !fr->file)
		return buf;
	sanitize(tmp, sizeof(tmp), fr->file);
	if (fr->line > 0)
		snprintf(buf, size, "%s:%d", tmp, fr->line);
	else
		snprintf(buf, size, "%s", tmp);
	return buf;
}

static size_t digits(uint64_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Names wider than NAME_WIDTH_MAX are printed short (table_name()); the
 * function column is as wide as the widest name it then prints, up to
 * NAME_COLUMN_MAX (a longer one, from a hostile symbol table, overflows
 * its row alone). */
#define NAME_WIDTH_MAX 60
#define NAME_COLUMN_MAX 120

/* Under a table cut by --limit: how many rows it did not print. */
static void print_more(size_t hidden)
{
	if (hidden)
		printf("(%zu more row%s; -n 0 prints all)\n", hidden, hidden == 1 ? "" : "s");
}

/* A function's name as the tables print it: short when too wide. */
static const char *table_name(const char *name, char *buf, size_t size)
{
	return demangle_table_name(name, NAME_WIDTH_MAX, buf, size);
}

static void print_functions(const struct profile *p, const int *idx, size_t n, size_t hidden)
{
	size_t i, cw = 7, fw = 8, mw = 6;
	char name[4096], mod[4096], src[8192];

	for (i = 0; i < n; i++) {
		const struct profile_func *f = &p->funcs[idx[i]];
		size_t w;

		if (digits(f->total.count) > cw)
			cw = digits(f->total.count);
		w = text_width(table_name(f->name, name, sizeof(name)));
		if (w > fw)
			fw = w > NAME_COLUMN_MAX ? NAME_COLUMN_MAX : w;
		w = text_width(sanitize(mod, sizeof(mod), profile_func_module(p, idx[i])));
		if (w > mw)
			mw = w;
	}
	printf("  self%% %*s  self-s  total%% %*s  total-s  ", (int)cw, "self", (int)cw, "total");
	print_padded("function", fw + 2);
	print_padded("module", mw + 2);
	printf("source\n");
	for (i = 0; i < n; i++) {
		const struct profile_func *f = &p->funcs[idx[i]];

		printf("%6.2f%% %*llu %7.3f %6.2f%% %*llu %8.3f  ", f->self_pct, (int)cw,
		       (unsigned long long)f->self.count, f->self.weight_ns / 1e9, f->total_pct,
		       (int)cw, (unsigned long long)f->total.count, f->total.weight_ns / 1e9);
		func_source(p, idx[i], src, sizeof(src));
		print_padded(table_name(f->name, name, sizeof(name)), fw + 2);
		sanitize(mod, sizeof(mod), profile_func_module(p, idx[i]));
		if (*src) {
			print_padded(mod, mw + 2);
			puts(src);
		} else {
			puts(mod);
		}
	}
	if (!n)
		printf("(no samples)\n");
	print_more(hidden);
}

static const char *func_module_path(const struct profile *p, int func)
{
	int m = p->funcs[func].module;

	return m >= 0 ? p->modules[m].path : NULL;
}

static const char *func_name_or(const struct profile *p, int func, const char *none)
{
	return func >= 0 ? p->funcs[func].name : none;
}

/* --kind offcpu: blocked time by wait site, the call and who made it. */
static void print_wait_sites(const struct profile *p, const struct profile_wait_site *w,
			     size_t n, size_t hidden)
{
	size_t i, cw = 5, fw = 4, mw = 6, k;
	char name[4096], mod[4096];

	for (i = 0; i < n; i++) {
		if (digits(w[i].value.count) > cw)
			cw = digits(w[i].value.count);
		k = text_width(table_name(func_name_or(p, w[i].call, "?"), name, sizeof(name)));
		if (k > fw)
			fw = k > NAME_COLUMN_MAX ? NAME_COLUMN_MAX : k;
		k = text_width(sanitize(mod, sizeof(mod), profile_func_module(p, w[i].call)));
		if (k > mw)
			mw = k;
	}
	printf("blocked time (asleep, from switch-out to wake-up) by wait site: the\n"
	       "blocking call (innermost user-space frame) and the function that made it;\n"
	       "kernel frames stay in the stacks\n");
	printf("  wait%% blocked-s %*s  ", (int)cw, "waits");
	print_padded("call", fw + 2);
	print_padded("module", mw + 2);
	printf("called from\n");
	for (i = 0; i < n; i++) {
		printf("%6.2f%% %9.3f %*llu  ", w[i].pct, w[i].value.weight_ns / 1e9, (int)cw,
		       (unsigned long long)w[i].value.count);
		print_padded(table_name(func_name_or(p, w[i].call, "?"), name, sizeof(name)), fw + 2);
		print_padded(sanitize(mod, sizeof(mod), profile_func_module(p, w[i].call)), mw + 2);
		table_name(func_name_or(p, w[i].caller, "-"), name, sizeof(name));
		if (w[i].caller >= 0)
			printf("%s (%s)\n", name,
			       sanitize(mod, sizeof(mod), profile_func_module(p, w[i].caller)));
		else
			printf("%s\n", name);
	}
	if (!n)
		printf("(no samples)\n");
	print_more(hidden);
}

static void json_wait_sites(struct json *j, const struct profile *p,
			    const struct profile_wait_site *w, size_t n)
{
	size_t i;

	json_array_begin(j, "wait_sites");
	for (i = 0; i < n; i++) {
		json_object_begin(j, NULL);
		json_string(j, "call", func_name_or(p, w[i].call, NULL));
		json_string(j, "call_module", w[i].call >= 0 ? func_module_path(p, w[i].call) : NULL);
		json_string(j, "caller", func_name_or(p, w[i].caller, NULL));
		json_string(j, "caller_module",
			    w[i].caller >= 0 ? func_module_path(p, w[i].caller) : NULL);
		json_uint(j, "count", w[i].value.count);
		json_uint(j, "ns", w[i].value.weight_ns);
		json_double(j, "pct", w[i].pct, 2);
		json_object_end(j);
	}
	json_array_end(j);
}

static void print_edges(const struct profile *p, int func, const char *title,
			const struct profile_edge *e, size_t n)
{
	const struct profile_func *f = &p->funcs[func];
	char name[4096], mod[4096];
	size_t i, cw = 7, fw = 8;

	printf("\n%s of %s", title, sanitize(name, sizeof(name), f->name));
	printf(" (%s): self %llu (%.2f%%), total %llu (%.2f%%)\n",
	       sanitize(mod, sizeof(mod), profile_func_module(p, func)),
	       (unsigned long long)f->self.count, f->self_pct,
	       (unsigned long long)f->total.count, f->total_pct);
	for (i = 0; i < n; i++) {
		size_t w = text_width(table_name(p->funcs[e[i].func].name, name, sizeof(name)));

		if (digits(e[i].value.count) > cw)
			cw = digits(e[i].value.count);
		if (w > fw)
			fw = w > NAME_COLUMN_MAX ? NAME_COLUMN_MAX : w;
	}
	printf("%*s  %7s  ", (int)cw, "samples", "%");
	print_padded("function", fw + 2);
	printf("module\n");
	for (i = 0; i < n; i++) {
		printf("%*llu  %6.2f%%  ", (int)cw, (unsigned long long)e[i].value.count, e[i].pct);
		print_padded(table_name(p->funcs[e[i].func].name, name, sizeof(name)), fw + 2);
		printf("%s\n", sanitize(mod, sizeof(mod), profile_func_module(p, e[i].func)));
	}
	if (!n)
		printf("(none)\n");
}

static void json_functions(struct json *j, const struct profile *p, const int *idx, size_t n)
{
	size_t i;

	json_array_begin(j, "functions");
	for (i = 0; i < n; i++) {
		const struct profile_func *f = &p->funcs[idx[i]];
		const struct profile_frame *fr =
			f->hot_frame >= 0 ? &p->frames[f->hot_frame] : NULL;

		json_object_begin(j, NULL);
		json_string(j, "name", f->name);
		json_string(j, "module", func_module_path(p, idx[i]));
		json_uint(j, "self", f->self.count);
		json_uint(j, "total", f->total.count);
		json_double(j, "self_pct", f->self_pct, 2);
		json_double(j, "total_pct", f->total_pct, 2);
		json_uint(j, "self_ns", f->self.weight_ns);
		json_uint(j, "total_ns", f->total.weight_ns);
		json_string(j, "file", fr ? fr->file : NULL);
		if (fr && fr->file && fr->line > 0)
			json_int(j, "line", fr->line);
		else
			json_null(j, "line");
		json_object_end(j);
	}
	json_array_end(j);
}

/* "callers_of": F, then "callers": [...] (or callees). */
static void json_edges(struct json *j, const char *key, const struct profile *p, int func,
		       const struct profile_edge *e, size_t n)
{
	char *of = xasprintf("%s_of", key);
	size_t i;

	json_object_begin(j, of);
	json_string(j, "name", p->funcs[func].name);
	json_string(j, "module", func_module_path(p, func));
	json_uint(j, "self", p->funcs[func].self.count);
	json_uint(j, "total", p->funcs[func].total.count);
	json_object_end(j);
	free(of);
	json_array_begin(j, key);
	for (i = 0; i < n; i++) {
		json_object_begin(j, NULL);
		json_string(j, "name", p->funcs[e[i].func].name);
		json_string(j, "module", func_module_path(p, e[i].func));
		json_uint(j, "samples", e[i].value.count);
		json_uint(j, "weight_ns", e[i].value.weight_ns);
		json_double(j, "pct", e[i].pct, 2);
		json_object_end(j);
	}
	json_array_end(j);
}

/* The function called name, or die; warns when several modules have one. */
static int lookup_func(const struct profile *p, const char *name)
{
	int n, f = profile_find_func(p, name, &n);

	if (f < 0)
		die("no function '%s' in the selected samples", sanitized(name));
	if (n > 1)
		warn("%d functions are called '%s'; using the one in '%s'", n, sanitized(name),
		     sanitized(profile_func_module(p, f)));
	return f;
}

/* ---- waits ---- */

#define WAIT_ROWS 10

/* An off-CPU stack, innermost first, the way a person reads a wait: the
 * kernel function it waited in (waits_stack_site()), then the user frames
 * that led there, at most max of them. */
static void print_stack_line(char *const *frames, size_t n, size_t max)
{
	size_t i, shown = 0;
	int user, kernel;
	char buf[256];

	waits_stack_site(frames, n, &user, &kernel);
	if (kernel >= 0) {
		printf("%s", sanitize(buf, sizeof(buf), frames[kernel]));
		shown++;
	}
	for (i = (size_t)(user + 1); i > 0 && shown < max; i--, shown++)
		printf("%s%s", shown ? " <- " : "", sanitize(buf, sizeof(buf), frames[i - 1]));
	if (i)
		printf(" <- ...");
	putchar('\n');
}

static void print_waits(const struct waits_summary *w, long limit)
{
	size_t i, rows = limit ? (size_t)limit : SIZE_MAX;

	if (!w->has_waits) {
		printf("\nno waits: record with --waits to see off-CPU time, system calls and I/O\n");
		return;
	}
	printf("\nOff-CPU: %.3f s blocked in %llu waits, %.3f s preempted, %.3f s on CPU\n",
	       (double)w->offcpu_ns / 1e9, (unsigned long long)w->offcpu_count,
	       (double)w->runqueue_ns / 1e9, (double)w->cpu_ns / 1e9);
	printf("  (blocked-s: asleep off CPU, from switch-out to wake-up, by stack)\n");
	printf("blocked-s   waits  stack (innermost first)\n");
	for (i = 0; i < w->nstacks && i < rows && i < WAIT_ROWS * 2; i++) {
		printf("%8.3f %8llu  ", (double)w->stacks[i].ns / 1e9,
		       (unsigned long long)w->stacks[i].count);
		print_stack_line(w->stacks[i].frames, w->stacks[i].nframes, 12);
	}
	print_more(w->nstacks - i);

	printf("\nSystem calls:\n  (in-call-s: entry to exit of the calls that completed while "
	       "recording: asleep,\n  on CPU and waiting for a CPU; below a call, the in-call "
	       "time of its calls that\n  slept in the stack shown)\n");
	printf("  %-18s %9s %10s %10s %10s %10s %7s\n", "name", "calls", "in-call-s", "p50-us",
	       "p99-us", "max-us", "errors");
	for (i = 0; i < w->ncalls && i < rows; i++) {
		const struct syscall_row *c = &w->calls[i];

		printf("  %-18s %9llu %10.3f %10.1f %10.1f %10.1f %7llu", sanitized(c->name),
		       (unsigned long long)c->count, (double)c->total_ns / 1e9,
		       (double)c->p50_ns / 1e3, (double)c->p99_ns / 1e3, (double)c->max_ns / 1e3,
		       (unsigned long long)c->errors);
		if (c->nerrs)
			printf("  (%s x%llu%s)", strerrorname_np(c->errs[0].err) ?
							 strerrorname_np(c->errs[0].err) : "?",
			       (unsigned long long)c->errs[0].count, c->nerrs > 1 ? ", ..." : "");
		putchar('\n');
		if (c->stack) {
			printf("      %.3f s in calls that slept in: ", (double)c->stack_ns / 1e9);
			print_stack_line(c->stack, c->nstack, 8);
		}
	}
	print_more(w->ncalls - i);

	printf("\nI/O by file and socket:\n  (in-call-s: entry to exit of every call on the "
	       "target, read, write, fsync or\n  epoll_wait alike, summed over its descriptors and "
	       "threads)\n");
	printf("  %-8s %9s %12s %12s %10s  %s\n", "kind", "calls", "read-B", "written-B",
	       "in-call-s", "target");
	for (i = 0; i < w->nio && i < rows; i++) {
		const struct io_row *r = &w->io[i];

		char kind[32];

		printf("  %-8s %9llu %12llu %12llu %10.3f  %s\n", sanitize(kind, sizeof(kind), r->kind),
		       (unsigned long long)r->calls, (unsigned long long)r->bytes_read,
		       (unsigned long long)r->bytes_written, (double)r->wait_ns / 1e9,
		       sanitized(r->target));
	}
	print_more(w->nio - i);
}

static void json_stack(struct json *j, const char *key, char *const *frames, size_t n)
{
	size_t i;

	json_array_begin(j, key);
	for (i = 0; i < n; i++)
		json_string(j, NULL, frames[i]);
	json_array_end(j);
}

static void json_waits(struct json *j, const struct waits_summary *w)
{
	size_t i, k;

	json_uint(j, "cpu_ns", w->cpu_ns);
	json_uint(j, "offcpu_ns", w->offcpu_ns);
	json_uint(j, "runqueue_ns", w->runqueue_ns);
	json_array_begin(j, "offcpu");
	for (i = 0; i < w->nstacks; i++) {
		json_object_begin(j, NULL);
		json_stack(j, "stack", w->stacks[i].frames, w->stacks[i].nframes);
		json_uint(j, "ns", w->stacks[i].ns);
		json_uint(j, "count", w->stacks[i].count);
		json_object_end(j);
	}
	json_array_end(j);
	json_array_begin(j, "syscalls");
	for (i = 0; i < w->ncalls; i++) {
		const struct syscall_row *c = &w->calls[i];

		json_object_begin(j, NULL);
		json_string(j, "name", c->name);
		json_uint(j, "count", c->count);
		json_uint(j, "total_ns", c->total_ns);
		json_uint(j, "p50_ns", c->p50_ns);
		json_uint(j, "p99_ns", c->p99_ns);
		json_uint(j, "max_ns", c->max_ns);
		json_uint(j, "errors", c->errors);
		json_array_begin(j, "errnos");
		for (k = 0; k < c->nerrs; k++) {
			json_object_begin(j, NULL);
			json_int(j, "errno", c->errs[k].err);
			json_string(j, "name", strerrorname_np(c->errs[k].err));
			json_uint(j, "count", c->errs[k].count);
			json_object_end(j);
		}
		json_array_end(j);
		if (c->stack)
			json_stack(j, "blocked_in", c->stack, c->nstack);
		else
			json_null(j, "blocked_in");
		json_object_end(j);
	}
	json_array_end(j);
	json_array_begin(j, "io");
	for (i = 0; i < w->nio; i++) {
		const struct io_row *r = &w->io[i];

		json_object_begin(j, NULL);
		json_string(j, "target", r->target);
		json_string(j, "kind", r->kind);
		json_uint(j, "bytes", r->bytes_read + r->bytes_written);
		json_uint(j, "bytes_read", r->bytes_read);
		json_uint(j, "bytes_written", r->bytes_written);
		json_uint(j, "calls", r->calls);
		json_uint(j, "wait_ns", r->wait_ns);
		json_object_end(j);
	}
	json_array_end(j);
}

static void parse_args(int argc, char **argv, struct report_opts *o)
{
	static const struct option longopts[] = {
		{ "sort", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'n' },
		{ "tid", required_argument, NULL, 't' },
		{ "module", required_argument, NULL, 'm' },
		{ "kind", required_argument, NULL, 'k' },
		{ "format", required_argument, NULL, 'f' },
		{ "callers", required_argument, NULL, OPT_CALLERS },
		{ "callees", required_argument, NULL, OPT_CALLEES },
		{ "waits", no_argument, NULL, 'w' },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "anomalies", no_argument, NULL, OPT_ANOMALIES },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:n:t:m:k:f:w", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->sort_given = true;
			if (!strcmp(optarg, "self"))
				o->sort = PROFILE_SORT_SELF;
			else if (!strcmp(optarg, "total"))
				o->sort = PROFILE_SORT_TOTAL;
			else
				die_usage("report: unknown sort key '%s': use self or total",
					  sanitized(optarg));
			break;
		case 'n':
			if (parse_long(optarg, 0, INT_MAX, &o->limit))
				die_usage("report: --limit wants a number >= 0, not '%s'",
					  sanitized(optarg));
			break;
		case 't':
			if (parse_long(optarg, 1, INT_MAX, &v))
				die_usage("report: --tid wants a thread id, not '%s'",
					  sanitized(optarg));
			o->filter.tid = (int)v;
			break;
		case 'm':
			if (!*optarg)
				die_usage("report: --module wants a module name");
			o->filter.module = optarg;
			break;
		case 'k':
			o->filter.kind = profile_kind_from_name(optarg);
			if (o->filter.kind < 0)
				die_usage("report: unknown sample kind '%s': use cpu, offcpu, runqueue or wall",
					  sanitized(optarg));
			break;
		case 'f':
			if (!strcmp(optarg, "json"))
				o->json = true;
			else if (!strcmp(optarg, "text"))
				o->json = false;
			else
				die_usage("report: unknown format '%s': use text or json",
					  sanitized(optarg));
			break;
		case 'w':
			o->waits = true;
			break;
		case OPT_CALLERS:
			o->callers = optarg;
			break;
		case OPT_CALLEES:
			o->callees = optarg;
			break;
		case OPT_SINCE:
			cmd_range_parse(&o->range, "report", "since", optarg);
			break;
		case OPT_UNTIL:
			cmd_range_parse(&o->range, "report", "until", optarg);
			break;
		case OPT_ANOMALIES:
			o->anomalies = true;
			break;
		case ':':
			die_usage("report: option '%s' needs a value", sanitized(argv[optind - 1]));
		default:
			if (optopt)
				die_usage("report: unknown option '-%c'", optopt);
			die_usage("report: unknown option '%s'", sanitized(argv[optind - 1]));
		}
	}
	if (optind < argc)
		o->file = argv[optind++];
	if (optind < argc)
		die_usage("report: unexpected argument '%s'", sanitized(argv[optind]));
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o = {
		.file = "hotstack.db", .sort = PROFILE_SORT_SELF, .limit = 25,
		.filter = PROFILE_FILTER_INIT,
	};
	struct profile_edge *callers = NULL, *callees = NULL;
	size_t ncallers = 0, ncallees = 0, n, hidden = 0, nsites = 0, nshown = 0;
	struct profile_wait_site *sites = NULL;
	char note[8192];
	int caller_target = -1, callee_target = -1, *idx;
	struct waits_summary *waits = NULL;
	struct profile *p;
	char *err;

	if (cmd_wants_help(argc, argv))
		return cmd_print_help(report_usage);
	cmd_range_init(&o.range);
	parse_args(argc, argv, &o);
	if (o.anomalies)
		return cmd_report_anomalies(o.file, &o.range, o.json);
	o.file = cmd_range_resolve(&o.range, "report", o.file, &o.filter);
	if (profile_open(o.file, &o.filter, &p, &err))
		die("%s", err);
	if (profile_filter_note(p, note, sizeof(note)))
		warn("%s", note);
	if (o.waits && waits_summary_load(o.file, o.filter.tid, &waits, &err))
		die("%s", err);
	n = profile_sorted_funcs(p, o.sort, &idx);
	if (o.limit && (size_t)o.limit < n) {
		hidden = n - (size_t)o.limit;
		n = (size_t)o.limit;
	}
	/* off-CPU: every wait's leaf is the scheduler; rank by wait site */
	if (o.filter.kind == KIND_OFFCPU && !o.sort_given && !o.callers && !o.callees) {
		nsites = profile_wait_sites(p, &sites);
		nshown = o.limit && (size_t)o.limit < nsites ? (size_t)o.limit : nsites;
	}
	if (o.callers) {
		caller_target = lookup_func(p, o.callers);
		ncallers = profile_callers(p, caller_target, &callers);
	}
	if (o.callees) {
		callee_target = lookup_func(p, o.callees);
		ncallees = profile_callees(p, callee_target, &callees);
	}

	if (o.json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_uint(&j, "samples", p->totals.samples);
		json_int(&j, "lost", p->totals.lost);
		json_int(&j, "unwind_errors", p->totals.unwind_errors);
		json_uint(&j, "weight_ns", p->totals.weight_ns);
		if (p->totals.duration_ns >= 0)
			json_int(&j, "duration_ns", p->totals.duration_ns);
		else
			json_null(&j, "duration_ns");
		json_functions(&j, p, idx, n);
		if (sites)
			json_wait_sites(&j, p, sites, nshown);
		if (o.callers)
			json_edges(&j, "callers", p, caller_target, callers, ncallers);
		if (o.callees)
			json_edges(&j, "callees", p, callee_target, callees, ncallees);
		if (waits)
			json_waits(&j, waits);
		json_object_end(&j);
		json_finish(&j);
	} else {
		print_header(p, &o);
		if (sites)
			print_wait_sites(p, sites, nshown, nsites - nshown);
		else if (!o.callers && !o.callees)
			print_functions(p, idx, n, hidden);
		if (o.callers)
			print_edges(p, caller_target, "callers", callers, ncallers);
		if (o.callees)
			print_edges(p, callee_target, "callees", callees, ncallees);
		if (waits)
			print_waits(waits, o.limit);
	}
	waits_summary_free(waits);
	free(sites);
	free(callers);
	free(callees);
	free(idx);
	profile_free(p);
	cmd_range_release(&o.range);
	return EXIT_OK;
}
