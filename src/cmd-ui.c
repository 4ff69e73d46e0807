/* cmd-ui.c - hotstack ui: browse a recording in the terminal
 *
 * Options and checks only; the UI is in ui/ (ui.h). The recording is
 * opened through the query layer before the screen is taken over, so a
 * missing, corrupt or too new file gives report's one-line message. With
 * --headless the screen is rendered at a fixed size, driven by --keys, and
 * printed as text (golden screens); that is the one mode that works when
 * standard output is not a terminal.
 */
#include "config.h"

#include <getopt.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ui/live.h"
#include "../ui/ui.h"
#include "cmd.h"
#include "profile.h"
#include "store.h"
#include "util.h"

static const char ui_usage[] =
	"usage: hotstack ui [FILE|DIR] [--since TIME] [--until TIME] [OPTIONS]\n"
	"       hotstack ui BEFORE.db AFTER.db [OPTIONS]\n"
	"       hotstack ui --before A1.db [A2.db...] --after B1.db [B2.db...] [OPTIONS]\n"
	"\n"
	"Browse a recording (FILE, default hotstack.db) in the terminal: hotspots,\n"
	"call tree, flame graph and more, one key each (press ? inside for all keys).\n"
	"\n"
	"  -k, --kind KIND         sample kind to start with: cpu (default), offcpu,\n"
	"                          runqueue or wall\n"
	"  -v, --view N            start in view N (1 Hotspots, 2 Call tree, 3 Flame graph,\n"
	"                          4 Waits, 5 Threads, 6 Timeline, 7 Source)\n"
	"      --no-color          no colours (also when NO_COLOR is set)\n"
	"      --no-mouse          leave the mouse to the terminal (select and copy)\n"
	"      --ascii             ASCII drawing only (the default when the locale is\n"
	"                          not UTF-8)\n"
	"      --source-path OLD=NEW  read source files under NEW where the recording\n"
	"                          says OLD (repeatable)\n"
	"      --headless COLSxROWS  no terminal: render at that size, run --keys, print\n"
	"                          the screen as text (for tests and scripts)\n"
	"      --keys SCRIPT       keys for --headless: characters, and <Enter> <Esc>\n"
	"                          <Tab> <Up> <Down> <Left> <Right> <PgUp> <PgDn> <Home>\n"
	"                          <End> <dump> <resize WxH> (see hotstack-ui(1))\n"
	"      --timing            with --headless: print load and per-key times to stderr\n"
	"      --per run|second|N1,N2  comparison: time per run, per second, or per\n"
	"                          unit of work (N1 before, N2 after), as diff takes it\n"
	"      --since TIME, --until TIME  only that time range (-1h, yesterday 14:00,\n"
	"                          2026-11-30T14:00Z...), of FILE or of DIR, a directory\n"
	"                          of rotated recordings (record --continuous)\n"
	"  -h, --help              print this help\n";

enum { OPT_NO_COLOR = 256, OPT_NO_MOUSE, OPT_ASCII, OPT_SOURCE_PATH, OPT_HEADLESS, OPT_KEYS,
       OPT_TIMING, OPT_PER, OPT_SINCE, OPT_UNTIL };

/*
 * The comparison's recordings: "--before F..." and "--after F..." each take
 * every argument up to the next option, which getopt cannot do; they are
 * taken out of argv (compacted in place) into sides[0] and sides[1].
 */
static int take_sides(int argc, char **argv, const char **sides[2], size_t nsides[2])
{
	int i, kept = 1, side = -1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--before") || !strcmp(argv[i], "--after")) {
			side = argv[i][2] == 'a';
			if (i + 1 == argc || argv[i + 1][0] == '-')
				die_usage("%s wants at least one recording", argv[i]);
		} else if (side >= 0 && argv[i][0] != '-') {
			sides[side] = xrealloc(sides[side], (nsides[side] + 1) * sizeof(char *));
			sides[side][nsides[side]++] = argv[i];
		} else {
			side = -1;
			argv[kept++] = argv[i];
		}
	}
	argv[kept] = NULL;
	return kept;
}

