/* json.h - a small streaming JSON writer for machine-readable output, and
 * the XML text escaper
 *
 * Writes pretty-printed JSON (two-space indent, one member per line) to a
 * FILE. Strings are escaped so that the output is valid JSON whatever bytes
 * they hold: '"' and '\' are escaped, control characters (C0, DEL and C1)
 * become \u00XX, and bytes that are not valid UTF-8 become U+FFFD. Numbers
 * are written plainly; a non-finite double becomes null.
 *
 * Inside an object every value call takes the member's key; inside an array
 * (or at top level) key must be NULL. Nesting is limited to JSON_MAX_DEPTH.
 */
#ifndef HOTSTACK_JSON_H
#define HOTSTACK_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH + 1];	/* no member written yet at this depth */
};

void json_init(struct json *j, FILE *f);
/* Ends the document with a newline. */
void json_finish(struct json *j);

void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);

/* s == NULL writes null. */
void json_string(struct json *j, const char *key, const char *s);
void json_int(struct json *j, const char *key, int64_t v);
void json_uint(struct json *j, const char *key, uint64_t v);
/* Written with the given number of decimals ("%.*f"). */
void json_double(struct json *j, const char *key, double v, int decimals);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);

/* Write s as a quoted, escaped JSON string (no key, no separator). */
void json_write_string(FILE *f, const char *s);

/*
 * The one XML escaper (SVG, JUnit): writes s safe for element content and
 * attribute values alike. Control characters (C0, DEL, C1) and bytes that
 * are not UTF-8 become the text "\xNN", as sanitize() shows them (XML 1.0
 * cannot carry most of them even as character references); & < > " ' become
 * entities. s == NULL writes nothing.
 */
void xml_write_text(FILE *f, const char *s);

#endif
