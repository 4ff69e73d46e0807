/* cmd-stacks.c - `hotstack stacks PID`: the stack of every thread of a live
 * process, like eu-stack or pstack
 *
 * 1. Read what /proc says of every thread while it is left alone: name,
 *    state, the system call it is in, wchan, and when it last ran.
 * 2. Threads asleep in the kernel (most threads of a server: in epoll_wait,
 *    a futex, read...) are read without a stop: sp and pc from /proc, their
 *    used stack with process_vm_readv (blocked.h). Only the others (running
 *    or runnable) are stopped with ptrace (ptrace.h): registers and whole
 *    used stack copied, and resumed at most 2 ms after it stopped even if
 *    other threads have not stopped yet (--consistent: only once every
 *    thread is stopped). --stop-all stops the sleeping ones too (their
 *    sleep is interrupted: epoll_wait returns EINTR in the target). The
 *    stop is measured per thread and for the whole window (-v prints it).
 * 3. Unwind the copies after the target runs again: libunwind-ptrace's
 *    unwind tables over the copies (default), or the recorder's libdw
 *    unwinder (--unwinder libdw); --live unwinds with libunwind-ptrace's own
 *    accessors while each thread is still stopped instead.
 * 4. Symbolize through the process's Dwfl (pcinfo.h) and print text
 *    (sanitized) or JSON.
 *
 * "Blocked for" approximation: /proc/PID/task/TID/sched se.exec_start is
 * the scheduler clock (ms) when the thread last stopped running; "now" on
 * that clock is hotstack's own se.exec_start right after sched_yield() on
 * the same CPU (struct sched_clock: each CPU's clock leaves out its own
 * interrupt and stolen time, so CPUs' clocks run apart: 1.04 s between the
 * 2 CPUs here after 9 hours up; CLOCK_MONOTONIC 38 s). A ptrace stop of a
 * sleeping thread (--stop-all, or an earlier debugger) wakes it for a
 * moment and restarts this count.
 *
 * JSON output (stable; members may be added, none removed or renamed):
 *   { "pid", "command", "unwinder" ("libunwind" or "libdw"), "live",
 *     "consistent",
 *     "window_ns", "rounds", "complete" (every thread unwound to its end),
 *     "stopped_threads", "unstopped_threads" (read without a stop),
 *     "threads": [ { "tid", "name", "state" (letter), "state_name",
 *       "syscall": null or { "nr", "name" (null if unknown), "args": [6 hex
 *       strings] }, "wchan" (or null), "blocked_ns" (or null),
 *       "captured" (bool), "stopped" (false: read asleep, without a stop;
 *       only sp and pc were known to the unwinder), "error" (or null),
 *       "stop_ns" (PTRACE_INTERRUPT
 *       to PTRACE_DETACH, or null), "stop_latency_ns" (PTRACE_INTERRUPT to
 *       the stop, or null: the thread was held stopped for the difference),
 *       "complete", "frames": [ { "pc" (hex string), "function", "module",
 *       "file" (or null), "line" (or null), "inline", "offset" } ] } ] }
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blocked.h"
#include "cmd.h"
#include "hashmap.h"
#include "json.h"
#include "pcinfo.h"
#include "procfs.h"
#include "ptrace.h"
#include "syscalls.h"
#include "unwind.h"
#include "util.h"

#define DEFAULT_STACK_MAX (1024 * 1024)
/* a stopped thread waits at most this long for the others (ptrace.h) */
#define HOLD_US 2000
/* frames per thread: as many as 1 MiB of stack can hold */
#define MAX_FRAMES 65536

