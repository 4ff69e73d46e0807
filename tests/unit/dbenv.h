/* dbenv.h - one recording in a fresh temporary directory per test: the
 * setup and teardown the query-layer tests share
 *
 * dbenv_setup() creates the directory and a fixture writing DIR/test.db;
 * a test adds stacks through e->fx, then dbenv_store() closes the fixture
 * and opens the recording for reading (once; later calls return it).
 * dbenv_teardown() frees what is left and removes the directory.
 */
#ifndef HOTSTACK_TEST_DBENV_H
#define HOTSTACK_TEST_DBENV_H

#include "fixture.h"

struct dbenv {
	char *dir, *db;
	struct fixture *fx;	/* NULL once closed */
	struct store *st;	/* NULL until dbenv_store() */
	void *priv;		/* the test's own state */
};

/* cmocka setup/teardown: *state is a struct dbenv. */
int dbenv_setup(void **state);
int dbenv_teardown(void **state);
/* Close the fixture (if still open) without opening the store. */
void dbenv_close(struct dbenv *e);
struct store *dbenv_store(struct dbenv *e);

#endif
