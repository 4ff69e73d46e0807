/* ptrace.c - brief ptrace stops of a live process's threads, and remote
 * unwinding of what they held with libunwind-ptrace */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <elf.h>
#include <libunwind-ptrace.h>
#include <sys/auxv.h>

#include "blocked.h"
#include "procfs.h"
#include "ptrace.h"
#include "util.h"

#define DEFAULT_TIMEOUT_MS 1000
/* how often threads still not stopped are looked at in /proc (they may
 * have become zombies, which report nothing until the group is gone) */
#define RECHECK_NS 10000000ull

/* ---- signals ---- */

struct sigsave {
	sigset_t mask;
	struct sigaction chld;
	bool chld_changed;
	struct ptrace_prio prio;
};

bool ptrace_prio_raise(struct ptrace_prio *save)
{
	struct sched_param rt = { .sched_priority = 1 };
	int policy = sched_getscheduler(0);

	save->policy = -1;
	if (policy < 0 || (policy & ~SCHED_RESET_ON_FORK) == SCHED_FIFO)
		return policy >= 0;
	if (sched_getparam(0, &save->param) ||
	    sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &rt))
		return false;
	save->policy = policy;
	return true;
}

void ptrace_prio_restore(struct ptrace_prio *save)
{
	if (save->policy >= 0)
		sched_setscheduler(0, save->policy, &save->param);
	save->policy = -1;
}

static bool prio_is_rt(void)
{
	return (sched_getscheduler(0) & ~SCHED_RESET_ON_FORK) == SCHED_FIFO;
}

/* Blocks every asynchronous signal; SIGCHLD is then collected with
 * sigtimedwait. Synchronous ones (faults) stay deliverable. */
static void signals_block(struct sigsave *save)
{
	static const int sync_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS,
					    SIGABRT };
	struct sigaction dfl;
	sigset_t set;
	size_t i;

	sigfillset(&set);
	for (i = 0; i < ARRAY_SIZE(sync_signals); i++)
		sigdelset(&set, sync_signals[i]);
	sigprocmask(SIG_BLOCK, &set, &save->mask);
	/*
	 * While threads are being resumed one after the other, each resumed
	 * thread competes with hotstack for a CPU: on a busy machine one could
	 * preempt hotstack for a whole time slice (3 ms measured here) while
	 * the threads not yet resumed stay stopped. Where permitted, run the
	 * window at the lowest real-time priority (see ptrace_prio_raise).
	 */
	ptrace_prio_raise(&save->prio);
	/* with SIGCHLD ignored the kernel queues none for ptrace stops */
	save->chld_changed = false;
	if (!sigaction(SIGCHLD, NULL, &save->chld) && save->chld.sa_handler == SIG_IGN) {
		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		sigemptyset(&dfl.sa_mask);
		sigaction(SIGCHLD, &dfl, NULL);
		save->chld_changed = true;
	}
}

static void signals_restore(struct sigsave *save)
{
	ptrace_prio_restore(&save->prio);
	if (save->chld_changed)
		sigaction(SIGCHLD, &save->chld, NULL);
	/* pending SIGINT/SIGTERM/... are delivered here, after every detach */
	sigprocmask(SIG_SETMASK, &save->mask, NULL);
}

/* Sleeps until a SIGCHLD arrives or ns have passed. */
static void wait_sigchld(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigtimedwait(&set, NULL, &ts);
}

/* ---- threads left seized (did not stop in time) ---- */

struct pending {
	pid_t pid, tid;
	bool own_child;
};

static struct pending *pendings;
static size_t npending, pending_cap;

static void pending_add(pid_t pid, pid_t tid, bool own_child)
{
	xgrow(&pendings, &pending_cap, npending + 1, sizeof(*pendings));
	pendings[npending].pid = pid;
	pendings[npending].tid = tid;
	pendings[npending].own_child = own_child;
	npending++;
}

void (*ptrace_test_seized)(pid_t tid);

/* ---- one capture ---- */

enum slot_state { SLOT_IDLE, SLOT_WAIT, SLOT_STOPPED, SLOT_DONE };

struct capture {
	pid_t pid;
	bool own_child;		/* pid is hotstack's child: never reap it */
	const struct ptrace_opts *o;
	struct proc_ranges maps;
	struct ptrace_thread *th;
	enum slot_state *state;
	uint64_t *t_interrupt;
	uint64_t *slices;	/* check_on_cpu: schedstat timeslices at the interrupt */
	bool *on_our_cpu;	/* check_on_cpu: it was last on hotstack's CPU */
	bool rt_wakeup;		/* the caller was real-time before the capture */
	int n;
	uint64_t first, last;	/* window */
	int stopped;
	int unstopped;		/* read without a stop (o->nostop) */
};

/* The thread exited: reap it if that is ours to do. A traced thread that
 * exits stays a zombie until its tracer waits for it; the main thread of
 * the caller's own child is left to the caller's waitpid. */
static void reap(pid_t pid, pid_t tid, bool own_child)
{
	siginfo_t si;

	if (tid == pid && own_child)
		return;
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)tid, &si, WEXITED | WNOHANG | __WALL) < 0 && errno == EINTR)
		;
}

/* What a seized thread is doing: 1 stopped (*sig: a signal to re-deliver),
 * 0 still running, -1 exited (reaped if allowed) or no longer traced. */
