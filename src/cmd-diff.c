/* cmd-diff.c - hotstack diff: what got faster or slower, beyond noise
 *
 * Loads the recordings of each side through profile.h, hands them to the
 * paired model in diff.c and prints its rows as text, JSON or JUnit XML.
 * The statistics live in diff.c; this file parses options, loads, warns,
 * prints and applies the regression gate. Text from recordings goes through
 * sanitize(); JSON is escaped by json.c; XML by xml_text() below.
 *
 * JSON output (stable; new members may be added, none removed or renamed):
 *   { "kind", "measure" ("self"/"total"), "unit" ("run"/"second"/"work"),
 *     "value_unit" ("s" or "samples"), "min_effect_pct", "fdr", "seed",
 *     "resamples", "before": SIDE, "after": SIDE, "total": ROW,
 *     "rows": [ROW...] (every function), "stacks": [ROW...] (--stacks),
 *     "syscalls": [ROW...] (when both sides recorded --waits: time in each
 *     system call; samples_* are calls, and calls_per_unit_before/_after
 *     replace self_* and total_*), "io": [ROW...] (likewise: time waiting
 *     per file or socket, name the target, module its kind; samples_* are
 *     calls, bytes_per_unit_before/_after replace self_* and total_*),
 *     "offcpu": { "measure" ("total"), "total": ROW, "rows": [ROW...] }
 *     (when both sides have off-CPU samples and no --kind was given),
 *     "warnings": [string...],
 *     "fail_on_regression_pct" (or null), "regressions": [ROW...] }
 *   SIDE: { "files": [...], "runs", "duration_s", "samples", "work" }
 *   ROW:  { "name", "module", "before", "after", "delta", "delta_low",
 *     "delta_high", "delta_pct", "ci_low", "ci_high", "rel_pct", "rel_low",
 *     "rel_high", "samples_before", "samples_after", "share_before",
 *     "share_after", "cpu_per_s_before", "cpu_per_s_after", "self_before",
 *     "self_after", "total_before", "total_after", "p", "q", "verdict",
 *     "more_seconds", "regression" }  (numbers that do not apply are null);
 *     function rows of a self comparison add "total_delta_pct",
 *     "total_ci_low", "total_ci_high", "total_verdict" and
 *     "verdict_from_total" (see diff.h); "module" is "old->new" for
 *     modules paired across names (diff_map_module())
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "demangle.h"
#include "diff.h"
#include "json.h"
#include "profile.h"
#include "store.h"
#include "util.h"

static const char diff_usage[] =
	"usage: hotstack diff BEFORE AFTER [OPTIONS]\n"
	"       hotstack diff --before FILE... --after FILE... [OPTIONS]\n"
	"       hotstack diff DIR --since T [--until T] DIR --since T [--until T] [OPTIONS]\n"
	"\n"
	"Compare recordings: per function, what got faster or slower beyond the noise\n"
	"of sampling and of the runs, with a confidence interval and a verdict per row.\n"
	"\n"
	"      --before FILE...    recordings of the old version (several runs)\n"
	"      --after FILE...     recordings of the new version (several runs)\n"
	"      --since T, --until T  only that time range (-1h, yesterday 14:00, ...) of\n"
	"                          the recording or directory of rotated recordings\n"
	"                          they follow; before any recording, of all\n"
	"      --per run|second|N1,N2\n"
	"                          compare time per run (default for programs launched\n"
	"                          and recorded to their end), per second of wall time\n"
	"                          (default otherwise), or per unit of work: N1 and N2\n"
	"                          units done by each recording before and after\n"
	"      --total             compare total (inclusive) time instead of self time\n"
	"      --stacks            also compare call paths\n"
	"      --map OLD=NEW       pair module OLD (before) with module NEW (after), by\n"
	"                          file name or path; main executables and libraries\n"
	"                          of the same soname pair without it\n"
	"      --min-effect PCT    changes under PCT% are never a verdict (default 5)\n"
	"      --fail-on-regression PCT\n"
	"                          exit 1 if the total or a function got slower by more\n"
	"                          than PCT% beyond noise, and say why\n"
	"      --run-noise PCT     run-to-run spread assumed per run, pooled with the\n"
	"                          spread measured between runs (default 3)\n"
	"  -k, --kind KIND         sample kind: cpu (default; with off-CPU waits when\n"
	"                          both sides have them), offcpu, runqueue or wall\n"
	"  -m, --module NAME       only samples with a frame in module NAME\n"
	"  -n, --limit N           print N rows per table (default 25, 0 = all; gone\n"
	"                          rows and regressions are always printed)\n"
	"  -f, --format FORMAT     text (default), json or junit\n"
	"      --seed N            seed of the bootstrap (default 1)\n"
	"  -h, --help              print this help\n"
	"\n"
	"Verdicts: faster, slower, same (within the minimum effect), inconclusive (with\n"
	"the recording time that would settle it), new, gone. Recordings made with\n"
	"--waits add tables of system calls, I/O and off-CPU time. See hotstack-diff(1)\n"
	"for the method.\n";

enum {
	OPT_TOTAL = 256, OPT_STACKS, OPT_MIN_EFFECT, OPT_FAIL, OPT_SEED, OPT_PER, OPT_RUN_NOISE,
	OPT_MAP,
};

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_JUNIT };

struct diff_cmd {
	const char **files[2];
	size_t nfiles[2];
	/* --since/--until of each recording (a file or a directory of rotated
	 * recordings, cmd-range.c): of the one they follow; before any, of all */
	struct cmd_range *ranges[2], pos[2], all;
	struct diff_opts opts;
	bool unit_given;
	double *work[2];	/* per file, or one value for all */
	size_t nwork[2];
	bool kind_given;
	struct profile_filter filter;
	long limit;
	enum format format;
	double fail_pct;	/* < 0: no gate */
	char **map_old, **map_new;	/* --map OLD=NEW */
	size_t nmaps;
};

