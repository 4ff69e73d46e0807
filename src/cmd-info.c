/* cmd-info.c - hotstack info: what a recording holds
 *
 * Prints the metadata, the processes and threads, the table sizes and the
 * bytes per sample, as text (sanitized) or JSON. Reads the store directly:
 * nothing here needs the profile model.
 *
 * JSON output (stable; new members may be added, none removed or renamed):
 *   { "file", "file_size" (bytes, with any -wal), "bytes_per_sample" (or null),
 *     "meta": { key: value, ... }  (integers as numbers, the rest strings),
 *     "processes": [ { "pid", "ppid", "name", "exe" } ],
 *     "thread_count", "threads": [ { "tid", "pid", "name", "samples" } ],
 *     "modules", "frames", "stack_nodes", "sample_rows", "samples",
 *     "samples_by_kind": { "cpu"|"offcpu"|"runqueue": { "count", "weight_ns" } } }
 * Thread samples and meta "samples" count on-CPU samples; "samples" counts
 * the rows of every kind: on-CPU samples, waits and preemptions.
 */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"
#include "json.h"
#include "store.h"
#include "util.h"

static const char info_usage[] =
	"usage: hotstack info [FILE] [OPTIONS]\n"
	"\n"
	"Print what a recording (FILE, default hotstack.db) holds: the command and\n"
	"host it was recorded on, its settings, processes and threads, and sizes.\n"
	"\n"
	"  -f, --format text|json  output format (default text)\n"
	"  -h, --help              print this help\n";

struct info_ctx {
	struct json *j;		/* NULL for text */
};

/* Meta keys printed first, in this order; the rest follow by key. */
static const char *const meta_order[] = {
	"command", "mode", "pids", "exit_status", "start_time", "duration_ns", "event",
	"frequency", "stack_size", "kernel_frames", "slice_ns", "samples", "lost",
	"unwind_errors", "host", "kernel", "hotstack_version", "schema_version",
};

static bool is_ordered_key(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(meta_order); i++)
		if (!strcmp(meta_order[i], key))
			return true;
	return false;
}

struct meta_row {
	char *key, *value;
	bool is_int;
	int64_t ival;
};

struct meta_list {
	struct meta_row *rows;
	size_t n, cap;
};

static int collect_meta(void *arg, const char *key, const char *value, bool is_int, int64_t iv)
{
	struct meta_list *l = arg;

	if (!key)
		return 0;
	xgrow(&l->rows, &l->cap, l->n + 1, sizeof(*l->rows));
	l->rows[l->n].key = xstrdup(key);
	l->rows[l->n].value = value ? xstrdup(value) : NULL;
	l->rows[l->n].is_int = is_int;
	l->rows[l->n].ival = iv;
	l->n++;
	return 0;
}

/* A readable form of some meta values, "" if none. */
static const char *meta_hint(const struct meta_row *r, char *buf, size_t size)
{
	if (!r->is_int)
		return "";
	if (!strcmp(r->key, "start_time")) {
		time_t t = (time_t)(r->ival / 1000000000);
		struct tm tm;

		if (gmtime_r(&t, &tm) && strftime(buf, size, " (%Y-%m-%d %H:%M:%S UTC)", &tm))
			return buf;
	} else if (!strcmp(r->key, "samples")) {
		return " (on-CPU samples taken)";
	} else if (!strcmp(r->key, "duration_ns") || !strcmp(r->key, "slice_ns")) {
		snprintf(buf, size, " (%.3f s)", r->ival / 1e9);
		return buf;
	}
	return "";
}

static void print_meta_row(const struct meta_row *r, struct json *j)
{
	char buf[4096], hint[64];

	if (j) {
		if (r->is_int)
			json_int(j, r->key, r->ival);
		else
			json_string(j, r->key, r->value);
		return;
	}
	printf("%-17s %s", sanitized(r->key), r->value ? sanitize(buf, sizeof(buf), r->value) : "");
	printf("%s\n", meta_hint(r, hint, sizeof(hint)));
}

static int print_meta(struct store *st, struct json *j)
{
	struct meta_list l = { NULL, 0, 0 };
	size_t i, k;
	int ret = store_each_meta(st, collect_meta, &l);

	if (j)
		json_object_begin(j, "meta");
	for (k = 0; !ret && k < ARRAY_SIZE(meta_order); k++)
		for (i = 0; i < l.n; i++)
			if (!strcmp(l.rows[i].key, meta_order[k]))
				print_meta_row(&l.rows[i], j);
	for (i = 0; !ret && i < l.n; i++)
		if (!is_ordered_key(l.rows[i].key))
			print_meta_row(&l.rows[i], j);
	if (j)
		json_object_end(j);
	for (i = 0; i < l.n; i++) {
		free(l.rows[i].key);
		free(l.rows[i].value);
	}
	free(l.rows);
	return ret;
}

