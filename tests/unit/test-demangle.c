/* test-demangle.c - demangle_name(), the matching rule, demangle_short() */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "demangle.h"
#include "util.h"

#define MIX_FULL \
	"crunch::Hasher<unsigned long>::mix(std::vector<unsigned long, " \
	"std::allocator<unsigned long> > const&)"

static void expect_demangled(const char *mangled, const char *readable)
{
	char *s = demangle_name(mangled);

	if (!readable) {
		assert_null(s);
		return;
	}
	assert_non_null(s);
	assert_string_equal(s, readable);
	free(s);
}

static void test_demangle_cxx(void **state UNUSED)
{
	expect_demangled("_ZN6crunch6HasherImE3mixERKSt6vectorImSaImEE", MIX_FULL);
	/* a lambda's call operator */
	expect_demangled("_ZZ4mainENKUlvE_clEv", "main::{lambda()#1}::operator()() const");
	/* return types of template instances are dropped */
	expect_demangled("_Z3fooIiEvT_", "foo<int>(int)");
	/* clone suffixes stay, so a .cold part is not its function */
	expect_demangled("_Z3barv.cold", "bar() [clone .cold]");
	expect_demangled("_ZN2ns3Acc4stepEi", "ns::Acc::step(int)");
}

static void test_demangle_rust(void **state UNUSED)
{
	/* legacy: the hash segment is not shown */
	expect_demangled("_ZN4core3fmt9Formatter3pad17h0123456789abcdefE",
			 "core::fmt::Formatter::pad");
	expect_demangled("_ZN7mycrate6Hasher3mix17h5a1b2c3d4e5f6789E", "mycrate::Hasher::mix");
	/* v0 */
	expect_demangled("_RNvCs1234_7mycrate4main", "mycrate::main");
	expect_demangled("_RNvMCs1234_7mycrateNtB2_6Hasher3mix", "<mycrate::Hasher>::mix");
}

static void test_demangle_not_mangled(void **state UNUSED)
{
	expect_demangled("main", NULL);
	expect_demangled("_start", NULL);
	expect_demangled("__libc_start_main", NULL);
	expect_demangled("split+0xa84", NULL);
	expect_demangled("", NULL);
	expect_demangled(NULL, NULL);
	/* looks mangled, is not */
	expect_demangled("_ZN3foo", NULL);
	expect_demangled("_Z", NULL);
	expect_demangled("_R", NULL);
}

static void test_match_params(void **state UNUSED)
{
	/* with or without the parameter list */
	assert_true(demangle_match("crunch::Hasher<unsigned long>::mix", MIX_FULL));
	assert_true(demangle_match(MIX_FULL, MIX_FULL));
	/* default template arguments of parameter types need not be typed */
	assert_true(demangle_match(
		"crunch::Hasher<unsigned long>::mix(std::vector<unsigned long> const&)", MIX_FULL));
	/* white space between punctuation is not compared */
	assert_true(demangle_match(
		"crunch::Hasher<unsigned long>::mix(std::vector<unsigned long,"
		"std::allocator<unsigned long>>const &)", MIX_FULL));
	/* a name without parameters matches a pattern with them */
	assert_true(demangle_match("ns::Acc::step(int)", "ns::Acc::step"));
	assert_true(demangle_match("ns::Acc::step", "ns::Acc::step(int)"));
}

static void test_match_rejects(void **state UNUSED)
{
	/* other template arguments of the class are compared */
	assert_false(demangle_match("crunch::Hasher<int>::mix", MIX_FULL));
	/* other parameter types */
	assert_false(demangle_match("crunch::Hasher<unsigned long>::mix(int)", MIX_FULL));
	assert_false(demangle_match("ns::Acc::step(int)", "ns::Acc::step(long)"));
	/* a prefix or a suffix is not the name */
	assert_false(demangle_match("crunch::Hasher<unsigned long>::mi", MIX_FULL));
	assert_false(demangle_match("mix", MIX_FULL));
	assert_false(demangle_match("step", "ns::Acc::step(int)"));
	assert_false(demangle_match("leaf_6", "leaf_60"));
	assert_false(demangle_match("", "main"));
	assert_false(demangle_match(NULL, "main"));
	/* identifiers must stay apart: unsigned long is not unsignedlong */
	assert_false(demangle_match("f(unsignedlong)", "f(unsigned long)"));
}