/* One side's loaded recordings. */
struct side {
	struct profile **p;	/* the selected kind */
	size_t n;
	uint64_t off_samples;	/* off-CPU samples, when loaded */
};

/* ---- options ---------------------------------------------------------- */

static double parse_pct(const char *opt, const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= 0) || v > 1e6)
		die_usage("diff: %s wants a percentage >= 0, not '%s'", opt, sanitized(s));
	return v;
}

/* "N" or "N:N:N": work per recording of a side. */
static void parse_work_list(const char *s, double **out, size_t *n)
{
	char *copy = xstrdup(s), *tok, *save = NULL;

	*n = 0;
	*out = NULL;
	for (tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		char *end;
		double v = strtod(tok, &end);

		if (end == tok || *end || !(v > 0) || !isfinite(v))
			die_usage("diff: --per wants work counts > 0 like 1000,1200, not '%s'",
				  sanitized(s));
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = v;
	}
	free(copy);
	if (!*n)
		die_usage("diff: --per wants work counts > 0 like 1000,1200, not '%s'",
			  sanitized(s));
}

static void parse_per(struct diff_cmd *c, const char *s)
{
	const char *comma = strchr(s, ',');
	char *first;

	c->unit_given = true;
	if (!strcmp(s, "run")) {
		c->opts.unit = DIFF_PER_RUN;
		return;
	}
	if (!strcmp(s, "second") || !strcmp(s, "s")) {
		c->opts.unit = DIFF_PER_SECOND;
		return;
	}
	if (!comma || strchr(comma + 1, ','))
		die_usage("diff: --per wants run, second or N1,N2, not '%s'", sanitized(s));
	first = xstrndup(s, (size_t)(comma - s));
	parse_work_list(first, &c->work[0], &c->nwork[0]);
	parse_work_list(comma + 1, &c->work[1], &c->nwork[1]);
	free(first);
	c->opts.unit = DIFF_PER_WORK;
}

/* --map OLD=NEW: two module names or paths, neither empty. */
static void parse_map(struct diff_cmd *c, const char *s)
{
	const char *eq = strchr(s, '=');

	if (!eq || eq == s || !eq[1] || strchr(eq + 1, '='))
		die_usage("diff: --map wants OLD=NEW, two module file names or paths, not '%s'",
			  sanitized(s));
	c->map_old = xrealloc(c->map_old, (c->nmaps + 1) * sizeof(*c->map_old));
	c->map_new = xrealloc(c->map_new, (c->nmaps + 1) * sizeof(*c->map_new));
	c->map_old[c->nmaps] = xstrndup(s, (size_t)(eq - s));
	c->map_new[c->nmaps] = xstrdup(eq + 1);
	c->nmaps++;
}

static struct cmd_range *add_file(struct diff_cmd *c, int side, const char *f)
{
	c->files[side] = xrealloc(c->files[side], (c->nfiles[side] + 1) * sizeof(char *));
	c->ranges[side] = xrealloc(c->ranges[side], (c->nfiles[side] + 1) * sizeof(**c->ranges));
	cmd_range_init(&c->ranges[side][c->nfiles[side]]);
	c->files[side][c->nfiles[side]] = f;
	return &c->ranges[side][c->nfiles[side]++];
}

/* Whether option a takes the next argument as its value. */
static bool takes_value(const char *a)
{
	static const char *const opts[] = {
		"-k", "-m", "-n", "-f", "--min-effect", "--fail-on-regression", "--seed",
		"--per", "--run-noise", "--map", "--kind", "--module", "--limit", "--format",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(opts); i++)
		if (!strcmp(a, opts[i]))
			return true;
	return false;
}

/* --since T / --until T / --since=T / --until=T: parsed into r, which
 * *i is moved past. False if argv[*i] is not one of them. */
static bool take_range(int argc, char **argv, int *i, struct cmd_range *r)
{
	const char *a = argv[*i], *v;
	char opt[8];

	if (strncmp(a, "--since", 7) && strncmp(a, "--until", 7))
		return false;
	if (a[7] == '=') {
		v = a + 8;
	} else if (!a[7]) {
		if (*i + 1 >= argc)
			die_usage("diff: option '%s' needs a value", a);
		v = argv[++*i];
	} else {
		return false;
	}
	snprintf(opt, sizeof(opt), "%.5s", a + 2);
	cmd_range_parse(r, "diff", opt, v);
	return true;
}

/*
 * getopt cannot give an option several values: take "--before F..." and
 * "--after F..." out of argv first. Returns the new argc; argv is rewritten
 * in place (the options that remain keep their order).
 */
static int take_side_lists(struct diff_cmd *c, int argc, char **argv)
{
	struct cmd_range *last = &c->all;
	int i, out = 1, side = -1, npos = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		if (take_range(argc, argv, &i, last))
			continue;
		if (!strcmp(a, "--before") || !strcmp(a, "--after")) {
			side = a[2] == 'a';
			if (i + 1 >= argc || argv[i + 1][0] == '-')
				die_usage("diff: %s wants at least one recording", a);
			continue;
		}
		if (!strncmp(a, "--before=", 9) || !strncmp(a, "--after=", 8)) {
			side = a[2] == 'a';
			last = add_file(c, side, strchr(a, '=') + 1);
			continue;
		}
		if (side >= 0 && a[0] != '-') {
			last = add_file(c, side, a);
			continue;
		}
		side = -1;
		if (takes_value(a) && i + 1 < argc) {
			argv[out++] = argv[i++];
		} else if (a[0] != '-') {
			/* BEFORE AFTER: their ranges wait in pos[] */
			if (npos < 2)
				last = &c->pos[npos];
			npos++;
		}
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	return out;
}

