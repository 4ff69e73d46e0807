/* genstacks.c - deterministic big profiles for tests/bench/formats.sh
 *
 * usage: genstacks folded SAMPLES STACKS          > big.folded
 *        genstacks perf SAMPLES STACKS THREADS SECONDS > big.perf.txt
 *
 * Makes STACKS distinct call paths (depth 6 to 40, grown as a call tree:
 * each path shares half or more of an earlier one; names from a vocabulary
 * of 3000 functions, about one in eight ending in kernel frames and one in
 * ten with an inlined frame) and SAMPLES samples over them with a
 * Zipf-like skew (a few hot paths, a long tail; every path at least one
 * sample). "folded" writes one line per path; "perf" writes `perf script`
 * text: one sample per block, spread over THREADS threads and SECONDS of
 * time, 1 ms cpu-clock periods. Same arguments, same output.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xorshift.h"

#define VOCAB 3000
#define MAXDEPTH 40


struct stack {
	int depth;
	int frame[MAXDEPTH];	/* root first: index into the vocabulary */
	int kernel;		/* last `kernel` frames are kernel frames */
	int inlined;		/* index of an inlined frame, or -1 */
	long count;
};

static const char *const modules[] = {
	"/usr/bin/server", "/usr/lib/x86_64-linux-gnu/libc.so.6",
	"/usr/lib/x86_64-linux-gnu/libssl.so.3", "/usr/lib/x86_64-linux-gnu/libz.so.1",
};

static void name(char *buf, size_t size, int f)
{
	static const char *const parts[] = {
		"parse", "handle", "read", "write", "hash", "lookup", "encode", "decode",
		"alloc", "free", "lock", "send", "recv", "poll", "copy", "compare",
	};

	snprintf(buf, size, "%s_%s_%d", parts[f % 16], parts[(f / 16) % 16], f);
}

int main(int argc, char **argv)
{
	long samples, nstacks, i, left;
	int threads = 1, perf;
	double seconds = 1;
	struct stack *st;
	double *w, wsum = 0;

	if (argc < 4 || (strcmp(argv[1], "folded") && strcmp(argv[1], "perf")) ||
	    (!strcmp(argv[1], "perf") && argc < 6)) {
		fprintf(stderr, "usage: genstacks folded SAMPLES STACKS\n"
				"       genstacks perf SAMPLES STACKS THREADS SECONDS\n");
		return 2;
	}
	perf = !strcmp(argv[1], "perf");
	samples = atol(argv[2]);
	nstacks = atol(argv[3]);
	if (perf) {
		threads = atoi(argv[4]);
		seconds = atof(argv[5]);
	}
	if (samples < nstacks || nstacks < 1 || threads < 1 || seconds <= 0) {
		fprintf(stderr, "genstacks: need SAMPLES >= STACKS >= 1\n");
		return 2;
	}
	st = calloc((size_t)nstacks, sizeof(*st));
	w = calloc((size_t)nstacks, sizeof(*w));
	if (!st || !w)
		return 2;
	/*
	 * Paths grow as a call tree does: each new path copies most of an
	 * earlier path (half to all but one of its frames) and goes on with
	 * new frames, so there are a few nodes per path, not a whole stack.
	 */
	for (i = 0; i < nstacks; i++) {
		struct stack *s = &st[i];
		const struct stack *from = i ? &st[next() % (uint64_t)i] : NULL;
		int d, shared = 0;

		s->depth = 6 + (int)(next() % (MAXDEPTH - 6));
		if (from) {
			shared = from->depth / 2 + (int)(next() % (uint64_t)(from->depth / 2));
			if (shared > s->depth - 1)
				s->depth = shared + 1 + (int)(next() % 4);
			if (s->depth > MAXDEPTH)
				s->depth = MAXDEPTH;
			if (shared > s->depth - 1)
				shared = s->depth - 1;
		}
		for (d = 0; d < s->depth; d++)
			s->frame[d] = d < shared ? from->frame[d] :
				      d < 3 ? d : (int)(next() % VOCAB);
		/* make the path unique: its last frame carries its number */
		s->frame[s->depth - 1] = VOCAB + (int)i;
		s->kernel = next() % 8 == 0 ? 1 + (int)(next() % 4) : 0;
		s->inlined = next() % 10 == 0 ? 3 + (int)(next() % (s->depth - 4)) : -1;
		w[i] = 1.0 / (1.0 + (double)(next() % (uint64_t)nstacks));
		wsum += w[i];
	}
	left = samples - nstacks;
	for (i = 0; i < nstacks; i++) {
		st[i].count = 1 + (long)((double)(samples - nstacks) * w[i] / wsum);
		left -= st[i].count - 1;
	}
	for (i = 0; left > 0; i = (i + 1) % nstacks, left--)
		st[i].count++;

	if (!perf) {
		for (i = 0; i < nstacks; i++) {
			const struct stack *s = &st[i];
			char buf[64];
			int d;

			for (d = 0; d < s->depth; d++) {
				name(buf, sizeof(buf), s->frame[d]);
				printf("%s%s%s", d ? ";" : "", buf,
				       d >= s->depth - s->kernel ? "_[k]" :
				       d == s->inlined ? "_[i]" : "");
			}
			printf(" %ld\n", s->count);
		}
		return 0;
	}
	/* perf script: samples in a shuffled order over time and threads */
	{
		long *order = malloc((size_t)samples * sizeof(*order)), n = 0, k;
		double t = 10000.0, step = seconds / (double)samples;

		if (!order)
			return 2;
		for (i = 0; i < nstacks; i++)
			for (k = 0; k < st[i].count; k++)
				order[n++] = i;
		for (i = n - 1; i > 0; i--) {
			long j = (long)(next() % (uint64_t)(i + 1)), x = order[i];

			order[i] = order[j];
			order[j] = x;
		}
		for (k = 0; k < n; k++) {
			const struct stack *s = &st[order[k]];
			int tid = 1000 + (int)(order[k] % threads), d;
			char buf[64];

			t += step;
			printf("server %d/%d [000] %.6f: 1000000 cpu-clock: \n", 1000, tid, t);
			for (d = s->depth - 1; d >= 0; d--) {
				const char *dso = d >= s->depth - s->kernel ? "[kernel.kallsyms]" :
						  d == s->inlined ? "inlined" :
						  modules[s->frame[d] % 4];

				name(buf, sizeof(buf), s->frame[d]);
				printf("\t%16x %s+0x%x (%s)\n", 0x1000 + s->frame[d] * 16, buf,
				       d + 1, dso);
			}
			putchar('\n');
		}
		free(order);
	}
	free(st);
	free(w);
	return 0;
}
