/* job-slow.c - job-before with one function made PCT percent slower
 *
 * usage: job-slow [BATCHES [PCT]]   (defaults 1000 and 20)
 *
 * The regression sample: hash_batch() runs PCT percent more rounds than in
 * job-before (20% by default; "job-slow 1000 2" is a 2% change), and nothing
 * else differs. count_distinct() is job-before's O(n^2) one; see job.h.
 */
#define _GNU_SOURCE
#define JOB_HASH_EXTRA_PCT_DEFAULT 20
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
