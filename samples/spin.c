/* spin.c - endless CPU burner for attach tests (hotstack record -p PID)
 *
 * usage: spin [NTHREADS]   (default 1)
 *
 * Prints "ready <pid>" once all spinners are running, then burns CPU until
 * killed. SIGTERM and SIGINT are reset to their default action, because a
 * shell starts background jobs with SIGINT ignored. With one thread the
 * main thread spins in main -> spin_loop -> spin_leaf; with more, NTHREADS
 * threads named "spin-N" run thread_main -> spin_loop -> spin_leaf while the
 * main thread sleeps in pthread_join. As a safety net against stray
 * processes left behind by a failed test, it exits 0 by itself after
 * SPIN_MAX_SECONDS.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "work.h"

#define MAX_THREADS 256
#define SPIN_MAX_SECONDS 600.0

static pthread_barrier_t started;
static double give_up_at;

static SAMPLE_NOINLINE uint64_t spin_leaf(uint64_t seed)
{
	uint64_t x = seed | 1;

	BURN_ROUNDS(x, 10 * WORK_UNIT);
	SAMPLE_KEEP(x);
	return x;
}

static SAMPLE_NOINLINE uint64_t spin_loop(uint64_t seed)
{
	uint64_t sum = 0;

	while (clock_seconds(CLOCK_MONOTONIC) < give_up_at) {
		sum ^= spin_leaf(seed);
		SAMPLE_KEEP(sum);
	}
	return sum;
}

static void *thread_main(void *arg)
{
	long index = (long)arg;
	char name[16];
	uint64_t sum;

	snprintf(name, sizeof(name), "spin-%ld", index);
	pthread_setname_np(pthread_self(), name);
	pthread_barrier_wait(&started);
	sum = spin_loop(0x5917 + (uint64_t)index);
	SAMPLE_KEEP(sum);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t tids[MAX_THREADS];
	long n = 1, i;
	uint64_t sum;
	char *end;
	int err;

	if (argc > 1) {
		n = strtol(argv[1], &end, 10);
		if (end == argv[1] || *end)
			n = -1;
	}
	if (argc > 2 || n < 1 || n > MAX_THREADS) {
		fprintf(stderr, "usage: spin [NTHREADS (1..%d)]\n", MAX_THREADS);
		return 2;
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	give_up_at = clock_seconds(CLOCK_MONOTONIC) + SPIN_MAX_SECONDS;

	if (n == 1) {
		printf("ready %ld\n", (long)getpid());
		fflush(stdout);
		sum = spin_loop(0x5917);
		SAMPLE_KEEP(sum);
		return 0;
	}

	pthread_barrier_init(&started, NULL, (unsigned)n + 1);
	for (i = 0; i < n; i++) {
		err = pthread_create(&tids[i], NULL, thread_main, (void *)i);
		if (err) {
			fprintf(stderr, "spin: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	pthread_barrier_wait(&started);
	printf("ready %ld\n", (long)getpid());
	fflush(stdout);
	for (i = 0; i < n; i++)
		pthread_join(tids[i], NULL);
	return 0;
}
