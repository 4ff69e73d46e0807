/* cmd-import.c - hotstack import: a recording from folded stacks or perf script
 *
 * Two text formats, told apart by their first lines (or -f):
 *
 *   folded       "main;parse;hash 123": frames root first, then a count.
 *                Frame names ending in "_[k]" are kernel frames (module
 *                [kernel.kallsyms], kind 'kernel'), "_[i]" inlined frames,
 *                "_[j]" JIT frames: the suffix is removed, as `hotstack
 *                export` and the stackcollapse scripts write it. Other
 *                frames have no module.
 *   perf script  the default text of `perf script` on a perf.data recorded
 *                with a call graph: a header line per sample ("COMM PID[/TID]
 *                [CPU] TIME: [PERIOD] EVENT:"), then one tab-indented line
 *                per frame, leaf first ("ADDR SYMBOL+OFF (DSO)"), then a blank
 *                line; lines indented with spaces after a frame are its
 *                source line (perf script -F +srcline). DSO [kernel.kallsyms]
 *                and other [bracketed] kernel modules become kernel frames,
 *                "(inlined)" frames inline frames.
 *
 * Stacks are interned through stacktree.h and samples summed per (time
 * slice, thread, node) in memory, then everything is written in one
 * transaction to a new recording (newrec.h: a temporary file renamed at the
 * end). A line that does not parse stops the import with its line number.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "hashmap.h"
#include "newrec.h"
#include "profile.h"
#include "stacktree.h"
#include "util.h"

static const char import_usage[] =
	"usage: hotstack import INPUT [-o FILE.db] [OPTIONS]\n"
	"\n"
	"Make a recording from folded stacks or from the text of 'perf script',\n"
	"so that report, flame, diff and export can read it. INPUT '-' is stdin.\n"
	"\n"
	"  -o, --output FILE       the new recording (default hotstack.db); an existing\n"
	"                          FILE is renamed to FILE.old (FILE.old.N if taken)\n"
	"  -f, --format FORMAT     auto (default), folded or perf (perf script text)\n"
	"  -k, --kind KIND         kind of the samples: cpu (default) or offcpu\n"
	"  -w, --weight count|ns   folded: the numbers are samples (default) or\n"
	"                          nanoseconds\n"
	"  -F, --frequency HZ      folded: the sampling rate behind the counts, which\n"
	"                          gives each sample its time (default 99)\n"
	"  -e, --event NAME        perf script: import samples of event NAME (default:\n"
	"                          the first event in the input)\n"
	"  -h, --help              print this help\n";

enum fmt { FMT_AUTO, FMT_FOLDED, FMT_PERF };

struct import_opts {
	const char *input, *output, *event;
	enum fmt format;
	int kind;
	bool weight_ns;
	long frequency;
};

/* ---- line reader with look-ahead --------------------------------------- */

#define PEEK_LINES 64

struct reader {
	FILE *f;
	const char *name;	/* for messages, sanitized */
	char *line;
	size_t cap, lineno;
	char *peeked[PEEK_LINES];
	size_t npeeked, next_peeked;
};

static ssize_t read_raw(struct reader *r, char **buf, size_t *cap)
{
	ssize_t n = getline(buf, cap, r->f);

	if (n < 0) {
		if (ferror(r->f))
			die("cannot read '%s': %s", r->name, strerror(errno));
		return -1;
	}
	while (n > 0 && ((*buf)[n - 1] == '\n' || (*buf)[n - 1] == '\r'))
		(*buf)[--n] = '\0';
	return n;
}

/* Read the first lines ahead (to guess the format). */
static void reader_peek(struct reader *r)
{
	while (r->npeeked < PEEK_LINES) {
		char *buf = NULL;
		size_t cap = 0;

		if (read_raw(r, &buf, &cap) < 0) {
			free(buf);
			break;
		}
		r->peeked[r->npeeked++] = buf;
	}
}

/* The next line (without its newline) or NULL at the end. */
static char *reader_next(struct reader *r)
{
	if (r->next_peeked < r->npeeked) {
		free(r->line);
		r->line = r->peeked[r->next_peeked];
		r->cap = strlen(r->line) + 1;
		r->peeked[r->next_peeked++] = NULL;
	} else if (read_raw(r, &r->line, &r->cap) < 0) {
		return NULL;
	}
	r->lineno++;
	return r->line;
}

static void reader_release(struct reader *r)
{
	size_t i;

	for (i = 0; i < r->npeeked; i++)
		free(r->peeked[i]);
	free(r->line);
}

