/* threads.c - multi-threaded 60/30/10 workload with named threads
 *
 * usage: threads [SECONDS] [NTHREADS]   (defaults 2.0 and 8)
 *
 * Starts NTHREADS pthreads named "worker-0" .. "worker-<N-1>"; each runs
 * thread_main -> work -> leaf_60 / leaf_30 / leaf_10 until SECONDS of wall
 * time have passed since start. The main thread only joins them and prints
 * a deterministic checksum (the xor of each thread's result).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "work.h"

#define MAX_THREADS 1024

struct worker {
	pthread_t tid;
	int index;
	double deadline;	/* CLOCK_MONOTONIC seconds */
	uint64_t result;
};

static SAMPLE_NOINLINE uint64_t work(uint64_t seed)
{
	uint64_t a, b, c;

	a = leaf_60(seed);
	b = leaf_30(seed + 1);
	c = leaf_10(seed + 2);
	return a ^ (b << 1) ^ (c << 2);
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	char name[16];
	uint64_t sum;

	snprintf(name, sizeof(name), "worker-%d", w->index);
	pthread_setname_np(pthread_self(), name);
	do {
		sum = work(0x5eed + (uint64_t)w->index * 8);
		SAMPLE_KEEP(sum);
	} while (clock_seconds(CLOCK_MONOTONIC) < w->deadline);
	w->result = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = parse_seconds(argc > 1 ? argv[1] : NULL, 2.0);
	struct worker *workers;
	uint64_t sum = 0;
	double deadline;
	long n = 8;
	char *end;
	int i, err;

	if (argc > 2) {
		n = strtol(argv[2], &end, 10);
		if (end == argv[2] || *end)
			n = -1;
	}
	if (argc > 3 || seconds < 0 || n < 1 || n > MAX_THREADS) {
		fprintf(stderr, "usage: threads [SECONDS] [NTHREADS (1..%d)]\n",
			MAX_THREADS);
		return 2;
	}

	workers = calloc((size_t)n, sizeof(*workers));
	if (!workers) {
		perror("threads: calloc");
		return 1;
	}
	deadline = clock_seconds(CLOCK_MONOTONIC) + seconds;
	for (i = 0; i < n; i++) {
		workers[i].index = i;
		workers[i].deadline = deadline;
		err = pthread_create(&workers[i].tid, NULL, thread_main,
				     &workers[i]);
		if (err) {
			fprintf(stderr, "threads: pthread_create: %s\n",
				strerror(err));
			return 1;
		}
	}
	for (i = 0; i < n; i++) {
		pthread_join(workers[i].tid, NULL);
		sum ^= workers[i].result;
	}
	free(workers);
	printf("checksum %016" PRIx64 "\n", sum);
	return 0;
}
