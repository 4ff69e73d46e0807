/* fuzz-procfs.c - the /proc readers (procfs.c): maps, stat, syscall,
 * schedstat, stack, comm
 *
 * procfs.c reads /proc/PID/... by pid, so the input is put where it looks:
 * in a private mount namespace, one file is bind-mounted over those files
 * of a helper thread of this process (not the process itself: the
 * sanitizers read /proc/self/maps), and each input is written into it.
 * Needs root (unshare, mount); elsewhere the target does nothing.
 */
#define _GNU_SOURCE
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fuzz.h"
#include "procfs.h"

static int backing = -1;
static char backing_path[] = "/tmp/hotstack-fuzz-proc-XXXXXX";
static pid_t pid, tid;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

static void *sleeper(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	tid = (pid_t)syscall(SYS_gettid);
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	for (;;)
		pause();
	return NULL;
}

/* /proc/TID/LEAF, or with task /proc/PID/task/TID/LEAF */
static void bind_over(bool task, const char *leaf)
{
	char path[128];

	if (task)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/%s", (int)pid, (int)tid, leaf);
	else
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)tid, leaf);
	mount(backing_path, path, NULL, MS_BIND, NULL);	/* absent files: not fuzzed */
}

static void remove_backing(void)
{
	unlink(backing_path);
}

static int setup(void)
{
	pthread_t t;

	if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	backing = mkstemp(backing_path);
	if (backing < 0)
		return -1;
	atexit(remove_backing);
	pid = getpid();
	pthread_mutex_lock(&lock);
	if (pthread_create(&t, NULL, sleeper, NULL)) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	while (!tid)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	/* the helper thread's files, under its tid and under the process */
	bind_over(false, "maps");
	bind_over(false, "stat");
	bind_over(true, "stat");
	bind_over(true, "syscall");
	bind_over(true, "schedstat");
	bind_over(true, "stack");
	bind_over(true, "comm");
	return 0;
}

static void on_map(void *arg, const struct proc_map *m)
{
	(void)arg;
	(void)m;
}

static void on_frame(void *arg, const char *function, uint64_t offset, const char *module)
{
	(void)arg;
	(void)function;
	(void)offset;
	(void)module;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct proc_ranges r;
	struct proc_syscall sc;
	uint64_t slices;
	char comm[64];

	if (!ready)
		ready = setup() == 0 ? 1 : -1;
	if (ready < 0)
		return 0;
	if (ftruncate(backing, 0) < 0 || pwrite(backing, data, size, 0) != (ssize_t)size)
		return 0;
	procfs_read_maps(tid, on_map, NULL);
	if (procfs_read_ranges(tid, &r) == 0) {
		procfs_range_end(&r, size);
		procfs_ranges_release(&r);
	}
	procfs_ppid(tid);
	procfs_state(pid, tid);
	procfs_syscall(pid, tid, &sc);
	procfs_timeslices(pid, tid, &slices);
	procfs_kernel_stack(pid, tid, on_frame, NULL);
	procfs_comm(pid, tid, comm, sizeof(comm));
	return 0;
}
