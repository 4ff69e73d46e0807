/* split.c - single-threaded workload whose self time splits 60/30/10
 *
 * usage: split [SECONDS]   (default 2.0 seconds of process CPU time)
 *
 * Call chain: main -> run -> work -> leaf_60 / leaf_30 / leaf_10. Each
 * work() call takes about 1 ms; the CPU clock is read once per call, outside
 * the leaves, so time spent anywhere but the leaves stays well below 1%.
 * Prints one deterministic checksum line.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>

#include "work.h"

static SAMPLE_NOINLINE uint64_t work(uint64_t seed)
{
	uint64_t a, b, c;

	a = leaf_60(seed);
	b = leaf_30(seed + 1);
	c = leaf_10(seed + 2);
	return a ^ (b << 1) ^ (c << 2);
}

static SAMPLE_NOINLINE uint64_t run(double seconds)
{
	double start = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t sum;

	do {
		sum = work(0x5eed);
		SAMPLE_KEEP(sum);
	} while (clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - start < seconds);
	return sum;
}

int main(int argc, char **argv)
{
	double seconds = parse_seconds(argc > 1 ? argv[1] : NULL, 2.0);
	uint64_t sum;

	if (argc > 2 || seconds < 0) {
		fprintf(stderr, "usage: split [SECONDS]\n");
		return 2;
	}
	sum = run(seconds);
	printf("checksum %016" PRIx64 "\n", sum);
	return 0;
}
