/* threads.c - processes and threads with their CPU and off-CPU time */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "threads.h"
#include "util.h"

struct th_load {
	struct threads_table *t;
	size_t cap_threads, cap_procs;
	int kind;
	int last;		/* index of the last tid looked up */
	bool sorted;		/* threads still in tid order */
};

static struct threads_thread *add_thread(struct th_load *l, int tid, int pid, const char *name)
{
	struct threads_table *t = l->t;
	struct threads_thread *th;

	xgrow(&t->threads, &l->cap_threads, t->nthreads + 1, sizeof(*t->threads));
	if (t->nthreads && t->threads[t->nthreads - 1].tid >= tid)
		l->sorted = false;
	th = &t->threads[t->nthreads++];
	memset(th, 0, sizeof(*th));
	th->tid = tid;
	th->pid = pid;
	th->name = xstrdup(name ? name : "");
	th->start_ns = th->end_ns = -1;
	th->process = -1;
	return th;
}

static int cmp_threads_tid(const void *a, const void *b)
{
	const struct threads_thread *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

int threads_find(const struct threads_table *t, int tid)
{
	size_t lo = 0, hi = t->nthreads;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->threads[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nthreads && t->threads[lo].tid == tid ? (int)lo : -1;
}

static int th_row(void *arg, int tid, int pid, const char *name, int64_t samples UNUSED)
{
	struct th_load *l = arg;

	add_thread(l, tid, pid, name);
	return 0;
}

static int th_time(void *arg, const int64_t *ints, const char *const *texts UNUSED)
{
	struct th_load *l = arg;
	int i = threads_find(l->t, (int)ints[0]);

	if (i >= 0) {
		l->t->threads[i].start_ns = ints[2];
		l->t->threads[i].end_ns = ints[3];
	}
	return 0;
}

static struct profile_value *kind_value(struct threads_thread *th, int kind)
{
	return kind == KIND_OFFCPU ? &th->offcpu : kind == KIND_RUNQUEUE ? &th->runqueue : &th->cpu;
}

static int th_sample(void *arg, int64_t slice UNUSED, int tid, int64_t node_id UNUSED,
		     int64_t count, int64_t weight_ns)
{
	struct th_load *l = arg;
	struct threads_table *t = l->t;
	struct profile_value *v;

	if (count < 0 || weight_ns < 0)
		return 0;
	if (l->last < 0 || (size_t)l->last >= t->nthreads || t->threads[l->last].tid != tid) {
		l->last = threads_find(t, tid);
		if (l->last < 0) {
			add_thread(l, tid, 0, NULL);
			qsort(t->threads, t->nthreads, sizeof(*t->threads), cmp_threads_tid);
			l->last = threads_find(t, tid);
		}
	}
	v = kind_value(&t->threads[l->last], l->kind);
	v->count += (uint64_t)count;
	v->weight_ns += (uint64_t)weight_ns;
	return 0;
}

static int th_process(void *arg, int pid, int ppid, const char *name, const char *exe)
{
	struct th_load *l = arg;
	struct threads_process *pr;

	xgrow(&l->t->procs, &l->cap_procs, l->t->nprocs + 1, sizeof(*l->t->procs));
	pr = &l->t->procs[l->t->nprocs++];
	memset(pr, 0, sizeof(*pr));
	pr->pid = pid;
	pr->ppid = ppid;
	pr->name = xstrdup(name ? name : "");
	pr->exe = xstrdup(exe ? exe : "");
	return 0;
}

static void value_add(struct profile_value *dst, const struct profile_value *v)
{
	dst->count += v->count;
	dst->weight_ns += v->weight_ns;
}

static int cmp_procs(const void *a, const void *b)
{
	const struct threads_process *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Link threads to processes and sum. */
static void link_procs(struct threads_table *t)
{
	size_t i;

	qsort(t->procs, t->nprocs, sizeof(*t->procs), cmp_procs);
	for (i = 0; i < t->nthreads; i++) {
		struct threads_thread *th = &t->threads[i];
		size_t lo = 0, hi = t->nprocs;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (t->procs[mid].pid < th->pid)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (th->pid > 0 && lo < t->nprocs && t->procs[lo].pid == th->pid) {
			struct threads_process *pr = &t->procs[lo];

			th->process = (int)lo;
			pr->nthreads++;
			value_add(&pr->cpu, &th->cpu);
			value_add(&pr->offcpu, &th->offcpu);
			value_add(&pr->runqueue, &th->runqueue);
		}
		value_add(&t->cpu, &th->cpu);
		value_add(&t->offcpu, &th->offcpu);
		value_add(&t->runqueue, &th->runqueue);
	}
}

int threads_load(struct store *st, const struct profile_filter *f, struct threads_table **out,
		 char **errmsg)
{
	static const int kinds[] = { KIND_CPU, KIND_OFFCPU, KIND_RUNQUEUE };
	struct profile_filter sel = PROFILE_FILTER_INIT;
	struct th_load l;
	const char *what = "threads";
	size_t k;
	int ret;

	*out = NULL;
	*errmsg = NULL;
	memset(&l, 0, sizeof(l));
	l.t = xcalloc(1, sizeof(*l.t));
	l.sorted = true;
	l.last = -1;
	if (f) {
		sel.slice_lo = f->slice_lo;
		sel.slice_hi = f->slice_hi;
	}
	ret = store_each_thread(st, KIND_CPU, th_row, &l);
	if (!l.sorted)		/* not what the store promises; cope */
		qsort(l.t->threads, l.t->nthreads, sizeof(*l.t->threads), cmp_threads_tid);
	if (!ret)
		ret = store_each_thread_time(st, th_time, &l);
	if (!ret) {
		what = "processes";
		ret = store_each_process(st, th_process, &l);
	}
	for (k = 0; k < ARRAY_SIZE(kinds) && !ret; k++) {
		what = "samples";
		sel.kind = l.kind = kinds[k];
		l.last = -1;
		ret = profile_filter_each_thread(st, &sel, th_sample, &l);
	}
	if (ret) {
		*errmsg = xasprintf("cannot read the %s of '%s': %s", what,
				    sanitized(store_path(st)), store_last_error(st));
		threads_free(l.t);
		return ret < 0 ? ret : -EIO;
	}
	link_procs(l.t);
	*out = l.t;
	return 0;
}

void threads_free(struct threads_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nthreads; i++)
		free(t->threads[i].name);
	for (i = 0; i < t->nprocs; i++) {
		free(t->procs[i].name);
		free(t->procs[i].exe);
	}
	free(t->threads);
	free(t->procs);
	free(t);
}

struct th_sort {
	const struct threads_table *t;
	enum threads_sort key;
};

static int cmp_sorted(const void *a, const void *b, void *arg)
{
	const struct th_sort *s = arg;
	const struct threads_thread *x = &s->t->threads[*(const int *)a];
	const struct threads_thread *y = &s->t->threads[*(const int *)b];
	int c = 0;

	switch (s->key) {
	case THREADS_SORT_CPU:
		c = x->cpu.weight_ns > y->cpu.weight_ns ? -1 : x->cpu.weight_ns < y->cpu.weight_ns;
		if (!c)
			c = x->cpu.count > y->cpu.count ? -1 : x->cpu.count < y->cpu.count;
		break;
	case THREADS_SORT_OFFCPU:
		c = x->offcpu.weight_ns > y->offcpu.weight_ns ? -1 :
		    x->offcpu.weight_ns < y->offcpu.weight_ns;
		break;
	case THREADS_SORT_NAME:
		c = strcmp(x->name, y->name);
		break;
	case THREADS_SORT_TID:
		break;
	}
	return c ? c : x->tid < y->tid ? -1 : x->tid > y->tid;
}

size_t threads_sorted(const struct threads_table *t, enum threads_sort sort, int **out)
{
	struct th_sort s = { t, sort };
	int *idx = xmalloc((t->nthreads ? t->nthreads : 1) * sizeof(*idx));
	size_t i;

	for (i = 0; i < t->nthreads; i++)
		idx[i] = (int)i;
	qsort_r(idx, t->nthreads, sizeof(*idx), cmp_sorted, &s);
	*out = idx;
	return t->nthreads;
}