static void parse_args(int argc, char **argv, struct diff_cmd *c)
{
	static const struct option longopts[] = {
		{ "total", no_argument, NULL, OPT_TOTAL },
		{ "stacks", no_argument, NULL, OPT_STACKS },
		{ "min-effect", required_argument, NULL, OPT_MIN_EFFECT },
		{ "fail-on-regression", required_argument, NULL, OPT_FAIL },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "per", required_argument, NULL, OPT_PER },
		{ "run-noise", required_argument, NULL, OPT_RUN_NOISE },
		{ "map", required_argument, NULL, OPT_MAP },
		{ "kind", required_argument, NULL, 'k' },
		{ "module", required_argument, NULL, 'm' },
		{ "limit", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	argc = take_side_lists(c, argc, argv);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":k:m:n:f:", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_TOTAL:
			c->opts.total = true;
			break;
		case OPT_STACKS:
			c->opts.stacks = true;
			break;
		case OPT_MIN_EFFECT:
			c->opts.min_effect = parse_pct("--min-effect", optarg);
			break;
		case OPT_FAIL:
			c->fail_pct = parse_pct("--fail-on-regression", optarg);
			break;
		case OPT_SEED:
			errno = 0;
			c->opts.seed = strtoull(optarg, &end, 10);
			if (end == optarg || *end || errno || optarg[0] == '-')
				die_usage("diff: --seed wants a number >= 0, not '%s'",
					  sanitized(optarg));
			break;
		case OPT_PER:
			parse_per(c, optarg);
			break;
		case OPT_RUN_NOISE:
			c->opts.run_noise = parse_pct("--run-noise", optarg);
			break;
		case OPT_MAP:
			parse_map(c, optarg);
			break;
		case 'k':
			c->filter.kind = profile_kind_from_name(optarg);
			if (c->filter.kind < 0)
				die_usage("diff: unknown sample kind '%s': use cpu, offcpu, "
					  "runqueue or wall", sanitized(optarg));
			c->kind_given = true;
			break;
		case 'm':
			if (!*optarg)
				die_usage("diff: --module wants a module name");
			c->filter.module = optarg;
			break;
		case 'n':
			if (parse_long(optarg, 0, INT_MAX, &c->limit))
				die_usage("diff: --limit wants a number >= 0, not '%s'",
					  sanitized(optarg));
			break;
		case 'f':
			if (!strcmp(optarg, "text"))
				c->format = FORMAT_TEXT;
			else if (!strcmp(optarg, "json"))
				c->format = FORMAT_JSON;
			else if (!strcmp(optarg, "junit"))
				c->format = FORMAT_JUNIT;
			else
				die_usage("diff: unknown format '%s': use text, json or junit",
					  sanitized(optarg));
			break;
		case ':':
			die_usage("diff: option '%s' needs a value", sanitized(argv[optind - 1]));
		default:
			if (optopt)
				die_usage("diff: unknown option '-%c'", optopt);
			die_usage("diff: unknown option '%s'", sanitized(argv[optind - 1]));
		}
	}
	if (c->nfiles[0] || c->nfiles[1]) {
		if (optind < argc)
			die_usage("diff: unexpected argument '%s' (recordings go after --before "
				  "and --after)", sanitized(argv[optind]));
		if (!c->nfiles[0] || !c->nfiles[1])
			die_usage("diff: give recordings for both --before and --after");
	} else {
		if (argc - optind != 2)
			die_usage("diff: give two recordings, BEFORE and AFTER, or --before "
				  "and --after lists");
		*add_file(c, 0, argv[optind]) = c->pos[0];
		*add_file(c, 1, argv[optind + 1]) = c->pos[1];
	}
	/* a time given before any recording: of every recording */
	for (ch = 0; ch < 2; ch++)
		for (size_t i = 0; i < c->nfiles[ch]; i++) {
			struct cmd_range *r = &c->ranges[ch][i];

			if (r->since < 0)
				r->since = c->all.since;
			if (r->until < 0)
				r->until = c->all.until;
		}
	for (ch = 0; ch < 2; ch++)
		if (c->opts.unit == DIFF_PER_WORK && c->nwork[ch] != 1 &&
		    c->nwork[ch] != c->nfiles[ch])
			die_usage("diff: --per gives %zu work counts %s but there are %zu "
				  "recordings", c->nwork[ch], ch ? "after" : "before",
				  c->nfiles[ch]);
}

/* ---- loading ---------------------------------------------------------- */

static double work_of(const struct diff_cmd *c, int s, size_t i)
{
	if (c->opts.unit != DIFF_PER_WORK)
		return 0;
	return c->nwork[s] == 1 ? c->work[s][0] : c->work[s][i];
}

/*
 * Load every recording once: its profile of the selected kind goes to d,
 * and (unless --kind was given) its off-CPU profile to doff. Keeps the
 * primary profiles in sides[] for the header and the warnings.
 */
static void load_sides(struct diff_cmd *c, struct side sides[2], struct diff *d,
		       struct diff *doff)
{
	size_t i;
	int s;

	for (s = 0; s < 2; s++) {
		struct side *side = &sides[s];

		side->n = c->nfiles[s];
		side->p = xcalloc(side->n, sizeof(*side->p));
		side->off_samples = 0;
		for (i = 0; i < side->n; i++) {
			struct cmd_range *r = &c->ranges[s][i];
			struct profile_filter range = c->filter;
			const char *file;
			struct store *st;
			char *err, note[8192];

			r->slices = true;	/* the noise is measured over time */
			file = cmd_range_resolve(r, "diff", c->files[s][i], &range);
			if (store_open(file, &st, &err))
				die("%s", err);
			if (profile_filter_has_range(&range))
				store_set_wait_range(st, range.slice_lo,
						     range.slice_hi > 0 ? range.slice_hi - 1 : -1);
			if (profile_load(st, &range, &side->p[i], &err) ||
			    diff_add_profile(d, (enum diff_side)s, st, side->p[i],
					     work_of(c, s, i), &err) ||
			    diff_add_syscalls(d, st, &err))
				die("%s", err);
			if (profile_filter_note(side->p[i], note, sizeof(note)))
				warn("%s", note);
			if (doff) {
				struct profile_filter f = range;
				struct profile *off;

				f.kind = KIND_OFFCPU;
				if (profile_load(st, &f, &off, &err) ||
				    diff_add_profile(doff, (enum diff_side)s, st, off,
						     work_of(c, s, i), &err))
					die("%s", err);
				side->off_samples += off->totals.samples;
				profile_free(off);
			}
			store_free(st);
			cmd_range_release(r);
		}
	}
}

