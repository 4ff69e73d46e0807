/* pcinfo.c - one address to printable frames through libdw */
#include "config.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
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
 * namespaces, classes, structures and unions around it, outermost first.
 * Finding them walks the CU, so each DIE's prefix is kept in the space's
 * memo. */
static void scope_prefix(struct space *s, Dwarf_Die *die, struct strbuf *sb)
{
	Dwarf_Die origin, *scopes = NULL;
	struct strbuf prefix = STRBUF_INIT;
	const char *memo;
	int n, i;

	die_origin(die, &origin);
	memo = space_memo_get(s, &origin.addr, sizeof(origin.addr));
	if (!memo) {
		strbuf_add(&prefix, "", 0);
		n = dwarf_getscopes_die(&origin, &scopes);
		for (i = n - 1; i > 0; i--) {
			int tag = dwarf_tag(&scopes[i]);
			const char *name;

			/* a function around a local class: "use::L::h" */
			if (tag != DW_TAG_namespace && tag != DW_TAG_class_type &&
			    tag != DW_TAG_structure_type && tag != DW_TAG_union_type &&
			    tag != DW_TAG_subprogram)
				continue;
			name = dwarf_diename(&scopes[i]);
			if (!name)
				name = tag == DW_TAG_namespace ? "(anonymous namespace)"
							       : "{unnamed type}";
			strbuf_adds(&prefix, name);
			strbuf_adds(&prefix, "::");
		}
		free(scopes);
		memo = space_memo_put(s, &origin.addr, sizeof(origin.addr), prefix.buf);
	}
	strbuf_adds(sb, memo);
}

/*
 * The readable name of a subprogram or inlined call DIE, malloc'd, or NULL
 * when it has none; *linkage gets its linkage name when that demangled.
 * The linkage name (DW_AT_linkage_name, on the DIE or what it comes from)
 * gives the qualified name with parameters; without one, C++ and Rust
 * names are qualified from the DIE's enclosing scopes (a walk of the CU,
 * so not done for C, where there are none).
 */
static char *die_function(struct space *s, Dwarf_Die *cudie, Dwarf_Die *die, char **linkage)
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
		scope_prefix(s, die, &sb);
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

/* ---- the FDE around an address, from .eh_frame_hdr ----
 *
 * Code without a symbol (static functions of a stripped binary) is named
 * by the start of its FDE, the unit of CFI the compiler emits per
 * function: every address of one function gets one name, and no address
 * is named after the nearest preceding symbol, which in a stripped binary
 * is a stranger. The linker's binary search table in .eh_frame_hdr maps
 * FDE starts to FDEs; the FDE gives the length of its range.
 */

#define EH_PE_omit 0xff
#define EH_PE_FORMAT 0x0f
#define EH_PE_APPL 0x70

/* Reads a pointer of encoding enc at p (not past end); vaddr is p's
 * address, datarel the base of datarel pointers. Returns the bytes read
 * or 0 for an encoding it does not know. */
static size_t read_encoded(const unsigned char *p, const unsigned char *end, int enc,
			   uint64_t vaddr, uint64_t datarel, uint64_t *out)
{
	uint64_t v;
	size_t n;

	switch (enc & EH_PE_FORMAT) {
	case 0x00:	/* absptr */
	case 0x04:	/* udata8 */
	case 0x0c:	/* sdata8 */
		n = 8;
		break;
	case 0x03:	/* udata4 */
	case 0x0b:	/* sdata4 */
		n = 4;
		break;
	case 0x02:	/* udata2 */
	case 0x0a:	/* sdata2 */
		n = 2;
		break;
	default:
		return 0;
	}
	if (end - p < (ptrdiff_t)n)
		return 0;
	if (n == 8) {
		memcpy(&v, p, 8);
	} else if (n == 4) {
		uint32_t u;

		memcpy(&u, p, 4);
		v = (enc & 0x08) ? (uint64_t)(int64_t)(int32_t)u : u;
	} else {
		uint16_t u;

		memcpy(&u, p, 2);
		v = (enc & 0x08) ? (uint64_t)(int64_t)(int16_t)u : u;
	}
	switch (enc & EH_PE_APPL) {
	case 0x00:
		break;
	case 0x10:	/* pcrel */
		v += vaddr;
		break;
	case 0x30:	/* datarel */
		v += datarel;
		break;
	default:
		return 0;
	}
	*out = v;
	return n;
}

static size_t skip_leb128(const unsigned char *p, const unsigned char *end)
{
	size_t n = 0;

	while (p + n < end && (p[n++] & 0x80))
		;
	return n;
}

/* The bytes of the loaded image at [vaddr, vaddr + *len) (cut to the
 * segment holding vaddr), or NULL. */
