/* blocked.h - the stack of a thread asleep in the kernel, read without
 * stopping it
 *
 * A thread asleep in a system call (or in a page fault, or stopped) shows
 * the user stack pointer and pc it entered the kernel with in
 * /proc/PID/task/TID/syscall. Its user stack does not change while it
 * sleeps, so it can be copied with process_vm_readv and unwound like a
 * sample while the thread sleeps on: no ptrace stop, no signal, nothing the
 * target can see. (A ptrace stop makes a sleeping epoll_wait, select, poll
 * and others return EINTR in the target, see signal(7).)
 *
 * Consistency: the scheduler's count of the thread's turns on a CPU
 * (/proc/PID/task/TID/schedstat) is read before and after the copy, and
 * /proc/PID/task/TID/syscall again after it: if the thread ran during the
 * copy, or is not in the same call at the same sp and pc, the copy is
 * read again (three tries), then left to the caller to stop (-EAGAIN).
 *
 * Limits: only sp and pc are known, and in a system call the registers
 * that carry its number and arguments (rax, rdi, rsi, rdx, r10, r8, r9) and
 * rcx (the return pc). The callee-saved ones (rbx, rbp, r12-r15) are marked
 * unknown (ptrace_thread.regs_unknown): both unwinders leave them unset, so
 * a rule that needs one fails and the unwind ends there, marked
 * incomplete (never read from a guessed value). DWARF CFI needs
 * nothing more as long as each frame's CFA is computed from rsp (-O2 code
 * without frame pointers, glibc, start_thread, _start), or from a
 * callee-saved register that a deeper frame saved on the stack. A frame
 * whose CFA is rbp-based (code built with -fno-omit-frame-pointer, alloca
 * or variable-length arrays, realigned stacks) ends the stack when no
 * deeper frame saved rbp (e.g. such a function made the system call
 * itself or through a leaf wrapper that does not touch rbp).
 *
 * Library rule: functions return 0 or a negative errno and never exit.
 */
#ifndef HOTSTACK_BLOCKED_H
#define HOTSTACK_BLOCKED_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "procfs.h"
#include "ptrace.h"
#include "sampler.h"

/* bytes of stack copied at most (the used part of it: sp to the end of
 * its mapping) */
#define BLOCKED_STACK_MAX (1024 * 1024)
#define BLOCKED_MAX_KFRAMES 64
/* blocked_each() holds at most this many bytes of stack copies at once */
#define BLOCKED_EACH_MAX_BYTES (256u << 20)

/*
 * Reads thread tid of pid if it is not running. t gets sp (regs[7]) and pc
 * (regs[16]), the system call registers (see above), every other register
 * 0 and marked in regs_unknown, orig_rax the system call (or -1),
 * its stack from sp up to the end of the mapping holding sp in maps (at
 * most stack_max; stack_max if maps is NULL or does not hold sp), time,
 * result CAPTURE_OK and unstopped; stop times 0. *sc (if not NULL) gets
 * what /proc said. t->stack is reused and grown as by ptrace_capture.
 * Returns 0; -EAGAIN if the thread is running or ran during the copy (it
 * needs a stop); -ENOENT/-ESRCH if it is gone; another -errno if /proc
 * cannot be read (-EACCES: not permitted).
 */
int blocked_read(pid_t pid, pid_t tid, const struct proc_ranges *maps, size_t stack_max,
		 struct ptrace_thread *t, struct proc_syscall *sc);

/*
 * For the recorder, at an attach: calls cb once for every thread of pid
 * asleep in the kernel, with a SEV_SWITCH_OUT event (prev_state 1) that
 * holds its user stack as blocked_read() copies it and, with kernel, its
 * kernel stack from /proc/PID/task/TID/stack (root) as kernel addresses
 * (/proc/kallsyms), leaf first. ev->time is the end of the copy: a
 * switch-in of the thread stamped before it means the thread woke before
 * it was read. The event and its stack live until cb returns. Returns the
 * number of threads passed to cb, or -errno.
 */
int blocked_each(pid_t pid, bool kernel, void (*cb)(void *arg, const struct sampler_event *ev),
		 void *arg);

#endif
