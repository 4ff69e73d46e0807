/* space.h - address spaces of sampled processes: their executable mappings
 * and one persistent libdw Dwfl per process, shared by unwind and symbol
 * (and by a process forked without exec, with its parent, until the
 * mappings of either change: a pre-forking server's workers build none)
 *
 * Mappings come from PERF_RECORD_MMAP2 (launched commands) and from
 * /proc/PID/maps (attached processes, or when an address is unknown). Files
 * are opened through /proc/PID/map_files while the process lives, so
 * binaries deleted or replaced on disk, and files in other mount
 * namespaces, still resolve. The Dwfl is rebuilt lazily after the mappings
 * changed, at the next unwind or lookup.
 */
#ifndef HOTSTACK_SPACE_H
#define HOTSTACK_SPACE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <elfutils/libdwfl.h>

enum map_kind {
	SMAP_FILE,	/* an ELF file */
	SMAP_VDSO,
	SMAP_ANON,	/* anonymous executable memory: JIT code */
	SMAP_OTHER,	/* [vsyscall], [uprobes], ... */
};

struct space_map {
	uint64_t start, end, pgoff;
	enum map_kind kind;
	char *path;		/* as the process sees it */
	char build_id[41];	/* hex, "" if unknown */
	bool deleted;
	int64_t module_id;	/* the symbolizer's module id, 0 until known */
};

struct space;
struct spaces;

/* callbacks/arg are attached to every Dwfl (dwfl_attach_state) so that
 * dwfl_getthread_frames() unwinds the sample the unwinder points arg at. */
struct spaces *spaces_new(const Dwfl_Thread_Callbacks *callbacks, void *arg);
void spaces_free(struct spaces *sp);
/* The space of pid, created empty (create) or NULL. */
struct space *spaces_get(struct spaces *sp, pid_t pid, bool create);
/* A process forked: the child starts with a copy of the parent's maps, and
 * shares the parent's Dwfl while both keep them. */
void spaces_fork(struct spaces *sp, pid_t child, pid_t parent);
/* A process exec'd: its mappings are gone. */
void spaces_exec(struct spaces *sp, pid_t pid);
/* A process exited: /proc is no longer usable for it. */
void spaces_exit(struct spaces *sp, pid_t pid);
/* Releases the Dwfl and maps of processes that exited more than grace_ns
 * ago (late samples from other CPUs' buffers arrive within a drain or two),
 * so that a recording of a fork-heavy workload stays bounded in memory. */
void spaces_gc(struct spaces *sp, uint64_t grace_ns);

pid_t space_pid(const struct space *s);
/* Adds an executable mapping (replacing what it overlaps). */
void space_add_map(struct space *s, uint64_t start, uint64_t len, uint64_t pgoff,
		   const char *path, const uint8_t *build_id, int build_id_size);
/* Reads /proc/PID/maps (at attach, or to find an unknown address). Returns
 * 0 or -errno; does not re-read more than once per 100 ms. */
int space_load_proc_maps(struct space *s);
/* The mapping holding addr, or NULL. */
struct space_map *space_find_map(struct space *s, uint64_t addr);
/* The path of the process's executable (/proc/PID/exe, without
 * " (deleted)"), read once after each exec while the process lives; NULL
 * if unknown. */
const char *space_exe(struct space *s);
/* A memo of strings about the process's current Dwfl (pcinfo.c keeps the
 * scope prefixes of DIEs in it, keyed by the DIE's address): emptied
 * whenever the Dwfl is rebuilt or released, since keys may point into it.
 * put takes value (malloc'd) and returns it. */
const char *space_memo_get(struct space *s, const void *key, size_t len);
const char *space_memo_put(struct space *s, const void *key, size_t len, char *value);
/* The process's Dwfl with every file mapping reported and thread state
 * attached for unwinding (see unwind.c); NULL if nothing is mapped yet. */
Dwfl *space_dwfl(struct space *s);

#endif
