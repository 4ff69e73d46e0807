/* waits.c - off-CPU intervals, system call latency and I/O per descriptor */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "procfs.h"
#include "syscalls.h"
#include "waits.h"
#include "util.h"

#define MAX_BUCKETS (64 * WAITS_BUCKETS_PER_OCTAVE)

struct thread_wait {
	uint32_t pid, tid;
	/* off-CPU */
	bool off;
	uint64_t off_since;
	int64_t off_node;
	int off_kind;
	uint64_t read_ns;	/* waits_blocked: when off_node was read, else 0 */
	/* the system call in progress */
	bool in_call;
	int64_t nr;
	uint64_t call_start;
	int fd;			/* -1: not a call on a descriptor */
	int64_t block_node;	/* where the call blocked first, 0 if it did not */
};

/* Per (tid, nr) call statistics since the last flush. */
struct call_stats {
	uint32_t tid;
	int64_t nr;
	uint64_t count, errors, total_ns, max_ns;
	uint32_t hist[MAX_BUCKETS];
	int min_bucket, max_bucket;
};

struct error_count {
	uint32_t tid;
	int64_t nr;
	int err;
	uint64_t count;
};

struct stack_stats {
	uint32_t tid;
	int64_t nr, node;
	uint64_t count, total_ns;
};

struct io_stats {
	uint32_t tid;
	char *target;
	const char *kind;
	uint64_t calls, bytes_read, bytes_written, wait_ns;
};

/* A descriptor of a process: its generation counts the closes and reuses
 * of the number; target is its resolution for the current generation. */
struct fd_entry {
	uint32_t gen;
	char *target;
	const char *kind;
	/* what the previous generation was, if it had been resolved: calls
	 * made just before a close still get their target */
	char *old_target;
	const char *old_kind;
};

/* Calls on one descriptor generation, waiting for the end of the drain to
 * be resolved through /proc (if it is still open then, it is the same
 * object: events are handled in time order and the drain is recent). */
struct io_pending {
	uint32_t tid, pid;
	int fd;
	uint32_t gen;
	uint64_t calls, bytes_read, bytes_written, wait_ns;
};

struct waits {
	struct hashmap thread_index;
	struct thread_wait *threads;
	size_t nthreads, threads_cap;

	struct hashmap call_index, error_index, stack_index, io_index, fd_index;
	struct call_stats *calls;
	size_t ncalls, calls_cap;
	struct error_count *errors;
	size_t nerrors, errors_cap;
	struct stack_stats *stacks;
	size_t nstacks, stacks_cap;
	struct io_stats *io;
	size_t nio, io_cap;
	struct fd_entry *fds;
	size_t nfds, fds_cap;
	struct hashmap pending_index;
	struct io_pending *pending;
	size_t npending, pending_cap;
	uint64_t total_calls;
	long nr_close, nr_dup2, nr_dup3;
};

int waits_bucket(uint64_t ns)
{
	int b;

	if (ns < 1)
		return 0;
	b = (int)floor(log2((double)ns) * WAITS_BUCKETS_PER_OCTAVE);
	return b < 0 ? 0 : b >= MAX_BUCKETS ? MAX_BUCKETS - 1 : b;
}

double waits_bucket_ns(int bucket)
{
	return exp2(((double)bucket + 0.5) / WAITS_BUCKETS_PER_OCTAVE);
}

struct waits *waits_new(void)
{
	struct waits *w = xcalloc(1, sizeof(*w));

	hashmap_init(&w->thread_index);
	hashmap_init(&w->call_index);
	hashmap_init(&w->error_index);
	hashmap_init(&w->stack_index);
	hashmap_init(&w->io_index);
	hashmap_init(&w->fd_index);
	hashmap_init(&w->pending_index);
	w->nr_close = syscall_number("close");
	w->nr_dup2 = syscall_number("dup2");
	w->nr_dup3 = syscall_number("dup3");
	return w;
}

static void clear_io(struct waits *w)
{
	size_t i;

	for (i = 0; i < w->nio; i++)
		free(w->io[i].target);
	w->nio = 0;
	hashmap_clear(&w->io_index);
}

void waits_free(struct waits *w)
{
	size_t i;

	if (!w)
		return;
	clear_io(w);
	for (i = 0; i < w->nfds; i++) {
		free(w->fds[i].target);
		free(w->fds[i].old_target);
	}
	hashmap_release(&w->thread_index);
	hashmap_release(&w->call_index);
	hashmap_release(&w->error_index);
	hashmap_release(&w->stack_index);
	hashmap_release(&w->io_index);
	hashmap_release(&w->fd_index);
	hashmap_release(&w->pending_index);
	free(w->pending);
	free(w->threads);
	free(w->calls);
	free(w->errors);
	free(w->stacks);
	free(w->io);
	free(w->fds);
	free(w);
}