static const char stacks_help[] =
	"usage: hotstack stacks PID [OPTIONS]\n"
	"\n"
	"Print the stack of every thread of a live process: its name, state, the\n"
	"system call it waits in and for how long, and every frame with function,\n"
	"module and source line. Threads asleep in the kernel are read as they are,\n"
	"without a stop; running threads are stopped with ptrace for as short a time\n"
	"as possible (their registers and stacks are copied) and resumed before\n"
	"anything is unwound or printed.\n"
	"\n"
	"  -f, --format text|json    output format (default text)\n"
	"  -v, --verbose             print how long each thread was stopped\n"
	"      --unwinder libunwind|libdw  unwind the copies with libunwind-ptrace\n"
	"                            (default) or with the recorder's libdw unwinder\n"
	"      --live                unwind with libunwind-ptrace while each thread is\n"
	"                            still stopped (longer stops)\n"
	"      --consistent          resume no thread before every thread is stopped:\n"
	"                            one instant for the whole process (longer stops)\n"
	"      --stop-all            stop the sleeping threads too (wakes them: a\n"
	"                            sleeping epoll_wait returns EINTR in the target)\n"
	"      --stack-size BYTES    copy at most this much of each stack (default\n"
	"                            1048576; the used part of the stack is copied)\n"
	"      --timeout MS          wait at most MS for a thread to stop (default 1000)\n"
	"      --repeat N            take N snapshots in a row, print the last one\n"
	"                            (with -v: stop time statistics over all N)\n"
	"  -h, --help                this help\n"
	"\n"
	"Exit status: 0 ok, 1 some thread could not be stopped or unwound to its end,\n"
	"2 error (no such process, not permitted), 64 usage. See hotstack-stacks(1).\n";

enum {
	OPT_UNWINDER = 256,
	OPT_LIVE,
	OPT_CONSISTENT,
	OPT_STOP_ALL,
	OPT_STACK,
	OPT_TIMEOUT,
	OPT_REPEAT,
};

struct stacks_opts {
	pid_t pid;
	bool json;
	bool libdw;
	bool live;
	bool consistent;
	bool stop_all;
	size_t stack_max;
	unsigned timeout_ms;
	long repeat;
};

/* What /proc says of a thread before it is stopped. */
struct tinfo {
	pid_t tid;
	char name[64];
	char state;
	bool have_syscall;	/* in a system call (nr >= 0) */
	long sys_nr;
	uint64_t sys_args[6];
	char wchan[128];
	int64_t blocked_ns;	/* -1 unknown or not blocked */
};

/* A thread's unwound stack. */
struct tstack {
	pid_t tid;
	uint64_t *pcs;		/* malloc'd */
	int npcs;
	bool complete;
};

struct stacks {
	struct stacks_opts *o;
	struct tinfo *info;
	size_t ninfo, info_cap;
	struct hashmap info_index;	/* tid -> index in info */
	struct tstack *st;		/* one per snapshot thread */
	struct ptrace_unwinder *pu;	/* --live: the snapshot's unwinder */
	struct hashmap live_index;	/* --live: tid -> index in live */
	struct tstack *live;
	size_t nlive, live_cap;
	/* stop times of every thread of every snapshot (-v, --repeat) */
	uint64_t *stops, *held;
	size_t nstops, stops_cap, held_cap;
	uint64_t *windows;
	size_t nwindows, windows_cap;
	size_t nunstopped;	/* threads read asleep, over all snapshots */
	uint64_t *scratch;	/* MAX_FRAMES pcs */
};

/* Keeps the first n pcs of the scratch buffer in ts. */
static void tstack_set(struct stacks *sx, struct tstack *ts, int n, bool complete)
{
	free(ts->pcs);
	ts->pcs = xmalloc((size_t)(n > 0 ? n : 1) * sizeof(*ts->pcs));
	memcpy(ts->pcs, sx->scratch, (size_t)n * sizeof(*ts->pcs));
	ts->npcs = n;
	ts->complete = complete;
}

/* ---- options ---- */