static int poll_stop(pid_t pid, pid_t tid, bool own_child, int *sig)
{
	siginfo_t si;
	int r;

	for (;;) {
		memset(&si, 0, sizeof(si));
		r = waitid(P_PID, (id_t)tid, &si, WSTOPPED | WEXITED | WNOHANG | WNOWAIT | __WALL);
		if (r == 0 || errno != EINTR)
			break;
	}
	if (r < 0)
		return -1;	/* ECHILD: gone and reaped, or not our tracee */
	if (si.si_pid == 0)
		return 0;
	if (si.si_code == CLD_TRAPPED || si.si_code == CLD_STOPPED) {
		/* consume the stop; no WEXITED, so this reaps nothing */
		memset(&si, 0, sizeof(si));
		while (waitid(P_PID, (id_t)tid, &si, WSTOPPED | WNOHANG | __WALL) < 0 &&
		       errno == EINTR)
			;
		/* status is the signal, plus PTRACE_EVENT_STOP << 8 for our
		 * interrupt and for group stops: only a signal-delivery stop
		 * (no event) has a signal to pass on */
		*sig = (si.si_status >> 8) == 0 ? (si.si_status & 0x7f) : 0;
		return 1;
	}
	reap(pid, tid, own_child);
	return -1;
}

/* Times the thread was put on a CPU (schedstat field 3), or UINT64_MAX. */
static uint64_t timeslices(pid_t pid, pid_t tid)
{
	uint64_t n;

	return procfs_timeslices(pid, tid, &n) ? UINT64_MAX : n;
}

static void regs_from_user(const struct user_regs_struct *u, uint64_t *r)
{
	r[0] = u->rax;
	r[1] = u->rdx;
	r[2] = u->rcx;
	r[3] = u->rbx;
	r[4] = u->rsi;
	r[5] = u->rdi;
	r[6] = u->rbp;
	r[7] = u->rsp;
	r[8] = u->r8;
	r[9] = u->r9;
	r[10] = u->r10;
	r[11] = u->r11;
	r[12] = u->r12;
	r[13] = u->r13;
	r[14] = u->r14;
	r[15] = u->r15;
	r[16] = u->rip;
}

size_t ptrace_read_stack(struct ptrace_thread *t, size_t want)
{
	struct iovec local, remote;
	ssize_t got;

	t->stack_size = 0;
	if (!want)
		return 0;
	if (t->stack_cap < want) {
		free(t->stack);
		t->stack = xmalloc(want);
		t->stack_cap = want;
	}
	local.iov_base = t->stack;
	local.iov_len = want;
	remote.iov_base = (void *)(uintptr_t)t->regs[7];
	remote.iov_len = want;
	/* a short count where the stack mapping ends is normal */
	got = process_vm_readv(t->tid, &local, 1, &remote, 1, 0);
	t->stack_size = got > 0 ? (size_t)got : 0;
	return t->stack_size;
}

static void copy_stack(struct capture *c, struct ptrace_thread *t)
{
	uint64_t sp = t->regs[7], end;
	size_t want = c->o->stack_max;

	t->stack_end = 0;
	if (c->o->whole_stack && c->maps.n) {
		end = procfs_range_end(&c->maps, sp);
		t->stack_end = end;
		if (end && end - sp < want)
			want = (size_t)(end - sp);
	}
	ptrace_read_stack(t, want);
}

/* Copies a stopped thread and lets it go. */
static void copy_and_detach(struct capture *c, int i)
{
	struct ptrace_thread *t = &c->th[i];
	struct user_regs_struct u;
	uint64_t now;

	if (ptrace(PTRACE_GETREGS, t->tid, NULL, &u) == 0) {
		t->time = monotonic_ns();
		regs_from_user(&u, t->regs);
		t->orig_rax = u.orig_rax;
		copy_stack(c, t);
		if (c->o->check_on_cpu) {
			uint64_t now_slices = timeslices(c->pid, t->tid);

			/* not put on a CPU again before the stop: it was running;
			 * or once, on the CPU hotstack took from it to do this */
			t->on_cpu = now_slices != UINT64_MAX &&
				    (now_slices == c->slices[i] ||
				     (c->rt_wakeup && c->on_our_cpu[i] &&
				      now_slices == c->slices[i] + 1));
		}
		if (c->o->live)
			c->o->live(c->o->live_arg, t);
		t->result = CAPTURE_OK;
	} else {
		/* SIGKILLed while stopped */
		t->result = errno == ESRCH ? CAPTURE_GONE : CAPTURE_FAILED;
		t->err = -errno;
	}
	if (ptrace(PTRACE_DETACH, t->tid, NULL, (void *)(uintptr_t)t->signal) && errno == ESRCH) {
		int sig;

		if (poll_stop(c->pid, t->tid, c->own_child, &sig) < 0)
			t->result = CAPTURE_GONE;
	}
	now = monotonic_ns();
	t->stop_ns = now - c->t_interrupt[i];
	if (now > c->last)
		c->last = now;
	if (t->result == CAPTURE_OK)
		c->stopped++;
	c->state[i] = SLOT_DONE;
}

