/* work.h - shared CPU-burning leaves for the sample workloads
 *
 * leaf_60(), leaf_30() and leaf_10() run the same xorshift-multiply loop
 * for 6, 3 and 1 units of WORK_UNIT rounds, so a profiler should see their
 * self time split 60/30/10. One call of all three takes about 1 ms on a
 * current x86_64 core. The loop is a single dependent chain: it cannot be
 * vectorised or computed in closed form, and its cost per round is flat.
 *
 * The leaves are static, never inlined or cloned (the symbol names must stay
 * exactly leaf_60 etc.), and each one hands its result to an empty volatile
 * asm so the compiler cannot treat it as a pure function and drop or hoist
 * repeated calls. Results depend only on the seed, so callers can print a
 * deterministic checksum no matter how many calls fitted in the time.
 */
#ifndef HOTSTACK_SAMPLES_WORK_H
#define HOTSTACK_SAMPLES_WORK_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#if defined(__clang__)
#define SAMPLE_NOINLINE __attribute__((noinline, unused))
#else
#define SAMPLE_NOINLINE __attribute__((noinline, noclone, unused))
#endif

#define WORK_UNIT 40000UL

/* Keep a value alive without touching memory. */
#define SAMPLE_KEEP(x) __asm__ __volatile__("" : : "r"(x))

/*
 * The loop is a macro, not an inline function: an inlined helper would get
 * its own DW_TAG_inlined_subroutine, and a profiler that expands inline
 * frames would then charge the self time to it instead of to the leaf.
 */
#define BURN_ROUNDS(x, rounds) do {				\
	unsigned long burn_i_;					\
	for (burn_i_ = 0; burn_i_ < (rounds); burn_i_++) {	\
		(x) ^= (x) << 13;				\
		(x) ^= (x) >> 7;				\
		(x) ^= (x) << 17;				\
		(x) *= 0x2545f4914f6cdd1dULL;			\
	}							\
} while (0)

static SAMPLE_NOINLINE uint64_t leaf_60(uint64_t seed)
{
	uint64_t x = seed | 1;

	BURN_ROUNDS(x, 6 * WORK_UNIT);
	SAMPLE_KEEP(x);
	return x;
}

static SAMPLE_NOINLINE uint64_t leaf_30(uint64_t seed)
{
	uint64_t x = seed | 1;

	BURN_ROUNDS(x, 3 * WORK_UNIT);
	SAMPLE_KEEP(x);
	return x;
}

static SAMPLE_NOINLINE uint64_t leaf_10(uint64_t seed)
{
	uint64_t x = seed | 1;

	BURN_ROUNDS(x, 1 * WORK_UNIT);
	SAMPLE_KEEP(x);
	return x;
}

/* Seconds on the given clock, as a double. */
static inline double clock_seconds(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Parse a positive number of seconds; returns def when s is NULL and -1 on
 * a malformed or out-of-range value (callers print usage).
 */
static inline double parse_seconds(const char *s, double def)
{
	char *end;
	double v;

	if (!s)
		return def;
	v = strtod(s, &end);
	if (end == s || *end || !(v >= 0.0) || v > 86400.0)
		return -1.0;
	return v;
}

#endif
