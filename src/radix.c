/* radix.c - stable LSD radix sort of records by a 64-bit key */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "radix.h"
#include "util.h"

/* Below this, insertion sort: the histograms would cost more. */
#define RADIX_MIN 32

static uint64_t key_at(const char *rec, size_t key_off)
{
	uint64_t k;

	memcpy(&k, rec + key_off, sizeof(k));
	return k;
}

static void insertion_sort(char *base, size_t n, size_t size, size_t key_off, char *hold)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		uint64_t k = key_at(base + i * size, key_off);

		for (j = i; j > 0 && key_at(base + (j - 1) * size, key_off) > k; j--)
			;
		if (j == i)
			continue;
		memcpy(hold, base + i * size, size);
		memmove(base + (j + 1) * size, base + j * size, (i - j) * size);
		memcpy(base + j * size, hold, size);
	}
}

void radix_sort(void *base, size_t n, size_t size, size_t key_off)
{
	size_t (*count)[256];
	char *src = base, *dst, *tmp, *rec0;
	size_t i, b;

	if (n < 2)
		return;
	if (n < RADIX_MIN) {
		char *hold = xmalloc(size);

		insertion_sort(base, n, size, key_off, hold);
		free(hold);
		return;
	}
	/* every byte's histogram in one read of the keys */
	count = xcalloc(8, sizeof(*count));
	for (i = 0; i < n; i++) {
		uint64_t k = key_at(src + i * size, key_off);

		for (b = 0; b < 8; b++)
			count[b][(k >> (8 * b)) & 0xff]++;
	}
	tmp = dst = xmalloc(n * size);
	for (b = 0; b < 8; b++) {
		size_t at = 0, c;

		if (count[b][(key_at(src, key_off) >> (8 * b)) & 0xff] == n)
			continue;	/* one value of this byte: nothing moves */
		for (c = 0; c < 256; c++) {
			size_t m = count[b][c];

			count[b][c] = at;
			at += m;
		}
		for (i = 0; i < n; i++) {
			const char *rec = src + i * size;
			size_t to = count[b][(key_at(rec, key_off) >> (8 * b)) & 0xff]++;

			memcpy(dst + to * size, rec, size);
		}
		/* the records sorted so far are now in dst: swap */
		rec0 = src;
		src = dst;
		dst = rec0;
	}
	if (src != base)
		memcpy(base, src, n * size);
	free(tmp);
	free(count);
}
