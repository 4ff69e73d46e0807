/* fixedwork.c - a fixed amount of CPU work, for the benchmark's slowdown
 *
 * usage: fixedwork [MILLIONS]   (default 900, about 1.5 s here)
 *
 * Runs MILLIONS million rounds of an xorshift mix through a three-deep call
 * chain (main -> outer -> inner) and prints the result. Unlike the samples,
 * which stop after so many seconds, it does the same work every run, so
 * whatever a profiler costs inside the process (the kernel's sample
 * handler, the user-stack copy) shows up in its run time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static __attribute__((noinline)) uint64_t inner(uint64_t x)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

static __attribute__((noinline)) uint64_t outer(uint64_t x, long n)
{
	long i;

	for (i = 0; i < n; i++)
		x = inner(x) + (uint64_t)i;
	return x;
}

int main(int argc, char **argv)
{
	long millions = argc > 1 ? atol(argv[1]) : 900;
	uint64_t x = 88172645463325252ull;
	long i;

	if (millions <= 0) {
		fprintf(stderr, "usage: fixedwork [MILLIONS]\n");
		return 2;
	}
	for (i = 0; i < millions; i++)
		x = outer(x, 1000000);
	printf("%016llx\n", (unsigned long long)x);
	return 0;
}
