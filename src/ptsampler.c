/* ptsampler.c - sampling with ptrace when perf events are not allowed */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"
#include "ptrace.h"
#include "ptsampler.h"
#include "util.h"

#define STOP_TIMEOUT_MS 100
#define HOLD_US 1000	/* see ptrace_opts.hold_us */
#define CHILDREN_SCAN_NS 100000000ull	/* look for child processes */
#define MAPS_REREAD_NS 1000000000ull	/* re-read /proc/PID/maps */
#define MAX_STACK (1u << 20)

struct pt_map {
	uint64_t start, end, pgoff;
	char *path;
};

struct pt_thread_info {
	pid_t tid;
	char name[16];
	bool seen;		/* in the latest task listing */
};

struct pt_proc {
	pid_t pid;
	bool started;		/* sampled: attached, or the launched child exec'd */
	bool gone;
	uint64_t key[3];	/* start_code, end_code, start_stack: change on exec */
	uint64_t new_key[3];	/* a changed key seen once: an exec if it holds */
	struct pt_thread_info *threads;
	size_t nthreads, threads_cap;
	struct pt_map *maps;	/* executable mappings reported, sorted */
	size_t nmaps, maps_cap;
	uint64_t maps_read_ns;	/* 0: never */
	uint64_t children_ns;	/* last children scan */
};

/* A queued event; pointers are fixed up from offsets at drain time. */
struct qev {
	struct sampler_event ev;
	size_t stack_off;	/* into stack arena, or SIZE_MAX */
	size_t str_off;		/* into string arena, or SIZE_MAX */
};

struct ptsampler {
	struct ptsampler_config cfg;
	uint64_t interval_ns, next_ns;
	bool disabled;
	struct pt_proc *procs;
	size_t nprocs, procs_cap;
	/* capture scratch */
	struct ptrace_thread *th;
	size_t th_cap;
	pid_t *tids;
	size_t tids_cap;
	/* queue */
	struct qev *q;
	size_t nq, q_cap;
	uint8_t *stacks;
	size_t stacks_len, stacks_cap;
	char *strs;
	size_t strs_len, strs_cap;
	uint64_t rng;
	struct ptsampler_stats stats;
};

/* ---- queue ---- */

static size_t arena_add(void *arenap, size_t *len, size_t *cap, const void *data, size_t n)
{
	uint8_t **arena = arenap;
	size_t off = *len;

	if (*len + n > *cap) {
		size_t ncap = *cap ? *cap : 65536;

		while (ncap < *len + n)
			ncap *= 2;
		*arena = xrealloc(*arena, ncap);
		*cap = ncap;
	}
	memcpy(*arena + off, data, n);
	*len += n;
	return off;
}

static struct qev *queue(struct ptsampler *s, const struct sampler_event *ev, const char *str)
{
	struct qev *e;

	xgrow(&s->q, &s->q_cap, s->nq + 1, sizeof(*s->q));
	e = &s->q[s->nq++];
	e->ev = *ev;
	e->stack_off = SIZE_MAX;
	e->str_off = str ? arena_add(&s->strs, &s->strs_len, &s->strs_cap, str, strlen(str) + 1)
			 : SIZE_MAX;
	return e;
}

static void queue_comm(struct ptsampler *s, pid_t pid, pid_t tid, const char *name, bool exec)
{
	struct sampler_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SEV_COMM;
	ev.pid = (uint32_t)pid;
	ev.tid = (uint32_t)tid;
	ev.time = monotonic_ns();
	ev.comm.exec = exec;
	queue(s, &ev, name);
}

static void queue_exit(struct ptsampler *s, pid_t pid, pid_t tid)
{
	struct sampler_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SEV_EXIT;
	ev.pid = (uint32_t)pid;
	ev.tid = (uint32_t)tid;
	ev.time = monotonic_ns();
	queue(s, &ev, NULL);
}

/* ---- /proc readers ---- */

/* Fields of a stat file after "(comm)"; *comm gets the name. */
static char *read_stat(const char *path, char **buf, char *comm, size_t size)
{
	char *open_paren, *close_paren;

	if (read_file(path, buf) < 0)
		return NULL;
	open_paren = strchr(*buf, '(');
	close_paren = strrchr(*buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren || close_paren[1] != ' ') {
		free(*buf);
		return NULL;
	}
	if (comm)
		snprintf(comm, size, "%.*s", (int)(close_paren - open_paren - 1), open_paren + 1);
	return close_paren + 2;
}

