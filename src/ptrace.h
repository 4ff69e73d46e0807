/* ptrace.h - brief ptrace stops of a live process's threads: copy each
 * thread's registers and user stack, resume it, unwind the copies with
 * libunwind-ptrace
 *
 * A capture (ptrace_capture) goes like this:
 *  1. Every asynchronous signal is blocked in hotstack (SIGINT, SIGTERM,
 *     SIGHUP, SIGTSTP, SIGCHLD, ...), so that neither a handler nor a
 *     terminal stop runs while a thread of the target is stopped; they are
 *     handled when the mask is restored, after the last detach. SIGKILL
 *     cannot be blocked, but then the kernel detaches hotstack's tracees
 *     itself: with PTRACE_SEIZE (no SIGSTOP is ever sent) they run on.
 *  2. PTRACE_SEIZE and PTRACE_INTERRUPT every thread, then wait for the
 *     stops with waitid(WNOWAIT) woken by SIGCHLD (sigtimedwait), so that
 *     nothing is reaped by accident: the exit status of a launched child
 *     stays for its parent's waitpid().
 *  3. For each stopped thread, once it was held hold_us or every thread is
 *     stopped: PTRACE_GETREGS, process_vm_readv of its stack from sp, the
 *     optional live callback, and PTRACE_DETACH, which re-delivers a
 *     signal the thread was stopped at (a group stop is kept: a stopped
 *     process stays stopped). Where permitted the window runs at real-time
 *     priority (ptrace_prio_raise), so that resumed threads cannot delay
 *     the rest.
 * Threads that exit meanwhile are reported gone; threads that do not stop
 * within the timeout (uninterruptible sleep) are released as soon as they
 * stop (ptrace_release_pending), or by the kernel when hotstack exits.
 *
 * Stop times are measured per thread from its PTRACE_INTERRUPT to its
 * PTRACE_DETACH, and per capture from the first interrupt to the last
 * detach (the window).
 *
 * Library rule: functions return 0 or a negative errno and never exit.
 * Not thread-safe (signal mask, static unwinding context).
 */
#ifndef HOTSTACK_PTRACE_H
#define HOTSTACK_PTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <sched.h>
#include <stdint.h>
#include <sys/types.h>

#include "sampler.h"

#define PTRACE_HOLD_ALL UINT32_MAX
#define PTRACE_NREGS SAMPLER_NREGS	/* DWARF order: rax rdx rcx rbx rsi rdi rbp rsp
					 * r8..r15 rip */

enum capture_result {
	CAPTURE_OK,		/* stopped; registers and stack copied */
	CAPTURE_GONE,		/* exited before it stopped */
	CAPTURE_ZOMBIE,		/* exited, not yet reaped (e.g. a main thread that
				 * called pthread_exit while others run on) */
	CAPTURE_TIMEOUT,	/* did not stop within the timeout (uninterruptible
				 * sleep): see ptrace_release_pending() */
	CAPTURE_FAILED,		/* err says why: -EPERM not permitted or already
				 * traced, ... */
};

struct ptrace_thread {
	pid_t tid;
	enum capture_result result;
	int err;			/* -errno for CAPTURE_FAILED */
	uint64_t regs[PTRACE_NREGS];	/* DWARF order */
	uint64_t orig_rax;		/* the system call number, or -1 */
	uint8_t *stack;			/* copy of [regs[7], regs[7] + stack_size) */
	size_t stack_size;
	size_t stack_cap;		/* allocated (owned by the thread record) */
	uint64_t stack_end;		/* end of the stack's mapping, 0 if unknown */
	int signal;			/* a signal it was stopped at, re-delivered */
	uint64_t time;			/* CLOCK_MONOTONIC when the regs were read */
	uint64_t stop_latency_ns;	/* PTRACE_INTERRUPT to the observed stop */
	/* With ptrace_opts.check_on_cpu: the thread was on a CPU when it was
	 * interrupted (it was not scheduled in again before it stopped), so
	 * its registers show where it ran at that instant. A runnable thread
	 * waiting for a CPU stops only once it gets one, at the point where it
	 * was preempted (often a system call return): sampling those would
	 * favour preemption points under CPU contention. */
	bool on_cpu;
	uint64_t stop_ns;		/* PTRACE_INTERRUPT to PTRACE_DETACH */
	/* Read without a stop while it slept in the kernel (ptrace_opts.nostop,
	 * blocked.h): regs hold sp, pc and the system call registers only, the
	 * others are 0 and marked in regs_unknown (bit i: regs[i] is not
	 * known; 0 for a stopped thread); stop_ns and stop_latency_ns are 0. */
	bool unstopped;
	uint32_t regs_unknown;
	bool rbp_found;			/* ptrace_guess_rbp() found rbp */
};