#define bad_line(r, ...) bad_line_at((r)->name, (r)->lineno, __VA_ARGS__)

static void bad_line_at(const char *name, size_t lineno, const char *fmt, ...)
	ATTR_PRINTF(3, 4) ATTR_NORETURN;
static void bad_line_at(const char *name, size_t lineno, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	die("'%s' line %zu: %s; nothing was written", name, lineno, msg);
}

/* ---- the recording being built ----------------------------------------- */

struct cell {
	int64_t slice, node;
	int tid;
	int64_t count, weight_ns;
};

struct thread {
	int tid, pid;
	char *comm;
	int64_t samples;
};

struct builder {
	struct stacktree *tree;
	struct hashmap cell_index;
	struct cell *cells;
	size_t ncells, cap_cells;
	struct hashmap thread_index;
	struct thread *threads;
	size_t nthreads, cap_threads;
	int kind;
	int64_t samples, skipped;
	bool have_time;
	uint64_t base_ns, first_ns, last_ns;
	char *event;
	int64_t period;		/* of the first sample, for meta frequency */
	bool period_is_ns;
};

static void builder_add(struct builder *b, int64_t slice, int tid, int64_t node, int64_t count,
			int64_t weight_ns)
{
	struct cell key = { .slice = slice, .node = node, .tid = tid };
	uint64_t idx = b->ncells;

	if (!hashmap_get_or_put(&b->cell_index, &key, sizeof(key), &idx)) {
		xgrow(&b->cells, &b->cap_cells, b->ncells + 1, sizeof(*b->cells));
		b->cells[b->ncells++] = key;
	}
	b->cells[idx].count += count;
	b->cells[idx].weight_ns += weight_ns;
	b->samples += count;
}

static struct thread *builder_thread(struct builder *b, int tid, int pid, const char *comm)
{
	uint64_t idx = b->nthreads;
	struct thread *t;

	if (!hashmap_get_or_put(&b->thread_index, &tid, sizeof(tid), &idx)) {
		xgrow(&b->threads, &b->cap_threads, b->nthreads + 1, sizeof(*b->threads));
		t = &b->threads[b->nthreads++];
		memset(t, 0, sizeof(*t));
		t->tid = tid;
		t->pid = pid;
		t->comm = xstrdup(comm);
		return t;
	}
	t = &b->threads[idx];
	if (pid && !t->pid)
		t->pid = pid;
	if (strcmp(t->comm, comm)) {	/* renamed (exec): keep the last name */
		free(t->comm);
		t->comm = xstrdup(comm);
	}
	return t;
}

/* ---- folded ------------------------------------------------------------ */

struct folded_state {
	int64_t kernel_module, jit_module;
	struct strbuf name;
	double sample_ns;
	/* the previous line's stack, for the frames a line shares with it
	 * (stackcollapse output is sorted): its text, where each frame ends,
	 * and the node of each frame */
	struct strbuf prev;
	size_t *prev_end;
	int64_t *prev_node;
	size_t prev_n, cap_end, cap_node;
};

/* How many leading frames of stack are those of the previous line. */
static size_t shared_frames(const struct folded_state *fs, const char *stack)
{
	size_t n = 0, start = 0;

	while (n < fs->prev_n) {
		size_t end = fs->prev_end[n];

		if (strncmp(stack + start, fs->prev.buf + start, end - start) ||
		    (stack[end] != ';' && stack[end] != '\0'))
			break;
		n++;
		if (!stack[end])
			break;
		start = end + 1;
	}
	return n;
}

