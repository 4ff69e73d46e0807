/* xorshift.h - the bench generators' random numbers (genstacks.c,
 * genrange.c): xorshift64 from a fixed seed, so that the same arguments
 * give the same output on every machine. Header-only: genstacks.c is also
 * built alone with `cc` by the bench scripts. */
#ifndef HOTSTACK_BENCH_XORSHIFT_H
#define HOTSTACK_BENCH_XORSHIFT_H

#include <stdint.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static inline uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Uniform in [0, 1), from the top 53 bits. */
static inline double uniform(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

#endif
