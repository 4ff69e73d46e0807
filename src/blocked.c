/* blocked.c - the stack of a thread asleep in the kernel, read without
 * stopping it (see blocked.h) */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blocked.h"
#include "hashmap.h"
#include "symbol.h"
#include "util.h"

/* How often a thread that ran during the copy is read again before the
 * caller is told to stop it. */
#define TRIES 3

/* One try: -EAGAIN running, -ESTALE it ran during the copy. */
static int read_once(pid_t pid, pid_t tid, const struct proc_ranges *maps, size_t stack_max,
		     struct ptrace_thread *t, struct proc_syscall *sc)
{
	struct proc_syscall first, again;
	uint64_t before, after;
	bool have_slices;
	size_t want = stack_max;
	int err;

	/* a running thread fails here at once: one small read */
	err = procfs_syscall(pid, tid, &first);
	if (err)
		return err;
	/* not in a system call (stopped by a signal in user code, or in a
	 * page fault): /proc gives sp and pc only, and at an arbitrary
	 * instruction the CFA rules may need the other registers; a stop
	 * reads them all */
	if (first.nr < 0)
		return -EAGAIN;
	have_slices = procfs_timeslices(pid, tid, &before) == 0;
	t->tid = tid;
	t->result = CAPTURE_FAILED;
	t->err = 0;
	t->signal = 0;
	memset(t->regs, 0, sizeof(t->regs));
	t->regs[7] = first.sp;
	t->regs[16] = first.pc;
	t->regs_unknown = ((1u << SAMPLER_NREGS) - 1) & ~(1u << 7 | 1u << 16);
	t->rbp_found = false;
	if (first.nr >= 0) {
		/* the argument registers of the x86_64 system call ABI hold
		 * the arguments, rcx the return pc (DWARF numbering); __vfork
		 * keeps its return address in rdi */
		t->regs[0] = (uint64_t)first.nr;
		t->regs[5] = first.args[0];	/* rdi */
		t->regs[4] = first.args[1];	/* rsi */
		t->regs[1] = first.args[2];	/* rdx */
		t->regs[10] = first.args[3];	/* r10 */
		t->regs[8] = first.args[4];	/* r8 */
		t->regs[9] = first.args[5];	/* r9 */
		t->regs[2] = first.pc;		/* rcx */
		t->regs_unknown &= ~(1u << 0 | 1u << 1 | 1u << 2 | 1u << 4 | 1u << 5 | 1u << 8 |
				     1u << 9 | 1u << 10);
	}
	t->orig_rax = (uint64_t)first.nr;
	t->on_cpu = false;
	t->stop_ns = t->stop_latency_ns = 0;
	t->unstopped = true;
	t->stack_end = maps ? procfs_range_end(maps, first.sp) : 0;
	if (t->stack_end && t->stack_end - first.sp < want)
		want = (size_t)(t->stack_end - first.sp);
	ptrace_read_stack(t, want);
	t->time = monotonic_ns();
	/* it must not have run during the copy (same turns on a CPU), and be
	 * in the same call at the same sp and pc as when its registers were
	 * read (if it ran before the first count, it came back to the same
	 * place: the copy is of that same frame) */
	if (have_slices && (procfs_timeslices(pid, tid, &after) || after != before))
		return -ESTALE;
	err = procfs_syscall(pid, tid, &again);
	if (err)
		return err == -EAGAIN ? -ESTALE : err;
	if (memcmp(&again, &first, sizeof(first)))
		return -ESTALE;
	if (!t->stack_size)
		return procfs_exists(pid) ? -EFAULT : -ESRCH;
	t->result = CAPTURE_OK;
	if (sc)
		*sc = first;
	return 0;
}

int blocked_read(pid_t pid, pid_t tid, const struct proc_ranges *maps, size_t stack_max,
		 struct ptrace_thread *t, struct proc_syscall *sc)
{
	int err = -ESTALE, i;