static void free_side(struct side *side)
{
	size_t i;

	for (i = 0; i < side->n; i++)
		profile_free(side->p[i]);
	free(side->p);
}

/* ---- warnings --------------------------------------------------------- */

struct warnings {
	char **msg;
	size_t n;
};

static void add_warning(struct warnings *w, char *msg)
{
	w->msg = xrealloc(w->msg, (w->n + 1) * sizeof(*w->msg));
	w->msg[w->n++] = msg;
}

/* The program of a recording: basename of the command's first word. */
static char *program_of(const struct profile *p)
{
	const char *cmd = profile_meta(p, "command"), *end, *base;

	if (!cmd || !*cmd)
		return xstrdup("?");
	end = strchr(cmd, ' ');
	if (!end)
		end = cmd + strlen(cmd);
	for (base = end; base > cmd && base[-1] != '/'; base--)
		;
	return xstrndup(base, (size_t)(end - base));
}

/*
 * Renamed builds of one program (./v1 and ./v2) pair their main executables;
 * they are different programs when less than half of the self samples of
 * the main executables (both sides together) are in functions found on
 * both sides (with self time on both, or on the stacks of both). Samples,
 * not functions: a few stray samples in PLT stubs ("v1+0x1020") or in a new
 * helper do not make two builds of one program different programs.
 */
static bool programs_differ(const struct diff_result *res, const char *a, const char *b)
{
	char *both = xasprintf("%s->%s", a, b);
	uint64_t common = 0, all = 0;
	size_t i;

	for (i = 0; i < res->nrows; i++) {
		const struct diff_row *r = &res->rows[i];
		uint64_t n = r->samples_before + r->samples_after;

		if (strcmp(r->module, a) && strcmp(r->module, b) && strcmp(r->module, both))
			continue;
		all += n;
		if ((r->samples_before && r->samples_after) || r->by_total)
			common += n;
	}
	free(both);
	return common * 2 < all || !all;
}

static void collect_warnings(const struct diff_cmd *c, const struct side sides[2],
			     const struct diff_result *res, struct warnings *w)
{
	char *first = program_of(sides[0].p[0]);
	int s;
	size_t i;
	bool differ = false;

	for (s = 0; s < 2 && !differ; s++) {
		for (i = 0; i < sides[s].n && !differ; i++) {
			char *prog = program_of(sides[s].p[i]);

			if (strcmp(prog, first) && programs_differ(res, first, prog)) {
				add_warning(w, xasprintf("the recordings are of different programs "
							 "('%s' and '%s'): their main executables "
							 "have few functions in common", first, prog));
				differ = true;
			}
			free(prog);
		}
	}
	free(first);
	if (!res->common && res->side[0].samples && res->side[1].samples)
		add_warning(w, xasprintf("no function has samples on both sides: every row is "
					 "new or gone; are these recordings of the same program?"));
	for (s = 0; s < 2; s++) {
		if (!res->side[s].samples)
			add_warning(w, xasprintf("no %s samples %s", profile_kind_name(c->filter.kind),
						 s ? "after" : "before"));
		for (i = 0; i < sides[s].n; i++)
			if (sides[s].p[i]->totals.duration_ns < 0)
				add_warning(w, xasprintf("'%s' did not finish: its duration is "
							 "taken from its samples",
							 c->files[s][i]));
	}
	if (!c->unit_given) {
		enum diff_unit u = c->opts.unit;
		bool mixed = false;

		for (s = 0; s < 2; s++)
			for (i = 0; i < sides[s].n; i++)
				mixed |= diff_natural_unit(sides[s].p[i]) != u;
		if (mixed)
			add_warning(w, xasprintf("some recordings are of a launched program and "
						 "some are not: comparing per second of wall time"));
	}
	if (res->side[0].runs == 1 && res->side[1].runs == 1 && c->fail_pct >= 0)
		add_warning(w, xasprintf("one recording per side: the run-to-run spread is "
					 "assumed (--run-noise %g%%), not measured; give several "
					 "runs per side to measure it", c->opts.run_noise));
}

/* ---- text ------------------------------------------------------------- */

/* A value of the compared quantity, in seconds (or samples), for people. */
static const char *fmt_value(char *buf, size_t size, double v, const struct diff_result *res)
{
	double a = fabs(v);
	const char *per = res->opts.unit == DIFF_PER_SECOND ? "/s" : "";

	if (res->counts)
		snprintf(buf, size, "%.1f%s", v, per);
	else if (v == 0)
		snprintf(buf, size, "0 s%s", per);
	else if (a >= 1)
		snprintf(buf, size, "%.3f s%s", v, per);
	else if (a >= 1e-3)
		snprintf(buf, size, "%.1f ms%s", v * 1e3, per);
	else if (a >= 1e-6)
		snprintf(buf, size, "%.1f us%s", v * 1e6, per);
	else
		snprintf(buf, size, "%.0f ns%s", v * 1e9, per);
	return buf;
}

static const char *fmt_pct(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%+.1f%%", v);
	return buf;
}

static const char *fmt_interval(char *buf, size_t size, const struct diff_row *r)
{
	if (isnan(r->ci_low))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "[%+.1f%%, %+.1f%%]", r->ci_low, r->ci_high);
	return buf;
}

static const char *fmt_seconds(char *buf, size_t size, double s)
{
	if (isinf(s))
		snprintf(buf, size, "needs more runs per side, not just time");
	else if (s < 10)
		snprintf(buf, size, "needs ~%.1f s more per run", s);
	else
		snprintf(buf, size, "needs ~%.0f s more per run", s);
	return buf;
}

static const char *unit_text(const struct diff_cmd *c)
{
	switch (c->opts.unit) {
	case DIFF_PER_RUN:
		return "per run";
	case DIFF_PER_SECOND:
		return "per second of wall time";
	case DIFF_PER_WORK:
		return "per unit of work";
	}
	return "";
}

