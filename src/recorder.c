/* recorder.c - the recording engine: source, unwinding, aggregation, commits
 *
 * Pipeline: source (perf_event_open ring buffers, time-ordered events, or
 * the ptrace sampler) -> unwinder (libdw over the copied user stack) ->
 * symbolizer (frames) -> stacktree (interned call paths) -> aggregation by
 * (time slice, thread, kind, stack) -> store (SQLite, one transaction per
 * commit interval).
 *
 * The target is never stopped or signalled by the recorder with perf
 * events: they are passive, and closing them (also when hotstack is
 * killed) detaches everything. The ptrace source stops threads for a few
 * microseconds at a time (ptsampler.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomicfile.h"
#include "blocked.h"
#include "cgroup.h"
#include "hashmap.h"
#include "procfs.h"
#include "ptsampler.h"
#include "recorder.h"
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
#define RESCAN_NS 1000000000ull		/* new threads of attached processes */
/* read but not yet unwound: as much as the kernel's ring buffers would
 * have held before the reader thread took the data out of them (with
 * --waits, 64 MiB a CPU), so a burst is never dropped sooner than it was */
#define QUEUE_MAX_BYTES (64ull << 20)
#define QUEUE_MAX_BYTES_WAITS (256ull << 20)
#define CONSUME_NS 200000000ull		/* unwinding per poll, at most */
#define FINISH_NS 20000000000ull	/* and at the end: what was sampled is
					 * unwound, unless the machine is so
					 * loaded that even 20 s do not do */
#define SPACES_GRACE_NS 2000000000ull	/* address spaces kept after exit */

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
	bool at_start;		/* read from /proc at the attach */
	uint64_t start, end;	/* monotonic ns; 0 = before/after the recording */
};

struct process_info {
	int32_t pid, ppid;
	char name[64];
	char *exe;
	bool dirty;
	bool ended;
};

/*
 * The ring-buffer reader (perf source): a thread that polls the rings and
 * copies what they hold into batches on a queue bounded in bytes, so that
 * unwinding and symbolizing (the first samples of a process load its
 * libraries' CFI and symbols, for up to seconds with a big runtime) never
 * stall the draining and the kernel does not drop records. When the queue
 * is full, a batch's samples are dropped and counted (its mmap, comm, fork
 * and exit records are kept: they describe the targets).
 */
struct reader {
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;
	struct sampler_batch **queue;	/* ring of cap slots */
	size_t head, count, cap;
	size_t bytes, peak_bytes;	/* queued */
	size_t max_bytes;		/* what may be queued */
	uint64_t dropped;		/* samples dropped, not yet counted */
	int notify_fd;		/* eventfd: batches were queued */
	int stop_fd;		/* eventfd: the thread must stop */
	int done;		/* atomic: every ring hung up */
};

/* /proc/kallsyms, read on a thread of its own at the start (reading it
 * takes ~80 ms of kernel time), handed to the symbolizer by the recording
 * thread when the first kernel frame needs it or the text is there. */
struct kallsyms_load {
	pthread_t thread;
	bool running;
	int stop;		/* atomic: give up reading */
	int ready;		/* atomic: text is complete (or NULL) */
	char *text;
};

struct recorder {
	struct recorder_config cfg;
	char *output;
	char *moved_to;		/* where an existing output went (move_aside()) */
	struct store *store;
	struct sampler *sampler;	/* perf events, or */
	struct ptsampler *pts;		/* the ptrace fallback, or neither */
	struct unwinder *unwinder;
	struct symbolizer *symbolizer;
	struct stacktree *tree;
	struct waits *waits;	/* NULL without --waits */
	struct reader reader;	/* perf source: the ring-buffer reader */
	struct kallsyms_load ksyms;
	bool attach;
	bool kernel;
	/* cgroup mode (also attach mode): the cgroup's directory, and its
	 * processes at the last rescan (pid -> 1 once their maps and threads
	 * were read, 0 before): a process not there, or there with 0, has
	 * just come in (moved, or with its pid reused) and is read from /proc
	 * at its first event */
	int cgroup_fd;
	char *cgroup_dir;
	struct hashmap members;
	uint32_t self;		/* hotstack's own pid: not recorded when it
				 * runs in the cgroup it records */
	bool targets_gone;	/* attach: no target alive at the last rescan */
	int64_t unknown_wait_node;	/* "[waiting since before the recording]" */
	uint64_t start_ns;
	uint64_t start_realtime;	/* the same moment, Unix ns */
	char *command_line;	/* for the start meta: the launched command */
	char *record_command;	/* and hotstack's own */
	bool created;		/* the recording exists (recorder_create()) */
	uint64_t last_commit, last_rescan;	/* cfg.clock time */
	/* aggregation since the last commit */
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
	uint64_t samples, lost, unwind_errors, commits, processes_ended;
	uint64_t committed_count;	/* sum of the sample counts committed */
	uint64_t queue_dropped;	/* part of lost: the reader's queue was full */
	uint64_t max_lag_ns;	/* the most an event waited to be handled */
	int commit_err;		/* a commit between events failed */
	char error[512];
	/* scratch */
	uint64_t pcs[MAX_STACK_FRAMES];
	int64_t frames[MAX_STACK_FRAMES + SAMPLER_MAX_KCHAIN];
};

static uint64_t default_clock(void *arg UNUSED)
{
	return monotonic_ns();
}

static uint64_t now_ns(const struct recorder *r)
{
	return r->cfg.clock(r->cfg.clock_arg);
}

/* The mount point of the file system holding path: its directory, walked
 * up while the device stays the same (NULL if unknown). */
static char *mount_point(const char *path)
{
	const char *end = strrchr(path, '/');
	char *parent = end ? xstrndup(path, (size_t)(end - path) + (end == path)) : xstrdup(".");
	char *dir = realpath(parent, NULL), *slash;
	struct stat a, b;

	free(parent);
	if (!dir || stat(dir, &a)) {
		free(dir);
		return NULL;
	}
	while ((slash = strrchr(dir, '/')) != NULL) {
		char *up = slash == dir ? xstrdup("/") : xstrndup(dir, (size_t)(slash - dir));

		if (stat(up, &b) || b.st_dev != a.st_dev || !strcmp(dir, "/")) {
			free(up);
			break;
		}
		free(dir);
		dir = up;
	}
	return dir;
}

