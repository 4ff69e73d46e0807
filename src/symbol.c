/* symbol.c - addresses to frames: function, module, source line, inlines */
#include "config.h"

#include <ctype.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hashmap.h"
#include "pcinfo.h"
#include "perfmap.h"
#include "symbol.h"
#include "util.h"

struct ksym {
	uint64_t addr;
	char *name;
	int64_t module_id;
};

struct jit_map {
	struct perfmap map;
	int64_t module_id;
};

struct symbolizer {
	struct stacktree *tree;
	/* (module id, file offset) -> index of the first id in pool; count in
	 * the high 8 bits */
	struct hashmap cache;
	int64_t *pool;
	size_t npool, pool_cap;
	/* kernel */
	bool kallsyms_loaded;
	struct ksym *ksyms;
	size_t nksyms;
	struct hashmap kcache;	/* pc -> frame id */
	/* JIT maps, one per pid */
	struct jit_map *jits;
	size_t njits, jits_cap;
};

struct symbolizer *symbolizer_new(struct stacktree *tree)
{
	struct symbolizer *sy = xcalloc(1, sizeof(*sy));

	sy->tree = tree;
	hashmap_init(&sy->cache);
	hashmap_init(&sy->kcache);
	return sy;
}

void symbolizer_free(struct symbolizer *sy)
{
	size_t i;

	if (!sy)
		return;
	for (i = 0; i < sy->nksyms; i++)
		free(sy->ksyms[i].name);
	for (i = 0; i < sy->njits; i++)
		perfmap_release(&sy->jits[i].map);
	free(sy->jits);
	free(sy->ksyms);
	free(sy->pool);
	hashmap_release(&sy->cache);
	hashmap_release(&sy->kcache);
	free(sy);
}

static const char *basename_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* ---- user code through libdw ---- */

static const char *module_kind(const struct space_map *m)
{
	switch (m->kind) {
	case SMAP_VDSO:
		return "vdso";
	case SMAP_ANON:
		return "anon";
	case SMAP_FILE:
		return "user";
	default:
		return "anon";
	}
}

/* DT_SONAME of the module's file (malloc'd, or NULL) and whether the file
 * is an executable rather than a library: ET_EXEC, a PIE (DF_1_PIE), or an
 * ET_DYN with an interpreter and no soname (PIEs of older linkers; libc.so.6
 * has an interpreter too, and a soname). */
static char *elf_soname(Dwfl_Module *mod, bool *executable)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	char *soname = NULL;
	bool pie = false, interp = false;
	size_t i, n;

	*executable = false;
	if (!elf || !gelf_getehdr(elf, &eh))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !(d = elf_getdata(scn, NULL)))
			continue;
		for (i = 0; sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Dyn dyn;
			const char *str;

			if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_PIE))
				pie = true;
			if (dyn.d_tag == DT_SONAME && !soname &&
			    (str = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val)))
				soname = xstrdup(str);
		}
	}
	if (!elf_getphdrnum(elf, &n))
		for (i = 0; i < n; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_INTERP)
				interp = true;
		}
	*executable = eh.e_type == ET_EXEC || pie || (interp && !soname);
	return soname;
}

static int64_t map_module_id(struct symbolizer *sy, struct space *s, struct space_map *m,
			     Dwfl_Module *mod)
{
	char hex[41] = "", *soname = NULL;
	const char *exe;
	bool executable = false;

	if (m->module_id)
		return m->module_id;
	if (m->build_id[0]) {
		memcpy(hex, m->build_id, sizeof(hex));
	} else if (mod) {
		const unsigned char *bits;
		GElf_Addr vaddr;
		int n = dwfl_module_build_id(mod, &bits, &vaddr), i;

		for (i = 0; i < n && i < 20; i++)
			sprintf(hex + 2 * i, "%02x", bits[i]);
	}
	m->module_id = stacktree_module(sy->tree, m->path, hex, module_kind(m));
	if (m->kind == SMAP_FILE && mod) {
		/* main: the file /proc/PID/exe names, or when that cannot be
		 * read (the process is gone), an executable by its ELF */
		soname = elf_soname(mod, &executable);
		exe = space_exe(s);
		stacktree_module_info(sy->tree, m->module_id, soname,
				      exe ? !strcmp(exe, m->path) : executable);
		free(soname);
	}
	return m->module_id;
}