static struct thread_wait *thread_get(struct waits *w, uint32_t pid, uint32_t tid, bool *is_new)
{
	uint64_t idx = w->nthreads;
	struct thread_wait *t;

	if (hashmap_get_or_put(&w->thread_index, &tid, sizeof(tid), &idx)) {
		*is_new = false;
		t = &w->threads[idx];
		if (pid)
			t->pid = pid;
		return t;
	}
	*is_new = true;
	xgrow(&w->threads, &w->threads_cap, w->nthreads + 1, sizeof(*w->threads));
	t = &w->threads[w->nthreads++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->tid = tid;
	t->fd = -1;
	return t;
}

void waits_switch_out(struct waits *w, uint32_t pid, uint32_t tid, uint64_t time, int64_t node,
		      int64_t prev_state)
{
	bool is_new;
	struct thread_wait *t = thread_get(w, pid, tid, &is_new);

	t->off = true;
	t->off_since = time;
	t->off_node = node;
	t->read_ns = 0;
	/* TASK_RUNNING (0) means preempted; TASK_REPORT_MAX-style flags
	 * (e.g. 0x100 for a preempted task on some kernels) are runnable too */
	t->off_kind = (prev_state & 0xff) == 0 ? KIND_RUNQUEUE : KIND_OFFCPU;
	if (t->in_call && !t->block_node && t->off_kind == KIND_OFFCPU)
		t->block_node = node;
}

void waits_switch_done(struct waits *w, uint32_t tid, uint64_t time)
{
	bool is_new;
	struct thread_wait *t = thread_get(w, 0, tid, &is_new);

	if (t->off && time > t->off_since)
		t->off_since = time;
}

bool waits_switch_in(struct waits *w, uint32_t tid, uint64_t time, uint64_t since_ns,
		     struct wait_interval *out)
{
	bool is_new;
	struct thread_wait *t = thread_get(w, 0, tid, &is_new);

	if (!t->off) {
		/* off-CPU since before we looked: its stack is unknown */
		if (!is_new || !since_ns || time <= since_ns)
			return false;
		t->off_since = since_ns;
		t->off_node = 0;
		t->off_kind = KIND_OFFCPU;
	}
	/* woke before its stack was read: that stack may be a later one */
	if (t->read_ns && time < t->read_ns)
		t->off_node = 0;
	t->read_ns = 0;
	t->off = false;
	if (time <= t->off_since)
		return false;
	out->tid = tid;
	out->kind = t->off_kind;
	out->node = t->off_node;
	out->start = t->off_since;
	out->end = time;
	return true;
}

void waits_blocked(struct waits *w, uint32_t pid, uint32_t tid, uint64_t since_ns,
		   uint64_t read_ns, int64_t node)
{
	bool is_new;
	struct thread_wait *t = thread_get(w, pid, tid, &is_new);

	t->off = true;
	t->off_since = since_ns;
	t->off_node = node;
	t->off_kind = KIND_OFFCPU;
	t->read_ns = read_ns;
}

void waits_thread_exit(struct waits *w, uint32_t tid)
{
	bool is_new;
	struct thread_wait *t = thread_get(w, 0, tid, &is_new);

	t->off = false;
	t->in_call = false;
}

void waits_close_all(struct waits *w, uint64_t end,
		     void (*cb)(void *arg, const struct wait_interval *iv), void *arg)
{
	size_t i;

	for (i = 0; i < w->nthreads; i++) {
		struct thread_wait *t = &w->threads[i];
		struct wait_interval iv;

		if (!t->off || end <= t->off_since)
			continue;
		iv.tid = t->tid;
		iv.kind = t->off_kind;
		iv.node = t->off_node;
		iv.start = t->off_since;
		iv.end = end;
		t->off = false;
		cb(arg, &iv);
	}
}

/* ---- descriptors ---- */

static struct fd_entry *fd_get(struct waits *w, uint32_t pid, int fd)
{
	uint64_t key[2] = { pid, (uint64_t)(uint32_t)fd }, idx = w->nfds;

	if (!hashmap_get_or_put(&w->fd_index, key, sizeof(key), &idx)) {
		xgrow(&w->fds, &w->fds_cap, w->nfds + 1, sizeof(*w->fds));
		memset(&w->fds[w->nfds++], 0, sizeof(*w->fds));
	}
	return &w->fds[idx];
}

/* The number fd of pid now means something else (closed, reused). */
static void fd_forget(struct waits *w, uint32_t pid, int fd)
{
	struct fd_entry *e = fd_get(w, pid, fd);

	e->gen++;
	free(e->old_target);
	e->old_target = e->target;
	e->old_kind = e->kind;
	e->target = NULL;
}

/* Resolves the current generation of a descriptor through /proc. */
static struct fd_entry *fd_resolve(struct waits *w, uint32_t pid, int fd)
{
	struct fd_entry *e = fd_get(w, pid, fd);
	char buf[512];
	const char *kind;