static void seize_all(struct capture *c, const pid_t *tids, int *first_err)
{
	int i;

	for (i = 0; i < c->n; i++) {
		struct ptrace_thread *t = &c->th[i];
		char st;

		t->tid = tids[i];
		t->result = CAPTURE_FAILED;
		t->err = 0;
		t->signal = 0;
		t->stack_size = 0;
		t->stop_ns = t->stop_latency_ns = 0;
		t->orig_rax = (uint64_t)-1;
		t->on_cpu = false;
		t->unstopped = false;
		t->regs_unknown = 0;
		t->rbp_found = false;
		c->state[i] = SLOT_IDLE;
		/* asleep in the kernel: read it as it is, without a stop */
		if (c->o->nostop &&
		    !blocked_read(c->pid, t->tid, c->o->whole_stack ? &c->maps : NULL,
				  c->o->stack_max, t, NULL)) {
			c->unstopped++;
			c->state[i] = SLOT_DONE;
			continue;
		}
		t->unstopped = false;
		t->regs_unknown = 0;
		t->rbp_found = false;
		t->result = CAPTURE_FAILED;
		if (ptrace(PTRACE_SEIZE, t->tid, NULL, NULL)) {
			int e = errno;

			st = procfs_state(c->pid, t->tid);
			if (e == ESRCH || !st || st == 'X') {
				t->result = CAPTURE_GONE;
			} else if (st == 'Z') {
				t->result = CAPTURE_ZOMBIE;
			} else {
				t->err = -e;
				if (!*first_err)
					*first_err = -e;
			}
			continue;
		}
		if (ptrace_test_seized)
			ptrace_test_seized(t->tid);
		if (c->o->check_on_cpu) {
			c->slices[i] = timeslices(c->pid, t->tid);
			c->on_our_cpu[i] = procfs_last_cpu(c->pid, t->tid) == sched_getcpu();
		}
		c->t_interrupt[i] = monotonic_ns();
		if (!c->first)
			c->first = c->t_interrupt[i];
		ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL);
		c->state[i] = SLOT_WAIT;
	}
}

/* Copies and resumes every stopped thread. */
static void release_stopped(struct capture *c)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (c->state[i] == SLOT_STOPPED)
			copy_and_detach(c, i);
}

/* Waits for the stops, copying and resuming the stopped threads once one
 * of them has been held for hold_us (at once with 0). */
static void wait_stops(struct capture *c)
{
	unsigned timeout = c->o->timeout_ms ? c->o->timeout_ms : DEFAULT_TIMEOUT_MS;
	uint64_t start = monotonic_ns(), deadline = start + timeout * 1000000ull;
	uint64_t next_check = start + RECHECK_NS, hold_ns = 0, first_stop = 0;
	bool hold_all = c->o->hold_us == PTRACE_HOLD_ALL;
	int i;

	if (!hold_all)
		hold_ns = c->o->hold_us * 1000ull;
	for (;;) {
		int waiting = 0;
		uint64_t now, wake;

		for (i = 0; i < c->n; i++) {
			struct ptrace_thread *t = &c->th[i];
			int r;

			if (c->state[i] != SLOT_WAIT)
				continue;
			r = poll_stop(c->pid, t->tid, c->own_child, &t->signal);
			if (r > 0) {
				now = monotonic_ns();
				t->stop_latency_ns = now - c->t_interrupt[i];
				c->state[i] = SLOT_STOPPED;
				if (!first_stop)
					first_stop = now;
			} else if (r < 0) {
				t->result = CAPTURE_GONE;
				c->state[i] = SLOT_DONE;
			} else {
				waiting++;
			}
		}
		now = monotonic_ns();
		if (!hold_all && first_stop && now - first_stop >= hold_ns) {
			release_stopped(c);
			first_stop = 0;
		}
		if (!waiting)
			return;
		if (now >= deadline)
			return;
		if (now >= next_check) {
			/* a thread that became a zombie reports nothing while
			 * other threads of its group live */
			for (i = 0; i < c->n; i++) {
				char st;

				if (c->state[i] != SLOT_WAIT)
					continue;
				st = procfs_state(c->pid, c->th[i].tid);
				if (!st || st == 'Z' || st == 'X') {
					c->th[i].result = st == 'Z' ? CAPTURE_ZOMBIE : CAPTURE_GONE;
					c->state[i] = SLOT_DONE;
					pending_add(c->pid, c->th[i].tid, c->own_child);
				}
			}
			next_check = now + RECHECK_NS;
		}
		wake = deadline < next_check ? deadline : next_check;
		if (!hold_all && first_stop && first_stop + hold_ns < wake)
			wake = first_stop + hold_ns;
		if (wake > now)
			wait_sigchld(wake - now);
	}
}

int ptrace_capture(pid_t pid, const pid_t *tids, int n, const struct ptrace_opts *o,
		   struct ptrace_thread *th, struct ptrace_window *w)
{
	struct capture c;
	struct sigsave save;
	int first_err = 0, i;

	memset(&c, 0, sizeof(c));
	memset(w, 0, sizeof(*w));
	c.pid = pid;
	c.own_child = procfs_ppid(pid) == getpid();
	c.o = o;
	c.th = th;
	c.n = n;
	c.state = xcalloc((size_t)n, sizeof(*c.state));
	c.t_interrupt = xcalloc((size_t)n, sizeof(*c.t_interrupt));
	c.slices = xcalloc((size_t)n, sizeof(*c.slices));
	c.on_our_cpu = xcalloc((size_t)n, sizeof(*c.on_our_cpu));
	if (o->whole_stack)
		procfs_read_ranges(pid, &c.maps);
	c.rt_wakeup = prio_is_rt();

