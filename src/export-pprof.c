/* export-pprof.c - a recording as a gzip-compressed pprof profile.proto
 *
 * The protobuf is written by hand: a varint writer and length-delimited
 * submessages built in a scratch buffer, then copied into their parent.
 * Field numbers are those of perftools.profiles (profile.proto, kept as
 * tests/data/profile.proto, against which the tests decode the output):
 *
 *   Profile   1 sample_type, 2 sample, 3 mapping, 4 location, 5 function,
 *             6 string_table, 9 time_nanos, 10 duration_nanos,
 *             11 period_type, 12 period, 13 comment, 14 default_sample_type
 *   ValueType 1 type, 2 unit                      (string table indices)
 *   Sample    1 location_id (packed, leaf first), 2 value (packed)
 *   Mapping   1 id, 2 memory_start, 3 memory_limit, 4 file_offset,
 *             5 filename, 6 build_id, 7..10 has_functions, has_filenames,
 *             has_line_numbers, has_inline_frames
 *   Location  1 id, 2 mapping_id, 3 address, 4 line (repeated Line)
 *   Line      1 function_id, 2 line
 *   Function  1 id, 2 name, 3 system_name, 4 filename, 5 start_line
 *
 * Locations: a stack node whose frame is not inline starts a location; the
 * inline frames below it (its callees inlined into it) extend that same
 * location, so a location is the chain real frame -> inline -> inline, and
 * its Lines list the chain innermost first, as pprof expects.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "export.h"
#include "hashmap.h"
#include "util.h"

/* ---- protobuf writer --------------------------------------------------- */

struct pb {
	uint8_t *buf;
	size_t len, cap;
};

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

static void pb_reserve(struct pb *b, size_t n)
{
	xgrow(&b->buf, &b->cap, b->len + n, 1);
}

static void pb_varint(struct pb *b, uint64_t v)
{
	pb_reserve(b, VARINT_MAX);
	b->len += varint_put(b->buf + b->len, v);
}

static void pb_tag(struct pb *b, int field, int wire)
{
	pb_varint(b, ((uint64_t)field << 3) | (uint64_t)wire);
}

/* uint64/int64/bool fields; proto3 leaves zero values out. */
static void pb_uint(struct pb *b, int field, uint64_t v)
{
	if (!v)
		return;
	pb_tag(b, field, WIRE_VARINT);
	pb_varint(b, v);
}

static void pb_int(struct pb *b, int field, int64_t v)
{
	pb_uint(b, field, (uint64_t)v);	/* negative: ten bytes, as protobuf does */
}

static void pb_bytes(struct pb *b, int field, const void *data, size_t n)
{
	pb_tag(b, field, WIRE_LEN);
	pb_varint(b, n);
	pb_reserve(b, n);
	memcpy(b->buf + b->len, data, n);
	b->len += n;
}

/* A submessage: sub's bytes as field of b; sub is emptied. */
static void pb_message(struct pb *b, int field, struct pb *sub)
{
	pb_bytes(b, field, sub->buf, sub->len);
	sub->len = 0;
}

/* A packed repeated varint field, through scratch. */
static void pb_packed(struct pb *b, int field, const uint64_t *v, size_t n, struct pb *scratch)
{
	size_t i;

	if (!n)
		return;
	scratch->len = 0;
	for (i = 0; i < n; i++)
		pb_varint(scratch, v[i]);
	pb_message(b, field, scratch);
}

/* ---- the string table ------------------------------------------------- */

struct strtab {
	struct hashmap index;
	struct pb out;		/* the string_table fields, in index order */
	uint64_t n;
	struct strbuf clean;
};

/* Copy s with invalid UTF-8 replaced by U+FFFD: protobuf strings must be UTF-8. */
static const char *utf8_clean(struct strbuf *sb, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	strbuf_reset(sb);
	strbuf_add(sb, "", 0);
	while (*u) {
		size_t n = 1, i;

		if (*u >= 0x80) {
			unsigned c = *u;

			n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 :
			    c >= 0xf0 && c <= 0xf4 ? 4 : 0;
			for (i = 1; i < n; i++)
				if ((u[i] & 0xc0) != 0x80)
					n = 0;
			if (n && ((c == 0xe0 && u[1] < 0xa0) || (c == 0xed && u[1] >= 0xa0) ||
				  (c == 0xf0 && u[1] < 0x90) || (c == 0xf4 && u[1] >= 0x90)))
				n = 0;
			if (!n) {
				strbuf_adds(sb, "\xef\xbf\xbd");
				u++;
				continue;
			}
		}
		strbuf_add(sb, (const char *)u, n);
		u += n;
	}
	return sb->buf;
}

