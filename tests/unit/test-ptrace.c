/* test-ptrace.c - ptrace captures on forked children: the child runs on,
 * its exit status is never stolen, a signal caught at the stop is
 * re-delivered, and the copies unwind with libunwind and libdw; a child
 * asleep in read() is read without a stop (blocked.h) and never sees
 * EINTR; the waits of threads found asleep at an attach */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "blocked.h"
#include "pcinfo.h"
#include "procfs.h"
#include "ptrace.h"
#include "unwind.h"
#include "util.h"
#include "waits.h"

static volatile long *shared;	/* [0]: loops, [1]: signals handled,
				 * [2]: EINTR returns, [3]: bytes read */
static pid_t child;		/* killed by the teardown, also after a failure */

static __attribute__((noinline)) unsigned long spin_child_leaf(unsigned long x)
{
	int i;

	for (i = 0; i < 1000; i++)
		x = x * 6364136223846793005UL + 1;
	__asm__ __volatile__("" : : "r"(x));
	return x;
}

static __attribute__((noinline)) void spin_child(void)
{
	unsigned long x = 1;

	for (;;) {
		x = spin_child_leaf(x);
		shared[0]++;
	}
}

static void on_signal(int sig)
{
	(void)sig;
	shared[1]++;
}

static pid_t start_child(void)
{
	shared[0] = shared[1] = 0;
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		signal(SIGRTMIN, on_signal);
		spin_child();
	}
	while (shared[0] < 10)
		usleep(1000);
	return child;
}

static int end_child(void **state UNUSED)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	child = 0;
	return 0;
}

static struct ptrace_opts opts(void)
{
	struct ptrace_opts o;

	memset(&o, 0, sizeof(o));
	o.stack_max = 65536;
	o.whole_stack = true;
	o.hold_us = PTRACE_HOLD_ALL;
	o.timeout_ms = 1000;
	return o;
}

static void test_capture_resumes(void **state UNUSED)
{
	struct ptrace_opts o = opts();
	struct ptrace_thread th;
	struct ptrace_window w;
	pid_t pid = start_child();
	long before;
	int i, r;

	memset(&th, 0, sizeof(th));
	for (i = 0; i < 50; i++) {
		r = ptrace_capture(pid, &pid, 1, &o, &th, &w);
		assert_int_equal(r, 1);
		assert_int_equal(th.result, CAPTURE_OK);
		assert_true(th.stack_size > 0);
		assert_true(th.stop_ns > 0 && th.stop_ns < 1000000000ull);
		assert_true(w.window_ns >= th.stop_ns - th.stop_ns / 2);
		assert_true(th.regs[7] != 0 && th.regs[16] != 0);
	}
	before = shared[0];
	usleep(20000);
	assert_true(shared[0] > before);	/* runs on */
	assert_true(procfs_state(pid, 0) == 'R');
	ptrace_thread_release(&th);
}

static void test_exit_status_kept(void **state UNUSED)
{
	struct ptrace_opts o = opts();
	struct ptrace_thread th;
	struct ptrace_window w;
	pid_t pid = fork();
	int status = 0, r;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(42);
	usleep(50000);	/* a zombie now */
	memset(&th, 0, sizeof(th));
	r = ptrace_capture(pid, &pid, 1, &o, &th, &w);
	assert_true(r <= 0);
	assert_true(th.result == CAPTURE_ZOMBIE || th.result == CAPTURE_GONE);
	/* the exit status is still ours to collect */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 42);
	ptrace_thread_release(&th);
}

/* Queues a real-time signal (never merged, unlike SIGUSR1) to the seized
 * thread and lets it run into it: a signal-delivery stop, which the
 * capture must pass on to the thread when it detaches. */
static void signal_while_seized(pid_t tid)
{
	union sigval v = { 0 };

	int i;

	sigqueue(tid, SIGRTMIN, v);
	/* until it dequeued the signal and stopped there (a busy machine may
	 * not give it a CPU for a while) */
	for (i = 0; i < 200 && procfs_state(tid, 0) != 't'; i++)
		usleep(1000);
}

static void test_signal_redelivered(void **state UNUSED)
{
	struct ptrace_opts o = opts();
	struct ptrace_thread th;
	struct ptrace_window w;
	pid_t pid = start_child();
	int i, caught = 0, waited;

	memset(&th, 0, sizeof(th));
	ptrace_test_seized = signal_while_seized;
	for (i = 0; i < 20; i++) {
		assert_int_equal(ptrace_capture(pid, &pid, 1, &o, &th, &w), 1);
		caught += th.signal == SIGRTMIN;
	}
	ptrace_test_seized = NULL;
	for (waited = 0; shared[1] < 20 && waited < 2000; waited++)
		usleep(1000);
	print_message("%d of 20 signals caught at the stop; %ld handled\n", caught, shared[1]);
	assert_true(caught >= 18);
	assert_int_equal(shared[1], 20);
	ptrace_thread_release(&th);
}