	signals_block(&save);
	seize_all(&c, tids, &first_err);
	wait_stops(&c);
	release_stopped(&c);
	for (i = 0; i < n; i++) {
		if (c.state[i] == SLOT_WAIT) {
			/* not stopped in time: it stays seized until it stops */
			th[i].result = CAPTURE_TIMEOUT;
			th[i].stop_ns = monotonic_ns() - c.t_interrupt[i];
			pending_add(pid, th[i].tid, c.own_child);
		}
	}
	signals_restore(&save);

	w->start = c.first;
	w->window_ns = c.last > c.first ? c.last - c.first : 0;
	w->stopped = c.stopped;
	w->unstopped = c.unstopped;
	free(c.state);
	free(c.t_interrupt);
	free(c.slices);
	free(c.on_our_cpu);
	procfs_ranges_release(&c.maps);
	if (!c.stopped && !c.unstopped && first_err) {
		for (i = 0; i < n; i++)
			if (th[i].result != CAPTURE_FAILED && th[i].result != CAPTURE_GONE)
				return 0;
		return first_err;
	}
	if (!c.stopped && !c.unstopped && n > 0 && !procfs_exists(pid))
		return -ESRCH;
	return c.stopped + c.unstopped;
}

void ptrace_thread_release(struct ptrace_thread *t)
{
	free(t->stack);
	t->stack = NULL;
	t->stack_cap = t->stack_size = 0;
}

int ptrace_release_pending(void)
{
	struct sigsave save;
	size_t i, j = 0;

	if (!npending)
		return 0;
	signals_block(&save);
	for (i = 0; i < npending; i++) {
		struct pending *p = &pendings[i];
		int sig = 0, r = poll_stop(p->pid, p->tid, p->own_child, &sig);

		if (r > 0 || (r == 0 && !ptrace(PTRACE_DETACH, p->tid, NULL, NULL))) {
			if (r > 0)
				ptrace(PTRACE_DETACH, p->tid, NULL, (void *)(uintptr_t)sig);
			continue;
		}
		if (r < 0)
			continue;
		pendings[j++] = *p;
	}
	npending = j;
	signals_restore(&save);
	return (int)npending;
}

/* ---- snapshots ---- */

static int cmp_thread(const void *a, const void *b)
{
	const struct ptrace_thread *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static bool have_tid(const struct ptrace_snapshot *s, pid_t tid)
{
	int i;

	for (i = 0; i < s->nthreads; i++)
		if (s->threads[i].tid == tid)
			return true;
	return false;
}

int ptrace_snapshot(pid_t pid, const struct ptrace_opts *o, struct ptrace_snapshot *snap)
{
	size_t cap = 0;
	int round, err = 0, total = 0;

	memset(snap, 0, sizeof(*snap));
	snap->pid = pid;
	for (round = 0; round < 4; round++) {
		struct ptrace_window w;
		pid_t *tids, *fresh;
		int n, nfresh = 0, i, r;

		n = procfs_list_tasks(pid, &tids);
		if (n < 0) {
			if (round == 0)
				return n == -ENOENT ? -ESRCH : n;
			break;
		}
		fresh = xcalloc((size_t)(n ? n : 1), sizeof(*fresh));
		for (i = 0; i < n; i++)
			if (!have_tid(snap, tids[i]))
				fresh[nfresh++] = tids[i];
		free(tids);
		if (!nfresh) {
			free(fresh);
			break;
		}
		xgrow(&snap->threads, &cap, (size_t)(snap->nthreads + nfresh), sizeof(*snap->threads));
		memset(snap->threads + snap->nthreads, 0, (size_t)nfresh * sizeof(*snap->threads));
		r = ptrace_capture(pid, fresh, nfresh, o, snap->threads + snap->nthreads, &w);
		free(fresh);
		snap->rounds++;
		if (r < 0 && round == 0) {
			err = r;
			snap->nthreads += nfresh;
			break;
		}
		if (r > 0 && w.stopped) {
			uint64_t end = w.start + w.window_ns,
				 old_end = snap->window.start + snap->window.window_ns;

			if (!snap->window.start)
				snap->window.start = w.start;
			if (end < old_end)
				end = old_end;
			snap->window.window_ns = end - snap->window.start;
			snap->window.stopped += w.stopped;
		}
		if (r > 0) {
			snap->window.unstopped += w.unstopped;
			total += r;
		}
		/* drop threads that were gone before they could be stopped */
		for (i = snap->nthreads; i < snap->nthreads + nfresh; i++) {
			if (snap->threads[i].result == CAPTURE_GONE) {
				ptrace_thread_release(&snap->threads[i]);
				snap->threads[i] = snap->threads[snap->nthreads + nfresh - 1];
				nfresh--;
				i--;
			}
		}
		snap->nthreads += nfresh;
	}
	qsort(snap->threads, (size_t)snap->nthreads, sizeof(*snap->threads), cmp_thread);
	if (err)
		return err;
	if (!snap->nthreads)
		return -ESRCH;
	return total;
}

void ptrace_snapshot_release(struct ptrace_snapshot *snap)
{
	int i;

	for (i = 0; i < snap->nthreads; i++)
		ptrace_thread_release(&snap->threads[i]);
	free(snap->threads);
	snap->threads = NULL;
	snap->nthreads = 0;
}

/* ---- messages ---- */

/* The value of a "Key:\tvalue" line of /proc/PID/status, or -1. */
static long status_field(pid_t pid, const char *key, char *line, size_t size)
{
	char path[64], *text, *p;
	size_t klen = strlen(key);
	long v = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file(path, &text) < 0)
		return -1;
	for (p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == ':') {
			char *e = strchr(p, '\n');

			p += klen + 1;
			while (*p == '\t' || *p == ' ')
				p++;
			if (line)
				snprintf(line, size, "%.*s", e ? (int)(e - p) : (int)strlen(p), p);
			v = strtol(p, NULL, 10);
			break;
		}
	}
	free(text);
	return v;
}

