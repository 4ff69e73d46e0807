/* syscalls.c - x86_64 system call numbers and names */
#include "config.h"

#include <string.h>

#include "syscalls.h"
#include "util.h"

static const char *const names[] = {
#include "syscall-names.h"
};

const char *syscall_name(long nr)
{
	if (nr < 0 || (size_t)nr >= ARRAY_SIZE(names))
		return NULL;
	return names[nr];
}

long syscall_number(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i] && !strcmp(names[i], name))
			return (long)i;
	return -1;
}

enum fd_io syscall_fd_io(long nr, int *fd_arg)
{
	static const struct {
		const char *name;
		enum fd_io io;
		int fd_arg;
	} calls[] = {
		{ "read", FD_IO_READ, 0 },	{ "pread64", FD_IO_READ, 0 },
		{ "readv", FD_IO_READ, 0 },	{ "preadv", FD_IO_READ, 0 },
		{ "preadv2", FD_IO_READ, 0 },	{ "recvfrom", FD_IO_READ, 0 },
		{ "recvmsg", FD_IO_READ, 0 },	{ "recvmmsg", FD_IO_OTHER, 0 },
		{ "write", FD_IO_WRITE, 0 },	{ "pwrite64", FD_IO_WRITE, 0 },
		{ "writev", FD_IO_WRITE, 0 },	{ "pwritev", FD_IO_WRITE, 0 },
		{ "pwritev2", FD_IO_WRITE, 0 },	{ "sendto", FD_IO_WRITE, 0 },
		{ "sendmsg", FD_IO_WRITE, 0 },	{ "sendmmsg", FD_IO_OTHER, 0 },
		{ "sendfile", FD_IO_WRITE, 0 },	{ "splice", FD_IO_OTHER, 0 },
		{ "fsync", FD_IO_OTHER, 0 },	{ "fdatasync", FD_IO_OTHER, 0 },
		{ "sync_file_range", FD_IO_OTHER, 0 },
		{ "accept", FD_IO_OTHER, 0 },	{ "accept4", FD_IO_OTHER, 0 },
		{ "connect", FD_IO_OTHER, 0 },	{ "epoll_wait", FD_IO_OTHER, 0 },
		{ "epoll_pwait", FD_IO_OTHER, 0 }, { "epoll_pwait2", FD_IO_OTHER, 0 },
		{ "flock", FD_IO_OTHER, 0 },	{ "ioctl", FD_IO_OTHER, 0 },
		{ "fallocate", FD_IO_OTHER, 0 }, { "ftruncate", FD_IO_OTHER, 0 },
		{ "getdents64", FD_IO_READ, 0 },
	};
	static long numbers[ARRAY_SIZE(calls)];
	static bool ready;
	size_t i;

	if (!ready) {
		for (i = 0; i < ARRAY_SIZE(calls); i++)
			numbers[i] = syscall_number(calls[i].name);
		ready = true;
	}
	for (i = 0; i < ARRAY_SIZE(calls); i++) {
		if (numbers[i] == nr && nr >= 0) {
			*fd_arg = calls[i].fd_arg;
			return calls[i].io;
		}
	}
	return FD_IO_NONE;
}

bool syscall_returns_fd(long nr)
{
	static const char *const calls[] = {
		"open", "openat", "openat2", "creat", "socket", "accept", "accept4", "dup", "dup2",
		"dup3", "fcntl", "eventfd", "eventfd2", "epoll_create", "epoll_create1",
		"timerfd_create", "signalfd", "signalfd4", "memfd_create", "inotify_init",
		"inotify_init1", "fanotify_init", "perf_event_open", "userfaultfd", "pidfd_open",
		"pidfd_getfd", "io_uring_setup", "open_by_handle_at", "open_tree", "fsopen",
		"fsmount", "memfd_secret", "landlock_create_ruleset", "mq_open", "bpf",
	};
	static long numbers[ARRAY_SIZE(calls)];
	static bool ready;
	size_t i;

	if (!ready) {
		for (i = 0; i < ARRAY_SIZE(calls); i++)
			numbers[i] = syscall_number(calls[i]);
		ready = true;
	}
	for (i = 0; i < ARRAY_SIZE(calls); i++)
		if (numbers[i] == nr && nr >= 0)
			return true;
	return false;
}
