/* ptsampler.h - sampling with ptrace when perf events are not allowed
 *
 * The fallback for `record` and `attach` where perf_event_open is refused
 * (a seccomp profile, perf_event_paranoid 3): at a low rate (default
 * 49 Hz) every thread of the targets in state R is stopped with
 * PTRACE_SEIZE + PTRACE_INTERRUPT, its registers and the top of its stack
 * are copied, and it is resumed at once (ptrace.h: a few microseconds held
 * stopped per thread, plus the time until it stops). A thread becomes a
 * sample only if it was on a CPU at the interrupt, not runnable and waiting
 * for one (ptrace_opts.check_on_cpu): like a cpu-clock sample, and without
 * the bias towards preemption points a busy machine would give. The copies
 * come out as the same struct sampler_event SEV_SAMPLE the perf sampler
 * makes, so the caller unwinds them after the resume with the same
 * unwinder (unwind.h) and symbolizer.
 *
 * Following the targets: nothing stays traced between snapshots. Each
 * snapshot lists /proc/PID/task for the threads, and every ~100 ms
 * /proc/PID/task/TID/children finds new child processes (of launched
 * commands and of attached processes, like perf's inherited events).
 * Chosen over keeping the targets seized with PTRACE_O_TRACECLONE|FORK|EXEC
 * because a permanently traced process has every signal it receives routed
 * through hotstack (delayed while hotstack is busy unwinding or writing),
 * cannot be debugged, and its launched child's exit status must be
 * collected through ptrace; polling costs ~10 us per thread per snapshot
 * and misses only processes that live less than ~100 ms and threads that
 * live less than one snapshot interval.
 *
 * Events, in time order at each drain:
 *  - SEV_COMM (exec = false): a thread was first seen, or renamed.
 *  - SEV_COMM (exec = true): a process exec'd (its start_code/end_code/
 *    start_stack in /proc/PID/stat changed); in launch mode, the launched
 *    child's exec, which starts the sampling of it.
 *  - SEV_MMAP: executable file mappings of a process not reported before
 *    (from /proc/PID/maps: when the process is first sampled, after an
 *    exec, every second, and when a sample's pc is in no known mapping),
 *    so that the caller's space (space.h) has the modules to unwind with,
 *    as with the perf sampler's MMAP2 records. Build ids are not given.
 *  - SEV_SAMPLE: user_mode, have_regs, regs in DWARF order, stack = copy of
 *    [sp, sp + stack_size) (shorter where the stack ends), nkchain = 0 (no
 *    kernel frames), period = the snapshot interval in ns (the sample
 *    stands for that much CPU time, like a cpu-clock sample), time =
 *    CLOCK_MONOTONIC when its registers were read. The event and what it
 *    points to (stack, comm, filename) are valid during the callback only.
 *  - SEV_EXIT (pid == tid for the process): a thread or process is gone.
 * No SEV_FORK and no SEV_LOST.
 *
 * Signals: during a snapshot (~0.1-1 ms) every asynchronous signal is
 * blocked in hotstack, and delivered after the last thread was resumed;
 * SIGCHLD is consumed (collect a launched child with waitpid, not with a
 * SIGCHLD handler). If hotstack is killed, even with SIGKILL, the kernel
 * detaches whatever was seized and the target runs on.
 *
 * Scheduling: from its wakeup for a snapshot to the last resume, the
 * caller runs at real-time priority where permitted (ptrace_prio_raise),
 * so that the timer takes a CPU from a busy thread at an arbitrary
 * instruction: at normal priority hotstack gets a busy thread's CPU at the
 * thread's next rescheduling point, often a system call (a loop calling
 * clock_gettime(CLOCK_PROCESS_CPUTIME_ID) every millisecond then showed
 * 11-19% of its samples in that call instead of ~1%, perf's figure).
 *
 * Cost measured here (samples/split, 3 s of CPU): +1% wall time at 49 Hz,
 * +2.3% at 499 Hz; per stopped thread ~50-70 us from interrupt to resume.
 *
 * Limits: a thread stopped this way returns EINTR from some blocking calls
 * it was entering (epoll_wait, sem_timedwait...), as with gdb or strace;
 * only threads in state R are stopped by default, so threads blocked in
 * such calls are left alone. No kernel frames. A thread that stays in
 * uninterruptible sleep past the 100 ms stop timeout is released at a
 * later poll (ptrace_release_pending).
 */
