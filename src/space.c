/* space.c - address spaces of sampled processes and their libdw Dwfl */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hashmap.h"
#include "procfs.h"
#include "space.h"
#include "util.h"

/*
 * A Dwfl and what is known about it, shared by the processes whose
 * mappings it was built from: a process forked without exec has its
 * parent's mappings, so it unwinds and symbolizes with the parent's Dwfl
 * (and its DWARF, CFI and memo already read) until either one's mappings
 * change. A pre-forking server's workers then cost no Dwfl of their own.
 */
struct dwfl_state {
	Dwfl *dwfl;		/* NULL: only a memo, nothing mapped yet */
	unsigned refs;
	/* space_memo_*(): strings about this dwfl; memo maps a key to an
	 * index into memo_strs */
	struct hashmap memo;
	char **memo_strs;
	size_t nmemo, memo_cap;
};

struct space {
	struct spaces *owner;
	pid_t pid;
	bool alive;
	uint64_t dead_since;	/* monotonic ns of its exit, 0 while alive */
	struct space_map *maps;	/* sorted by start, not overlapping */
	size_t nmaps, maps_cap;
	struct dwfl_state *dw;	/* maybe shared with the parent or children */
	bool dirty;		/* maps changed since dw was built */
	uint64_t proc_read_ns;	/* last /proc/PID/maps read */
	char *exe;		/* /proc/PID/exe's target, read once per exec */
	bool exe_read;
};

struct spaces {
	struct hashmap by_pid;	/* pid -> index in v */
	struct space **v;
	size_t n, cap;
	const Dwfl_Thread_Callbacks *callbacks;
	void *arg;
	int vdso_fd;		/* memfd holding our own vdso image, or -1 */
	uint64_t vdso_size;
};

static char *debuginfo_path;
static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

/* The vdso is the same image in every process of this kernel: copy ours
 * into a memfd so libdw can read its CFI and symbols like a file. */
