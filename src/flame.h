/* flame.h - the flame graph model and its self-contained SVG writer
 *
 * A flame graph is a tree of boxes: the root ("all") and one box per call
 * path of functions, as the call tree of profile.h merges them (function
 * name, module path and inline-ness along the path). Trees are built by
 * adding profiles: several profiles can be added to one graph (wall time is
 * CPU plus off-CPU time) and, for a differential graph, into a second slot
 * (BEFORE). Box children are drawn in name order, like flamegraph.pl.
 *
 * Slots: value[FLAME_NOW] is the width of a box (the profile drawn, or AFTER
 * in a differential graph); value[FLAME_BEFORE] is BEFORE, already scaled by
 * the caller to AFTER's duration. count[] keeps the raw sample counts of
 * both, which the writer uses to tell a real change from sampling noise
 * when no verdict was set (a difference under two standard deviations of
 * the Poisson counts is drawn as unchanged).
 *
 * The SVG needs no network and nothing but a browser: its CSS and
 * JavaScript are embedded (click to zoom, reset zoom, regex search with the
 * matched share, tooltips). All text from the recording is sanitized
 * (control characters, invalid UTF-8) and escaped for XML.
 */
#ifndef HOTSTACK_FLAME_H
#define HOTSTACK_FLAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hashmap.h"
#include "profile.h"

enum { FLAME_NOW = 0, FLAME_BEFORE = 1 };

/* What colours a box (normal graphs). */
enum flame_class {
	FLAME_PROGRAM,		/* the executable, JIT code */
	FLAME_LIBRARY,		/* shared libraries, the vdso */
	FLAME_KERNEL,
	FLAME_UNKNOWN,		/* no module */
	FLAME_ROOT,
};

/*
 * A verdict on a box of a differential graph, e.g. the diff engine's on the
 * box's function. SLOWER and FASTER colour a box only when its own values
 * moved that way (a function slower overall may be faster on one path).
 */
enum flame_verdict {
	FLAME_VERDICT_NONE = 0,	/* not given: the writer applies its noise test */
	FLAME_VERDICT_SAME,	/* drawn as unchanged whatever the numbers */
	FLAME_VERDICT_SLOWER,
	FLAME_VERDICT_FASTER,
};

struct flame_box {
	int parent;			/* -1 for the root */
	int first_child, next_sibling;	/* -1 terminated */
	const char *name;		/* function; "all" for the root */
	const char *module;		/* module path, "" if unknown */
	const char *source;		/* "file:line" of the hot frame, or NULL */
	enum flame_class cls;
	bool is_inline;
	int depth;			/* 0 for the root */
	double value[2];		/* see the slots above */
	uint64_t count[2];
	enum flame_verdict verdict;
};

struct flame_strpool;

struct flame {
	struct flame_box *boxes;	/* boxes[0] is the root */
	size_t nboxes, cap;
	struct hashmap index;		/* (parent, inline, name, module) -> box */
	struct flame_strpool *strings;	/* owns every string of the boxes */
};

void flame_init(struct flame *f);
void flame_release(struct flame *f);

/*
 * Add the call tree of p into slot: every node's value is its samples'
 * count (weight_ns false) or nanoseconds, times scale. Raw counts go to
 * count[slot].
 */
void flame_add_profile(struct flame *f, const struct profile *p, int slot, bool weight_ns,
		       double scale);

/*
 * The box of a call path given as folded frame names, root first, as
 * profile_folded() writes them ("_[i]" inline, "_[k]" kernel suffixes
 * matched against the box), or -1. For verdicts from the diff engine.
 */
int flame_find_path(const struct flame *f, const char *const *names, size_t n);

struct flame_opts {
	const char *title;	/* NULL: "Flame Graph" / "Icicle Graph" / ... */
	const char *subtitle;	/* NULL: none */
	const char *unit;	/* "samples" or "ns" */
	bool icicle;		/* root on top */
	bool diff;		/* colour by FLAME_BEFORE vs FLAME_NOW */
	int width;		/* pixels; 0 = 1200 */
	double min_width;	/* boxes narrower than this many pixels are left out;
				 * <= 0 means 0.1 */
};

/* Write the SVG. Returns 0 or a negative errno (write errors: see ferror). */
int flame_write_svg(const struct flame *f, const struct flame_opts *o, FILE *out);

#endif
