/* pcinfo.c - one address to printable frames through libdw */
#include "config.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pcinfo.h"
#include "util.h"

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name;

	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	return name;
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

static void set(struct pcinfo *p, const char *function, const char *module, const char *file,
		int line, bool is_inline, uint64_t offset, bool have_symbol)
{
	p->function = xstrdup(function);
	p->module = xstrdup(module);
	p->file = file ? xstrdup(file) : NULL;
	p->line = line;
	p->is_inline = is_inline;
	p->offset = offset;
	p->have_symbol = have_symbol;
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
	const char *file = NULL, *name;
	char *fallback = NULL;
	int line = 0, n = 0, nscopes, i;
	bool have_sym;
	uint64_t file_off;

	if (max < 1)
		return 0;
	m = space_find_map(s, pc);
	if (!m && space_load_proc_maps(s) == 0)
		m = space_find_map(s, pc);
	if (!m) {
		char buf[64];

		snprintf(buf, sizeof(buf), "[unknown]+0x%" PRIx64, pc);
		set(out, buf, "[unknown]", NULL, 0, false, pc, false);
		return 1;
	}
	file_off = pc - m->start + m->pgoff;
	dwfl = (m->kind == SMAP_FILE || m->kind == SMAP_VDSO) ? space_dwfl(s) : NULL;
	if (dwfl)
		mod = dwfl_addrmodule(dwfl, pc);
	if (!mod) {
		fallback = m->kind == SMAP_FILE ? xasprintf("%s+0x%" PRIx64, base_name(m->path), file_off)
						: xasprintf("%s+0x%" PRIx64, m->path[0] ? m->path : "[anon]",
							    pc - m->start);
		set(out, fallback, m->path[0] ? m->path : "[anon]", NULL, 0, false, file_off, false);
		free(fallback);
		return 1;
	}
	dl = dwfl_module_getsrc(mod, pc);
	if (dl)
		file = dwfl_lineinfo(dl, NULL, &line, NULL, NULL, NULL);
	cudie = dwfl_module_addrdie(mod, pc, &bias);
	nscopes = cudie ? dwarf_getscopes(cudie, pc - bias, &scopes) : 0;
	for (i = 0; i < nscopes && n < max - 1 && n < PCINFO_MAX_INLINE; i++) {
		const char *iname;

		if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
			continue;
		iname = die_name(&scopes[i]);
		set(&out[n++], iname ? iname : "[inlined]", m->path, file, line, true, 0, false);
		file = call_file(cudie, &scopes[i]);
		line = call_line(&scopes[i]);
	}
	name = dwfl_module_addrinfo(mod, pc, &off, &sym, NULL, NULL, NULL);
	have_sym = name != NULL;
	if (!name) {
		for (i = 0; i < nscopes && !name; i++)
			if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram)
				name = die_name(&scopes[i]);
		off = file_off;
	}
	if (!name)
		name = fallback = xasprintf("%s+0x%" PRIx64, base_name(m->path), file_off);
	else if (strchr(name + 1, '@'))
		/* versioned symbols: "__libc_start_main@@GLIBC_2.34" */
		name = fallback = xstrndup(name, (size_t)(strchr(name + 1, '@') - name));
	set(&out[n++], name, m->path, file, line, false, off, have_sym);
	free(fallback);
	free(scopes);
	return n;
}

void pcinfo_release(struct pcinfo *p)
{
	free(p->function);
	free(p->module);
	free(p->file);
	memset(p, 0, sizeof(*p));
}
