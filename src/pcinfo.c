/* pcinfo.c - one address to printable frames through libdw */
#include "config.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "pcinfo.h"
#include "util.h"

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* The DIE that declares die: the abstract origin of an inlined call or a
 * concrete instance, the declaration a definition specifies */
static void die_origin(Dwarf_Die *die, Dwarf_Die *out)
{
	Dwarf_Attribute attr;
	Dwarf_Die next;
	int i;

	*out = *die;
	for (i = 0; i < 8; i++) {
		if (!dwarf_attr(out, DW_AT_abstract_origin, &attr) &&
		    !dwarf_attr(out, DW_AT_specification, &attr))
			return;
		if (!dwarf_formref_die(&attr, &next))
			return;
		*out = next;
	}
}

/* "ns::Acc::" for a DIE declared in class Acc of namespace ns: the
 * namespaces, classes, structures and unions around it, outermost first */
static void scope_prefix(Dwarf_Die *die, struct strbuf *sb)
{
	Dwarf_Die origin, *scopes = NULL;
	int n, i;

	die_origin(die, &origin);
	n = dwarf_getscopes_die(&origin, &scopes);
	for (i = n - 1; i > 0; i--) {
		int tag = dwarf_tag(&scopes[i]);
		const char *name;

		if (tag != DW_TAG_namespace && tag != DW_TAG_class_type &&
		    tag != DW_TAG_structure_type && tag != DW_TAG_union_type)
			continue;
		name = dwarf_diename(&scopes[i]);
		strbuf_adds(sb, name ? name : "(anonymous namespace)");
		strbuf_adds(sb, "::");
	}
	free(scopes);
}

/*
 * The readable name of a subprogram or inlined call DIE, malloc'd, or NULL
 * when it has none; *linkage gets its linkage name when that demangled.
 * The linkage name (DW_AT_linkage_name, on the DIE or what it comes from)
 * gives the qualified name with parameters; without one, C++ and Rust
 * names are qualified from the DIE's enclosing scopes (a walk of the CU,
 * so not done for C, where there are none).
 */
static char *die_function(Dwarf_Die *cudie, Dwarf_Die *die, char **linkage)
{
	Dwarf_Attribute attr;
	const char *ln, *name;
	struct strbuf sb = STRBUF_INIT;
	char *readable;
	int lang;

	*linkage = NULL;
	ln = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (!ln)
		ln = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	if (ln && (readable = demangle_name(ln))) {
		*linkage = xstrdup(ln);
		return readable;
	}
	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
	if (!name)
		return ln ? xstrdup(ln) : NULL;
	lang = dwarf_srclang(cudie);
	if (lang == DW_LANG_C_plus_plus || lang == DW_LANG_C_plus_plus_03 ||
	    lang == DW_LANG_C_plus_plus_11 || lang == DW_LANG_C_plus_plus_14 ||
	    lang == DW_LANG_Rust)
		scope_prefix(die, &sb);
	strbuf_adds(&sb, name);
	return sb.buf;
}

static const char *call_file(Dwarf_Die *cudie, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Word idx;
	Dwarf_Files *files;
	size_t nfiles;

	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &idx) ||
	    dwarf_getsrcfiles(cudie, &files, &nfiles) || idx >= nfiles)
		return NULL;
	return dwarf_filesrc(files, idx, NULL, NULL);
}

static int call_line(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Word line;

	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &line))
		return 0;
	return (int)line;
}

/* Fills p; takes function and linkage (malloc'd, linkage may be NULL). */
static void set(struct pcinfo *p, char *function, char *linkage, const char *module,
		const char *file, int line, bool is_inline, uint64_t offset, bool have_symbol)
{
	p->function = function;
	p->linkage = linkage;
	p->module = xstrdup(module);
	p->file = file ? xstrdup(file) : NULL;
	p->line = line;
	p->is_inline = is_inline;
	p->offset = offset;
	p->have_symbol = have_symbol;
}

/* The readable name of a symbol table name; *linkage gets name when it
 * was demangled. Versions ("__libc_start_main@@GLIBC_2.34") are cut. */
static char *symbol_function(const char *name, char **linkage)
{
	const char *at = strchr(name + 1, '@');
	char *bare = at ? xstrndup(name, (size_t)(at - name)) : xstrdup(name);
	char *readable = demangle_name(bare);

	if (!readable) {
		*linkage = NULL;
		return bare;
	}
	*linkage = bare;
	return readable;
}

int pcinfo_lookup(struct space *s, uint64_t pc, struct pcinfo *out, int max)
{
	struct space_map *m;
	Dwfl_Module *mod = NULL;
	Dwfl *dwfl;
	Dwfl_Line *dl;
	Dwarf_Die *cudie, *scopes = NULL;
	Dwarf_Addr bias = 0;
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *file = NULL, *symname;
	char *name = NULL, *linkage = NULL;
	int line = 0, n = 0, nscopes, i;
	uint64_t file_off;

	if (max < 1)
		return 0;
	m = space_find_map(s, pc);
	if (!m && space_load_proc_maps(s) == 0)
		m = space_find_map(s, pc);
	if (!m) {
		set(out, xasprintf("[unknown]+0x%" PRIx64, pc), NULL, "[unknown]", NULL, 0, false, pc,
		    false);
		return 1;
	}
	file_off = pc - m->start + m->pgoff;
	dwfl = (m->kind == SMAP_FILE || m->kind == SMAP_VDSO) ? space_dwfl(s) : NULL;
	if (dwfl)
		mod = dwfl_addrmodule(dwfl, pc);
	if (!mod) {
		name = m->kind == SMAP_FILE ? xasprintf("%s+0x%" PRIx64, base_name(m->path), file_off)
					    : xasprintf("%s+0x%" PRIx64, m->path[0] ? m->path : "[anon]",
							pc - m->start);
		set(out, name, NULL, m->path[0] ? m->path : "[anon]", NULL, 0, false, file_off, false);
		return 1;
	}
	dl = dwfl_module_getsrc(mod, pc);
	if (dl)
		file = dwfl_lineinfo(dl, NULL, &line, NULL, NULL, NULL);
	cudie = dwfl_module_addrdie(mod, pc, &bias);
	nscopes = cudie ? dwarf_getscopes(cudie, pc - bias, &scopes) : 0;
	for (i = 0; i < nscopes && n < max - 1 && n < PCINFO_MAX_INLINE; i++) {
		char *iname;

		if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
			continue;
		iname = die_function(cudie, &scopes[i], &linkage);
		set(&out[n++], iname ? iname : xstrdup("[inlined]"), linkage, m->path, file, line,
		    true, 0, false);
		file = call_file(cudie, &scopes[i]);
		line = call_line(&scopes[i]);
	}
	linkage = NULL;
	symname = dwfl_module_addrinfo(mod, pc, &off, &sym, NULL, NULL, NULL);
	if (symname) {
		name = symbol_function(symname, &linkage);
	} else {
		for (i = 0; i < nscopes && !name; i++)
			if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram)
				name = die_function(cudie, &scopes[i], &linkage);
		off = file_off;
	}
	if (!name)
		name = xasprintf("%s+0x%" PRIx64, base_name(m->path), file_off);
	set(&out[n++], name, linkage, m->path, file, line, false, off, symname != NULL);
	free(scopes);
	return n;
}

void pcinfo_release(struct pcinfo *p)
{
	free(p->function);
	free(p->linkage);
	free(p->module);
	free(p->file);
	memset(p, 0, sizeof(*p));
}
