/* cmd-export.c - hotstack export: a recording in another tool's format
 *
 * One writer function per format in the exporters[] table; each gets the
 * loaded profile and a FILE. Output goes to stdout, or to -o PATH through
 * atomicfile.h (a temporary beside PATH, then rename()), so PATH is either
 * the old file or the whole new one; a FIFO or /dev/stdout is written in place.
 * Exported text is for machines and is not sanitized (see profile_folded()).
 * folded and json are here; pprof and speedscope in export-*.c (export.h).
 *
 * json (the call tree; stable, members may be added, none removed):
 *   {"format": "hotstack-calltree", "version": 1, "kind", "unit",
 *    "samples", "weight_ns", "duration_ns" (or null),
 *    "modules": [{"path", "kind", "build_id" (or null)}],
 *    "nodes": [{"id", "parent" (null for the root), "name", "module" (index
 *               into modules, or null), "inline", "file", "line" (or null),
 *               "self", "total", "self_ns", "total_ns"}]}
 *   nodes are the call tree of profile.h (paths merged by function), in
 *   pre-order with children by name; node 0 is the root, named "[root]".
 *   One node per line, so the file stays greppable at any size.
 *
 * folded --diff BEFORE: "stack before after" lines of sample counts
 * (difffolded.pl's format, which flamegraph.pl draws), from diff.h.
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
#include "export.h"
#include "json.h"
#include "profile.h"
#include "store.h"
#include "util.h"

static const char export_usage[] =
	"usage: hotstack export [FILE] [OPTIONS]\n"
	"\n"
	"Write a recording (FILE, default hotstack.db) in another tool's format.\n"
	"\n"
	"  -f, --format FORMAT     folded (default): Brendan Gregg's folded stacks,\n"
	"                          \"main;parse;hash 123\" root first, one line per\n"
	"                          distinct stack, for flamegraph.pl and friends\n"
	"                          pprof: gzipped profile.proto for go tool pprof,\n"
	"                          Grafana Pyroscope and Parca\n"
	"                          speedscope: speedscope's JSON, one profile per thread\n"
	"                          json: the call tree, one node per line\n"
	"  -o, --output PATH       write to PATH (atomically) instead of stdout\n"
	"  -k, --kind KIND         sample kind: cpu (default), offcpu (blocked),\n"
	"                          runqueue (preempted) or wall (all three)\n"
	"  -t, --tid TID           only samples of thread TID\n"
	"  -m, --module NAME       only samples with a frame in module NAME\n"
	"  -w, --weight count|us|ns  value per stack: samples, microseconds or\n"
	"                          nanoseconds (folded default: samples for cpu,\n"
	"                          microseconds for the other kinds; speedscope:\n"
	"                          nanoseconds, us counts as ns)\n"
	"      --diff BEFORE       folded only: \"stack before after\" lines of sample\n"
	"                          counts (difffolded.pl's format), FILE being AFTER\n"
	"      --since TIME, --until TIME  only samples in that time range (-1h, today,\n"
	"                          '2026-11-30 14:00'); FILE may be a directory of\n"
	"                          record --continuous recordings\n"
	"  -h, --help              print this help\n";

enum { OPT_DIFF = 256, OPT_SINCE, OPT_UNTIL };

/* --since/--until and directories (cmd-range.c) */
static struct cmd_range export_range;

/* Returns 0 or a negative errno (a write error is also seen by ferror). */
typedef int (*export_fn)(const struct profile *p, const struct export_opts *o, FILE *f);

static int export_folded(const struct profile *p, const struct export_opts *o, FILE *f)
{
	struct profile_folded *folded;
	size_t i, n = profile_folded(p, &folded);

	for (i = 0; i < n; i++) {
		uint64_t v = o->unit == UNIT_NS ? folded[i].value.weight_ns :
			     o->unit == UNIT_US ? (folded[i].value.weight_ns + 500) / 1000 :
			     folded[i].value.count;

		if (v)
			fprintf(f, "%s %llu\n", folded[i].stack, (unsigned long long)v);
	}
	profile_folded_free(folded, n);
	return 0;
}

/* folded --diff: p is AFTER; BEFORE is loaded with the same selection and
 * the lines come from the diff engine (diff_write_folded()). */
static int export_folded_diff(const struct profile *p, const struct export_opts *o, FILE *f)
{
	struct profile *before;
	char *err;
	int ret;

	if (profile_open(o->before, &o->filter, &before, &err)) {
		error("%s", err);
		free(err);
		return -EINVAL;
	}
	ret = diff_write_folded(f, before, p);
	profile_free(before);
	return ret;
}