static void load_vdso(struct spaces *sp)
{
	uint64_t base = getauxval(AT_SYSINFO_EHDR);
	const GElf_Ehdr *eh = (const GElf_Ehdr *)(uintptr_t)base;
	uint64_t size;
	int fd;

	sp->vdso_fd = -1;
	if (!base || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return;
	/* section headers are at the end of the image */
	size = eh->e_shoff + (uint64_t)eh->e_shnum * eh->e_shentsize;
	if (size == 0 || size > (1 << 20))
		return;
	fd = memfd_create("hotstack-vdso", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, (const void *)(uintptr_t)base, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	sp->vdso_fd = fd;
	sp->vdso_size = size;
}

struct spaces *spaces_new(const Dwfl_Thread_Callbacks *callbacks, void *arg)
{
	struct spaces *sp = xcalloc(1, sizeof(*sp));

	elf_version(EV_CURRENT);
	hashmap_init(&sp->by_pid);
	sp->callbacks = callbacks;
	sp->arg = arg;
	load_vdso(sp);
	return sp;
}

static void space_clear_maps(struct space *s)
{
	size_t i;

	for (i = 0; i < s->nmaps; i++)
		free(s->maps[i].path);
	s->nmaps = 0;
	s->dirty = true;
}

static void space_forget_exe(struct space *s)
{
	free(s->exe);
	s->exe = NULL;
	s->exe_read = false;
}

static struct dwfl_state *dw_new(void)
{
	struct dwfl_state *dw = xcalloc(1, sizeof(*dw));

	dw->refs = 1;
	hashmap_init(&dw->memo);
	return dw;
}

/* Drops s's reference to its Dwfl; the last one ends it. */
static void dw_put(struct space *s)
{
	struct dwfl_state *dw = s->dw;
	size_t i;

	s->dw = NULL;
	if (!dw || --dw->refs)
		return;
	for (i = 0; i < dw->nmemo; i++)
		free(dw->memo_strs[i]);
	free(dw->memo_strs);
	hashmap_release(&dw->memo);
	if (dw->dwfl)
		dwfl_end(dw->dwfl);
	free(dw);
}

static void space_free(struct space *s)
{
	space_clear_maps(s);
	space_forget_exe(s);
	free(s->maps);
	dw_put(s);
	free(s);
}

void spaces_free(struct spaces *sp)
{
	size_t i;

	if (!sp)
		return;
	for (i = 0; i < sp->n; i++)
		space_free(sp->v[i]);
	free(sp->v);
	hashmap_release(&sp->by_pid);
	if (sp->vdso_fd >= 0)
		close(sp->vdso_fd);
	free(sp);
}

struct space *spaces_get(struct spaces *sp, pid_t pid, bool create)
{
	uint64_t idx = sp->n;
	struct space *s;

	if (!create)
		return hashmap_get(&sp->by_pid, &pid, sizeof(pid), &idx) ? sp->v[idx] : NULL;
	if (hashmap_get_or_put(&sp->by_pid, &pid, sizeof(pid), &idx))
		return sp->v[idx];
	s = xcalloc(1, sizeof(*s));
	s->owner = sp;
	s->pid = pid;
	s->alive = true;
	xgrow(&sp->v, &sp->cap, sp->n + 1, sizeof(*sp->v));
	sp->v[sp->n++] = s;
	return s;
}

pid_t space_pid(const struct space *s)
{
	return s->pid;
}

static void insert_map(struct space *s, const struct space_map *m)
{
	size_t i = 0, j;

	/* drop what the new mapping overlaps (munmap/mmap over it) */
	for (j = 0; j < s->nmaps; j++) {
		struct space_map *o = &s->maps[j];

		if (o->start < m->end && m->start < o->end) {
			free(o->path);
			continue;
		}
		s->maps[i++] = *o;
	}
	s->nmaps = i;
	xgrow(&s->maps, &s->maps_cap, s->nmaps + 1, sizeof(*s->maps));
	for (i = s->nmaps; i > 0 && s->maps[i - 1].start > m->start; i--)
		s->maps[i] = s->maps[i - 1];
	s->maps[i] = *m;
	s->nmaps++;
	if (m->kind == SMAP_FILE || m->kind == SMAP_VDSO)
		s->dirty = true;
}

static enum map_kind classify(const char *path)
{
	if (!*path || !strncmp(path, "//anon", 6) || !strncmp(path, "/memfd:", 7) ||
	    !strncmp(path, "[anon", 5))
		return SMAP_ANON;
	if (!strcmp(path, "[vdso]"))
		return SMAP_VDSO;
	if (path[0] == '[')
		return SMAP_OTHER;
	return SMAP_FILE;
}

static void add_map(struct space *s, uint64_t start, uint64_t len, uint64_t pgoff,
		    const char *path, size_t plen, bool deleted, const uint8_t *build_id,
		    int build_id_size)
{
	struct space_map m = { 0 };
	int i;

	m.start = start;
	m.end = start + len;
	m.pgoff = pgoff;
	m.deleted = deleted;
	m.path = xstrndup(path, plen);
	m.kind = classify(m.path);
	for (i = 0; i < build_id_size && i < 20; i++)
		sprintf(m.build_id + 2 * i, "%02x", build_id[i]);
	insert_map(s, &m);
}

void space_add_map(struct space *s, uint64_t start, uint64_t len, uint64_t pgoff,
		   const char *path, const uint8_t *build_id, int build_id_size)
{
	size_t plen = strlen(path);
	bool deleted = plen > 10 && !strcmp(path + plen - 10, " (deleted)");

	add_map(s, start, len, pgoff, path, deleted ? plen - 10 : plen, deleted, build_id,
		build_id_size);
}

static void add_proc_map(void *arg, const struct proc_map *pm)
{
	struct space *s = arg;

	if (pm->exec)
		add_map(s, pm->start, pm->end - pm->start, pm->pgoff, pm->path, strlen(pm->path),
			pm->deleted, NULL, 0);
}

int space_load_proc_maps(struct space *s)
{
	uint64_t now = monotonic_ns();

	if (!s->alive)
		return -ESRCH;
	if (s->proc_read_ns && now - s->proc_read_ns < 100000000ull)
		return 0;
	s->proc_read_ns = now;
	return procfs_read_maps(s->pid, add_proc_map, s);
}

struct space_map *space_find_map(struct space *s, uint64_t addr)
{
	size_t lo = 0, hi = s->nmaps;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (addr < s->maps[mid].start)
			hi = mid;
		else if (addr >= s->maps[mid].end)
			lo = mid + 1;
		else
			return &s->maps[mid];
	}
	return NULL;
}

const char *space_exe(struct space *s)
{
	char link[64], buf[4096];
	ssize_t n;

	if (s->exe_read || !s->alive)
		return s->exe;
	s->exe_read = true;
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)s->pid);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	if (n > 10 && !strcmp(buf + n - 10, " (deleted)"))
		buf[n - 10] = '\0';
	s->exe = xstrdup(buf);
	return s->exe;
}

