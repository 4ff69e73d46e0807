/* dlopen.c - loads libhsplugin.so after start-up and burns CPU inside it
 *
 * usage: dlopen [SECONDS] [PLUGIN_PATH]   (default 2.0 seconds of CPU)
 *
 * Sleeps 0.2 s first, so a profiler started with the process is already
 * sampling when the library gets mapped, then dlopen()s PLUGIN_PATH
 * (default: libhsplugin.so next to /proc/self/exe) with RTLD_NOW, calls
 * plugin_work(SECONDS) through dlsym, prints the checksum and dlclose()s.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "work.h"

typedef double (*plugin_work_fn)(double seconds);

/* Fill buf with "<dir of /proc/self/exe>/libhsplugin.so"; 0 or -1. */
static int default_plugin_path(char *buf, size_t size)
{
	char exe[PATH_MAX];
	ssize_t len;
	char *slash;

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return -1;
	exe[len] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if ((size_t)snprintf(buf, size, "%s/libhsplugin.so", exe) >= size)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	double seconds = parse_seconds(argc > 1 ? argv[1] : NULL, 2.0);
	struct timespec pause = { 0, 200 * 1000 * 1000 };
	char path[PATH_MAX];
	plugin_work_fn fn;
	double sum;
	void *h;

	if (argc > 3 || seconds < 0) {
		fprintf(stderr, "usage: dlopen [SECONDS] [PLUGIN_PATH]\n");
		return 2;
	}
	if (argc > 2) {
		if (snprintf(path, sizeof(path), "%s", argv[2]) >= (int)sizeof(path)) {
			fprintf(stderr, "dlopen: plugin path too long\n");
			return 2;
		}
	} else if (default_plugin_path(path, sizeof(path)) < 0) {
		fprintf(stderr, "dlopen: cannot find the directory of /proc/self/exe\n");
		return 1;
	}

	while (nanosleep(&pause, &pause) < 0 && errno == EINTR)
		;

	h = dlopen(path, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 1;
	}
	*(void **)&fn = dlsym(h, "plugin_work");
	if (!fn) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		dlclose(h);
		return 1;
	}
	sum = fn(seconds);
	printf("checksum %.0f\n", sum);
	dlclose(h);
	return 0;
}