static void parse_options(int argc, char **argv, struct stacks_opts *o)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "unwinder", required_argument, NULL, OPT_UNWINDER },
		{ "live", no_argument, NULL, OPT_LIVE },
		{ "consistent", no_argument, NULL, OPT_CONSISTENT },
		{ "stop-all", no_argument, NULL, OPT_STOP_ALL },
		{ "stack-size", required_argument, NULL, OPT_STACK },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "repeat", required_argument, NULL, OPT_REPEAT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->stack_max = DEFAULT_STACK_MAX;
	o->timeout_ms = 1000;
	o->repeat = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "f:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "json"))
				o->json = true;
			else if (strcmp(optarg, "text"))
				die_usage("stacks: unknown format '%s': use text or json",
					  sanitized(optarg));
			break;
		case 'v':
			verbose++;
			break;
		case OPT_UNWINDER:
			if (!strcmp(optarg, "libdw"))
				o->libdw = true;
			else if (strcmp(optarg, "libunwind"))
				die_usage("stacks: unknown unwinder '%s': use libunwind or libdw",
					  sanitized(optarg));
			break;
		case OPT_LIVE:
			o->live = true;
			break;
		case OPT_CONSISTENT:
			o->consistent = true;
			break;
		case OPT_STOP_ALL:
			o->stop_all = true;
			break;
		case OPT_STACK:
			if (parse_long(optarg, 4096, 64L << 20, &v))
				die_usage("stacks: --stack-size must be from 4096 to 67108864 bytes");
			o->stack_max = (size_t)v;
			break;
		case OPT_TIMEOUT:
			if (parse_long(optarg, 1, 60000, &v))
				die_usage("stacks: --timeout must be from 1 to 60000 ms");
			o->timeout_ms = (unsigned)v;
			break;
		case OPT_REPEAT:
			if (parse_long(optarg, 1, 1000000, &v))
				die_usage("stacks: --repeat needs a count of at least 1");
			o->repeat = v;
			break;
		case 'h':
			exit(cmd_print_help(stacks_help));
		default:
			if (optopt)
				die_usage("stacks: unknown option or missing argument '-%c'", optopt);
			die_usage("stacks: unknown option '%s'", sanitized(argv[optind - 1]));
		}
	}
	if (optind >= argc)
		die_usage("stacks: which process? give a PID");
	if (optind + 1 < argc)
		die_usage("stacks: give one PID, not '%s'", sanitized(argv[optind + 1]));
	if (parse_long(argv[optind], 1, INT_MAX, &v))
		die_usage("stacks: '%s' is not a process id", sanitized(argv[optind]));
	o->pid = (pid_t)v;
	if (o->live && o->libdw)
		die_usage("stacks: --live unwinds with libunwind; it does not go with --unwinder libdw");
}

/* ---- /proc, before the stop ---- */

static char *task_file(pid_t pid, pid_t tid, const char *name)
{
	char path[96], *text;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/%s", (int)pid, (int)tid, name);
	if (read_file(path, &text) < 0)
		return NULL;
	return text;
}

/* se.exec_start (ms on the scheduler clock) from a sched file, or < 0. */
static double exec_start_ms(const char *text)
{
	const char *p = text ? strstr(text, "se.exec_start") : NULL;

	if (!p || !(p = strchr(p, ':')))
		return -1;
	return strtod(p + 1, NULL);
}

/* The scheduler clock now, in ms, and CLOCK_MONOTONIC when it was read. */
static double sched_now_ms(uint64_t *mono)
{
	char *text = NULL;
	double ms;

	/* yielding updates our own exec_start to the current clock */
	sched_yield();
	*mono = monotonic_ns();
	if (read_file("/proc/thread-self/sched", &text) < 0)
		return -1;
	ms = exec_start_ms(text);
	free(text);
	return ms;
}

/*
 * "Now" on the scheduler clock of each CPU, read on that CPU: hotstack
 * moves there for a moment (its affinity), yields and reads its own
 * exec_start, once per CPU and snapshot; clock_end() moves it back.
 */
struct sched_clock {
	double ms[CPU_SETSIZE];		/* < 0: not read yet */
	uint64_t mono[CPU_SETSIZE];	/* CLOCK_MONOTONIC when it was */
	cpu_set_t saved;
	bool moved;
};

static void clock_init(struct sched_clock *sc)
{
	int i;

	memset(sc, 0, sizeof(*sc));
	for (i = 0; i < CPU_SETSIZE; i++)
		sc->ms[i] = -1;
}

/* Now (ms) on cpu's clock, and *mono when it was read; < 0 if unknown. */
static double clock_now(struct sched_clock *sc, int cpu, uint64_t *mono)
{
	cpu_set_t one;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -1;
	if (sc->ms[cpu] < 0) {
		if (!sc->moved && sched_getaffinity(0, sizeof(sc->saved), &sc->saved))
			return -1;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		/* not allowed there (a cpuset): no figure rather than a wrong one */
		if (sched_setaffinity(0, sizeof(one), &one))
			return -1;
		sc->moved = true;
		sc->ms[cpu] = sched_now_ms(&sc->mono[cpu]);
	}
	*mono = sc->mono[cpu];
	return sc->ms[cpu];
}

static void clock_end(struct sched_clock *sc)
{
	if (sc->moved)
		sched_setaffinity(0, sizeof(sc->saved), &sc->saved);
	sc->moved = false;
}