void spaces_fork(struct spaces *sp, pid_t child, pid_t parent)
{
	struct space *p = spaces_get(sp, parent, false), *c;
	size_t i;

	if (!p || child == parent)
		return;
	c = spaces_get(sp, child, true);
	space_clear_maps(c);
	c->alive = true;	/* the pid may be reused */
	c->dead_since = 0;
	c->proc_read_ns = 0;
	space_forget_exe(c);
	for (i = 0; i < p->nmaps; i++) {
		struct space_map m = p->maps[i];

		m.path = xstrdup(m.path);
		insert_map(c, &m);
	}
	/* the same mappings: the parent's Dwfl serves, until one changes */
	dw_put(c);
	if (p->dw && p->dw->dwfl && !p->dirty) {
		c->dw = p->dw;
		c->dw->refs++;
		c->dirty = false;
	}
}

void spaces_exec(struct spaces *sp, pid_t pid)
{
	struct space *s = spaces_get(sp, pid, false);

	if (s) {
		space_clear_maps(s);
		s->proc_read_ns = 0;
		space_forget_exe(s);
	}
}

void spaces_exit(struct spaces *sp, pid_t pid)
{
	struct space *s = spaces_get(sp, pid, false);

	if (s) {
		s->alive = false;
		s->dead_since = monotonic_ns();
	}
}

void spaces_gc(struct spaces *sp, uint64_t grace_ns)
{
	uint64_t now = monotonic_ns();
	size_t i;

	for (i = 0; i < sp->n; i++) {
		struct space *s = sp->v[i];

		if (s->alive || !s->dead_since || now - s->dead_since < grace_ns)
			continue;
		space_clear_maps(s);
		space_forget_exe(s);
		dw_put(s);
		s->dead_since = 0;	/* done: nothing left to free */
	}
}

/* Opens the file behind a mapping: through /proc/PID/map_files while the
 * process lives (deleted, replaced or namespaced files), else by path
 * under /proc/PID/root, else by path. */
