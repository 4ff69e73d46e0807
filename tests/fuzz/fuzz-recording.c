/* fuzz-recording.c - the recording reader: a mutated SQLite file, written
 * to a temporary file, through store_open(), profile_load() and what report,
 * export folded and flame read from the profile (unexpected schemas,
 * stack-node cycles, huge and negative values) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flame.h"
#include "fuzz.h"
#include "profile.h"
#include "store.h"
#include "util.h"

static void read_profile(struct profile *p)
{
	struct profile_folded *folded;
	struct profile_edge *edges;
	struct flame fl;
	struct flame_opts fo;
	size_t n, i;
	int *order;
	FILE *null;

	n = profile_sorted_funcs(p, PROFILE_SORT_SELF, &order);
	for (i = 0; i < n && i < 4; i++) {
		edges = NULL;
		profile_callers(p, order[i], &edges);
		free(edges);
		profile_callees(p, order[i], &edges);
		free(edges);
		profile_func_module(p, order[i]);
	}
	free(order);
	n = profile_folded(p, &folded);
	profile_folded_free(folded, n);
	null = fopen("/dev/null", "w");
	if (null) {
		flame_init(&fl);
		flame_add_profile(&fl, p, FLAME_NOW, false, 1.0);
		memset(&fo, 0, sizeof(fo));
		fo.title = "fuzz";
		fo.unit = "samples";
		flame_write_svg(&fl, &fo, null);
		flame_release(&fl);
		fclose(null);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/hotstack-fuzz-XXXXXX";
	struct profile_filter filter = PROFILE_FILTER_INIT;
	struct profile *p = NULL;
	struct store *st = NULL;
	char *err = NULL;
	int fd;

	fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	if (store_open(path, &st, &err) == 0) {
		static const int kinds[] = { KIND_CPU, KIND_OFFCPU };
		size_t k;

		for (k = 0; k < 2; k++) {
			filter.kind = kinds[k];
			if (profile_load(st, &filter, &p, &err) == 0) {
				read_profile(p);
				profile_free(p);
			}
			free(err);
			err = NULL;
		}
		store_free(st);
	}
	free(err);
	unlink(path);
	return 0;
}