/* Disk full: where, and that what was committed is kept (in the database
 * with its -wal, when the WAL could not be moved into the database). */
static void say_disk_full(struct recorder *r, const char *what)
{
	char out[PATH_MAX], mnt[PATH_MAX], *wal = xasprintf("%s-wal", r->output);
	char *mp = mount_point(r->output);
	struct strbuf sb = STRBUF_INIT;
	struct stat st;

	sanitize(out, sizeof(out), r->output);
	sanitize(mnt, sizeof(mnt), mp ? mp : ".");
	strbuf_addf(&sb, "%s '%s' failed: the disk is full (no space left on the file system at '%s')",
		    what, out, mnt);
	if (r->created && !stat(wal, &st) && st.st_size > 0)
		strbuf_addf(&sb, "; what was committed is in '%s' with '%s-wal': keep them together",
			    out, out);
	else if (r->created)
		strbuf_addf(&sb, "; what was committed is in '%s'", out);
	snprintf(r->error, sizeof(r->error), "%s", sb.buf);
	strbuf_release(&sb);
	free(mp);
	free(wal);
}

static int set_error(struct recorder *r, int err, const char *what)
{
	if (err == -ENOSPC || err == ENOSPC) {
		say_disk_full(r, what);
		return -ENOSPC;
	}
	snprintf(r->error, sizeof(r->error), "%s '%s' failed: %s", what, sanitized(r->output),
		 strerror(err < 0 ? -err : err));
	return err < 0 ? err : -err;
}

/* ---- threads and processes ---- */

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
	if (r->cfg.method != RECORDER_NONE)
		process_read(p, NULL);
	else
		p->dirty = true;
	return p;
}

/* ---- kernel symbols, off the critical path ---- */