static int open_map_file(struct space *s, const struct space_map *m)
{
	char buf[4200];
	int fd;

	if (s->alive) {
		snprintf(buf, sizeof(buf), "/proc/%d/map_files/%lx-%lx", (int)s->pid,
			 (unsigned long)m->start, (unsigned long)m->end);
		fd = open(buf, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		snprintf(buf, sizeof(buf), "/proc/%d/root%s", (int)s->pid, m->path);
		fd = open(buf, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
	}
	if (m->deleted)
		return -ENOENT;
	fd = open(m->path, O_RDONLY | O_CLOEXEC);
	return fd >= 0 ? fd : -errno;
}

/*
 * Load bias of an executable mapping: that of the PT_LOAD it maps. The
 * segment is the one whose pages hold file offset pgoff, and, where two
 * segments share that page, the executable one: LLD and mold start the
 * R E segment in the file page that ends the R segment before it, so the
 * first segment holding pgoff is a page off (every pc then lands one page
 * away from its CFI and symbols). BFD, gold and -z separate-code layouts
 * have a single candidate and take it either way.
 */
static int map_bias(int fd, const struct space_map *m, uint64_t *bias)
{
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	GElf_Phdr best = { 0 };
	size_t i, n;
	int ret = -ENOEXEC;

	if (!elf)
		return -ENOEXEC;
	if (!gelf_getehdr(elf, &eh) || elf_getphdrnum(elf, &n))
		goto out;
	if (eh.e_type == ET_EXEC) {
		*bias = 0;
		ret = 0;
		goto out;
	}
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (m->pgoff < (ph.p_offset & ~4095ull) || m->pgoff >= ph.p_offset + ph.p_filesz)
			continue;
		if (ret == 0 && ((best.p_flags & PF_X) || !(ph.p_flags & PF_X)))
			continue;
		best = ph;
		ret = 0;
	}
	if (ret == 0)
		*bias = m->start - ((best.p_vaddr & ~4095ull) + (m->pgoff - (best.p_offset & ~4095ull)));
out:
	elf_end(elf);
	return ret;
}

/* Reports one mapping's file to the Dwfl. A file mapped in several
 * executable pieces is reported once: reported_bias remembers the last
 * path and bias (maps are sorted, so a file's pieces are adjacent). */
static void report_map(struct space *s, const struct space_map *m, const char **last_path,
		       uint64_t *last_bias)
{
	uint64_t bias;
	int fd;

	if (m->kind == SMAP_VDSO) {
		if (s->owner->vdso_fd < 0)
			return;
		fd = dup(s->owner->vdso_fd);
		if (fd < 0)
			return;
		lseek(fd, 0, SEEK_SET);
		/* the vdso is linked at 0 (ET_DYN): its bias is its start */
		if (!dwfl_report_elf(s->dw->dwfl, "[vdso]", "[vdso]", fd, m->start, false))
			close(fd);
		return;
	}
	if (m->kind != SMAP_FILE)
		return;
	fd = open_map_file(s, m);
	if (fd < 0)
		return;
	if (map_bias(fd, m, &bias)) {
		close(fd);
		return;
	}
	if (*last_path && !strcmp(*last_path, m->path) && *last_bias == bias) {
		close(fd);
		return;
	}
	*last_path = m->path;
	*last_bias = bias;
	if (!dwfl_report_elf(s->dw->dwfl, m->path, m->path, fd, bias, false)) {
		debug("cannot report '%s': %s", sanitized(m->path), dwfl_errmsg(-1));
		close(fd);
	}
}

Dwfl *space_dwfl(struct space *s)
{
	const char *last_path = NULL;
	uint64_t last_bias = 0;
	Dwfl *dwfl;
	size_t i;

	if (!s->dirty && s->dw && s->dw->dwfl)
		return s->dw->dwfl;
	/* another process may still use the old one */
	dw_put(s);
	s->dirty = false;
	dwfl = dwfl_begin(&dwfl_callbacks);
	if (!dwfl)
		return NULL;
	s->dw = dw_new();
	s->dw->dwfl = dwfl;
	dwfl_report_begin(dwfl);
	for (i = 0; i < s->nmaps; i++)
		report_map(s, &s->maps[i], &last_path, &last_bias);
	dwfl_report_end(dwfl, NULL, NULL);
	if (!dwfl_attach_state(dwfl, NULL, s->pid, s->owner->callbacks, s->owner->arg)) {
		/* no module gave an architecture: nothing to unwind with */
		dw_put(s);
		return NULL;
	}
	return dwfl;
}

const char *space_memo_get(struct space *s, const void *key, size_t len)
{
	uint64_t idx;

	return s->dw && hashmap_get(&s->dw->memo, key, len, &idx) ? s->dw->memo_strs[idx] : NULL;
}

const char *space_memo_put(struct space *s, const void *key, size_t len, char *value)
{
	struct dwfl_state *dw;

	if (!s->dw)
		s->dw = dw_new();
	dw = s->dw;
	xgrow(&dw->memo_strs, &dw->memo_cap, dw->nmemo + 1, sizeof(*dw->memo_strs));
	dw->memo_strs[dw->nmemo] = value;
	hashmap_put(&dw->memo, key, len, dw->nmemo);
	return dw->memo_strs[dw->nmemo++];
}
