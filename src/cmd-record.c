/* cmd-record.c - `hotstack record`: sample a command or running processes
 *
 * Pipeline: sampler (perf_event_open ring buffers, time-ordered events) ->
 * unwinder (libdw over the copied user stack) -> symbolizer (frames) ->
 * stacktree (interned call paths) -> aggregation by (time slice, thread,
 * kind, stack) -> store (SQLite, one transaction a second).
 *
 * The target is never stopped or signalled by hotstack: perf events are
 * passive, and closing them (also when hotstack is killed) detaches
 * everything. A launched command is left running if the recording stops
 * first (-d, Ctrl-C sent to hotstack alone).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "hashmap.h"
#include "procfs.h"
#include "ptsampler.h"
#include "sampler.h"
#include "stacktree.h"
#include "store.h"
#include "symbol.h"
#include "unwind.h"
#include "util.h"
#include "waits.h"

#define DEFAULT_FREQ 99
#define DEFAULT_STACK 16384
#define MAX_STACK_FRAMES 1024

static const char record_help[] =
	"usage: hotstack record [OPTIONS] -- COMMAND [ARGS...]\n"
	"       hotstack record [OPTIONS] -p PID[,PID...]\n"
	"\n"
	"Sample a command (every thread and child process, from exec to exit) or\n"
	"running processes (all their threads, also threads created later) with\n"
	"perf_event_open, unwind every sample from DWARF CFI and write a recording.\n"
	"\n"
	"  -o, --output FILE     recording to write (default ./hotstack.db; an existing\n"
	"                        file is renamed to FILE.old)\n"
	"  -p, --pid PID[,PID]   attach to running processes instead of launching\n"
	"  -F, --freq HZ         samples per second per thread (default 99, at most\n"
	"                        kernel.perf_event_max_sample_rate)\n"
	"  -d, --duration SECS   stop after SECS seconds (the target keeps running)\n"
	"  -e, --event EVENT     cpu-clock (default), task-clock, or cycles where the\n"
	"                        machine has hardware counters\n"
	"      --user-only       do not record kernel frames\n"
	"      --stack-size BYTES  user stack copied per sample (default 16384, max 65528)\n"
	"  -m, --mmap-pages N    ring buffer pages per CPU, a power of two (default:\n"
	"                        sized for half a second of samples)\n"
	"      --waits           also record what threads wait on: off-CPU time with\n"
	"                        stacks, system call latency, I/O per file and socket\n"
	"                        (needs root or CAP_PERFMON; off by default)\n"
	"      --no-waits        do not record waits (the default)\n"
	"      --method METHOD   perf (perf_event_open), ptrace (stop, copy and resume\n"
	"                        the threads, 49 Hz by default: where perf events are\n"
	"                        not allowed) or auto (default: perf, else ptrace)\n"
	"  -q, --quiet           no status line\n"
	"  -v, --verbose         more messages\n"
	"  -h, --help            this help\n"
	"\n"
	"Ctrl-C, SIGTERM or SIGHUP stop the recording cleanly; the target keeps running.\n"
	"Exit status: 0 ok, 1 no sample was recorded, 2 error, 64 usage.\n"
	"See hotstack-record(1).\n";

struct agg_cell {
	int64_t slice, node;
	int32_t tid, kind;
	int64_t count, weight;
};

struct thread_info {
	int32_t tid, pid;
	char name[16];
	bool dirty;
	bool sampled;		/* has on-CPU samples or wait events */
	uint64_t start, end;	/* monotonic ns; 0 = before/after the recording */
};

struct process_info {
	int32_t pid, ppid;
	char name[64];
	char *exe;
	bool dirty;
};