	if (e->target)
		return e;
	kind = procfs_fd_target((pid_t)pid, fd, buf, sizeof(buf));
	if (!kind) {
		/* the process is gone */
		snprintf(buf, sizeof(buf), "fd %d", fd);
		kind = "unknown";
	}
	e->target = xstrdup(buf);
	e->kind = kind;
	return e;
}

/* ---- calls ---- */

void waits_sys_enter(struct waits *w, uint32_t pid, uint32_t tid, uint64_t time, int64_t nr,
		     const uint64_t *args)
{
	bool is_new;
	struct thread_wait *t = thread_get(w, pid, tid, &is_new);
	int fd_arg = 0;

	t->in_call = true;
	t->nr = nr;
	t->call_start = time;
	t->block_node = 0;
	t->fd = -1;
	if (syscall_fd_io(nr, &fd_arg) != FD_IO_NONE && (int64_t)args[fd_arg] >= 0 &&
	    args[fd_arg] < (1u << 30))
		t->fd = (int)args[fd_arg];
	/* the descriptor's meaning ends with close/dup2 onto it */
	if (nr == w->nr_close)
		fd_forget(w, pid, (int)args[0]);
	else if (nr == w->nr_dup2 || nr == w->nr_dup3)
		fd_forget(w, pid, (int)args[1]);
}

static struct call_stats *call_get(struct waits *w, uint32_t tid, int64_t nr)
{
	int64_t key[2] = { tid, nr };
	uint64_t idx = w->ncalls;
	struct call_stats *c;