static void read_tinfo(pid_t pid, pid_t tid, struct tinfo *ti, struct sched_clock *clk)
{
	struct proc_syscall sc;
	char *text;

	memset(ti, 0, sizeof(*ti));
	ti->tid = tid;
	ti->sys_nr = -1;
	ti->blocked_ns = -1;
	procfs_comm(pid, tid, ti->name, sizeof(ti->name));
	ti->state = procfs_state(pid, tid);
	if (!procfs_syscall(pid, tid, &sc) && sc.nr >= 0) {
		ti->have_syscall = true;
		ti->sys_nr = sc.nr;
		memcpy(ti->sys_args, sc.args, sizeof(ti->sys_args));
	}
	text = task_file(pid, tid, "wchan");
	if (text) {
		if (strcmp(text, "0") && *text)
			snprintf(ti->wchan, sizeof(ti->wchan), "%s", text);
		free(text);
	}
	if (clk && ti->state != 'R') {
		uint64_t now_mono = 0;
		double start, now_ms = clock_now(clk, procfs_last_cpu(pid, tid), &now_mono);

		text = task_file(pid, tid, "sched");
		start = exec_start_ms(text);
		free(text);
		if (start >= 0 && now_ms >= 0) {
			double now = now_ms + (double)(monotonic_ns() - now_mono) / 1e6;

			ti->blocked_ns = now > start ? (int64_t)((now - start) * 1e6) : 0;
		}
	}
}

static struct tinfo *tinfo_get(struct stacks *sx, pid_t tid)
{
	uint64_t idx;

	if (hashmap_get(&sx->info_index, &tid, sizeof(tid), &idx))
		return &sx->info[idx];
	return NULL;
}

static struct tinfo *tinfo_add(struct stacks *sx, pid_t pid, pid_t tid, struct sched_clock *sc)
{
	struct tinfo *ti = tinfo_get(sx, tid);

	if (!ti) {
		xgrow(&sx->info, &sx->info_cap, sx->ninfo + 1, sizeof(*sx->info));
		hashmap_put(&sx->info_index, &tid, sizeof(tid), sx->ninfo);
		ti = &sx->info[sx->ninfo++];
	}
	read_tinfo(pid, tid, ti, sc);
	return ti;
}

static void read_all_tinfo(struct stacks *sx, pid_t pid)
{
	struct sched_clock *sc = xmalloc(sizeof(*sc));
	pid_t *tids;
	int n, i;

	clock_init(sc);
	n = procfs_list_tasks(pid, &tids);
	for (i = 0; i < n; i++)
		tinfo_add(sx, pid, tids[i], sc);
	clock_end(sc);
	free(sc);
	if (n > 0)
		free(tids);
}

/* ---- unwinding ---- */

static void live_unwind(void *arg, struct ptrace_thread *t)
{
	struct stacks *sx = arg;
	uint64_t idx = sx->nlive;
	struct tstack *ts;
	bool complete;
	int n;

	if (!hashmap_get_or_put(&sx->live_index, &t->tid, sizeof(t->tid), &idx)) {
		xgrow(&sx->live, &sx->live_cap, sx->nlive + 1, sizeof(*sx->live));
		memset(&sx->live[sx->nlive], 0, sizeof(*sx->live));
		sx->nlive++;
	}
	ts = &sx->live[idx];
	ts->tid = t->tid;
	n = ptrace_unwind_live(sx->pu, t, sx->scratch, MAX_FRAMES, &complete);
	tstack_set(sx, ts, n, complete);
}

static void unwind_all(struct stacks *sx, struct ptrace_snapshot *snap, struct unwinder *u,
		       struct space *space)
{
	struct ptrace_unwinder *pu = NULL;
	int i;