static void *kallsyms_thread(void *arg)
{
	struct kallsyms_load *k = arg;
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	int fd = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		for (;;) {
			ssize_t n;

			if (__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE))
				break;
			n = read(fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			strbuf_add(&sb, buf, (size_t)n);
		}
		close(fd);
	}
	k->text = sb.buf;
	__atomic_store_n(&k->ready, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Starts reading /proc/kallsyms in the background (thread creation
 * failing: it is read at the first kernel frame, as before). */
static void kallsyms_start(struct recorder *r)
{
	struct kallsyms_load *k = &r->ksyms;
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	k->running = !pthread_create(&k->thread, NULL, kallsyms_thread, k);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Joins the kallsyms thread; with give_up, tells it to stop reading. */
static void kallsyms_join(struct recorder *r, bool give_up)
{
	struct kallsyms_load *k = &r->ksyms;

	if (!k->running)
		return;
	if (give_up)
		__atomic_store_n(&k->stop, 1, __ATOMIC_RELEASE);
	pthread_join(k->thread, NULL);
	k->running = false;
}

/* Hands the kernel symbols to the symbolizer once read: now if wait, else
 * only if the thread has finished. */
static void kallsyms_take(struct recorder *r, bool wait)
{
	struct kallsyms_load *k = &r->ksyms;

	if (!k->running)
		return;
	if (!wait && !__atomic_load_n(&k->ready, __ATOMIC_ACQUIRE))
		return;
	kallsyms_join(r, false);
	if (k->text)
		symbolizer_load_kallsyms(r->symbolizer, k->text);
	free(k->text);
	k->text = NULL;
}

/* Before the first kernel frame is symbolized. */
static void kallsyms_wait(struct recorder *r)
{
	kallsyms_take(r, true);
}

/* ---- aggregation ---- */

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
	int nframes = 0, npcs = 0, i;
	bool complete = false;
	int64_t node = 0;

	if (ev->sample.nkchain || !ev->sample.have_regs)
		kallsyms_wait(r);
	/* kernel frames, leaf first */
	for (i = 0; i < ev->sample.nkchain && nframes < SAMPLER_MAX_KCHAIN; i++)
		r->frames[nframes++] = symbolizer_kernel(r->symbolizer, ev->sample.kchain[i]);
	if (ev->sample.have_regs) {
		struct space *s = spaces_get(unwinder_spaces(r->unwinder), (pid_t)ev->pid, true);

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
	struct thread_info *t = thread_get(r, ev->pid, ev->tid);
	/* a thread that came into the cgroup later: its earlier wait is not
	 * the recording's to count */
	bool before = r->attach && (!r->cgroup_dir || t->at_start);
	struct wait_interval iv;

	t->sampled = true;
	if (waits_switch_in(r->waits, ev->tid, ev->time, before ? r->start_ns : 0, &iv))
		add_interval(r, &iv);
}

/* ---- attach and cgroup mode: processes that were there before ---- */

/* Reads a running process's mappings and threads from /proc (perf events
 * report only what comes after); at_start: it was there when the
 * recording began. */
static void prepare_process(struct recorder *r, pid_t pid, bool at_start)
{
	pid_t *tids;
	int n, j;

	space_load_proc_maps(spaces_get(unwinder_spaces(r->unwinder), pid, true));
	process_get(r, pid, 0);
	n = procfs_list_tasks(pid, &tids);
	for (j = 0; j < n; j++) {
		char name[16] = "";

		procfs_comm(pid, tids[j], name, sizeof(name));
		thread_set_name(r, (uint32_t)pid, (uint32_t)tids[j], name);
		thread_get(r, (uint32_t)pid, (uint32_t)tids[j])->at_start = at_start;
	}
	if (n > 0)
		free(tids);
}

/* Cgroup mode: the first event of a process since it came into the cgroup
 * (moved in, or back in after it left) reads it from /proc first, what it
 * mapped outside included; a process forked inside starts with its
 * parent's mappings (the fork record). */
static void cgroup_event(struct recorder *r, const struct sampler_event *ev)
{
	struct spaces *sp = unwinder_spaces(r->unwinder);
	uint64_t v = 0, one = 1;
	pid_t pid;
	char st;

	switch (ev->type) {
	case SEV_SAMPLE:
	case SEV_MMAP:
	case SEV_COMM:
	case SEV_SWITCH_OUT:
		pid = (pid_t)ev->pid;
		break;
	case SEV_FORK:
		pid = (pid_t)ev->fork.ppid;
		break;
	default:
		return;
	}
	if (pid > 0 && !(hashmap_get(&r->members, &pid, sizeof(pid), &v) && v)) {
		hashmap_put(&r->members, &pid, sizeof(pid), 1);
		/* gone already (its events came late): keep what is known */
		st = procfs_state(pid, 0);
		if (st && st != 'Z' && st != 'X') {
			spaces_exec(sp, pid);
			prepare_process(r, pid, false);
		}
	}
	if (ev->type == SEV_FORK && ev->pid != ev->fork.ppid) {
		pid = (pid_t)ev->pid;
		hashmap_put(&r->members, &pid, sizeof(pid), one);
	}
}

/* Cgroup mode: the processes in the cgroup now (those read from /proc
 * keep their mark; the others will be read at their first event). Returns
 * 0, or -ENOENT once the cgroup was removed. */
static int cgroup_rescan(struct recorder *r)
{
	struct hashmap now;
	pid_t *pids;
	int n = cgroup_procs(r->cgroup_dir, &pids), i;

	if (n < 0)
		return n;
	hashmap_init(&now);
	for (i = 0; i < n; i++) {
		uint64_t v = 0;

		hashmap_get(&r->members, &pids[i], sizeof(pids[i]), &v);
		hashmap_put(&now, &pids[i], sizeof(pids[i]), v);
	}
	hashmap_release(&r->members);
	r->members = now;
	free(pids);
	return 0;
}

static void handle_exit(struct recorder *r, const struct sampler_event *ev)
{
	struct thread_info *t = thread_get(r, ev->pid, ev->tid);

	if (ev->pid == ev->tid) {
		struct process_info *p = process_get(r, (pid_t)ev->pid, 0);

		spaces_exit(unwinder_spaces(r->unwinder), (pid_t)ev->pid);
		if (!p->ended)
			r->processes_ended++;
		p->ended = true;
	}
	t->end = ev->time;
	t->dirty = true;
	if (r->waits)
		waits_thread_exit(r->waits, ev->tid);
}

static void handle_event(void *arg, const struct sampler_event *ev)
{
	struct recorder *r = arg;
	struct spaces *sp = unwinder_spaces(r->unwinder);

	if (r->cgroup_dir) {
		if (ev->pid == r->self)
			return;
		cgroup_event(r, ev);
	}
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
		handle_exit(r, ev);
		break;
	case SEV_SWITCH_OUT:
		if (r->waits)
			handle_switch_out(r, ev);
		break;
	case SEV_SWITCH_IN:
		if (r->waits)
			handle_switch_in(r, ev);
		break;
	case SEV_SWITCH_DONE:
		if (r->waits)
			waits_switch_done(r->waits, ev->tid, ev->time);
		break;
	case SEV_SYS_ENTER:
		if (r->waits)
			waits_sys_enter(r->waits, ev->pid, ev->tid, ev->time, ev->sys.nr,
					ev->sys.args);
		break;
	case SEV_SYS_EXIT:
		if (r->waits)
			waits_sys_exit(r->waits, ev->pid, ev->tid, ev->time, ev->sys.nr,
				       ev->sys.ret);
		break;
	case SEV_LOST:
		r->lost += ev->lost.count;
		break;
	}
}

/* A drain can take long (the first samples of a process load its
 * libraries' CFI and symbols): commits come between events too. */
static void handle_event_commit(void *arg, const struct sampler_event *ev)
{
	struct recorder *r = arg;
	uint64_t now;

	handle_event(r, ev);
	now = now_ns(r);
	/* how far behind the targets the recorder runs (events carry the
	 * recorder's clock): what /proc still shows of them depends on it */
	if (ev->time && now > ev->time && now - ev->time > r->max_lag_ns)
		r->max_lag_ns = now - ev->time;
	if (!r->commit_err && now - r->last_commit >= r->cfg.commit_ns)
		r->commit_err = recorder_commit(r);
}

void recorder_feed(struct recorder *r, const struct sampler_event *ev)
{
	handle_event(r, ev);
}

/* ---- commits ---- */

/* Writes everything gathered since the last commit in one transaction. */
static int flush(struct recorder *r)
{
	uint64_t count = 0;
	size_t i;
	int err;

	/* descriptors of the calls seen so far, while their processes hold them */
	if (r->waits)
		waits_resolve(r->waits);
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
		count += (uint64_t)c->count;
	}
	if (!err)
		err = store_set_meta_int(r->store, "samples", (int64_t)r->samples);
	if (!err)
		err = store_set_meta_int(r->store, "lost", (int64_t)r->lost);
	if (!err)
		err = store_set_meta_int(r->store, "unwind_errors", (int64_t)r->unwind_errors);
	if (!err && r->max_lag_ns)
		err = store_set_meta_int(r->store, "max_lag_ns", (int64_t)r->max_lag_ns);
	if (!err)
		err = store_set_meta_int(r->store, "duration_ns",
					 (int64_t)(now_ns(r) - r->start_ns));
	if (!err)
		err = store_commit(r->store);
	if (!err)
		r->committed_count += count;
	hashmap_clear(&r->cells_index);
	r->ncells = 0;
	return err;
}

/* HOTSTACK_COMMIT_LOG=FILE (for the fault-injection tests, tests/faults):
 * one line per commit, appended once the commit returned, so that the
 * recording holds at least the sample counts of the last line whatever
 * happens to hotstack afterwards. */
static void log_commit(const struct recorder *r)
{
	const char *path = getenv("HOTSTACK_COMMIT_LOG");
	char line[80];
	int fd, n;

	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "commit %" PRIu64 " samples_total %" PRIu64 "\n",
		     r->commits, r->committed_count);
	if (write(fd, line, (size_t)n) != n)
		debug("HOTSTACK_COMMIT_LOG: %s", strerror(errno));
	close(fd);
}

