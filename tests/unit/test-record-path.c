/* test-record-path.c - unit tests of the recorder's modules on deterministic
 * input, no perf events involved: the hash map, ring-buffer record
 * decoding, kallsyms parsing, call-path interning, and DWARF unwinding and
 * symbolization of this test's own stack, captured like a perf sample.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include <cmocka.h>

#include "hashmap.h"
#include "sampler.h"
#include "stacktree.h"
#include "symbol.h"
#include "syscalls.h"
#include "tracefs.h"
#include "unwind.h"
#include "util.h"
#include "waits.h"

static void test_hashmap(void **state UNUSED)
{
	struct hashmap m;
	uint64_t v;
	int i;

	hashmap_init(&m);
	assert_false(hashmap_get(&m, "a", 1, &v));
	for (i = 0; i < 10000; i++) {
		v = (uint64_t)i * 3;
		assert_false(hashmap_get_or_put(&m, &i, sizeof(i), &v));
	}
	assert_int_equal(m.count, 10000);
	for (i = 0; i < 10000; i++) {
		assert_true(hashmap_get(&m, &i, sizeof(i), &v));
		assert_int_equal(v, (uint64_t)i * 3);
	}
	v = 7;
	assert_false(hashmap_get_or_put(&m, "x", 1, &v));
	v = 99;
	assert_true(hashmap_get_or_put(&m, "x", 1, &v));
	assert_int_equal(v, 7);
	hashmap_put(&m, "x", 1, 8);
	assert_true(hashmap_get(&m, "x", 1, &v));
	assert_int_equal(v, 8);
	/* keys of different lengths with a common prefix differ */
	assert_false(hashmap_get(&m, "xy", 2, &v));
	hashmap_clear(&m);
	assert_false(hashmap_get(&m, "x", 1, &v));
	hashmap_release(&m);
}

/* Appends bytes to a synthetic record. */
static void put(uint8_t *buf, size_t *len, const void *p, size_t n)
{
	memcpy(buf + *len, p, n);
	*len += n;
}

static void test_decode_sample(void **state UNUSED)
{
	struct sampler_config cfg = { .freq = 99, .kernel = true, .stack_size = 64 };
	struct perf_event_header h = { .type = PERF_RECORD_SAMPLE };
	uint8_t rec[1024], stack[64];
	uint64_t ip = 0x401000, period = 10101010, time = 123456789, nr = 4, abi = 2;
	uint64_t chain[4] = { (uint64_t)PERF_CONTEXT_KERNEL, 0xffffffff81000010ull,
			      0xffffffff81000020ull, 0xffffffff81000030ull };
	uint64_t regs[20], size = sizeof(stack), dyn = 48;
	uint32_t pidtid[2] = { 42, 43 };
	uint64_t id = 7;
	struct sampler_event ev;
	size_t len = sizeof(h);
	int i;

	for (i = 0; i < 20; i++)
		regs[i] = 1000 + i;	/* perf order: AX BX CX DX SI DI BP SP IP ... R8.. */
	for (i = 0; i < (int)sizeof(stack); i++)
		stack[i] = (uint8_t)i;
	put(rec, &len, &id, 8);		/* PERF_SAMPLE_IDENTIFIER */
	put(rec, &len, &ip, 8);
	put(rec, &len, pidtid, 8);
	put(rec, &len, &time, 8);
	put(rec, &len, &period, 8);
	put(rec, &len, &nr, 8);
	put(rec, &len, chain, sizeof(chain));
	put(rec, &len, &abi, 8);
	put(rec, &len, regs, sizeof(regs));
	put(rec, &len, &size, 8);
	put(rec, &len, stack, sizeof(stack));
	put(rec, &len, &dyn, 8);
	h.size = (uint16_t)len;
	memcpy(rec, &h, sizeof(h));

	assert_int_equal(sampler_decode(&cfg, NULL, rec, len, &ev), 0);
	assert_int_equal(ev.type, SEV_SAMPLE);
	assert_int_equal(ev.pid, 42);
	assert_int_equal(ev.tid, 43);
	assert_int_equal(ev.time, time);
	assert_int_equal(ev.sample.period, period);
	assert_int_equal(ev.sample.ip, ip);
	assert_true(ev.sample.user_mode);
	assert_int_equal(ev.sample.nkchain, 3);
	assert_int_equal(ev.sample.kchain[0], 0xffffffff81000010ull);
	assert_int_equal(ev.sample.kchain[2], 0xffffffff81000030ull);
	assert_true(ev.sample.have_regs);
	/* DWARF order: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip */
	assert_int_equal(ev.sample.regs[0], 1000);	/* AX */
	assert_int_equal(ev.sample.regs[1], 1003);	/* DX */
	assert_int_equal(ev.sample.regs[3], 1001);	/* BX */
	assert_int_equal(ev.sample.regs[7], 1007);	/* SP */
	assert_int_equal(ev.sample.regs[8], 1012);	/* R8 */
	assert_int_equal(ev.sample.regs[15], 1019);	/* R15 */
	assert_int_equal(ev.sample.regs[16], 1008);	/* IP */
	assert_int_equal(ev.sample.stack_size, 48);	/* dyn_size, not size */
	assert_int_equal(ev.sample.stack[5], 5);

	/* truncated records are refused, not read past their end */
	for (i = (int)sizeof(h); i < (int)len; i += 8) {
		h.size = (uint16_t)i;
		memcpy(rec, &h, sizeof(h));
		if (sampler_decode(&cfg, NULL, rec, (size_t)i, &ev) == 0)
			fail_msg("a record truncated to %d bytes decoded", i);
	}
}