static void test_match_qualifiers_and_operators(void **state UNUSED)
{
	assert_true(demangle_match("main", "main"));
	assert_true(demangle_match("main::{lambda()#1}::operator()",
				   "main::{lambda()#1}::operator()() const"));
	assert_true(demangle_match("main::{lambda()#1}::operator()()",
				   "main::{lambda()#1}::operator()() const"));
	assert_true(demangle_match("bar", "bar() [clone .cold]"));
	assert_true(demangle_match("bar()", "bar() [clone .isra.0] [clone .cold]"));
	assert_true(demangle_match("S::get", "S::get() const &&"));
	assert_false(demangle_match("main::{lambda()#1}::operator", "main::{lambda()#1}::operator()() const"));
	assert_true(demangle_match("std::operator<<", "std::operator<<(std::ostream&, char const*)"));
	assert_true(demangle_match("(anonymous namespace)::work",
				   "(anonymous namespace)::work(int)"));
}

static void test_base_len(void **state UNUSED)
{
	long params;

	assert_int_equal(demangle_base_len("main", &params), 4);
	assert_int_equal(params, -1);
	assert_int_equal(demangle_base_len("f(int) const", &params), 1);
	assert_int_equal(params, 1);
	assert_int_equal(demangle_base_len("X::operator()", &params), 13);
	assert_int_equal(params, -1);
	assert_int_equal(demangle_base_len("X::operator()(int)", &params), 13);
	assert_int_equal(params, 13);
	assert_int_equal(demangle_base_len("(f)", &params), 3);
	assert_int_equal(params, -1);
}

static void expect_short(const char *name, const char *s)
{
	char *got = demangle_short(name, "\xe2\x80\xa6");

	assert_string_equal(got, s);
	free(got);
}

static void test_short(void **state UNUSED)
{
	expect_short(MIX_FULL, "crunch::Hasher<\xe2\x80\xa6>::mix");
	expect_short("main", "main");
	expect_short("ns::Acc::step(int)", "ns::Acc::step");
	expect_short("main::{lambda(int)#1}::operator()(int) const",
		     "main::{lambda(int)#1}::operator()");
	expect_short("std::operator<< <std::char_traits<char> >(std::ostream&, char const*)",
		     "std::operator<< <\xe2\x80\xa6>");
	expect_short("a<b<c>, d>::e<f>::g", "a<\xe2\x80\xa6>::e<\xe2\x80\xa6>::g");
	expect_short("<alloc::vec::Vec<u8> as core::ops::drop::Drop>::drop",
		     "<alloc::vec::Vec<\xe2\x80\xa6> as core::ops::drop::Drop>::drop");
	expect_short("core::ptr::drop_in_place::<alloc::vec::Vec<u8>>",
		     "core::ptr::drop_in_place::<\xe2\x80\xa6>");
	expect_short("(anonymous namespace)::work(int)", "(anonymous namespace)::work");
	expect_short("bar() [clone .cold]", "bar");
	expect_short("X::operator->() const", "X::operator->");
	/* unbalanced input from a recording: no overrun */
	expect_short("a<b", "a<\xe2\x80\xa6>");
	expect_short("a{b", "a{b");
	expect_short("", "");
	/* a Rust impl block as a path segment keeps its type */
	expect_short("hashbrown::rustc_entry::<impl hashbrown::map::HashMap<K,V,S,A>>::rustc_entry",
		     "hashbrown::rustc_entry::<impl hashbrown::map::HashMap<\xe2\x80\xa6>>::rustc_entry");
	{
		char *got = demangle_short(MIX_FULL, "...");	/* report's ASCII */

		assert_string_equal(got, "crunch::Hasher<...>::mix");
		free(got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demangle_cxx),
		cmocka_unit_test(test_demangle_rust),
		cmocka_unit_test(test_demangle_not_mangled),
		cmocka_unit_test(test_match_params),
		cmocka_unit_test(test_match_rejects),
		cmocka_unit_test(test_match_qualifiers_and_operators),
		cmocka_unit_test(test_base_len),
		cmocka_unit_test(test_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