/* Symbolizes pc (mapped at file offset file_off of module_id) through
 * pcinfo.c's libdw lookup and interns the frames, innermost first. */
static int lookup_dwfl(struct symbolizer *sy, struct space *s, int64_t module_id, uint64_t pc,
		       uint64_t file_off, int64_t *ids, int max)
{
	struct pcinfo info[SYMBOL_MAX_INLINE + 1];
	int n = pcinfo_lookup(s, pc, info, max < (int)ARRAY_SIZE(info) ? max : (int)ARRAY_SIZE(info));
	int i;

	for (i = 0; i < n; i++) {
		ids[i] = stacktree_frame_linkage(sy->tree, module_id, info[i].function,
						 info[i].linkage, info[i].file, info[i].line,
						 info[i].is_inline, file_off);
		pcinfo_release(&info[i]);
	}
	return n;
}

/* ---- JIT code: /tmp/perf-PID.map ---- */

static int64_t lookup_jit(struct symbolizer *sy, pid_t pid, uint64_t pc)
{
	const struct perfmap_sym *sym;
	struct jit_map *j = NULL;
	char path[64];
	size_t i;

	for (i = 0; i < sy->njits; i++)
		if (sy->jits[i].map.pid == pid)
			j = &sy->jits[i];
	if (!j) {
		xgrow(&sy->jits, &sy->jits_cap, sy->njits + 1, sizeof(*sy->jits));
		j = &sy->jits[sy->njits++];
		perfmap_init(&j->map, pid);
		snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)pid);
		j->module_id = stacktree_module(sy->tree, path, NULL, "jit");
	}
	/* perfmap.c: a hostile file is refused; re-read only when it changed */
	sym = perfmap_lookup(&j->map, pc);
	if (!sym && perfmap_update(&j->map) == 0)
		sym = perfmap_lookup(&j->map, pc);
	if (!sym)
		return 0;
	return stacktree_frame(sy->tree, j->module_id, sym->name, NULL, 0, false,
			       pc - sym->start);
}

int symbolizer_user(struct symbolizer *sy, struct space *s, uint64_t pc, int64_t *ids, int max)
{
	struct space_map *m = space_find_map(s, pc);
	uint64_t key[2], val;
	Dwfl_Module *mod = NULL;
	Dwfl *dwfl;
	int64_t module_id;
	int n, i;

	if (!m && space_load_proc_maps(s) == 0)
		m = space_find_map(s, pc);
	if (!m || m->kind == SMAP_ANON || m->kind == SMAP_OTHER) {
		int64_t id = lookup_jit(sy, space_pid(s), pc);
		char name[64];

		if (id) {
			ids[0] = id;
			return 1;
		}
		if (m) {
			snprintf(name, sizeof(name), "[anon]+0x%" PRIx64, pc - m->start);
			module_id = map_module_id(sy, s, m, NULL);
		} else {
			snprintf(name, sizeof(name), "[unknown]+0x%" PRIx64, pc);
			module_id = stacktree_module(sy->tree, "[unknown]", NULL, "anon");
		}
		ids[0] = stacktree_frame(sy->tree, module_id, name, NULL, 0, false, pc);
		return 1;
	}

	dwfl = space_dwfl(s);
	if (dwfl)
		mod = dwfl_addrmodule(dwfl, pc);
	module_id = map_module_id(sy, s, m, mod);
	key[0] = (uint64_t)module_id;
	key[1] = pc - m->start + m->pgoff;
	if (hashmap_get(&sy->cache, key, sizeof(key), &val)) {
		n = (int)(val >> 56);
		if (n > max)
			n = max;
		for (i = 0; i < n; i++)
			ids[i] = sy->pool[(val & ((1ull << 56) - 1)) + i];
		return n;
	}
	if (mod) {
		int64_t tmp[SYMBOL_MAX_INLINE + 1];

		n = lookup_dwfl(sy, s, module_id, pc, key[1], tmp, SYMBOL_MAX_INLINE + 1);
		xgrow(&sy->pool, &sy->pool_cap, sy->npool + n, sizeof(*sy->pool));
		memcpy(sy->pool + sy->npool, tmp, n * sizeof(*tmp));
		hashmap_put(&sy->cache, key, sizeof(key), ((uint64_t)n << 56) | sy->npool);
		sy->npool += n;
		if (n > max)
			n = max;
		memcpy(ids, tmp, n * sizeof(*tmp));
		return n;
	} else {
		/* the file could not be read: keep module+offset, do not cache
		 * (it may become readable once the maps are reloaded) */
		char *name = xasprintf("%s+0x%" PRIx64, basename_of(m->path), key[1]);

		ids[0] = stacktree_frame(sy->tree, module_id, name, NULL, 0, false, key[1]);
		free(name);
		return 1;
	}
}