static void test_decode_mmap_and_lost(void **state UNUSED)
{
	struct sampler_config cfg = { .freq = 99 };
	struct perf_event_header h = { .type = PERF_RECORD_MMAP2 };
	uint8_t rec[512];
	size_t len = sizeof(h);
	uint32_t pidtid[2] = { 7, 7 }, prot[2] = { 5, 2 };
	uint64_t f[3] = { 0x555500001000ull, 0x2000, 0x1000 };
	uint8_t ids[24] = { 0 };
	char name[24] = "/usr/bin/hello";
	uint64_t trailer_time = 555, trailer_id = 9;
	struct sampler_event ev;

	put(rec, &len, pidtid, 8);
	put(rec, &len, f, 24);
	put(rec, &len, ids, 24);
	put(rec, &len, prot, 8);
	put(rec, &len, name, sizeof(name));
	put(rec, &len, pidtid, 8);
	put(rec, &len, &trailer_time, 8);
	put(rec, &len, &trailer_id, 8);
	h.size = (uint16_t)len;
	memcpy(rec, &h, sizeof(h));
	assert_int_equal(sampler_decode(&cfg, NULL, rec, len, &ev), 0);
	assert_int_equal(ev.type, SEV_MMAP);
	assert_int_equal(ev.mmap.start, 0x555500001000ull);
	assert_int_equal(ev.mmap.len, 0x2000);
	assert_int_equal(ev.mmap.pgoff, 0x1000);
	assert_string_equal(ev.mmap.filename, "/usr/bin/hello");
	assert_int_equal(ev.time, 555);

	{
		struct perf_event_header lh = { .type = PERF_RECORD_LOST };
		uint64_t body[2] = { 1, 17 };

		len = sizeof(lh);
		put(rec, &len, body, 16);
		put(rec, &len, pidtid, 8);
		put(rec, &len, &trailer_time, 8);
		put(rec, &len, &trailer_id, 8);
		lh.size = (uint16_t)len;
		memcpy(rec, &lh, sizeof(lh));
		assert_int_equal(sampler_decode(&cfg, NULL, rec, len, &ev), 0);
		assert_int_equal(ev.type, SEV_LOST);
		assert_int_equal(ev.lost.count, 17);
	}
}

static void test_kallsyms(void **state UNUSED)
{
	struct stacktree *t = stacktree_new();
	struct symbolizer *sy = symbolizer_new(t);
	const char *text = "ffffffff81000000 T _stext\n"
			   "ffffffff81000100 t do_thing\n"
			   "ffffffff81000200 D some_data\n"
			   "ffffffff81000300 T other_thing\n"
			   "ffffffffc0000000 t ext4_read\t[ext4]\n";
	int64_t a, b, c, d;

	assert_int_equal(symbolizer_load_kallsyms(sy, text), 4);
	a = symbolizer_kernel(sy, 0xffffffff81000150ull);
	b = symbolizer_kernel(sy, 0xffffffff81000120ull);
	c = symbolizer_kernel(sy, 0xffffffff81000250ull);	/* data is skipped */
	d = symbolizer_kernel(sy, 0xffffffffc0000010ull);
	assert_int_equal(a, b);		/* same function, one frame */
	assert_int_equal(a, c);		/* still do_thing: D symbols ignored */
	assert_int_not_equal(a, d);
	assert_int_not_equal(symbolizer_kernel(sy, 0xffffffff81000300ull), a);
	symbolizer_free(sy);
	stacktree_free(t);
}