static void test_unwind(void **state UNUSED)
{
	struct ptrace_opts o = opts();
	struct ptrace_thread th;
	struct ptrace_window w;
	pid_t pid = start_child();
	struct unwinder *u = unwinder_new();
	struct space *s = spaces_get(unwinder_spaces(u), pid, true);
	uint64_t pcs[256];
	int round, ok_libunwind = 0, ok_libdw = 0;

	memset(&th, 0, sizeof(th));
	space_load_proc_maps(s);
	for (round = 0; round < 20; round++) {
		struct ptrace_unwinder *pu = ptrace_unwinder_new(pid);
		struct sampler_event ev;
		bool complete, found;
		int n, i, k, m;
		struct pcinfo pi[PCINFO_MAX_INLINE + 1];

		assert_int_equal(ptrace_capture(pid, &pid, 1, &o, &th, &w), 1);
		n = ptrace_unwind_copy(pu, &th, pcs, 256, &complete);
		found = false;
		for (i = 0; i < n; i++) {
			m = pcinfo_lookup(s, pcs[i], pi, PCINFO_MAX_INLINE + 1);
			for (k = 0; k < m; k++) {
				found |= !strcmp(pi[k].function, "spin_child");
				pcinfo_release(&pi[k]);
			}
		}
		ok_libunwind += complete && found;
		ptrace_thread_event(&th, pid, 1, &ev);
		n = unwinder_unwind(u, s, &ev, pcs, 256, &complete);
		found = false;
		for (i = 0; i < n; i++) {
			m = pcinfo_lookup(s, pcs[i], pi, PCINFO_MAX_INLINE + 1);
			for (k = 0; k < m; k++) {
				found |= !strcmp(pi[k].function, "main");
				pcinfo_release(&pi[k]);
			}
		}
		ok_libdw += complete && found;
		ptrace_unwinder_free(pu);
	}
	print_message("complete stacks: libunwind %d/20, libdw %d/20\n", ok_libunwind, ok_libdw);
	assert_true(ok_libunwind >= 18);
	assert_true(ok_libdw >= 18);
	ptrace_thread_release(&th);
	unwinder_free(u);
}

static int sleeper_pipe[2];

static __attribute__((noinline)) void sleep_in_read(void)
{
	char c;

	for (;;) {
		ssize_t n = read(sleeper_pipe[0], &c, 1);

		if (n < 0 && errno == EINTR)
			shared[2]++;
		else if (n == 1)
			shared[3]++;
		else if (n == 0)
			_exit(0);
	}
}

/* A child asleep in read() on a pipe only the parent writes. */
static pid_t start_sleeper(void)
{
	assert_int_equal(pipe(sleeper_pipe), 0);
	shared[2] = shared[3] = 0;
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(sleeper_pipe[1]);
		sleep_in_read();
	}
	close(sleeper_pipe[0]);
	while (procfs_state(child, 0) != 'S')
		usleep(1000);
	usleep(10000);
	return child;
}

