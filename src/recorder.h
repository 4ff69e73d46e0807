/* recorder.h - the recording engine that `record` and `attach` drive
 *
 * A recorder owns one sample source (perf events, the ptrace fallback, or
 * none: the caller feeds events itself, as the unit tests do), unwinds and
 * symbolizes what it delivers, aggregates it by (time slice, thread, kind,
 * stack), follows threads and processes, and commits all of that into a
 * new recording (store.h) at least every commit interval, so that a
 * recorder killed at any moment leaves a recording that holds everything
 * up to its last commit.
 *
 * Threads: perf ring buffers are read on a reader thread of the
 * recorder's into a queue bounded in bytes (64 MiB), so that unwinding and
 * symbolizing, which the first samples of a process make slow, never stall
 * the draining; samples that overflow it are dropped, counted in lost and
 * queue_dropped. /proc/kallsyms is read on a thread at the open, and
 * parsed by the recording thread when the first kernel frame comes (or
 * when the text is there). Everything else, and every call of this API,
 * happens on the thread that opened the recorder (ptrace requires it).
 *
 * The caller keeps the command line, the launched command (fork, the
 * go-ahead, waitpid), signals and what is printed; the recorder never
 * exits, stops or signals anything: its functions return 0 or a negative
 * errno, and recorder_error() says what failed in one line.
 *
 * Life cycle:
 *   recorder_open()       source opened, recording created (start meta
 *                         written); a launched child is still waiting
 *   (recorder_create())   with create_later: the recording created
 *   recorder_start()      once the command runs (after its exec) or once
 *                         attached: reads the targets' maps and threads
 *                         in attach and cgroup mode
 *   recorder_poll()       repeatedly: waits for data, reads it, commits
 *                         when due (recorder_done() says the targets ended)
 *   recorder_finish()     last read, last commit, recording marked finished
 *                         and closed
 *   recorder_free()
 * or recorder_discard() instead of start/finish when the command could not
 * run: the new recording is removed and the file it replaced put back.
 */
#ifndef HOTSTACK_RECORDER_H
#define HOTSTACK_RECORDER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sampler.h"

/* Commits come at least this often: a recording killed at any moment
 * keeps all but its last quarter second. */
#define RECORDER_COMMIT_NS 250000000ull

enum recorder_method {
	RECORDER_AUTO,		/* perf events, else ptrace where perf is refused */
	RECORDER_PERF,
	RECORDER_PTRACE,
	RECORDER_NONE,		/* no source: events come from recorder_feed() */
};

struct recorder_config {
	const char *output;	/* the recording to create (see store_create()) */
	pid_t launch_pid;	/* launch mode: forked child, not exec'd yet */
	const pid_t *pids;	/* attach mode: running processes (launch_pid 0) */
	int npids;
	const char *cgroup;	/* cgroup mode (no launch_pid nor pids): every
				 * process of this cgroup v2 directory and below
				 * (cgroup.h: absolute, or relative to the
				 * hierarchy), also those that move or fork into
				 * it later; perf events only */
	enum recorder_method method;
	enum sampler_clock event;
	unsigned freq;		/* Hz; 0 = the method's default */
	bool user_only;		/* no kernel frames */
	uint32_t stack_size;	/* bytes of user stack copied per sample */
	unsigned mmap_pages;	/* ring buffer pages per CPU, 0 = sized */
	bool waits;		/* also off-CPU time, system calls, I/O */
	bool create_later;	/* the caller creates the recording with
				 * recorder_create(), e.g. once a launched
				 * command runs: the file's creation and its
				 * fsyncs are then not in the way of the
				 * command's start */
	/* for the meta table: the launched command (NULL-terminated) and the
	 * hotstack command line that made the recording */
	char *const *command;
	int argc;
	char *const *argv;
	/* Tests: the clock (default monotonic_ns, the sampler's clock: event
	 * times, slices and commits are all on it), the interval between
	 * commits (default RECORDER_COMMIT_NS), and a file read instead of
	 * /proc/kallsyms. */
	uint64_t (*clock)(void *arg);
	void *clock_arg;
	uint64_t commit_ns;
	const char *kallsyms_path;
};