static void json_opt_string(FILE *f, const char *key, const char *s)
{
	fprintf(f, ",\"%s\":", key);
	if (s)
		json_write_string(f, s);
	else
		fputs("null", f);
}

static int export_json(const struct profile *p, const struct export_opts *o UNUSED, FILE *f)
{
	int *stack = xmalloc((p->ncnodes + 1) * sizeof(*stack));
	int *id = xmalloc((p->ncnodes + 1) * sizeof(*id));
	size_t sp = 0, i;
	int next = 0;

	fprintf(f, "{\"format\":\"hotstack-calltree\",\"version\":1,\"kind\":\"%s\","
		"\"unit\":\"ns\",\"samples\":%llu,\"weight_ns\":%llu,\"duration_ns\":",
		profile_kind_name(p->filter.kind), (unsigned long long)p->totals.samples,
		(unsigned long long)p->totals.weight_ns);
	if (p->totals.duration_ns >= 0)
		fprintf(f, "%lld", (long long)p->totals.duration_ns);
	else
		fputs("null", f);
	fputs(",\n\"modules\":[", f);
	for (i = 0; i < p->nmodules; i++) {
		fputs(i ? ",\n{\"path\":" : "\n{\"path\":", f);
		json_write_string(f, p->modules[i].path);
		json_opt_string(f, "kind", p->modules[i].kind);
		json_opt_string(f, "build_id", p->modules[i].build_id);
		fputc('}', f);
	}
	fputs("],\n\"nodes\":[", f);
	stack[sp++] = 0;
	while (sp) {
		int c = stack[--sp], k, n = 0;
		const struct profile_cnode *cn = &p->cnodes[c];

		id[c] = next++;
		fprintf(f, "%s\n{\"id\":%d,\"parent\":", c ? "," : "", id[c]);
		if (cn->parent >= 0)
			fprintf(f, "%d", id[cn->parent]);
		else
			fputs("null", f);
		if (c) {
			const struct profile_func *fn = &p->funcs[cn->func];
			const struct profile_frame *hot =
				fn->hot_frame >= 0 ? &p->frames[fn->hot_frame] : NULL;

			fputs(",\"name\":", f);
			json_write_string(f, fn->name);
			if (fn->module >= 0)
				fprintf(f, ",\"module\":%d", fn->module);
			else
				fputs(",\"module\":null", f);
			fprintf(f, ",\"inline\":%s", cn->is_inline ? "true" : "false");
			json_opt_string(f, "file", hot ? hot->file : NULL);
			if (hot && hot->file && hot->line > 0)
				fprintf(f, ",\"line\":%d", hot->line);
			else
				fputs(",\"line\":null", f);
		} else {
			fputs(",\"name\":\"[root]\",\"module\":null,\"inline\":false,"
			      "\"file\":null,\"line\":null", f);
		}
		fprintf(f, ",\"self\":%llu,\"total\":%llu,\"self_ns\":%llu,\"total_ns\":%llu}",
			(unsigned long long)cn->self.count, (unsigned long long)cn->total.count,
			(unsigned long long)cn->self.weight_ns,
			(unsigned long long)cn->total.weight_ns);
		/* push children in reverse name order so they come out in order */
		for (k = cn->first_child; k >= 0; k = p->cnodes[k].next_sibling)
			n++;
		i = sp + (size_t)n;
		for (k = cn->first_child; k >= 0; k = p->cnodes[k].next_sibling)
			stack[--i] = k;
		sp += (size_t)n;
	}
	fputs("]}\n", f);
	free(stack);
	free(id);
	return 0;
}

static const struct exporter {
	const char *name;
	export_fn fn;
} exporters[] = {
	{ "folded", export_folded },
	{ "pprof", export_pprof },
	{ "speedscope", export_speedscope },
	{ "json", export_json },
};

static const struct exporter folded_diff = { "folded", export_folded_diff };

static const struct exporter *find_exporter(const char *name)
{
	struct strbuf names = STRBUF_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(exporters); i++)
		if (!strcmp(exporters[i].name, name))
			return &exporters[i];
	for (i = 0; i < ARRAY_SIZE(exporters); i++)
		strbuf_addf(&names, "%s%s", i ? ", " : "", exporters[i].name);
	die_usage("export: unknown format '%s': supported formats: %s", sanitized(name),
		  names.buf);
}

/* Write through the atomic-file rules (atomicfile.h); dies on error
 * leaving no temporary and the old PATH untouched. */
