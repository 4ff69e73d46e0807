/* stacktree.c - interning of modules, frames and call paths for the recorder */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "stacktree.h"
#include "util.h"

struct st_module {
	char *path, *build_id, *soname;
	const char *kind;
	bool is_main;
	bool dirty;		/* info changed after the module was flushed */
};

struct st_frame {
	int64_t module_id;
	char *function, *linkage, *file;
	int line;
	bool is_inline;
	uint64_t offset;
};

struct st_node {
	int64_t parent_id, frame_id;
	int depth;
};

struct stacktree {
	struct hashmap module_ids, frame_ids, node_ids;
	struct st_module *modules;	/* index = id - 1 */
	struct st_frame *frames;
	struct st_node *nodes;
	size_t nmodules, nframes, nnodes;
	size_t modules_cap, frames_cap, nodes_cap;
	size_t flushed_modules, flushed_frames, flushed_nodes;
	struct strbuf key;
};

struct stacktree *stacktree_new(void)
{
	struct stacktree *t = xcalloc(1, sizeof(*t));

	hashmap_init(&t->module_ids);
	hashmap_init(&t->frame_ids);
	hashmap_init(&t->node_ids);
	return t;
}

void stacktree_free(struct stacktree *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nmodules; i++) {
		free(t->modules[i].path);
		free(t->modules[i].build_id);
		free(t->modules[i].soname);
	}
	for (i = 0; i < t->nframes; i++) {
		free(t->frames[i].function);
		free(t->frames[i].linkage);
		free(t->frames[i].file);
	}
	free(t->modules);
	free(t->frames);
	free(t->nodes);
	hashmap_release(&t->module_ids);
	hashmap_release(&t->frame_ids);
	hashmap_release(&t->node_ids);
	strbuf_release(&t->key);
	free(t);
}

int64_t stacktree_module(struct stacktree *t, const char *path, const char *build_id,
			 const char *kind)
{
	uint64_t id = t->nmodules + 1;

	strbuf_reset(&t->key);
	strbuf_add(&t->key, path, strlen(path) + 1);
	strbuf_adds(&t->key, build_id ? build_id : "");
	if (hashmap_get_or_put(&t->module_ids, t->key.buf, t->key.len, &id))
		return (int64_t)id;
	xgrow(&t->modules, &t->modules_cap, t->nmodules + 1, sizeof(*t->modules));
	t->modules[t->nmodules].path = xstrdup(path);
	t->modules[t->nmodules].build_id = build_id && *build_id ? xstrdup(build_id) : NULL;
	t->modules[t->nmodules].soname = NULL;
	t->modules[t->nmodules].is_main = false;
	t->modules[t->nmodules].dirty = false;
	t->modules[t->nmodules].kind = kind;
	t->nmodules++;
	return (int64_t)id;
}

void stacktree_module_info(struct stacktree *t, int64_t module_id, const char *soname,
			   bool is_main)
{
	struct st_module *m;

	if (module_id < 1 || (size_t)module_id > t->nmodules)
		return;
	m = &t->modules[module_id - 1];
	if (m->is_main == is_main && !m->soname == !(soname && *soname) &&
	    (!m->soname || !strcmp(m->soname, soname)))
		return;
	free(m->soname);
	m->soname = soname && *soname ? xstrdup(soname) : NULL;
	m->is_main = is_main;
	m->dirty = (size_t)module_id <= t->flushed_modules;
}

int64_t stacktree_frame(struct stacktree *t, int64_t module_id, const char *function,
			const char *file, int line, bool is_inline, uint64_t offset)
{
	return stacktree_frame_linkage(t, module_id, function, NULL, file, line, is_inline, offset);
}

int64_t stacktree_frame_linkage(struct stacktree *t, int64_t module_id, const char *function,
				const char *linkage, const char *file, int line, bool is_inline,
				uint64_t offset)
{
	uint64_t id = t->nframes + 1;
	struct st_frame *f;

	if (linkage && (!*linkage || !strcmp(linkage, function)))
		linkage = NULL;
	/* identity: module, function, linkage, file, line, inline (not the
	 * offset) */
	strbuf_reset(&t->key);
	strbuf_add(&t->key, (const char *)&module_id, sizeof(module_id));
	strbuf_add(&t->key, (const char *)&line, sizeof(line));
	strbuf_add(&t->key, is_inline ? "i" : "f", 1);
	strbuf_add(&t->key, function, strlen(function) + 1);
	strbuf_add(&t->key, linkage ? linkage : "", linkage ? strlen(linkage) + 1 : 1);
	strbuf_adds(&t->key, file ? file : "");
	if (hashmap_get_or_put(&t->frame_ids, t->key.buf, t->key.len, &id))
		return (int64_t)id;
	xgrow(&t->frames, &t->frames_cap, t->nframes + 1, sizeof(*t->frames));
	f = &t->frames[t->nframes++];
	f->module_id = module_id;
	f->function = xstrdup(function);
	f->linkage = linkage ? xstrdup(linkage) : NULL;
	f->file = file ? xstrdup(file) : NULL;
	f->line = line;
	f->is_inline = is_inline;
	f->offset = offset;
	return (int64_t)id;
}

int64_t stacktree_node(struct stacktree *t, int64_t parent_id, int64_t frame_id)
{
	int64_t key[2] = { parent_id, frame_id };
	uint64_t id = t->nnodes + 1;
	struct st_node *n;

	if (hashmap_get_or_put(&t->node_ids, key, sizeof(key), &id))
		return (int64_t)id;
	xgrow(&t->nodes, &t->nodes_cap, t->nnodes + 1, sizeof(*t->nodes));
	n = &t->nodes[t->nnodes++];
	n->parent_id = parent_id;
	n->frame_id = frame_id;
	n->depth = parent_id ? t->nodes[parent_id - 1].depth + 1 : 1;
	return (int64_t)id;
}

int stacktree_flush(struct stacktree *t, struct store *st)
{
	int err = 0;
	size_t i;

	/* modules whose soname or main flag was learnt after they were written */
	for (i = 0; i < t->flushed_modules && !err; i++) {
		struct st_module *m = &t->modules[i];

		if (m->dirty) {
			err = store_add_module(st, (int64_t)i + 1, m->path, m->build_id, m->kind,
					       m->soname, m->is_main);
			m->dirty = err != 0;
		}
	}
	for (; t->flushed_modules < t->nmodules && !err; t->flushed_modules++) {
		struct st_module *m = &t->modules[t->flushed_modules];

		err = store_add_module(st, (int64_t)t->flushed_modules + 1, m->path, m->build_id,
				       m->kind, m->soname, m->is_main);
	}
	for (; t->flushed_frames < t->nframes && !err; t->flushed_frames++) {
		struct st_frame *f = &t->frames[t->flushed_frames];

		err = store_add_frame(st, (int64_t)t->flushed_frames + 1, f->module_id, f->function,
				      f->linkage, f->file, f->line, f->is_inline, f->offset);
		/* written: the strings are no longer needed */
		free(f->function);
		free(f->linkage);
		free(f->file);
		f->function = f->linkage = f->file = NULL;
	}
	for (; t->flushed_nodes < t->nnodes && !err; t->flushed_nodes++) {
		struct st_node *n = &t->nodes[t->flushed_nodes];

		err = store_add_node(st, (int64_t)t->flushed_nodes + 1, n->parent_id, n->frame_id,
				     n->depth);
	}
	return err;
}

size_t stacktree_node_count(const struct stacktree *t)
{
	return t->nnodes;
}

size_t stacktree_frame_count(const struct stacktree *t)
{
	return t->nframes;
}