/* ---- kernel ---- */

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int kallsyms_parse_line(const char *line, size_t len, struct kallsyms_line *out)
{
	/* "ADDR TYPE NAME [\t[MODULE]]", any length (Rust names are long) */
	const char *f = line, *end = line + len, *mod;
	uint64_t addr = 0;
	int digits = 0;

	for (; f < end && isxdigit((unsigned char)*f) && digits < 17; f++, digits++)
		addr = addr << 4 | (uint64_t)(isdigit((unsigned char)*f) ? *f - '0' :
					       (tolower((unsigned char)*f) - 'a' + 10));
	if (!digits || digits > 16 || end - f < 4 || f[0] != ' ' || f[2] != ' ')
		return 0;
	out->addr = addr;
	out->type = f[1];
	out->name = f + 3;
	out->namelen = 0;
	while (out->name + out->namelen < end && !strchr(" \t\n", out->name[out->namelen]))
		out->namelen++;
	mod = out->name + out->namelen;
	while (mod < end && (*mod == ' ' || *mod == '\t'))
		mod++;
	out->module = NULL;
	out->modlen = 0;
	if (end - mod > 2 && mod[0] == '[') {
		out->module = mod;
		while (mod + out->modlen < end && !strchr(" \t\n", mod[out->modlen]))
			out->modlen++;
	}
	return out->namelen && addr && out->type && strchr("tTwW", out->type);
}

int symbolizer_load_kallsyms(struct symbolizer *sy, const char *text)
{
	const char *p = text;
	size_t cap = 0;
	int64_t kernel_id = stacktree_module(sy->tree, "[kernel.kallsyms]", NULL, "kernel");

	sy->kallsyms_loaded = true;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		struct kallsyms_line kl;

		if (kallsyms_parse_line(p, len, &kl)) {
			struct ksym *k;

			xgrow(&sy->ksyms, &cap, sy->nksyms + 1, sizeof(*sy->ksyms));
			k = &sy->ksyms[sy->nksyms++];
			k->addr = kl.addr;
			k->name = xstrndup(kl.name, kl.namelen);
			k->module_id = kernel_id;
			if (kl.module) {
				char *m = xstrndup(kl.module, kl.modlen);

				k->module_id = stacktree_module(sy->tree, m, NULL, "kernel");
				free(m);
			}
		}
		p += len;
		if (*p)
			p++;
	}
	if (sy->nksyms)
		qsort(sy->ksyms, sy->nksyms, sizeof(*sy->ksyms), cmp_ksym);
	return (int)sy->nksyms;
}

void symbolizer_load_kernel(struct symbolizer *sy)
{
	char *text;

	if (sy->kallsyms_loaded)
		return;
	if (read_file("/proc/kallsyms", &text) >= 0) {
		symbolizer_load_kallsyms(sy, text);
		free(text);
	}
	sy->kallsyms_loaded = true;
}

int64_t symbolizer_kernel(struct symbolizer *sy, uint64_t pc)
{
	size_t lo = 0, hi;
	uint64_t val;
	int64_t id;

	if (hashmap_get(&sy->kcache, &pc, sizeof(pc), &val))
		return (int64_t)val;
	symbolizer_load_kernel(sy);
	hi = sy->nksyms;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (sy->ksyms[mid].addr <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0) {
		char name[40];

		snprintf(name, sizeof(name), "[kernel]+0x%" PRIx64, pc);
		id = stacktree_frame(sy->tree,
				     stacktree_module(sy->tree, "[kernel.kallsyms]", NULL, "kernel"), name,
				     NULL, 0, false, pc);
	} else {
		struct ksym *k = &sy->ksyms[lo - 1];

		id = stacktree_frame(sy->tree, k->module_id, k->name, NULL, 0, false, pc - k->addr);
	}
	hashmap_put(&sy->kcache, &pc, sizeof(pc), (uint64_t)id);
	return id;
}