static void print_side(const struct diff_cmd *c, const struct side *side, int s,
		       const struct diff_result *res)
{
	char *prog = program_of(side->p[0]);
	const char *cmd = profile_meta(side->p[0], "command");
	char buf[4096];

	printf("%-7s %s", s ? "after:" : "before:", sanitize(buf, sizeof(buf), cmd ? cmd : prog));
	printf("  (%zu run%s, %.2f s%s, %llu samples", res->side[s].runs,
	       res->side[s].runs == 1 ? "" : "s", res->side[s].duration_s,
	       res->side[s].runs == 1 ? "" : " each", (unsigned long long)res->side[s].samples);
	if (c->opts.unit == DIFF_PER_WORK)
		printf(", %g units of work%s", res->side[s].work,
		       res->side[s].runs == 1 ? "" : " each");
	printf(")\n");
	free(prog);
}

static bool row_shown_always(const struct diff_row *r, double fail_pct)
{
	return r->verdict == DIFF_GONE || (fail_pct >= 0 && diff_row_regressed(r, fail_pct));
}

#define NCOLS 7

static void row_texts(const struct diff_row *r, const struct diff_result *res,
		      char cells[NCOLS][64])
{
	fmt_pct(cells[0], 64, r->delta_pct);
	fmt_interval(cells[1], 64, r);
	fmt_value(cells[2], 64, r->before, res);
	fmt_value(cells[3], 64, r->after, res);
	snprintf(cells[4], 64, "%llu->%llu", (unsigned long long)r->samples_before,
		 (unsigned long long)r->samples_after);
	snprintf(cells[5], 64, "%.1f%%->%.1f%%", r->share_before, r->share_after);
	fmt_pct(cells[6], 64, r->total_pct);
}

/* Function names wider than NAME_WIDTH_MAX are printed short
 * (demangle_table_name()); the column grows to NAME_COLUMN_MAX, as
 * report's. */
#define NAME_WIDTH_MAX 60
#define NAME_COLUMN_MAX 120

/* A row's name for the table: a function's short when too wide. */
static const char *row_name(const struct diff_row *r, bool func, char *buf, size_t size)
{
	return func ? demangle_table_name(r->name, NAME_WIDTH_MAX, buf, size) :
		      sanitize(buf, size, r->name);
}

static void print_rows(const struct diff_cmd *c, const struct diff_result *res,
		       const struct diff_row *rows, size_t n, const char *what)
{
	size_t i, shown = 0, hidden = 0, wc[NCOLS] = { 6, 8, 6, 5, 7, 5, 5 }, fw = 8, mw = 6, k;
	const char *head[NCOLS] = {
		"change", "interval", "before", "after", "samples", "share", "total",
	};
	bool calls = !strcmp(what, "system call") || !strcmp(what, "file or socket");
	bool func = !strcmp(what, "function");
	/* function rows of a self comparison show the change of total time too */
	size_t ncols = !strcmp(what, "function") && res->total_change ? 7 : 6;

	if (calls)
		head[4] = "calls";
	char cells[NCOLS][64], name[4096], mod[4096], note[128];
	bool *show = xcalloc(n ? n : 1, sizeof(*show));

	for (i = 0; i < n; i++) {
		show[i] = !c->limit || shown < (size_t)c->limit ||
			  row_shown_always(&rows[i], c->fail_pct);
		if (!show[i]) {
			hidden++;
			continue;
		}
		shown++;
		row_texts(&rows[i], res, cells);
		for (k = 0; k < ncols; k++)
			if (strlen(cells[k]) > wc[k])
				wc[k] = strlen(cells[k]);
		k = text_width(row_name(&rows[i], func, name, sizeof(name)));
		if (k > fw)
			fw = k > NAME_COLUMN_MAX ? NAME_COLUMN_MAX : k;
		k = text_width(sanitize(mod, sizeof(mod), rows[i].module));
		if (k > mw)
			mw = k;
	}
	printf("\n%-12s ", "verdict");
	for (k = 0; k < ncols; k++)
		printf("%*s  ", (int)wc[k], head[k]);
	print_padded(what, fw + 2);
	puts(!strcmp(what, "function") ? "module" : !strcmp(what, "file or socket") ? "kind" : "");
	for (i = 0; i < n; i++) {
		const struct diff_row *r = &rows[i];

		if (!show[i])
			continue;
		row_texts(r, res, cells);
		printf("%-12s ", diff_verdict_name(r->verdict));
		for (k = 0; k < ncols; k++)
			printf("%*s  ", (int)wc[k], cells[k]);
		row_name(r, func, name, sizeof(name));
		note[0] = '\0';
		if (r->verdict == DIFF_INCONCLUSIVE && !isnan(r->more_seconds))
			fmt_seconds(note, sizeof(note), r->more_seconds);
		else if (r->verdict == DIFF_SAME && !isnan(r->ci_low) &&
			 (r->ci_low > c->opts.min_effect || r->ci_high < -c->opts.min_effect))
			snprintf(note, sizeof(note), "moved with the whole profile");
		else if (r->by_total)
			snprintf(note, sizeof(note), "self time moved into callees: verdict of "
				 "total time");
		if (c->fail_pct >= 0 && diff_row_regressed(r, c->fail_pct))
			snprintf(note, sizeof(note), "REGRESSION beyond %g%%", c->fail_pct);
		if (*r->module || *note)
			print_padded(name, fw + 2);
		else
			fputs(name, stdout);
		if (*note) {
			print_padded(sanitize(mod, sizeof(mod), r->module), mw + 2);
			puts(note);
		} else {
			puts(sanitize(mod, sizeof(mod), r->module));
		}
	}
	if (!n)
		printf("(no samples)\n");
	if (hidden)
		printf("(%zu more rows; -n 0 prints all)\n", hidden);
	free(show);
}

