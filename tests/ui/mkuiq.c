/* mkuiq.c - write the fixed --waits recording behind the golden screens of
 * the Waits, Threads, Timeline and Source views (tests/cli/t8050-*)
 *
 * usage: mkuiq OUT.db
 *
 * Three seconds in 30 slices of 100 ms, three threads of process 200:
 *   201 "server"  parse_request (parse.c:12 and :14) all along, slow_path
 *                 in slices 10-15 (an anomaly mark 1.0-1.6 s), blocked in
 *                 read on /var/lib/app/data.db
 *   202 "db-pool" query in slices 5-25, blocked in futex, a socket
 *   203           a name and a function with escape sequences (C0 and C1)
 * Source files are recorded under /build/app/ (the golden test remaps them
 * with --source-path). The same program always writes the same recording.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"
#include "waits.h"

static struct store *st;
static char *frame_names[64];
static int64_t nframes;
static struct {
	int64_t parent, frame;
} nodes[256];
static int64_t nnodes;

static void check(int ret, const char *what)
{
	if (ret)
		die("mkuiq: %s failed (%d): %s", what, ret, store_last_error(st));
}

/* spec: FUNCTION@MODULE[@FILE:LINE], MODULE 1 app, 2 libc, 3 kernel */
static int64_t frame(const char *spec)
{
	char *s = xstrdup(spec), *mod = strchr(s, '@'), *file = NULL, *colon;
	int64_t i;
	int line = 0;

	for (i = 0; i < nframes; i++)
		if (!strcmp(frame_names[i], spec)) {
			free(s);
			return i + 1;
		}
	*mod++ = '\0';
	file = strchr(mod, '@');
	if (file) {
		*file++ = '\0';
		colon = strrchr(file, ':');
		*colon = '\0';
		line = atoi(colon + 1);
	}
	frame_names[nframes++] = xstrdup(spec);
	check(store_add_frame(st, nframes, atoi(mod), s, NULL, file, line, false, 16 * nframes),
	      "frame");
	free(s);
	return nframes;
}