/* kallsyms lines of any length (Rust and C++ names exceed 512 bytes): the
 * whole name is kept, so two names alike in their first 255 bytes differ */
static void test_kallsyms_long(void **state UNUSED)
{
	struct stacktree *t = stacktree_new();
	struct symbolizer *sy = symbolizer_new(t);
	struct strbuf sb = STRBUF_INIT;
	int i;

	for (i = 0; i < 2; i++) {
		strbuf_addf(&sb, "ffffffff8100%d000 T ", i);
		for (int k = 0; k < 700; k++)
			strbuf_adds(&sb, "x");
		strbuf_addf(&sb, "_%d\t[mod]\n", i);
	}
	assert_int_equal(symbolizer_load_kallsyms(sy, sb.buf), 2);
	assert_int_not_equal(symbolizer_kernel(sy, 0xffffffff81000010ull),
			     symbolizer_kernel(sy, 0xffffffff81001010ull));
	strbuf_release(&sb);
	symbolizer_free(sy);
	stacktree_free(t);
}

/* the one kallsyms line reader (symbol.c, and blocked.c's wait sites): no
 * length limit on names, modules apart, data symbols refused */
static void test_kallsyms_line(void **state UNUSED)
{
	struct strbuf sb = STRBUF_INIT;
	struct kallsyms_line kl;
	int k;

	strbuf_adds(&sb, "ffffffff81000000 t ");
	for (k = 0; k < 600; k++)
		strbuf_adds(&sb, "y");
	strbuf_adds(&sb, "\t[ext4]");
	assert_int_equal(kallsyms_parse_line(sb.buf, sb.len, &kl), 1);
	assert_true(kl.addr == 0xffffffff81000000ull);
	assert_int_equal(kl.namelen, 600);
	assert_int_equal(kl.modlen, 6);
	assert_memory_equal(kl.module, "[ext4]", 6);
	assert_int_equal(kallsyms_parse_line("ffffffff81000100 T schedule", 27, &kl), 1);
	assert_int_equal(kl.namelen, 8);
	assert_null(kl.module);
	/* only the first len bytes count */
	assert_int_equal(kallsyms_parse_line("ffffffff81000100 T schedule", 21, &kl), 1);
	assert_int_equal(kl.namelen, 2);
	assert_int_equal(kallsyms_parse_line("ffffffff81000200 D some_data", 28, &kl), 0);
	assert_int_equal(kallsyms_parse_line("0000000000000000 T zero", 23, &kl), 0);
	assert_int_equal(kallsyms_parse_line("ffffffff81000300 T", 18, &kl), 0);
	strbuf_release(&sb);
}

static void test_stacktree(void **state UNUSED)
{
	struct stacktree *t = stacktree_new();
	int64_t m = stacktree_module(t, "/bin/x", "abcd", "user");
	int64_t f1 = stacktree_frame(t, m, "main", "x.c", 10, false, 0x10);
	int64_t f2 = stacktree_frame(t, m, "work", "x.c", 20, false, 0x20);
	int64_t f2i = stacktree_frame(t, m, "work", "x.c", 20, true, 0x20);
	int64_t n1, n2, n3;

	assert_int_equal(m, 1);
	assert_int_equal(stacktree_module(t, "/bin/x", "abcd", "user"), m);
	assert_int_not_equal(stacktree_module(t, "/bin/x", "ef01", "user"), m);
	assert_int_equal(stacktree_frame(t, m, "main", "x.c", 10, false, 0x99), f1);
	assert_int_not_equal(f2, f2i);
	assert_int_not_equal(stacktree_frame(t, m, "main", "x.c", 11, false, 0x10), f1);
	/* two instances that demangle alike stay two frames; a linkage name
	 * equal to the readable one is no linkage name */
	assert_int_not_equal(stacktree_frame_linkage(t, m, "ns::f()", "_ZN2ns1fEv", NULL, 0,
						     false, 0),
			     stacktree_frame_linkage(t, m, "ns::f()", "_ZN2ns1fEv.cold", NULL, 0,
						     false, 0));
	assert_int_equal(stacktree_frame_linkage(t, m, "main", "main", "x.c", 10, false, 0), f1);
	n1 = stacktree_node(t, 0, f1);
	n2 = stacktree_node(t, n1, f2);
	n3 = stacktree_node(t, 0, f2);	/* same frame, other parent: other node */
	assert_int_equal(stacktree_node(t, n1, f2), n2);
	assert_int_not_equal(n2, n3);
	assert_int_equal(stacktree_node_count(t), 3);
	stacktree_free(t);
}

