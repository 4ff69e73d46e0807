/* cmd-flame.c - hotstack flame: an interactive SVG flame graph of a recording
 *
 * Loads the selection through profile.h into the flame model (flame.h) and
 * writes the SVG to standard output or, with -o, through atomicfile.h (a
 * temporary beside PATH, then rename()). --kind wall selects every kind of sample (on-CPU, blocked,
 * preempted) by their nanoseconds. --diff BEFORE draws FILE (AFTER) with
 * BEFORE's values scaled to AFTER's duration (or, when a duration is
 * unknown, to AFTER's total); which boxes changed beyond noise comes from
 * the diff engine's verdicts on each function's total time (diff.h).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cmd.h"
#include "diff.h"
#include "flame.h"
#include "hashmap.h"
#include "profile.h"
#include "store.h"
#include "util.h"

static const char flame_usage[] =
	"usage: hotstack flame [FILE] [OPTIONS]\n"
	"       hotstack flame --diff BEFORE.db AFTER.db [OPTIONS]\n"
	"\n"
	"Draw an interactive SVG flame graph of a recording (FILE, default\n"
	"hotstack.db): click a frame to zoom, Search for a regular expression.\n"
	"\n"
	"  -o, --output PATH       write to PATH (atomically) instead of stdout, which\n"
	"                          must not be a terminal\n"
	"  -k, --kind KIND         cpu (default), offcpu, runqueue, or wall (all three:\n"
	"                          on-CPU, blocked and waiting for a CPU)\n"
	"  -t, --tid TID           only samples of thread TID\n"
	"  -m, --module NAME       only samples with a frame in module NAME\n"
	"  -w, --weight count|ns   box width: samples (default for cpu) or nanoseconds\n"
	"                          (default for the other kinds)\n"
	"      --icicle            root on top, stacks growing down\n"
	"      --title TEXT        title of the graph\n"
	"      --width PIXELS      width of the image (default 1200)\n"
	"      --diff BEFORE       differential graph: FILE is AFTER; red is slower,\n"
	"                          blue faster, the stronger the bigger the change,\n"
	"                          grey unchanged (verdicts of hotstack diff)\n"
	"      --since TIME, --until TIME  only samples in that time range (-1h, today,\n"
	"                          '2026-11-30 14:00'); FILE may be a directory of\n"
	"                          record --continuous recordings\n"
	"  -h, --help              print this help\n"
	"\n"
	"Colours: warm for the program, green for libraries, blue for the kernel,\n"
	"lighter for inlined functions.\n";

enum { OPT_ICICLE = 256, OPT_TITLE, OPT_WIDTH, OPT_DIFF, OPT_SINCE, OPT_UNTIL };

/* --since/--until and directories (cmd-range.c) */
static struct cmd_range flame_range;

struct flame_cmd {
	const char *file, *output, *before;
	struct profile_filter filter;	/* filter.kind may be KIND_SEL_WALL */
	int weight;		/* -1 default, 0 count, 1 ns */
	struct flame_opts opts;
};

static void parse_args(int argc, char **argv, struct flame_cmd *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "kind", required_argument, NULL, 'k' },
		{ "tid", required_argument, NULL, 't' },
		{ "module", required_argument, NULL, 'm' },
		{ "weight", required_argument, NULL, 'w' },
		{ "icicle", no_argument, NULL, OPT_ICICLE },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "width", required_argument, NULL, OPT_WIDTH },
		{ "diff", required_argument, NULL, OPT_DIFF },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:k:t:m:w:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!*optarg)
				die_usage("flame: --output wants a path");
			o->output = optarg;
			break;
		case 'k':
			o->filter.kind = profile_kind_from_name(optarg);
			if (o->filter.kind < 0)
				die_usage("flame: unknown sample kind '%s': use cpu, offcpu, "
					  "runqueue or wall", sanitized(optarg));
			break;
		case 't':
			if (parse_long(optarg, 1, INT_MAX, &v))
				die_usage("flame: --tid wants a thread id, not '%s'",
					  sanitized(optarg));
			o->filter.tid = (int)v;
			break;
		case 'm':
			if (!*optarg)
				die_usage("flame: --module wants a module name");
			o->filter.module = optarg;
			break;
		case 'w':
			if (!strcmp(optarg, "ns"))
				o->weight = 1;
			else if (!strcmp(optarg, "count"))
				o->weight = 0;
			else
				die_usage("flame: unknown weight '%s': use count or ns",
					  sanitized(optarg));
			break;
		case OPT_ICICLE:
			o->opts.icicle = true;
			break;
		case OPT_TITLE:
			o->opts.title = optarg;
			break;
		case OPT_WIDTH:
			if (parse_long(optarg, 200, 100000, &v))
				die_usage("flame: --width wants pixels from 200 to 100000, not '%s'",
					  sanitized(optarg));
			o->opts.width = (int)v;
			break;
		case OPT_DIFF:
			if (!*optarg)
				die_usage("flame: --diff wants the BEFORE recording");
			o->before = optarg;
			break;
		case OPT_SINCE:
			cmd_range_parse(&flame_range, "flame", "since", optarg);
			break;
		case OPT_UNTIL:
			cmd_range_parse(&flame_range, "flame", "until", optarg);
			break;
		case ':':
			die_usage("flame: option '%s' needs a value", sanitized(argv[optind - 1]));
		default:
			if (optopt)
				die_usage("flame: unknown option '-%c'", optopt);
			die_usage("flame: unknown option '%s'", sanitized(argv[optind - 1]));
		}
	}
	if (optind < argc)
		o->file = argv[optind++];
	if (optind < argc)
		die_usage("flame: unexpected argument '%s'", sanitized(argv[optind]));
	if (o->filter.kind == KIND_SEL_WALL && o->weight == 0)
		die_usage("flame: --kind wall adds CPU and off-CPU time: it needs --weight ns");
}