static bool have_cap_sys_ptrace(void)
{
	char line[64];
	unsigned long long caps;

	if (status_field(getpid(), "CapEff", line, sizeof(line)) < 0)
		return false;
	caps = strtoull(line, NULL, 16);
	return caps & (1ull << 19);	/* CAP_SYS_PTRACE */
}

char *ptrace_explain(pid_t pid, pid_t tid, int err)
{
	char who[64], comm[64] = "?", line[128];
	char *scope_text = NULL;
	long tracer, scope = -1, uid;
	pid_t id = tid ? tid : pid;
	char st;

	if (tid && tid != pid)
		snprintf(who, sizeof(who), "thread %d of pid %d", (int)tid, (int)pid);
	else
		snprintf(who, sizeof(who), "pid %d", (int)pid);
	if (err == -ESRCH || !procfs_exists(id))
		return xasprintf("no process with pid %d", (int)pid);
	st = procfs_state(pid, tid);
	if (st == 'Z' || st == 'X')
		return xasprintf("%s has exited (zombie): it has no stack left", who);
	if (err != -EPERM)
		return xasprintf("cannot trace %s: %s", who, strerror(-err));
	tracer = status_field(id, "TracerPid", NULL, 0);
	if (tracer > 0) {
		procfs_comm((pid_t)tracer, 0, comm, sizeof(comm));
		return xasprintf("%s is already traced by pid %ld (%s): only one debugger or tracer "
				 "can attach; detach it first",
				 who, tracer, sanitized(comm));
	}
	if (procfs_exists(pid)) {
		char exe[16];

		/* kernel threads have no exe and no user memory */
		if (procfs_exe(pid, exe, sizeof(exe)) == -ENOENT &&
		    status_field(pid, "VmSize", NULL, 0) < 0)
			return xasprintf("%s is a kernel thread: it has no user stack", who);
	}
	if (read_file("/proc/sys/kernel/yama/ptrace_scope", &scope_text) >= 0) {
		scope = strtol(scope_text, NULL, 10);
		free(scope_text);
	}
	uid = status_field(pid, "Uid", line, sizeof(line));
	if (have_cap_sys_ptrace())
		return xasprintf("not permitted to trace %s although hotstack has CAP_SYS_PTRACE%s: "
				 "a seccomp filter or security module (container?) forbids ptrace",
				 who, scope >= 3 ? " (kernel.yama.ptrace_scope is 3: no attach)" : "");
	if (scope >= 1)
		return xasprintf("not permitted to trace %s (uid %ld) as uid %d: "
				 "kernel.yama.ptrace_scope is %ld%s; run as root, with CAP_SYS_PTRACE, "
				 "or set kernel.yama.ptrace_scope=0",
				 who, uid, (int)getuid(), scope,
				 scope == 1 ? " (only descendants may be traced)" : "");
	return xasprintf("not permitted to trace %s (uid %ld) as uid %d: run as the same user or "
			 "as root (CAP_SYS_PTRACE)%s",
			 who, uid, (int)getuid(),
			 scope < 0 ? "; kernel.yama.ptrace_scope does not restrict it here" : "");
}

void ptrace_thread_event(const struct ptrace_thread *t, pid_t pid, uint64_t period,
			 struct sampler_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = SEV_SAMPLE;
	ev->pid = (uint32_t)pid;
	ev->tid = (uint32_t)t->tid;
	ev->time = t->time;
	ev->sample.ip = t->regs[16];
	ev->sample.period = period;
	ev->sample.user_mode = true;
	ev->sample.have_regs = true;
	memcpy(ev->sample.regs, t->regs, sizeof(ev->sample.regs));
	ev->sample.regs_unknown = t->regs_unknown;
	ev->sample.stack = t->stack;
	ev->sample.stack_size = t->stack_size;
}

/* ---- unwinding with libunwind-ptrace ---- */

#define PAGE_CACHE 64
#define STACK_GUESS (8ull << 20)	/* stack size when its mapping is unknown */
#define PAGE_SIZE_ 4096ull

struct page {
	uint64_t addr;		/* page address, 0 if empty */
	bool bad;		/* unreadable */
	uint8_t data[PAGE_SIZE_];
};

/* Not in libunwind's headers, but exported (Linux perf uses it too):
 * binary search of an .eh_frame_hdr table in the target's memory. */
extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip,
					       unw_dyn_info_t *di, unw_proc_info_t *pi,
					       int need_unwind_info, void *arg);

struct ptrace_unwinder {
	pid_t pid;
	unw_addr_space_t as_copy, as_live;
	void *upt;		/* _UPT_create(pid): ELF images and unwind tables */
	/* the vdso, which libunwind-ptrace cannot find a file for: its
	 * .eh_frame_hdr table in the target, from our own identical image */
	bool have_vdso;
	unw_dyn_info_t vdso;
	struct page *pages;	/* direct-mapped cache of target memory */
	const struct ptrace_thread *t;	/* the thread being unwound */
};

