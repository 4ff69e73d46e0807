/* tracefs.h - kernel tracepoint ids and field offsets from tracefs
 *
 * Tracepoint ids and the layout of their raw records differ between kernel
 * builds, so both are read from events/SYSTEM/NAME/{id,format} under
 * /sys/kernel/tracing, which is mounted (as root) when it is not yet.
 */
#ifndef HOTSTACK_TRACEFS_H
#define HOTSTACK_TRACEFS_H

#define TRACEFS_MAX_FIELDS 32

struct tracepoint {
	int id;
	int nfields;
	struct {
		char name[32];
		int offset, size;
	} fields[TRACEFS_MAX_FIELDS];
};

/* Fills tp for SYSTEM:NAME. Returns 0 or -errno with *errmsg set. */
int tracefs_tracepoint(const char *system, const char *name, struct tracepoint *tp,
		       char **errmsg);
/* Offset of a field in the raw record, or -1. */
int tracepoint_field(const struct tracepoint *tp, const char *name);

/* Exposed for tests: parses the text of a format file into tp. */
int tracefs_parse_format(const char *text, struct tracepoint *tp);

#endif
