/* waitsummary.h - what a --waits recording says threads waited on: the
 * query layer behind `report --waits` (and the UI's waits view)
 *
 * Off-CPU stacks come from the profile of kind offcpu (blocked time, by
 * call path); system calls from the latency histograms (p50/p99 are the
 * geometric middle of their histogram bucket, within 4.5%); I/O per
 * descriptor target as resolved while recording.
 */
#ifndef HOTSTACK_WAITSUMMARY_H
#define HOTSTACK_WAITSUMMARY_H

#include <stddef.h>
#include <stdint.h>

struct store;

struct offcpu_stack {
	char **frames;		/* function names, root first (folded form) */
	size_t nframes;
	int caller;		/* the frame that made the blocking call, by
				 * profile_wait_sites()'s rule (past the call's
				 * own library); -1 if none */
	uint64_t ns, count;
};

struct syscall_error {
	int err;
	uint64_t count;
};

struct syscall_row {
	int64_t nr;
	char *name;
	uint64_t count, errors, total_ns, max_ns, p50_ns, p99_ns;
	struct syscall_error *errs;	/* by count, most first */
	size_t nerrs;
	char **stack;		/* where the slowest calls blocked: functions,
				 * root first; NULL if they never blocked */
	size_t nstack;
	uint64_t stack_ns;	/* the time spent blocked in that stack */
};

struct io_row {
	char *target, *kind;
	uint64_t calls, bytes_read, bytes_written, wait_ns;
};

struct waits_summary {
	int has_waits;		/* the recording was made with --waits */
	uint64_t cpu_ns, offcpu_ns, runqueue_ns;
	uint64_t offcpu_count;
	struct offcpu_stack *stacks;	/* most waited first */
	size_t nstacks;
	struct syscall_row *calls;	/* most total time first */
	size_t ncalls;
	struct io_row *io;		/* most wait first */
	size_t nio;
	/* a time range was asked for but the recording's system call and I/O
	 * tables have no time slices (version 1): they cover the whole run
	 * (off-CPU stacks and times do honour the range) */
	int range_ignored;
};

/* Loads the summary of path for thread tid (0 = all threads). Returns 0 or
 * a negative errno with a one-line *errmsg. */
int waits_summary_load(const char *path, int tid, struct waits_summary **out, char **errmsg);
/* The same from an open recording, for the selection's thread and time
 * range (its kind and module are ignored). */
struct profile_filter;
int waits_summary_load_store(struct store *st, const struct profile_filter *sel,
			     struct waits_summary **out, char **errmsg);
void waits_summary_free(struct waits_summary *w);

/* Where an off-CPU stack waited, as `report --waits` names it (frames root
 * first, folded names: kernel frames end in "_[k]"): *user, the innermost
 * user-space frame (the blocking call: read, futex, ...); *kernel, the
 * kernel function it waited in, past the scheduler's own frames (schedule,
 * __schedule); each an index into frames, or -1 when there is none. */
void waits_stack_site(char *const *frames, size_t n, int *user, int *kernel);
/* Whether a folded frame name is a kernel frame ("name_[k]"). */
int waits_frame_is_kernel(const char *frame);

#endif
