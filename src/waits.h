/* waits.h - what threads wait on: off-CPU intervals, system call latency
 * and I/O per descriptor, built from the sampler's --waits events
 *
 * Fed in time order (the sampler sorts each drain): a thread's switch-out
 * (with the stack node it blocked in) and its next switch-in make one
 * off-CPU interval; sys_enter/sys_exit pairs make one call, whose latency
 * goes into a per (thread, call) histogram, whose descriptor (for calls on
 * one) is resolved through /proc to a file, socket or pipe, and whose
 * blocking stack is remembered for the slow-call table.
 */
#ifndef HOTSTACK_WAITS_H
#define HOTSTACK_WAITS_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* Latency histogram: bucket b holds [2^(b/8), 2^((b+1)/8)) ns. */
#define WAITS_BUCKETS_PER_OCTAVE 8
int waits_bucket(uint64_t ns);
/* The geometric middle of a bucket, in ns. */
double waits_bucket_ns(int bucket);

struct wait_interval {
	uint32_t tid;
	int kind;		/* KIND_OFFCPU (blocked) or KIND_RUNQUEUE (preempted) */
	int64_t node;		/* stack when it left the CPU; 0 if unknown */
	uint64_t start, end;
};

struct waits;

struct waits *waits_new(void);
void waits_free(struct waits *w);
/* A thread left the CPU (prev_state 0: it was preempted, still runnable). */
void waits_switch_out(struct waits *w, uint32_t pid, uint32_t tid, uint64_t time, int64_t node,
		      int64_t prev_state);
/* The switch-out of a thread completed at time: its off-CPU time starts
 * here, not at the switch-out sample (whose stack copy still ran on the
 * CPU and is counted as CPU time). */
void waits_switch_done(struct waits *w, uint32_t tid, uint64_t time);
/* A thread got a CPU again: true and *out if this ends an interval. A
 * thread first seen here was off-CPU since since_ns (e.g. the start of an
 * attach): that interval is reported with node 0. */
bool waits_switch_in(struct waits *w, uint32_t tid, uint64_t time, uint64_t since_ns,
		     struct wait_interval *out);
/*
 * A thread found asleep when the recording attached (blocked.h), its stack
 * read at read_ns without stopping it: it is off-CPU since since_ns in
 * node. Its next switch-in ends that interval there; a switch-in stamped
 * before read_ns means it woke before it was read (the stack read may be
 * of a later sleep): that interval gets node 0 (unknown). An event of the
 * thread's own (switch-out) replaces this.
 */
void waits_blocked(struct waits *w, uint32_t pid, uint32_t tid, uint64_t since_ns,
		   uint64_t read_ns, int64_t node);
void waits_sys_enter(struct waits *w, uint32_t pid, uint32_t tid, uint64_t time, int64_t nr,
		     const uint64_t *args);
void waits_sys_exit(struct waits *w, uint32_t pid, uint32_t tid, uint64_t time, int64_t nr,
		    int64_t ret);
/* A thread ended: an interval still open is dropped (it was its exit). */
void waits_thread_exit(struct waits *w, uint32_t tid);
/* Closes the intervals of threads still off-CPU at end; calls cb for each. */
void waits_close_all(struct waits *w, uint64_t end,
		     void (*cb)(void *arg, const struct wait_interval *iv), void *arg);
/* Resolves the descriptors of the calls seen since the last time: call it
 * after each drain, while their processes still hold them. */
void waits_resolve(struct waits *w);
/* Writes the call and I/O tables gathered since the last flush; inside a
 * transaction. */
int waits_flush(struct waits *w, struct store *st);
/* Calls seen so far. */
uint64_t waits_syscalls(const struct waits *w);

#endif
