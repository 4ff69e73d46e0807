/* procfs.h - readers for /proc: threads, memory maps, names, states */
#ifndef HOTSTACK_PROCFS_H
#define HOTSTACK_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_map {
	uint64_t start, end, pgoff;
	uint64_t inode;
	bool exec;
	bool deleted;		/* path ended in " (deleted)" (stripped here) */
	const char *path;	/* "" for anonymous mappings; "[vdso]" etc. */
};

/* Reads /proc/PID/task into *tids (malloc'd). Returns the count or -errno. */
int procfs_list_tasks(pid_t pid, pid_t **tids);
/* Calls cb for every line of /proc/PID/maps. Returns 0 or -errno. */
int procfs_read_maps(pid_t pid, void (*cb)(void *arg, const struct proc_map *map), void *arg);
/* Thread or process name from /proc/PID/task/TID/comm (tid 0 = the process). */
int procfs_comm(pid_t pid, pid_t tid, char *buf, size_t size);
/* Parent pid from /proc/PID/stat, or -errno. */
pid_t procfs_ppid(pid_t pid);
/* Target of /proc/PID/exe into buf. Returns 0 or -errno. */
int procfs_exe(pid_t pid, char *buf, size_t size);
/* The CPU the thread last ran on (/proc stat field 39), or -errno. */
int procfs_last_cpu(pid_t pid, pid_t tid);
/* One-letter state of a thread ('R', 'S', 'D', 't', 'Z'...), or 0 if gone. */
char procfs_state(pid_t pid, pid_t tid);
/* True if the process exists (it may be a zombie). */
bool procfs_exists(pid_t pid);

/* What /proc/PID/task/TID/syscall says of a thread that is not running. */
struct proc_syscall {
	long nr;		/* the system call it sleeps in; -1: stopped or
				 * asleep outside one (a page fault) */
	uint64_t args[6];	/* its arguments (nr >= 0) */
	uint64_t sp, pc;	/* user stack pointer and pc when it entered the
				 * kernel (pc: after the syscall instruction) */
};
/* Returns 0, -EAGAIN if the thread is running (on a CPU or runnable: the
 * kernel says "running"), or -errno (-ENOENT: gone; -EACCES). */
int procfs_syscall(pid_t pid, pid_t tid, struct proc_syscall *sc);
/* Times the thread was put on a CPU (field 3 of /proc/PID/task/TID/schedstat)
 * into *out. Returns 0 or -errno. */
int procfs_timeslices(pid_t pid, pid_t tid, uint64_t *out);
/*
 * The kernel stack of a sleeping thread, innermost first, from
 * /proc/PID/task/TID/stack (root only): cb gets each function name, the
 * offset of the return address in it, and the module ("" for the kernel
 * image). Returns the number of frames or -errno.
 */
int procfs_kernel_stack(pid_t pid, pid_t tid,
			void (*cb)(void *arg, const char *function, uint64_t offset,
				   const char *module),
			void *arg);

/* The address ranges of a process's mappings, sorted. */
struct proc_ranges {
	uint64_t *v;	/* start, end pairs */
	size_t n, cap;
};
/* Fills r from /proc/PID/maps (r zeroed first). Returns 0 or -errno. */
int procfs_read_ranges(pid_t pid, struct proc_ranges *r);
/* End of the mapping holding addr, or 0. */
uint64_t procfs_range_end(const struct proc_ranges *r, uint64_t addr);
void procfs_ranges_release(struct proc_ranges *r);

/*
 * What descriptor fd of pid is: writes a description to buf ("/var/log/x",
 * "127.0.0.1:5432 -> 127.0.0.1:40000", "pipe:[123]") and returns its kind:
 * "file", "device", "tcp", "udp", "unix", "pipe", "eventfd", "epoll",
 * "timerfd", "signalfd", "anon" or "socket"; NULL if it cannot be read.
 */
const char *procfs_fd_target(pid_t pid, int fd, char *buf, size_t size);

#endif
