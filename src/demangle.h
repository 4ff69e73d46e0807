/* demangle.h - readable function names: demangling of C++ and Rust
 * symbols, the one rule for matching a name someone typed, and a short
 * display form for long template names
 *
 * The recorder demangles once, when a frame is interned (symbol.c through
 * pcinfo.c), and stores the readable name as the frame's function with the
 * linkage name beside it; readers never demangle again. Every reader that
 * looks a function up by a name a user typed (report --callers/--callees
 * and the UI's search) goes through demangle_match(), so the rule is the
 * same everywhere; it is documented in hotstack-report(1). diff pairs the
 * stored readable names as they are.
 *
 * Demangling is libiberty's (cplus_demangle): C++ (Itanium ABI), Rust
 * legacy (_ZN...17h<hash>E, shown without the hash) and Rust v0 (_R...).
 * Its demangler sources carry a linking exception ("unlimited permission
 * to link the compiled version of this file into combinations with other
 * programs"), so the static libiberty.a adds no condition to hotstack's
 * own license, whether MIT or GPL-2.0-or-later.
 */
#ifndef HOTSTACK_DEMANGLE_H
#define HOTSTACK_DEMANGLE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The readable form of a linkage name, malloc'd, or NULL when name is not
 * a C++ or Rust mangled name (C functions, already readable names): then
 * name is its own readable form. C++ names keep their parameter lists and
 * drop return types ("ns::Acc::step(int)", "void f<int>(int)" becomes
 * "f<int>(int)"); clone suffixes stay (" [clone .cold]").
 */
char *demangle_name(const char *name);

/*
 * Whether a readable function name matches what a user typed (pattern).
 * The rule:
 *   - equal strings match;
 *   - a name matches with or without its parameter list: the part before
 *     the parameter list (the base) must be equal, and when both pattern
 *     and name have a parameter list, the lists must be equal too;
 *   - trailing qualifiers (" const", " &", " &&", " volatile", " noexcept")
 *     and clone suffixes (" [clone .cold]") are not compared;
 *   - white space is not compared where it separates punctuation
 *     ("Hasher<std::vector<int> >" is "Hasher<std::vector<int>>");
 *   - in a parameter list, the template arguments of the parameter types
 *     are not compared, so "mix(std::vector<unsigned long> const&)"
 *     matches "mix(std::vector<unsigned long, std::allocator<unsigned
 *     long> > const&)" (default template arguments are not typed).
 * So 'crunch::Hasher<unsigned long>::mix' and
 * 'crunch::Hasher<unsigned long>::mix(std::vector<unsigned long> const&)'
 * both find crunch::Hasher<unsigned long>::mix(std::vector<unsigned long,
 * std::allocator<unsigned long> > const&).
 */
bool demangle_match(const char *pattern, const char *name);

/*
 * A short form of a readable name for display only (never for matching):
 * template argument lists become "<" ellipsis ">" and the parameter list
 * and what follows it are dropped: "crunch::Hasher<…>::mix" (ellipsis "…";
 * "..." where the output is ASCII). Names with nothing to shorten are
 * returned as they are. Operators ("operator<<", "operator()") and
 * lambda/closure names ("{lambda(int)#1}") are kept. Returns a malloc'd
 * string. report and the UI show it for a name too wide for its column;
 * the full name stays in JSON, the exports and the UI's status line.
 */
char *demangle_short(const char *name, const char *ellipsis);

/* A function's name for a text table (report, diff): sanitized into buf,
 * and in its short form ("..." for the elided parts) when wider than
 * width columns. Returns buf. */
const char *demangle_table_name(const char *name, size_t width, char *buf, size_t size);

/* The length of name without its parameter list, trailing qualifiers and
 * clone suffixes (the base demangle_match compares); *params gets the
 * offset of the parameter list's '(' or -1 when there is none. Exposed
 * for the unit tests and for callers that print a base name. */
size_t demangle_base_len(const char *name, long *params);

#endif
