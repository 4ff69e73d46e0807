/* sampler.c - perf_event_open sampling of processes into time-ordered events
 *
 * See KERNEL-NOTES in the project history for the recipes: an inherited
 * per-task event can only be mmapped when it is bound to a CPU, so launch
 * mode opens one event per CPU on the child, and attach mode one per
 * (thread, CPU) with every event of a CPU redirected (SET_OUTPUT) into the
 * first one's ring buffer. Records from different CPUs are not ordered, so
 * each drain copies them out and sorts them by timestamp, and holds back
 * those newer than the moment it began: a ring read later in the same
 * drain holds records another ring will only show at the next drain (a
 * thread that sleeps on one CPU and wakes on another), and a system call
 * must not be paired with an exit from after its next enter.
 */
#include "config.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hashmap.h"
#include "procfs.h"
#include "sampler.h"
#include "tracefs.h"
#include "util.h"

/* perf register mask on x86_64: AX..SS (bits 0-11) and R8..R15 (16-23). */
#define REGS_MASK 0xff0fffull
#define REGS_COUNT 20

#ifndef PERF_RECORD_MISC_MMAP_BUILD_ID
#define PERF_RECORD_MISC_MMAP_BUILD_ID (1 << 14)
#endif

struct ring {
	int fd;			/* the event whose buffer this is */
	void *base;
	size_t data_size;
	bool hup;
};

struct raw_record {
	uint64_t time;
	uint64_t seq;		/* keeps equal timestamps in buffer order */
	uint32_t off, len;	/* in the batch's buf */
};

/* Records copied out of the rings by one read, sorted by time. */
struct sampler_batch {
	uint8_t *buf;
	size_t len, cap;
	struct raw_record *recs;
	size_t nrecs, recs_cap;
};

struct sampler {
	struct sampler_config cfg;
	struct perf_event_attr attr;		/* ROLE_CLOCK */
	struct perf_event_attr wait_attr[ROLE_COUNT];	/* the other roles */
	struct sampler_layout layout;
	int ncpus;
	struct ring *rings;	/* one per CPU */
	int *fds;		/* every event fd (attach: tids x cpus) */
	size_t nfds, fds_cap;
	pid_t *pids;		/* attach mode targets */
	int npids;
	unsigned long pid_flags;	/* PERF_FLAG_PID_CGROUP: pid is a cgroup fd */
	struct hashmap tids;	/* attach mode: tids with events */
	struct sampler_batch batch;	/* sampler_drain()'s, reused */
	struct sampler_batch held;	/* records newer than the last drain's start */
	uint64_t seq;		/* records read so far: their order in the rings */
	int disabled;		/* atomic: sampler_disable() was called */
	uint64_t throttled;
};

static long perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group,
			    unsigned long flags)
{
	return syscall(SYS_perf_event_open, attr, pid, cpu, group, flags);
}

int sampler_parse_event(const char *name, enum sampler_clock *out)
{
	if (!strcmp(name, "cpu-clock"))
		*out = SAMPLER_CPU_CLOCK;
	else if (!strcmp(name, "task-clock"))
		*out = SAMPLER_TASK_CLOCK;
	else if (!strcmp(name, "cycles"))
		*out = SAMPLER_CYCLES;
	else
		return -EINVAL;
	return 0;
}

const char *sampler_event_name(enum sampler_clock ev)
{
	switch (ev) {
	case SAMPLER_TASK_CLOCK:
		return "task-clock";
	case SAMPLER_CYCLES:
		return "cycles";
	default:
		return "cpu-clock";
	}
}

static long read_sysctl(const char *path, long fallback)
{
	char *s;
	long v;

	if (read_file(path, &s) < 0)
		return fallback;
	v = strtol(s, NULL, 10);
	free(s);
	return v;
}

unsigned sampler_max_rate(void)
{
	return (unsigned)read_sysctl("/proc/sys/kernel/perf_event_max_sample_rate", 100000);
}

int sampler_paranoid(void)
{
	return (int)read_sysctl("/proc/sys/kernel/perf_event_paranoid", 2);
}

/* Every event carries IDENTIFIER, TID and TIME, so all records in a shared
 * ring buffer end with the same sample_id trailer: {pid, tid}, time, id. */
#define COMMON_SAMPLE_TYPE (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | \
			    PERF_SAMPLE_TIME | PERF_SAMPLE_PERIOD)

static uint64_t sample_type(const struct sampler_config *cfg, enum sampler_role role)
{
	switch (role) {
	case ROLE_SWITCH:
		return COMMON_SAMPLE_TYPE | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW |
		       PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
	case ROLE_SYS_ENTER:
	case ROLE_SYS_EXIT:
		return COMMON_SAMPLE_TYPE | PERF_SAMPLE_RAW;
	default:
		return COMMON_SAMPLE_TYPE | PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER |
		       (cfg->kernel ? PERF_SAMPLE_CALLCHAIN : 0);
	}
}