int recorder_commit(struct recorder *r)
{
	int err;

	if (!r->store)
		return set_error(r, -EBADF, "no recording open: writing");
	err = flush(r);

	r->last_commit = now_ns(r);
	if (err)
		return set_error(r, err == -ENOSPC ? err : -EIO, "writing");
	r->commits++;
	log_commit(r);
	if (r->cfg.method != RECORDER_NONE)
		spaces_gc(unwinder_spaces(r->unwinder), SPACES_GRACE_NS);
	return 0;
}

/* ---- the sample source: perf events, the ptrace fallback, or none ---- */

/* Perf events refused for lack of permission, or not there at all (a
 * seccomp profile gives ENOSYS or EPERM): where ptrace may still work. */
static bool perf_refused(int err)
{
	return err == -EACCES || err == -EPERM || err == -ENOSYS;
}

/* Opens the sample source the method asks for; with auto, perf events, or
 * ptrace when perf events are refused (saying so once on stderr). */
static int source_open(struct recorder *r, char **errmsg)
{
	const struct recorder_config *c = &r->cfg;
	struct ptsampler_config pcfg = { 0 };
	char *perf_msg = NULL;
	int err;

	if (c->method == RECORDER_NONE)
		return 0;
	if (r->cgroup_dir && c->method == RECORDER_PTRACE) {
		*errmsg = xasprintf("a cgroup is recorded with perf events only, not with ptrace");
		return -EINVAL;
	}
	if (c->method != RECORDER_PTRACE) {
		struct sampler_config scfg = {
			.event = c->event,
			.freq = c->freq ? c->freq : DEFAULT_FREQ,
			.kernel = r->kernel,
			.stack_size = c->stack_size,
			.mmap_pages = c->mmap_pages,
			.waits = c->waits,
		};

		if (r->cgroup_dir)
			err = sampler_open_cgroup(&r->sampler, &scfg, r->cgroup_fd, r->cgroup_dir,
						  errmsg);
		else
			err = sampler_open(&r->sampler, &scfg, c->launch_pid, c->pids, c->npids,
					   errmsg);
		if (!err) {
			r->cfg.freq = scfg.freq;
			/* kernel frames refused (no CAP_PERFMON): user frames only */
			r->kernel = sampler_has_kernel(r->sampler);
			return 0;
		}
		if (c->method == RECORDER_PERF || c->waits || r->cgroup_dir || !perf_refused(err))
			return err;
		perf_msg = *errmsg;
		*errmsg = NULL;
	}
	pcfg.freq = c->freq ? c->freq : PTSAMPLER_DEFAULT_FREQ;
	if (pcfg.freq > PTSAMPLER_MAX_FREQ)
		pcfg.freq = PTSAMPLER_MAX_FREQ;
	pcfg.stack_size = c->stack_size;
	err = ptsampler_open(&r->pts, &pcfg, c->launch_pid, c->pids, c->npids, errmsg);
	if (err && perf_msg) {
		/* neither works: the perf message says more about why */
		debug("ptrace fallback: %s", *errmsg ? *errmsg : strerror(-err));
		free(*errmsg);
		*errmsg = perf_msg;
		return err;
	}
	if (!err) {
		r->cfg.freq = pcfg.freq;
		r->kernel = false;
		if (perf_msg)
			warn("perf events are not allowed here (%s); sampling with ptrace at %u Hz "
			     "instead", perf_msg, pcfg.freq);
	}
	free(perf_msg);
	return err;
}

/* ---- the ring-buffer reader thread ---- */

static void reader_wake(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		debug("eventfd write: %s", strerror(errno));
}

static void reader_push(struct reader *rd, struct sampler_batch *b)
{
	size_t bytes = sampler_batch_bytes(b);

	pthread_mutex_lock(&rd->lock);
	if (rd->bytes + bytes > rd->max_bytes) {
		rd->dropped += sampler_batch_drop_samples(b);
		bytes = sampler_batch_bytes(b);
	}
	if (rd->count == rd->cap) {
		/* the slots grow (only records that describe the targets) */
		struct sampler_batch **q = xcalloc(rd->cap * 2, sizeof(*q));
		size_t i;

		for (i = 0; i < rd->count; i++)
			q[i] = rd->queue[(rd->head + i) % rd->cap];
		free(rd->queue);
		rd->queue = q;
		rd->head = 0;
		rd->cap *= 2;
	}
	rd->queue[(rd->head + rd->count) % rd->cap] = b;
	rd->count++;
	rd->bytes += bytes;
	if (rd->bytes > rd->peak_bytes)
		__atomic_store_n(&rd->peak_bytes, rd->bytes, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&rd->lock);
}

/* The oldest queued batch, or NULL; adds what was dropped to *dropped. */
static struct sampler_batch *reader_pop(struct reader *rd, uint64_t *dropped)
{
	struct sampler_batch *b = NULL;

	pthread_mutex_lock(&rd->lock);
	if (rd->count) {
		b = rd->queue[rd->head];
		rd->head = (rd->head + 1) % rd->cap;
		rd->count--;
		rd->bytes -= sampler_batch_bytes(b);
	}
	*dropped += rd->dropped;
	rd->dropped = 0;
	pthread_mutex_unlock(&rd->lock);
	return b;
}

static bool reader_empty(struct reader *rd)
{
	bool empty;

	pthread_mutex_lock(&rd->lock);
	empty = !rd->count;
	pthread_mutex_unlock(&rd->lock);
	return empty;
}

static void *reader_thread(void *arg)
{
	struct recorder *r = arg;
	struct reader *rd = &r->reader;

	for (;;) {
		struct sampler_batch *b;
		uint64_t v;
		int ret = sampler_poll_fd(r->sampler, rd->stop_fd, 100);

		if (ret < 0 && ret != -EINTR)
			break;
		b = sampler_read(r->sampler);
		if (b) {
			reader_push(rd, b);
			reader_wake(rd->notify_fd);
		}
		if (sampler_done(r->sampler)) {
			__atomic_store_n(&rd->done, 1, __ATOMIC_RELEASE);
			reader_wake(rd->notify_fd);
			break;
		}
		if (read(rd->stop_fd, &v, sizeof(v)) == sizeof(v))
			break;
	}
	return NULL;
}