static void print_total(const struct diff_cmd *c, const struct diff_result *res,
			const char *label)
{
	const struct diff_row *t = &res->total;
	char b[64], a[64], pc[64], iv[64], more[64], note[128] = "";

	if (t->verdict == DIFF_INCONCLUSIVE && !isnan(t->more_seconds))
		snprintf(note, sizeof(note), " (%s)",
			 fmt_seconds(more, sizeof(more), t->more_seconds));
	printf("%s: %s %s %s, %s -> %s %s (%llu -> %llu samples)%s\n", label,
	       diff_verdict_name(t->verdict), fmt_pct(pc, sizeof(pc), t->delta_pct),
	       fmt_interval(iv, sizeof(iv), t), fmt_value(b, sizeof(b), t->before, res),
	       fmt_value(a, sizeof(a), t->after, res), unit_text(c),
	       (unsigned long long)t->samples_before, (unsigned long long)t->samples_after,
	       note);
}

static void print_summary(const struct diff_result *res)
{
	size_t count[6] = { 0 }, i;
	static const enum diff_verdict order[6] = {
		DIFF_FASTER, DIFF_SLOWER, DIFF_NEW, DIFF_GONE, DIFF_SAME, DIFF_INCONCLUSIVE,
	};

	for (i = 0; i < res->nrows; i++)
		count[res->rows[i].verdict]++;
	printf("functions:");
	for (i = 0; i < 6; i++)
		printf(" %zu %s%s", count[order[i]], diff_verdict_name(order[i]), i < 5 ? "," : "\n");
}

/* ---- gate ------------------------------------------------------------- */

/* Print why the gate trips to stderr; returns the number of regressions. */
static size_t check_gate(const struct diff_cmd *c, const struct diff_result *res)
{
	size_t n = 0, i;
	char name[4096], mod[4096];

	if (c->fail_pct < 0)
		return 0;
	if (diff_row_regressed(&res->total, c->fail_pct)) {
		fprintf(stderr, "%s: regression: the total got slower by %+.1f%% (interval "
			"%+.1f%% to %+.1f%%), more than %g%% beyond noise\n", progname,
			res->total.delta_pct, res->total.ci_low, res->total.ci_high, c->fail_pct);
		n++;
	}
	for (i = 0; i < res->nrows; i++) {
		const struct diff_row *r = &res->rows[i];

		if (!diff_row_regressed(r, c->fail_pct))
			continue;
		fprintf(stderr, "%s: regression: %s (%s) got slower by %+.1f%% (interval "
			"%+.1f%% to %+.1f%%), more than %g%% beyond noise\n", progname,
			sanitize(name, sizeof(name), r->name), sanitize(mod, sizeof(mod), r->module),
			r->delta_pct, r->ci_low, r->ci_high, c->fail_pct);
		n++;
	}
	return n;
}

/* ---- JSON ------------------------------------------------------------- */

static void json_num(struct json *j, const char *key, double v, int decimals)
{
	if (isfinite(v))
		json_double(j, key, v, decimals);
	else
		json_null(j, key);
}

/* What a row's values measure, for the names of its members: self and
 * total rows; self rows that carry the change of total time too; system
 * calls; I/O. */
enum row_measure {
	MEASURE_SELF, MEASURE_TOTAL, MEASURE_SELF_AND_TOTAL, MEASURE_SYSCALL, MEASURE_IO,
};

static void json_row(struct json *j, const char *key, const struct diff_row *r,
		     const struct diff_cmd *c, enum row_measure m)
{
	bool total = m == MEASURE_TOTAL;

	json_object_begin(j, key);
	json_string(j, "name", r->name);
	json_string(j, "module", r->module);
	json_num(j, "before", r->before, 9);
	json_num(j, "after", r->after, 9);
	json_num(j, "delta", r->delta, 9);
	json_num(j, "delta_low", r->delta_low, 9);
	json_num(j, "delta_high", r->delta_high, 9);
	json_num(j, "delta_pct", r->delta_pct, 2);
	json_num(j, "ci_low", r->ci_low, 2);
	json_num(j, "ci_high", r->ci_high, 2);
	json_num(j, "rel_pct", r->rel_pct, 2);
	json_num(j, "rel_low", r->rel_low, 2);
	json_num(j, "rel_high", r->rel_high, 2);
	json_uint(j, "samples_before", r->samples_before);
	json_uint(j, "samples_after", r->samples_after);
	json_num(j, "share_before", r->share_before, 2);
	json_num(j, "share_after", r->share_after, 2);
	json_num(j, "cpu_per_s_before", r->cpu_per_s_before, 6);
	json_num(j, "cpu_per_s_after", r->cpu_per_s_after, 6);
	if (m == MEASURE_SYSCALL) {
		json_num(j, "calls_per_unit_before", r->other_before, 6);
		json_num(j, "calls_per_unit_after", r->other_after, 6);
	} else if (m == MEASURE_IO) {
		json_num(j, "bytes_per_unit_before", r->other_before, 3);
		json_num(j, "bytes_per_unit_after", r->other_after, 3);
	} else {
		json_num(j, "self_before", total ? r->other_before : r->before, 9);
		json_num(j, "self_after", total ? r->other_after : r->after, 9);
		json_num(j, "total_before", total ? r->before : r->other_before, 9);
		json_num(j, "total_after", total ? r->after : r->other_after, 9);
	}
	if (m == MEASURE_SELF_AND_TOTAL) {
		json_num(j, "total_delta_pct", r->total_pct, 2);
		json_num(j, "total_ci_low", r->total_low, 2);
		json_num(j, "total_ci_high", r->total_high, 2);
		json_string(j, "total_verdict", diff_verdict_name(r->total_verdict));
		json_bool(j, "verdict_from_total", r->by_total);
	}
	json_num(j, "p", r->p, 6);
	json_num(j, "q", r->q, 6);
	json_string(j, "verdict", diff_verdict_name(r->verdict));
	json_num(j, "more_seconds", r->more_seconds, 1);
	json_bool(j, "regression", c->fail_pct >= 0 && diff_row_regressed(r, c->fail_pct));
	json_object_end(j);
}