/* start_code, end_code, start_stack of a process (fields 26-28). */
static int read_key(pid_t pid, uint64_t key[3])
{
	char path[64], *buf, *f, *save = NULL, *tok;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = read_stat(path, &buf, NULL, 0);
	if (!f)
		return -ESRCH;
	memset(key, 0, 3 * sizeof(*key));
	/* f starts at field 3 (state) */
	for (i = 3, tok = strtok_r(f, " ", &save); tok && i <= 28;
	     i++, tok = strtok_r(NULL, " ", &save))
		if (i >= 26)
			key[i - 26] = strtoull(tok, NULL, 10);
	free(buf);
	return 0;
}

/* ---- processes ---- */

static struct pt_proc *proc_find(struct ptsampler *s, pid_t pid)
{
	size_t i;

	for (i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid && !s->procs[i].gone)
			return &s->procs[i];
	return NULL;
}

static struct pt_proc *proc_add(struct ptsampler *s, pid_t pid, bool started)
{
	struct pt_proc *p;

	xgrow(&s->procs, &s->procs_cap, s->nprocs + 1, sizeof(*s->procs));
	p = &s->procs[s->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->started = started;
	read_key(pid, p->key);
	return p;
}

static void maps_clear(struct pt_proc *p)
{
	size_t i;

	for (i = 0; i < p->nmaps; i++)
		free(p->maps[i].path);
	p->nmaps = 0;
}

static void proc_release(struct pt_proc *p)
{
	maps_clear(p);
	free(p->maps);
	free(p->threads);
	p->maps = NULL;
	p->threads = NULL;
}

struct maps_read {
	struct ptsampler *s;
	struct pt_proc *p;
	struct pt_map *v;
	size_t n, cap;
	uint64_t time;
};

static bool same_map(const struct pt_map *a, const struct proc_map *m, const char *path)
{
	return a->start == m->start && a->end == m->end && a->pgoff == m->pgoff &&
	       !strcmp(a->path, path);
}

static void on_map(void *arg, const struct proc_map *m)
{
	struct maps_read *r = arg;
	struct pt_proc *p = r->p;
	struct sampler_event ev;
	char *path;
	size_t i;

	if (!m->exec)
		return;
	/* space_add_map() recognizes deleted files by the suffix */
	path = m->deleted ? xasprintf("%s (deleted)", m->path) : xstrdup(m->path);
	for (i = 0; i < p->nmaps; i++)
		if (same_map(&p->maps[i], m, path))
			break;
	if (i == p->nmaps) {
		memset(&ev, 0, sizeof(ev));
		ev.type = SEV_MMAP;
		ev.pid = (uint32_t)p->pid;
		ev.tid = (uint32_t)p->pid;
		ev.time = r->time;
		ev.mmap.start = m->start;
		ev.mmap.len = m->end - m->start;
		ev.mmap.pgoff = m->pgoff;
		ev.mmap.prot = PROT_READ | PROT_EXEC;
		queue(r->s, &ev, path);
	}
	xgrow(&r->v, &r->cap, r->n + 1, sizeof(*r->v));
	r->v[r->n].start = m->start;
	r->v[r->n].end = m->end;
	r->v[r->n].pgoff = m->pgoff;
	r->v[r->n].path = path;
	r->n++;
}

/* Reads the executable mappings, queueing the ones not reported yet. */
static void maps_read(struct ptsampler *s, struct pt_proc *p, uint64_t time)
{
	struct maps_read r = { s, p, NULL, 0, 0, time };

	p->maps_read_ns = monotonic_ns();
	if (procfs_read_maps(p->pid, on_map, &r) < 0) {
		size_t i;

		for (i = 0; i < r.n; i++)
			free(r.v[i].path);
		free(r.v);
		return;
	}
	maps_clear(p);
	free(p->maps);
	p->maps = r.v;
	p->nmaps = r.n;
	p->maps_cap = r.cap;
}

static bool maps_have(const struct pt_proc *p, uint64_t pc)
{
	size_t lo = 0, hi = p->nmaps;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (pc < p->maps[mid].start)
			hi = mid;
		else if (pc >= p->maps[mid].end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static struct pt_thread_info *thread_find(struct pt_proc *p, pid_t tid)
{
	size_t i;

	for (i = 0; i < p->nthreads; i++)
		if (p->threads[i].tid == tid)
			return &p->threads[i];
	return NULL;
}

static void proc_gone(struct ptsampler *s, struct pt_proc *p)
{
	size_t i;

	for (i = 0; i < p->nthreads; i++)
		if (p->threads[i].tid != p->pid)
			queue_exit(s, p->pid, p->threads[i].tid);
	if (p->started)
		queue_exit(s, p->pid, p->pid);
	p->gone = true;
	proc_release(p);
}

/* New child processes of the threads of process idx (proc_add may move
 * the array, hence the index). */
static int scan_children(struct ptsampler *s, size_t idx)
{
	size_t i;
	int found = 0;

	for (i = 0; i < s->procs[idx].nthreads; i++) {
		char path[96], *text, *tok, *save = NULL;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)s->procs[idx].pid,
			 (int)s->procs[idx].threads[i].tid);
		if (read_file(path, &text) < 0)
			continue;
		for (tok = strtok_r(text, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			long child;

			if (parse_long(tok, 1, INT32_MAX, &child) || proc_find(s, (pid_t)child))
				continue;
			proc_add(s, (pid_t)child, true);
			found++;
		}
		free(text);
	}
	s->procs[idx].children_ns = monotonic_ns();
	return found;
}

/*
 * Lists p's threads: names new or renamed ones, reports gone ones, and adds
 * those to sample to s->tids. Returns the number to sample, or -1 if the
 * process is gone.
 */
static int scan_threads(struct ptsampler *s, struct pt_proc *p, size_t *nsample, int *fresh)
{
	pid_t *tids;
	int n, i, alive = 0;
	size_t k;

	n = procfs_list_tasks(p->pid, &tids);
	if (n <= 0)
		return -1;
	for (k = 0; k < p->nthreads; k++)
		p->threads[k].seen = false;
	for (i = 0; i < n; i++) {
		char path[96], *buf, *f, name[64];
		struct pt_thread_info *t;
		char st;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)p->pid, (int)tids[i]);
		f = read_stat(path, &buf, name, sizeof(name));
		if (!f)
			continue;
		st = f[0];
		free(buf);
		if (st == 'Z' || st == 'X')
			continue;
		alive++;
		t = thread_find(p, tids[i]);
		if (!t) {
			xgrow(&p->threads, &p->threads_cap, p->nthreads + 1, sizeof(*p->threads));
			t = &p->threads[p->nthreads++];
			memset(t, 0, sizeof(*t));
			t->tid = tids[i];
			(*fresh)++;
		}
		t->seen = true;
		if (strncmp(t->name, name, sizeof(t->name) - 1)) {
			snprintf(t->name, sizeof(t->name), "%.15s", name);
			if (p->started)
				queue_comm(s, p->pid, t->tid, t->name, false);
		}
		if (p->started && (st == 'R' || (s->cfg.all_threads && st != 't' && st != 'T'))) {
			xgrow(&s->tids, &s->tids_cap, *nsample + 1, sizeof(*s->tids));
			s->tids[(*nsample)++] = tids[i];
		}
	}
	free(tids);
	if (!alive)
		return -1;
	/* threads gone since the last listing */
	for (k = 0; k < p->nthreads;) {
		if (!p->threads[k].seen) {
			if (p->started)
				queue_exit(s, p->pid, p->threads[k].tid);
			p->threads[k] = p->threads[--p->nthreads];
			continue;
		}
		k++;
	}
	return 0;
}

