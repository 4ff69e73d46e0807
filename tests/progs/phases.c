/* phases.c - a steady 60/30/10 workload (samples/work.h) in which leaf_30
 * costs three times as much for a while: the anomaly detector's target
 *
 * usage: phases SECONDS [SPIKE_AT SPIKE_LEN [THREADS]]
 *
 * THREADS threads (default 2) loop over work() for SECONDS of wall time;
 * from SPIKE_AT to SPIKE_AT + SPIKE_LEN seconds after the start (wall
 * time; SPIKE_LEN 0 = a steady run) each work() calls leaf_30 three times.
 * Prints "spike START END" (Unix ns, CLOCK_REALTIME) once the run is over.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "work.h"

static double t_end, spike_lo, spike_hi;

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

	while ((now = clock_seconds(CLOCK_REALTIME)) < t_end) {
		sum = work(sum | 1, now >= spike_lo && now < spike_hi);
		SAMPLE_KEEP(sum);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds, at = 0, len = 0, t0;
	pthread_t tids[64];
	int i, threads = 2;

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
		threads = atoi(argv[4]);
	if (seconds <= 0 || at < 0 || len < 0 || threads < 1 || threads > 64) {
		fprintf(stderr, "phases: bad arguments\n");
		return 2;
	}
	t0 = clock_seconds(CLOCK_REALTIME);
	t_end = t0 + seconds;
	spike_lo = len > 0 ? t0 + at : 0;
	spike_hi = len > 0 ? t0 + at + len : 0;
	for (i = 0; i < threads; i++)
		if (pthread_create(&tids[i], NULL, run, (void *)(uintptr_t)(i + 1)))
			return 1;
	for (i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	printf("spike %.0f %.0f\n", spike_lo * 1e9, spike_hi * 1e9);
	return 0;
}