static void setup_attr(struct sampler *s, bool launch)
{
	struct perf_event_attr *a = &s->attr;

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	switch (s->cfg.event) {
	case SAMPLER_CYCLES:
		a->type = PERF_TYPE_HARDWARE;
		a->config = PERF_COUNT_HW_CPU_CYCLES;
		break;
	case SAMPLER_TASK_CLOCK:
		a->type = PERF_TYPE_SOFTWARE;
		a->config = PERF_COUNT_SW_TASK_CLOCK;
		break;
	default:
		a->type = PERF_TYPE_SOFTWARE;
		a->config = PERF_COUNT_SW_CPU_CLOCK;
		break;
	}
	a->freq = 1;
	a->sample_freq = s->cfg.freq;
	a->sample_type = sample_type(&s->cfg, ROLE_CLOCK);
	a->sample_regs_user = REGS_MASK;
	a->sample_stack_user = s->cfg.stack_size;
	a->exclude_kernel = !s->cfg.kernel;
	a->exclude_hv = 1;
	a->exclude_callchain_user = 1;	/* we unwind user stacks from DWARF */
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->build_id = 1;
	a->sample_id_all = 1;
	a->inherit = 1;
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	a->watermark = 1;
	a->disabled = launch;
	a->enable_on_exec = launch;
}

/* The tracepoint events of --waits, sharing the clock event's settings. */
static int setup_wait_attrs(struct sampler *s, char **errmsg)
{
	static const struct {
		enum sampler_role role;
		const char *system, *name;
	} tps[] = {
		{ ROLE_SWITCH, "sched", "sched_switch" },
		{ ROLE_SYS_ENTER, "raw_syscalls", "sys_enter" },
		{ ROLE_SYS_EXIT, "raw_syscalls", "sys_exit" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tps); i++) {
		struct perf_event_attr *a = &s->wait_attr[tps[i].role];
		struct tracepoint tp;
		int err = tracefs_tracepoint(tps[i].system, tps[i].name, &tp, errmsg);

		if (err)
			return err;
		*a = s->attr;
		a->type = PERF_TYPE_TRACEPOINT;
		a->config = (uint64_t)tp.id;
		a->freq = 0;
		a->sample_period = 1;
		a->sample_type = sample_type(&s->cfg, tps[i].role);
		a->exclude_kernel = 0;		/* tracepoints fire in the kernel */
		a->mmap = a->mmap2 = a->comm = a->comm_exec = a->task = a->build_id = 0;
		a->context_switch = tps[i].role == ROLE_SWITCH;	/* switch-in records */
		if (tps[i].role == ROLE_SWITCH) {
			s->layout.switch_prev_state = tracepoint_field(&tp, "prev_state");
		} else {
			s->layout.sys_id = tracepoint_field(&tp, "id");
			if (tps[i].role == ROLE_SYS_ENTER)
				s->layout.sys_args = tracepoint_field(&tp, "args");
			else
				s->layout.sys_ret = tracepoint_field(&tp, "ret");
		}
	}
	return 0;
}

/* Ring buffer data pages (a power of two) sized for about 0.5 s of samples
 * of busy threads on one CPU, between 64 and 4096 pages (16 MiB: the
 * first samples of a process can stall the reader for a while, when libdw
 * loads a library's CFI and debug information). */
static size_t ring_pages(const struct sampler_config *cfg, bool privileged, int ncpus)
{
	size_t rec = cfg->stack_size + REGS_COUNT * 8 + 256;
	size_t want = rec * cfg->freq / 2, pages = 64;
	size_t maxpages = privileged ? 4096 : 64;

	if (cfg->mmap_pages)
		return cfg->mmap_pages;
	/* Context switches come in bursts, each with a stack copy: a thread
	 * blocking 16,000 times a second fills 16 MiB in 60 ms, less than the
	 * reader may spend loading a library's debug information. Give each
	 * CPU up to 64 MiB, within 256 MiB in all. */
	if (cfg->waits && privileged) {
		size_t budget = (256u << 20) / 4096 / (size_t)(ncpus > 0 ? ncpus : 1);

		want = SIZE_MAX;
		maxpages = 16384;
		while (maxpages > 64 && maxpages > budget)
			maxpages /= 2;
	}

	while (pages * 4096 < want && pages < maxpages)
		pages *= 2;
	return pages;
}

static const char *clock_hint(const struct sampler_config *cfg)
{
	return cfg->event == SAMPLER_CYCLES ?
		       ": this machine has no hardware PMU counters; use -e cpu-clock" : "";
}

/* One line saying why perf_event_open failed and what to do about it. */
static char *open_error(const struct sampler *s, int err, pid_t pid)
{
	int paranoid = sampler_paranoid();

	switch (err) {
	case EACCES:
	case EPERM:
		if (s->cfg.kernel && geteuid() != 0)
			return xasprintf("perf_event_open on pid %d: %s: kernel.perf_event_paranoid is %d; "
					 "use --user-only, or run as root or with CAP_PERFMON",
					 (int)pid, strerror(err), paranoid);
		if (paranoid > 2)
			return xasprintf("perf_event_open on pid %d: %s: kernel.perf_event_paranoid is %d, which "
					 "forbids all perf events; lower it (sysctl kernel.perf_event_paranoid=2) "
					 "or run with CAP_PERFMON",
					 (int)pid, strerror(err), paranoid);
		return xasprintf("not allowed to profile pid %d (%s): it belongs to another user or is not "
				 "dumpable; run as its owner, as root, or with CAP_PERFMON and CAP_SYS_PTRACE "
				 "(kernel.perf_event_paranoid is %d)",
				 (int)pid, strerror(err), paranoid);
	case ESRCH:
		return xasprintf("no process with pid %d", (int)pid);
	case ENOENT:
	case EOPNOTSUPP:
		return xasprintf("event '%s' is not supported here%s", sampler_event_name(s->cfg.event),
				 clock_hint(&s->cfg));
	case EMFILE:
		return xasprintf("out of file descriptors opening perf events for pid %d: raise 'ulimit -n'",
				 (int)pid);
	case ENOSYS:
		return xasprintf("perf_event_open is not available (blocked by seccomp or not built into "
				 "the kernel)");
	default:
		return xasprintf("perf_event_open on pid %d: %s", (int)pid, strerror(err));
	}
}