static void test_blocked_read(void **state UNUSED)
{
	struct ptrace_opts o = opts();
	struct ptrace_thread th;
	struct ptrace_window w;
	struct proc_syscall sc;
	struct proc_ranges maps;
	pid_t pid = start_sleeper();
	struct unwinder *u = unwinder_new();
	struct space *s = spaces_get(unwinder_spaces(u), pid, true);
	struct sampler_event ev;
	struct ptrace_unwinder *pu;
	uint64_t pcs[256];
	bool complete, found = false, rbp;
	int i, k, m, n;
	struct pcinfo pi[PCINFO_MAX_INLINE + 1];

	memset(&th, 0, sizeof(th));
	assert_int_equal(procfs_read_ranges(pid, &maps), 0);
	for (i = 0; i < 50; i++) {
		assert_int_equal(blocked_read(pid, pid, &maps, 65536, &th, &sc), 0);
		assert_int_equal(th.result, CAPTURE_OK);
		assert_true(th.unstopped);
		assert_int_equal(sc.nr, SYS_read);
		assert_int_equal(sc.args[0], (uint64_t)sleeper_pipe[0]);
		assert_true(th.regs[7] == sc.sp && th.regs[16] == sc.pc);
		assert_int_equal(th.regs[5], (uint64_t)sleeper_pipe[0]);	/* rdi */
		assert_true(th.stack_size > 0 && th.stack_size <= 65536);
		assert_true(th.stack_end > sc.sp);
	}
	procfs_ranges_release(&maps);
	/* the same through a capture with nostop: nothing is stopped */
	o.nostop = true;
	assert_int_equal(ptrace_capture(pid, &pid, 1, &o, &th, &w), 1);
	assert_true(th.unstopped && th.result == CAPTURE_OK);
	assert_int_equal(w.stopped, 0);
	assert_int_equal(w.unstopped, 1);
	/* the copy unwinds through the child's own function, whole: where
	 * this test is built with frame pointers (sanitizers), the rbp of the
	 * frames is found on the stack first */
	pu = ptrace_unwinder_new(pid);
	rbp = ptrace_guess_rbp(pu, &th);
	ptrace_unwinder_free(pu);
	space_load_proc_maps(s);
	ptrace_thread_event(&th, pid, 0, &ev);
	n = unwinder_unwind(u, s, &ev, pcs, 256, &complete);
	for (i = 0; i < n; i++) {
		m = pcinfo_lookup(s, pcs[i], pi, PCINFO_MAX_INLINE + 1);
		for (k = 0; k < m; k++) {
			found |= !strcmp(pi[k].function, "sleep_in_read");
			pcinfo_release(&pi[k]);
		}
	}
	print_message("unwound %d frames read asleep (%s%s)\n", n, complete ? "complete" : "incomplete",
		      rbp ? ", rbp found on the stack" : "");
	assert_true(n >= 1 && pcs[0] == sc.pc);
	assert_true(complete && found);
	/* it slept on undisturbed: one byte read, no EINTR */
	assert_int_equal(write(sleeper_pipe[1], "x", 1), 1);
	for (i = 0; shared[3] < 1 && i < 2000; i++)
		usleep(1000);
	assert_int_equal(shared[3], 1);
	assert_int_equal(shared[2], 0);
	close(sleeper_pipe[1]);
	ptrace_thread_release(&th);
	unwinder_free(u);
}

static void test_blocked_running(void **state UNUSED)
{
	struct ptrace_thread th;
	struct proc_syscall sc;
	pid_t pid = start_child();

	memset(&th, 0, sizeof(th));
	assert_int_equal(procfs_syscall(pid, pid, &sc), -EAGAIN);
	assert_int_equal(blocked_read(pid, pid, NULL, 4096, &th, NULL), -EAGAIN);
	assert_true(blocked_read(4194304, 4194304, NULL, 4096, &th, NULL) < 0);
	ptrace_thread_release(&th);
}

static void keep_interval(void *arg, const struct wait_interval *iv)
{
	struct wait_interval *out = arg;

	if (iv->tid == 12)
		*out = *iv;
}

static void test_waits_blocked(void **state UNUSED)
{
	struct waits *w = waits_new();
	struct wait_interval iv;

	/* read at 1500, woke at 3000: the whole wait in its stack */
	waits_blocked(w, 1, 10, 1000, 1500, 77);
	assert_true(waits_switch_in(w, 10, 3000, 1000, &iv));
	assert_true(iv.node == 77 && iv.start == 1000 && iv.end == 3000);
	assert_int_equal(iv.kind, KIND_OFFCPU);
	/* woke at 2000, before the read at 2500: the stack may be a later one */
	waits_blocked(w, 1, 11, 1000, 2500, 78);
	assert_true(waits_switch_in(w, 11, 2000, 1000, &iv));
	assert_true(iv.node == 0 && iv.start == 1000 && iv.end == 2000);
	/* its own switch-out replaces what was read */
	waits_blocked(w, 1, 13, 1000, 1100, 80);
	waits_switch_out(w, 1, 13, 1200, 81, 1);
	assert_true(waits_switch_in(w, 13, 1300, 1000, &iv));
	assert_true(iv.node == 81 && iv.start == 1200);
	/* asleep to the end */
	waits_blocked(w, 1, 12, 1000, 1500, 79);
	iv.node = 0;
	waits_close_all(w, 5000, keep_interval, &iv);
	assert_true(iv.node == 79 && iv.start == 1000 && iv.end == 5000);
	waits_free(w);
}

static void test_explain(void **state UNUSED)
{
	char *m = ptrace_explain(4194304, 0, -ESRCH);

	assert_non_null(strstr(m, "no process with pid 4194304"));
	free(m);
	m = ptrace_explain(2, 0, -EPERM);	/* kthreadd */
	assert_non_null(strstr(m, "kernel thread"));
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_capture_resumes, end_child),
		cmocka_unit_test_teardown(test_exit_status_kept, end_child),
		cmocka_unit_test_teardown(test_signal_redelivered, end_child),
		cmocka_unit_test_teardown(test_unwind, end_child),
		cmocka_unit_test_teardown(test_blocked_read, end_child),
		cmocka_unit_test_teardown(test_blocked_running, end_child),
		cmocka_unit_test(test_waits_blocked),
		cmocka_unit_test_teardown(test_explain, end_child),
	};

	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
