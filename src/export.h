/* export.h - the writers of hotstack export, one per format
 *
 * cmd-export.c parses the command line and picks a writer from its
 * exporters[] table; each writer gets the loaded profile (profile.h) and
 * writes the whole document to f. Writers return 0 or a negative errno; a
 * write error on f is also left for the caller to see with ferror().
 * Exported text is for machines: names are not sanitized, only encoded as
 * each format requires (JSON escaping, valid UTF-8 in protobuf strings).
 */
#ifndef HOTSTACK_EXPORT_H
#define HOTSTACK_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "profile.h"

enum export_unit { UNIT_COUNT, UNIT_US, UNIT_NS };

struct export_opts {
	const char *file, *format, *output;
	const char *before;	/* --diff BEFORE (folded only) */
	enum export_unit unit;	/* folded: -w, or the kind's default */
	bool weight_ns;		/* -w ns or us: time rather than samples */
	bool weight_set;	/* -w given: otherwise each format has its default */
	struct profile_filter filter;
	struct store *st;	/* the recording the profile was loaded from, open */
};

/*
 * pprof: profile.proto (package perftools.profiles) as go tool pprof,
 * Grafana Pyroscope and Parca read it, gzip-compressed. Two sample types,
 * samples/count and cpu/nanoseconds (offcpu/nanoseconds for off-CPU
 * samples), the second the default. One Location per machine frame: a
 * frame and the frames inlined into it are the Lines of one Location,
 * innermost first. One Mapping per module (the program first), laid out at
 * made-up, non-overlapping addresses so that address - memory_start +
 * file_offset is the frame's offset in its module.
 */
int export_pprof(const struct profile *p, const struct export_opts *o, FILE *f);

/*
 * speedscope: speedscope's file format (https://www.speedscope.app/
 * file-format-schema.json), one "sampled" profile per thread, frames shared
 * (one per function). Each distinct stack of a thread is one sample whose
 * weight is its samples (-w count) or nanoseconds (the default); samples are
 * ordered by the time slice they first appeared in.
 */
int export_speedscope(const struct profile *p, const struct export_opts *o, FILE *f);

#endif
