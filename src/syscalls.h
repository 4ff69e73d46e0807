/* syscalls.h - x86_64 system call numbers and names
 *
 * The table is generated at build time from the kernel headers
 * (asm/unistd_64.h) into syscall-names.h, so it follows the headers the
 * build sees. Also says which calls work on a file descriptor and how.
 */
#ifndef HOTSTACK_SYSCALLS_H
#define HOTSTACK_SYSCALLS_H

#include <stdbool.h>

/* The name of system call nr ("read"), or NULL if unknown. */
const char *syscall_name(long nr);
/* The number of a system call by name, or -1. */
long syscall_number(const char *name);

enum fd_io {
	FD_IO_NONE,	/* not a call on a descriptor */
	FD_IO_READ,	/* moves bytes in: the return value */
	FD_IO_WRITE,	/* moves bytes out: the return value */
	FD_IO_OTHER,	/* waits on or syncs a descriptor: accept, fsync, ... */
};

/* Whether system call nr returns a new descriptor (open, socket, dup...). */
bool syscall_returns_fd(long nr);

/* Whether system call nr works on a descriptor given in args[fd_arg]. */
enum fd_io syscall_fd_io(long nr, int *fd_arg);

#endif
