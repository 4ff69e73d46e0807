/* job.h - a fixed-work batch job, shared by job-before, job-after, job-slow
 *
 * usage: job-before [BATCHES]   (default 1000, about 1 s on a current x86_64)
 *        job-after  [BATCHES]
 *        job-slow   [BATCHES [PCT]]   (PCT default 20)
 *
 * The job processes BATCHES batches of BATCH_KEYS keys; for each batch,
 *
 *   main -> run_job -> process_batch -> make_batch      ~15% of job-before
 *                                     -> count_distinct  ~50%
 *                                     -> hash_batch      ~30%
 *                                     -> summarize       small
 *
 * The three programs are the same job with one change each, as a developer
 * would rebuild one program between two recordings:
 *
 *   job-before  count_distinct() compares every key with all keys before
 *               it: O(n^2).
 *   job-after   count_distinct() heap-sorts a copy of the keys and counts
 *               runs: O(n log n). Same name, same result, much less time;
 *               everything else is unchanged.
 *   job-slow    hash_batch() runs PCT percent more rounds than in
 *               job-before: that one function is PCT% slower.
 *
 * The work is fixed (not the time), so a run's CPU time is the cost of the
 * job and "hotstack diff" can compare runs. The output is one checksum line
 * that depends only on BATCHES (and on PCT for job-slow). To compare the
 * programs by function, copy them to the same file name in two directories
 * (the diff matches functions by name and module file name).
 *
 * The including file defines count_distinct() and may define
 * JOB_HASH_EXTRA_PCT_DEFAULT before including this header.
 */
#ifndef HOTSTACK_SAMPLES_JOB_H
#define HOTSTACK_SAMPLES_JOB_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "work.h"

#define BATCH_KEYS 2000
#define KEY_RANGE 5500		/* keys repeat: about 70% are distinct */
#define MAKE_ROUNDS 30		/* generator rounds per key */
#define HASH_ROUNDS 140		/* hash rounds per key in job-before */
#define DEFAULT_BATCHES 1000

/*
 * Every function of the job starts on a 64-byte boundary, so that code
 * common to the three programs has the same alignment in each: otherwise a
 * longer main() shifts the unchanged count_distinct() loop across a cache
 * line and makes it 10-50% slower or faster by itself (code layout alone
 * moves run times; see Mytkowicz et al., "Producing wrong data without doing
 * anything obviously wrong!", ASPLOS 2009).
 */
#define JOB_FN SAMPLE_NOINLINE __attribute__((aligned(64)))

/* Defined by the including program. */
static JOB_FN size_t count_distinct(const uint32_t *keys, size_t n);

/* Fill keys[] from seed: MAKE_ROUNDS xorshift rounds per key. */
static JOB_FN void make_batch(uint64_t seed, uint32_t *keys, size_t n)
{
	uint64_t x = seed | 1;
	size_t i;

	for (i = 0; i < n; i++) {
		BURN_ROUNDS(x, MAKE_ROUNDS);
		keys[i] = (uint32_t)(x >> 32) % KEY_RANGE;
	}
}

/* FNV-1a over the keys, rounds times over; one dependent chain. */
static JOB_FN uint64_t hash_batch(const uint32_t *keys, size_t n, unsigned long rounds)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned long r;
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t k = keys[i];

		for (r = 0; r < rounds; r++) {
			h ^= k + r;
			h *= 0x100000001b3ULL;
		}
	}
	SAMPLE_KEEP(h);
	return h;
}

static JOB_FN uint64_t summarize(uint64_t h, size_t distinct, size_t batch)
{
	uint64_t s = h ^ ((uint64_t)distinct << 32) ^ batch;

	s ^= s >> 31;
	s *= 0x9e3779b97f4a7c15ULL;
	SAMPLE_KEEP(s);
	return s;
}

static JOB_FN uint64_t process_batch(size_t batch, uint32_t *keys,
					      unsigned long hash_rounds)
{
	size_t distinct;
	uint64_t h;

	make_batch(0x10b5eedULL + batch * 0x9e3779b97f4a7c15ULL, keys, BATCH_KEYS);
	distinct = count_distinct(keys, BATCH_KEYS);
	h = hash_batch(keys, BATCH_KEYS, hash_rounds);
	return summarize(h, distinct, batch);
}

static JOB_FN uint64_t run_job(long batches, unsigned long hash_rounds)
{
	static uint32_t keys[BATCH_KEYS];
	uint64_t sum = 0;
	long b;

	for (b = 0; b < batches; b++)
		sum ^= process_batch((size_t)b, keys, hash_rounds) + (uint64_t)b;
	return sum;
}

/* Parse a whole number in [min, max]; -1 if malformed. */
static inline long job_arg(const char *s, long def, long min, long max)
{
	char *end;
	long v;

	if (!s)
		return def;
	v = strtol(s, &end, 10);
	if (end == s || *end || v < min || v > max)
		return -1;
	return v;
}

#ifndef JOB_HASH_EXTRA_PCT_DEFAULT
#define JOB_HASH_EXTRA_PCT_DEFAULT 0
#define JOB_USAGE "[BATCHES]"
#define JOB_MAX_ARGS 1
#else
#define JOB_USAGE "[BATCHES [PCT]]"
#define JOB_MAX_ARGS 2
#endif

int main(int argc, char **argv)
{
	long batches = job_arg(argc > 1 ? argv[1] : NULL, DEFAULT_BATCHES, 1, 100000000);
	long pct = job_arg(argc > 2 ? argv[2] : NULL, JOB_HASH_EXTRA_PCT_DEFAULT, 0, 1000);
	unsigned long rounds;

	if (argc > JOB_MAX_ARGS + 1 || batches < 0 || pct < 0) {
		fprintf(stderr, "usage: %s %s\n", argv[0], JOB_USAGE);
		return 2;
	}
	/* rounded to the nearest round: 140 * 1.02 = 142.8 -> 143 */
	rounds = (HASH_ROUNDS * (100 + (unsigned long)pct) + 50) / 100;
	printf("checksum %016" PRIx64 "\n", run_job(batches, rounds));
	return 0;
}

#endif
