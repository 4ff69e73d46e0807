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
/* What a module is beyond its path: DT_SONAME (may be NULL) and whether it
 * is the main executable of a recorded process. Written at the next flush
 * if the module is new, else at once with the next flush too. */
void stacktree_module_info(struct stacktree *t, int64_t module_id, const char *soname,
			   bool is_main);
int64_t stacktree_frame(struct stacktree *t, int64_t module_id, const char *function,
			const char *file, int line, bool is_inline, uint64_t offset);
/*
 * As stacktree_frame() with the linkage (mangled) name of the function:
 * function is the readable name. Frames whose readable names are equal but
 * whose linkage names differ (template instances that demangle alike,
 * overloads) stay distinct frames.
 */
int64_t stacktree_frame_linkage(struct stacktree *t, int64_t module_id, const char *function,
				const char *linkage, const char *file, int line, bool is_inline,
				uint64_t offset);
int64_t stacktree_node(struct stacktree *t, int64_t parent_id, int64_t frame_id);
/* Writes what was added since the last flush; call inside a transaction. */
int stacktree_flush(struct stacktree *t, struct store *st);
size_t stacktree_node_count(const struct stacktree *t);
size_t stacktree_frame_count(const struct stacktree *t);

#endif