/* The unwinder in use: the accessors get _UPT's argument, not ours. */
static struct ptrace_unwinder *cur;

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			  int need_unwind_info, void *upt)
{
	int ret = _UPT_find_proc_info(as, ip, pi, need_unwind_info, upt);

	if (ret < 0 && cur->have_vdso && ip >= cur->vdso.start_ip && ip < cur->vdso.end_ip)
		ret = UNW_OBJ(dwarf_search_unwind_table)(as, ip, &cur->vdso, pi, need_unwind_info,
							 upt);
	return ret;
}

static int acc_find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			      int need_unwind_info, void *arg UNUSED)
{
	return find_proc_info(as, ip, pi, need_unwind_info, cur->upt);
}

static void acc_put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg UNUSED)
{
	_UPT_put_unwind_info(as, pi, cur->upt);
}

static int acc_get_dyn_info_list_addr(unw_addr_space_t as UNUSED, unw_word_t *dil UNUSED,
				      void *arg UNUSED)
{
	/* no dynamically registered unwind info (_U_dyn_register) */
	return -UNW_ENOINFO;
}

static int read_word(struct ptrace_unwinder *pu, uint64_t addr, unw_word_t *val)
{
	uint64_t page = addr & ~(PAGE_SIZE_ - 1), off = addr - page;
	struct page *p = &pu->pages[(page / PAGE_SIZE_) % PAGE_CACHE];

	if (off + sizeof(*val) > PAGE_SIZE_) {
		/* straddles two pages */
		unw_word_t lo, hi;
		unsigned shift = (unsigned)(off - (PAGE_SIZE_ - 8)) * 8;

		if (read_word(pu, page + PAGE_SIZE_ - 8, &lo) ||
		    read_word(pu, page + PAGE_SIZE_, &hi))
			return -UNW_EINVAL;
		*val = (lo >> shift) | (hi << (64 - shift));
		return 0;
	}
	if (p->addr != page || !page) {
		struct iovec local = { p->data, PAGE_SIZE_ };
		struct iovec remote = { (void *)(uintptr_t)page, PAGE_SIZE_ };

		p->addr = page;
		p->bad = process_vm_readv(pu->pid, &local, 1, &remote, 1, 0) != (ssize_t)PAGE_SIZE_;
	}
	if (p->bad)
		return -UNW_EINVAL;
	memcpy(val, p->data + off, sizeof(*val));
	return 0;
}

static int acc_access_mem(unw_addr_space_t as UNUSED, unw_word_t addr, unw_word_t *val, int write,
			  void *arg UNUSED)
{
	const struct ptrace_thread *t = cur->t;
	uint64_t sp = t->regs[7];

	if (write)
		return -UNW_EINVAL;
	if (addr >= sp && t->stack_size >= sizeof(*val) && addr - sp <= t->stack_size - sizeof(*val)) {
		memcpy(val, t->stack + (addr - sp), sizeof(*val));
		return 0;
	}
	/* the stack beyond the copy has changed since the thread ran on:
	 * stop there rather than unwind through what it holds now */
	if (addr >= sp && addr < (t->stack_end ? t->stack_end : sp + STACK_GUESS))
		return -UNW_EINVAL;
	return read_word(cur, addr, val);
}

static int acc_access_reg(unw_addr_space_t as UNUSED, unw_regnum_t reg, unw_word_t *val, int write,
			  void *arg UNUSED)
{
	if (write || reg < 0 || reg >= PTRACE_NREGS || (cur->t->regs_unknown >> reg & 1))
		return -UNW_EBADREG;
	*val = cur->t->regs[reg];
	return 0;
}

static int acc_access_fpreg(unw_addr_space_t as UNUSED, unw_regnum_t reg UNUSED,
			    unw_fpreg_t *val UNUSED, int write UNUSED, void *arg UNUSED)
{
	return -UNW_EBADREG;
}

static int acc_resume(unw_addr_space_t as UNUSED, unw_cursor_t *c UNUSED, void *arg UNUSED)
{
	return -UNW_EINVAL;
}

static int acc_get_proc_name(unw_addr_space_t as UNUSED, unw_word_t addr UNUSED,
			     char *buf UNUSED, size_t len UNUSED, unw_word_t *off UNUSED,
			     void *arg UNUSED)
{
	return -UNW_ENOINFO;	/* names come from libdw (pcinfo.h) */
}

static unw_accessors_t copy_accessors = {
	.find_proc_info = acc_find_proc_info,
	.put_unwind_info = acc_put_unwind_info,
	.get_dyn_info_list_addr = acc_get_dyn_info_list_addr,
	.access_mem = acc_access_mem,
	.access_reg = acc_access_reg,
	.access_fpreg = acc_access_fpreg,
	.resume = acc_resume,
	.get_proc_name = acc_get_proc_name,
};

/* Where the target's [vdso] is mapped. */
static void find_vdso(void *arg, const struct proc_map *m)
{
	uint64_t *range = arg;

	if (!strcmp(m->path, "[vdso]")) {
		range[0] = m->start;
		range[1] = m->end;
	}
}

/*
 * Describes the target's vdso .eh_frame_hdr search table for
 * dwarf_search_unwind_table. The vdso is the same image in every process
 * of this kernel (as space.c also assumes): the layout comes from ours,
 * the addresses are the target's.
 */
