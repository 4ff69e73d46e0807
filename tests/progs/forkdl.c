/* forkdl.c - a parent and a child forked without exec whose mappings part
 * after the fork: each dlopen()s a library the other does not map
 *
 * usage: forkdl PLUGIN_A PLUGIN_B [SECONDS]   (default 1.0)
 *
 * The parent burns leaf_60 for SECONDS/4 (a profiler reads its mappings),
 * forks, then both burn leaf_60 for SECONDS/4 with the same mappings (a
 * profiler may share what it knows of them), then the child
 * dlopen()s PLUGIN_A and the parent PLUGIN_B (two copies of one plugin
 * under different names, mapped at addresses the other process leaves
 * free) and each runs plugin_work for SECONDS/2. The child exits 0, the
 * parent waits and exits 0 only if the child did and both checksums were
 * computed. Prints "child done" and "parent done".
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "work.h"

typedef double (*plugin_work_fn)(double seconds);

static SAMPLE_NOINLINE uint64_t shared_phase(double seconds)
{
	double end = clock_seconds(CLOCK_MONOTONIC) + seconds;
	uint64_t sum = 0, seed = 1;

	while (clock_seconds(CLOCK_MONOTONIC) < end)
		sum ^= leaf_60(seed++);
	return sum;
}

static int plugin_phase(const char *path, double seconds, const char *who)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	plugin_work_fn work;

	if (!h) {
		fprintf(stderr, "forkdl: %s: %s\n", who, dlerror());
		return 1;
	}
	work = (plugin_work_fn)(uintptr_t)dlsym(h, "plugin_work");
	if (!work) {
		fprintf(stderr, "forkdl: %s: no plugin_work in %s\n", who, path);
		return 1;
	}
	printf("%s %.0f\n", who, work(seconds));
	printf("%s done\n", who);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	double seconds = argc > 3 ? parse_seconds(argv[3], 1.0) : 1.0;
	int status, rc;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: forkdl PLUGIN_A PLUGIN_B [SECONDS]\n");
		return 2;
	}
	printf("before %llx\n", (unsigned long long)shared_phase(seconds / 4));
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("forkdl: fork");
		return 1;
	}
	if (pid == 0) {
		printf("child %llx\n", (unsigned long long)shared_phase(seconds / 4));
		_exit(plugin_phase(argv[1], seconds / 2, "child"));
	}
	printf("parent %llx\n", (unsigned long long)shared_phase(seconds / 4));
	rc = plugin_phase(argv[2], seconds / 2, "parent");
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		rc = 1;
	return rc;
}
