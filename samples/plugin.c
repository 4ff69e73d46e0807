/* plugin.c - libhsplugin.so, a shared library loaded at run time by dlopen
 *
 * Exports plugin_work(seconds), which burns that much process CPU time in
 * plugin_hot() and returns a deterministic checksum. plugin_hot is exported
 * too, so it is in .dynsym as well as .symtab and every symbolizer finds it.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <time.h>

double plugin_work(double seconds);
uint64_t plugin_hot(uint64_t seed);

__attribute__((noinline)) uint64_t plugin_hot(uint64_t seed)
{
	uint64_t x = seed | 1;
	unsigned long i;

	/* About 1 ms per call: same xorshift-multiply chain as work.h. */
	for (i = 0; i < 400000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		x *= 0x2545f4914f6cdd1dULL;
	}
	__asm__ __volatile__("" : : "r"(x));
	return x;
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double plugin_work(double seconds)
{
	double start = cpu_seconds();
	uint64_t sum;

	do {
		sum = plugin_hot(0x9106);
	} while (cpu_seconds() - start < seconds);
	return (double)(sum & 0xffffffffu);
}
