/* job-before.c - the batch job of job.h with a quadratic count_distinct()
 *
 * usage: job-before [BATCHES]   (default 1000)
 *
 * "Before" of the before/after pair that hotstack diff is tested on:
 * count_distinct() checks each key against every key before it, O(n^2), and
 * takes about half of the job's time. job-after.c is the same job with a
 * fast count_distinct(); see job.h.
 */
#define _GNU_SOURCE
#include "job.h"

static JOB_FN size_t count_distinct(const uint32_t *keys, size_t n)
{
	size_t i, j, distinct = 0;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++)
			if (keys[j] == keys[i])
				break;
		distinct += j == i;
	}
	return distinct;
}