/* ---- unwinding this process's own stack, captured like a sample ---- */

struct captured {
	struct sampler_event ev;
	uint8_t stack[16384];
};

/* Copies the raw stack like the kernel does for a sample: across the
 * redzones AddressSanitizer puts between locals, so not instrumented. */
static __attribute__((noinline, noclone, no_sanitize_address)) void
copy_stack(uint8_t *dst, const volatile uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = src[i];
}

/* The end of the main thread's stack mapping, from /proc/self/maps. */
static uintptr_t stack_end(void)
{
	char line[512];
	uintptr_t lo, hi = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			break;
	if (f)
		fclose(f);
	return hi;
}

static __attribute__((noinline, noclone)) void capture(struct captured *c)
{
	uint64_t *r = c->ev.sample.regs;
	uint64_t sp, size;

	/* DWARF order: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 rip */
	__asm__ volatile("movq %%rbx, 24(%0)\n\t"
			 "movq %%rbp, 48(%0)\n\t"
			 "movq %%rsp, 56(%0)\n\t"
			 "movq %%r12, 96(%0)\n\t"
			 "movq %%r13, 104(%0)\n\t"
			 "movq %%r14, 112(%0)\n\t"
			 "movq %%r15, 120(%0)\n\t"
			 "leaq 0(%%rip), %%rax\n\t"
			 "movq %%rax, 128(%0)\n\t"
			 :
			 : "r"(r)
			 : "rax", "memory");
	sp = r[7];
	c->ev.type = SEV_SAMPLE;
	c->ev.pid = (uint32_t)getpid();
	c->ev.tid = (uint32_t)getpid();
	c->ev.sample.have_regs = true;
	c->ev.sample.ip = r[16];
	c->ev.sample.user_mode = true;
	/* like the kernel, copy at most up to the end of the stack */
	size = sizeof(c->stack) / 2;
	if (stack_end() && stack_end() - sp < size)
		size = stack_end() - sp;
	copy_stack(c->stack, (const volatile uint8_t *)(uintptr_t)sp, size);
	c->ev.sample.stack = c->stack;
	c->ev.sample.stack_size = size;
}

static __attribute__((noinline, noclone)) void level3(struct captured *c)
{
	capture(c);
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline, noclone)) void level2(struct captured *c)
{
	level3(c);
	__asm__ volatile("" ::: "memory");
}

static __attribute__((noinline, noclone)) void level1(struct captured *c)
{
	level2(c);
	__asm__ volatile("" ::: "memory");
}

static void test_unwind_self(void **state UNUSED)
{
	static struct captured c;
	struct unwinder *u = unwinder_new();
	struct stacktree *t = stacktree_new();
	struct symbolizer *sy = symbolizer_new(t);
	const char *want[] = { "capture", "level3", "level2", "level1", "main" };
	size_t found = 0;
	struct space *s;
	uint64_t pcs[64];
	bool complete;
	Dwfl *dwfl;
	int n, i;

	level1(&c);
	s = spaces_get(unwinder_spaces(u), getpid(), true);
	assert_int_equal(space_load_proc_maps(s), 0);
	n = unwinder_unwind(u, s, &c.ev, pcs, 64, &complete);
	assert_true(n >= 6);
	assert_true(complete);	/* CFI carried it to _start */
	dwfl = space_dwfl(s);
	assert_non_null(dwfl);
	/* the frames come out leaf first, in call order */
	for (i = 0; i < n; i++) {
		Dwfl_Module *mod = dwfl_addrmodule(dwfl, pcs[i]);
		const char *name = mod ? dwfl_module_addrname(mod, pcs[i]) : NULL;
		int64_t ids[8];

		assert_true(symbolizer_user(sy, s, pcs[i], ids, 8) >= 1);
		if (found < ARRAY_SIZE(want) && name && !strcmp(name, want[found]))
			found++;
	}
	assert_int_equal(found, ARRAY_SIZE(want));
	/* each distinct pc was interned once: re-symbolizing adds no frame */
	{
		size_t frames = stacktree_frame_count(t);
		int64_t ids[8];

		for (i = 0; i < n; i++)
			symbolizer_user(sy, s, pcs[i], ids, 8);
		assert_int_equal(stacktree_frame_count(t), frames);
	}
	symbolizer_free(sy);
	stacktree_free(t);
	unwinder_free(u);
}