struct recorder_stats {
	uint64_t elapsed_ns;	/* since the recording started */
	uint64_t samples;	/* on-CPU samples recorded */
	uint64_t lost;		/* samples the kernel (or the recorder) dropped */
	uint64_t queue_dropped;	/* of those, dropped because the queue between
				 * the ring-buffer reader and the unwinder was
				 * full */
	uint64_t queue_peak_bytes;	/* the most that queue held */
	uint64_t max_lag_ns;	/* the most an event waited between its time and
				 * its handling (the recorder fell behind) */
	uint64_t unwind_errors;	/* samples not unwound to the outermost frame */
	uint64_t threads;	/* threads seen */
	uint64_t processes;	/* processes seen */
	uint64_t processes_ended;
	uint64_t commits;	/* transactions committed */
	uint64_t last_commit_ns;	/* clock time of the last commit */
	unsigned freq;		/* the rate sampled at (the method may lower it) */
	bool ptrace;		/* sampling with the ptrace fallback */
	bool kernel;		/* kernel frames are recorded */
};

struct recorder;

/*
 * Opens the source and creates the recording. A perf source refused for
 * lack of permission falls back to ptrace with RECORDER_AUTO (without
 * --waits), saying so once with warn(). On failure returns -errno and
 * sets *errmsg (malloc'd, one line saying what is wrong and what to do);
 * nothing is left behind, and a launched child is still the caller's to
 * end. *renamed tells that an existing output was moved aside, to OUTPUT.old
 * or the first free OUTPUT.old.N: recorder_moved_to() names it.
 */
int recorder_open(struct recorder **out, const struct recorder_config *cfg, bool *renamed,
		  char **errmsg);
/* Creates the recording of a recorder opened with create_later, as
 * recorder_open() does otherwise; the same errors. Samples taken since
 * the open are kept (read into a queue) and go into it. */
int recorder_create(struct recorder *r, bool *renamed, char **errmsg);
/* Where an existing file at the output was moved; NULL if none. */
const char *recorder_moved_to(const struct recorder *r);
/* The sampling runs (launch: the command exec'd; attach: events open).
 * Attach mode: reads each target's mappings and threads. */
int recorder_start(struct recorder *r);
/*
 * Waits up to timeout_ms for data, reads and aggregates it, looks for new
 * threads of attached processes once a second, and commits when the last
 * commit is older than the commit interval. Returns 0 (also when a signal
 * interrupted the wait) or -errno with recorder_error() set.
 */
int recorder_poll(struct recorder *r, int timeout_ms);
/* True when the targets are gone: every sampled task ended (attach mode:
 * no target process is alive; cgroup mode: the cgroup was removed). */
bool recorder_done(struct recorder *r);
/* Commits now whatever was gathered since the last commit. */
int recorder_commit(struct recorder *r);
/*
 * Stops sampling, reads what is left, closes the waits still open, commits
 * and marks the recording finished (with the launched command's exit
 * status, raw wait() status, if exit_status >= 0), then closes it. The
 * target is not touched. Returns 0 or -errno (recorder_error()).
 */
int recorder_finish(struct recorder *r, int exit_status);
/* Removes the recording (the command never ran) and frees r. */
void recorder_discard(struct recorder *r);
void recorder_free(struct recorder *r);

void recorder_stats(const struct recorder *r, struct recorder_stats *st);
/* One line saying what the last failing call failed at. */
const char *recorder_error(const struct recorder *r);

/* Handles one event as if the source had delivered it (RECORDER_NONE
 * recorders, tests). Events must come in time order. */
void recorder_feed(struct recorder *r, const struct sampler_event *ev);

/*
 * Continuous recording: finishes the current recording (all read so far
 * committed, duration set, marked finished, closed) and goes on into a new
 * one at path, with no gap: the new file's start_time is the old one's
 * end. It holds from the start the old file's modules, frames and call
 * paths under the same ids, its processes and threads, and its start meta
 * (the per-file keys — start_time, duration_ns, samples, lost,
 * unwind_errors, finished, writer_pid, commits — excepted). The per-file
 * counters start again from 0. Returns 0, or -errno with *errmsg (malloc'd);
 * on failure the recorder has no open recording: free it.
 */
int recorder_rotate(struct recorder *r, const char *path, char **errmsg);
/* Stores an anomaly mark (anomaly.h; times from the start of the current
 * recording) in its own transaction. */
struct store_anomaly;
int recorder_add_anomaly(struct recorder *r, const struct store_anomaly *a);
/* The recording being written. */
const char *recorder_output(const struct recorder *r);

#endif