struct recorder {
	struct store *store;
	struct sampler *sampler;	/* perf events, or */
	struct ptsampler *pts;		/* the ptrace fallback */
	struct unwinder *unwinder;
	struct symbolizer *symbolizer;
	struct stacktree *tree;
	struct waits *waits;	/* NULL without --waits */
	bool attach;
	int64_t unknown_wait_node;	/* "[waiting since before the recording]" */
	bool kernel;
	uint64_t start_ns;
	/* aggregation since the last flush */
	struct hashmap cells_index;
	struct agg_cell *cells;
	size_t ncells, cells_cap;
	/* threads and processes seen */
	struct hashmap thread_index;
	struct thread_info *threads;
	size_t nthreads, threads_cap;
	struct hashmap process_index;
	struct process_info *processes;
	size_t nprocesses, processes_cap;
	/* counters */
	uint64_t samples, lost, unwind_errors, flushed_samples;
	/* scratch */
	uint64_t pcs[MAX_STACK_FRAMES];
	int64_t frames[MAX_STACK_FRAMES + SAMPLER_MAX_KCHAIN];
};

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;	/* no SA_RESTART: poll() returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static struct thread_info *thread_get(struct recorder *r, uint32_t pid, uint32_t tid)
{
	uint64_t idx = r->nthreads;
	struct thread_info *t;

	if (hashmap_get_or_put(&r->thread_index, &tid, sizeof(tid), &idx))
		return &r->threads[idx];
	xgrow(&r->threads, &r->threads_cap, r->nthreads + 1, sizeof(*r->threads));
	t = &r->threads[r->nthreads++];
	memset(t, 0, sizeof(*t));
	t->tid = (int32_t)tid;
	t->pid = (int32_t)pid;
	t->dirty = true;
	return t;
}

static void thread_set_name(struct recorder *r, uint32_t pid, uint32_t tid, const char *name)
{
	struct thread_info *t = thread_get(r, pid, tid);

	if (strncmp(t->name, name, sizeof(t->name) - 1)) {
		snprintf(t->name, sizeof(t->name), "%s", name);
		t->dirty = true;
	}
	t->pid = (int32_t)pid;
}

/* Reads a process's name and executable from /proc into p (while it lives). */
static void process_read(struct process_info *p, const char *comm)
{
	char exe[PATH_MAX];

	if (comm)
		snprintf(p->name, sizeof(p->name), "%s", comm);
	else
		procfs_comm(p->pid, 0, p->name, sizeof(p->name));
	if (!procfs_exe(p->pid, exe, sizeof(exe))) {
		free(p->exe);
		p->exe = xstrdup(exe);
	}
	if (!p->ppid) {
		pid_t ppid = procfs_ppid(p->pid);

		p->ppid = ppid > 0 ? ppid : 0;
	}
	p->dirty = true;
}

/* The process row of pid, read from /proc the first time it is seen. */
static struct process_info *process_get(struct recorder *r, pid_t pid, pid_t ppid)
{
	uint64_t idx = r->nprocesses;
	struct process_info *p;