	sx->st = xcalloc((size_t)(snap->nthreads ? snap->nthreads : 1), sizeof(*sx->st));
	/* libunwind's also looks for the rbp of threads read asleep */
	if (!sx->o->libdw || snap->window.unstopped)
		pu = ptrace_unwinder_new(snap->pid);
	for (i = 0; i < snap->nthreads; i++) {
		struct ptrace_thread *t = &snap->threads[i];
		struct tstack *ts = &sx->st[i];

		bool complete;
		int n;

		ts->tid = t->tid;
		if (t->result != CAPTURE_OK)
			continue;
		if (t->unstopped)
			ptrace_guess_rbp(pu, t);
		if (sx->o->live && !t->unstopped) {
			uint64_t idx;

			if (hashmap_get(&sx->live_index, &t->tid, sizeof(t->tid), &idx)) {
				/* hand the pcs over */
				*ts = sx->live[idx];
				sx->live[idx].pcs = NULL;
			}
			continue;
		} else if (sx->o->libdw) {
			struct sampler_event ev;

			ptrace_thread_event(t, snap->pid, 0, &ev);
			n = unwinder_unwind(u, space, &ev, sx->scratch, MAX_FRAMES, &complete);
		} else {
			n = ptrace_unwind_copy(pu, t, sx->scratch, MAX_FRAMES, &complete);
		}
		tstack_set(sx, ts, n, complete);
	}
	ptrace_unwinder_free(pu);
}

/* ---- output ---- */

static const char *state_name(char st)
{
	switch (st) {
	case 'R':
		return "running";
	case 'S':
		return "sleeping";
	case 'D':
		return "disk sleep";
	case 'T':
		return "stopped";
	case 't':
		return "tracing stop";
	case 'Z':
		return "zombie";
	case 'X':
		return "dead";
	case 'I':
		return "idle";
	case 'P':
		return "parked";
	default:
		return "unknown";
	}
}

static const char *capture_error(const struct ptrace_thread *t, char *buf, size_t size)
{
	switch (t->result) {
	case CAPTURE_OK:
		return NULL;
	case CAPTURE_GONE:
		return "exited during the snapshot";
	case CAPTURE_ZOMBIE:
		return "exited (zombie): no stack";
	case CAPTURE_TIMEOUT:
		return "did not stop in time (uninterruptible sleep?)";
	case CAPTURE_FAILED:
		snprintf(buf, size, "could not be stopped: %s", strerror(-t->err));
		return buf;
	}
	return NULL;
}

