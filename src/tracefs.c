/* tracefs.c - kernel tracepoint ids and field offsets from tracefs */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "tracefs.h"
#include "util.h"

static const char *const tracefs_dirs[] = {
	"/sys/kernel/tracing",
	"/sys/kernel/debug/tracing",
};

int tracefs_parse_format(const char *text, struct tracepoint *tp)
{
	const char *p = text;

	tp->nfields = 0;
	while ((p = strstr(p, "field:")) && tp->nfields < TRACEFS_MAX_FIELDS) {
		const char *semi = strchr(p, ';'), *name, *off, *size;
		size_t len;

		if (!semi)
			break;
		/* "field:unsigned long args[6];": the name is the last word */
		name = semi;
		while (name > p && name[-1] != ' ')
			name--;
		len = (size_t)(semi - name);
		if (memchr(name, '[', len))
			len = (size_t)((const char *)memchr(name, '[', len) - name);
		off = strstr(semi, "offset:");
		size = strstr(semi, "size:");
		if (!off || !size)
			break;
		if (len < sizeof(tp->fields[0].name)) {
			memcpy(tp->fields[tp->nfields].name, name, len);
			tp->fields[tp->nfields].name[len] = '\0';
			tp->fields[tp->nfields].offset = atoi(off + 7);
			tp->fields[tp->nfields].size = atoi(size + 5);
			tp->nfields++;
		}
		p = semi;
	}
	return tp->nfields;
}

int tracepoint_field(const struct tracepoint *tp, const char *name)
{
	int i;

	for (i = 0; i < tp->nfields; i++)
		if (!strcmp(tp->fields[i].name, name))
			return tp->fields[i].offset;
	return -1;
}

static const char *find_tracefs(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tracefs_dirs); i++) {
		char path[128];

		snprintf(path, sizeof(path), "%s/events", tracefs_dirs[i]);
		if (access(path, R_OK) == 0)
			return tracefs_dirs[i];
	}
	/* not mounted yet (a fresh boot): mount it where perf would */
	if (mount("nodev", tracefs_dirs[0], "tracefs", 0, NULL) == 0)
		return tracefs_dirs[0];
	return NULL;
}

int tracefs_tracepoint(const char *system, const char *name, struct tracepoint *tp,
		       char **errmsg)
{
	const char *dir = find_tracefs();
	char path[256], *text;
	ssize_t n;

	memset(tp, 0, sizeof(*tp));
	if (!dir) {
		*errmsg = xasprintf("tracefs is not mounted and cannot be (%s): mount it with "
				    "'mount -t tracefs nodev /sys/kernel/tracing' as root",
				    strerror(errno));
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s/events/%s/%s/id", dir, system, name);
	n = read_file(path, &text);
	if (n < 0) {
		*errmsg = xasprintf("cannot read tracepoint %s:%s ('%s'): %s", system, name, path,
				    strerror((int)-n));
		return (int)n;
	}
	tp->id = atoi(text);
	free(text);
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", dir, system, name);
	n = read_file(path, &text);
	if (n < 0) {
		*errmsg = xasprintf("cannot read '%s': %s", path, strerror((int)-n));
		return (int)n;
	}
	tracefs_parse_format(text, tp);
	free(text);
	return 0;
}
