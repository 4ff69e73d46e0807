/* radix.h - stable radix sort of records by a 64-bit key
 *
 * For the loader's and the UI's big sorts (53,000 function names ranked,
 * 53,000 hotspot rows ordered on every reload), where qsort() spent more in
 * calls to its comparison than in comparing: a byte of the key a pass, and
 * the passes where every record has the same byte skipped, so small keys
 * cost a pass or two. Stable: a key of several fields is sorted field by
 * field, least significant first.
 */
#ifndef HOTSTACK_RADIX_H
#define HOTSTACK_RADIX_H

#include <stddef.h>

/*
 * Sort n records of size bytes at base by the uint64_t at offset key_off of
 * each (aligned as the records are), ascending; records with equal keys
 * keep their order.
 */
void radix_sort(void *base, size_t n, size_t size, size_t key_off);

#endif
