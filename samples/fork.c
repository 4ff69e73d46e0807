/* fork.c - parent and child process both burning CPU (no exec)
 *
 * usage: fork [SECONDS]   (default 2.0 seconds of wall time)
 *
 * Forks one child of the same binary. The parent runs parent_work and the
 * child child_work, each calling leaf_60 / leaf_30 / leaf_10 until SECONDS
 * of wall time have passed since start. The child prints its checksum and
 * exits; the parent waits for it, then prints its own. Exit status is 0
 * only if the child exited 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "work.h"

static SAMPLE_NOINLINE uint64_t parent_work(uint64_t seed)
{
	uint64_t a, b, c;

	a = leaf_60(seed);
	b = leaf_30(seed + 1);
	c = leaf_10(seed + 2);
	return a ^ (b << 1) ^ (c << 2);
}

static SAMPLE_NOINLINE uint64_t child_work(uint64_t seed)
{
	uint64_t a, b, c;

	a = leaf_60(seed);
	b = leaf_30(seed + 1);
	c = leaf_10(seed + 2);
	return a ^ (b << 3) ^ (c << 5);
}

static SAMPLE_NOINLINE uint64_t run_child(double deadline)
{
	uint64_t sum;

	do {
		sum = child_work(0xc41d);
		SAMPLE_KEEP(sum);
	} while (clock_seconds(CLOCK_MONOTONIC) < deadline);
	return sum;
}

static SAMPLE_NOINLINE uint64_t run_parent(double deadline)
{
	uint64_t sum;

	do {
		sum = parent_work(0x9a7e);
		SAMPLE_KEEP(sum);
	} while (clock_seconds(CLOCK_MONOTONIC) < deadline);
	return sum;
}

int main(int argc, char **argv)
{
	double seconds = parse_seconds(argc > 1 ? argv[1] : NULL, 2.0);
	double deadline;
	uint64_t sum;
	pid_t pid;
	int status;

	if (argc > 2 || seconds < 0) {
		fprintf(stderr, "usage: fork [SECONDS]\n");
		return 2;
	}

	deadline = clock_seconds(CLOCK_MONOTONIC) + seconds;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork: fork");
		return 1;
	}
	if (pid == 0) {
		sum = run_child(deadline);
		printf("child checksum %016" PRIx64 "\n", sum);
		fflush(stdout);
		_exit(ferror(stdout) ? 1 : 0);
	}

	sum = run_parent(deadline);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("fork: waitpid");
			return 1;
		}
	}
	printf("parent checksum %016" PRIx64 "\n", sum);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "fork: child did not exit cleanly\n");
		return 1;
	}
	return 0;
}