static int print_process(void *arg, int pid, int ppid, const char *name, const char *exe)
{
	struct info_ctx *c = arg;
	char b1[1024], b2[4096];

	if (c->j) {
		json_object_begin(c->j, NULL);
		json_int(c->j, "pid", pid);
		json_int(c->j, "ppid", ppid);
		json_string(c->j, "name", name);
		json_string(c->j, "exe", exe);
		json_object_end(c->j);
		return 0;
	}
	printf("  %7d %7d  %-16s %s\n", pid, ppid, name ? sanitize(b1, sizeof(b1), name) : "?",
	       exe ? sanitize(b2, sizeof(b2), exe) : "?");
	return 0;
}

struct thread_list {
	struct thread_row {
		int tid, pid;
		char *name;
		int64_t samples;
	} *rows;
	size_t n, cap;
};

static int collect_thread(void *arg, int tid, int pid, const char *name, int64_t samples)
{
	struct thread_list *l = arg;

	xgrow(&l->rows, &l->cap, l->n + 1, sizeof(*l->rows));
	l->rows[l->n].tid = tid;
	l->rows[l->n].pid = pid;
	l->rows[l->n].name = name ? xstrdup(name) : NULL;
	l->rows[l->n].samples = samples;
	l->n++;
	return 0;
}

static int print_threads(struct store *st, struct json *j)
{
	struct thread_list l = { NULL, 0, 0 };
	char buf[1024];
	size_t i;
	int ret = store_each_thread(st, KIND_CPU, collect_thread, &l);

	if (ret)
		goto out;
	if (j) {
		json_int(j, "thread_count", (int64_t)l.n);
		json_array_begin(j, "threads");
	} else {
		printf("\nthreads: %zu\n", l.n);
		if (l.n)
			printf("  %7s %7s  %-16s %s\n", "TID", "PID", "NAME", "CPU-SAMPLES");
	}
	for (i = 0; i < l.n; i++) {
		struct thread_row *t = &l.rows[i];

		if (j) {
			json_object_begin(j, NULL);
			json_int(j, "tid", t->tid);
			json_int(j, "pid", t->pid);
			json_string(j, "name", t->name);
			json_int(j, "samples", t->samples);
			json_object_end(j);
		} else {
			printf("  %7d %7d  %-16s %lld\n", t->tid, t->pid,
			       t->name ? sanitize(buf, sizeof(buf), t->name) : "?",
			       (long long)t->samples);
		}
	}
	if (j)
		json_array_end(j);
out:
	for (i = 0; i < l.n; i++)
		free(l.rows[i].name);
	free(l.rows);
	return ret;
}

/* Size of the database plus any WAL beside it. */
static int64_t recording_size(const char *path)
{
	struct stat sb;
	int64_t size = 0;
	char *wal;

	if (stat(path, &sb) == 0)
		size += sb.st_size;
	wal = xasprintf("%s-wal", path);
	if (stat(wal, &sb) == 0)
		size += sb.st_size;
	free(wal);
	return size;
}

static const char *human_size(int64_t n, char *buf, size_t size)
{
	if (n >= 1 << 30)
		snprintf(buf, size, "%.1f GiB", n / (double)(1 << 30));
	else if (n >= 1 << 20)
		snprintf(buf, size, "%.1f MiB", n / (double)(1 << 20));
	else if (n >= 1 << 10)
		snprintf(buf, size, "%.1f KiB", n / (double)(1 << 10));
	else
		snprintf(buf, size, "%lld bytes", (long long)n);
	return buf;
}

/* Samples of each stored kind: count and weight. */
struct kind_sum {
	int64_t count, weight_ns;
};

static int sum_kind(void *arg, int64_t slice UNUSED, int tid UNUSED, int64_t node UNUSED,
		    int64_t count, int64_t weight_ns)
{
	struct kind_sum *k = arg;

	if (count > 0 && __builtin_add_overflow(k->count, count, &k->count))
		k->count = INT64_MAX;
	if (weight_ns > 0 && __builtin_add_overflow(k->weight_ns, weight_ns, &k->weight_ns))
		k->weight_ns = INT64_MAX;
	return 0;
}

/*
 * Rows of the samples table count different things per kind: on-CPU
 * samples, waits (one per blocked interval) and preemptions. Print each
 * with its name and time, so the meta "samples" (on-CPU samples the
 * recorder took) and the table's sum do not look like two answers.
 */
