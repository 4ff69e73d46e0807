/* sampler.h - perf_event_open sampling of processes into time-ordered events
 *
 * The sampler opens software clock (or hardware) sampling events on a
 * launched command (one inherited event per CPU, following every thread and
 * child), on running processes (one inherited event per thread and CPU,
 * sharing one ring buffer per CPU) or on a cgroup (one event per CPU), and turns the ring-buffer records into
 * struct sampler_event, merged across CPUs in timestamp order.
 * Timestamps are CLOCK_MONOTONIC nanoseconds.
 */
#ifndef HOTSTACK_SAMPLER_H
#define HOTSTACK_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define SAMPLER_NREGS 17	/* x86_64 DWARF registers 0..16 (rax..r15, rip) */
#define SAMPLER_MAX_KCHAIN 128

enum sampler_event_type {
	SEV_SAMPLE,
	SEV_MMAP,	/* an executable mapping appeared */
	SEV_COMM,	/* a thread was named, or a process exec'd (comm.exec) */
	SEV_FORK,	/* a thread or process was created */
	SEV_EXIT,	/* a thread or process ended */
	SEV_LOST,	/* the kernel dropped records: lost.count samples */
	SEV_SWITCH_OUT,	/* a thread left the CPU (sched_switch): sample.* holds
			 * its stack, sample.prev_state why (0 = preempted) */
	SEV_SWITCH_IN,	/* a thread got a CPU again */
	SEV_SWITCH_DONE,	/* the switch-out itself happened (after the
				 * sched_switch sample's own work on the CPU) */
	SEV_SYS_ENTER,	/* a system call began: sys.nr, sys.args */
	SEV_SYS_EXIT,	/* a system call returned: sys.nr, sys.ret */
};

/* Which of the sampler's events a sample came from. */
enum sampler_role {
	ROLE_CLOCK,	/* the on-CPU sampling clock */
	ROLE_SWITCH,	/* sched:sched_switch, with the switched-out stack */
	ROLE_SYS_ENTER,	/* raw_syscalls:sys_enter */
	ROLE_SYS_EXIT,	/* raw_syscalls:sys_exit */
	ROLE_COUNT,
};

struct sampler_event {
	enum sampler_event_type type;
	uint32_t pid, tid;
	uint64_t time;
	union {
		struct {
			uint64_t ip;
			uint64_t period;	/* event units: ns for clock events */
			bool user_mode;		/* ip is a user address */
			int nkchain;		/* kernel frames, leaf first */
			const uint64_t *kchain;
			bool have_regs;
			uint64_t regs[SAMPLER_NREGS];	/* DWARF order */
			/* bit i set: regs[i] is not known (a thread read
			 * asleep without a stop, blocked.h); 0 for samples */
			uint32_t regs_unknown;
			const uint8_t *stack;		/* copy of [sp, sp+stack_size) */
			uint64_t stack_size;
			int64_t prev_state;		/* SEV_SWITCH_OUT: 0 preempted */
		} sample;
		struct {
			int64_t nr;
			uint64_t args[6];	/* SEV_SYS_ENTER */
			int64_t ret;		/* SEV_SYS_EXIT */
		} sys;
		struct {
			uint64_t start, len, pgoff;
			uint32_t prot;
			const char *filename;
			int build_id_size;
			uint8_t build_id[20];
		} mmap;
		struct {
			const char *comm;
			bool exec;
		} comm;
		struct {
			uint32_t ppid, ptid;
		} fork;
		struct {
			uint64_t count;
		} lost;
	};
};

enum sampler_clock {
	SAMPLER_CPU_CLOCK,
	SAMPLER_TASK_CLOCK,
	SAMPLER_CYCLES,
};

struct sampler_config {
	enum sampler_clock event;
	unsigned freq;		/* samples per second per thread */
	bool kernel;		/* also kernel ips and callchains (needs privilege) */
	uint32_t stack_size;	/* bytes of user stack copied per sample */
	unsigned mmap_pages;	/* ring buffer data pages per CPU (power of
				 * two), 0 to size it from freq and stack_size */
	bool waits;		/* also context switches and system calls
				 * (tracepoints: root or CAP_PERFMON) */
};

struct hashmap;

/* Which event id plays which role, and where the raw tracepoint fields sit
 * (from tracefs; see tracefs.h). */
struct sampler_layout {
	struct hashmap *roles;		/* event id -> enum sampler_role */
	int switch_prev_state;		/* offsets in the raw record, -1 = none */
	int sys_id, sys_args, sys_ret;
};

struct sampler;

