/* unwind.c - DWARF CFI unwinding of sampled user stacks with libdw */
#include "config.h"

#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#include "unwind.h"
#include "util.h"

struct unwinder {
	struct spaces *spaces;
	/* the sample being unwound, read by the Dwfl callbacks */
	const struct sampler_event *ev;
	struct space *space;
	uint64_t sp;
	uint64_t *pcs;
	int n, max;
	bool truncated;
	bool ended;
	uint64_t last_pc;	/* of the outermost frame reached */
};

static pid_t cb_next_thread(Dwfl *dwfl UNUSED, void *arg, void **thread_argp)
{
	struct unwinder *u = arg;

	if (*thread_argp)
		return 0;
	*thread_argp = arg;
	return (pid_t)u->ev->tid;
}

static bool cb_get_thread(Dwfl *dwfl UNUSED, pid_t tid UNUSED, void *arg, void **thread_argp)
{
	*thread_argp = arg;
	return true;
}

static bool cb_memory_read(Dwfl *dwfl UNUSED, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct unwinder *u = arg;
	uint64_t size = u->ev->sample.stack_size;

	if (addr < u->sp || size < 8 || addr - u->sp > size - 8)
		return false;
	memcpy(result, u->ev->sample.stack + (addr - u->sp), sizeof(*result));
	return true;
}

static bool cb_set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct unwinder *u = arg;
	uint32_t unknown = u->ev->sample.regs_unknown;
	int i;

	if (!unknown)
		return dwfl_thread_state_registers(thread, 0, SAMPLER_NREGS, u->ev->sample.regs);
	/* unknown registers stay unset: a rule that needs one fails, and the
	 * unwind ends there as incomplete instead of reading from a guess */
	for (i = 0; i < SAMPLER_NREGS; i++)
		if (!(unknown >> i & 1) &&
		    !dwfl_thread_state_registers(thread, i, 1, &u->ev->sample.regs[i]))
			return false;
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = cb_next_thread,
	.get_thread = cb_get_thread,
	.memory_read = cb_memory_read,
	.set_initial_registers = cb_set_initial_registers,
};

struct unwinder *unwinder_new(void)
{
	struct unwinder *u = xcalloc(1, sizeof(*u));

	u->spaces = spaces_new(&thread_callbacks, u);
	return u;
}

void unwinder_free(struct unwinder *u)
{
	if (!u)
		return;
	spaces_free(u->spaces);
	free(u);
}

struct spaces *unwinder_spaces(struct unwinder *u)
{
	return u->spaces;
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct unwinder *u = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	if (u->n >= u->max) {
		u->truncated = true;
		return DWARF_CB_ABORT;
	}
	/* a return address points after the call: look up the call itself */
	if (!activation && pc)
		pc--;
	/* a zero return address ends some hand-written stacks */
	if (!pc) {
		u->ended = true;
		return DWARF_CB_ABORT;
	}
	/* a caller outside every executable mapping is garbage, e.g. from the
	 * frame-pointer guess libdw makes in code without CFI (JIT): stop */
	if (u->n > 0 && !space_find_map(u->space, pc))
		return DWARF_CB_ABORT;
	u->pcs[u->n++] = pc;
	u->last_pc = pc;
	return DWARF_CB_OK;
}

/*
 * libdw takes a return address it could not compute (an unknown register,
 * memory outside the copy) for the end of the stack. With unknown
 * registers that is common, so the stack counts as whole only if the CFI
 * at its last pc says the return address is undefined, as it does in
 * _start and __clone3.
 */
static bool cfi_ends_stack(Dwfl *dwfl, uint64_t pc)
{
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, pc);
	Dwarf_Op ops_mem[3], *ops;
	Dwarf_Frame *frame = NULL;
	Dwarf_Addr bias;
	Dwarf_CFI *cfi;
	size_t nops;
	bool end;
	int ra;

	if (!mod)
		return false;
	cfi = dwfl_module_eh_cfi(mod, &bias);
	if (!cfi || dwarf_cfi_addrframe(cfi, pc - bias, &frame)) {
		cfi = dwfl_module_dwarf_cfi(mod, &bias);
		if (!cfi || dwarf_cfi_addrframe(cfi, pc - bias, &frame))
			return false;
	}
	ra = dwarf_frame_info(frame, NULL, NULL, NULL);
	end = ra >= 0 && !dwarf_frame_register(frame, ra, ops_mem, &ops, &nops) && nops == 0 &&
	      ops == ops_mem;
	free(frame);
	return end;
}

int unwinder_unwind(struct unwinder *u, struct space *s, const struct sampler_event *ev,
		    uint64_t *pcs, int max, bool *complete)
{
	Dwfl *dwfl;
	int ret;

	*complete = false;
	if (!ev->sample.have_regs || max < 1)
		return 0;
	u->ev = ev;
	u->space = s;
	u->sp = ev->sample.regs[7];
	u->pcs = pcs;
	u->n = 0;
	u->max = max;
	u->truncated = false;
	u->ended = false;
	dwfl = space_dwfl(s);
	if (!dwfl) {
		pcs[0] = ev->sample.regs[16];
		return 1;
	}
	ret = dwfl_getthread_frames(dwfl, (pid_t)ev->tid, frame_cb, u);
	if (u->n == 0)
		pcs[u->n++] = ev->sample.regs[16];
	*complete = (ret == 0 || u->ended) && !u->truncated;
	if (*complete && ret == 0 && !u->ended && ev->sample.regs_unknown)
		*complete = cfi_ends_stack(dwfl, u->last_pc);
	u->ev = NULL;
	return u->n;
}