static uint64_t str_index(struct strtab *t, const char *s)
{
	uint64_t idx = t->n;

	if (!s)
		s = "";
	if (hashmap_get_or_put(&t->index, s, strlen(s), &idx))
		return idx;
	s = utf8_clean(&t->clean, s);
	pb_bytes(&t->out, 6, s, strlen(s));
	t->n++;
	return idx;
}

/* ---- building the profile --------------------------------------------- */

struct pprof {
	const struct profile *p;
	struct strtab strs;
	struct pb msg, sub, scratch;
	int *node_loc;		/* per node: location id (0 for the root) */
	int *node_top;		/* per node: the non-inline node its location starts at */
	int *loc_frames;	/* per location: its innermost frame */
	uint64_t *loc_parent;	/* per location: the location of the chain minus its last frame */
	int *loc_node;		/* per location: a node ending with it */
	size_t nlocs, cap_frames, cap_parent, cap_node;
	uint64_t *mod_base;	/* per module: made-up load address, 0 = not used */
	uint64_t *mod_limit;
	int *mod_order;		/* mapping id - 1 -> module index */
	size_t nmaps;
};

/* Assign locations: one per distinct chain (non-inline frame, inline...). */
static void assign_locations(struct pprof *x)
{
	const struct profile *p = x->p;
	struct hashmap chains;
	size_t i;

	hashmap_init(&chains);
	x->node_loc = xcalloc(p->nnodes, sizeof(*x->node_loc));
	x->node_top = xcalloc(p->nnodes, sizeof(*x->node_top));
	for (i = 0; i < p->norder; i++) {
		int n = p->order[i];
		const struct profile_node *node = &p->nodes[n];
		const struct profile_frame *fr = &p->frames[node->frame];
		bool extends = fr->is_inline && node->parent > 0;
		int64_t key[2];
		uint64_t id = x->nlocs + 1;

		if (!node->total.count && !node->total.weight_ns)
			continue;
		key[0] = extends ? x->node_loc[node->parent] : 0;
		key[1] = node->frame;
		x->node_top[n] = extends ? x->node_top[node->parent] : n;
		if (!hashmap_get_or_put(&chains, key, sizeof(key), &id)) {
			xgrow(&x->loc_frames, &x->cap_frames, x->nlocs + 1, sizeof(*x->loc_frames));
			xgrow(&x->loc_parent, &x->cap_parent, x->nlocs + 1, sizeof(*x->loc_parent));
			xgrow(&x->loc_node, &x->cap_node, x->nlocs + 1, sizeof(*x->loc_node));
			x->loc_frames[x->nlocs] = node->frame;
			x->loc_parent[x->nlocs] = (uint64_t)key[0];
			x->loc_node[x->nlocs] = n;
			x->nlocs++;
		}
		x->node_loc[n] = (int)id;
	}
	hashmap_release(&chains);
}

static bool is_program(const struct profile_module *m)
{
	const char *base = strrchr(m->path, '/');

	return !strcmp(m->kind, "user") && *m->path && !strstr(base ? base : m->path, ".so");
}

