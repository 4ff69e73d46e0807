/* test-pcinfo.c - pcinfo_fde_range() on this test's own executable: the
 * FDE around an address of a function starts at that function and holds
 * all of it; addresses outside any FDE are refused */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pcinfo.h"
#include "util.h"

static Elf *self_elf;
static int self_fd = -1;
static uint64_t self_bias;

/* two functions with their own FDEs, long enough to have an inside */
static __attribute__((noinline)) uint64_t fde_target_a(uint64_t x)
{
	int i;

	for (i = 0; i < 64; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		__asm__ __volatile__("" : "+r"(x));
	}
	return x;
}

static __attribute__((noinline)) uint64_t fde_target_b(uint64_t x)
{
	int i;

	for (i = 0; i < 32; i++) {
		x *= 0x2545f4914f6cdd1dULL;
		__asm__ __volatile__("" : "+r"(x));
	}
	return x + fde_target_a(x);
}

static int first_object(struct dl_phdr_info *info, size_t size UNUSED, void *arg)
{
	*(uint64_t *)arg = info->dlpi_addr;
	return 1;	/* the first one is the executable */
}

static int setup(void **state UNUSED)
{
	elf_version(EV_CURRENT);
	self_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self_fd < 0)
		return -1;
	self_elf = elf_begin(self_fd, ELF_C_READ_MMAP, NULL);
	dl_iterate_phdr(first_object, &self_bias);
	return self_elf ? 0 : -1;
}

static int teardown(void **state UNUSED)
{
	elf_end(self_elf);
	close(self_fd);
	return 0;
}

static void expect_function(uint64_t (*fn)(uint64_t))
{
	uint64_t at = (uint64_t)(uintptr_t)fn - self_bias, start, end, s2, e2;

	assert_int_equal(pcinfo_fde_range(self_elf, at, &start, &end), 0);
	assert_int_equal(start, at);
	assert_true(end > start + 8);
	/* an address inside it and the last one: the same FDE */
	assert_int_equal(pcinfo_fde_range(self_elf, at + 5, &s2, &e2), 0);
	assert_int_equal(s2, start);
	assert_int_equal(e2, end);
	assert_int_equal(pcinfo_fde_range(self_elf, end - 1, &s2, &e2), 0);
	assert_int_equal(s2, start);
	/* the next FDE, if any, is another one */
	if (pcinfo_fde_range(self_elf, end, &s2, &e2) == 0)
		assert_true(s2 >= end);
}

static void test_fde_of_functions(void **state UNUSED)
{
	assert_int_not_equal(fde_target_b(3), 0);
	expect_function(fde_target_a);
	expect_function(fde_target_b);
}

static void test_fde_outside(void **state UNUSED)
{
	uint64_t start, end;

	/* the ELF header is in no FDE */
	assert_int_equal(pcinfo_fde_range(self_elf, 0, &start, &end), -ENOENT);
	assert_int_equal(pcinfo_fde_range(self_elf, UINT64_MAX - 16, &start, &end), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fde_of_functions),
		cmocka_unit_test(test_fde_outside),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