static void export_to_path(const struct exporter *e, const struct profile *p,
			   const struct export_opts *o)
{
	struct atomicfile af;
	char *msg;
	int ret;

	if (atomicfile_open(&af, o->output, &msg))
		die("%s", msg);
	ret = e->fn(p, o, af.f);
	if (ret) {
		atomicfile_abort(&af);
		die("cannot write '%s': %s", sanitized(o->output), strerror(-ret));
	}
	if (atomicfile_commit(&af, &msg))
		die("%s", msg);
}

static void parse_args(int argc, char **argv, struct export_opts *o)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "kind", required_argument, NULL, 'k' },
		{ "tid", required_argument, NULL, 't' },
		{ "module", required_argument, NULL, 'm' },
		{ "weight", required_argument, NULL, 'w' },
		{ "diff", required_argument, NULL, OPT_DIFF },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:k:t:m:w:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->format = optarg;
			break;
		case 'o':
			if (!*optarg)
				die_usage("export: --output wants a path");
			o->output = optarg;
			break;
		case 'k':
			o->filter.kind = profile_kind_from_name(optarg);
			if (o->filter.kind < 0)
				die_usage("export: unknown sample kind '%s': use cpu, offcpu, runqueue or wall",
					  sanitized(optarg));
			break;
		case 't':
			if (parse_long(optarg, 1, INT_MAX, &v))
				die_usage("export: --tid wants a thread id, not '%s'",
					  sanitized(optarg));
			o->filter.tid = (int)v;
			break;
		case 'm':
			if (!*optarg)
				die_usage("export: --module wants a module name");
			o->filter.module = optarg;
			break;
		case 'w':
			if (!strcmp(optarg, "ns"))
				o->unit = UNIT_NS;
			else if (!strcmp(optarg, "us"))
				o->unit = UNIT_US;
			else if (!strcmp(optarg, "count"))
				o->unit = UNIT_COUNT;
			else
				die_usage("export: unknown weight '%s': use count, us or ns",
					  sanitized(optarg));
			o->weight_ns = o->unit != UNIT_COUNT;
			o->weight_set = true;
			break;
		case OPT_DIFF:
			if (!*optarg)
				die_usage("export: --diff wants the BEFORE recording");
			o->before = optarg;
			break;
		case OPT_SINCE:
			cmd_range_parse(&export_range, "export", "since", optarg);
			break;
		case OPT_UNTIL:
			cmd_range_parse(&export_range, "export", "until", optarg);
			break;
		case ':':
			die_usage("export: option '%s' needs a value", sanitized(argv[optind - 1]));
		default:
			if (optopt)
				die_usage("export: unknown option '-%c'", optopt);
			die_usage("export: unknown option '%s'", sanitized(argv[optind - 1]));
		}
	}
	if (optind < argc)
		o->file = argv[optind++];
	if (optind < argc)
		die_usage("export: unexpected argument '%s'", sanitized(argv[optind]));
}

int cmd_export(int argc, char **argv)
{
	struct export_opts o = {
		.file = "hotstack.db", .format = "folded", .filter = PROFILE_FILTER_INIT,
	};
	const struct exporter *e;
	struct profile *p;
	char *err;

	if (cmd_wants_help(argc, argv))
		return cmd_print_help(export_usage);
	cmd_range_init(&export_range);
	parse_args(argc, argv, &o);
	export_range.slices = !strcmp(o.format, "speedscope");	/* samples in time order */
	o.file = cmd_range_resolve(&export_range, "export", o.file, &o.filter);
	/* folded default: samples on CPU; the waiting kinds by their time */
	if (!o.weight_set)
		o.unit = o.filter.kind == KIND_CPU ? UNIT_COUNT : UNIT_US;
	e = find_exporter(o.format);
	if (o.before) {
		if (strcmp(e->name, "folded"))
			die_usage("export: --diff works with --format folded only");
		if (o.weight_set && o.unit != UNIT_COUNT)
			die_usage("export: --diff writes sample counts: it cannot take --weight %s",
				  o.unit == UNIT_NS ? "ns" : "us");
		e = &folded_diff;
	}
	/* the store stays open: speedscope reads its samples rows again */
	if (store_open(o.file, &o.st, &err) || profile_load(o.st, &o.filter, &p, &err))
		die("%s", err);
	if (o.output && strcmp(o.output, "-"))
		export_to_path(e, p, &o);
	else if (e->fn(p, &o, stdout))
		die("cannot write standard output");
	profile_free(p);
	store_free(o.st);
	cmd_range_release(&export_range);
	return EXIT_OK;
}