/* Mappings: one per module with a location, the program first. */
static void assign_mappings(struct pprof *x)
{
	const struct profile *p = x->p;
	uint64_t *maxoff = xcalloc(p->nmodules + 1, sizeof(*maxoff));
	bool *used = xcalloc(p->nmodules + 1, sizeof(*used));
	uint64_t base = 0x10000;
	size_t i, pass;

	for (i = 0; i < x->nlocs; i++) {
		const struct profile_frame *fr = &p->frames[x->loc_frames[i]];
		int top = p->nodes[x->node_top[x->loc_node[i]]].frame;
		int m = p->frames[top].module;

		if (m < 0)
			continue;
		used[m] = true;
		if (fr->offset > maxoff[m])
			maxoff[m] = fr->offset;
	}
	x->mod_base = xcalloc(p->nmodules + 1, sizeof(*x->mod_base));
	x->mod_limit = xcalloc(p->nmodules + 1, sizeof(*x->mod_limit));
	x->mod_order = xcalloc(p->nmodules + 1, sizeof(*x->mod_order));
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < p->nmodules; i++) {
			if (!used[i])
				continue;
			/* pass 0: the first program module; pass 1: all the rest */
			if (pass == 0 && (x->nmaps || !is_program(&p->modules[i])))
				continue;
			used[i] = false;
			x->mod_order[x->nmaps++] = (int)i;
			x->mod_base[i] = base;
			x->mod_limit[i] = base + ((maxoff[i] + 1 + 0xfff) & ~(uint64_t)0xfff);
			base = x->mod_limit[i] + 0x1000;
		}
	}
	free(maxoff);
	free(used);
}

static void write_value_type(struct pprof *x, int field, const char *type, const char *unit)
{
	struct pb vt = { 0 };

	pb_int(&vt, 1, (int64_t)str_index(&x->strs, type));
	pb_int(&vt, 2, (int64_t)str_index(&x->strs, unit));
	pb_message(&x->msg, field, &vt);
	free(vt.buf);
}

static void write_samples(struct pprof *x)
{
	const struct profile *p = x->p;
	uint64_t *locs = xmalloc((p->nnodes + 1) * sizeof(*locs));
	size_t i;

	for (i = 0; i < p->norder; i++) {
		int n = p->order[i], m;
		const struct profile_node *node = &p->nodes[n];
		uint64_t values[2] = { node->self.count, node->self.weight_ns };
		size_t k = 0;

		if (!node->self.count && !node->self.weight_ns)
			continue;
		/* leaf first: this node's location, then the callers' */
		for (m = n; m > 0; m = p->nodes[x->node_top[m]].parent)
			locs[k++] = (uint64_t)x->node_loc[m];
		pb_packed(&x->sub, 1, locs, k, &x->scratch);
		pb_packed(&x->sub, 2, values, 2, &x->scratch);
		pb_message(&x->msg, 2, &x->sub);
	}
	free(locs);
}

static void write_mappings(struct pprof *x)
{
	const struct profile *p = x->p;
	size_t i;

	for (i = 0; i < x->nmaps; i++) {
		const struct profile_module *m = &p->modules[x->mod_order[i]];
		int mi = x->mod_order[i];

		pb_uint(&x->sub, 1, i + 1);
		pb_uint(&x->sub, 2, x->mod_base[mi]);
		pb_uint(&x->sub, 3, x->mod_limit[mi]);
		pb_uint(&x->sub, 4, 0);
		pb_int(&x->sub, 5, (int64_t)str_index(&x->strs, m->path));
		pb_int(&x->sub, 6, (int64_t)str_index(&x->strs, m->build_id));
		pb_uint(&x->sub, 7, 1);		/* has_functions */
		pb_uint(&x->sub, 8, 1);		/* has_filenames */
		pb_uint(&x->sub, 9, 1);		/* has_line_numbers */
		pb_uint(&x->sub, 10, 1);	/* has_inline_frames */
		pb_message(&x->msg, 3, &x->sub);
	}
}

static void write_locations(struct pprof *x)
{
	const struct profile *p = x->p;
	uint64_t *mapping_id = xcalloc(p->nmodules + 1, sizeof(*mapping_id));
	struct pb line = { 0 };
	size_t i;

	for (i = 0; i < x->nmaps; i++)
		mapping_id[x->mod_order[i]] = i + 1;
	for (i = 0; i < x->nlocs; i++) {
		const struct profile_frame *inner = &p->frames[x->loc_frames[i]];
		int top = p->nodes[x->node_top[x->loc_node[i]]].frame;
		int m = p->frames[top].module;
		uint64_t loc;

		pb_uint(&x->sub, 1, i + 1);
		if (m >= 0 && mapping_id[m]) {
			pb_uint(&x->sub, 2, mapping_id[m]);
			pb_uint(&x->sub, 3, x->mod_base[m] + inner->offset);
		}
		/* Lines innermost first: walk the chain up to its first frame */
		for (loc = i + 1; loc; loc = x->loc_parent[loc - 1]) {
			const struct profile_frame *fr = &p->frames[x->loc_frames[loc - 1]];

			pb_uint(&line, 1, (uint64_t)fr->func + 1);
			pb_int(&line, 2, fr->line);
			pb_message(&x->sub, 4, &line);
		}
		pb_message(&x->msg, 4, &x->sub);
	}
	free(line.buf);
	free(mapping_id);
}