/* Exec detection, and the launched child's first exec. The key must read
 * the same twice in a row: during an exec the kernel sets its parts one
 * after the other. */
static void check_exec(struct ptsampler *s, struct pt_proc *p)
{
	uint64_t key[3];
	char comm[64] = "";

	if (read_key(p->pid, key) || !memcmp(key, p->key, sizeof(key)))
		return;
	if (memcmp(key, p->new_key, sizeof(key))) {
		memcpy(p->new_key, key, sizeof(key));
		return;
	}
	memcpy(p->key, key, sizeof(key));
	p->started = true;
	procfs_comm(p->pid, 0, comm, sizeof(comm));
	queue_comm(s, p->pid, p->pid, comm, true);
	/* after an exec only the main thread is left, and no mapping */
	maps_clear(p);
	p->maps_read_ns = 0;
	p->nthreads = 0;
}

static void capture_proc(struct ptsampler *s, struct pt_proc *p, size_t n)
{
	struct ptrace_opts o;
	struct ptrace_window w;
	size_t i;
	bool reread = false;
	int r;

	if (!n)
		return;
	/* scratch thread records; their stack buffers are kept and reused */
	if (n > s->th_cap) {
		s->th = xrealloc(s->th, n * sizeof(*s->th));
		memset(s->th + s->th_cap, 0, (n - s->th_cap) * sizeof(*s->th));
		s->th_cap = n;
	}
	memset(&o, 0, sizeof(o));
	o.stack_max = s->cfg.stack_size;
	o.timeout_ms = STOP_TIMEOUT_MS;
	o.check_on_cpu = !s->cfg.all_threads;
	o.hold_us = HOLD_US;
	r = ptrace_capture(p->pid, s->tids, (int)n, &o, s->th, &w);
	if (r < 0)
		return;
	if (w.window_ns > s->stats.window_ns_max)
		s->stats.window_ns_max = w.window_ns;
	for (i = 0; i < n; i++) {
		const struct ptrace_thread *t = &s->th[i];
		struct sampler_event ev;
		struct qev *e;

		if (t->result != CAPTURE_OK) {
			if (t->result != CAPTURE_GONE)
				s->stats.failed++;
			continue;
		}
		s->stats.stop_ns_total += t->stop_ns;
		if (t->stop_ns > s->stats.stop_ns_max)
			s->stats.stop_ns_max = t->stop_ns;
		if (!s->cfg.all_threads && !t->on_cpu) {
			/* it was waiting for a CPU, not running */
			s->stats.not_on_cpu++;
			continue;
		}
		s->stats.samples++;
		if (!reread && !maps_have(p, t->regs[16])) {
			/* a new mapping (dlopen, JIT): report it before the sample */
			maps_read(s, p, t->time);
			reread = true;
		}
		ptrace_thread_event(t, p->pid, s->interval_ns, &ev);
		ev.sample.stack = NULL;
		e = queue(s, &ev, NULL);
		e->stack_off = arena_add(&s->stacks, &s->stacks_len, &s->stacks_cap, t->stack,
					 t->stack_size);
	}
}