static int open_one(struct perf_event_attr *attr, pid_t pid, int cpu, unsigned long flags)
{
	int fd;

	for (;;) {
		fd = (int)perf_event_open(attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC | flags);
		if (fd >= 0)
			return fd;
		/* kernels before 5.12 reject build_id; fall back to plain mmap2 */
		if (errno == EINVAL && attr->build_id) {
			attr->build_id = 0;
			continue;
		}
		if (errno == EINTR)
			continue;
		return -errno;
	}
}

static void add_fd(struct sampler *s, int fd)
{
	xgrow(&s->fds, &s->fds_cap, s->nfds + 1, sizeof(*s->fds));
	s->fds[s->nfds++] = fd;
}

static int map_ring(struct ring *r, int fd, size_t pages)
{
	for (;;) {
		void *base = mmap(NULL, (pages + 1) * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		if (base != MAP_FAILED) {
			r->fd = fd;
			r->base = base;
			r->data_size = pages * 4096;
			return 0;
		}
		/* over the perf_event_mlock_kb budget: try a smaller buffer */
		if ((errno == EPERM || errno == ENOMEM) && pages > 8) {
			pages /= 2;
			continue;
		}
		return -errno;
	}
}

static enum sampler_role role_of(const struct sampler_layout *layout, uint64_t id)
{
	uint64_t role;

	if (layout && layout->roles && hashmap_get(layout->roles, &id, sizeof(id), &role))
		return (enum sampler_role)role;
	return ROLE_CLOCK;
}

/* Remembers the role of an event, by its id (inherited copies report the
 * id of the event they were copied from). */
static void note_role(struct sampler *s, int fd, enum sampler_role role)
{
	uint64_t id;

	if (ioctl(fd, PERF_EVENT_IOC_ID, &id) == 0)
		hashmap_put(s->layout.roles, &id, sizeof(id), role);
}

/* Opens the tracepoint events of one task on one CPU into ring_fd. */
static int open_wait_events(struct sampler *s, pid_t tid, int cpu, int ring_fd, char **errmsg)
{
	int role;

	for (role = ROLE_SWITCH; role < ROLE_COUNT; role++) {
		int fd = open_one(&s->wait_attr[role], tid, cpu, s->pid_flags);

		if (fd < 0) {
			if (errmsg && fd != -ESRCH)
				*errmsg = xasprintf("cannot open the scheduler and system call tracepoints "
						    "for --waits: %s; they need root or CAP_PERFMON "
						    "(kernel.perf_event_paranoid is %d), or use --no-waits",
						    strerror(-fd), sampler_paranoid());
			return fd;
		}
		add_fd(s, fd);
		if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, ring_fd) < 0)
			return -errno;
		note_role(s, fd, (enum sampler_role)role);
	}
	return 0;
}

/* Opens the events of one thread (attach) or of the launched child (launch)
 * on every CPU. Returns 0, -ESRCH if the task went away, or -errno. */
static int open_task(struct sampler *s, pid_t tid, char **errmsg)
{
	int cpu, role;
	size_t pages = ring_pages(&s->cfg, geteuid() == 0, s->ncpus);

	/* wake the reader when a quarter of the buffer is used, leaving three
	 * quarters for the time it takes to drain */
	s->attr.wakeup_watermark = (uint32_t)(pages * 4096 / 4);
	for (role = ROLE_SWITCH; role < ROLE_COUNT; role++)
		s->wait_attr[role].wakeup_watermark = s->attr.wakeup_watermark;

	for (cpu = 0; cpu < s->ncpus; cpu++) {
		struct ring *r = &s->rings[cpu];
		int fd = open_one(&s->attr, tid, cpu, s->pid_flags), err;

		if (fd == -ENODEV || fd == -EINVAL) {
			/* an offline CPU: skip it */
			if (cpu > 0 && fd == -ENODEV)
				continue;
		}
		if (fd < 0) {
			if (errmsg)
				*errmsg = open_error(s, -fd, tid);
			return fd;
		}
		add_fd(s, fd);
		if (!r->base) {
			err = map_ring(r, fd, pages);
			if (err) {
				if (errmsg)
					*errmsg = xasprintf("cannot map the perf ring buffer: %s; raise "
							    "kernel.perf_event_mlock_kb or 'ulimit -l'",
							    strerror(-err));
				return err;
			}
		} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) < 0) {
			err = -errno;
			if (errmsg)
				*errmsg = xasprintf("PERF_EVENT_IOC_SET_OUTPUT: %s", strerror(-err));
			return err;
		}
		note_role(s, fd, ROLE_CLOCK);
		if (s->cfg.waits) {
			err = open_wait_events(s, tid, cpu, r->fd, errmsg);
			if (err)
				return err;
		}
	}
	return 0;
}

