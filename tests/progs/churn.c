/* churn.c - test target that creates and ends hundreds of threads
 *
 * usage: churn [DELAY] [ROUNDS] [THREADS]
 *
 * Sleeps DELAY seconds (default 0.5; time for a profiler to attach), then
 * runs ROUNDS rounds (default 100), each starting THREADS threads (default
 * 4) that run churn_thread -> churn_work -> leaf_60/30/10 for about 5 ms
 * and end. Prints "ready" before the delay and "done N" at the end.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "work.h"

static SAMPLE_NOINLINE uint64_t churn_work(uint64_t seed)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < 5; i++)
		sum ^= leaf_60(seed + i) ^ leaf_30(seed + i) ^ leaf_10(seed + i);
	return sum;
}

static void *churn_thread(void *arg)
{
	uintptr_t seed = (uintptr_t)arg;

	return (void *)(uintptr_t)churn_work(seed);
}

int main(int argc, char **argv)
{
	double delay = parse_seconds(argc > 1 ? argv[1] : NULL, 0.5);
	int rounds = argc > 2 ? atoi(argv[2]) : 100;
	int nthreads = argc > 3 ? atoi(argv[3]) : 4;
	pthread_t tids[64];
	int r, i, made = 0;

	if (delay < 0 || rounds < 1 || nthreads < 1 || nthreads > 64) {
		fprintf(stderr, "usage: churn [DELAY] [ROUNDS] [THREADS<=64]\n");
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	usleep((useconds_t)(delay * 1e6));
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < nthreads; i++)
			if (!pthread_create(&tids[i], NULL, churn_thread, (void *)(uintptr_t)(r * 64 + i)))
				made++;
		for (i = 0; i < nthreads; i++)
			pthread_join(tids[i], NULL);
	}
	printf("done %d\n", made);
	return 0;
}
