/* threads.h - processes and threads of a recording with their CPU and
 * off-CPU time: the query behind the UI's threads view
 *
 * threads_load() reads the threads and processes tables and streams the
 * samples of each kind (cpu, offcpu, runqueue) once, within the filter's
 * time range (its kind, thread and module are ignored: the view lists every
 * thread). Threads that have samples but no threads row are listed too
 * (pid 0, name ""). Times are the samples' weights: sampled CPU time for
 * cpu, time blocked for offcpu, time runnable but waiting for a CPU for
 * runqueue (the last two only in --waits recordings).
 */
#ifndef HOTSTACK_THREADS_H
#define HOTSTACK_THREADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

struct threads_thread {
	int tid, pid;
	char *name;			/* never NULL; raw, sanitize to print */
	int64_t start_ns, end_ns;	/* from the start; -1 unknown / still running */
	struct profile_value cpu, offcpu, runqueue;
	int process;			/* index into procs, -1 if no row */
};

struct threads_process {
	int pid, ppid;
	char *name, *exe;		/* never NULL */
	struct profile_value cpu, offcpu, runqueue;	/* sums of its threads */
	size_t nthreads;
};

struct threads_table {
	struct threads_thread *threads;	/* in tid order */
	size_t nthreads;
	struct threads_process *procs;	/* in pid order */
	size_t nprocs;
	struct profile_value cpu, offcpu, runqueue;	/* all threads */
};

/* Returns 0, or a negative errno with a one-line *errmsg (malloc'd). */
int threads_load(struct store *st, const struct profile_filter *f, struct threads_table **out,
		 char **errmsg);
void threads_free(struct threads_table *t);

enum threads_sort {
	THREADS_SORT_CPU,	/* cpu time desc, then tid */
	THREADS_SORT_OFFCPU,	/* off-CPU time desc, then tid */
	THREADS_SORT_TID,
	THREADS_SORT_NAME,	/* name, then tid */
};
/* Indices into threads, sorted; malloc'd *out; returns the count. */
size_t threads_sorted(const struct threads_table *t, enum threads_sort sort, int **out);
/* The index of thread tid, or -1. */
int threads_find(const struct threads_table *t, int tid);

#endif
