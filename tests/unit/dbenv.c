/* dbenv.c - one recording in a fresh temporary directory per test */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "dbenv.h"
#include "util.h"

int dbenv_setup(void **state)
{
	struct dbenv *e = xcalloc(1, sizeof(*e));

	e->dir = fixture_tmpdir();
	e->db = xasprintf("%s/test.db", e->dir);
	e->fx = fixture_create(e->db);
	*state = e;
	return 0;
}

int dbenv_teardown(void **state)
{
	struct dbenv *e = *state;

	dbenv_close(e);
	store_free(e->st);
	fixture_rmdir(e->dir);
	free(e->dir);
	free(e->db);
	free(e);
	return 0;
}

void dbenv_close(struct dbenv *e)
{
	if (e->fx) {
		fixture_close(e->fx);
		e->fx = NULL;
	}
}

struct store *dbenv_store(struct dbenv *e)
{
	char *err = NULL;

	dbenv_close(e);
	if (!e->st && store_open(e->db, &e->st, &err))
		fail_msg("store_open: %s", err);
	return e->st;
}