static int scan_pid(struct sampler *s, pid_t pid, char **errmsg)
{
	pid_t *tids;
	int n = procfs_list_tasks(pid, &tids), i, added = 0;

	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		uint64_t one = 1;
		int err;

		if (hashmap_get_or_put(&s->tids, &tids[i], sizeof(tids[i]), &one))
			continue;
		err = open_task(s, tids[i], errmsg);
		if (err == -ESRCH) {
			/* the thread ended between the listing and the open */
			if (errmsg) {
				free(*errmsg);
				*errmsg = NULL;
			}
			continue;
		}
		if (err) {
			free(tids);
			return err;
		}
		added++;
	}
	free(tids);
	return added;
}

int sampler_rescan(struct sampler *s)
{
	int i, total = 0;

	for (i = 0; i < s->npids; i++) {
		int n = scan_pid(s, s->pids[i], NULL);

		if (n > 0)
			total += n;
	}
	return total;
}

/* Whether this process may sample kernel mode (root, CAP_PERFMON, or
 * kernel.perf_event_paranoid <= 1): a probe event that is closed at once. */
static bool kernel_permitted(struct sampler *s, pid_t pid)
{
	struct perf_event_attr probe = s->attr;
	int fd;

	probe.inherit = 0;
	probe.disabled = 1;
	probe.enable_on_exec = 0;
	fd = (int)perf_event_open(&probe, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	/* other errors are for the real open to report */
	return errno != EACCES && errno != EPERM;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static struct sampler *sampler_new(const struct sampler_config *cfg, bool launch)
{
	struct sampler *s = xcalloc(1, sizeof(*s));

	s->cfg = *cfg;
	s->ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (s->ncpus < 1)
		s->ncpus = 1;
	s->rings = xcalloc(s->ncpus, sizeof(*s->rings));
	hashmap_init(&s->tids);
	raise_fd_limit();
	setup_attr(s, launch);
	s->layout.roles = xcalloc(1, sizeof(*s->layout.roles));
	hashmap_init(s->layout.roles);
	s->layout.switch_prev_state = s->layout.sys_id = -1;
	s->layout.sys_args = s->layout.sys_ret = -1;
	return s;
}

int sampler_open(struct sampler **out, const struct sampler_config *cfg, pid_t launch_pid,
		 const pid_t *pids, int npids, char **errmsg)
{
	struct sampler *s = sampler_new(cfg, launch_pid > 0);
	int err = 0, i;

	*errmsg = NULL;
	if (s->cfg.kernel && !kernel_permitted(s, launch_pid > 0 ? launch_pid : pids[0])) {
		debug("kernel samples not permitted: recording user frames only");
		s->cfg.kernel = false;
		setup_attr(s, launch_pid > 0);
	}
	if (s->cfg.waits) {
		err = setup_wait_attrs(s, errmsg);
		if (err) {
			sampler_close(s);
			return err;
		}
	}

	if (launch_pid > 0) {
		err = open_task(s, launch_pid, errmsg);
	} else {
		s->npids = npids;
		s->pids = xmalloc(npids * sizeof(*pids));
		memcpy(s->pids, pids, npids * sizeof(*pids));
		for (i = 0; i < npids && !err; i++) {
			int n;

			/* threads may appear while we open: scan until stable */
			do {
				n = scan_pid(s, pids[i], errmsg);
			} while (n > 0);
			if (n < 0)
				err = n;
			if (err == -ENOENT || err == -ESRCH) {
				free(*errmsg);
				*errmsg = xasprintf("no process with pid %d", (int)pids[i]);
			}
		}
	}
	if (err) {
		sampler_close(s);
		return err;
	}
	*out = s;
	return 0;
}

int sampler_open_cgroup(struct sampler **out, const struct sampler_config *cfg, int cgroup_fd,
			const char *name, char **errmsg)
{
	struct sampler *s = sampler_new(cfg, false);
	int err = 0, role;

	*errmsg = NULL;
	/* CPU-wide events: nothing to inherit; every task that runs in the
	 * cgroup (or below it) on the CPU is sampled */
	s->pid_flags = PERF_FLAG_PID_CGROUP;
	s->attr.inherit = 0;
	if (s->cfg.waits)
		err = setup_wait_attrs(s, errmsg);
	for (role = 0; role < ROLE_COUNT; role++)
		s->wait_attr[role].inherit = 0;
	if (!err)
		err = open_task(s, cgroup_fd, errmsg);
	if (err && !(s->cfg.waits && *errmsg && strstr(*errmsg, "--waits"))) {
		char *why = *errmsg;

		if (err == -EACCES || err == -EPERM)
			*errmsg = xasprintf("not allowed to record cgroup '%s' (%s): its events are "
					    "CPU-wide and need root or CAP_PERFMON "
					    "(kernel.perf_event_paranoid is %d)",
					    sanitized(name), strerror(-err), sampler_paranoid());
		else if (err == -EBADF || err == -EINVAL)
			*errmsg = xasprintf("perf events cannot follow cgroup '%s' here (%s): the "
					    "kernel needs CONFIG_CGROUP_PERF and a cgroup v2 directory",
					    sanitized(name), strerror(-err));
		else
			*errmsg = why ? xstrdup(why) : xasprintf("recording cgroup '%s': %s",
								sanitized(name), strerror(-err));
		free(why);
	}
	if (err) {
		sampler_close(s);
		return err;
	}
	*out = s;
	return 0;
}

int sampler_poll_fd(struct sampler *s, int wake_fd, int timeout_ms)
{
	struct pollfd pfd[s->ncpus + 1];
	int i, n = 0, ret;

	for (i = 0; i < s->ncpus; i++) {
		if (!s->rings[i].base || s->rings[i].hup)
			continue;
		pfd[n].fd = s->rings[i].fd;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		n++;
	}
	if (!n)
		return 1;
	if (wake_fd >= 0) {
		pfd[n].fd = wake_fd;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
	}
	ret = poll(pfd, n + (wake_fd >= 0), timeout_ms);
	if (ret < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		if (pfd[i].revents & (POLLHUP | POLLERR)) {
			int c;

			for (c = 0; c < s->ncpus; c++)
				if (s->rings[c].fd == pfd[i].fd)
					s->rings[c].hup = true;
		}
	}
	return ret;
}

int sampler_poll(struct sampler *s, int timeout_ms)
{
	return sampler_poll_fd(s, -1, timeout_ms);
}

bool sampler_done(const struct sampler *s)
{
	int i;

	for (i = 0; i < s->ncpus; i++)
		if (s->rings[i].base && !s->rings[i].hup)
			return false;
	return true;
}

void sampler_disable(struct sampler *s)
{
	size_t i;

	for (i = 0; i < s->nfds; i++)
		ioctl(s->fds[i], PERF_EVENT_IOC_DISABLE, 0);
	__atomic_store_n(&s->disabled, 1, __ATOMIC_RELEASE);
}

bool sampler_has_kernel(const struct sampler *s)
{
	return s->cfg.kernel;
}

uint64_t sampler_throttled(const struct sampler *s)
{
	return s->throttled;
}

/* Reads a u64 field at *p and advances; returns false past the end. */
static bool take(const uint8_t **p, const uint8_t *end, void *dst, size_t n)
{
	if ((size_t)(end - *p) < n)
		return false;
	memcpy(dst, *p, n);
	*p += n;
	return true;
}

/* The sample_id trailer of non-sample records: {pid, tid}, {time}, {id}. */
static void decode_trailer(const uint8_t *end, struct sampler_event *ev, const uint8_t *body)
{
	const uint8_t *p;
	uint32_t pt[2];

	/* compare lengths: end - 24 may point before the record */
	if (end < body || end - body < 24)
		return;
	p = end - 24;
	memcpy(pt, p, 8);
	memcpy(&ev->time, p + 8, 8);
	if (!ev->pid) {
		ev->pid = pt[0];
		ev->tid = pt[1];
	}
}

/* Reads a signed integer of the raw tracepoint record at off (-1: absent). */
static int64_t raw_field(const uint8_t *raw, uint32_t raw_size, int off, int size)
{
	int64_t v = 0;

	if (off < 0 || (uint32_t)off + (uint32_t)size > raw_size)
		return 0;
	memcpy(&v, raw + off, (size_t)size);
	return v;
}

static int decode_sample(const struct sampler_config *cfg, const struct sampler_layout *layout,
			 const uint8_t *p, const uint8_t *end, struct sampler_event *ev)
{
	static const int dwarf_from_perf[SAMPLER_NREGS] = {
		0, 3, 2, 1, 4, 5, 6, 7, 12, 13, 14, 15, 16, 17, 18, 19, 8,
	};
	enum sampler_role role;
	uint64_t id, type;
	uint32_t pt[2];
	uint64_t abi, size;

	if (!take(&p, end, &id, 8) || !take(&p, end, &ev->sample.ip, 8) || !take(&p, end, pt, 8) ||
	    !take(&p, end, &ev->time, 8) || !take(&p, end, &ev->sample.period, 8))
		return -EINVAL;
	ev->pid = pt[0];
	ev->tid = pt[1];
	role = role_of(layout, id);
	type = sample_type(cfg, role);
	if (type & PERF_SAMPLE_CALLCHAIN) {
		uint64_t nr, i;
		const uint64_t *ips;
		int n = 0;
		bool in_kernel = false;

		if (!take(&p, end, &nr, 8) || nr > (uint64_t)(end - p) / 8)
			return -EINVAL;
		ips = (const uint64_t *)p;
		p += nr * 8;
		/* keep the kernel part: entries after PERF_CONTEXT_KERNEL */
		for (i = 0; i < nr; i++) {
			uint64_t ip;

			memcpy(&ip, &ips[i], 8);
			if (ip >= (uint64_t)-4095) {
				in_kernel = ip == (uint64_t)PERF_CONTEXT_KERNEL;
				if (in_kernel && !n)
					ev->sample.kchain = &ips[i + 1];
				continue;
			}
			if (in_kernel && n < SAMPLER_MAX_KCHAIN)
				n++;
			else
				in_kernel = false;
		}
		ev->sample.nkchain = n;
	}
	if (type & PERF_SAMPLE_RAW) {
		uint32_t raw_size;
		const uint8_t *raw;

		if (!take(&p, end, &raw_size, 4) || raw_size > (uint64_t)(end - p))
			return -EINVAL;
		raw = p;
		p += raw_size;
		if (role == ROLE_SWITCH) {
			ev->type = SEV_SWITCH_OUT;
			ev->sample.prev_state = raw_field(raw, raw_size, layout->switch_prev_state, 8);
		} else {
			ev->type = role == ROLE_SYS_ENTER ? SEV_SYS_ENTER : SEV_SYS_EXIT;
			ev->sys.nr = raw_field(raw, raw_size, layout->sys_id, 8);
			if (role == ROLE_SYS_ENTER && layout->sys_args >= 0 &&
			    (uint32_t)layout->sys_args + 48 <= raw_size)
				memcpy(ev->sys.args, raw + layout->sys_args, 48);
			else
				ev->sys.ret = raw_field(raw, raw_size, layout->sys_ret, 8);
			return 0;
		}
	}
	if (!take(&p, end, &abi, 8))
		return -EINVAL;
	if (abi) {
		uint64_t perf_regs[REGS_COUNT];
		int i;

		if (!take(&p, end, perf_regs, sizeof(perf_regs)))
			return -EINVAL;
		for (i = 0; i < SAMPLER_NREGS; i++)
			ev->sample.regs[i] = perf_regs[dwarf_from_perf[i]];
		ev->sample.have_regs = true;
	}
	if (!take(&p, end, &size, 8))
		return -EINVAL;
	if (size) {
		uint64_t dyn;

		if ((uint64_t)(end - p) < 8 || size > (uint64_t)(end - p) - 8)
			return -EINVAL;
		memcpy(&dyn, p + size, 8);
		ev->sample.stack = p;
		ev->sample.stack_size = dyn < size ? dyn : size;
	}
	ev->sample.user_mode = ev->sample.ip < 0x800000000000ull;
	return 0;
}

int sampler_decode(const struct sampler_config *cfg, const struct sampler_layout *layout,
		   const void *rec, size_t len, struct sampler_event *ev)
{
	const struct perf_event_header *h = rec;
	const uint8_t *body = (const uint8_t *)rec + sizeof(*h), *end = (const uint8_t *)rec + len;
	const uint8_t *p = body;
	uint32_t pt[2];

	memset(ev, 0, sizeof(*ev));
	if (len < sizeof(*h) || h->size != len)
		return -EINVAL;
	switch (h->type) {
	case PERF_RECORD_SAMPLE:
		ev->type = SEV_SAMPLE;
		return decode_sample(cfg, layout, body, end, ev);
	case PERF_RECORD_SWITCH:
	case PERF_RECORD_SWITCH_CPU_WIDE:	/* cgroup (CPU-wide) events */
		ev->type = h->misc & PERF_RECORD_MISC_SWITCH_OUT ? SEV_SWITCH_DONE : SEV_SWITCH_IN;
		decode_trailer(end, ev, body);
		return 0;
	case PERF_RECORD_MMAP2: {
		uint64_t f[3];
		uint32_t prot_flags[2] = { 0, 0 };
		const char *name;

		ev->type = SEV_MMAP;
		if (!take(&p, end, pt, 8) || !take(&p, end, f, 24))
			return -EINVAL;
		ev->pid = pt[0];
		ev->tid = pt[1];
		ev->mmap.start = f[0];
		ev->mmap.len = f[1];
		ev->mmap.pgoff = f[2];
		if (end - p < 24 + 8)
			return -EINVAL;
		if (h->misc & PERF_RECORD_MISC_MMAP_BUILD_ID) {
			int n = p[0];

			ev->mmap.build_id_size = n > 20 ? 20 : n;
			memcpy(ev->mmap.build_id, p + 4, 20);
		}
		p += 24;
		take(&p, end, prot_flags, 8);
		ev->mmap.prot = prot_flags[0];
		name = (const char *)p;
		if (!memchr(name, '\0', end - p))
			return -EINVAL;
		ev->mmap.filename = name;
		decode_trailer(end, ev, p + strlen(name) + 1);
		return 0;
	}
	case PERF_RECORD_COMM:
		ev->type = SEV_COMM;
		if (!take(&p, end, pt, 8) || !memchr(p, '\0', end - p))
			return -EINVAL;
		ev->pid = pt[0];
		ev->tid = pt[1];
		ev->comm.comm = (const char *)p;
		ev->comm.exec = h->misc & PERF_RECORD_MISC_COMM_EXEC;
		decode_trailer(end, ev, p + strlen((const char *)p) + 1);
		return 0;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT: {
		uint32_t ids[4];
		uint64_t t;

		ev->type = h->type == PERF_RECORD_FORK ? SEV_FORK : SEV_EXIT;
		if (!take(&p, end, ids, 16) || !take(&p, end, &t, 8))
			return -EINVAL;
		ev->pid = ids[0];
		ev->fork.ppid = ids[1];
		ev->tid = ids[2];
		ev->fork.ptid = ids[3];
		ev->time = t;
		return 0;
	}
	case PERF_RECORD_LOST: {
		uint64_t f[2];

		ev->type = SEV_LOST;
		if (!take(&p, end, f, 16))
			return -EINVAL;
		ev->lost.count = f[1];
		decode_trailer(end, ev, p);
		return 0;
	}
	case PERF_RECORD_LOST_SAMPLES: {
		uint64_t n;

		ev->type = SEV_LOST;
		if (!take(&p, end, &n, 8))
			return -EINVAL;
		ev->lost.count = n;
		decode_trailer(end, ev, p);
		return 0;
	}
	default:
		return -ENOENT;	/* a record type we do not use */
	}
}

/* The timestamp of a raw record without decoding it (no event layout
 * needed, so the reader thread can sort what it reads): samples carry it
 * after {id, ip, pid/tid}; FORK and EXIT in their body; every other
 * record in its sample_id trailer {pid/tid, time, id}. 0 if too short. */
static uint64_t record_time(const uint8_t *rec, uint32_t len)
{
	struct perf_event_header h;
	uint64_t t = 0;
	uint32_t at;

	memcpy(&h, rec, sizeof(h));
	if (h.type == PERF_RECORD_SAMPLE)
		at = sizeof(h) + 24;
	else if (h.type == PERF_RECORD_FORK || h.type == PERF_RECORD_EXIT)
		at = sizeof(h) + 16;
	else if (len >= sizeof(h) + 24)
		at = len - 16;
	else
		return 0;
	if (at + 8 <= len)
		memcpy(&t, rec + at, 8);
	return t;
}

/* A sample's user stack dump ends the record: {u64 size; data[size]; u64
 * dyn_size}. The kernel reserves the whole size in the ring, but copied
 * only dyn_size bytes (a thread's stack often ends sooner). Copies the
 * record src of len bytes to dst (which may be src) keeping those bytes,
 * rounded up to 8, as if the kernel had been asked for that much: less for
 * the reader to copy and the queue to hold (with --waits, every context
 * switch brings a dump). Returns the length copied. */
static uint32_t copy_trimmed(uint8_t *dst, const uint8_t *src, uint32_t len, uint64_t stack_size)
{
	struct perf_event_header h;
	uint64_t size, dyn, keep;
	size_t at;		/* of the size field */

	memcpy(&h, src, sizeof(h));
	if (h.type != PERF_RECORD_SAMPLE || !stack_size || len < sizeof(h) + stack_size + 16)
		goto whole;
	at = len - 16 - stack_size;
	memcpy(&size, src + at, 8);
	memcpy(&dyn, src + len - 8, 8);
	if (size != stack_size || dyn >= size)
		goto whole;
	keep = (dyn + 7) & ~7ull;
	if (dst != src)
		memcpy(dst, src, at + 8 + keep);
	memcpy(dst + at, &keep, 8);
	if (keep) {
		memcpy(dst + at + 8 + keep, &dyn, 8);
		len = (uint32_t)(at + 16 + keep);
	} else {
		len = (uint32_t)(at + 8);	/* no dump: no dyn_size either */
	}
	h.size = (uint16_t)len;
	memcpy(dst, &h, sizeof(h));
	return len;
whole:
	if (dst != src)
		memcpy(dst, src, len);
	return len;
}

/* Copies every record of one ring into the batch (samples' user stacks
 * trimmed to what the kernel copied). */
static void read_ring(struct ring *r, struct sampler_batch *b, uint64_t *seq, uint64_t stack_size)
{
	struct perf_event_mmap_page *meta = r->base;
	const uint8_t *data = (const uint8_t *)r->base + 4096;
	uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = meta->data_tail;

	while (tail < head) {
		struct perf_event_header h;
		size_t off = tail % r->data_size, first;
		struct raw_record *rec;
		uint8_t *dst;
		uint32_t len;

		/* the header itself may wrap around the end */
		first = r->data_size - off;
		if (first >= sizeof(h)) {
			memcpy(&h, data + off, sizeof(h));
		} else {
			memcpy(&h, data + off, first);
			memcpy((uint8_t *)&h + first, data, sizeof(h) - first);
		}
		if (h.size < sizeof(h) || tail + h.size > head)
			break;
		xgrow(&b->buf, &b->cap, b->len + h.size, 1);
		dst = b->buf + b->len;
		if (first >= h.size) {
			len = copy_trimmed(dst, data + off, h.size, stack_size);
		} else {
			memcpy(dst, data + off, first);
			memcpy(dst + first, data, h.size - first);
			len = copy_trimmed(dst, dst, h.size, stack_size);
		}
		tail += h.size;
		xgrow(&b->recs, &b->recs_cap, b->nrecs + 1, sizeof(*b->recs));
		rec = &b->recs[b->nrecs++];
		rec->off = (uint32_t)b->len;
		rec->len = len;
		rec->seq = ++*seq;
		rec->time = record_time(dst, len);
		b->len += len;
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
}

static int cmp_record(const void *a, const void *b)
{
	const struct raw_record *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* How much older than a drain's start a record must be to be given out:
 * a record is written to its ring a few microseconds after its time. */
#define HOLD_MARGIN_NS 2000000ull

/* Appends the records [from, to) of src to dst. */
static void batch_append(struct sampler_batch *dst, const struct sampler_batch *src, size_t from,
			 size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		const struct raw_record *r = &src->recs[i];
		struct raw_record *d;

		xgrow(&dst->buf, &dst->cap, dst->len + r->len, 1);
		memcpy(dst->buf + dst->len, src->buf + r->off, r->len);
		xgrow(&dst->recs, &dst->recs_cap, dst->nrecs + 1, sizeof(*dst->recs));
		d = &dst->recs[dst->nrecs++];
		*d = *r;
		d->off = (uint32_t)dst->len;
		dst->len += r->len;
	}
}

/* Reads every ring into b (emptied first), after the records held back by
 * the previous read, and sorts it by time. Records newer than this read's
 * start stay held for the next one, unless the sampling has stopped (every
 * ring is then read to its end). */
static void read_rings(struct sampler *s, struct sampler_batch *b)
{
	uint64_t cut = monotonic_ns() - HOLD_MARGIN_NS;
	bool all = __atomic_load_n(&s->disabled, __ATOMIC_ACQUIRE) || sampler_done(s);
	size_t keep;
	int c;

	b->len = 0;
	b->nrecs = 0;
	batch_append(b, &s->held, 0, s->held.nrecs);
	s->held.len = 0;
	s->held.nrecs = 0;
	for (c = 0; c < s->ncpus; c++)
		if (s->rings[c].base)
			read_ring(&s->rings[c], b, &s->seq, s->attr.sample_stack_user);
	if (b->nrecs > 1)
		qsort(b->recs, b->nrecs, sizeof(*b->recs), cmp_record);
	if (all)
		return;
	keep = b->nrecs;
	while (keep > 0 && b->recs[keep - 1].time > cut)
		keep--;
	batch_append(&s->held, b, keep, b->nrecs);
	b->nrecs = keep;
}

struct sampler_batch *sampler_read(struct sampler *s)
{
	struct sampler_batch *b = xcalloc(1, sizeof(*b));

	read_rings(s, b);
	if (!b->nrecs) {
		sampler_batch_free(b);
		return NULL;
	}
	return b;
}

size_t sampler_batch_bytes(const struct sampler_batch *b)
{
	return b->len + b->nrecs * sizeof(*b->recs);
}

uint64_t sampler_batch_drop_samples(struct sampler_batch *b)
{
	uint8_t *buf = NULL;
	size_t i, kept = 0, len = 0, cap = 0;
	uint64_t dropped = 0;

	/* the records kept (mmap, comm, fork, exit, lost...: small) move to a
	 * buffer of their own, so that the samples' bytes are given back */
	for (i = 0; i < b->nrecs; i++) {
		const uint8_t *rec = b->buf + b->recs[i].off;
		struct perf_event_header h;

		memcpy(&h, rec, sizeof(h));
		if (h.type == PERF_RECORD_SAMPLE) {
			dropped++;
			continue;
		}
		xgrow(&buf, &cap, len + b->recs[i].len, 1);
		memcpy(buf + len, rec, b->recs[i].len);
		b->recs[kept] = b->recs[i];
		b->recs[kept++].off = (uint32_t)len;
		len += b->recs[i].len;
	}
	free(b->buf);
	b->buf = buf;
	b->len = len;
	b->cap = cap;
	b->nrecs = kept;
	return dropped;
}

int sampler_batch_each(struct sampler *s, const struct sampler_batch *b,
		       void (*cb)(void *arg, const struct sampler_event *ev), void *arg)
{
	size_t i;

	for (i = 0; i < b->nrecs; i++) {
		const uint8_t *rec = b->buf + b->recs[i].off;
		struct sampler_event ev;
		struct perf_event_header h;

		memcpy(&h, rec, sizeof(h));
		if (h.type == PERF_RECORD_THROTTLE)
			s->throttled++;
		if (!sampler_decode(&s->cfg, &s->layout, rec, b->recs[i].len, &ev))
			cb(arg, &ev);
	}
	return (int)b->nrecs;
}

void sampler_batch_free(struct sampler_batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->recs);
	free(b);
}

int sampler_drain(struct sampler *s, void (*cb)(void *arg, const struct sampler_event *ev),
		  void *arg)
{
	read_rings(s, &s->batch);
	return sampler_batch_each(s, &s->batch, cb, arg);
}

void sampler_close(struct sampler *s)
{
	size_t i;
	int c;

	if (!s)
		return;
	for (c = 0; c < s->ncpus; c++)
		if (s->rings[c].base)
			munmap(s->rings[c].base, s->rings[c].data_size + 4096);
	for (i = 0; i < s->nfds; i++)
		close(s->fds[i]);
	hashmap_release(&s->tids);
	if (s->layout.roles)
		hashmap_release(s->layout.roles);
	free(s->layout.roles);
	free(s->rings);
	free(s->fds);
	free(s->pids);
	free(s->batch.buf);
	free(s->batch.recs);
	free(s->held.buf);
	free(s->held.recs);
	free(s);
}