static void test_tracefs_format(void **state UNUSED)
{
	const char *text =
		"name: sched_switch\nID: 372\nformat:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		"\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
		"\tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;\n"
		"\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;\n";
	struct tracepoint tp;

	assert_int_equal(tracefs_parse_format(text, &tp), 4);
	assert_int_equal(tracepoint_field(&tp, "prev_state"), 32);
	assert_int_equal(tracepoint_field(&tp, "prev_comm"), 8);
	assert_int_equal(tracepoint_field(&tp, "args"), 16);
	assert_int_equal(tracepoint_field(&tp, "next_pid"), -1);
}

static void test_syscall_table(void **state UNUSED)
{
	int fd_arg = -1;

	assert_string_equal(syscall_name(0), "read");
	assert_string_equal(syscall_name(syscall_number("fsync")), "fsync");
	assert_null(syscall_name(-1));
	assert_null(syscall_name(100000));
	assert_int_equal(syscall_fd_io(syscall_number("write"), &fd_arg), FD_IO_WRITE);
	assert_int_equal(fd_arg, 0);
	assert_int_equal(syscall_fd_io(syscall_number("getpid"), &fd_arg), FD_IO_NONE);
	assert_true(syscall_returns_fd(syscall_number("openat")));
	assert_false(syscall_returns_fd(syscall_number("futex")));
}

static void collect_interval(void *arg, const struct wait_interval *iv)
{
	struct wait_interval *out = arg;

	*out = *iv;
}

static void test_waits_pairing(void **state UNUSED)
{
	struct waits *w = waits_new();
	struct wait_interval iv;
	uint64_t args[6] = { 0 };

	/* blocked at 1000 in node 5, back at 6000: one blocked interval */
	waits_switch_out(w, 10, 11, 1000, 5, 1);
	assert_true(waits_switch_in(w, 11, 6000, 0, &iv));
	assert_int_equal(iv.kind, KIND_OFFCPU);
	assert_int_equal(iv.node, 5);
	assert_int_equal(iv.end - iv.start, 5000);
	/* a switch-in without a switch-out ends nothing... */
	assert_false(waits_switch_in(w, 11, 7000, 0, &iv));
	/* ...except for a thread first seen when attaching: off since then */
	assert_true(waits_switch_in(w, 12, 7000, 500, &iv));
	assert_int_equal(iv.start, 500);
	assert_int_equal(iv.node, 0);
	/* preempted (state 0) is the run queue, not a wait */
	waits_switch_out(w, 10, 11, 8000, 6, 0);
	assert_true(waits_switch_in(w, 11, 8100, 0, &iv));
	assert_int_equal(iv.kind, KIND_RUNQUEUE);
	/* still off at the end: closed there */
	waits_switch_out(w, 10, 11, 9000, 7, 2);
	memset(&iv, 0, sizeof(iv));
	waits_close_all(w, 9500, collect_interval, &iv);
	assert_int_equal(iv.start, 9000);
	assert_int_equal(iv.end, 9500);
	/* calls: an exit without its enter is ignored, a pair is counted */
	waits_sys_exit(w, 10, 11, 100, 0, 5);
	assert_int_equal(waits_syscalls(w), 0);
	waits_sys_enter(w, 10, 11, 200, syscall_number("getpid"), args);
	waits_sys_exit(w, 10, 11, 300, syscall_number("getpid"), 10);
	assert_int_equal(waits_syscalls(w), 1);
	waits_free(w);
}

static void test_waits_buckets(void **state UNUSED)
{
	uint64_t ns;

	assert_int_equal(waits_bucket(0), 0);
	assert_int_equal(waits_bucket(1), 0);
	assert_int_equal(waits_bucket(2), WAITS_BUCKETS_PER_OCTAVE);
	for (ns = 3; ns < 10000000000ull; ns = ns * 3 + 1) {
		int b = waits_bucket(ns);
		double mid = waits_bucket_ns(b);

		/* a bucket's middle is within 4.5% of every value in it */
		assert_true(mid > (double)ns * 0.955 && mid < (double)ns * 1.046);
		assert_int_equal(waits_bucket(ns * 2), b + WAITS_BUCKETS_PER_OCTAVE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hashmap),
		cmocka_unit_test(test_decode_sample),
		cmocka_unit_test(test_decode_mmap_and_lost),
		cmocka_unit_test(test_kallsyms),
		cmocka_unit_test(test_kallsyms_long),
		cmocka_unit_test(test_kallsyms_line),
		cmocka_unit_test(test_stacktree),
		cmocka_unit_test(test_unwind_self),
		cmocka_unit_test(test_tracefs_format),
		cmocka_unit_test(test_syscall_table),
		cmocka_unit_test(test_waits_pairing),
		cmocka_unit_test(test_waits_buckets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
