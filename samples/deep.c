/* deep.c - deep call stacks: main -> deep -> recurse x DEPTH -> leaf_deep
 *
 * usage: deep [SECONDS] [DEPTH]   (defaults 2.0 seconds of CPU and 150)
 *
 * There are exactly DEPTH recurse frames between deep and leaf_deep (with
 * DEPTH 0, deep calls leaf_deep directly). leaf_deep burns about 1 ms and
 * deep() repeats the descent until SECONDS of process CPU time have passed.
 * recurse() mixes the callee's result non-linearly after the call, so GCC
 * can neither turn it into a tail call nor into a loop (its accumulator
 * transform handles only + and *): every level is a real frame.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>

#include "work.h"

#define MAX_DEPTH 20000

static SAMPLE_NOINLINE uint64_t leaf_deep(uint64_t seed)
{
	uint64_t x = seed | 1;

	BURN_ROUNDS(x, 10 * WORK_UNIT);
	SAMPLE_KEEP(x);
	return x;
}

/* recurse(n), n >= 1, puts exactly n recurse frames on the stack. */
static SAMPLE_NOINLINE uint64_t recurse(long depth, uint64_t seed)
{
	uint64_t r;

	if (depth <= 1)
		r = leaf_deep(seed);
	else
		r = recurse(depth - 1, seed);
	r ^= r >> 29;
	return r ^ (uint64_t)depth;
}

static SAMPLE_NOINLINE uint64_t deep(double seconds, long depth)
{
	double start = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t sum;

	do {
		if (depth > 0)
			sum = recurse(depth, 0xdee9);
		else
			sum = leaf_deep(0xdee9);
		SAMPLE_KEEP(sum);
	} while (clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - start < seconds);
	return sum;
}

int main(int argc, char **argv)
{
	double seconds = parse_seconds(argc > 1 ? argv[1] : NULL, 2.0);
	long depth = 150;
	uint64_t sum;
	char *end;

	if (argc > 2) {
		depth = strtol(argv[2], &end, 10);
		if (end == argv[2] || *end)
			depth = -1;
	}
	if (argc > 3 || seconds < 0 || depth < 0 || depth > MAX_DEPTH) {
		fprintf(stderr, "usage: deep [SECONDS] [DEPTH (0..%d)]\n",
			MAX_DEPTH);
		return 2;
	}
	sum = deep(seconds, depth);
	printf("checksum %016" PRIx64 "\n", sum);
	return 0;
}
