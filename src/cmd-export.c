/* cmd-export.c - hotstack export: a recording in another tool's format
 *
 * One writer function per format in the exporters[] table; each gets the
 * loaded profile and a FILE. Output goes to stdout, or to -o PATH through
 * PATH.tmp and rename(), so PATH is either the old file or the whole new one.
 * Exported text is for machines and is not sanitized (see profile_folded()).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "profile.h"
#include "util.h"

static const char export_usage[] =
	"usage: hotstack export [FILE] [OPTIONS]\n"
	"\n"
	"Write a recording (FILE, default hotstack.db) in another tool's format.\n"
	"\n"
	"  -f, --format FORMAT     folded (default): Brendan Gregg's folded stacks,\n"
	"                          \"main;parse;hash 123\" root first, one line per\n"
	"                          distinct stack, for flamegraph.pl and friends\n"
	"  -o, --output PATH       write to PATH (atomically) instead of stdout\n"
	"  -k, --kind KIND         sample kind: cpu (default) or offcpu\n"
	"  -t, --tid TID           only samples of thread TID\n"
	"  -m, --module NAME       only samples with a frame in module NAME\n"
	"  -w, --weight count|ns   value per stack: samples (default) or nanoseconds\n"
	"  -h, --help              print this help\n";

struct export_opts {
	const char *file, *format, *output;
	bool weight_ns;
	struct profile_filter filter;
};

/* Returns 0 or a negative errno (a write error is also seen by ferror). */
typedef int (*export_fn)(const struct profile *p, const struct export_opts *o, FILE *f);

static int export_folded(const struct profile *p, const struct export_opts *o, FILE *f)
{
	struct profile_folded *folded;
	size_t i, n = profile_folded(p, &folded);

	for (i = 0; i < n; i++) {
		uint64_t v = o->weight_ns ? folded[i].value.weight_ns : folded[i].value.count;

		if (v)
			fprintf(f, "%s %llu\n", folded[i].stack, (unsigned long long)v);
	}
	profile_folded_free(folded, n);
	return 0;
}

static const struct exporter {
	const char *name;
	export_fn fn;
} exporters[] = {
	{ "folded", export_folded },
};

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

/* Write through PATH.tmp + rename; dies on error leaving no temporary. */
static void export_to_path(const struct exporter *e, const struct profile *p,
			   const struct export_opts *o)
{
	char *tmp = xasprintf("%s.tmp", o->output);
	FILE *f = fopen(tmp, "w");
	int ret, err;

	if (!f)
		die("cannot create '%s': %s", sanitized(tmp), strerror(errno));
	ret = e->fn(p, o, f);
	if (!ret && (fflush(f) || ferror(f) || fsync(fileno(f))))
		ret = -(errno ? errno : EIO);
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, o->output) < 0)
		ret = -errno;
	if (ret) {
		err = -ret;
		unlink(tmp);
		die("cannot write '%s': %s", sanitized(o->output), strerror(err));
	}
	free(tmp);
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
				die_usage("export: unknown sample kind '%s': use cpu or offcpu",
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
				o->weight_ns = true;
			else if (!strcmp(optarg, "count"))
				o->weight_ns = false;
			else
				die_usage("export: unknown weight '%s': use count or ns",
					  sanitized(optarg));
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
	parse_args(argc, argv, &o);
	e = find_exporter(o.format);
	if (profile_open(o.file, &o.filter, &p, &err))
		die("%s", err);
	if (o.output && strcmp(o.output, "-"))
		export_to_path(e, p, &o);
	else if (e->fn(p, &o, stdout))
		die("cannot write standard output");
	profile_free(p);
	return EXIT_OK;
}
