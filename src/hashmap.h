/* hashmap.h - open-addressing hash map from byte strings to 64-bit values
 *
 * Keys are copied into the map (arena owned by the map); values are plain
 * uint64_t (an id or an index into the caller's array). Used to intern
 * frames, stack nodes and aggregation cells.
 */
#ifndef HOTSTACK_HASHMAP_H
#define HOTSTACK_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hashmap_slot;

struct hashmap {
	struct hashmap_slot *slots;
	size_t nslots;		/* power of two, or 0 before first insert */
	size_t count;
};

void hashmap_init(struct hashmap *map);
void hashmap_release(struct hashmap *map);
/* Removes every entry, keeping the table allocated. */
void hashmap_clear(struct hashmap *map);
/* Returns true and sets *value if key is present. */
bool hashmap_get(const struct hashmap *map, const void *key, size_t len, uint64_t *value);
/* Inserts or overwrites. */
void hashmap_put(struct hashmap *map, const void *key, size_t len, uint64_t value);
/*
 * Looks key up; if absent, inserts it with value *value and returns false.
 * If present, stores its value into *value and returns true.
 */
bool hashmap_get_or_put(struct hashmap *map, const void *key, size_t len, uint64_t *value);

#endif