/* One side of the graph: the recording, open while its profile is used. */
struct side {
	struct store *st;
	struct profile *p;
};

static void load_side(struct side *s, const char *path, const struct flame_cmd *o)
{
	char *err, note[8192];

	if (store_open(path, &s->st, &err) || profile_load(s->st, &o->filter, &s->p, &err))
		die("%s", err);
	if (profile_filter_note(s->p, note, sizeof(note)))
		warn("%s", note);
}

static void free_side(struct side *s)
{
	profile_free(s->p);
	store_free(s->st);
}

/* "command   kind: cpu   samples: N   duration: 2.00 s" */
static char *make_subtitle(const struct side *s, const struct flame_cmd *o, const char *extra)
{
	const char *cmd = profile_meta(s->p, "command");
	struct strbuf sb = STRBUF_INIT;

	if (cmd)
		strbuf_addf(&sb, "%s   ", cmd);
	strbuf_addf(&sb, "kind: %s   samples: %llu", profile_kind_name(o->filter.kind),
		    (unsigned long long)s->p->totals.samples);
	if (s->p->totals.duration_ns >= 0)
		strbuf_addf(&sb, "   duration: %.2f s", s->p->totals.duration_ns / 1e9);
	if (o->filter.tid)
		strbuf_addf(&sb, "   thread: %d", o->filter.tid);
	if (o->filter.module)
		strbuf_addf(&sb, "   module: %s", o->filter.module);
	if (extra)
		strbuf_addf(&sb, "   %s", extra);
	return sb.buf ? sb.buf : xstrdup("");
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

static enum flame_verdict flame_verdict_of(enum diff_verdict v)
{
	switch (v) {
	case DIFF_SLOWER:
	case DIFF_NEW:
		return FLAME_VERDICT_SLOWER;
	case DIFF_FASTER:
	case DIFF_GONE:
		return FLAME_VERDICT_FASTER;
	default:
		return FLAME_VERDICT_SAME;	/* same, or inconclusive */
	}
}

/*
 * Verdicts from the diff engine (diff.h): each function's total time,
 * compared with its bootstrap, FDR and minimum effect, colours every box of
 * that function (name and module basename). Returns false (and the writer's
 * own noise test applies) when the engine cannot compare these recordings.
 */
static bool set_verdicts(struct flame *fl, const struct side *before, const struct side *after)
{
	struct diff_opts dopts = DIFF_OPTS_INIT;
	struct diff_result *res;
	struct diff *d = diff_new();
	struct hashmap rows;
	char *err = NULL;
	size_t i;

	dopts.total = true;
	dopts.unit = diff_natural_unit(after->p);
	if (diff_add_profile(d, DIFF_BEFORE, before->st, before->p, 1.0, &err) ||
	    diff_add_profile(d, DIFF_AFTER, after->st, after->p, 1.0, &err) ||
	    diff_compute(d, &dopts, &res, &err)) {
		warn("no verdicts from the diff engine (%s): colouring by a simple noise test",
		     err ? err : "unknown error");
		free(err);
		diff_free(d);
		return false;
	}
	hashmap_init(&rows);
	for (i = 0; i < res->nrows; i++) {
		struct strbuf key = STRBUF_INIT;

		strbuf_add(&key, res->rows[i].name, strlen(res->rows[i].name) + 1);
		strbuf_adds(&key, res->rows[i].module);
		hashmap_put(&rows, key.buf, key.len, i);
		strbuf_release(&key);
	}
	fl->boxes[0].verdict = flame_verdict_of(res->total.verdict);
	for (i = 1; i < fl->nboxes; i++) {
		struct flame_box *b = &fl->boxes[i];
		struct strbuf key = STRBUF_INIT;
		uint64_t row;

		strbuf_add(&key, b->name, strlen(b->name) + 1);
		strbuf_adds(&key, basename_of(b->module));
		b->verdict = hashmap_get(&rows, key.buf, key.len, &row) ?
			     flame_verdict_of(res->rows[row].verdict) : FLAME_VERDICT_SAME;
		strbuf_release(&key);
	}
	hashmap_release(&rows);
	diff_result_free(res);
	diff_free(d);
	return true;
}

static int write_svg(const struct flame *fl, const struct flame_opts *opts, const char *output)
{
	struct atomicfile af;
	char *msg;
	int ret;

	if (!output || !strcmp(output, "-")) {
		if (flame_write_svg(fl, opts, stdout))
			die("cannot write standard output");
		return 0;
	}
	if (atomicfile_open(&af, output, &msg))
		die("%s", msg);
	ret = flame_write_svg(fl, opts, af.f);
	if (ret) {
		atomicfile_abort(&af);
		die("cannot write '%s': %s", sanitized(output), strerror(-ret));
	}
	if (atomicfile_commit(&af, &msg))
		die("%s", msg);
	return 0;
}

int cmd_flame(int argc, char **argv)
{
	struct flame_cmd o = {
		.file = "hotstack.db", .filter = PROFILE_FILTER_INIT, .weight = -1,
	};
	struct side after, before;
	struct flame fl;
	char *subtitle;
	bool ns;

	if (cmd_wants_help(argc, argv))
		return cmd_print_help(flame_usage);
	cmd_range_init(&flame_range);
	parse_args(argc, argv, &o);
	/* an SVG on a terminal is a screenful of XML: refuse in one line */
	if ((!o.output || !strcmp(o.output, "-")) && isatty(STDOUT_FILENO)) {
		error("flame: standard output is a terminal: write the SVG with -o FILE.svg, "
		      "or pipe it");
		return EXIT_USAGE;
	}
	ns = o.weight < 0 ? o.filter.kind != KIND_CPU : o.weight == 1;
	o.opts.unit = ns ? "ns" : "samples";
	if (o.before && (flame_range.since >= 0 || flame_range.until >= 0))
		die_usage("flame: --since and --until take one recording's time: not with --diff");
	o.file = cmd_range_resolve(&flame_range, "flame", o.file, &o.filter);

	load_side(&after, o.file, &o);
	flame_init(&fl);
	flame_add_profile(&fl, after.p, FLAME_NOW, ns, 1.0);
	if (o.before) {
		const struct profile_totals *ta = &after.p->totals, *tb;
		double scale;
		char extra[256];

		load_side(&before, o.before, &o);
		tb = &before.p->totals;
		if (ta->duration_ns > 0 && tb->duration_ns > 0) {
			scale = (double)ta->duration_ns / (double)tb->duration_ns;
			snprintf(extra, sizeof(extra), "before: %llu samples in %.2f s, scaled by %.3f",
				 (unsigned long long)tb->samples, tb->duration_ns / 1e9, scale);
		} else {
			scale = tb->samples ? (double)ta->samples / (double)tb->samples : 1;
			snprintf(extra, sizeof(extra), "before: %llu samples, scaled to the same total"
				 " (a duration is unknown)", (unsigned long long)tb->samples);
		}
		flame_add_profile(&fl, before.p, FLAME_BEFORE, ns, scale);
		set_verdicts(&fl, &before, &after);
		o.opts.diff = true;
		subtitle = make_subtitle(&after, &o, extra);
		free_side(&before);
	} else {
		subtitle = make_subtitle(&after, &o, NULL);
	}
	o.opts.subtitle = subtitle;
	write_svg(&fl, &o.opts, o.output);
	free(subtitle);
	flame_release(&fl);
	free_side(&after);
	cmd_range_release(&flame_range);
	return EXIT_OK;
}