static const unsigned char *image_bytes(Elf *elf, uint64_t vaddr, size_t *len)
{
	size_t i, n;

	if (elf_getphdrnum(elf, &n))
		return NULL;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;
		Elf_Data *d;
		uint64_t rel;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    vaddr < ph.p_vaddr || vaddr >= ph.p_vaddr + ph.p_filesz)
			continue;
		/* the whole segment once: libelf hands the same chunk back */
		d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_BYTE);
		if (!d)
			return NULL;
		rel = vaddr - ph.p_vaddr;
		if (*len > ph.p_filesz - rel)
			*len = ph.p_filesz - rel;
		return (const unsigned char *)d->d_buf + rel;
	}
	return NULL;
}

/* The FDE encoding ('R' augmentation) of the CIE at p, 0 (absptr) if it
 * has none, -1 if it cannot be read. */
static int cie_fde_encoding(const unsigned char *p, const unsigned char *end)
{
	const char *aug;
	const unsigned char *q;
	uint32_t len;
	int version;

	if (end - p < 9)
		return -1;
	memcpy(&len, p, 4);
	if (len == 0xffffffff || len < 5 || (uint64_t)(end - p - 4) < len)
		return -1;
	end = p + 4 + len;
	version = p[8];
	aug = (const char *)p + 9;
	q = memchr(aug, '\0', (size_t)(end - (const unsigned char *)aug));
	if (!q || aug[0] != 'z')
		return aug[0] == '\0' ? 0 : -1;
	q++;
	q += skip_leb128(q, end);		/* code alignment */
	q += skip_leb128(q, end);		/* data alignment */
	q += version == 1 ? 1 : skip_leb128(q, end);	/* return register */
	q += skip_leb128(q, end);		/* augmentation length */
	for (aug++; *aug && q < end; aug++) {
		uint64_t dummy;

		switch (*aug) {
		case 'R':
			return *q;
		case 'L':
			q++;
			break;
		case 'P': {
			int enc = *q++;
			size_t k = read_encoded(q, end, enc & ~EH_PE_APPL, 0, 0, &dummy);

			if (!k)
				return -1;
			q += k;
			break;
		}
		case 'S':
		case 'B':
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* The address of the FDE whose initial location is the last one at or
 * before addr, from the binary search table of .eh_frame_hdr. */
static int hdr_lookup(Elf *elf, uint64_t addr, uint64_t *fde_vaddr)
{
	const unsigned char *hdr = NULL, *hend, *tab;
	uint64_t hdr_vaddr = 0, eh_frame, count, lo, hi;
	size_t i, n, len = SIZE_MAX, k;
	int32_t rel;

	if (elf_getphdrnum(elf, &n))
		return -ENOENT;
	for (i = 0; i < n && !hdr; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_GNU_EH_FRAME) {
			hdr_vaddr = ph.p_vaddr;
			hdr = image_bytes(elf, hdr_vaddr, &len);
		}
	}
	if (!hdr || len < 4 || hdr[0] != 1)
		return -ENOENT;
	hend = hdr + len;
	/* version, eh_frame_ptr encoding, fde_count encoding, table encoding,
	 * eh_frame_ptr, fde_count, then the table */
	k = read_encoded(hdr + 4, hend, hdr[1], hdr_vaddr + 4, hdr_vaddr, &eh_frame);
	if (!k || hdr[2] == EH_PE_omit)
		return -ENOENT;
	tab = hdr + 4 + k;
	k = read_encoded(tab, hend, hdr[2], hdr_vaddr + (uint64_t)(tab - hdr), hdr_vaddr, &count);
	tab += k;
	/* sorted (initial location, FDE address) pairs, datarel sdata4: what
	 * every linker writes */
	if (!k || hdr[3] != 0x3b || count == 0 || (uint64_t)(hend - tab) / 8 < count)
		return -ENOENT;
	lo = 0;
	hi = count;
	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;

		memcpy(&rel, tab + mid * 8, 4);
		if (hdr_vaddr + (uint64_t)(int64_t)rel <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return -ENOENT;
	memcpy(&rel, tab + (lo - 1) * 8 + 4, 4);
	*fde_vaddr = hdr_vaddr + (uint64_t)(int64_t)rel;
	return 0;
}

int pcinfo_fde_range(Elf *elf, uint64_t addr, uint64_t *start, uint64_t *end)
{
	const unsigned char *fde, *cie;
	uint64_t fde_vaddr, pc_begin, pc_range;
	size_t len = 64, clen = 512, k;
	int32_t cie_rel;
	uint32_t flen;
	int enc;

	if (hdr_lookup(elf, addr, &fde_vaddr))
		return -ENOENT;
	/* the FDE: length, CIE pointer (back from its own field), pc_begin and
	 * pc_range in the CIE's encoding */
	fde = image_bytes(elf, fde_vaddr, &len);
	if (!fde || len < 8)
		return -ENOENT;
	memcpy(&flen, fde, 4);
	memcpy(&cie_rel, fde + 4, 4);
	if (flen == 0xffffffff || flen < 8 || cie_rel <= 0)
		return -ENOENT;
	cie = image_bytes(elf, fde_vaddr + 4 - (uint64_t)(int64_t)cie_rel, &clen);
	enc = cie ? cie_fde_encoding(cie, cie + clen) : -1;
	if (enc < 0)
		return -ENOENT;
	k = read_encoded(fde + 8, fde + len, enc, fde_vaddr + 8, 0, &pc_begin);
	if (!k || !read_encoded(fde + 8 + k, fde + len, enc & EH_PE_FORMAT, 0, 0, &pc_range))
		return -ENOENT;
	if (addr < pc_begin || addr - pc_begin >= pc_range)
		return -ENOENT;
	*start = pc_begin;
	*end = pc_begin + pc_range;
	return 0;
}

/* Whether pc (a process address in mod) lies in an FDE; *start gets the
 * FDE's first address in the process. */
static bool fde_start(Dwfl_Module *mod, uint64_t pc, uint64_t *start)
{
	Dwarf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	uint64_t lo, hi;

	if (!elf || pcinfo_fde_range(elf, pc - bias, &lo, &hi))
		return false;
	*start = lo + bias;
	return true;
}

/*
 * The source file as a path that can be opened: DWARF names files relative
 * to the compilation directory ("../samples/work.h" from an out-of-tree
 * build), which the reader's working directory knows nothing of. A
 * relative file is joined to the CU's DW_AT_comp_dir, and "dir/.." pairs
 * are folded lexically. Returns a malloc'd path, or NULL for no file.
 */
static char *source_path(Dwarf_Die *cudie, const char *file)
{
	Dwarf_Attribute attr;
	const char *dir;
	char *path, *in, *out;

	if (!file || !*file)
		return NULL;
	if (file[0] == '/' || !cudie ||
	    !(dir = dwarf_formstring(dwarf_attr(cudie, DW_AT_comp_dir, &attr))) || dir[0] != '/')
		return xstrdup(file);
	path = xasprintf("%s/%s", dir, file);
	/* fold "/./" and "/x/../" in place; out never passes in */
	for (in = out = path; *in;) {
		if (in[0] == '/' && in[1] == '.' && (in[2] == '/' || !in[2])) {
			in += 2;
		} else if (in[0] == '/' && in[1] == '.' && in[2] == '.' && (in[3] == '/' || !in[3]) &&
			   out > path) {
			while (out > path && *--out != '/')
				;
			in += 3;
		} else if (in[0] == '/' && in[1] == '/') {
			in++;
		} else {
			*out++ = *in++;
		}
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
	return path;
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
	char *name = NULL, *linkage = NULL, *src;
	int line = 0, n = 0, nscopes, i;
	uint64_t file_off, fde_pc = 0;
	bool fde;

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
		iname = die_function(s, cudie, &scopes[i], &linkage);
		src = source_path(cudie, file);
		set(&out[n++], iname ? iname : xstrdup("[inlined]"), linkage, m->path, src, line,
		    true, 0, false);
		free(src);
		file = call_file(cudie, &scopes[i]);
		line = call_line(&scopes[i]);
	}
	linkage = NULL;
	symname = dwfl_module_addrinfo(mod, pc, &off, &sym, NULL, NULL, NULL);
	fde = fde_start(mod, pc, &fde_pc);
	/* a symbol without a size before pc is a guess: keep it only when
	 * pc's FDE does not begin after it */
	if (symname && sym.st_size == 0 && fde && fde_pc > pc - off)
		symname = NULL;
	if (symname) {
		name = symbol_function(symname, &linkage);
	} else {
		for (i = 0; i < nscopes && !name; i++)
			if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram)
				name = die_function(s, cudie, &scopes[i], &linkage);
		off = file_off;
		if (!name && fde) {
			/* every address of an unnamed function: one name */
			off = pc - fde_pc;
			name = xasprintf("%s+0x%" PRIx64, base_name(m->path), file_off - off);
		}
	}
	if (!name)
		name = xasprintf("%s+0x%" PRIx64, base_name(m->path), file_off);
	src = source_path(cudie, file);
	set(&out[n++], name, linkage, m->path, src, line, false, off, symname != NULL);
	free(src);
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
