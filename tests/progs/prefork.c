/* prefork.c - a pre-forking server's process churn, for the stress tests
 *
 * usage: prefork [WORKERS] [TOTAL] [MS]
 *
 * The parent keeps WORKERS (default 4) worker processes alive: each runs
 * worker_main -> worker_work -> leaf_60/30/10 for about MS milliseconds of
 * wall time (default 50) and exits with a status derived from its seed;
 * the parent reaps it, checks that status and forks a replacement, until
 * TOTAL workers (default 200) have run. Prints "ready" first and
 * "done TOTAL bad B" at the end; exits 1 if a worker ended wrongly (B > 0).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "work.h"

#define MAX_WORKERS 64

static SAMPLE_NOINLINE uint64_t worker_work(uint64_t seed)
{
	return leaf_60(seed) ^ leaf_30(seed + 1) ^ leaf_10(seed + 2);
}

static SAMPLE_NOINLINE int worker_main(int seed, double ms)
{
	double until = clock_seconds(CLOCK_MONOTONIC) + ms / 1e3;
	uint64_t sum = 0;

	do
		sum ^= worker_work((uint64_t)seed);
	while (clock_seconds(CLOCK_MONOTONIC) < until);
	SAMPLE_KEEP(sum);
	return seed % 100;	/* the parent checks it */
}

static pid_t start_worker(int seed, double ms)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(worker_main(seed, ms));
	return pid;
}

int main(int argc, char **argv)
{
	int nworkers = argc > 1 ? atoi(argv[1]) : 4;
	int total = argc > 2 ? atoi(argv[2]) : 200;
	double ms = argc > 3 ? atof(argv[3]) : 50;
	pid_t pids[MAX_WORKERS];
	int seeds[MAX_WORKERS];
	int started = 0, ended = 0, bad = 0, i;

	if (nworkers < 1 || nworkers > MAX_WORKERS || total < 1 || ms < 0) {
		fprintf(stderr, "usage: prefork [WORKERS<=%d] [TOTAL] [MS]\n", MAX_WORKERS);
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	for (i = 0; i < nworkers; i++) {
		pids[i] = -1;
		if (started < total) {
			seeds[i] = started;
			pids[i] = start_worker(started++, ms);
		}
	}
	while (ended < started) {
		int status;
		pid_t pid = wait(&status);

		if (pid < 0)
			break;
		for (i = 0; i < nworkers && pids[i] != pid; i++)
			;
		if (i == nworkers)
			continue;
		ended++;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != seeds[i] % 100)
			bad++;
		pids[i] = -1;
		if (started < total) {
			seeds[i] = started;
			pids[i] = start_worker(started++, ms);
			if (pids[i] < 0) {
				bad++;
				started--;
				break;
			}
		}
	}
	printf("done %d bad %d\n", ended, bad);
	return bad || ended != total;
}