	for (i = 0; i < TRIES && err == -ESTALE; i++)
		err = read_once(pid, tid, maps, stack_max, t, sc);
	return err == -ESTALE ? -EAGAIN : err;
}

/* ---- blocked_each: every sleeping thread of a process, for the recorder ---- */

struct kframe {
	char *name;
	uint64_t offset;
};

struct one {
	struct ptrace_thread t;
	struct kframe k[BLOCKED_MAX_KFRAMES];
	int nk;
};

static void add_kframe(void *arg, const char *function, uint64_t offset, const char *module UNUSED)
{
	struct one *o = arg;

	if (o->nk >= BLOCKED_MAX_KFRAMES)
		return;
	o->k[o->nk].name = xstrdup(function);
	o->k[o->nk].offset = offset;
	o->nk++;
}

/* Addresses of the kernel functions named in names (value: UINT64_MAX
 * until found), in one pass over /proc/kallsyms. */
static void resolve_kallsyms(struct hashmap *names)
{
	char *text, *line, *save = NULL;

	if (read_file("/proc/kallsyms", &text) < 0)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct kallsyms_line kl;
		uint64_t have;

		if (kallsyms_parse_line(line, strlen(line), &kl) &&
		    hashmap_get(names, kl.name, kl.namelen, &have) && have == UINT64_MAX)
			hashmap_put(names, kl.name, kl.namelen, kl.addr);
	}
	free(text);
}

int blocked_each(pid_t pid, bool kernel, void (*cb)(void *arg, const struct sampler_event *ev),
		 void *arg)
{
	struct ptrace_unwinder *pu;
	struct proc_ranges maps;
	struct hashmap names;
	struct one *all;
	pid_t *tids;
	size_t held = 0;
	int n, i, j, nall = 0;

	n = procfs_list_tasks(pid, &tids);
	if (n <= 0)
		return n;
	procfs_read_ranges(pid, &maps);
	pu = ptrace_unwinder_new(pid);
	hashmap_init(&names);
	all = xcalloc((size_t)n, sizeof(*all));
	/* the copies are kept until the kernel names are resolved in one pass
	 * over /proc/kallsyms: bounded, the threads past the bound stay unknown */
	for (i = 0; i < n && held < BLOCKED_EACH_MAX_BYTES; i++) {
		struct one *o = &all[nall];

		if (blocked_read(pid, tids[i], &maps, BLOCKED_STACK_MAX, &o->t, NULL)) {
			ptrace_thread_release(&o->t);
			continue;
		}
		ptrace_guess_rbp(pu, &o->t);
		if (kernel && procfs_kernel_stack(pid, tids[i], add_kframe, o) > 0)
			for (j = 0; j < o->nk; j++)
				hashmap_put(&names, o->k[j].name, strlen(o->k[j].name), UINT64_MAX);
		held += o->t.stack_cap;
		nall++;
	}
	if (names.count)
		resolve_kallsyms(&names);
	for (i = 0; i < nall; i++) {
		struct one *o = &all[i];
		uint64_t kchain[BLOCKED_MAX_KFRAMES], addr;
		struct sampler_event ev;
		int nk = 0;

		for (j = 0; j < o->nk; j++) {
			if (hashmap_get(&names, o->k[j].name, strlen(o->k[j].name), &addr) &&
			    addr != UINT64_MAX)
				kchain[nk++] = addr + o->k[j].offset;
			free(o->k[j].name);
		}
		ptrace_thread_event(&o->t, pid, 0, &ev);
		ev.type = SEV_SWITCH_OUT;
		ev.sample.prev_state = 1;	/* TASK_INTERRUPTIBLE: blocked */
		ev.sample.nkchain = nk;
		ev.sample.kchain = kchain;
		cb(arg, &ev);
		ptrace_thread_release(&o->t);
	}
	hashmap_release(&names);
	ptrace_unwinder_free(pu);
	procfs_ranges_release(&maps);
	free(all);
	free(tids);
	return nall;
}