static void write_functions(struct pprof *x)
{
	const struct profile *p = x->p;
	size_t i;

	for (i = 0; i < p->nfuncs; i++) {
		const struct profile_func *fn = &p->funcs[i];
		const struct profile_frame *hot = fn->hot_frame >= 0 ? &p->frames[fn->hot_frame] : NULL;
		uint64_t name = str_index(&x->strs, fn->name);

		pb_uint(&x->sub, 1, i + 1);
		pb_int(&x->sub, 2, (int64_t)name);
		pb_int(&x->sub, 3, (int64_t)name);
		if (hot && hot->file)
			pb_int(&x->sub, 4, (int64_t)str_index(&x->strs, hot->file));
		pb_message(&x->msg, 5, &x->sub);
	}
}

static int64_t meta_int(const struct profile *p, const char *key)
{
	const char *v = profile_meta(p, key);

	return v ? strtoll(v, NULL, 10) : 0;
}

/* gzip src into f. */
static int gzip_to(FILE *f, const uint8_t *src, size_t n)
{
	uint8_t out[65536];
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)src;
	z.avail_in = (uInt)n;	/* profiles stay far below 4 GiB */
	do {
		z.next_out = out;
		z.avail_out = sizeof(out);
		rc = deflate(&z, Z_FINISH);
		if (rc == Z_STREAM_ERROR)
			break;
		if (fwrite(out, 1, sizeof(out) - z.avail_out, f) != sizeof(out) - z.avail_out) {
			deflateEnd(&z);
			return -EIO;
		}
	} while (rc != Z_STREAM_END);
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -EIO;
}

int export_pprof(const struct profile *p, const struct export_opts *o UNUSED, FILE *f)
{
	const char *kind = p->filter.kind == KIND_CPU ? "cpu" : profile_kind_name(p->filter.kind);
	const char *cmd = profile_meta(p, "command");
	int64_t freq = meta_int(p, "frequency");
	struct pprof x;
	char *comment;
	int ret;

	memset(&x, 0, sizeof(x));
	x.p = p;
	hashmap_init(&x.strs.index);
	str_index(&x.strs, "");		/* string_table[0] must be "" */
	assign_locations(&x);
	assign_mappings(&x);

	write_value_type(&x, 1, "samples", "count");
	write_value_type(&x, 1, kind, "nanoseconds");
	write_samples(&x);
	write_mappings(&x);
	write_locations(&x);
	write_functions(&x);
	pb_int(&x.msg, 9, meta_int(p, "start_time"));
	if (p->totals.duration_ns > 0)
		pb_int(&x.msg, 10, p->totals.duration_ns);
	write_value_type(&x, 11, kind, "nanoseconds");
	if (freq > 0 && p->filter.kind == KIND_CPU)
		pb_int(&x.msg, 12, 1000000000 / freq);
	comment = xasprintf("hotstack %s recording%s%s", PACKAGE_VERSION, cmd ? " of " : "",
			    cmd ? cmd : "");
	pb_int(&x.msg, 13, (int64_t)str_index(&x.strs, comment));
	free(comment);
	pb_int(&x.msg, 14, (int64_t)str_index(&x.strs, kind));
	/* the string table last: every index above is assigned by now */
	pb_reserve(&x.msg, x.strs.out.len);
	memcpy(x.msg.buf + x.msg.len, x.strs.out.buf, x.strs.out.len);
	x.msg.len += x.strs.out.len;

	ret = gzip_to(f, x.msg.buf, x.msg.len);

	free(x.msg.buf);
	free(x.sub.buf);
	free(x.scratch.buf);
	free(x.strs.out.buf);
	strbuf_release(&x.strs.clean);
	hashmap_release(&x.strs.index);
	free(x.node_loc);
	free(x.node_top);
	free(x.loc_frames);
	free(x.loc_parent);
	free(x.loc_node);
	free(x.mod_base);
	free(x.mod_limit);
	free(x.mod_order);
	return ret;
}