/*
 * Launch mode: launch_pid is a forked child that has not exec'd yet; events
 * start at its exec (enable_on_exec). Attach mode: launch_pid is 0 and pids
 * lists running processes; all their threads are sampled, also threads
 * created later. On failure returns -errno and sets *errmsg to one line
 * saying what is wrong and what to do.
 */
int sampler_open(struct sampler **out, const struct sampler_config *cfg, pid_t launch_pid,
		 const pid_t *pids, int npids, char **errmsg);
/*
 * Cgroup mode: one CPU-wide event per CPU (and role) filtered by the cgroup
 * v2 directory open at cgroup_fd (PERF_FLAG_PID_CGROUP): every task that
 * runs in that cgroup or below it is sampled, with the same records as the
 * other modes (mmap, comm, fork and exit of the cgroup's tasks; context
 * switches come as PERF_RECORD_SWITCH_CPU_WIDE). The caller keeps
 * cgroup_fd; name is for messages. Needs root or CAP_PERFMON. Errors as
 * sampler_open().
 */
int sampler_open_cgroup(struct sampler **out, const struct sampler_config *cfg, int cgroup_fd,
			const char *name, char **errmsg);
/* Attach mode: open events on threads of the pids that appeared since the
 * last scan (threads made between scans by a thread without an inherited
 * event). Returns the number of new threads. */
int sampler_rescan(struct sampler *s);
/* Waits up to timeout_ms for data; returns >0 if data or hangup, 0 on
 * timeout, -errno on error (-EINTR when a signal arrived). */
int sampler_poll(struct sampler *s, int timeout_ms);
/* As sampler_poll(), also returning when wake_fd (if >= 0) is readable. */
int sampler_poll_fd(struct sampler *s, int wake_fd, int timeout_ms);
/* Reads every ring buffer, sorts the records by time and calls cb for each. */
int sampler_drain(struct sampler *s, void (*cb)(void *arg, const struct sampler_event *ev),
		  void *arg);

/*
 * The same in two halves, for a reader thread that keeps the ring buffers
 * empty while the owner of the sampler decodes, unwinds and symbolizes:
 * sampler_read() copies what every ring holds into a batch sorted by time
 * (NULL if there was nothing), holding back the records newer than its
 * start until the next call (all of them once the sampling has stopped),
 * so that each batch's records are older than the next batch's; it touches only the ring buffers, so one
 * thread may call it (and sampler_poll_fd(), sampler_done()) while another
 * calls sampler_batch_each() on earlier batches, sampler_rescan() and
 * sampler_disable(). sampler_batch_each() decodes a batch in time order,
 * calling cb for each event (valid during the call only); call it on the
 * batches in the order they were read.
 */
struct sampler_batch;
struct sampler_batch *sampler_read(struct sampler *s);
/* Memory a batch holds. */
size_t sampler_batch_bytes(const struct sampler_batch *b);
/* Drops the batch's samples (what overflows a full queue), keeping the
 * records that describe the targets (mmap, comm, fork, exit, lost);
 * returns how many samples were dropped. */
uint64_t sampler_batch_drop_samples(struct sampler_batch *b);
int sampler_batch_each(struct sampler *s, const struct sampler_batch *b,
		       void (*cb)(void *arg, const struct sampler_event *ev), void *arg);
void sampler_batch_free(struct sampler_batch *b);
/* True when every sampled task has gone (all buffers hung up). */
bool sampler_done(const struct sampler *s);
/* Disables all events (the recording is stopping). */
void sampler_disable(struct sampler *s);
/* True if kernel frames are sampled (false when they were not permitted). */
bool sampler_has_kernel(const struct sampler *s);
/* Throttle records seen (the kernel lowered the rate). */
uint64_t sampler_throttled(const struct sampler *s);
void sampler_close(struct sampler *s);

/* Parses "cpu-clock", "task-clock", "cycles". Returns 0 or -EINVAL. */
int sampler_parse_event(const char *name, enum sampler_clock *out);
const char *sampler_event_name(enum sampler_clock ev);
/* kernel.perf_event_max_sample_rate, or 100000 if unreadable. */
unsigned sampler_max_rate(void);
/* kernel.perf_event_paranoid, or 2 if unreadable. */
int sampler_paranoid(void);

/* Exposed for the unit tests: decodes one ring-buffer record. Every
 * event's samples start with PERF_SAMPLE_IDENTIFIER, which layout maps to
 * a role (layout NULL: all are ROLE_CLOCK). */
int sampler_decode(const struct sampler_config *cfg, const struct sampler_layout *layout,
		   const void *rec, size_t len, struct sampler_event *ev);

#endif