static void setup_vdso(struct ptrace_unwinder *pu)
{
	const uint8_t *img = (const uint8_t *)(uintptr_t)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	const Elf64_Phdr *ph;
	uint64_t range[2] = { 0, 0 }, load = UINT64_MAX, hdr = 0;
	const uint8_t *h;
	uint32_t count;
	int i;

	if (!img || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return;
	if (procfs_read_maps(pu->pid, find_vdso, range) || !range[0])
		return;
	ph = (const Elf64_Phdr *)(img + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr < load)
			load = ph[i].p_vaddr;
		if (ph[i].p_type == PT_GNU_EH_FRAME)
			hdr = ph[i].p_vaddr;
	}
	if (!hdr || load == UINT64_MAX)
		return;
	h = img + (hdr - load);
	/* version 1; eh_frame_ptr pcrel|sdata4, fde_count udata4, table
	 * datarel|sdata4: what every linker writes */
	if (h[0] != 1 || h[1] != 0x1b || h[2] != 0x03 || h[3] != 0x3b)
		return;
	memcpy(&count, h + 8, sizeof(count));
	memset(&pu->vdso, 0, sizeof(pu->vdso));
	pu->vdso.format = UNW_INFO_FORMAT_REMOTE_TABLE;
	pu->vdso.start_ip = range[0];
	pu->vdso.end_ip = range[1];
	pu->vdso.u.rti.segbase = range[0] + (hdr - load);
	pu->vdso.u.rti.table_data = pu->vdso.u.rti.segbase + 12;
	pu->vdso.u.rti.table_len = count * 8 / sizeof(unw_word_t);
	pu->have_vdso = true;
}

static int live_find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			       int need_unwind_info, void *arg)
{
	return find_proc_info(as, ip, pi, need_unwind_info, arg);
}

struct ptrace_unwinder *ptrace_unwinder_new(pid_t pid)
{
	struct ptrace_unwinder *pu = xcalloc(1, sizeof(*pu));
	static unw_accessors_t live_accessors;

	pu->pid = pid;
	pu->upt = _UPT_create(pid);
	setup_vdso(pu);
	/* libunwind-ptrace's own, plus the vdso */
	live_accessors = _UPT_accessors;
	live_accessors.find_proc_info = live_find_proc_info;
	pu->as_copy = unw_create_addr_space(&copy_accessors, 0);
	pu->as_live = unw_create_addr_space(&live_accessors, 0);
	if (pu->as_copy)
		unw_set_caching_policy(pu->as_copy, UNW_CACHE_GLOBAL);
	if (pu->as_live)
		unw_set_caching_policy(pu->as_live, UNW_CACHE_GLOBAL);
	pu->pages = xcalloc(PAGE_CACHE, sizeof(*pu->pages));
	return pu;
}

void ptrace_unwinder_free(struct ptrace_unwinder *pu)
{
	if (!pu)
		return;
	if (pu->as_copy)
		unw_destroy_addr_space(pu->as_copy);
	if (pu->as_live)
		unw_destroy_addr_space(pu->as_live);
	if (pu->upt)
		_UPT_destroy(pu->upt);
	free(pu->pages);
	free(pu);
}

static int unwind_cursor(unw_addr_space_t as, void *arg, uint64_t first_pc, uint64_t *pcs, int max,
			 bool *complete)
{
	unw_cursor_t c;
	bool exact = true;
	int n = 0, ret;

	*complete = false;
	if (max < 1)
		return 0;
	if (!as || unw_init_remote(&c, as, arg) < 0) {
		pcs[0] = first_pc;
		return 1;
	}
	for (;;) {
		unw_word_t ip;

		if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0)
			break;
		if (!ip) {
			/* a zero return address ends hand-written stacks */
			*complete = n > 0;
			break;
		}
		if (n >= max)
			break;
		/* return addresses point after the call: look up the call */
		pcs[n++] = exact ? ip : ip - 1;
		exact = unw_is_signal_frame(&c) > 0;
		ret = unw_step(&c);
		if (ret == 0) {
			*complete = true;
			break;
		}
		if (ret < 0)
			break;
	}
	if (!n)
		pcs[n++] = first_pc;
	return n;
}

int ptrace_unwind_copy(struct ptrace_unwinder *pu, const struct ptrace_thread *t,
		       uint64_t *pcs, int max, bool *complete)
{
	int n;

	if (!pu->upt) {
		*complete = false;
		pcs[0] = t->regs[16];
		return max > 0;
	}
	cur = pu;
	pu->t = t;
	n = unwind_cursor(pu->as_copy, pu->upt, t->regs[16], pcs, max, complete);
	cur = NULL;
	return n;
}

int ptrace_unwind_live(struct ptrace_unwinder *pu, const struct ptrace_thread *t,
		       uint64_t *pcs, int max, bool *complete)
{
	void *upt = _UPT_create(t->tid);
	int n;

	if (!upt) {
		*complete = false;
		pcs[0] = t->regs[16];
		return max > 0;
	}
	cur = pu;
	pu->t = t;
	n = unwind_cursor(pu->as_live, upt, t->regs[16], pcs, max, complete);
	cur = NULL;
	_UPT_destroy(upt);
	return n;
}

/* ---- rbp of a thread read asleep ---- */