static void import_folded_line(struct builder *b, struct folded_state *fs, struct reader *r,
			       char *line, const struct import_opts *o)
{
	char *end = line + strlen(line), *num, *p, *frame;
	int64_t node = 0, count, weight;
	size_t shared, k;
	unsigned long long v;
	char *stop;

	while (end > line && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	num = end;
	while (num > line && !isspace((unsigned char)num[-1]))
		num--;
	if (num == line)
		bad_line(r, "expected 'frame;frame;... COUNT'");
	errno = 0;
	v = strtoull(num, &stop, 10);
	if (*stop || stop == num || errno || *num == '-' || v > INT64_MAX) {
		if (*stop == '.' && stop > num && strspn(stop + 1, "0123456789") == strlen(stop + 1))
			bad_line(r, "the count '%s' is not a whole number", sanitized(num));
		bad_line(r, "expected a count at the end of the line, not '%s'", sanitized(num));
	}
	p = num;
	while (p > line && isspace((unsigned char)p[-1]))
		p--;
	*p = '\0';
	if (!*line)
		bad_line(r, "a count without a stack");
	/* two numbers: difffolded output ("stack before after") */
	p = strrchr(line, ' ');
	if (p && p[1] && strspn(p + 1, "0123456789") == strlen(p + 1))
		bad_line(r, "two counts: this is differential folded output, which "
			    "cannot be imported (import each side instead)");
	if (!v)
		return;
	if (o->weight_ns) {
		weight = (int64_t)v;
		count = (int64_t)llround((double)v / fs->sample_ns);
		if (count < 1)
			count = 1;
	} else {
		count = (int64_t)v;
		weight = (int64_t)llround((double)v * fs->sample_ns);
	}
	/* frames shared with the previous line keep its nodes */
	shared = shared_frames(fs, line);
	frame = line;
	for (k = 0; k < shared; k++) {
		node = fs->prev_node[k];
		frame = line[fs->prev_end[k]] ? line + fs->prev_end[k] + 1 : NULL;
	}
	/* this line becomes the previous one */
	strbuf_reset(&fs->prev);
	strbuf_adds(&fs->prev, line);
	fs->prev_n = shared;
	for (; frame; frame = p) {
		int64_t module = 0, fid;
		bool is_inline = false;
		size_t len;

		p = strchr(frame, ';');
		if (p)
			*p++ = '\0';
		xgrow(&fs->prev_end, &fs->cap_end, fs->prev_n + 1, sizeof(*fs->prev_end));
		xgrow(&fs->prev_node, &fs->cap_node, fs->prev_n + 1, sizeof(*fs->prev_node));
		fs->prev_end[fs->prev_n] = (size_t)(frame - line) + strlen(frame);
		len = strlen(frame);
		strbuf_reset(&fs->name);
		if (len > 4 && frame[len - 4] == '_' && frame[len - 3] == '[' && frame[len - 1] == ']' &&
		    strchr("kij", frame[len - 2])) {
			switch (frame[len - 2]) {
			case 'k':
				module = fs->kernel_module ? fs->kernel_module :
					 (fs->kernel_module = stacktree_module(b->tree,
						"[kernel.kallsyms]", NULL, "kernel"));
				break;
			case 'j':
				module = fs->jit_module ? fs->jit_module :
					 (fs->jit_module = stacktree_module(b->tree, "[jit]", NULL,
									    "jit"));
				break;
			default:
				is_inline = true;
			}
			len -= 4;
		}
		strbuf_add(&fs->name, frame, len);
		fid = stacktree_frame(b->tree, module, len ? fs->name.buf : "[unknown]", NULL, 0,
				      is_inline, 0);
		node = stacktree_node(b->tree, node, fid);
		fs->prev_node[fs->prev_n++] = node;
	}
	builder_add(b, 0, 0, node, count, weight);
}

static void import_folded(struct builder *b, struct reader *r, const struct import_opts *o)
{
	struct folded_state fs = { 0 };
	char *line;

	fs.sample_ns = 1e9 / (double)o->frequency;
	while ((line = reader_next(r))) {
		const char *s = line;

		while (isspace((unsigned char)*s))
			s++;
		if (*s)
			import_folded_line(b, &fs, r, line, o);
	}
	strbuf_release(&fs.name);
	strbuf_release(&fs.prev);
	free(fs.prev_end);
	free(fs.prev_node);
	if (b->samples)
		builder_thread(b, 0, 0, "folded");
}

/* ---- perf script ------------------------------------------------------- */

struct pframe {
	char *name, *dso, *file;
	int line;
	bool is_inline;
	uint64_t addr;
};

struct perf_sample {
	bool active, skip;
	size_t lineno;		/* of the header, for messages */
	int tid, pid;
	char *comm;
	uint64_t time_ns;
	bool has_time;
	int64_t period;
	struct pframe *frames;
	size_t nframes, cap;
	struct pframe inline_frame;	/* from the header of a sample without call graph */
	bool has_inline_frame;
};

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool is_hex(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* "1234.567890:" -> ns. */
static bool parse_time(const char *s, size_t n, uint64_t *ns)
{
	const char *dot = memchr(s, '.', n);
	uint64_t sec = 0, frac = 0;
	size_t i, digits;

	if (n < 3 || s[n - 1] != ':' || !dot || dot == s)
		return false;
	if (!all_digits(s, (size_t)(dot - s)) || !all_digits(dot + 1, n - 1 - (size_t)(dot + 1 - s)))
		return false;
	for (i = 0; s + i < dot; i++)
		sec = sec * 10 + (uint64_t)(s[i] - '0');
	digits = n - 1 - (size_t)(dot + 1 - s);
	for (i = 0; i < digits && i < 9; i++)
		frac = frac * 10 + (uint64_t)(dot[1 + i] - '0');
	for (; i < 9; i++)
		frac *= 10;
	*ns = sec * 1000000000ull + frac;
	return true;
}

struct token {
	const char *s;
	size_t n;
};

static size_t tokenize(const char *line, struct token *tok, size_t max)
{
	size_t n = 0;
	const char *p = line;

	while (*p && n < max) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		tok[n].s = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		tok[n].n = (size_t)(p - tok[n].s);
		n++;
	}
	return n;
}

/* Parse "ADDR SYMBOL[+0xOFF] (DSO)" (already without leading blanks). */
static bool parse_frame(const char *s, struct pframe *f)
{
	const char *sp = s, *open, *close, *sym, *symend, *plus;
	size_t len = strlen(s);

	while (*sp && !isspace((unsigned char)*sp))
		sp++;
	if (!is_hex(s, (size_t)(sp - s)) || !*sp)
		return false;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	close = s + len - 1;
	if (close <= sp || *close != ')')
		return false;
	/* the dso is the last parenthesized group: find its '(' */
	for (open = close - 1; open > sp && !(*open == '(' && isspace((unsigned char)open[-1]));
	     open--)
		;
	if (open <= sp)
		return false;
	sym = sp;
	while (sym < open && isspace((unsigned char)*sym))
		sym++;
	symend = open;
	while (symend > sym && isspace((unsigned char)symend[-1]))
		symend--;
	/* drop "+0x1f" */
	for (plus = symend; plus > sym && plus[-1] != '+'; plus--)
		;
	if (plus > sym && symend - plus > 2 && plus[0] == '0' && plus[1] == 'x' &&
	    is_hex(plus + 2, (size_t)(symend - plus - 2)))
		symend = plus - 1;
	memset(f, 0, sizeof(*f));
	f->addr = strtoull(s, NULL, 16);
	f->name = symend > sym ? xstrndup(sym, (size_t)(symend - sym)) : xstrdup("[unknown]");
	f->dso = xstrndup(open + 1, (size_t)(close - open - 1));
	f->is_inline = !strcmp(f->dso, "inlined");
	return true;
}

static void pframe_release(struct pframe *f)
{
	free(f->name);
	free(f->dso);
	free(f->file);
	memset(f, 0, sizeof(*f));
}

static void sample_reset(struct perf_sample *s)
{
	size_t i;

	for (i = 0; i < s->nframes; i++)
		pframe_release(&s->frames[i]);
	s->nframes = 0;
	if (s->has_inline_frame)
		pframe_release(&s->inline_frame);
	s->has_inline_frame = false;
	free(s->comm);
	s->comm = NULL;
	s->active = s->skip = false;
}

/*
 * "COMM PID[/TID] [CPU] TIME: [PERIOD] EVENT: [ADDR SYM (DSO)]". COMM may
 * hold blanks: the pid is the first all-digit token followed by a [cpu], a
 * time, or an event.
 */
static bool parse_header(const char *line, struct perf_sample *s, char **event)
{
	struct token tok[64];
	size_t n = tokenize(line, tok, ARRAY_SIZE(tok)), i, p;
	const char *slash, *rest;

	for (p = 1; p < n; p++) {
		const struct token *t = &tok[p], *next = p + 1 < n ? &tok[p + 1] : NULL;
		uint64_t ns;

		slash = memchr(t->s, '/', t->n);
		if (slash ? !all_digits(t->s, (size_t)(slash - t->s)) ||
			    !all_digits(slash + 1, t->n - (size_t)(slash + 1 - t->s)) :
			    !all_digits(t->s, t->n))
			continue;
		if (!next || (next->s[0] == '[' && next->s[next->n - 1] == ']') ||
		    parse_time(next->s, next->n, &ns) || next->s[next->n - 1] == ':')
			break;
	}
	if (p >= n)
		return false;
	s->comm = xstrndup(line, (size_t)(tok[p].s - line));
	for (i = strlen(s->comm); i && isspace((unsigned char)s->comm[i - 1]); i--)
		s->comm[i - 1] = '\0';
	slash = memchr(tok[p].s, '/', tok[p].n);
	if (slash) {
		s->pid = atoi(tok[p].s);
		s->tid = atoi(slash + 1);
	} else {
		s->tid = atoi(tok[p].s);
		s->pid = 0;
	}
	i = p + 1;
	if (i < n && tok[i].s[0] == '[' && tok[i].s[tok[i].n - 1] == ']')
		i++;
	s->has_time = i < n && parse_time(tok[i].s, tok[i].n, &s->time_ns);
	if (s->has_time)
		i++;
	s->period = 0;
	if (i + 1 < n && all_digits(tok[i].s, tok[i].n) && tok[i + 1].s[tok[i + 1].n - 1] == ':') {
		s->period = strtoll(tok[i].s, NULL, 10);
		i++;
	}
	*event = NULL;
	if (i < n && tok[i].s[tok[i].n - 1] == ':') {
		*event = xstrndup(tok[i].s, tok[i].n - 1);
		i++;
	}
	/* a sample recorded without call graph has its frame on this line */
	if (i < n) {
		rest = tok[i].s;
		if (parse_frame(rest, &s->inline_frame))
			s->has_inline_frame = true;
	}
	return true;
}

struct perf_state {
	struct hashmap dso_modules;
	const char *want_event;
	char *event;		/* the event imported */
	int64_t skipped_other_events;
};

static bool is_kernel_dso(const char *dso, uint64_t addr)
{
	if (!strncmp(dso, "[kernel", 7) || !strcmp(dso, "[guest.kernel.kallsyms]"))
		return true;
	/* kernel modules show as "[ext4]"; user [vdso], [heap], [unknown] do not */
	if (dso[0] == '[' && addr >= 0xffff800000000000ull)
		return true;
	return false;
}

static int64_t dso_module(struct builder *b, struct perf_state *ps, const char *dso, uint64_t addr)
{
	const char *kind = "user";
	uint64_t id;

	if (is_kernel_dso(dso, addr))
		kind = "kernel";
	else if (!strcmp(dso, "[vdso]"))
		kind = "vdso";
	else if (!strcmp(dso, "[unknown]") || !strncmp(dso, "//anon", 6) || !strcmp(dso, "[anon]") ||
		 !strcmp(dso, "[heap]") || !strcmp(dso, "[stack]"))
		kind = "anon";
	else if (strstr(dso, "/perf-") && strstr(dso, ".map"))
		kind = "jit";
	if (hashmap_get(&ps->dso_modules, dso, strlen(dso), &id))
		return (int64_t)id;
	id = (uint64_t)stacktree_module(b->tree, dso, NULL, kind);
	hashmap_put(&ps->dso_modules, dso, strlen(dso), id);
	return (int64_t)id;
}

static bool is_clock_event(const char *event)
{
	return !strncmp(event, "cpu-clock", 9) || !strncmp(event, "task-clock", 10);
}

static void perf_flush(struct builder *b, struct perf_state *ps, struct perf_sample *s)
{
	int64_t node = 0, module = 0, weight, slice = 0;
	size_t i;

	if (!s->active || s->skip) {
		sample_reset(s);
		return;
	}
	if (!s->nframes && s->has_inline_frame) {
		xgrow(&s->frames, &s->cap, 1, sizeof(*s->frames));
		s->frames[s->nframes++] = s->inline_frame;
		s->has_inline_frame = false;
	}
	/* frames are leaf first: intern root first */
	for (i = s->nframes; i-- > 0;) {
		struct pframe *f = &s->frames[i];
		int64_t fid;

		/* an inline frame belongs to the code of the frame below it (its
		 * callee, printed before it), which perf prints with the address */
		if (!f->is_inline) {
			module = dso_module(b, ps, f->dso, f->addr);
		} else {
			size_t j;

			for (j = i; j-- > 0;)
				if (!s->frames[j].is_inline)
					break;
			if (j != (size_t)-1)
				module = dso_module(b, ps, s->frames[j].dso, s->frames[j].addr);
		}
		fid = stacktree_frame(b->tree, module, f->name, f->file, f->file ? f->line : 0,
				      f->is_inline, f->addr);
		node = stacktree_node(b->tree, node, fid);
	}
	if (node) {
		weight = ps->event && is_clock_event(ps->event) && s->period > 0 ? s->period : 0;
		if (s->has_time) {
			/* slices count from the first sample; perf script sorts by
			 * time, so an earlier one is rare: it joins slice 0 */
			if (!b->have_time)
				b->base_ns = b->first_ns = b->last_ns = s->time_ns;
			if (s->time_ns < b->first_ns)
				b->first_ns = s->time_ns;
			if (s->time_ns > b->last_ns)
				b->last_ns = s->time_ns;
			b->have_time = true;
			if (s->time_ns > b->base_ns)
				slice = (int64_t)((s->time_ns - b->base_ns) / STORE_SLICE_NS);
		}
		builder_add(b, slice, s->tid, node, 1, weight);
		builder_thread(b, s->tid, s->pid, s->comm)->samples++;
		if (!b->period && s->period > 0)
			b->period = s->period;
	}
	sample_reset(s);
}

static void import_perf(struct builder *b, struct reader *r, const struct import_opts *o)
{
	struct perf_state ps = { 0 };
	struct perf_sample s = { 0 };
	char *line;

	hashmap_init(&ps.dso_modules);
	ps.want_event = o->event;
	while ((line = reader_next(r))) {
		const char *t = line;
		char *event = NULL;

		while (*t == ' ')
			t++;
		if (!*t || (*t == '\t' && !t[strspn(t, " \t")])) {	/* blank: end of a sample */
			perf_flush(b, &ps, &s);
			continue;
		}
		if (line[0] == '#' && !s.active)
			continue;	/* perf script --header */
		if (line[0] == '\t' || (line[0] == ' ' && *t == '\t')) {
			struct pframe f;

			if (!s.active)
				bad_line(r, "a stack frame outside of a sample (no header line above)");
			t += strspn(t, " \t");
			if (!parse_frame(t, &f))
				bad_line(r, "expected a stack frame 'ADDRESS SYMBOL (DSO)'");
			xgrow(&s.frames, &s.cap, s.nframes + 1, sizeof(*s.frames));
			s.frames[s.nframes++] = f;
			continue;
		}
		if (line[0] == ' ') {
			/* perf script -F +srcline: "  file.c:123" after a frame */
			const char *colon = strrchr(t, ':');
			struct pframe *f = s.nframes ? &s.frames[s.nframes - 1] : NULL;

			if (!s.active)
				bad_line(r, "an indented line outside of a sample (no header line above)");
			if (f && colon && colon > t && all_digits(colon + 1, strlen(colon + 1)) &&
			    strncmp(t, "??", 2)) {
				free(f->file);
				f->file = xstrndup(t, (size_t)(colon - t));
				f->line = atoi(colon + 1);
			}
			continue;
		}
		/* a header line starts a sample (the blank line may be missing) */
		perf_flush(b, &ps, &s);
		if (!parse_header(line, &s, &event))
			bad_line(r, "expected a sample header 'COMMAND PID [CPU] TIME: [PERIOD] "
				    "EVENT:' (is this the output of perf script?)");
		s.active = true;
		s.lineno = r->lineno;
		if (event) {
			if (!ps.event && (!ps.want_event || !strcmp(ps.want_event, event)))
				ps.event = xstrdup(event);
			if (!ps.event || strcmp(ps.event, event)) {
				s.skip = true;
				ps.skipped_other_events++;
			}
			free(event);
		} else if (ps.want_event) {
			bad_line(r, "--event was given but this sample header names no event");
		}
	}
	perf_flush(b, &ps, &s);
	free(s.frames);
	if (ps.skipped_other_events)
		warn("skipped %lld samples of events other than '%s'",
		     (long long)ps.skipped_other_events, ps.event ? sanitized(ps.event) : "?");
	if (ps.want_event && !ps.event)
		die("no samples of event '%s' in '%s'; nothing was written",
		    sanitized(ps.want_event), r->name);
	b->event = ps.event;
	b->period_is_ns = ps.event && is_clock_event(ps.event);
	hashmap_release(&ps.dso_modules);
}

/* ---- writing ----------------------------------------------------------- */

static int cmp_threads_by_samples(const void *a, const void *b)
{
	const struct thread *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* meta pids and the processes table, from the threads. */
static int write_threads(struct builder *b, struct store *st, const char *format)
{
	struct strbuf pids = STRBUF_INIT;
	struct hashmap seen;
	int err = 0;
	size_t i;

	hashmap_init(&seen);
	qsort(b->threads, b->nthreads, sizeof(*b->threads), cmp_threads_by_samples);
	for (i = 0; i < b->nthreads && !err; i++) {
		struct thread *t = &b->threads[i];
		uint64_t one = 1;

		err = store_add_thread(st, t->tid, t->pid, t->comm);
		if (err || !t->pid || hashmap_get_or_put(&seen, &t->pid, sizeof(t->pid), &one))
			continue;
		err = store_add_process(st, t->pid, 0, t->comm, NULL);
		strbuf_addf(&pids, "%s%d", pids.len ? "," : "", t->pid);
	}
	if (!err)
		err = store_set_meta(st, "command", b->nthreads ? b->threads[0].comm : format);
	if (!err && pids.len)
		err = store_set_meta(st, "pids", pids.buf);
	hashmap_release(&seen);
	strbuf_release(&pids);
	return err;
}

static int write_recording(struct builder *b, struct store *st, const struct import_opts *o,
			   const char *format)
{
	char host[256];
	size_t i;
	int err;

	err = store_begin(st);
	if (!err)
		err = stacktree_flush(b->tree, st);
	for (i = 0; i < b->ncells && !err; i++) {
		const struct cell *c = &b->cells[i];

		err = store_add_samples(st, c->slice, c->tid, b->kind, c->node, c->count,
					c->weight_ns);
	}
	if (!err)
		err = write_threads(b, st, format);
	if (!err)
		err = store_set_meta(st, "mode", "import");
	if (!err)
		err = store_set_meta(st, "import_format", format);
	if (!err)
		err = store_set_meta(st, "import_source",
				     strcmp(o->input, "-") ? o->input : "(standard input)");
	if (!err)
		err = store_set_meta(st, "hotstack_version", PACKAGE_VERSION);
	if (!err && gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		err = store_set_meta(st, "import_host", host);
	}
	if (!err)
		err = store_set_meta_int(st, "samples", b->samples);
	if (!err)
		err = store_set_meta_int(st, "lost", 0);
	if (!err)
		err = store_set_meta_int(st, "unwind_errors", 0);
	if (!err)
		err = store_set_meta_int(st, "slice_ns", (int64_t)STORE_SLICE_NS);
	if (!err && b->event)
		err = store_set_meta(st, "event", b->event);
	if (!err && b->have_time)
		err = store_set_meta_int(st, "duration_ns", (int64_t)(b->last_ns - b->first_ns));
	if (!err && b->period_is_ns && b->period > 0)
		err = store_set_meta_int(st, "frequency",
					 (int64_t)llround(1e9 / (double)b->period));
	if (!err && !strcmp(format, "folded"))
		err = store_set_meta_int(st, "frequency", o->frequency);
	if (!err)
		err = store_set_meta_int(st, "kernel_frames", 1);
	if (!err)
		err = store_commit(st);
	return err;
}

/* Distinct leaf nodes with samples. */
static size_t count_stacks(const struct builder *b)
{
	size_t n = stacktree_node_count(b->tree), i, distinct = 0;
	bool *seen = xcalloc(n + 1, sizeof(*seen));

	for (i = 0; i < b->ncells; i++) {
		int64_t node = b->cells[i].node;

		if (node > 0 && (size_t)node <= n && !seen[node]) {
			seen[node] = true;
			distinct++;
		}
	}
	free(seen);
	return distinct;
}

/* ---- command ------------------------------------------------------------ */

static enum fmt guess_format(struct reader *r)
{
	size_t i;

	reader_peek(r);
	for (i = 0; i < r->npeeked; i++)
		if (r->peeked[i][0] == '\t')
			return FMT_PERF;
	return FMT_FOLDED;
}

static void builder_release(struct builder *b)
{
	size_t i;

	for (i = 0; i < b->nthreads; i++)
		free(b->threads[i].comm);
	free(b->threads);
	free(b->cells);
	free(b->event);
	hashmap_release(&b->cell_index);
	hashmap_release(&b->thread_index);
	stacktree_free(b->tree);
}

/* import_parse()'s state, static so import_parse_abort() can free it after
 * a die() that the fuzzer turned into a longjmp */
static struct builder parse_b;
static struct reader parse_r;
static bool parsing;

void import_parse_abort(void)
{
	if (!parsing)
		return;
	if (parse_r.f)
		fclose(parse_r.f);
	reader_release(&parse_r);
	builder_release(&parse_b);
	parsing = false;
}

int64_t import_parse(const char *buf, size_t len, int format)
{
	struct import_opts o = { .format = format, .kind = KIND_CPU, .frequency = 99 };
	int64_t samples;

	import_parse_abort();
	memset(&parse_r, 0, sizeof(parse_r));
	memset(&parse_b, 0, sizeof(parse_b));
	parse_r.name = "(buffer)";
	parse_r.f = fmemopen((void *)buf, len, "r");
	if (!parse_r.f)
		return -errno;
	parse_b.tree = stacktree_new();
	parse_b.kind = o.kind;
	hashmap_init(&parse_b.cell_index);
	hashmap_init(&parse_b.thread_index);
	parsing = true;
	if (o.format == FMT_AUTO)
		o.format = guess_format(&parse_r);
	if (o.format == FMT_PERF)
		import_perf(&parse_b, &parse_r, &o);
	else
		import_folded(&parse_b, &parse_r, &o);
	samples = parse_b.samples;
	count_stacks(&parse_b);
	import_parse_abort();
	return samples;
}

static void parse_args(int argc, char **argv, struct import_opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "kind", required_argument, NULL, 'k' },
		{ "weight", required_argument, NULL, 'w' },
		{ "frequency", required_argument, NULL, 'F' },
		{ "event", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:f:k:w:F:e:", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!*optarg)
				die_usage("import: --output wants a path");
			o->output = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "auto"))
				o->format = FMT_AUTO;
			else if (!strcmp(optarg, "folded"))
				o->format = FMT_FOLDED;
			else if (!strcmp(optarg, "perf") || !strcmp(optarg, "perf-script"))
				o->format = FMT_PERF;
			else
				die_usage("import: unknown format '%s': use auto, folded or perf",
					  sanitized(optarg));
			break;
		case 'k':
			o->kind = profile_kind_from_name(optarg);
			if (o->kind < 0)
				die_usage("import: unknown sample kind '%s': use cpu or offcpu",
					  sanitized(optarg));
			break;
		case 'w':
			if (!strcmp(optarg, "ns"))
				o->weight_ns = true;
			else if (!strcmp(optarg, "count"))
				o->weight_ns = false;
			else
				die_usage("import: unknown weight '%s': use count or ns",
					  sanitized(optarg));
			break;
		case 'F':
			if (parse_long(optarg, 1, 1000000000, &o->frequency))
				die_usage("import: --frequency wants a rate in Hz, not '%s'",
					  sanitized(optarg));
			break;
		case 'e':
			if (!*optarg)
				die_usage("import: --event wants an event name");
			o->event = optarg;
			break;
		case ':':
			die_usage("import: option '%s' needs a value", sanitized(argv[optind - 1]));
		default:
			if (optopt)
				die_usage("import: unknown option '-%c'", optopt);
			die_usage("import: unknown option '%s'", sanitized(argv[optind - 1]));
		}
	}
	if (optind < argc)
		o->input = argv[optind++];
	if (optind < argc)
		die_usage("import: unexpected argument '%s'", sanitized(argv[optind]));
	if (!o->input)
		die_usage("import: which input? (a file of folded stacks or perf script text, "
			  "or '-')");
}