/* One pass over the targets: threads, names, exits, children, mappings,
 * and (capture) a snapshot of the threads to sample. */
static int scan(struct ptsampler *s, bool capture)
{
	uint64_t now = monotonic_ns();
	int fresh = 0;
	size_t i;

	ptrace_release_pending();
	for (i = 0; i < s->nprocs; i++) {
		struct pt_proc *p = &s->procs[i];
		size_t nsample = 0;

		if (p->gone)
			continue;
		check_exec(s, p);
		if (scan_threads(s, p, &nsample, &fresh) < 0) {
			proc_gone(s, p);
			continue;
		}
		if (!p->started)
			continue;
		if (!p->maps_read_ns || now - p->maps_read_ns >= MAPS_REREAD_NS)
			maps_read(s, p, monotonic_ns());
		if (capture)
			capture_proc(s, p, nsample);
		if (now - p->children_ns >= CHILDREN_SCAN_NS)
			fresh += scan_children(s, i);
	}
	return fresh;
}

/* ---- API ---- */

static uint64_t next_random(struct ptsampler *s)
{
	/* xorshift64 */
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return s->rng;
}

/* The interval, jittered by up to +-20%. */
static uint64_t jittered(struct ptsampler *s)
{
	uint64_t span = s->interval_ns * 2 / 5;

	return s->interval_ns - span / 2 + (span ? next_random(s) % span : 0);
}

int ptsampler_open(struct ptsampler **out, const struct ptsampler_config *cfg, pid_t launch_pid,
		   const pid_t *pids, int npids, char **errmsg)
{
	struct ptsampler *s;
	int i;

	*out = NULL;
	*errmsg = NULL;
	if (cfg->freq > PTSAMPLER_MAX_FREQ || cfg->stack_size > MAX_STACK) {
		*errmsg = xasprintf("ptrace sampling: at most %d snapshots per second and %u bytes "
				    "of stack",
				    PTSAMPLER_MAX_FREQ, MAX_STACK);
		return -EINVAL;
	}
	if (!launch_pid && npids <= 0) {
		*errmsg = xstrdup("ptrace sampling: nothing to sample");
		return -EINVAL;
	}
	s = xcalloc(1, sizeof(*s));
	s->cfg = *cfg;
	if (!s->cfg.freq)
		s->cfg.freq = PTSAMPLER_DEFAULT_FREQ;
	if (!s->cfg.stack_size)
		s->cfg.stack_size = PTSAMPLER_DEFAULT_STACK;
	s->cfg.stack_size &= ~7u;
	s->interval_ns = 1000000000ull / s->cfg.freq;
	s->rng = monotonic_ns() | 1;
	for (i = 0; i < (launch_pid ? 1 : npids); i++) {
		pid_t pid = launch_pid ? launch_pid : pids[i];
		struct ptrace_thread th;
		struct ptrace_window w;
		struct ptrace_opts o;
		int r;

		if (pid == getpid()) {
			*errmsg = xasprintf("cannot sample hotstack itself (pid %d)", (int)pid);
			ptsampler_close(s);
			return -EINVAL;
		}
		/* is ptrace permitted (seccomp, Yama, another tracer)? one brief
		 * stop of the main thread; the launched child, waiting to exec,
		 * just has its read() restarted */
		memset(&th, 0, sizeof(th));
		memset(&o, 0, sizeof(o));
		o.timeout_ms = STOP_TIMEOUT_MS;
		r = ptrace_capture(pid, &pid, 1, &o, &th, &w);
		ptrace_thread_release(&th);
		if (r < 0 || th.result == CAPTURE_FAILED) {
			*errmsg = ptrace_explain(pid, 0, r < 0 ? r : th.err);
			ptsampler_close(s);
			return r < 0 ? r : th.err;
		}
		/* the launched child is sampled from its exec on (its key is
		 * hotstack's until then) */
		if (!proc_find(s, pid))
			proc_add(s, pid, !launch_pid);
	}
	s->next_ns = monotonic_ns();
	*out = s;
	return 0;
}