	if (hashmap_get_or_put(&r->process_index, &pid, sizeof(pid), &idx))
		return &r->processes[idx];
	xgrow(&r->processes, &r->processes_cap, r->nprocesses + 1, sizeof(*r->processes));
	p = &r->processes[r->nprocesses++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->ppid = ppid > 0 ? ppid : 0;
	process_read(p, NULL);
	return p;
}

static void aggregate(struct recorder *r, int64_t slice, int32_t tid, int32_t kind, int64_t node,
		      int64_t count, int64_t weight)
{
	struct agg_cell key = { .slice = slice, .node = node, .tid = tid, .kind = kind };
	uint64_t idx = r->ncells;

	if (!hashmap_get_or_put(&r->cells_index, &key, offsetof(struct agg_cell, count), &idx)) {
		xgrow(&r->cells, &r->cells_cap, r->ncells + 1, sizeof(*r->cells));
		r->cells[r->ncells++] = key;
	}
	r->cells[idx].count += count;
	r->cells[idx].weight += weight;
}

/* Unwinds and symbolizes the stack of a sample (or of a switch-out) and
 * returns its leaf node in the call-path tree. */
static int64_t stack_node(struct recorder *r, const struct sampler_event *ev)
{
	struct space *s = spaces_get(unwinder_spaces(r->unwinder), (pid_t)ev->pid, true);
	int nframes = 0, npcs = 0, i;
	bool complete = false;
	int64_t node = 0;

	/* kernel frames, leaf first */
	for (i = 0; i < ev->sample.nkchain && nframes < SAMPLER_MAX_KCHAIN; i++)
		r->frames[nframes++] = symbolizer_kernel(r->symbolizer, ev->sample.kchain[i]);
	if (ev->sample.have_regs) {
		npcs = unwinder_unwind(r->unwinder, s, ev, r->pcs, MAX_STACK_FRAMES, &complete);
		if (!complete)
			r->unwind_errors++;
		for (i = 0; i < npcs && nframes < (int)ARRAY_SIZE(r->frames); i++)
			nframes += symbolizer_user(r->symbolizer, s, r->pcs[i], r->frames + nframes,
						   (int)ARRAY_SIZE(r->frames) - nframes);
	} else if (!nframes) {
		r->unwind_errors++;
		r->frames[nframes++] = symbolizer_kernel(r->symbolizer, ev->sample.ip);
	}
	/* intern the path root first */
	for (i = nframes - 1; i >= 0; i--)
		node = stacktree_node(r->tree, node, r->frames[i]);
	return node;
}

static int64_t slice_of(const struct recorder *r, uint64_t time)
{
	return time > r->start_ns ? (int64_t)((time - r->start_ns) / STORE_SLICE_NS) : 0;
}

static void handle_sample(struct recorder *r, const struct sampler_event *ev)
{
	int64_t node;

	r->samples++;
	process_get(r, (pid_t)ev->pid, 0);
	thread_get(r, ev->pid, ev->tid)->sampled = true;
	node = stack_node(r, ev);
	aggregate(r, slice_of(r, ev->time), (int32_t)ev->tid, KIND_CPU, node, 1,
		  (int64_t)ev->sample.period);
}

/* Adds an off-CPU interval, its time spread over the slices it spans. */
static void add_interval(void *arg, const struct wait_interval *iv)
{
	struct recorder *r = arg;
	uint64_t t = iv->start < r->start_ns ? r->start_ns : iv->start;
	int64_t node = iv->node ? iv->node : r->unknown_wait_node;
	int64_t count = 1;	/* one interval counts once, where it began */

	while (t < iv->end) {
		int64_t slice = slice_of(r, t);
		uint64_t slice_end = r->start_ns + (uint64_t)(slice + 1) * STORE_SLICE_NS;
		uint64_t upto = iv->end < slice_end ? iv->end : slice_end;

		aggregate(r, slice, (int32_t)iv->tid, iv->kind, node, count, (int64_t)(upto - t));
		count = 0;
		t = upto;
	}
}

static void handle_switch_out(struct recorder *r, const struct sampler_event *ev)
{
	int64_t node;

	process_get(r, (pid_t)ev->pid, 0);
	thread_get(r, ev->pid, ev->tid)->sampled = true;
	node = stack_node(r, ev);
	waits_switch_out(r->waits, ev->pid, ev->tid, ev->time, node, ev->sample.prev_state);
}

static void handle_switch_in(struct recorder *r, const struct sampler_event *ev)
{
	struct wait_interval iv;

	thread_get(r, ev->pid, ev->tid)->sampled = true;
	if (waits_switch_in(r->waits, ev->tid, ev->time, r->attach ? r->start_ns : 0, &iv))
		add_interval(r, &iv);
}

static void handle_event(void *arg, const struct sampler_event *ev)
{
	struct recorder *r = arg;
	struct spaces *sp = unwinder_spaces(r->unwinder);

	switch (ev->type) {
	case SEV_SAMPLE:
		handle_sample(r, ev);
		break;
	case SEV_MMAP:
		space_add_map(spaces_get(sp, (pid_t)ev->pid, true), ev->mmap.start, ev->mmap.len,
			      ev->mmap.pgoff, ev->mmap.filename, ev->mmap.build_id,
			      ev->mmap.build_id_size);
		break;
	case SEV_COMM:
		if (ev->comm.exec) {
			spaces_exec(sp, (pid_t)ev->pid);
			process_read(process_get(r, (pid_t)ev->pid, 0), ev->comm.comm);
		}
		thread_set_name(r, ev->pid, ev->tid, ev->comm.comm);
		break;
	case SEV_FORK:
		if (ev->pid != ev->fork.ppid) {
			spaces_fork(sp, (pid_t)ev->pid, (pid_t)ev->fork.ppid);
			process_get(r, (pid_t)ev->pid, (pid_t)ev->fork.ppid);
		}
		{
			/* a new thread starts with its creator's name */
			struct thread_info *parent = thread_get(r, ev->fork.ppid, ev->fork.ptid);
			char name[16];

			memcpy(name, parent->name, sizeof(name));
			thread_set_name(r, ev->pid, ev->tid, name);
			thread_get(r, ev->pid, ev->tid)->start = ev->time;
		}
		break;
	case SEV_EXIT:
		if (ev->pid == ev->tid)
			spaces_exit(sp, (pid_t)ev->pid);
		thread_get(r, ev->pid, ev->tid)->end = ev->time;
		thread_get(r, ev->pid, ev->tid)->dirty = true;
		if (r->waits)
			waits_thread_exit(r->waits, ev->tid);
		break;
	case SEV_SWITCH_OUT:
		handle_switch_out(r, ev);
		break;
	case SEV_SWITCH_IN:
		handle_switch_in(r, ev);
		break;
	case SEV_SWITCH_DONE:
		waits_switch_done(r->waits, ev->tid, ev->time);
		break;
	case SEV_SYS_ENTER:
		waits_sys_enter(r->waits, ev->pid, ev->tid, ev->time, ev->sys.nr, ev->sys.args);
		break;
	case SEV_SYS_EXIT:
		waits_sys_exit(r->waits, ev->pid, ev->tid, ev->time, ev->sys.nr, ev->sys.ret);
		break;
	case SEV_LOST:
		r->lost += ev->lost.count;
		break;
	}
}

/* Writes everything gathered since the last flush in one transaction. */
static int flush(struct recorder *r)
{
	size_t i;
	int err;

	err = store_begin(r->store);
	if (!err)
		err = stacktree_flush(r->tree, r->store);
	for (i = 0; i < r->nprocesses && !err; i++) {
		struct process_info *p = &r->processes[i];

		if (!p->dirty)
			continue;
		err = store_add_process(r->store, p->pid, p->ppid, p->name, p->exe);
		p->dirty = false;
	}
	for (i = 0; i < r->nthreads && !err; i++) {
		struct thread_info *t = &r->threads[i];

		if (!t->dirty)
			continue;
		err = store_add_thread(r->store, t->tid, t->pid, t->name);
		if (!err)
			err = store_set_thread_times(r->store, t->tid,
						     t->start > r->start_ns ? (int64_t)(t->start - r->start_ns) : 0,
						     t->end ? (int64_t)(t->end - r->start_ns) : -1);
		t->dirty = false;
	}
	if (!err && r->waits)
		err = waits_flush(r->waits, r->store);
	for (i = 0; i < r->ncells && !err; i++) {
		struct agg_cell *c = &r->cells[i];

		err = store_add_samples(r->store, c->slice, c->tid, c->kind, c->node, c->count,
					c->weight);
	}
	if (!err)
		err = store_set_meta_int(r->store, "samples", (int64_t)r->samples);
	if (!err)
		err = store_set_meta_int(r->store, "lost", (int64_t)r->lost);
	if (!err)
		err = store_set_meta_int(r->store, "unwind_errors", (int64_t)r->unwind_errors);
	if (!err)
		err = store_set_meta_int(r->store, "duration_ns",
					 (int64_t)(monotonic_ns() - r->start_ns));
	if (!err)
		err = store_commit(r->store);
	hashmap_clear(&r->cells_index);
	r->ncells = 0;
	return err;
}

static void print_status(struct recorder *r, bool final)
{
	double secs = (double)(monotonic_ns() - r->start_ns) / 1e9;

	fprintf(stderr, "\r\033[K%s: %.1fs  %" PRIu64 " samples  %.0f/s  %" PRIu64 " lost%s",
		progname, secs, r->samples, secs > 0 ? (double)r->samples / secs : 0.0, r->lost,
		final ? "\n" : "");
	fflush(stderr);
}

/* The end of a --waits recording: threads still off-CPU get their interval
 * up to now; threads that never ran nor switched were blocked throughout. */
static void finish_waits(struct recorder *r)
{
	uint64_t end = monotonic_ns();
	size_t i;

	waits_close_all(r->waits, end, add_interval, r);
	for (i = 0; i < r->nthreads; i++) {
		struct thread_info *t = &r->threads[i];
		struct wait_interval iv;

		if (t->sampled || t->end || procfs_state(t->pid, t->tid) == 0)
			continue;
		iv.tid = (uint32_t)t->tid;
		iv.kind = KIND_OFFCPU;
		iv.node = 0;
		iv.start = t->start ? t->start : r->start_ns;
		iv.end = end;
		add_interval(r, &iv);
	}
}

/* ---- the sample source: perf events or the ptrace fallback ---- */

static int source_poll(struct recorder *r, int timeout_ms)
{
	return r->pts ? ptsampler_poll(r->pts, timeout_ms) : sampler_poll(r->sampler, timeout_ms);
}

static void source_drain(struct recorder *r)
{
	if (r->pts)
		ptsampler_drain(r->pts, handle_event, r);
	else
		sampler_drain(r->sampler, handle_event, r);
}

static bool source_done(struct recorder *r)
{
	return r->pts ? ptsampler_done(r->pts) : sampler_done(r->sampler);
}

static void source_rescan(struct recorder *r)
{
	if (r->pts)
		ptsampler_rescan(r->pts);
	else
		sampler_rescan(r->sampler);
}

static void source_disable(struct recorder *r)
{
	if (r->pts)
		ptsampler_disable(r->pts);
	else
		sampler_disable(r->sampler);
}

static void source_close(struct recorder *r)
{
	ptsampler_close(r->pts);
	sampler_close(r->sampler);
	r->pts = NULL;
	r->sampler = NULL;
}

/* ---- option parsing ---- */

struct record_opts {
	const char *output;
	pid_t *pids;
	int npids;
	unsigned freq;
	double duration;
	enum sampler_clock event;
	bool user_only;
	uint32_t stack_size;
	unsigned mmap_pages;
	bool waits;
	bool quiet;
	bool freq_given;
	enum { METHOD_AUTO, METHOD_PERF, METHOD_PTRACE } method;
	char **command;
};

static void parse_pids(struct record_opts *o, const char *arg)
{
	char *copy = xstrdup(arg), *tok, *save = NULL;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long pid;

		if (parse_long(tok, 1, INT_MAX, &pid))
			die_usage("record: '%s' is not a process id", sanitized(tok));
		o->pids = xrealloc(o->pids, (o->npids + 1) * sizeof(*o->pids));
		o->pids[o->npids++] = (pid_t)pid;
	}
	free(copy);
	if (!o->npids)
		die_usage("record: -p needs a process id");
}