static void format_duration(char *buf, size_t size, uint64_t ns)
{
	if (ns >= 1000000000ull)
		snprintf(buf, size, "%.3f s", (double)ns / 1e9);
	else if (ns >= 1000000ull)
		snprintf(buf, size, "%.3f ms", (double)ns / 1e6);
	else
		snprintf(buf, size, "%" PRIu64 " us", ns / 1000);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void print_thread_text(const struct ptrace_thread *t, const struct tinfo *ti,
			      const struct tstack *ts, struct space *space)
{
	char buf[4096], err[128], dur[32];
	const char *e = capture_error(t, err, sizeof(err));
	struct pcinfo *pi = xcalloc(PCINFO_MAX_INLINE + 1, sizeof(*pi));
	int i, j, depth = 0;

	printf("thread %d", (int)t->tid);
	if (ti) {
		printf(" \"%s\" %c (%s)", sanitize(buf, sizeof(buf), ti->name), ti->state ? ti->state : '?',
		       state_name(ti->state));
		if (ti->have_syscall) {
			const char *name = syscall_name(ti->sys_nr);

			if (name)
				printf(" in %s(", name);
			else
				printf(" in syscall %ld(", ti->sys_nr);
			for (i = 0; i < 6; i++)
				printf("%s0x%" PRIx64, i ? ", " : "", ti->sys_args[i]);
			putchar(')');
		}
		if (ti->blocked_ns >= 0 && ti->state != 'R') {
			format_duration(dur, sizeof(dur), (uint64_t)ti->blocked_ns);
			printf(" for %s", dur);
		}
		if (ti->wchan[0])
			printf(", wchan %s", sanitize(buf, sizeof(buf), ti->wchan));
	}
	putchar('\n');
	if (verbose && t->result == CAPTURE_OK && t->unstopped) {
		printf("  not stopped: read asleep in the kernel; %zu bytes of stack copied%s\n",
		       t->stack_size, t->rbp_found ? "; rbp found on the stack" : "");
	} else if (verbose && t->result == CAPTURE_OK) {
		char lat[32], held[32];

		format_duration(dur, sizeof(dur), t->stop_ns);
		format_duration(lat, sizeof(lat), t->stop_latency_ns);
		format_duration(held, sizeof(held), t->stop_ns - t->stop_latency_ns);
		printf("  stopped for %s: %s until it stopped, held %s; %zu bytes of stack copied\n",
		       dur, lat, held, t->stack_size);
	}
	if (e) {
		printf("  (%s)\n", e);
		free(pi);
		return;
	}
	for (i = 0; i < ts->npcs; i++) {
		int n = pcinfo_lookup(space, ts->pcs[i], pi, PCINFO_MAX_INLINE + 1);

		for (j = 0; j < n; j++) {
			printf("  #%-3d 0x%016" PRIx64 " %s", depth++, ts->pcs[i],
			       sanitize(buf, sizeof(buf), pi[j].function));
			if (pi[j].is_inline)
				printf(" [inlined]");
			else if (pi[j].have_symbol)
				printf("+0x%" PRIx64, pi[j].offset);
			printf(" (%s)", sanitize(buf, sizeof(buf), base_name(pi[j].module)));
			if (pi[j].file) {
				printf(" at %s", sanitize(buf, sizeof(buf), pi[j].file));
				if (pi[j].line > 0)
					printf(":%d", pi[j].line);
			}
			putchar('\n');
			pcinfo_release(&pi[j]);
		}
	}
	if (!ts->complete)
		printf("  (incomplete: the unwind stopped before the outermost frame)\n");
	free(pi);
}

static void print_thread_json(struct json *j, const struct ptrace_thread *t, const struct tinfo *ti,
			      const struct tstack *ts, struct space *space)
{
	char err[128], hex[32];
	const char *e = capture_error(t, err, sizeof(err));
	struct pcinfo *pi = xcalloc(PCINFO_MAX_INLINE + 1, sizeof(*pi));
	int i, k;

	json_object_begin(j, NULL);
	json_int(j, "tid", t->tid);
	json_string(j, "name", ti ? ti->name : NULL);
	if (ti && ti->state) {
		char st[2] = { ti->state, 0 };

		json_string(j, "state", st);
		json_string(j, "state_name", state_name(ti->state));
	} else {
		json_null(j, "state");
		json_null(j, "state_name");
	}
	if (ti && ti->have_syscall) {
		json_object_begin(j, "syscall");
		json_int(j, "nr", ti->sys_nr);
		json_string(j, "name", syscall_name(ti->sys_nr));
		json_array_begin(j, "args");
		for (i = 0; i < 6; i++) {
			snprintf(hex, sizeof(hex), "0x%" PRIx64, ti->sys_args[i]);
			json_string(j, NULL, hex);
		}
		json_array_end(j);
		json_object_end(j);
	} else {
		json_null(j, "syscall");
	}
	json_string(j, "wchan", ti && ti->wchan[0] ? ti->wchan : NULL);
	if (ti && ti->blocked_ns >= 0 && ti->state != 'R')
		json_int(j, "blocked_ns", ti->blocked_ns);
	else
		json_null(j, "blocked_ns");
	json_bool(j, "captured", t->result == CAPTURE_OK);
	json_bool(j, "stopped", t->result == CAPTURE_OK && !t->unstopped);
	json_string(j, "error", e);
	if (t->result == CAPTURE_OK) {
		json_uint(j, "stop_ns", t->stop_ns);
		json_uint(j, "stop_latency_ns", t->stop_latency_ns);
	} else {
		json_null(j, "stop_ns");
		json_null(j, "stop_latency_ns");
	}
	json_bool(j, "complete", !e && ts->complete);
	json_array_begin(j, "frames");
	for (i = 0; !e && i < ts->npcs; i++) {
		int n = pcinfo_lookup(space, ts->pcs[i], pi, PCINFO_MAX_INLINE + 1);

		for (k = 0; k < n; k++) {
			json_object_begin(j, NULL);
			snprintf(hex, sizeof(hex), "0x%" PRIx64, ts->pcs[i]);
			json_string(j, "pc", hex);
			json_string(j, "function", pi[k].function);
			json_string(j, "module", pi[k].module);
			json_string(j, "file", pi[k].file);
			if (pi[k].file && pi[k].line > 0)
				json_int(j, "line", pi[k].line);
			else
				json_null(j, "line");
			json_bool(j, "inline", pi[k].is_inline);
			json_uint(j, "offset", pi[k].offset);
			json_object_end(j);
			pcinfo_release(&pi[k]);
		}
	}
	json_array_end(j);
	json_object_end(j);
	free(pi);
}

/* ---- statistics (-v) ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t percentile(uint64_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static void record_stops(struct stacks *sx, const struct ptrace_snapshot *snap)
{
	int i;

	for (i = 0; i < snap->nthreads; i++) {
		if (snap->threads[i].result != CAPTURE_OK || snap->threads[i].unstopped)
			continue;
		xgrow(&sx->stops, &sx->stops_cap, sx->nstops + 1, sizeof(*sx->stops));
		xgrow(&sx->held, &sx->held_cap, sx->nstops + 1, sizeof(*sx->held));
		sx->held[sx->nstops] = snap->threads[i].stop_ns - snap->threads[i].stop_latency_ns;
		sx->stops[sx->nstops++] = snap->threads[i].stop_ns;
	}
	sx->nunstopped += (size_t)snap->window.unstopped;
	xgrow(&sx->windows, &sx->windows_cap, sx->nwindows + 1, sizeof(*sx->windows));
	sx->windows[sx->nwindows++] = snap->window.window_ns;
}

/* "median X, p99 Y, max Z" of v into buf. */
static const char *stats_text(char *buf, size_t size, uint64_t *v, size_t n)
{
	char a[32], b[32], c[32];

	format_duration(a, sizeof(a), percentile(v, n, 0.5));
	format_duration(b, sizeof(b), percentile(v, n, 0.99));
	format_duration(c, sizeof(c), percentile(v, n, 1.0));
	snprintf(buf, size, "median %s, p99 %s, max %s", a, b, c);
	return buf;
}

/* Stop times: per thread (PTRACE_INTERRUPT to PTRACE_DETACH, and the part
 * after the thread stopped: held), and the process window. */
static void print_stop_stats(struct stacks *sx, const struct ptrace_snapshot *snap)
{
	char a[128], b[128], c[128];

	if (sx->nwindows > 1) {
		fprintf(stderr,
			"%s: %zu snapshots, %zu thread stops, %zu threads read asleep without "
			"a stop\n",
			progname, sx->nwindows, sx->nstops, sx->nunstopped);
		fprintf(stderr, "%s: per thread, interrupt to resume: %s\n", progname,
			stats_text(a, sizeof(a), sx->stops, sx->nstops));
		fprintf(stderr, "%s: per thread, held stopped: %s\n", progname,
			stats_text(b, sizeof(b), sx->held, sx->nstops));
		fprintf(stderr, "%s: per snapshot, first interrupt to last resume: %s\n", progname,
			stats_text(c, sizeof(c), sx->windows, sx->nwindows));
		return;
	}
	format_duration(a, sizeof(a), snap->window.window_ns);
	fprintf(stderr,
		"%s: stopped %d threads, %s from the first interrupt to the last resume "
		"(%d round%s); %d read asleep without a stop\n",
		progname, snap->window.stopped, a, snap->rounds, snap->rounds == 1 ? "" : "s",
		snap->window.unstopped);
	fprintf(stderr, "%s: per thread, interrupt to resume: %s\n", progname,
		stats_text(b, sizeof(b), sx->stops, sx->nstops));
	fprintf(stderr, "%s: per thread, held stopped: %s\n", progname,
		stats_text(c, sizeof(c), sx->held, sx->nstops));
}

/* ---- the command ---- */

static void check_target(pid_t pid)
{
	char st;
	pid_t *tids;
	int n;

	if (pid == getpid())
		die("cannot take the stacks of hotstack itself (pid %d)", (int)pid);
	if (!procfs_exists(pid))
		die("no process with pid %d", (int)pid);
	st = procfs_state(pid, 0);
	n = procfs_list_tasks(pid, &tids);
	if (n > 0)
		free(tids);
	if ((st == 'Z' || st == 'X') && n <= 1)
		die("pid %d has exited (zombie): it has no stack left", (int)pid);
}

int cmd_stacks(int argc, char **argv)
{
	struct stacks_opts o;
	struct stacks sx;
	struct ptrace_opts po;
	struct ptrace_snapshot snap;
	struct unwinder *u;
	struct space *space;
	char comm[64] = "?";
	bool complete = true;
	long k;
	int i, err;

	parse_options(argc, argv, &o);
	check_target(o.pid);
	memset(&sx, 0, sizeof(sx));
	sx.o = &o;
	hashmap_init(&sx.info_index);
	hashmap_init(&sx.live_index);
	sx.scratch = xmalloc(MAX_FRAMES * sizeof(*sx.scratch));
	procfs_comm(o.pid, 0, comm, sizeof(comm));

	memset(&po, 0, sizeof(po));
	po.stack_max = o.stack_max;
	po.whole_stack = true;
	po.hold_us = o.consistent ? PTRACE_HOLD_ALL : HOLD_US;
	po.timeout_ms = o.timeout_ms;
	po.nostop = !o.stop_all;
	if (o.live) {
		po.live = live_unwind;
		po.live_arg = &sx;
	}
	memset(&snap, 0, sizeof(snap));
	for (k = 0; k < o.repeat; k++) {
		ptrace_snapshot_release(&snap);
		read_all_tinfo(&sx, o.pid);
		if (o.live) {
			ptrace_unwinder_free(sx.pu);
			sx.pu = ptrace_unwinder_new(o.pid);
			hashmap_clear(&sx.live_index);
			for (i = 0; i < (int)sx.nlive; i++)
				free(sx.live[i].pcs);
			sx.nlive = 0;
		}
		err = ptrace_snapshot(o.pid, &po, &snap);
		if (err < 0) {
			char *msg = ptrace_explain(o.pid, 0, err);

			die("%s", msg);
		}
		record_stops(&sx, &snap);
		ptrace_release_pending();
	}

	u = unwinder_new();
	space = spaces_get(unwinder_spaces(u), o.pid, true);
	space_load_proc_maps(space);
	unwind_all(&sx, &snap, u, space);
	ptrace_unwinder_free(sx.pu);
	sx.pu = NULL;
	ptrace_release_pending();

	/* threads that appeared during the snapshot were not read before it */
	for (i = 0; i < snap.nthreads; i++)
		if (!tinfo_get(&sx, snap.threads[i].tid))
			tinfo_add(&sx, o.pid, snap.threads[i].tid, NULL);
	for (i = 0; i < snap.nthreads; i++) {
		const struct ptrace_thread *t = &snap.threads[i];

		if (t->result == CAPTURE_ZOMBIE)
			continue;	/* a main thread that exited: not a failure */
		if (t->result != CAPTURE_OK || !sx.st[i].complete)
			complete = false;
	}

	if (o.json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_int(&j, "pid", o.pid);
		json_string(&j, "command", comm);
		json_string(&j, "unwinder", o.libdw ? "libdw" : "libunwind");
		json_bool(&j, "live", o.live);
		json_bool(&j, "consistent", o.consistent);
		json_uint(&j, "window_ns", snap.window.window_ns);
		json_int(&j, "rounds", snap.rounds);
		json_bool(&j, "complete", complete);
		json_int(&j, "stopped_threads", snap.window.stopped);
		json_int(&j, "unstopped_threads", snap.window.unstopped);
		json_array_begin(&j, "threads");
		for (i = 0; i < snap.nthreads; i++)
			print_thread_json(&j, &snap.threads[i], tinfo_get(&sx, snap.threads[i].tid),
					  &sx.st[i], space);
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	} else {
		char buf[256], dur[32];

		format_duration(dur, sizeof(dur), snap.window.window_ns);
		printf("pid %d (%s): %d thread%s, %d stopped for %s, %d read asleep without a stop\n",
		       (int)o.pid, sanitize(buf, sizeof(buf), comm), snap.nthreads,
		       snap.nthreads == 1 ? "" : "s", snap.window.stopped, dur,
		       snap.window.unstopped);
		for (i = 0; i < snap.nthreads; i++) {
			putchar('\n');
			print_thread_text(&snap.threads[i], tinfo_get(&sx, snap.threads[i].tid),
					  &sx.st[i], space);
		}
	}
	if (verbose)
		print_stop_stats(&sx, &snap);

	unwinder_free(u);
	for (i = 0; i < snap.nthreads; i++)
		free(sx.st[i].pcs);
	ptrace_snapshot_release(&snap);
	hashmap_release(&sx.info_index);
	hashmap_release(&sx.live_index);
	free(sx.info);
	for (i = 0; i < (int)sx.nlive; i++)
		free(sx.live[i].pcs);
	free(sx.st);
	free(sx.live);
	free(sx.scratch);
	free(sx.stops);
	free(sx.held);
	free(sx.windows);
	return complete ? EXIT_OK : EXIT_PARTIAL;
}