static const char *const kind_unit[3] = { "on-CPU samples", "waits", "preemptions" };
static const char *const kind_time[3] = { "sampled CPU time", "blocked", "waiting for a CPU" };

static int print_kinds(struct store *st, struct json *j)
{
	struct kind_sum k[3];
	int i, ret;

	memset(k, 0, sizeof(k));
	for (i = 0; i < 3; i++) {
		ret = store_each_sample_total(st, i, 0, sum_kind, &k[i]);
		if (ret)
			return ret;
	}
	if (j) {
		json_object_begin(j, "samples_by_kind");
		for (i = 0; i < 3; i++) {
			json_object_begin(j, i == KIND_CPU ? "cpu" : i == KIND_OFFCPU ? "offcpu" :
					  "runqueue");
			json_int(j, "count", k[i].count);
			json_int(j, "weight_ns", k[i].weight_ns);
			json_object_end(j);
		}
		json_object_end(j);
		return 0;
	}
	for (i = 0; i < 3; i++) {
		if (i && !k[i].count)
			continue;
		printf("  %-15s %lld %s, %.3f s %s\n", i == KIND_CPU ? "cpu" : i == KIND_OFFCPU ?
		       "offcpu" : "runqueue", (long long)k[i].count, kind_unit[i],
		       k[i].weight_ns / 1e9, kind_time[i]);
	}
	return 0;
}

static int show(struct store *st, const char *file, struct json *j)
{
	struct info_ctx ctx = { j };
	struct store_counts c;
	int64_t size = recording_size(file);
	char buf[4096], hs[32];
	int ret;

	ret = store_get_counts(st, &c);
	if (ret)
		return ret;
	if (j) {
		json_object_begin(j, NULL);
		json_string(j, "file", file);
		json_int(j, "file_size", size);
		if (c.samples)
			json_double(j, "bytes_per_sample", (double)size / c.samples, 1);
		else
			json_null(j, "bytes_per_sample");
	} else {
		printf("%-17s %s\n", "file", sanitize(buf, sizeof(buf), file));
		printf("%-17s %s", "size", human_size(size, hs, sizeof(hs)));
		if (c.samples)
			printf(", %.1f bytes per sample", (double)size / c.samples);
		putchar('\n');
	}
	ret = print_meta(st, j);
	if (ret)
		return ret;
	if (j) {
		json_array_begin(j, "processes");
	} else {
		printf("\nprocesses: %lld\n", (long long)c.processes);
		if (c.processes)
			printf("  %7s %7s  %-16s %s\n", "PID", "PPID", "NAME", "EXE");
	}
	ret = store_each_process(st, print_process, &ctx);
	if (ret)
		return ret;
	if (j)
		json_array_end(j);
	ret = print_threads(st, j);
	if (ret)
		return ret;
	if (j) {
		json_int(j, "modules", c.modules);
		json_int(j, "frames", c.frames);
		json_int(j, "stack_nodes", c.nodes);
		json_int(j, "sample_rows", c.sample_rows);
		json_int(j, "samples", c.samples);
		ret = print_kinds(st, j);
		json_object_end(j);
		json_finish(j);
	} else {
		printf("\n%-17s %lld\n", "modules", (long long)c.modules);
		printf("%-17s %lld\n", "frames", (long long)c.frames);
		printf("%-17s %lld\n", "stack nodes", (long long)c.nodes);
		printf("%-17s %lld\n", "sample rows", (long long)c.sample_rows);
		printf("%-17s %lld, of every kind:\n", "sample counts", (long long)c.samples);
		ret = print_kinds(st, NULL);
	}
	return ret;
}

int cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = "hotstack.db";
	struct store *st;
	struct json j;
	bool json = false;
	char *err;
	int c;

	if (cmd_wants_help(argc, argv))
		return cmd_print_help(info_usage);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "json"))
				json = true;
			else if (!strcmp(optarg, "text"))
				json = false;
			else
				die_usage("info: unknown format '%s': use text or json",
					  sanitized(optarg));
			break;
		case ':':
			die_usage("info: option '%s' needs a value", sanitized(argv[optind - 1]));
		default:
			if (optopt)
				die_usage("info: unknown option '-%c'", optopt);
			die_usage("info: unknown option '%s'", sanitized(argv[optind - 1]));
		}
	}
	if (optind < argc)
		file = argv[optind++];
	if (optind < argc)
		die_usage("info: unexpected argument '%s'", sanitized(argv[optind]));
	if (store_open(file, &st, &err))
		die("%s", err);
	json_init(&j, stdout);
	if (show(st, file, json ? &j : NULL))
		die("cannot read '%s': %s", sanitized(file), store_last_error(st));
	store_free(st);
	return EXIT_OK;
}