#define RBP_BIT (1u << 6)
#define GUESS_MAX_FRAMES 1024
#define GUESS_WORDS 4096	/* stack words above the frame tried as rbp */

/* Unwinds pu->t's copy as far as it goes: the number of frames, and the
 * last frame's sp and function start (0 if unknown). */
static int last_frame(struct ptrace_unwinder *pu, uint64_t *sp, uint64_t *start, bool *complete)
{
	unw_cursor_t c;
	int n = 0, ret;

	*complete = false;
	*sp = *start = 0;
	if (unw_init_remote(&c, pu->as_copy, pu->upt) < 0)
		return 0;
	for (;;) {
		unw_proc_info_t pi;
		unw_word_t v;

		n++;
		if (unw_get_reg(&c, UNW_REG_SP, &v) < 0)
			return n;
		*sp = v;
		*start = unw_get_proc_info(&c, &pi) == 0 ? pi.start_ip : 0;
		ret = unw_step(&c);
		if (ret == 0)
			*complete = true;
		if (ret <= 0 || n >= GUESS_MAX_FRAMES)
			return n;
	}
}

#define TAIL_SCAN 4096	/* bytes of a called function searched for a tail call */

/* Whether function fn (as libunwind knows it) jumps to target: a tail call
 * (jmp or a conditional jump, to a split-off part too) that left no frame
 * of its own. */
static bool tail_calls(struct ptrace_unwinder *pu, uint64_t fn, uint64_t target)
{
	unw_proc_info_t pi;
	uint64_t a, end;
	unw_word_t w;

	if (unw_get_proc_info_by_ip(pu->as_copy, fn, &pi, pu->upt) < 0 || pi.start_ip != fn)
		return false;
	end = pi.end_ip < fn + TAIL_SCAN ? pi.end_ip : fn + TAIL_SCAN;
	for (a = fn; a + 5 <= end; a++) {
		uint8_t b[8];
		int32_t rel;

		if (read_word(pu, a, &w))
			return false;
		memcpy(b, &w, 8);
		if (b[0] == 0xe9) {
			memcpy(&rel, b + 1, 4);
			if (a + 5 + (uint64_t)(int64_t)rel == target)
				return true;
		} else if (b[0] == 0x0f && (b[1] & 0xf0) == 0x80) {
			memcpy(&rel, b + 2, 4);
			if (a + 6 + (uint64_t)(int64_t)rel == target)
				return true;
		} else if (b[0] == 0xeb || (b[0] & 0xf0) == 0x70) {
			if (a + 2 + (uint64_t)(int64_t)(int8_t)b[1] == target)
				return true;
		}
	}
	return false;
}

/* Whether the instruction before return address ra is a direct call of
 * target, itself or through a PLT stub ([endbr64] [bnd] jmp *slot(%rip)),
 * or of a function that tail-calls target. */
static bool calls(struct ptrace_unwinder *pu, uint64_t ra, uint64_t target)
{
	unw_word_t w, slot;
	uint8_t b[16];
	uint64_t dest;
	int32_t rel;
	size_t i = 0;

	if (ra < 5 || read_word(pu, ra - 5, &w))
		return false;
	memcpy(b, &w, 8);
	if (b[0] != 0xe8)
		return false;
	memcpy(&rel, b + 1, 4);
	dest = ra + (uint64_t)(int64_t)rel;
	if (dest == target || tail_calls(pu, dest, target))
		return true;
	if (read_word(pu, dest, &w))
		return false;
	memcpy(b, &w, 8);
	if (read_word(pu, dest + 8, &w))
		return false;
	memcpy(b + 8, &w, 8);
	if (b[0] == 0xf3 && b[1] == 0x0f && b[2] == 0x1e && b[3] == 0xfa)
		i = 4;	/* endbr64 */
	if (b[i] == 0xf2)
		i++;	/* bnd */
	if (b[i] != 0xff || b[i + 1] != 0x25)
		return false;
	memcpy(&rel, b + i + 2, 4);
	slot = dest + i + 6 + (uint64_t)(int64_t)rel;
	return !read_word(pu, slot, &w) && (w == target || tail_calls(pu, w, target));
}

bool ptrace_guess_rbp(struct ptrace_unwinder *pu, struct ptrace_thread *t)
{
	uint64_t sp = t->regs[7], end = t->regs[7] + t->stack_size, sp_f, start, a;
	bool complete, found = false;
	int n, tries;

	if (!pu || !pu->upt || !(t->regs_unknown & RBP_BIT) || t->stack_size < 16)
		return false;
	cur = pu;
	pu->t = t;
	n = last_frame(pu, &sp_f, &start, &complete);
	if (n > 0 && !complete && start && sp_f >= sp) {
		a = (sp_f + 7) & ~7ull;
		for (tries = 0; a + 16 <= end && tries < GUESS_WORDS; a += 8, tries++) {
			uint64_t ra, s2, st2;
			bool c2;

			memcpy(&ra, t->stack + (a + 8 - sp), 8);
			if (!calls(pu, ra, start))
				continue;
			t->regs[6] = a;
			t->regs_unknown &= ~RBP_BIT;
			if (last_frame(pu, &s2, &st2, &c2) > n && c2) {
				found = true;
				break;
			}
			t->regs[6] = 0;
			t->regs_unknown |= RBP_BIT;
		}
	}
	t->rbp_found = found;
	cur = NULL;
	return found;
}
