/* genrange.c - a directory of rotated recordings, as record --continuous
 * writes them, without a target: for make bench-range and the readers-
 * over-time tests
 *
 * usage: genrange DIR START FILES SECONDS [THREADS [REGRESS_FROM]]
 *
 * Writes FILES recordings DIR/hotstack-YYYYmmddTHHMMSSZ.db, the first
 * starting at START (Unix seconds), each SECONDS long and starting where
 * the one before ended, through the store API (schema version 2, 100 ms
 * slices, meta as the recorder writes it). THREADS (default 2) threads of
 * one process ("server", pid 4000) are busy all the time, sampled at 29 Hz
 * (the continuous default): about 2.9 samples per thread per slice, over
 * 1500 call paths of a program with 400 functions (a few hot paths, a
 * long tail), so one file of 10 minutes holds ~30,000 rows of samples.
 * One path ends in "regress_target": 5% of the samples, 15% (three times
 * the cost) in files REGRESS_FROM and later (default: never). Same
 * arguments, same files.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "xorshift.h"

#define NFUNCS 400
#define NPATHS 1500
#define FREQ 29


static void fail(const char *what, struct store *st)
{
	fprintf(stderr, "genrange: %s: %s\n", what, st ? store_last_error(st) : "failed");
	exit(2);
}

/* The call tree: node n (1..NPATHS) has parent[n] < n (0 = root) and
 * calls function func[n]; node NPATHS + 1 is regress_target. */
static int parent[NPATHS + 2], func[NPATHS + 2], depth[NPATHS + 2];

static void make_tree(void)
{
	int n;

	for (n = 1; n <= NPATHS; n++) {
		parent[n] = n < 4 ? n - 1 : (int)(next() % (uint64_t)(n - 1)) + 1;
		if (depth[parent[n]] >= 30)
			parent[n] = 1;
		depth[n] = depth[parent[n]] + 1;
		func[n] = n < 4 ? n - 1 : 3 + (int)(next() % (NFUNCS - 3));
	}
	parent[NPATHS + 1] = 3;
	func[NPATHS + 1] = NFUNCS;
	depth[NPATHS + 1] = depth[3] + 1;
}

static void write_file(const char *path, int64_t start_ns, int seconds, int threads,
		       bool regress)
{
	struct store *st;
	char *err = NULL, name[64];
	bool renamed;
	int64_t slices = (int64_t)seconds * 10, s, samples = 0, weight = 1000000000 / FREQ;
	int f, n, t;
	int64_t *cnt = calloc(NPATHS + 2, sizeof(*cnt));
	double acc = 0, share = regress ? 0.15 : 0.05;

	if (!cnt)
		exit(2);
	if (store_create(path, &st, &renamed, &err)) {
		fprintf(stderr, "genrange: %s\n", err);
		exit(2);
	}
	if (store_begin(st))
		fail("begin", st);
	store_set_meta_int(st, "schema_version", STORE_SCHEMA_VERSION);
	store_set_meta(st, "hotstack_version", PACKAGE_VERSION);
	store_set_meta(st, "pids", "4000");
	store_set_meta(st, "mode", "attach");
	store_set_meta(st, "command", "server");
	store_set_meta(st, "host", "genrange");
	store_set_meta_int(st, "start_time", start_ns);
	store_set_meta(st, "event", "cpu-clock");
	store_set_meta_int(st, "frequency", FREQ);
	store_set_meta_int(st, "slice_ns", (int64_t)STORE_SLICE_NS);
	store_set_meta_int(st, "kernel_frames", 0);
	store_set_meta_int(st, "waits", 0);
	store_add_process(st, 4000, 1, "server", "/usr/bin/server");
	for (t = 0; t < threads; t++)
		store_add_thread(st, 4000 + t, 4000, "server");
	store_add_module(st, 1, "/usr/bin/server", "0123456789abcdef", "user", NULL, true);
	for (f = 0; f <= NFUNCS; f++) {
		if (f == NFUNCS)
			snprintf(name, sizeof(name), "regress_target");
		else if (f < 3)
			snprintf(name, sizeof(name), "%s", (const char *[]){ "_start", "main",
									      "serve" }[f]);
		else
			snprintf(name, sizeof(name), "fn_%03d", f);
		if (store_add_frame(st, f + 1, 1, name, NULL, "server.c", 100 + f, false,
				    0x1000 + 64 * (uint64_t)f))
			fail("frame", st);
	}
	for (n = 1; n <= NPATHS + 1; n++)
		if (store_add_node(st, n, parent[n], func[n] + 1, depth[n]))
			fail("node", st);
	for (s = 0; s < slices; s++) {
		for (t = 0; t < threads; t++) {
			int k;

			acc += FREQ / 10.0;
			for (k = 0; k < (int)acc; k++) {
				double u = uniform();

				/* Zipf-like: a few hot paths, every path now and then */
				n = uniform() < share ? NPATHS + 1 : 1 + (int)(NPATHS * u * u * u);
				cnt[n]++;
			}
			acc -= (int)acc;
			for (n = 1; n <= NPATHS + 1; n++) {
				if (!cnt[n])
					continue;
				if (store_add_samples(st, s, 4000 + t, KIND_CPU, n, cnt[n],
						      cnt[n] * weight))
					fail("samples", st);
				samples += cnt[n];
				cnt[n] = 0;
			}
		}
	}
	store_set_meta_int(st, "samples", samples);
	store_set_meta_int(st, "lost", 0);
	store_set_meta_int(st, "unwind_errors", 0);
	store_set_meta_int(st, "duration_ns", (int64_t)seconds * 1000000000);
	store_set_meta_int(st, "finished", 1);
	store_set_meta(st, "state", "finished");
	if (store_commit(st) || store_close(st))
		fail("commit", NULL);
	free(cnt);
}

int main(int argc, char **argv)
{
	long start, files, seconds, threads = 2, from = -1, i;

	if (argc < 5 || argc > 7) {
		fprintf(stderr, "usage: genrange DIR START FILES SECONDS [THREADS [REGRESS_FROM]]\n");
		return 64;
	}
	start = atol(argv[2]);
	files = atol(argv[3]);
	seconds = atol(argv[4]);
	if (argc > 5)
		threads = atol(argv[5]);
	if (argc > 6)
		from = atol(argv[6]);
	if (start <= 0 || files <= 0 || seconds <= 0 || threads <= 0 || threads > 64) {
		fprintf(stderr, "genrange: START, FILES, SECONDS and THREADS must be > 0\n");
		return 64;
	}
	make_tree();
	for (i = 0; i < files; i++) {
		time_t t = (time_t)(start + i * seconds);
		struct tm tm;
		char stamp[32], *path;
		size_t len = strlen(argv[1]) + 64;

		gmtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
		path = malloc(len);
		if (!path)
			return 2;
		snprintf(path, len, "%s/hotstack-%s.db", argv[1], stamp);
		write_file(path, (int64_t)t * 1000000000, (int)seconds, (int)threads,
			   from >= 0 && i >= from);
		free(path);
	}
	return 0;
}
