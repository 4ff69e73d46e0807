/* newrec.c - write a recording under a temporary name, rename it at the end */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "newrec.h"
#include "util.h"

/* The temporary and the side files SQLite may make beside it. */
static const char *const side_suffix[] = { "", "-wal", "-shm", "-journal" };

static void arm(struct newrec *r)
{
	char *paths[ARRAY_SIZE(side_suffix)];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(side_suffix); i++)
		paths[i] = xasprintf("%s%s", r->tmp, side_suffix[i]);
	tmp_guard_arm((const char *const *)paths, ARRAY_SIZE(paths));
	for (i = 0; i < ARRAY_SIZE(side_suffix); i++)
		free(paths[i]);
}

int newrec_create(struct newrec *r, const char *path, char **errmsg)
{
	struct stat sb;
	bool renamed;
	size_t i;
	int ret;

	memset(r, 0, sizeof(*r));
	*errmsg = NULL;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		*errmsg = xasprintf("cannot create '%s': %s", sanitized(path), strerror(EISDIR));
		return -EISDIR;
	}
	r->path = xstrdup(path);
	r->tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
	/* a leftover of a killed run that had our pid */
	for (i = 0; i < ARRAY_SIZE(side_suffix); i++) {
		char *s = xasprintf("%s%s", r->tmp, side_suffix[i]);

		unlink(s);
		free(s);
	}
	arm(r);
	ret = store_create(r->tmp, &r->st, &renamed, errmsg);
	if (ret) {
		tmp_guard_disarm();
		free(*errmsg);
		*errmsg = xasprintf("cannot create '%s': %s", sanitized(path), strerror(-ret));
		free(r->path);
		free(r->tmp);
		memset(r, 0, sizeof(*r));
	}
	return ret;
}

int newrec_commit(struct newrec *r, char **moved_to, char **errmsg)
{
	int ret;

	*moved_to = NULL;
	*errmsg = NULL;
	ret = store_close(r->st);
	r->st = NULL;
	if (ret) {
		*errmsg = xasprintf("cannot write '%s': %s", sanitized(r->tmp), strerror(-ret));
		return ret;
	}
	ret = move_aside(r->path, moved_to, errmsg);
	if (ret)
		return ret;
	if (rename(r->tmp, r->path) < 0) {
		char buf[1024];

		ret = -errno;
		sanitize(buf, sizeof(buf), r->tmp);
		*errmsg = xasprintf("cannot rename '%s' to '%s': %s", buf, sanitized(r->path),
				    strerror(-ret));
		return ret;
	}
	tmp_guard_disarm();
	free(r->path);
	free(r->tmp);
	memset(r, 0, sizeof(*r));
	return 0;
}

void newrec_abort(struct newrec *r)
{
	size_t i;

	if (!r->tmp)
		return;
	store_free(r->st);
	r->st = NULL;
	for (i = 0; i < ARRAY_SIZE(side_suffix); i++) {
		char *s = xasprintf("%s%s", r->tmp, side_suffix[i]);

		unlink(s);
		free(s);
	}
	tmp_guard_disarm();
	free(r->path);
	free(r->tmp);
	memset(r, 0, sizeof(*r));
}
