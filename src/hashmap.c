/* hashmap.c - open-addressing (linear probing) byte-key hash map */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "util.h"

struct hashmap_slot {
	uint64_t hash;		/* 0 = empty */
	void *key;
	size_t len;
	uint64_t value;
};

void hashmap_init(struct hashmap *map)
{
	memset(map, 0, sizeof(*map));
}

void hashmap_clear(struct hashmap *map)
{
	size_t i;

	for (i = 0; i < map->nslots; i++) {
		free(map->slots[i].key);
		map->slots[i].hash = 0;
		map->slots[i].key = NULL;
	}
	map->count = 0;
}

void hashmap_release(struct hashmap *map)
{
	hashmap_clear(map);
	free(map->slots);
	hashmap_init(map);
}

static uint64_t key_hash(const void *key, size_t len)
{
	uint64_t h = hash_bytes(key, len, 0);

	return h ? h : 1;
}

static struct hashmap_slot *find_slot(const struct hashmap *map, const void *key, size_t len,
				      uint64_t h)
{
	size_t mask = map->nslots - 1, i = h & mask;

	for (;;) {
		struct hashmap_slot *s = &map->slots[i];

		if (!s->hash)
			return s;
		if (s->hash == h && s->len == len && !memcmp(s->key, key, len))
			return s;
		i = (i + 1) & mask;
	}
}

static void grow(struct hashmap *map)
{
	struct hashmap old = *map;
	size_t i;

	map->nslots = old.nslots ? old.nslots * 2 : 64;
	map->slots = xcalloc(map->nslots, sizeof(*map->slots));
	for (i = 0; i < old.nslots; i++) {
		struct hashmap_slot *s = &old.slots[i];

		if (s->hash)
			*find_slot(map, s->key, s->len, s->hash) = *s;
	}
	free(old.slots);
}

bool hashmap_get(const struct hashmap *map, const void *key, size_t len, uint64_t *value)
{
	struct hashmap_slot *s;

	if (!map->nslots)
		return false;
	s = find_slot(map, key, len, key_hash(key, len));
	if (!s->hash)
		return false;
	*value = s->value;
	return true;
}

bool hashmap_get_or_put(struct hashmap *map, const void *key, size_t len, uint64_t *value)
{
	uint64_t h = key_hash(key, len);
	struct hashmap_slot *s;

	if ((map->count + 1) * 4 > map->nslots * 3)
		grow(map);
	s = find_slot(map, key, len, h);
	if (s->hash) {
		*value = s->value;
		return true;
	}
	s->hash = h;
	s->key = xmalloc(len ? len : 1);
	memcpy(s->key, key, len);
	s->len = len;
	s->value = *value;
	map->count++;
	return false;
}

void hashmap_put(struct hashmap *map, const void *key, size_t len, uint64_t value)
{
	uint64_t v = value;

	if (hashmap_get_or_put(map, key, len, &v)) {
		struct hashmap_slot *s = find_slot(map, key, len, key_hash(key, len));

		s->value = value;
	}
}