	if (hashmap_get_or_put(&w->call_index, key, sizeof(key), &idx))
		return &w->calls[idx];
	xgrow(&w->calls, &w->calls_cap, w->ncalls + 1, sizeof(*w->calls));
	c = &w->calls[w->ncalls++];
	memset(c, 0, sizeof(*c));
	c->tid = tid;
	c->nr = nr;
	c->min_bucket = MAX_BUCKETS;
	c->max_bucket = -1;
	return c;
}

static void count_error(struct waits *w, uint32_t tid, int64_t nr, int err)
{
	int64_t key[3] = { tid, nr, err };
	uint64_t idx = w->nerrors;

	if (!hashmap_get_or_put(&w->error_index, key, sizeof(key), &idx)) {
		xgrow(&w->errors, &w->errors_cap, w->nerrors + 1, sizeof(*w->errors));
		w->errors[w->nerrors++] = (struct error_count){ tid, nr, err, 0 };
	}
	w->errors[idx].count++;
}

static void count_stack(struct waits *w, uint32_t tid, int64_t nr, int64_t node, uint64_t ns)
{
	int64_t key[3] = { tid, nr, node };
	uint64_t idx = w->nstacks;

	if (!hashmap_get_or_put(&w->stack_index, key, sizeof(key), &idx)) {
		xgrow(&w->stacks, &w->stacks_cap, w->nstacks + 1, sizeof(*w->stacks));
		w->stacks[w->nstacks++] = (struct stack_stats){ tid, nr, node, 0, 0 };
	}
	w->stacks[idx].count++;
	w->stacks[idx].total_ns += ns;
}

static void count_io(struct waits *w, struct thread_wait *t, enum fd_io io, int64_t ret,
		     uint64_t ns)
{
	uint32_t gen = fd_get(w, t->pid, t->fd)->gen;
	uint64_t key[3] = { t->tid, (uint64_t)(uint32_t)t->fd, gen }, idx = w->npending;
	struct io_pending *p;

	if (!hashmap_get_or_put(&w->pending_index, key, sizeof(key), &idx)) {
		xgrow(&w->pending, &w->pending_cap, w->npending + 1, sizeof(*w->pending));
		p = &w->pending[w->npending++];
		memset(p, 0, sizeof(*p));
		p->tid = t->tid;
		p->pid = t->pid;
		p->fd = t->fd;
		p->gen = gen;
	}
	p = &w->pending[idx];
	p->calls++;
	p->wait_ns += ns;
	if (ret > 0 && io == FD_IO_READ)
		p->bytes_read += (uint64_t)ret;
	else if (ret > 0 && io == FD_IO_WRITE)
		p->bytes_written += (uint64_t)ret;
}

void waits_resolve(struct waits *w)
{
	struct strbuf key = STRBUF_INIT;
	size_t i;

	for (i = 0; i < w->npending; i++) {
		struct io_pending *p = &w->pending[i];
		struct fd_entry *e = fd_get(w, p->pid, p->fd);
		char closed[64];
		const char *target, *kind;
		uint64_t idx = w->nio;
		struct io_stats *s;

		if (e->gen == p->gen) {
			e = fd_resolve(w, p->pid, p->fd);
			target = e->target;
			kind = e->kind;
		} else if (e->gen == p->gen + 1 && e->old_target) {
			target = e->old_target;
			kind = e->old_kind;
		} else {
			/* closed (or replaced) before this drain: no longer in /proc */
			snprintf(closed, sizeof(closed), "fd %d (closed)", p->fd);
			target = closed;
			kind = "unknown";
		}
		strbuf_reset(&key);
		strbuf_add(&key, (const char *)&p->tid, sizeof(p->tid));
		strbuf_adds(&key, target);
		if (!hashmap_get_or_put(&w->io_index, key.buf, key.len, &idx)) {
			xgrow(&w->io, &w->io_cap, w->nio + 1, sizeof(*w->io));
			s = &w->io[w->nio++];
			memset(s, 0, sizeof(*s));
			s->tid = p->tid;
			s->target = xstrdup(target);
			s->kind = kind;
		}
		s = &w->io[idx];
		s->calls += p->calls;
		s->bytes_read += p->bytes_read;
		s->bytes_written += p->bytes_written;
		s->wait_ns += p->wait_ns;
	}
	strbuf_release(&key);
	w->npending = 0;
	hashmap_clear(&w->pending_index);
}

void waits_sys_exit(struct waits *w, uint32_t pid, uint32_t tid, uint64_t time, int64_t nr,
		    int64_t ret)
{
	bool is_new;
	struct thread_wait *t = thread_get(w, pid, tid, &is_new);
	struct call_stats *c;
	uint64_t ns;
	int b, fd_arg;
	enum fd_io io;

	/* an exit without its enter (the recording began inside the call) */
	if (!t->in_call || t->nr != nr || time < t->call_start) {
		t->in_call = false;
		return;
	}
	t->in_call = false;
	ns = time - t->call_start;
	w->total_calls++;
	c = call_get(w, tid, nr);
	c->count++;
	c->total_ns += ns;
	if (ns > c->max_ns)
		c->max_ns = ns;
	b = waits_bucket(ns);
	c->hist[b]++;
	if (b < c->min_bucket)
		c->min_bucket = b;
	if (b > c->max_bucket)
		c->max_bucket = b;
	if (ret < 0 && ret >= -4095) {
		c->errors++;
		count_error(w, tid, nr, (int)-ret);
	}
	if (t->block_node)
		count_stack(w, tid, nr, t->block_node, ns);
	io = syscall_fd_io(nr, &fd_arg);
	if (io != FD_IO_NONE && t->fd >= 0)
		count_io(w, t, io, ret, ns);
	/* a new descriptor (open, socket, accept, dup...) may reuse a number */
	if (ret >= 0 && ret < (1 << 30) && syscall_returns_fd((long)nr))
		fd_forget(w, pid, (int)ret);
}

uint64_t waits_syscalls(const struct waits *w)
{
	return w->total_calls;
}

int waits_flush(struct waits *w, struct store *st)
{
	size_t i;
	int err = 0, b;

	waits_resolve(w);
	for (i = 0; i < w->ncalls && !err; i++) {
		struct call_stats *c = &w->calls[i];
		const char *name = syscall_name((long)c->nr);
		char fallback[32];

		if (!name) {
			snprintf(fallback, sizeof(fallback), "syscall_%lld", (long long)c->nr);
			name = fallback;
		}
		err = store_add_syscall(st, (int)c->tid, c->nr, name, (int64_t)c->count,
					(int64_t)c->errors, (int64_t)c->total_ns, (int64_t)c->max_ns);
		for (b = c->min_bucket; b <= c->max_bucket && !err; b++)
			if (c->hist[b])
				err = store_add_syscall_latency(st, (int)c->tid, c->nr, b, c->hist[b]);
	}
	for (i = 0; i < w->nerrors && !err; i++)
		err = store_add_syscall_error(st, (int)w->errors[i].tid, w->errors[i].nr,
					      w->errors[i].err, (int64_t)w->errors[i].count);
	for (i = 0; i < w->nstacks && !err; i++)
		err = store_add_syscall_stack(st, (int)w->stacks[i].tid, w->stacks[i].nr,
					      w->stacks[i].node, (int64_t)w->stacks[i].count,
					      (int64_t)w->stacks[i].total_ns);
	for (i = 0; i < w->nio && !err; i++) {
		struct io_stats *s = &w->io[i];

		err = store_add_io(st, (int)s->tid, s->target, s->kind, (int64_t)s->calls,
				   (int64_t)s->bytes_read, (int64_t)s->bytes_written,
				   (int64_t)s->wait_ns);
	}
	w->ncalls = w->nerrors = w->nstacks = 0;
	hashmap_clear(&w->call_index);
	hashmap_clear(&w->error_index);
	hashmap_clear(&w->stack_index);
	clear_io(w);
	return err;
}
