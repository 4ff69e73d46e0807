/* stacktree.h - the recorder's in-memory interning of modules, frames and
 * call paths (a prefix tree), flushed incrementally into the store
 *
 * Ids are dense and start at 1; node parent 0 is the root. Everything added
 * since the last stacktree_flush() is written by the next one, so the store
 * always holds every module, frame and node its samples refer to.
 */
#ifndef HOTSTACK_STACKTREE_H
#define HOTSTACK_STACKTREE_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

struct stacktree;

struct stacktree *stacktree_new(void);
void stacktree_free(struct stacktree *t);
/* kind: "user", "kernel", "jit", "vdso", "anon" (see store.h). */
int64_t stacktree_module(struct stacktree *t, const char *path, const char *build_id,
			 const char *kind);
int64_t stacktree_frame(struct stacktree *t, int64_t module_id, const char *function,
			const char *file, int line, bool is_inline, uint64_t offset);
int64_t stacktree_node(struct stacktree *t, int64_t parent_id, int64_t frame_id);
/* Writes what was added since the last flush; call inside a transaction. */
int stacktree_flush(struct stacktree *t, struct store *st);
size_t stacktree_node_count(const struct stacktree *t);
size_t stacktree_frame_count(const struct stacktree *t);

#endif