int cmd_ui(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "kind", required_argument, NULL, 'k' },
		{ "view", required_argument, NULL, 'v' },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "no-colour", no_argument, NULL, OPT_NO_COLOR },
		{ "no-mouse", no_argument, NULL, OPT_NO_MOUSE },
		{ "ascii", no_argument, NULL, OPT_ASCII },
		{ "source-path", required_argument, NULL, OPT_SOURCE_PATH },
		{ "headless", required_argument, NULL, OPT_HEADLESS },
		{ "keys", required_argument, NULL, OPT_KEYS },
		{ "timing", no_argument, NULL, OPT_TIMING },
		{ "per", required_argument, NULL, OPT_PER },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ui_opts o = { .path = "hotstack.db", .color = true, .mouse = true,
			     .kind = KIND_CPU };
	const char **remap = NULL;
	const char *keys = NULL, *nc = getenv("NO_COLOR");
	int cols = 0, rows = 0, c, rc;
	bool headless = false, timing = false;
	struct ui_model *m;
	struct ui_live *live = NULL;
	char *err = NULL, tail;
	const char **sides[2] = { NULL, NULL };
	size_t nsides[2] = { 0, 0 };
	long view;
	struct cmd_range range;	/* --since/--until, a directory (cmd-range.c) */
	struct profile_filter filter = PROFILE_FILTER_INIT;

	if (cmd_wants_help(argc, argv))
		return cmd_print_help(ui_usage);
	cmd_range_init(&range);
	argc = take_sides(argc, argv, sides, nsides);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:v:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o.kind = profile_kind_from_name(optarg);
			if (o.kind < 0)
				die_usage("unknown sample kind '%s': use cpu, offcpu, runqueue or wall",
					  sanitized(optarg));
			break;
		case 'v':
			if (parse_long(optarg, 1, 9, &view))
				die_usage("--view wants a view number 1-9, not '%s'", sanitized(optarg));
			o.initial_view = '0' + (int)view;
			break;
		case OPT_NO_COLOR:
			o.color = false;
			break;
		case OPT_NO_MOUSE:
			o.mouse = false;
			break;
		case OPT_ASCII:
			o.ascii = true;
			break;
		case OPT_SOURCE_PATH:
			if (!strchr(optarg, '='))
				die_usage("--source-path wants OLD=NEW, not '%s'", sanitized(optarg));
			remap = xrealloc(remap, (o.nsource_remap + 1) * sizeof(*remap));
			remap[o.nsource_remap++] = optarg;
			break;
		case OPT_HEADLESS:
			if (sscanf(optarg, "%dx%d%c", &cols, &rows, &tail) != 2 || cols < 1 ||
			    rows < 1 || cols > 1000 || rows > 1000)
				die_usage("--headless wants COLSxROWS (e.g. 100x30), not '%s'",
					  sanitized(optarg));
			headless = true;
			break;
		case OPT_KEYS:
			keys = optarg;
			break;
		case OPT_TIMING:
			timing = true;
			break;
		case OPT_PER:
			o.per = optarg;
			break;
		case OPT_SINCE:
		case OPT_UNTIL:
			cmd_range_parse(&range, "ui", c == OPT_SINCE ? "since" : "until", optarg);
			break;
		case ':':
			die_usage("option '%s' needs a value", sanitized(argv[optind - 1]));
		default:
			die_usage("unknown option '%s'", sanitized(argv[optind - 1]));
		}
	}
	if (optind < argc)
		o.path = argv[optind++];
	if (optind < argc && !nsides[0] && !nsides[1]) {
		/* hotstack ui BEFORE AFTER */
		sides[0] = xmalloc(sizeof(char *));
		sides[1] = xmalloc(sizeof(char *));
		sides[0][nsides[0]++] = o.path;
		sides[1][nsides[1]++] = argv[optind++];
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", sanitized(argv[optind]));
	if ((nsides[0] || nsides[1]) && (!nsides[0] || !nsides[1]))
		die_usage("a comparison wants --before and --after recordings");
	if (o.per && !nsides[0])
		die_usage("--per goes with a comparison (BEFORE.db AFTER.db)");
	if ((range.since >= 0 || range.until >= 0) && nsides[0])
		die_usage("--since and --until go with one recording or directory; compare "
			  "time ranges with 'hotstack diff DIR --since T DIR --since T'");
	o.before = sides[0];
	o.nbefore = nsides[0];
	o.after = sides[1];
	o.nafter = nsides[1];
	if ((keys || timing) && !headless)
		die_usage("--keys and --timing go with --headless");
	o.source_remap = remap;
	if (nc && *nc)
		o.color = false;
	if (!headless && (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)))
		die("'hotstack ui' needs a terminal; for text output use 'hotstack report %s'",
		    sanitized(o.path));
	/* the recording of the range: the ui reads all of what it is given */
	range.slices = range.exact = true;
	if (!nsides[0])
		o.path = cmd_range_resolve(&range, "ui", o.path, &filter);
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	if (ui_model_open(&o, &m, &err))
		die("%s", err);
	if (headless) {
		rc = ui_headless(&o, m, cols, rows, keys, stdout, timing);
		if (rc)
			die("--keys: cannot parse '%s' (see hotstack-ui(1) for key names)",
			    sanitized(keys));
		rc = EXIT_OK;
	} else {
		/* a recording still being written: follow it (live.h) */
		if (!o.nbefore && (live = ui_live_follow(m))) {
			o.live_setup = ui_live_setup;
			o.live_arg = live;
		}
		rc = ui_browse(&o, m);
	}
	ui_live_free(live);
	ui_model_free(m);
	cmd_range_release(&range);
	free(remap);
	free(sides[0]);
	free(sides[1]);
	return rc;
}