struct ptrace_opts {
	size_t stack_max;	/* copy at most this many bytes of stack from sp */
	/* Copy only up to the end of the mapping holding sp (the whole used
	 * stack, bounded by stack_max): needs the mappings, read from
	 * /proc/PID/maps before the stop. Else stack_max bytes, fewer where
	 * the memory ends (short read). */
	bool whole_stack;
	/*
	 * How long a stopped thread may be held while others are still
	 * stopping, in microseconds. Stopped threads leave their CPUs to the
	 * runnable ones that must run to reach their stop, so with more
	 * runnable threads than CPUs holding a little makes every thread stop
	 * sooner (8 busy threads on 2 CPUs: per-snapshot window median 108 us
	 * held, 11.7 ms resumed at once); on a machine busy with other work it
	 * holds the early ones for nothing. 0 resumes each thread as soon as
	 * it is copied; PTRACE_HOLD_ALL resumes none before all are stopped:
	 * a consistent snapshot of the process.
	 */
	unsigned hold_us;
	unsigned timeout_ms;	/* wait at most this long for the stops (0: 1000) */
	/* Set ptrace_thread.on_cpu, from the scheduler's count of times each
	 * thread was put on a CPU (/proc/PID/task/TID/schedstat) read before
	 * PTRACE_INTERRUPT and again while it is stopped (~5 us each). When
	 * the caller was already real-time (ptrace_prio_raise) before it woke
	 * up for the capture, a thread last on hotstack's CPU that was put on
	 * a CPU once more also counts: hotstack preempted it at once, at an
	 * arbitrary instruction. A normal-priority hotstack gets a busy
	 * thread's CPU only at the thread's next rescheduling point, often a
	 * system call (measured: a loop calling clock_gettime(CPUTIME) once a
	 * millisecond then had 19% of its samples in that call). */
	bool check_on_cpu;
	/* Threads asleep in the kernel (in a system call, a page fault, or
	 * stopped) are read without being seized or stopped (blocked.h), each
	 * right before it would be seized: only running threads are stopped.
	 * A thread that enters the kernel in the few microseconds between that
	 * check and its PTRACE_INTERRUPT is still stopped there. */
	bool nostop;
	/* Called for each stopped thread after its copy and before its detach,
	 * e.g. to unwind it live with ptrace_unwind_live(); may be NULL. */
	void (*live)(void *arg, struct ptrace_thread *t);
	void *live_arg;
};

struct ptrace_window {
	uint64_t start;		/* CLOCK_MONOTONIC of the first PTRACE_INTERRUPT */
	uint64_t window_ns;	/* first PTRACE_INTERRUPT to last PTRACE_DETACH */
	int stopped;		/* threads stopped and resumed */
	int unstopped;		/* threads read without a stop (nostop) */
};

/*
 * Stops, copies and resumes threads tids[0..n) of process pid; th[i] gets
 * the result for tids[i] (th[i].stack is reused and grown: zero th before
 * the first capture and release it with ptrace_thread_release). Returns
 * the number of threads captured (>= 0), or a negative errno when not one
 * thread could be seized and the first refusal concerns the whole process
 * (-EPERM: not permitted or traced by another debugger; -ESRCH: gone);
 * ptrace_explain() turns it into a message.
 */
int ptrace_capture(pid_t pid, const pid_t *tids, int n, const struct ptrace_opts *o,
		   struct ptrace_thread *th, struct ptrace_window *w);
void ptrace_thread_release(struct ptrace_thread *t);
/* Copies want bytes of t's stack from regs[7] (sp) into t->stack (grown as
 * needed) with process_vm_readv; fewer where the memory ends. Sets and
 * returns t->stack_size. */
size_t ptrace_read_stack(struct ptrace_thread *t, size_t want);