#ifndef HOTSTACK_PTSAMPLER_H
#define HOTSTACK_PTSAMPLER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sampler.h"

#define PTSAMPLER_DEFAULT_FREQ 49
#define PTSAMPLER_MAX_FREQ 1000
#define PTSAMPLER_DEFAULT_STACK 16384

struct ptsampler_config {
	unsigned freq;		/* snapshots per second, 1..PTSAMPLER_MAX_FREQ
				 * (0: PTSAMPLER_DEFAULT_FREQ); each interval is
				 * jittered by up to +-20% against aliasing */
	uint32_t stack_size;	/* bytes of stack copied per sample (0:
				 * PTSAMPLER_DEFAULT_STACK), at most 1 MiB */
	bool all_threads;	/* also sample threads that are not running
				 * (blocked, sleeping): a wall-clock profile,
				 * and more intrusive (see Limits above) */
};

struct ptsampler_stats {
	uint64_t snapshots;	/* snapshots taken */
	uint64_t samples;	/* samples made */
	uint64_t not_on_cpu;	/* threads stopped but not sampled: they were
				 * runnable, waiting for a CPU (see ptrace.h
				 * check_on_cpu) */
	uint64_t failed;	/* threads that could not be captured */
	uint64_t late;		/* snapshots skipped because the caller was late */
	uint64_t stop_ns_total;	/* sum over stopped threads of their stop */
	uint64_t stop_ns_max;	/* longest per-thread stop */
	uint64_t window_ns_max;	/* longest snapshot (first stop to last resume) */
};

struct ptsampler;

/*
 * As sampler_open(): launch mode when launch_pid is a forked child that has
 * not exec'd yet (sampling starts at its exec; it must be the caller's
 * child, and the caller keeps reaping it with waitpid); attach mode when
 * launch_pid is 0 and pids lists running processes. Checks right away,
 * with one brief capture of each process's main thread (the launched
 * child's read() of its go-ahead is restarted transparently), that ptrace
 * is permitted. On failure returns -errno and sets *errmsg (malloc'd) to
 * one line saying what is wrong and what to do (names ptrace_scope,
 * CAP_SYS_PTRACE or the other tracer).
 */
int ptsampler_open(struct ptsampler **out, const struct ptsampler_config *cfg, pid_t launch_pid,
		   const pid_t *pids, int npids, char **errmsg);
/* Looks for new threads and child processes now (the snapshots do it by
 * themselves). Returns the number of new threads. */
int ptsampler_rescan(struct ptsampler *s);
/*
 * Sleeps until the next snapshot is due (at most timeout_ms), then takes
 * it. Returns >0 if events are ready to drain, 0 on timeout or when the
 * snapshot found nothing (no thread running), -EINTR when a signal arrived
 * while sleeping. A signal held back during a snapshot runs its handler
 * before this returns.
 */
int ptsampler_poll(struct ptsampler *s, int timeout_ms);
/* Calls cb for every event gathered since the last drain, in time order. */
int ptsampler_drain(struct ptsampler *s, void (*cb)(void *arg, const struct sampler_event *ev),
		    void *arg);
/* True when every target process has gone (exited, or a zombie). */
bool ptsampler_done(const struct ptsampler *s);
/* No more snapshots (the recording is stopping); drain still works. */
void ptsampler_disable(struct ptsampler *s);
void ptsampler_stats(const struct ptsampler *s, struct ptsampler_stats *st);
/* Releases everything; no thread of the targets is left traced. */
void ptsampler_close(struct ptsampler *s);

#endif
