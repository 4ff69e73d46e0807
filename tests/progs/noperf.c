/* noperf.c - runs a command where perf_event_open is blocked, the way a
 * container's seccomp profile blocks it (Docker's default does)
 *
 * usage: noperf ERRNO COMMAND [ARGS...]   (ERRNO: ENOSYS or EPERM)
 *
 * Installs a seccomp filter that fails perf_event_open(2) with ERRNO and
 * allows everything else, then execs COMMAND.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int err;

	if (argc < 3 || (strcmp(argv[1], "ENOSYS") && strcmp(argv[1], "EPERM"))) {
		fprintf(stderr, "usage: noperf ENOSYS|EPERM COMMAND [ARGS...]\n");
		return 2;
	}
	err = strcmp(argv[1], "ENOSYS") ? EPERM : ENOSYS;
	{
		struct sock_filter filter[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_perf_event_open, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = { sizeof(filter) / sizeof(filter[0]), filter };

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
			perror("seccomp");
			return 1;
		}
	}
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