/*
 * Releases threads left seized by an earlier capture (CAPTURE_TIMEOUT):
 * detaches those that have stopped since, reaps those that exited (never
 * the caller's own child). Returns how many are still pending.
 */
int ptrace_release_pending(void);

/*
 * Runs the calling thread at the lowest real-time priority (SCHED_FIFO 1,
 * not inherited by children) until ptrace_prio_restore, where permitted
 * (root, CAP_SYS_NICE or RLIMIT_RTPRIO); returns false if not. Captures do
 * it for their stop window; a sampler also does it while sleeping until a
 * snapshot (see check_on_cpu).
 */
struct ptrace_prio {
	int policy;	/* to restore, -1 if unchanged */
	struct sched_param param;
};
bool ptrace_prio_raise(struct ptrace_prio *save);
void ptrace_prio_restore(struct ptrace_prio *save);

/* A snapshot of every thread of a process, by tid. */
struct ptrace_snapshot {
	pid_t pid;
	struct ptrace_thread *threads;
	int nthreads;
	struct ptrace_window window;	/* over all rounds */
	int rounds;	/* captures made: more than one when threads appeared
			 * during the first (up to 4) */
};

/* Captures every thread of pid, also threads that appear during the
 * capture. Returns the number captured or a negative errno as
 * ptrace_capture. Release with ptrace_snapshot_release. */
int ptrace_snapshot(pid_t pid, const struct ptrace_opts *o, struct ptrace_snapshot *snap);
void ptrace_snapshot_release(struct ptrace_snapshot *snap);

/*
 * One line saying why pid (thread tid, 0 for the process) cannot be traced
 * after error err: no such process, a zombie, a kernel thread, traced by
 * another debugger (which), or missing privilege (uid, CAP_SYS_PTRACE,
 * kernel.yama.ptrace_scope). malloc'd.
 */
char *ptrace_explain(pid_t pid, pid_t tid, int err);

/* For the unit tests: called after each PTRACE_SEIZE, before the
 * PTRACE_INTERRUPT (e.g. to have a signal dequeued while traced). */
extern void (*ptrace_test_seized)(pid_t tid);

/* A SEV_SAMPLE event for a captured thread, pointing into t's copies. */
void ptrace_thread_event(const struct ptrace_thread *t, pid_t pid, uint64_t period,
			 struct sampler_event *ev);

/*
 * Remote unwinding with libunwind-ptrace, one unwinder per process and
 * snapshot (a libunwind address space with UNW_CACHE_GLOBAL, so threads
 * share the unwind tables found). pcs[0] is the interrupted pc, the others
 * call sites (return address - 1, like unwind.h). *complete is true when
 * libunwind reached the outermost frame.
 */
struct ptrace_unwinder;

struct ptrace_unwinder *ptrace_unwinder_new(pid_t pid);
void ptrace_unwinder_free(struct ptrace_unwinder *pu);
/* From the copies in t (regs, stack): works after the thread was resumed.
 * Memory outside the stack copy (unwind tables, code) is read from the
 * process with process_vm_readv through a small page cache. */
int ptrace_unwind_copy(struct ptrace_unwinder *pu, const struct ptrace_thread *t,
		       uint64_t *pcs, int max, bool *complete);
/* With libunwind-ptrace's own accessors (PTRACE_PEEKUSER/PEEKDATA): only
 * while t is stopped, i.e. from a ptrace_opts.live callback. */
int ptrace_unwind_live(struct ptrace_unwinder *pu, const struct ptrace_thread *t,
		       uint64_t *pcs, int max, bool *complete);

/*
 * For a thread read asleep (rbp unknown) whose unwind ends early at a frame
 * F addressed through rbp (frame pointers, alloca, variable-length arrays,
 * sanitizers): F's rbp points at the pair {saved rbp, return address} it
 * pushed on entry, somewhere above the sp F called from. Tries the stack
 * words above that sp, innermost first, and takes the first whose return
 * address follows a direct call of F's own function (itself or through a
 * PLT stub) and with which the whole stack then unwinds to its outermost
 * frame: sets t->regs[6], clears it in regs_unknown, sets t->rbp_found
 * and returns true. Otherwise leaves t as it was and returns false.
 */
bool ptrace_guess_rbp(struct ptrace_unwinder *pu, struct ptrace_thread *t);

#endif
