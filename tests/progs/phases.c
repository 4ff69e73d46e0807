/* phases.c - a steady 60/30/10 workload (samples/work.h) in which leaf_30
 * costs three times as much for a while: the anomaly detector's target
 *
 * usage: phases SECONDS [SPIKE_AT SPIKE_LEN [THREADS]]
 *
 * THREADS threads (default 2) loop over work() for SECONDS; from SPIKE_AT
 * to SPIKE_AT + SPIKE_LEN seconds (SPIKE_LEN 0 = a steady run) each work()
 * calls leaf_30 three times. Seconds are the process's CPU time divided by
 * THREADS: wall seconds when each thread has a CPU, and on a loaded machine
 * the spike still holds the same work, and so the same number of samples,
 * only spread over more wall time. Prints "spike START END", the wall
 * times (Unix ns) the spike began and ended, once the run is over.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "work.h"

static double t_end, spike_lo, spike_hi;
static int nthreads = 2;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static double wall_lo, wall_hi;	/* when the spike was seen, wall clock */

/* The run's clock: process CPU seconds per thread. */
static double now_virtual(void)
{
	return clock_seconds(CLOCK_PROCESS_CPUTIME_ID) / nthreads;
}

static SAMPLE_NOINLINE uint64_t work(uint64_t seed, int spike)
{
	uint64_t a, b, c;

	a = leaf_60(seed);
	b = leaf_30(seed + 1);
	if (spike) {
		b ^= leaf_30(seed + 3);
		b ^= leaf_30(seed + 4);
	}
	c = leaf_10(seed + 2);
	return a ^ (b << 1) ^ (c << 2);
}

static void *run(void *arg)
{
	uint64_t sum = (uint64_t)(uintptr_t)arg;
	double now;

	while ((now = now_virtual()) < t_end) {
		int spike = now >= spike_lo && now < spike_hi;

		sum = work(sum | 1, spike);
		SAMPLE_KEEP(sum);
		if (spike) {
			double wall = clock_seconds(CLOCK_REALTIME);

			pthread_mutex_lock(&lock);
			if (!wall_lo)
				wall_lo = wall;
			if (wall > wall_hi)
				wall_hi = wall;
			pthread_mutex_unlock(&lock);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds, at = 0, len = 0;
	pthread_t tids[64];
	int i;

	if (argc != 2 && argc != 4 && argc != 5) {
		fprintf(stderr, "usage: phases SECONDS [SPIKE_AT SPIKE_LEN [THREADS]]\n");
		return 2;
	}
	seconds = atof(argv[1]);
	if (argc >= 4) {
		at = atof(argv[2]);
		len = atof(argv[3]);
	}
	if (argc == 5)
		nthreads = atoi(argv[4]);
	if (seconds <= 0 || at < 0 || len < 0 || nthreads < 1 || nthreads > 64) {
		fprintf(stderr, "phases: bad arguments\n");
		return 2;
	}
	t_end = seconds;
	spike_lo = len > 0 ? at : -1;
	spike_hi = len > 0 ? at + len : -1;
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&tids[i], NULL, run, (void *)(uintptr_t)(i + 1)))
			return 1;
	for (i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	printf("spike %.0f %.0f\n", wall_lo * 1e9, wall_hi * 1e9);
	return 0;
}