static void parse_options(int argc, char **argv, struct record_opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "pid", required_argument, NULL, 'p' },
		{ "freq", required_argument, NULL, 'F' },
		{ "duration", required_argument, NULL, 'd' },
		{ "event", required_argument, NULL, 'e' },
		{ "user-only", no_argument, NULL, 'U' },
		{ "stack-size", required_argument, NULL, 'S' },
		{ "mmap-pages", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "waits", no_argument, NULL, 'W' },
		{ "method", required_argument, NULL, 'M' },
		{ "no-waits", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned max_rate = sampler_max_rate();
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->output = "hotstack.db";
	o->freq = DEFAULT_FREQ;
	o->stack_size = DEFAULT_STACK;
	opterr = 0;
	/* '+': stop at the first non-option, the command */
	while ((c = getopt_long(argc, argv, "+o:p:F:d:e:m:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'p':
			parse_pids(o, optarg);
			break;
		case 'F':
			if (parse_long(optarg, 1, LONG_MAX, &v))
				die_usage("record: -F needs a frequency of at least 1 Hz, not '%s'",
					  sanitized(optarg));
			if (v > (long)max_rate)
				die_usage("record: -F %ld is above kernel.perf_event_max_sample_rate (%u): "
					  "use at most %u, or raise the sysctl",
					  v, max_rate, max_rate);
			o->freq = (unsigned)v;
			o->freq_given = true;
			break;
		case 'd':
			if (parse_seconds(optarg, &o->duration))
				die_usage("record: -d needs a positive number of seconds, not '%s'",
					  sanitized(optarg));
			break;
		case 'e':
			if (sampler_parse_event(optarg, &o->event))
				die_usage("record: unknown event '%s': use cpu-clock, task-clock or cycles",
					  sanitized(optarg));
			break;
		case 'U':
			o->user_only = true;
			break;
		case 'S':
			if (parse_long(optarg, 1024, 65528, &v))
				die_usage("record: --stack-size must be between 1024 and 65528 bytes");
			o->stack_size = (uint32_t)(v & ~7L);
			break;
		case 'm':
			if (parse_long(optarg, 1, 65536, &v) || (v & (v - 1)))
				die_usage("record: --mmap-pages must be a power of two from 1 to 65536");
			o->mmap_pages = (unsigned)v;
			break;
		case 'W':
			o->waits = true;
			break;
		case 'M':
			if (!strcmp(optarg, "perf"))
				o->method = METHOD_PERF;
			else if (!strcmp(optarg, "ptrace"))
				o->method = METHOD_PTRACE;
			else if (!strcmp(optarg, "auto"))
				o->method = METHOD_AUTO;
			else
				die_usage("record: unknown method '%s': use perf, ptrace or auto",
					  sanitized(optarg));
			break;
		case 'N':
			o->waits = false;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			exit(cmd_print_help(record_help));
		default:
			if (optopt)
				die_usage("record: unknown option or missing argument '-%c'", optopt);
			die_usage("record: unknown option '%s'", sanitized(argv[optind - 1]));
		}
	}
	if (optind < argc)
		o->command = argv + optind;
	if (o->npids && o->command)
		die_usage("record: give either -p PID or a command, not both");
	if (!o->npids && !o->command)
		die_usage("record: nothing to record: give a command after '--' or -p PID");
	if (o->method == METHOD_PTRACE && o->waits)
		die_usage("record: --waits needs perf events; it cannot be used with --method ptrace");
	if (o->method == METHOD_PTRACE && o->freq > PTSAMPLER_MAX_FREQ)
		die_usage("record: --method ptrace samples at most %d Hz", PTSAMPLER_MAX_FREQ);
}

/* ---- launching ---- */

struct launch {
	pid_t pid;
	int go_fd;	/* write a byte to let the child exec */
	int err_fd;	/* the child writes errno here if exec fails */
};

static void launch_fork(struct launch *l, char **command)
{
	int go[2], err[2];

	if (pipe2(go, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	l->pid = fork();
	if (l->pid < 0)
		die("fork: %s", strerror(errno));
	if (l->pid == 0) {
		char c;
		int e;

		close(go[1]);
		close(err[0]);
		/* wait until the events are open */
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		execvp(command[0], command);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	l->go_fd = go[1];
	l->err_fd = err[0];
}

/* Lets the child exec; returns 0 or the exec errno. */
static int launch_go(struct launch *l)
{
	int e = 0;
	ssize_t n;

	if (write(l->go_fd, "x", 1) != 1)
		return errno;
	close(l->go_fd);
	do {
		n = read(l->err_fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	close(l->err_fd);
	return n == sizeof(e) ? e : 0;
}

static void launch_abort(struct launch *l)
{
	/* the child has not exec'd yet: it is ours to end */
	kill(l->pid, SIGKILL);
	waitpid(l->pid, NULL, 0);
}

/* ---- metadata ---- */

static void write_start_meta(struct recorder *r, const struct record_opts *o, int argc, char **argv)
{
	struct strbuf sb = STRBUF_INIT;
	struct utsname u;
	char host[256] = "";
	int i;

	store_begin(r->store);
	store_set_meta_int(r->store, "schema_version", STORE_SCHEMA_VERSION);
	store_set_meta(r->store, "hotstack_version", PACKAGE_VERSION);
	if (o->command) {
		for (i = 0; o->command[i]; i++)
			strbuf_addf(&sb, "%s%s", i ? " " : "", o->command[i]);
		store_set_meta(r->store, "command", sb.buf);
		store_set_meta(r->store, "mode", "launch");
	} else {
		for (i = 0; i < o->npids; i++)
			strbuf_addf(&sb, "%s%d", i ? "," : "", (int)o->pids[i]);
		store_set_meta(r->store, "pids", sb.buf);
		store_set_meta(r->store, "mode", "attach");
		strbuf_reset(&sb);
		for (i = 0; i < o->npids; i++) {
			char name[64] = "?";

			procfs_comm(o->pids[i], 0, name, sizeof(name));
			strbuf_addf(&sb, "%s%s", i ? "," : "", name);
		}
		store_set_meta(r->store, "command", sb.buf);
	}
	strbuf_reset(&sb);
	for (i = 0; i < argc; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", argv[i]);
	store_set_meta(r->store, "record_command", sb.buf);
	gethostname(host, sizeof(host) - 1);
	store_set_meta(r->store, "host", host);
	if (!uname(&u)) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s %s %s", u.sysname, u.release, u.machine);
		store_set_meta(r->store, "kernel", sb.buf);
	}
	store_set_meta_int(r->store, "start_time", (int64_t)realtime_ns());
	store_set_meta(r->store, "event", r->pts ? "ptrace" : sampler_event_name(o->event));
	store_set_meta(r->store, "method", r->pts ? "ptrace" : "perf");
	store_set_meta_int(r->store, "frequency", o->freq);
	store_set_meta_int(r->store, "slice_ns", (int64_t)STORE_SLICE_NS);
	store_set_meta_int(r->store, "stack_size", o->stack_size);
	store_set_meta_int(r->store, "kernel_frames", r->kernel);
	store_set_meta(r->store, "unwinder", "libdw");
	store_set_meta_int(r->store, "waits", r->waits != NULL);
	store_commit(r->store);
	strbuf_release(&sb);
}

static void attach_prepare(struct recorder *r, const struct record_opts *o)
{
	struct spaces *sp = unwinder_spaces(r->unwinder);
	int i, j;

	for (i = 0; i < o->npids; i++) {
		pid_t *tids;
		int n;

		space_load_proc_maps(spaces_get(sp, o->pids[i], true));
		process_get(r, o->pids[i], 0);
		n = procfs_list_tasks(o->pids[i], &tids);
		for (j = 0; j < n; j++) {
			char name[16] = "";

			procfs_comm(o->pids[i], tids[j], name, sizeof(name));
			thread_set_name(r, (uint32_t)o->pids[i], (uint32_t)tids[j], name);
		}
		if (n > 0)
			free(tids);
	}
}

static bool targets_alive(const struct record_opts *o)
{
	int i;

	for (i = 0; i < o->npids; i++) {
		char st = procfs_state(o->pids[i], 0);

		if (st && st != 'Z' && st != 'X')
			return true;
	}
	return false;
}

static void check_pids(const struct record_opts *o)
{
	int i;

	for (i = 0; i < o->npids; i++) {
		if (o->pids[i] == getpid())
			die("cannot record hotstack itself (pid %d)", (int)o->pids[i]);
		if (!procfs_exists(o->pids[i]))
			die("no process with pid %d", (int)o->pids[i]);
	}
}

/* Fails early, before anything is launched, if the output cannot be made. */
static void check_output_dir(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strcpy(dir, ".");
	if (access(dir, W_OK | X_OK))
		die("cannot write the recording in '%s': %s; choose another place with -o",
		    sanitized(dir), strerror(errno));
	free(dir);
}

/* Perf events refused for lack of permission, or not there at all (a
 * seccomp profile gives ENOSYS or EPERM): where ptrace may still work. */
static bool perf_refused(int err)
{
	return err == -EACCES || err == -EPERM || err == -ENOSYS;
}

/* Opens the sample source the method asks for; with auto, perf events, or
 * ptrace when perf events are refused (saying so once on stderr). */
static int open_source(struct recorder *r, struct record_opts *o, struct sampler_config *cfg,
		       pid_t launch_pid, char **errmsg)
{
	struct ptsampler_config pcfg = { 0 };
	char *perf_msg = NULL;
	int err;

	if (o->method != METHOD_PTRACE) {
		err = sampler_open(&r->sampler, cfg, launch_pid, o->pids, o->npids, errmsg);
		if (!err || o->method == METHOD_PERF || o->waits || !perf_refused(err))
			return err;
		perf_msg = *errmsg;
		*errmsg = NULL;
	}
	if (!o->freq_given)
		o->freq = PTSAMPLER_DEFAULT_FREQ;
	if (o->freq > PTSAMPLER_MAX_FREQ)
		o->freq = PTSAMPLER_MAX_FREQ;
	pcfg.freq = o->freq;
	pcfg.stack_size = o->stack_size;
	err = ptsampler_open(&r->pts, &pcfg, launch_pid, o->pids, o->npids, errmsg);
	if (err && perf_msg) {
		/* neither works: the perf message says more about why */
		debug("ptrace fallback: %s", *errmsg ? *errmsg : strerror(-err));
		free(*errmsg);
		*errmsg = perf_msg;
		return err;
	}
	if (!err && perf_msg)
		warn("perf events are not allowed here (%s); sampling with ptrace at %u Hz instead",
		     perf_msg, o->freq);
	free(perf_msg);
	return err;
}

/* Removes a recording that never started (the command could not run) and
 * puts back the file it replaced. */
static void discard_output(const char *path, bool renamed)
{
	char *p;

	unlink(path);
	p = xasprintf("%s-wal", path);
	unlink(p);
	free(p);
	p = xasprintf("%s-shm", path);
	unlink(p);
	free(p);
	if (renamed) {
		p = xasprintf("%s.old", path);
		rename(p, path);
		free(p);
	}
}

int cmd_record(int argc, char **argv)
{
	struct record_opts o;
	struct recorder r;
	struct launch l = { 0 };
	struct sampler_config cfg;
	char *errmsg = NULL;
	bool renamed = false, status_line;
	uint64_t last_flush, last_status, last_rescan, end_ns = 0;
	int err, child_status = -1;
	struct stat stbuf;

	/* -h is parsed with the options: it must not be taken from COMMAND's
	 * arguments (hotstack record ls -h) */
	parse_options(argc, argv, &o);
	memset(&r, 0, sizeof(r));
	/* kernel frames unless told otherwise or not permitted (the sampler
	 * probes for that and falls back to user frames) */
	r.kernel = !o.user_only;

	check_output_dir(o.output);
	if (o.npids)
		check_pids(&o);

	cfg.event = o.event;
	cfg.freq = o.freq;
	cfg.kernel = r.kernel;
	cfg.stack_size = o.stack_size;
	cfg.mmap_pages = o.mmap_pages;
	cfg.waits = o.waits;
	r.attach = o.npids > 0;
	if (o.waits)
		r.waits = waits_new();

	r.tree = stacktree_new();
	r.unwinder = unwinder_new();
	r.symbolizer = symbolizer_new(r.tree);
	if (r.kernel)
		symbolizer_load_kernel(r.symbolizer);
	if (o.command)
		launch_fork(&l, o.command);
	err = open_source(&r, &o, &cfg, o.command ? l.pid : 0, &errmsg);
	if (err) {
		if (o.command)
			launch_abort(&l);
		die("%s", errmsg ? errmsg : strerror(-err));
	}
	/* kernel frames were refused (no CAP_PERFMON): user frames only */
	r.kernel = r.sampler && sampler_has_kernel(r.sampler);
	err = store_create(o.output, &r.store, &renamed, &errmsg);
	if (err) {
		source_close(&r);
		if (o.command)
			launch_abort(&l);
		die("%s", errmsg);
	}
	if (renamed)
		warn("'%s' existed: renamed it to '%s.old'", sanitized(o.output), sanitized(o.output));

	r.unknown_wait_node = stacktree_node(
		r.tree, 0,
		stacktree_frame(r.tree, stacktree_module(r.tree, "[hotstack]", NULL, "anon"),
				"[waiting since before the recording]", NULL, 0, false, 0));
	hashmap_init(&r.cells_index);
	hashmap_init(&r.thread_index);
	hashmap_init(&r.process_index);
	r.start_ns = monotonic_ns();
	write_start_meta(&r, &o, argc, argv);
	install_signals();

	if (o.command) {
		int e = launch_go(&l);

		if (e) {
			waitpid(l.pid, NULL, 0);
			source_close(&r);
			store_close(r.store);
			discard_output(o.output, renamed);
			die("cannot run '%s': %s", sanitized(o.command[0]),
			    e == ENOENT ? "command not found" : strerror(e));
		}
	} else {
		attach_prepare(&r, &o);
	}

	status_line = !o.quiet && isatty(STDERR_FILENO);
	if (o.duration > 0)
		end_ns = r.start_ns + (uint64_t)(o.duration * 1e9);
	last_flush = last_status = last_rescan = monotonic_ns();
	for (;;) {
		uint64_t now;
		bool finished = false;

		err = source_poll(&r, 100);
		if (err < 0 && err != -EINTR)
			die("poll: %s", strerror(-err));
		source_drain(&r);
		if (r.waits)
			waits_resolve(r.waits);
		now = monotonic_ns();
		if (o.command) {
			/* the command ended: a last drain below picks up its tail */
			if (waitpid(l.pid, &child_status, WNOHANG) == l.pid)
				finished = true;
		} else if (now - last_rescan >= 1000000000ull) {
			source_rescan(&r);
			last_rescan = now;
			if (!targets_alive(&o))
				finished = true;
		}
		if (o.npids && source_done(&r))
			finished = true;
		if (stop_signal || (end_ns && now >= end_ns))
			finished = true;
		if (now - last_flush >= 1000000000ull || finished) {
			if (flush(&r))
				die("writing '%s' failed: %s", sanitized(o.output),
				    strerror(EIO));
			last_flush = now;
			spaces_gc(unwinder_spaces(r.unwinder), 2000000000ull);
		}
		if (status_line && (now - last_status >= 250000000ull || finished)) {
			print_status(&r, finished);
			last_status = now;
		}
		if (finished)
			break;
	}
	source_disable(&r);
	source_drain(&r);
	if (r.waits)
		finish_waits(&r);
	err = flush(&r);
	/* the last transaction marks the recording complete */
	if (!err)
		err = store_begin(r.store);
	if (!err && child_status >= 0)
		err = store_set_meta_int(r.store, "exit_status",
					 WIFEXITED(child_status) ? WEXITSTATUS(child_status)
								 : 128 + WTERMSIG(child_status));
	if (!err)
		err = store_set_meta_int(r.store, "finished", 1);
	if (!err)
		err = store_commit(r.store);
	source_close(&r);
	if (store_close(r.store) || err)
		die("writing '%s' failed", sanitized(o.output));

	if (!o.quiet) {
		double mb = stat(o.output, &stbuf) ? 0 : (double)stbuf.st_size / 1e6;

		fprintf(stderr, "%s: wrote %" PRIu64 " samples (%" PRIu64 " lost, %" PRIu64
				" not unwound to the end) to '%s' (%.2f MB)\n",
			progname, r.samples, r.lost, r.unwind_errors, sanitized(o.output), mb);
		if (o.command && child_status < 0)
			fprintf(stderr, "%s: recording stopped; '%s' (pid %d) keeps running\n",
				progname, sanitized(o.command[0]), (int)l.pid);
		else if (child_status > 0 && WIFEXITED(child_status))
			fprintf(stderr, "%s: note: the command exited with status %d\n", progname,
				WEXITSTATUS(child_status));
	}
	symbolizer_free(r.symbolizer);
	unwinder_free(r.unwinder);
	stacktree_free(r.tree);
	hashmap_release(&r.cells_index);
	hashmap_release(&r.thread_index);
	hashmap_release(&r.process_index);
	for (size_t i = 0; i < r.nprocesses; i++)
		free(r.processes[i].exe);
	free(r.processes);
	free(r.cells);
	free(r.threads);
	free(o.pids);
	waits_free(r.waits);
	if (!r.samples) {
		warn("no sample was recorded: %s",
		     r.lost ? "the kernel dropped them all (try a larger --mmap-pages or a smaller "
			      "--stack-size)"
			    : "the target did not run on a CPU while recording");
		return EXIT_PARTIAL;
	}
	return EXIT_OK;
}
