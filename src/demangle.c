/* demangle.c - readable function names, the matching rule, short forms */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libiberty/demangle.h>
#undef ARRAY_SIZE	/* libiberty.h has its own */

#include "demangle.h"
#include "util.h"

char *demangle_name(const char *name)
{
	/* C++ and Rust legacy start with _Z, Rust v0 with _R: anything else
	 * (C names, names already readable) is left alone, which also keeps
	 * libiberty's other styles (Java, GNAT, D) from reading C names */
	if (!name || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R'))
		return NULL;
	return cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_RET_DROP | DMGL_AUTO);
}

static bool is_ident(char ch)
{
	unsigned char c = (unsigned char)ch;

	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/* s[0..len) ends with word (as a whole word, preceded by a non-identifier
 * character or the start) */
static bool ends_with_word(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && !memcmp(s + len - n, word, n) && (len == n || !is_ident(s[len - n - 1]));
}

struct split {
	size_t base;		/* length of the base */
	long params;		/* offset of '(' or -1 */
	size_t params_end;	/* offset just after the matching ')' */
};

static const char *const qualifiers[] = { "const", "volatile", "&&", "&", "noexcept" };

/* The base, parameter list and end of a name (see demangle_base_len) */
static struct split split_name(const char *name)
{
	struct split sp = { 0, -1, 0 };
	size_t end = strlen(name), i;
	bool again = true;
	int depth;

	/* clone suffixes: " [clone .cold]", " [clone .isra.0] [clone .cold]" */
	while (end > 0 && name[end - 1] == ']') {
		const char *c = NULL, *p;

		for (p = name; (p = strstr(p, " [clone ")) && (size_t)(p - name) < end; p++)
			c = p;
		if (!c)
			break;
		end = (size_t)(c - name);
	}
	sp.base = end;
	/* trailing qualifiers of a method: "f() const &" */
	while (again) {
		again = false;
		while (end > 0 && name[end - 1] == ' ')
			end--;
		for (i = 0; i < ARRAY_SIZE(qualifiers); i++) {
			size_t n = strlen(qualifiers[i]);

			if (end > n && !memcmp(name + end - n, qualifiers[i], n) &&
			    (qualifiers[i][0] == '&' || !is_ident(name[end - n - 1]))) {
				end -= n;
				again = true;
				break;
			}
		}
	}
	if (end == 0 || name[end - 1] != ')')
		return sp;
	depth = 0;
	for (i = end; i > 0; i--) {
		if (name[i - 1] == ')')
			depth++;
		else if (name[i - 1] == '(' && --depth == 0)
			break;
	}
	/* no matching '(', or one that starts the name: not a parameter list;
	 * "Foo::operator()" without parameters: the parentheses are the name */
	if (i <= 1 || ends_with_word(name, i - 1, "operator"))
		return sp;
	sp.base = i - 1;
	sp.params = (long)(i - 1);
	sp.params_end = end;
	return sp;
}

size_t demangle_base_len(const char *name, long *params)
{
	struct split sp = split_name(name);

	if (params)
		*params = sp.params;
	return sp.base;
}

/* s[0..len) with white space kept only between two identifier characters
 * and, with elide, the contents of every <...> removed ("<>" stays) */
static char *normalize(const char *s, size_t len, bool elide)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int depth = 0;

	strbuf_add(&sb, "", 0);
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (elide && c == '<') {
			if (depth++ == 0)
				strbuf_add(&sb, "<", 1);
			continue;
		}
		if (elide && c == '>' && depth > 0) {
			if (--depth == 0)
				strbuf_add(&sb, ">", 1);
			continue;
		}
		if (depth > 0)
			continue;
		if (isspace((unsigned char)c)) {
			while (i + 1 < len && isspace((unsigned char)s[i + 1]))
				i++;
			if (sb.len && is_ident(sb.buf[sb.len - 1]) && i + 1 < len && is_ident(s[i + 1]))
				strbuf_add(&sb, " ", 1);
			continue;
		}
		strbuf_add(&sb, &c, 1);
	}
	return sb.buf;
}

static bool same(const char *a, size_t alen, const char *b, size_t blen, bool elide)
{
	char *x = normalize(a, alen, elide), *y = normalize(b, blen, elide);
	bool eq = !strcmp(x, y);

	free(x);
	free(y);
	return eq;
}

bool demangle_match(const char *pattern, const char *name)
{
	struct split p, n;

	if (!pattern || !name)
		return false;
	if (!strcmp(pattern, name))
		return true;
	p = split_name(pattern);
	n = split_name(name);
	if (!same(pattern, p.base, name, n.base, false))
		return false;
	if (p.params < 0 || n.params < 0)
		return true;
	return same(pattern + p.params, p.params_end - (size_t)p.params, name + n.params,
		    n.params_end - (size_t)n.params, true);
}

/* Copies the bracketed group that starts at s[*i] (open/close) verbatim */
static void copy_group(struct strbuf *sb, const char *s, size_t len, size_t *i, char open,
		       char close)
{
	int depth = 0;

	for (; *i < len; (*i)++) {
		strbuf_add(sb, &s[*i], 1);
		if (s[*i] == open)
			depth++;
		else if (s[*i] == close && --depth == 0)
			return;
	}
}

char *demangle_short(const char *name, const char *ellipsis)
{
	struct strbuf sb = STRBUF_INIT;
	struct split sp = split_name(name);
	size_t len = sp.base, i;

	strbuf_add(&sb, "", 0);
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (c == 'r' && ends_with_word(name, i + 1, "operator")) {
			/* "operator<<", "operator()", "operator->": the symbol
			 * is the name, not a bracket */
			strbuf_add(&sb, &c, 1);
			while (i + 1 < len && strchr("<>=!+-*/%&|^~[](),", name[i + 1]))
				strbuf_add(&sb, &name[++i], 1);
			continue;
		}
		if (c == '{') {
			copy_group(&sb, name, len, &i, '{', '}');
			continue;
		}
		if (c == '(') {
			copy_group(&sb, name, len, &i, '(', ')');
			continue;
		}
		/* '<' opening a name's template or generic arguments: elided.
		 * At the start of a path (Rust "<T as Trait>::f") or of an
		 * impl block ("mod::<impl X>::f") it is kept, and so is its
		 * '>'; a turbofish ("f::<T>") is elided */
		if (c == '<' && i > 0 && name[i - 1] != '<' && name[i - 1] != '(' &&
		    !(name[i - 1] == ' ' && i > 1 && name[i - 2] == ',') &&
		    strncmp(name + i, "<impl ", 6)) {
			int depth = 0;

			for (; i < len; i++) {
				if (name[i] == '<')
					depth++;
				else if (name[i] == '>' && --depth == 0)
					break;
			}
			strbuf_adds(&sb, "<");
			strbuf_adds(&sb, ellipsis);
			strbuf_adds(&sb, ">");
			continue;
		}
		strbuf_add(&sb, &c, 1);
	}
	return sb.buf;
}

const char *demangle_table_name(const char *name, size_t width, char *buf, size_t size)
{
	char *s;

	if (text_width(sanitize(buf, size, name)) <= width)
		return buf;
	s = demangle_short(name, "...");
	sanitize(buf, size, s);
	free(s);
	return buf;
}
