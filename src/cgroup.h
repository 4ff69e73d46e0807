/* cgroup.h - the cgroup v2 directory `record --cgroup` names, and its processes
 *
 * A cgroup is given as a directory of the cgroup v2 hierarchy: absolute
 * (/sys/fs/cgroup/system.slice/foo.service) or relative to the hierarchy's
 * mount (system.slice/foo.service). Perf events follow it through an open
 * descriptor of that directory (PERF_FLAG_PID_CGROUP), and count the
 * processes of its descendant cgroups too, as cgroup_procs() lists them.
 */
#ifndef HOTSTACK_CGROUP_H
#define HOTSTACK_CGROUP_H

#include <sys/types.h>

/* Where the cgroup v2 hierarchy is mounted on current systems. */
#define CGROUP_ROOT "/sys/fs/cgroup"

/*
 * Opens the cgroup v2 directory arg names (read-only, close-on-exec) and
 * sets *dir to its path (malloc'd). Returns the descriptor, or -errno with
 * *errmsg (malloc'd) one line saying what is wrong: no such directory, not
 * a cgroup v2 directory, a cgroup v1 directory (or only cgroup v1 on this
 * machine), no permission.
 */
int cgroup_open(const char *arg, char **dir, char **errmsg);
/*
 * The processes in the cgroup at dir and in every cgroup below it, sorted
 * and without duplicates. Returns how many (*pids malloc'd, NULL if none),
 * or -errno (-ENOENT: the cgroup was removed).
 */
int cgroup_procs(const char *dir, pid_t **pids);

#endif
