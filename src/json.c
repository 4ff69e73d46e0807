/* json.c - a small streaming JSON writer, and the XML text escaper
 * (escaping rules in json.h) */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "json.h"
#include "util.h"

void json_write_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	putc('"', f);
	while (*s) {
		size_t n;

		if (*s == '"' || *s == '\\') {
			putc('\\', f);
			putc(*s++, f);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s++);
		} else if (*s < 0x80) {
			putc(*s++, f);
		} else if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] < 0xa0) {
			fprintf(f, "\\u%04x", s[1]);	/* C1 control */
			s += 2;
		} else if (!(n = utf8_len(s))) {
			fputs("\\ufffd", f);
			s++;
		} else {
			fwrite(s, 1, n, f);
			s += n;
		}
	}
	putc('"', f);
}

void xml_write_text(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	while (*s) {
		size_t n = utf8_len(s);

		if (*s < 0x20 || *s == 0x7f || !n) {
			fprintf(f, "\\x%02x", *s++);	/* as sanitize() shows it */
			continue;
		}
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		default:
			fwrite(s, 1, n, f);
		}
		s += n;
	}
}

static void indent(struct json *j)
{
	int i;

	putc('\n', j->f);
	for (i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Separator, newline and key before a value. */
static void member(struct json *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			putc(',', j->f);
		j->first[j->depth] = false;
		indent(j);
	}
	if (key) {
		json_write_string(j->f, key);
		fputs(": ", j->f);
	}
}

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

void json_finish(struct json *j)
{
	putc('\n', j->f);
}

static void open_block(struct json *j, const char *key, char c)
{
	member(j, key);
	putc(c, j->f);
	if (j->depth < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_block(struct json *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (!empty)
		indent(j);
	putc(c, j->f);
}

void json_object_begin(struct json *j, const char *key)
{
	open_block(j, key, '{');
}

void json_object_end(struct json *j)
{
	close_block(j, '}');
}

void json_array_begin(struct json *j, const char *key)
{
	open_block(j, key, '[');
}

void json_array_end(struct json *j)
{
	close_block(j, ']');
}

void json_string(struct json *j, const char *key, const char *s)
{
	member(j, key);
	if (s)
		json_write_string(j->f, s);
	else
		fputs("null", j->f);
}

void json_int(struct json *j, const char *key, int64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void json_uint(struct json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void json_double(struct json *j, const char *key, double v, int decimals)
{
	member(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.*f", decimals, v);
	else
		fputs("null", j->f);
}

void json_bool(struct json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}
