/* test-source.c - a function's source lines with samples, the path remap,
 * and reading source files named by an untrusted recording
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "dbenv.h"
#include "source.h"
#include "util.h"

static int teardown(void **state)
{
	struct dbenv *e = *state;

	profile_free(e->priv);
	return dbenv_teardown(state);
}

static const struct profile *load(struct dbenv *e)
{
	struct profile *p;
	char *err = NULL;

	if (profile_load(dbenv_store(e), NULL, &p, &err))
		fail_msg("profile_load: %s", err);
	e->priv = p;
	return p;
}

static const struct source_line *line(const struct source_file *f, int n)
{
	size_t i;

	for (i = 0; i < f->nlines; i++)
		if (f->lines[i].line == n)
			return &f->lines[i];
	fail_msg("no line %d in %s", n, f->path);
	return NULL;
}

static void test_lines(void **state)
{
	struct dbenv *e = *state;
	const struct profile *p;
	struct source_lines *s;
	const struct source_file *f;

	/* parse.c:12 calls itself (recursion: counted once), :20 is hot */
	fixture_stack(e->fx, 1, 3, "main;parse:12;parse:12;hash");
	fixture_stack(e->fx, 1, 5, "main;parse:20");
	fixture_stack(e->fx, 1, 2, "main;parse:12;parse:20");
	fixture_stack(e->fx, 1, 4, "main;parse");	/* no line */
	fixture_stack(e->fx, 1, 7, "main;other:5");
	p = load(e);
	s = source_lines(p, profile_find_func(p, "parse", NULL));
	assert_int_equal(s->nfiles, 1);
	f = &s->files[0];
	assert_string_equal(f->path, "parse.c");
	assert_int_equal(f->nlines, 2);
	assert_int_equal(f->lines[0].line, 12);	/* in line order */
	assert_int_equal(f->lines[1].line, 20);
	assert_int_equal(line(f, 12)->self.count, 0);
	assert_int_equal(line(f, 12)->total.count, 5);
	assert_int_equal(line(f, 20)->self.count, 7);
	assert_int_equal(line(f, 20)->total.count, 7);
	assert_int_equal(line(f, 20)->self.weight_ns, 7000000);
	assert_int_equal(f->self.count, 7);
	assert_int_equal(f->max_total, 7);
	assert_int_equal(s->no_line.count, 4);
	source_lines_free(s);

	s = source_lines(p, profile_find_func(p, "main", NULL));
	assert_int_equal(s->nfiles, 0);
	assert_int_equal(s->no_line.count, 0);
	source_lines_free(s);
}

static void test_remap_parse(void **state UNUSED)
{
	struct source_remap r[3];
	char *s;

	assert_int_equal(source_remap_parse("noequals", &r[0]), -EINVAL);
	assert_int_equal(source_remap_parse("=/x", &r[0]), -EINVAL);
	assert_int_equal(source_remap_parse("/build/src/=/home/me/src", &r[0]), 0);
	assert_string_equal(r[0].from, "/build/src");
	assert_int_equal(source_remap_parse("/build=/opt", &r[1]), 0);
	assert_int_equal(source_remap_parse("/=/chroot/", &r[2]), 0);

	s = source_remap_path(r, 2, "/build/src/a/b.c");
	assert_string_equal(s, "/home/me/src/a/b.c");	/* first rule wins */
	free(s);
	s = source_remap_path(r, 2, "/build/other.c");
	assert_string_equal(s, "/opt/other.c");
	free(s);
	assert_null(source_remap_path(r, 2, "/buildx/a.c"));	/* whole directories */
	assert_null(source_remap_path(r, 2, "/usr/src/a.c"));
	s = source_remap_path(r, 3, "/usr/src/a.c");
	assert_string_equal(s, "/chroot/usr/src/a.c");
	free(s);
	source_remap_release(&r[0]);
	source_remap_release(&r[1]);
	source_remap_release(&r[2]);
}

static char *write_file(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_open_remapped(void **state)
{
	struct dbenv *e = *state;
	struct source_remap r[2];
	struct source_text *t;
	char *path, *err = NULL, *dir = xasprintf("%s/src", e->dir), *rule;
	const char *l;
	size_t len;

	assert_int_equal(mkdir(dir, 0755), 0);
	path = write_file(dir, "a.c", "int main(void)\r\n{\n\treturn 0;\n}");
	rule = xasprintf("/build/src=%s", dir);
	assert_int_equal(source_remap_parse("/nowhere=/nothing", &r[0]), 0);
	assert_int_equal(source_remap_parse(rule, &r[1]), 0);

	/* not found where it was built: the message points to the remap */
	assert_int_equal(source_open("/build/src/a.c", NULL, 0, &t, &err), -ENOENT);
	assert_null(t);
	assert_non_null(strstr(err, "--source-path"));
	free(err);

	assert_int_equal(source_open("/build/src/a.c", r, 2, &t, &err), 0);
	assert_string_equal(t->path, path);
	assert_int_equal(t->nlines, 4);
	l = source_text_line(t, 1, &len);
	assert_int_equal(len, strlen("int main(void)"));
	assert_memory_equal(l, "int main(void)", len);
	l = source_text_line(t, 4, &len);
	assert_int_equal(len, 1);
	assert_int_equal(l[0], '}');
	assert_null(source_text_line(t, 5, &len));
	assert_null(source_text_line(t, 0, &len));
	source_text_free(t);

	/* the recorded path itself is the last candidate */
	assert_int_equal(source_open(path, r, 2, &t, &err), 0);
	source_text_free(t);
	source_remap_release(&r[0]);
	source_remap_release(&r[1]);
	free(rule);
	free(path);
	free(dir);
}

/* Opening must not block and must refuse what is not a regular file. */
static void test_refuse(void **state)
{
	struct dbenv *e = *state;
	char *fifo = xasprintf("%s/fifo", e->dir), *big = xasprintf("%s/big.c", e->dir);
	char *sock = xasprintf("%s/sock", e->dir), *err = NULL;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct source_text *t;
	int fd;

	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(source_open(fifo, NULL, 0, &t, &err), -EINVAL);	/* no writer: no hang */
	assert_non_null(strstr(err, "not a regular file"));
	free(err);
	assert_int_equal(source_open("/dev/null", NULL, 0, &t, &err), -EINVAL);
	free(err);
	assert_int_equal(source_open("/dev/zero", NULL, 0, &t, &err), -EINVAL);
	free(err);
	assert_int_equal(source_open(e->dir, NULL, 0, &t, &err), -EINVAL);
	free(err);
	assert_int_equal(source_open("/proc/self/status", NULL, 0, &t, &err), -EINVAL);
	free(err);

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (strlen(sock) < sizeof(sa.sun_path) && !bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		assert_true(source_open(sock, NULL, 0, &t, &err) < 0);
		free(err);
	}
	close(fd);

	fd = open(big, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)SOURCE_MAX_BYTES + 1), 0);
	close(fd);
	assert_int_equal(source_open(big, NULL, 0, &t, &err), -EFBIG);
	assert_null(t);
	free(err);
	assert_int_equal(source_open("", NULL, 0, &t, &err), -ENOENT);
	free(err);
	free(fifo);
	free(big);
	free(sock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lines, dbenv_setup, teardown),
		cmocka_unit_test(test_remap_parse),
		cmocka_unit_test_setup_teardown(test_open_remapped, dbenv_setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse, dbenv_setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
