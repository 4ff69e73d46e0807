/* job-after.c - the batch job of job.h with an O(n log n) count_distinct()
 *
 * usage: job-after [BATCHES]   (default 1000)
 *
 * "After" of the before/after pair: count_distinct() keeps its name and its
 * result but heap-sorts a copy of the keys and counts the runs of equal
 * keys. The sort is written out inside count_distinct() (no helper that the
 * compiler could inline into a frame of its own), so the function stays in
 * the profile, only much cheaper. Everything else is job-before's code.
 */
#define _GNU_SOURCE
#include "job.h"

static JOB_FN size_t count_distinct(const uint32_t *keys, size_t n)
{
	static uint32_t a[BATCH_KEYS];
	size_t i, end, distinct = 0;

	if (n > BATCH_KEYS)
		n = BATCH_KEYS;
	memcpy(a, keys, n * sizeof(*a));
	/* heap sort: build a max-heap, then move the maximum to the end */
	for (i = n / 2, end = n; end > 1;) {
		size_t root, child;
		uint32_t t;

		if (i > 0) {
			root = --i;
		} else {
			end--;
			t = a[0];
			a[0] = a[end];
			a[end] = t;
			root = 0;
		}
		while ((child = 2 * root + 1) < end) {
			if (child + 1 < end && a[child] < a[child + 1])
				child++;
			if (a[root] >= a[child])
				break;
			t = a[root];
			a[root] = a[child];
			a[child] = t;
			root = child;
		}
	}
	for (i = 0; i < n; i++)
		distinct += i == 0 || a[i] != a[i - 1];
	return distinct;
}