static void json_rows(struct json *j, const char *key, const struct diff_row *rows, size_t n,
		      const struct diff_cmd *c, enum row_measure m)
{
	size_t i;

	json_array_begin(j, key);
	for (i = 0; i < n; i++)
		json_row(j, NULL, &rows[i], c, m);
	json_array_end(j);
}

static void json_side(struct json *j, const char *key, const struct diff_cmd *c, int s,
		      const struct diff_result *res)
{
	size_t i;

	json_object_begin(j, key);
	json_array_begin(j, "files");
	for (i = 0; i < c->nfiles[s]; i++)
		json_string(j, NULL, c->files[s][i]);
	json_array_end(j);
	json_uint(j, "runs", res->side[s].runs);
	json_double(j, "duration_s", res->side[s].duration_s, 6);
	json_uint(j, "samples", res->side[s].samples);
	if (c->opts.unit == DIFF_PER_WORK)
		json_double(j, "work", res->side[s].work, 3);
	else
		json_null(j, "work");
	json_object_end(j);
}

static void print_json(const struct diff_cmd *c, const struct diff_result *res,
		       const struct diff_result *off, const struct warnings *w)
{
	enum row_measure measure = c->opts.total ? MEASURE_TOTAL : MEASURE_SELF;
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_string(&j, "kind", profile_kind_name(c->filter.kind));
	json_string(&j, "measure", c->opts.total ? "total" : "self");
	json_string(&j, "unit", diff_unit_name(c->opts.unit));
	json_string(&j, "value_unit", res->counts ? "samples" : "s");
	json_double(&j, "min_effect_pct", c->opts.min_effect, 2);
	json_double(&j, "fdr", c->opts.alpha, 3);
	json_uint(&j, "seed", c->opts.seed);
	json_uint(&j, "resamples", c->opts.resamples);
	json_side(&j, "before", c, 0, res);
	json_side(&j, "after", c, 1, res);
	json_row(&j, "total", &res->total, c, measure);
	json_rows(&j, "rows", res->rows, res->nrows, c,
		  res->total_change ? MEASURE_SELF_AND_TOTAL : measure);
	if (c->opts.stacks)
		json_rows(&j, "stacks", res->stacks, res->nstacks, c, MEASURE_SELF);
	if (res->nsyscalls)
		json_rows(&j, "syscalls", res->syscalls, res->nsyscalls, c, MEASURE_SYSCALL);
	if (res->nio)
		json_rows(&j, "io", res->io, res->nio, c, MEASURE_IO);
	if (off) {
		json_object_begin(&j, "offcpu");
		json_string(&j, "measure", "total");
		json_row(&j, "total", &off->total, c, MEASURE_TOTAL);
		json_rows(&j, "rows", off->rows, off->nrows, c, MEASURE_TOTAL);
		json_object_end(&j);
	}
	json_array_begin(&j, "warnings");
	for (i = 0; i < w->n; i++)
		json_string(&j, NULL, w->msg[i]);
	json_array_end(&j);
	if (c->fail_pct >= 0)
		json_double(&j, "fail_on_regression_pct", c->fail_pct, 2);
	else
		json_null(&j, "fail_on_regression_pct");
	json_array_begin(&j, "regressions");
	if (c->fail_pct >= 0) {
		if (diff_row_regressed(&res->total, c->fail_pct))
			json_row(&j, NULL, &res->total, c, measure);
		for (i = 0; i < res->nrows; i++)
			if (diff_row_regressed(&res->rows[i], c->fail_pct))
				json_row(&j, NULL, &res->rows[i], c, measure);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_finish(&j);
}

/* ---- JUnit XML -------------------------------------------------------- */

/* Sanitized text, XML-escaped: safe in attributes and element content. */
static void xml_text(const char *s)
{
	xml_write_text(stdout, s);
}

/* The gate of a JUnit failure: --fail-on-regression, else any slower verdict. */
static bool junit_failed(const struct diff_cmd *c, const struct diff_row *r)
{
	return c->fail_pct >= 0 ? diff_row_regressed(r, c->fail_pct) : r->verdict == DIFF_SLOWER;
}

static void junit_case(const struct diff_cmd *c, const struct diff_result *res,
		       const struct diff_row *r)
{
	char b[64], a[64], iv[64], msg[512];

	fputs("    <testcase classname=\"hotstack.diff.", stdout);
	xml_text(*r->module ? r->module : "program");
	fputs("\" name=\"", stdout);
	xml_text(r->name);
	fputs("\" time=\"0\">\n", stdout);
	snprintf(msg, sizeof(msg), "%s: %s, %s -> %s %s", diff_verdict_name(r->verdict),
		 isnan(r->delta_pct) ? "-" : fmt_pct(iv, sizeof(iv), r->delta_pct),
		 fmt_value(b, sizeof(b), r->before, res), fmt_value(a, sizeof(a), r->after, res),
		 unit_text(c));
	if (junit_failed(c, r)) {
		fputs("      <failure type=\"regression\" message=\"", stdout);
		xml_text(msg);
		fputs("\">", stdout);
		fmt_interval(iv, sizeof(iv), r);
		snprintf(msg, sizeof(msg), "slower by %+.1f%%, interval %s, more than %g%% beyond "
			 "noise", r->delta_pct, iv, c->fail_pct >= 0 ? c->fail_pct :
			 c->opts.min_effect);
		xml_text(msg);
		fputs("</failure>\n", stdout);
	} else if (r->verdict == DIFF_INCONCLUSIVE) {
		fputs("      <skipped message=\"", stdout);
		xml_text(msg);
		fputs("\"/>\n", stdout);
	} else {
		fputs("      <system-out>", stdout);
		xml_text(msg);
		fputs("</system-out>\n", stdout);
	}
	fputs("    </testcase>\n", stdout);
}

static void print_junit(const struct diff_cmd *c, const struct diff_result *res)
{
	size_t i, failures = junit_failed(c, &res->total), skipped = 0;

	for (i = 0; i < res->nrows; i++) {
		failures += junit_failed(c, &res->rows[i]);
		skipped += !junit_failed(c, &res->rows[i]) &&
			   res->rows[i].verdict == DIFF_INCONCLUSIVE;
	}
	skipped += !junit_failed(c, &res->total) && res->total.verdict == DIFF_INCONCLUSIVE;
	printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	printf("<testsuites name=\"hotstack diff\" tests=\"%zu\" failures=\"%zu\">\n",
	       res->nrows + 1, failures);
	printf("  <testsuite name=\"hotstack diff\" tests=\"%zu\" failures=\"%zu\" "
	       "errors=\"0\" skipped=\"%zu\">\n", res->nrows + 1, failures, skipped);
	junit_case(c, res, &res->total);
	for (i = 0; i < res->nrows; i++)
		junit_case(c, res, &res->rows[i]);
	printf("  </testsuite>\n</testsuites>\n");
}

/* ---- main ------------------------------------------------------------- */

int cmd_diff(int argc, char **argv)
{
	struct diff_cmd c;
	struct side sides[2];
	struct diff *d, *doff = NULL;
	struct diff_result *res, *off = NULL;
	struct warnings w = { NULL, 0 };
	size_t i, regressions;
	char *err;
	int s;

	if (cmd_wants_help(argc, argv))
		return cmd_print_help(diff_usage);
	memset(&c, 0, sizeof(c));
	c.opts = (struct diff_opts)DIFF_OPTS_INIT;
	c.filter = (struct profile_filter)PROFILE_FILTER_INIT;
	c.limit = 25;
	c.fail_pct = -1;
	cmd_range_init(&c.pos[0]);
	cmd_range_init(&c.pos[1]);
	cmd_range_init(&c.all);
	parse_args(argc, argv, &c);

	d = diff_new();
	if (!c.kind_given)
		doff = diff_new();
	for (i = 0; i < c.nmaps; i++) {
		diff_map_module(d, c.map_old[i], c.map_new[i]);
		if (doff)
			diff_map_module(doff, c.map_old[i], c.map_new[i]);
	}
	load_sides(&c, sides, d, doff);
	if (!c.unit_given) {
		c.opts.unit = DIFF_PER_RUN;
		for (s = 0; s < 2; s++)
			for (i = 0; i < sides[s].n; i++)
				if (diff_natural_unit(sides[s].p[i]) != DIFF_PER_RUN)
					c.opts.unit = DIFF_PER_SECOND;
	}
	if (diff_compute(d, &c.opts, &res, &err))
		die("%s", err);
	if (doff && sides[0].off_samples && sides[1].off_samples) {
		struct diff_opts o = c.opts;

		/* a wait's innermost frame is always the scheduler: compare the
		 * time below each function, that is where it waited */
		o.stacks = false;
		o.total = true;
		if (diff_compute(doff, &o, &off, &err))
			die("%s", err);
	}
	collect_warnings(&c, sides, res, &w);
	if (c.format != FORMAT_JSON)
		for (i = 0; i < w.n; i++)
			warn("%s", sanitized(w.msg[i]));

	switch (c.format) {
	case FORMAT_TEXT:
		print_side(&c, &sides[0], 0, res);
		print_side(&c, &sides[1], 1, res);
		printf("compared: %s %s time %s%s; %g%% intervals; FDR %g%%; changes under %g%% "
		       "are never a verdict\n", c.opts.total ? "total" : "self",
		       c.filter.kind == KIND_CPU ? "CPU" : profile_kind_name(c.filter.kind),
		       unit_text(&c), res->total_change ? " (column total: the change of total "
		       "time)" : "", 100 * (1 - c.opts.alpha), 100 * c.opts.alpha,
		       c.opts.min_effect);
		printf("run-to-run noise: %g%% assumed%s\n", c.opts.run_noise,
		       res->side[0].runs > 1 || res->side[1].runs > 1 ?
		       ", pooled with the spread between the runs" : " (one run per side)");
		print_rows(&c, res, res->rows, res->nrows, "function");
		if (c.opts.stacks)
			print_rows(&c, res, res->stacks, res->nstacks, "stack");
		putchar('\n');
		print_summary(res);
		print_total(&c, res, "total");
		if (res->nsyscalls) {
			printf("\nsystem calls: time in each call (in-call time: entry to exit of the "
			       "calls that completed)");
			print_rows(&c, res, res->syscalls, res->nsyscalls, "system call");
		}
		if (res->nio) {
			printf("\nI/O: time waiting on each file and socket (in-call time of every "
			       "call on the target)");
			print_rows(&c, res, res->io, res->nio, "file or socket");
		}
		if (off) {
			printf("\noff-CPU: total time blocked below each function (asleep, from "
			       "switch-out to wake-up)");
			print_rows(&c, off, off->rows, off->nrows, "function");
			print_total(&c, off, "off-CPU total");
		}
		break;
	case FORMAT_JSON:
		print_json(&c, res, off, &w);
		break;
	case FORMAT_JUNIT:
		print_junit(&c, res);
		break;
	}
	fflush(stdout);
	regressions = check_gate(&c, res);
	if (regressions)
		fprintf(stderr, "%s: %zu regression%s beyond %g%%: failing\n", progname,
			regressions, regressions == 1 ? "" : "s", c.fail_pct);

	for (i = 0; i < w.n; i++)
		free(w.msg[i]);
	free(w.msg);
	diff_result_free(res);
	diff_result_free(off);
	diff_free(d);
	diff_free(doff);
	for (s = 0; s < 2; s++) {
		free_side(&sides[s]);
		free(c.files[s]);
		free(c.ranges[s]);
		free(c.work[s]);
	}
	for (i = 0; i < c.nmaps; i++) {
		free(c.map_old[i]);
		free(c.map_new[i]);
	}
	free(c.map_old);
	free(c.map_new);
	return regressions ? EXIT_PARTIAL : EXIT_OK;
}
