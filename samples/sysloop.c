/* sysloop.c - a system-call-heavy workload: many small reads
 *
 * usage: sysloop [N]   (default 1000000)
 *
 * N rounds of read(2) of 1 byte from /dev/zero plus getppid(2), through
 * read_small() and ask_parent(), then prints a checksum. Used to measure
 * what tracing every system call costs (hotstack --waits, strace, perf trace).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static __attribute__((noinline)) unsigned read_small(int fd)
{
	unsigned char c = 1;

	if (read(fd, &c, 1) != 1)
		return 1;
	return c;
}

static __attribute__((noinline)) unsigned ask_parent(void)
{
	return (unsigned)getppid() & 1;
}

int main(int argc, char **argv)
{
	long i, n = argc > 1 ? atol(argv[1]) : 1000000;
	unsigned sum = 0;
	int fd = open("/dev/zero", O_RDONLY);

	if (fd < 0 || n < 0) {
		perror("/dev/zero");
		return 2;
	}
	for (i = 0; i < n; i++)
		sum += read_small(fd) + ask_parent();
	printf("checksum %u\n", sum);
	return 0;
}