int ptsampler_rescan(struct ptsampler *s)
{
	return scan(s, false);
}

int ptsampler_poll(struct ptsampler *s, int timeout_ms)
{
	uint64_t now = monotonic_ns();

	struct ptrace_prio prio;

	if (s->disabled || ptsampler_done(s))
		return s->nq > 0;
	/* real-time from the wakeup to the last resume: the timer interrupt
	 * then takes a CPU from a busy thread at an arbitrary instruction */
	ptrace_prio_raise(&prio);
	if (now < s->next_ns) {
		uint64_t wait = s->next_ns - now;
		struct timespec ts;

		if (timeout_ms >= 0 && wait > (uint64_t)timeout_ms * 1000000ull)
			wait = (uint64_t)timeout_ms * 1000000ull;
		ts.tv_sec = (time_t)(wait / 1000000000ull);
		ts.tv_nsec = (long)(wait % 1000000000ull);
		if (ppoll(NULL, 0, &ts, NULL) < 0 && errno == EINTR) {
			ptrace_prio_restore(&prio);
			return -EINTR;
		}
		now = monotonic_ns();
		if (now < s->next_ns) {
			ptrace_prio_restore(&prio);
			return s->nq > 0;
		}
	}
	scan(s, true);
	ptrace_prio_restore(&prio);
	s->stats.snapshots++;
	now = monotonic_ns();
	s->next_ns += jittered(s);
	if (s->next_ns < now) {
		/* the caller was late: skip the missed snapshots, no burst */
		s->stats.late++;
		s->next_ns = now + jittered(s);
	}
	return s->nq > 0;
}

int ptsampler_drain(struct ptsampler *s, void (*cb)(void *arg, const struct sampler_event *ev),
		    void *arg)
{
	size_t i, n = s->nq;

	for (i = 0; i < n; i++) {
		struct qev *e = &s->q[i];
		struct sampler_event ev = e->ev;

		if (e->stack_off != SIZE_MAX)
			ev.sample.stack = s->stacks + e->stack_off;
		if (e->str_off != SIZE_MAX) {
			if (ev.type == SEV_COMM)
				ev.comm.comm = s->strs + e->str_off;
			else if (ev.type == SEV_MMAP)
				ev.mmap.filename = s->strs + e->str_off;
		}
		cb(arg, &ev);
	}
	s->nq = 0;
	s->stacks_len = 0;
	s->strs_len = 0;
	return (int)n;
}

bool ptsampler_done(const struct ptsampler *s)
{
	size_t i;

	for (i = 0; i < s->nprocs; i++)
		if (!s->procs[i].gone)
			return false;
	return true;
}

void ptsampler_disable(struct ptsampler *s)
{
	s->disabled = true;
}

void ptsampler_stats(const struct ptsampler *s, struct ptsampler_stats *st)
{
	*st = s->stats;
}

void ptsampler_close(struct ptsampler *s)
{
	size_t i;
	int tries;

	if (!s)
		return;
	/* threads stuck in uninterruptible sleep: give them a moment */
	for (tries = 0; tries < 20 && ptrace_release_pending() > 0; tries++)
		usleep(5000);
	for (i = 0; i < s->nprocs; i++)
		proc_release(&s->procs[i]);
	for (i = 0; i < s->th_cap; i++)
		ptrace_thread_release(&s->th[i]);
	free(s->procs);
	free(s->th);
	free(s->tids);
	free(s->q);
	free(s->stacks);
	free(s->strs);
	free(s);
}
