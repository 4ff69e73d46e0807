/* test-ptrace.c - ptrace captures on forked children: the child runs on,
 * its exit status is never stolen, a signal caught at the stop is
 * re-delivered, and the copies unwind with libunwind and libdw */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "pcinfo.h"
#include "procfs.h"
#include "ptrace.h"
#include "unwind.h"
#include "util.h"

static volatile long *shared;	/* [0]: loops, [1]: signals handled */
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

	sigqueue(tid, SIGRTMIN, v);
	usleep(2000);
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
		cmocka_unit_test_teardown(test_explain, end_child),
	};

	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