static int reader_start(struct recorder *r)
{
	struct reader *rd = &r->reader;
	sigset_t all, old;
	int err;

	pthread_mutex_init(&rd->lock, NULL);
	rd->max_bytes = r->waits ? QUEUE_MAX_BYTES_WAITS : QUEUE_MAX_BYTES;
	rd->cap = 64;
	rd->queue = xcalloc(rd->cap, sizeof(*rd->queue));
	rd->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	rd->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (rd->notify_fd < 0 || rd->stop_fd < 0)
		return -errno;
	/* signals go to the recording thread (its poll returns EINTR) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&rd->thread, NULL, reader_thread, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return -err;
	rd->running = true;
	return 0;
}

static void reader_stop(struct recorder *r)
{
	struct reader *rd = &r->reader;

	if (rd->running) {
		reader_wake(rd->stop_fd);
		pthread_join(rd->thread, NULL);
		rd->running = false;
	}
}

static void reader_free(struct recorder *r)
{
	struct reader *rd = &r->reader;
	uint64_t dropped = 0;
	struct sampler_batch *b;

	reader_stop(r);
	if (!rd->queue)
		return;
	while ((b = reader_pop(rd, &dropped)))
		sampler_batch_free(b);
	free(rd->queue);
	rd->queue = NULL;
	if (rd->notify_fd >= 0)
		close(rd->notify_fd);
	if (rd->stop_fd >= 0)
		close(rd->stop_fd);
	pthread_mutex_destroy(&rd->lock);
}

/* Unwinds and aggregates the queued batches, oldest first: with all,
 * until the queue is empty (the reader has stopped: the end), else those
 * queued now, for at most CONSUME_NS, so that the caller gets back to its
 * signals and timers even when the targets sample faster than the
 * recorder unwinds (the queue then fills, and what overflows it is
 * counted as lost). At the end, samples still queued after FINISH_NS of
 * unwinding are counted as lost too: a stop must not wait on a full
 * queue of an overloaded machine. */
static void reader_consume(struct recorder *r, bool all)
{
	uint64_t until = monotonic_ns() + (all ? FINISH_NS : CONSUME_NS);
	size_t budget;
	struct sampler_batch *b;

	pthread_mutex_lock(&r->reader.lock);
	budget = r->reader.count;
	pthread_mutex_unlock(&r->reader.lock);
	for (;;) {
		uint64_t dropped = 0;

		if (!all && (!budget-- || monotonic_ns() >= until))
			break;
		b = reader_pop(&r->reader, &dropped);
		if (b && all && monotonic_ns() >= until)
			dropped += sampler_batch_drop_samples(b);
		r->lost += dropped;
		r->queue_dropped += dropped;
		if (!b)
			break;
		sampler_batch_each(r->sampler, b, handle_event_commit, r);
		sampler_batch_free(b);
		if (r->commit_err)
			break;
	}
}

/* ---- the sample source: perf events (read on the reader thread), the
 * ptrace fallback, or none ---- */

static int source_poll(struct recorder *r, int timeout_ms)
{
	if (r->pts)
		return ptsampler_poll(r->pts, timeout_ms);
	if (r->reader.running) {
		struct pollfd pfd = { .fd = r->reader.notify_fd, .events = POLLIN };
		uint64_t v;

		/* batches already queued: no wait */
		if (poll(&pfd, 1, timeout_ms) < 0)
			return -errno;
		if (read(r->reader.notify_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			return -errno;
		return 1;
	}
	if (r->sampler)
		return sampler_poll(r->sampler, timeout_ms);
	return 0;
}

/* Everything read so far: the queued batches, or what the rings hold
 * when no reader thread runs (it has stopped, or never started). */
static void source_drain(struct recorder *r)
{
	if (r->pts) {
		ptsampler_drain(r->pts, handle_event_commit, r);
		return;
	}
	if (!r->sampler)
		return;
	if (r->reader.queue)
		reader_consume(r, !r->reader.running);
	if (!r->reader.running)
		sampler_drain(r->sampler, handle_event_commit, r);
}

static bool source_done(struct recorder *r)
{
	if (r->pts)
		return ptsampler_done(r->pts);
	if (r->reader.running)
		return __atomic_load_n(&r->reader.done, __ATOMIC_ACQUIRE) && reader_empty(&r->reader);
	return r->sampler && sampler_done(r->sampler);
}

static void source_rescan(struct recorder *r)
{
	if (r->pts)
		ptsampler_rescan(r->pts);
	else if (r->sampler)
		sampler_rescan(r->sampler);
}

/* Stops the sampling; what was sampled until now can still be drained. */
static void source_disable(struct recorder *r)
{
	if (r->pts) {
		ptsampler_disable(r->pts);
	} else if (r->sampler) {
		sampler_disable(r->sampler);
		reader_stop(r);
	}
}

static void source_close(struct recorder *r)
{
	reader_free(r);
	ptsampler_close(r->pts);
	sampler_close(r->sampler);
	r->pts = NULL;
	r->sampler = NULL;
}

/* ---- metadata ---- */

static int write_start_meta(struct recorder *r)
{
	const struct recorder_config *c = &r->cfg;
	struct strbuf sb = STRBUF_INIT;
	struct utsname u;
	char host[256] = "";
	int i, err;

	err = store_begin(r->store);
	if (err)
		return err;
	store_set_meta_int(r->store, "schema_version", STORE_SCHEMA_VERSION);
	store_set_meta(r->store, "hotstack_version", PACKAGE_VERSION);
	if (r->cgroup_dir) {
		store_set_meta(r->store, "command", r->cgroup_dir);
		store_set_meta(r->store, "cgroup", r->cgroup_dir);
		store_set_meta(r->store, "mode", "cgroup");
	} else if (!r->attach) {
		store_set_meta(r->store, "command", r->command_line);
		store_set_meta(r->store, "mode", "launch");
	} else {
		for (i = 0; i < c->npids; i++)
			strbuf_addf(&sb, "%s%d", i ? "," : "", (int)c->pids[i]);
		store_set_meta(r->store, "pids", sb.buf);
		store_set_meta(r->store, "mode", "attach");
		strbuf_reset(&sb);
		for (i = 0; i < c->npids; i++) {
			char name[64] = "?";

			procfs_comm(c->pids[i], 0, name, sizeof(name));
			strbuf_addf(&sb, "%s%s", i ? "," : "", name);
		}
		store_set_meta(r->store, "command", sb.buf);
	}
	store_set_meta(r->store, "record_command", r->record_command);
	gethostname(host, sizeof(host) - 1);
	store_set_meta(r->store, "host", host);
	if (!uname(&u)) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s %s %s", u.sysname, u.release, u.machine);
		store_set_meta(r->store, "kernel", sb.buf);
	}
	store_set_meta_int(r->store, "start_time", (int64_t)r->start_realtime);
	store_set_meta(r->store, "event", r->pts ? "ptrace" : sampler_event_name(c->event));
	store_set_meta(r->store, "method", r->pts ? "ptrace" : "perf");
	store_set_meta_int(r->store, "frequency", c->freq);
	store_set_meta_int(r->store, "slice_ns", (int64_t)STORE_SLICE_NS);
	store_set_meta_int(r->store, "stack_size", c->stack_size);
	store_set_meta_int(r->store, "kernel_frames", r->kernel);
	store_set_meta(r->store, "unwinder", "libdw");
	store_set_meta_int(r->store, "waits", r->waits != NULL);
	/* a reader following the file: live until the end says finished */
	store_set_meta(r->store, "state", "recording");
	err = store_commit(r->store);
	strbuf_release(&sb);
	return err;
}

/* ---- life cycle ---- */

/* The words joined by spaces (n < 0: up to a NULL), "" if none. */
static char *join_args(char *const *words, int n)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	for (i = 0; words && (n < 0 ? words[i] != NULL : i < n); i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", words[i]);
	return sb.buf ? sb.buf : xstrdup("");
}

int recorder_create(struct recorder *r, bool *renamed, char **errmsg)
{
	int err;

	*renamed = false;
	*errmsg = NULL;
	/* kernel symbols are read from here on: a launched command has
	 * started, and the sampler knows whether kernel frames are allowed */
	if (r->kernel && !r->cfg.kallsyms_path && !r->ksyms.running)
		kallsyms_start(r);
	err = store_create(r->output, &r->store, renamed, errmsg);
	if (err == -ENOSPC) {
		free(*errmsg);
		set_error(r, err, "creating");
		*errmsg = xstrdup(r->error);
	}
	if (err)
		return err;

	r->created = true;
	if (store_moved_to(r->store))
		r->moved_to = xstrdup(store_moved_to(r->store));
	err = write_start_meta(r);
	if (err == -ENOSPC) {
		set_error(r, err, "writing");
		*errmsg = xstrdup(r->error);
		return err;
	}
	if (err) {
		*errmsg = xasprintf("writing '%s' failed: %s", sanitized(r->output),
				    store_last_error(r->store));
		return err;
	}
	r->last_commit = now_ns(r);
	return 0;
}

/* The test's kallsyms file, read now. */
static void load_kernel_symbols(struct recorder *r)
{
	char *text;

	if (read_file(r->cfg.kallsyms_path, &text) >= 0) {
		symbolizer_load_kallsyms(r->symbolizer, text);
		free(text);
	}
}

static void recorder_release(struct recorder *r)
{
	size_t i;

	source_close(r);
	kallsyms_join(r, true);
	free(r->ksyms.text);
	symbolizer_free(r->symbolizer);
	unwinder_free(r->unwinder);
	stacktree_free(r->tree);
	waits_free(r->waits);
	hashmap_release(&r->cells_index);
	hashmap_release(&r->thread_index);
	hashmap_release(&r->process_index);
	for (i = 0; i < r->nprocesses; i++)
		free(r->processes[i].exe);
	free(r->processes);
	free(r->cells);
	free(r->threads);
	free(r->output);
	free(r->moved_to);
	free(r->command_line);
	free(r->record_command);
	free((void *)r->cfg.pids);
	if (r->cgroup_fd >= 0)
		close(r->cgroup_fd);
	free(r->cgroup_dir);
	hashmap_release(&r->members);
}

int recorder_open(struct recorder **out, const struct recorder_config *cfg, bool *renamed,
		  char **errmsg)
{
	struct recorder *r = xcalloc(1, sizeof(*r));
	int err;

	r->cgroup_fd = -1;
	hashmap_init(&r->members);
	*out = NULL;
	*errmsg = NULL;
	*renamed = false;
	r->cfg = *cfg;
	if (!r->cfg.clock)
		r->cfg.clock = default_clock;
	if (!r->cfg.commit_ns)
		r->cfg.commit_ns = RECORDER_COMMIT_NS;
	if (!r->cfg.stack_size)
		r->cfg.stack_size = DEFAULT_STACK;
	r->output = xstrdup(cfg->output);
	r->cfg.output = r->output;
	/* the command lines are for the start meta only, not kept */
	r->cfg.command = NULL;
	r->cfg.argv = NULL;
	r->command_line = join_args(cfg->command, -1);
	r->record_command = join_args(cfg->argv, cfg->argc);
	r->cfg.pids = NULL;
	if (cfg->npids > 0) {
		pid_t *pids = xmalloc((size_t)cfg->npids * sizeof(*pids));

		memcpy(pids, cfg->pids, (size_t)cfg->npids * sizeof(*pids));
		r->cfg.pids = pids;
	}
	r->attach = cfg->npids > 0 && !cfg->launch_pid;
	r->cfg.cgroup = NULL;
	if (cfg->cgroup && !cfg->launch_pid && !cfg->npids) {
		err = cgroup_open(cfg->cgroup, &r->cgroup_dir, errmsg);
		if (err < 0)
			goto fail;
		r->cgroup_fd = err;
		r->attach = true;
		r->self = (uint32_t)getpid();
	}
	/* kernel frames unless told otherwise or not permitted (the sampler
	 * probes for that and falls back to user frames) */
	r->kernel = !cfg->user_only;
	hashmap_init(&r->cells_index);
	hashmap_init(&r->thread_index);
	hashmap_init(&r->process_index);
	if (cfg->waits)
		r->waits = waits_new();
	r->tree = stacktree_new();
	r->unwinder = unwinder_new();
	r->symbolizer = symbolizer_new(r->tree);
	if (cfg->kallsyms_path)
		load_kernel_symbols(r);

	err = source_open(r, errmsg);
	if (err)
		goto fail;
	if (r->sampler) {
		err = reader_start(r);
		if (err) {
			*errmsg = xasprintf("cannot start the ring-buffer reader: %s",
					    strerror(-err));
			goto fail;
		}
	}
	r->unknown_wait_node = stacktree_node(
		r->tree, 0,
		stacktree_frame(r->tree, stacktree_module(r->tree, "[hotstack]", NULL, "anon"),
				"[waiting since before the recording]", NULL, 0, false, 0));
	r->start_ns = now_ns(r);
	r->start_realtime = realtime_ns();
	r->last_commit = r->last_rescan = now_ns(r);
	if (!cfg->create_later) {
		err = recorder_create(r, renamed, errmsg);
		if (err)
			goto fail;
	}
	*out = r;
	return 0;
fail:
	if (r->store)
		store_close(r->store);
	recorder_release(r);
	free(r);
	return err;
}

/* With --waits, a thread asleep since before the attach: its wait is
 * charged to its own stack, read without stopping it (blocked.h). */
static void charge_blocked(void *arg, const struct sampler_event *ev)
{
	struct recorder *r = arg;

	waits_blocked(r->waits, ev->pid, ev->tid, r->start_ns, ev->time, stack_node(r, ev));
	thread_get(r, ev->pid, ev->tid)->sampled = true;
}

/* Attach and cgroup mode: the mappings and threads that exist already
 * (perf events report only what comes after). */
static void attach_prepare(struct recorder *r)
{
	pid_t *cg_pids = NULL;
	const pid_t *pids = r->cfg.pids;
	int i, npids = r->cfg.npids;

	if (r->cgroup_dir) {
		npids = cgroup_procs(r->cgroup_dir, &cg_pids);
		pids = cg_pids;
	}
	for (i = 0; i < npids; i++) {
		pid_t pid = pids[i];

		if (r->cgroup_dir && (uint32_t)pid == r->self)
			continue;
		prepare_process(r, pid, true);
		if (r->cgroup_dir)
			hashmap_put(&r->members, &pid, sizeof(pid), 1);
		if (r->waits)
			blocked_each(pid, r->kernel, charge_blocked, r);
	}
	free(cg_pids);
}

int recorder_start(struct recorder *r)
{
	if (r->attach && r->cfg.method != RECORDER_NONE)
		attach_prepare(r);
	return 0;
}

static bool targets_alive(const struct recorder *r)
{
	int i;

	for (i = 0; i < r->cfg.npids; i++) {
		char st = procfs_state(r->cfg.pids[i], 0);

		if (st && st != 'Z' && st != 'X')
			return true;
	}
	return false;
}

int recorder_poll(struct recorder *r, int timeout_ms)
{
	uint64_t now;
	int err;

	kallsyms_take(r, false);
	err = source_poll(r, timeout_ms);
	if (err < 0 && err != -EINTR) {
		snprintf(r->error, sizeof(r->error), "poll: %s", strerror(-err));
		return err;
	}
	source_drain(r);
	if (r->commit_err)
		return r->commit_err;
	if (r->waits)
		waits_resolve(r->waits);
	now = now_ns(r);
	if (r->attach && now - r->last_rescan >= RESCAN_NS) {
		r->last_rescan = now;
		if (r->cgroup_dir) {
			if (cgroup_rescan(r) == -ENOENT)
				r->targets_gone = true;
		} else {
			source_rescan(r);
			if (!targets_alive(r))
				r->targets_gone = true;
		}
	}
	if (now - r->last_commit >= r->cfg.commit_ns)
		return recorder_commit(r);
	return 0;
}

bool recorder_done(struct recorder *r)
{
	return r->attach && (r->targets_gone || source_done(r));
}

/* The end of a --waits recording: threads still off-CPU get their interval
 * up to now; threads that never ran nor switched were blocked throughout. */
static void finish_waits(struct recorder *r)
{
	uint64_t end = now_ns(r);
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

int recorder_finish(struct recorder *r, int exit_status)
{
	int err;

	if (!r->store)
		return set_error(r, -EBADF, "no recording open: writing");
	source_disable(r);
	source_drain(r);
	if (r->waits)
		finish_waits(r);
	err = recorder_commit(r);
	/* the last transaction marks the recording complete */
	if (!err)
		err = store_begin(r->store);
	if (!err && exit_status >= 0)
		err = store_set_meta_int(r->store, "exit_status",
					 WIFEXITED(exit_status) ? WEXITSTATUS(exit_status)
								: 128 + WTERMSIG(exit_status));
	if (!err)
		err = store_set_meta_int(r->store, "finished", 1);
	if (!err)
		err = store_set_meta(r->store, "state", "finished");
	if (!err)
		err = store_commit(r->store);
	source_close(r);
	/* the close moves the WAL into the database: the disk can be full
	 * there too (store_close() says -ENOSPC and keeps the -wal) */
	if (err) {
		store_close(r->store);
		err = set_error(r, err == -ENOSPC ? err : -EIO, "writing");
	} else if ((err = store_close(r->store)) != 0) {
		err = set_error(r, err == -ENOSPC ? err : -EIO, "closing");
	}
	r->store = NULL;
	return err;
}

/* Removes a recording that never started (the command could not run) and
 * puts back the file it replaced. */
void recorder_discard(struct recorder *r)
{
	char *err = NULL;

	source_close(r);
	if (!r->created) {
		recorder_free(r);
		return;
	}
	if (r->store)
		store_close(r->store);
	r->store = NULL;
	/* the .old rule undone, through its one helper for the side files
	 * (atomicfile.h): the -wal/-shm always go with their database */
	unlink(r->output);
	if (move_side_files(r->output, NULL, &err))
		free(err);	/* best effort: the database is gone already */
	err = NULL;
	if (r->moved_to && rename(r->moved_to, r->output) == 0)
		move_side_files(r->moved_to, r->output, &err);
	free(err);
	recorder_free(r);
}

const char *recorder_moved_to(const struct recorder *r)
{
	return r->moved_to;
}

void recorder_free(struct recorder *r)
{
	if (!r)
		return;
	if (r->store)
		store_close(r->store);
	recorder_release(r);
	free(r);
}

void recorder_stats(const struct recorder *r, struct recorder_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->elapsed_ns = now_ns(r) - r->start_ns;
	st->samples = r->samples;
	st->lost = r->lost;
	st->unwind_errors = r->unwind_errors;
	st->threads = r->nthreads;
	st->processes = r->nprocesses;
	st->processes_ended = r->processes_ended;
	st->commits = r->commits;
	st->queue_dropped = r->queue_dropped;
	st->max_lag_ns = r->max_lag_ns;
	st->queue_peak_bytes = __atomic_load_n(&r->reader.peak_bytes, __ATOMIC_RELAXED);
	st->last_commit_ns = r->last_commit;
	st->freq = r->cfg.freq;
	st->ptrace = r->pts != NULL;
	st->kernel = r->kernel;
}

const char *recorder_error(const struct recorder *r)
{
	return r->error[0] ? r->error : "no error";
}

/* ---- continuous recording (record --continuous): rotation and marks ---- */

/* Meta that belongs to one file, not to the run: not copied on rotation. */
static bool per_file_meta(const char *key)
{
	static const char *const keys[] = {
		"start_time", "duration_ns", "samples", "lost", "unwind_errors", "finished",
		"exit_status", "writer_pid", "last_commit", "commits", "schema_version",
		"state", "max_lag_ns",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

static int rotate_meta(void *arg, const char *key, const char *value, bool is_int,
		       int64_t int_value)
{
	struct store *st = arg;

	if (per_file_meta(key))
		return 0;
	if (is_int)
		return store_set_meta_int(st, key, int_value);
	return store_set_meta(st, key, value ? value : "");
}

static int rotate_module(void *arg, int64_t id, const char *path, const char *build_id,
			 const char *kind, const char *soname, bool is_main)
{
	return store_add_module(arg, id, path ? path : "", build_id, kind ? kind : "user", soname,
				is_main);
}

static int rotate_frame(void *arg, int64_t id, int64_t module_id, const char *function,
			const char *linkage, const char *file, int line, bool is_inline,
			uint64_t offset)
{
	return store_add_frame(arg, id, module_id, function ? function : "", linkage, file, line,
			       is_inline, offset);
}

static int rotate_node(void *arg, int64_t id, int64_t parent_id, int64_t frame_id, int depth)
{
	return store_add_node(arg, id, parent_id, frame_id, depth);
}

int recorder_rotate(struct recorder *r, const char *path, char **errmsg)
{
	struct store *old_rd = NULL, *st = NULL;
	char *start_time;
	int64_t old_start = 0;
	bool renamed;
	uint64_t now;
	size_t i;
	int err;

	*errmsg = NULL;
	source_drain(r);
	err = recorder_commit(r);
	now = now_ns(r);
	if (!err)
		err = store_begin(r->store);
	if (!err)
		err = store_set_meta_int(r->store, "duration_ns", (int64_t)(now - r->start_ns));
	if (!err)
		err = store_set_meta_int(r->store, "finished", 1);
	if (!err)
		err = store_set_meta(r->store, "state", "finished");
	if (!err)
		err = store_commit(r->store);
	if (err) {
		*errmsg = xasprintf("writing '%s' failed: %s", sanitized(r->output),
				    store_last_error(r->store));
		return err;
	}
	/* read the old file while its writer still holds it, so that the
	 * writer's close is the last one and removes the -wal and -shm */
	err = store_open(r->output, &old_rd, errmsg);
	if (err)
		return err;
	start_time = store_get_meta(old_rd, "start_time");
	old_start = int_or(start_time, (int64_t)realtime_ns());
	free(start_time);
	err = store_create(path, &st, &renamed, errmsg);
	if (err)
		goto out;
	/* the new file starts where the old one ends, with everything its
	 * samples may refer to under the same ids */
	err = store_begin(st);
	if (!err)
		err = store_each_meta(old_rd, rotate_meta, st);
	if (!err)
		err = store_set_meta_int(st, "start_time",
					 old_start + (int64_t)(now - r->start_ns));
	if (!err)
		err = store_set_meta(st, "state", "recording");
	if (!err)
		err = store_each_module(old_rd, rotate_module, st);
	if (!err)
		err = store_each_frame(old_rd, rotate_frame, st);
	if (!err)
		err = store_each_node(old_rd, rotate_node, st);
	if (!err)
		err = store_commit(st);
	if (err) {
		*errmsg = xasprintf("writing '%s' failed: %s", sanitized(path), store_last_error(st));
		store_close(st);
		unlink(path);
		goto out;
	}
	store_free(old_rd);
	old_rd = NULL;
	if (store_close(r->store))
		warn("closing '%s' failed", sanitized(r->output));
	r->store = st;
	free(r->output);
	r->output = xstrdup(path);
	r->start_ns = now;
	r->samples = r->lost = r->unwind_errors = 0;
	/* the living processes and threads again (the ended ones stay in
	 * the files they ended in) */
	for (i = 0; i < r->nprocesses; i++)
		r->processes[i].dirty = !r->processes[i].ended;
	for (i = 0; i < r->nthreads; i++)
		r->threads[i].dirty = !r->threads[i].end;
out:
	store_free(old_rd);
	if (err)
		set_error(r, err, "rotating");
	return err;
}

int recorder_add_anomaly(struct recorder *r, const struct store_anomaly *a)
{
	int err = store_begin(r->store);

	if (!err)
		err = store_add_anomaly(r->store, a);
	if (!err)
		err = store_commit(r->store);
	if (err)
		return set_error(r, -EIO, "writing an anomaly mark");
	return 0;
}

const char *recorder_output(const struct recorder *r)
{
	return r->output;
}