int cmd_import(int argc, char **argv)
{
	struct import_opts o = {
		.output = "hotstack.db", .format = FMT_AUTO, .kind = KIND_CPU, .frequency = 99,
	};
	struct builder b;
	struct reader r;
	struct newrec rec;
	char name[1024], *err, *moved_to;
	const char *format;

	if (cmd_wants_help(argc, argv))
		return cmd_print_help(import_usage);
	parse_args(argc, argv, &o);
	memset(&r, 0, sizeof(r));
	if (!strcmp(o.input, "-")) {
		r.f = stdin;
		r.name = "(standard input)";
	} else {
		r.f = fopen(o.input, "r");
		if (!r.f)
			die("cannot open '%s': %s", sanitized(o.input), strerror(errno));
		r.name = sanitize(name, sizeof(name), o.input);
	}
	if (o.format == FMT_AUTO)
		o.format = guess_format(&r);
	format = o.format == FMT_PERF ? "perf script" : "folded";

	memset(&b, 0, sizeof(b));
	b.tree = stacktree_new();
	b.kind = o.kind;
	hashmap_init(&b.cell_index);
	hashmap_init(&b.thread_index);
	/* the output is created first: a bad path fails before a long parse */
	if (newrec_create(&rec, o.output, &err))
		die("%s", err);
	if (o.format == FMT_PERF)
		import_perf(&b, &r, &o);
	else
		import_folded(&b, &r, &o);
	if (r.f != stdin)
		fclose(r.f);
	if (!b.samples)
		die("no samples in '%s'; nothing was written", r.name);
	if (write_recording(&b, rec.st, &o, format))
		die("cannot write '%s': %s", sanitized(o.output), store_last_error(rec.st));
	if (newrec_commit(&rec, &moved_to, &err))
		die("%s", err);
	cmd_warn_moved(o.output, moved_to);
	free(moved_to);
	fprintf(stderr, "%s: imported %lld samples in %zu distinct stacks (%s) into '%s'\n",
		progname, (long long)b.samples, count_stacks(&b), format, sanitized(o.output));

	reader_release(&r);
	builder_release(&b);
	return EXIT_OK;
}