/* The leaf node of a ';'-separated stack, root first. */
static int64_t stack(const char *spec)
{
	char *s = xstrdup(spec), *tok, *save = NULL;
	int64_t parent = 0, f, i;
	int depth = 0;

	for (tok = strtok_r(s, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		f = frame(tok);
		depth++;
		for (i = 0; i < nnodes; i++)
			if (nodes[i].parent == parent && nodes[i].frame == f)
				break;
		if (i == nnodes) {
			nodes[nnodes].parent = parent;
			nodes[nnodes++].frame = f;
			check(store_add_node(st, nnodes, parent, f, depth), "node");
		}
		parent = i + 1;
	}
	free(s);
	return parent;
}

#define PARSE12 "main@1@/build/app/main.c:40;handle_request@1@/build/app/server.c:88;" \
		"parse_request@1@/build/app/parse.c:12"
#define PARSE14 "main@1@/build/app/main.c:40;handle_request@1@/build/app/server.c:88;" \
		"parse_request@1@/build/app/parse.c:14"
#define SLOW "main@1@/build/app/main.c:40;handle_request@1@/build/app/server.c:91;" \
	     "slow_path@1@/build/app/slow.c:3"
#define READ "main@1@/build/app/main.c:40;handle_request@1@/build/app/server.c:85;" \
	     "read_body@1@/build/app/server.c:30;read@2;entry_SYSCALL_64@3;ksys_read@3;" \
	     "schedule@3;__schedule@3"
#define QUERY "start_thread@2;db_loop@1@/build/app/db.c:10;query@1@/build/app/db.c:40"
#define FUTEX "start_thread@2;db_loop@1@/build/app/db.c:12;wait_conn@1@/build/app/db.c:70;" \
	      "futex_wait@2;__x64_sys_futex@3;futex_wait_queue@3;schedule@3;__schedule@3"
#define EVIL "start_thread@2;evil\x1b[2J\xc2\x9b" "31mfunc@1"

int main(int argc, char **argv)
{
	struct store_anomaly a = { 0, 1000000000, 1600000000, "slow_path", "/usr/bin/app",
				   0.0, 0.69, 12.0 };
	int64_t parse12, parse14, slow, rd, query, futex, evil, s, total = 0;
	bool renamed;
	char *err;

	if (argc != 2)
		die_usage("usage: mkuiq OUT.db");
	if (store_create(argv[1], &st, &renamed, &err))
		die("mkuiq: %s", err);
	check(store_begin(st), "begin");
	check(store_set_meta(st, "command", "app --serve"), "meta");
	check(store_set_meta(st, "mode", "launch"), "meta");
	check(store_set_meta_int(st, "duration_ns", 3000000000), "meta");
	check(store_set_meta_int(st, "slice_ns", 100000000), "meta");
	check(store_set_meta_int(st, "frequency", 99), "meta");
	check(store_set_meta_int(st, "waits", 1), "meta");
	check(store_set_meta_int(st, "lost", 0), "meta");
	check(store_set_meta_int(st, "unwind_errors", 0), "meta");
	check(store_add_module(st, 1, "/usr/bin/app", NULL, "user", NULL, true), "module");
	check(store_add_module(st, 2, "/lib/x86_64-linux-gnu/libc.so.6", NULL, "user",
			       "libc.so.6", false), "module");
	check(store_add_module(st, 3, "[kernel.kallsyms]", NULL, "kernel", NULL, false), "module");
	check(store_add_process(st, 200, 1, "app", "/usr/bin/app"), "process");
	check(store_add_thread(st, 201, 200, "server"), "thread");
	check(store_add_thread(st, 202, 200, "db-pool"), "thread");
	check(store_add_thread(st, 203, 200, "evil\x1b]0;pwned\x07\xc2\x9b" "1m"), "thread");
	check(store_set_thread_times(st, 201, 0, 3000000000), "times");
	check(store_set_thread_times(st, 202, 500000000, 2500000000), "times");
	check(store_set_thread_times(st, 203, 0, 1000000000), "times");
	parse12 = stack(PARSE12);
	parse14 = stack(PARSE14);
	slow = stack(SLOW);
	rd = stack(READ);
	query = stack(QUERY);
	futex = stack(FUTEX);
	evil = stack(EVIL);

	for (s = 0; s < 30; s++) {
		store_set_wait_slice(st, s);
		check(store_add_samples(st, s, 201, KIND_CPU, parse12, 5, 50000000), "samples");
		check(store_add_samples(st, s, 201, KIND_CPU, parse14, 3, 30000000), "samples");
		check(store_add_samples(st, s, 201, KIND_OFFCPU, rd, 2, 40000000), "samples");
		check(store_add_samples(st, s, 201, KIND_RUNQUEUE, parse12, 1, 1000000), "samples");
		total += 11;
		if (s >= 10 && s <= 15) {
			check(store_add_samples(st, s, 201, KIND_CPU, slow, 20, 200000000),
			      "samples");
			total += 20;
		}
		if (s >= 5 && s <= 25) {
			check(store_add_samples(st, s, 202, KIND_CPU, query, 2, 20000000), "samples");
			check(store_add_samples(st, s, 202, KIND_OFFCPU, futex, 1, 50000000),
			      "samples");
			check(store_add_syscall(st, 202, 202, "futex", 1, 0, 50000000, 50000000),
			      "syscall");
			check(store_add_syscall_latency(st, 202, 202, waits_bucket(50000000), 1),
			      "latency");
			check(store_add_syscall_stack(st, 202, 202, futex, 1, 50000000), "stack");
			check(store_add_io(st, 202, "tcp 10.0.0.5:5432", "socket", 1, 512, 128,
					   50000000), "io");
			total += 3;
		}
		if (s < 10) {
			check(store_add_samples(st, s, 203, KIND_CPU, evil, 1, 10000000), "samples");
			total += 1;
		}
		check(store_add_syscall(st, 201, 0, "read", 10, s % 5 == 0, 10000000, 3000000),
		      "syscall");
		check(store_add_syscall_latency(st, 201, 0, waits_bucket(800000), 9), "latency");
		check(store_add_syscall_latency(st, 201, 0, waits_bucket(3000000), 1), "latency");
		if (s % 5 == 0)
			check(store_add_syscall_error(st, 201, 0, 11, 1), "errno");
		check(store_add_syscall_stack(st, 201, 0, rd, 2, 40000000), "stack");
		check(store_add_syscall(st, 201, 1, "write", 4, 0, 400000, 150000), "syscall");
		check(store_add_syscall_latency(st, 201, 1, waits_bucket(100000), 4), "latency");
		check(store_add_io(st, 201, "/var/lib/app/data.db", "file", 10, 40960, 0,
				   10000000), "io");
	}
	check(store_add_anomaly(st, &a), "anomaly");
	check(store_set_meta_int(st, "samples", total), "meta");
	check(store_close(st), "close");
	return 0;
}
