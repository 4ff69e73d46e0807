/* store.c - the SQLite recording: schema, writer and checked reader
 *
 * The only file that includes sqlite3.h. The writer keeps one prepared
 * statement per store_add_* call and relies on the caller's transactions
 * (store_begin/store_commit, at least once a second while recording), so a
 * recorder killed at any point leaves a WAL database holding everything up
 * to its last commit. store_close() checkpoints and switches the file back to
 * rollback-journal mode so a finished recording is one self-contained file
 * that can be read from a read-only place.
 *
 * The reader opens with SQLITE_OPEN_READONLY and never writes the database.
 * A hot WAL left by a killed recorder is still read: SQLite rebuilds the
 * wal-index in the -shm file (or in heap memory if the -shm exists but is
 * read-only); if the -shm is missing and cannot be created, the database and
 * its WAL are copied to a private directory in $TMPDIR and read from there.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "hashmap.h"
#include "store.h"
#include "util.h"

static bool column_exists(struct store *st, const char *table, const char *column);
static bool table_exists(struct store *st, const char *table);
static char *with_range(const char *sql, const char *cond);
static int flush_slice_sums(struct store *st);
static int flush_packed_nodes(struct store *st);
static int each_slice_total(struct store *st, int kind, int tid, int64_t slice_lo,
			    int64_t slice_hi, bool per_thread, store_sample_cb cb, void *arg);

/* PRAGMA application_id of a hotstack recording: 'HSTR'. */
#define STORE_APPLICATION_ID 0x48535452

enum {
	STMT_META,
	STMT_PROCESS,
	STMT_THREAD,
	STMT_MODULE,
	STMT_FRAME,
	STMT_NODE,
	STMT_SAMPLES,
	STMT_THREAD_TIMES,
	STMT_SYSCALL,
	STMT_SYSCALL_LATENCY,
	STMT_SYSCALL_ERROR,
	STMT_SYSCALL_STACK,
	STMT_IO,
	STMT_SAMPLES_TOTAL,
	STMT_ANOMALY,
	STMT_SLICE_TOTALS,
	STMT_NODES_PACKED,
	NR_STMTS
};

static const char *const stmt_sql[NR_STMTS] = {
	[STMT_META] = "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
	[STMT_PROCESS] = "INSERT OR REPLACE INTO processes(pid, ppid, name, exe) "
			 "VALUES (?1, ?2, ?3, ?4)",
	[STMT_THREAD] = "INSERT INTO threads(tid, pid, name) VALUES (?1, ?2, ?3) "
			"ON CONFLICT(tid) DO UPDATE SET pid = excluded.pid, name = excluded.name",
	[STMT_MODULE] = "INSERT OR REPLACE INTO modules(id, path, build_id, kind, soname, main) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[STMT_FRAME] = "INSERT OR REPLACE INTO frames(id, module_id, function, file, line, "
		       "inline, offset, linkage_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[STMT_NODE] = "INSERT OR REPLACE INTO stack_nodes(id, parent_id, frame_id, depth) "
		      "VALUES (?1, ?2, ?3, ?4)",
	[STMT_SAMPLES] = "INSERT INTO samples(slice, tid, kind, node_id, count, weight_ns) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
			 "ON CONFLICT(slice, tid, kind, node_id) DO UPDATE SET "
			 "count = count + excluded.count, "
			 "weight_ns = weight_ns + excluded.weight_ns",
	[STMT_THREAD_TIMES] = "UPDATE threads SET start_ns = ?2, end_ns = ?3 WHERE tid = ?1",
	[STMT_SYSCALL] = "INSERT INTO syscalls(tid, nr, name, count, errors, total_ns, max_ns, "
			 "slice) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9) "
			 "ON CONFLICT(slice, tid, nr) DO UPDATE SET count = count + excluded.count, "
			 "errors = errors + excluded.errors, total_ns = total_ns + excluded.total_ns, "
			 "max_ns = max(max_ns, excluded.max_ns)",
	[STMT_SYSCALL_LATENCY] = "INSERT INTO syscall_latency(tid, nr, bucket, count, slice) "
				 "VALUES (?1, ?2, ?3, ?4, ?9) "
				 "ON CONFLICT(slice, tid, nr, bucket) DO UPDATE "
				 "SET count = count + excluded.count",
	[STMT_SYSCALL_ERROR] = "INSERT INTO syscall_errors(tid, nr, errno, count, slice) "
			       "VALUES (?1, ?2, ?3, ?4, ?9) "
			       "ON CONFLICT(slice, tid, nr, errno) DO UPDATE "
			       "SET count = count + excluded.count",
	[STMT_SYSCALL_STACK] = "INSERT INTO syscall_stacks(tid, nr, node_id, count, total_ns, "
			       "slice) VALUES (?1, ?2, ?3, ?4, ?5, ?9) "
			       "ON CONFLICT(slice, tid, nr, node_id) DO UPDATE "
			       "SET count = count + excluded.count, "
			       "total_ns = total_ns + excluded.total_ns",
	[STMT_IO] = "INSERT INTO io(tid, target, kind, calls, bytes_read, bytes_written, wait_ns, "
		    "slice) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9) "
		    "ON CONFLICT(slice, tid, target) DO UPDATE SET "
		    "calls = calls + excluded.calls, bytes_read = bytes_read + excluded.bytes_read, "
		    "bytes_written = bytes_written + excluded.bytes_written, "
		    "wait_ns = wait_ns + excluded.wait_ns",
	[STMT_SAMPLES_TOTAL] = "INSERT INTO samples_total(kind, tid, node_id, count, weight_ns) "
			       "VALUES (?1, ?2, ?3, ?4, ?5) "
			       "ON CONFLICT(kind, tid, node_id) DO UPDATE SET "
			       "count = count + excluded.count, "
			       "weight_ns = weight_ns + excluded.weight_ns",
	[STMT_ANOMALY] = "INSERT INTO anomalies(id, start_ns, end_ns, function, module, baseline, "
			 "observed, score) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[STMT_SLICE_TOTALS] = "INSERT INTO slice_totals(slice, tid, kind, count, weight_ns) "
			      "VALUES (?1, ?2, ?3, ?4, ?5) "
			      "ON CONFLICT(slice, tid, kind) DO UPDATE SET "
			      "count = count + excluded.count, "
			      "weight_ns = weight_ns + excluded.weight_ns",
	[STMT_NODES_PACKED] = "INSERT INTO stack_nodes_packed(first_id, count, nodes) "
			      "VALUES (?1, ?2, ?3)",
};

static const char schema_sql[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value);\n"
	"CREATE TABLE processes(pid INTEGER PRIMARY KEY, ppid INTEGER, name TEXT, exe TEXT);\n"
	"CREATE TABLE threads(tid INTEGER PRIMARY KEY, pid INTEGER, name TEXT,\n"
	"  start_ns INTEGER, end_ns INTEGER);\n"
	"CREATE TABLE modules(id INTEGER PRIMARY KEY, path TEXT, build_id TEXT, kind TEXT,\n"
	"  soname TEXT, main INTEGER NOT NULL DEFAULT 0);\n"
	"CREATE TABLE frames(id INTEGER PRIMARY KEY, module_id INTEGER, function TEXT NOT NULL,\n"
	"  file TEXT, line INTEGER, inline INTEGER NOT NULL DEFAULT 0, offset INTEGER,\n"
	"  linkage_name TEXT);\n"
	"CREATE TABLE stack_nodes(id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL,\n"
	"  frame_id INTEGER NOT NULL, depth INTEGER NOT NULL);\n"
	"CREATE INDEX stack_nodes_parent ON stack_nodes(parent_id);\n"
	"CREATE TABLE stack_nodes_packed(first_id INTEGER PRIMARY KEY, count INTEGER NOT NULL,\n"
	"  nodes BLOB NOT NULL);\n"
	"CREATE TABLE sample_kinds(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, unit TEXT);\n"
	"INSERT INTO sample_kinds VALUES (0, 'cpu', 'ns'), (1, 'offcpu', 'ns'),\n"
	"  (2, 'runqueue', 'ns');\n"
	"CREATE TABLE samples(slice INTEGER NOT NULL, tid INTEGER NOT NULL,\n"
	"  kind INTEGER NOT NULL, node_id INTEGER NOT NULL,\n"
	"  count INTEGER NOT NULL, weight_ns INTEGER NOT NULL,\n"
	"  PRIMARY KEY(slice, tid, kind, node_id)) WITHOUT ROWID;\n"
	"CREATE TABLE samples_total(kind INTEGER NOT NULL, tid INTEGER NOT NULL,\n"
	"  node_id INTEGER NOT NULL, count INTEGER NOT NULL, weight_ns INTEGER NOT NULL,\n"
	"  PRIMARY KEY(kind, tid, node_id)) WITHOUT ROWID;\n"
	"CREATE TABLE slice_totals(slice INTEGER NOT NULL, tid INTEGER NOT NULL,\n"
	"  kind INTEGER NOT NULL, count INTEGER NOT NULL, weight_ns INTEGER NOT NULL,\n"
	"  PRIMARY KEY(slice, tid, kind)) WITHOUT ROWID;\n"
	"CREATE TABLE syscalls(slice INTEGER NOT NULL, tid INTEGER NOT NULL,\n"
	"  nr INTEGER NOT NULL, name TEXT,\n"
	"  count INTEGER NOT NULL, errors INTEGER NOT NULL, total_ns INTEGER NOT NULL,\n"
	"  max_ns INTEGER NOT NULL, PRIMARY KEY(slice, tid, nr)) WITHOUT ROWID;\n"
	"CREATE TABLE syscall_latency(slice INTEGER NOT NULL, tid INTEGER NOT NULL,\n"
	"  nr INTEGER NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL,\n"
	"  PRIMARY KEY(slice, tid, nr, bucket)) WITHOUT ROWID;\n"
	"CREATE TABLE syscall_errors(slice INTEGER NOT NULL, tid INTEGER NOT NULL,\n"
	"  nr INTEGER NOT NULL, errno INTEGER NOT NULL, count INTEGER NOT NULL,\n"
	"  PRIMARY KEY(slice, tid, nr, errno)) WITHOUT ROWID;\n"
	"CREATE TABLE syscall_stacks(slice INTEGER NOT NULL, tid INTEGER NOT NULL,\n"
	"  nr INTEGER NOT NULL, node_id INTEGER NOT NULL, count INTEGER NOT NULL,\n"
	"  total_ns INTEGER NOT NULL, PRIMARY KEY(slice, tid, nr, node_id)) WITHOUT ROWID;\n"
	"CREATE TABLE io(slice INTEGER NOT NULL, tid INTEGER NOT NULL, target TEXT NOT NULL,\n"
	"  kind TEXT, calls INTEGER NOT NULL, bytes_read INTEGER NOT NULL,\n"
	"  bytes_written INTEGER NOT NULL, wait_ns INTEGER NOT NULL,\n"
	"  PRIMARY KEY(slice, tid, target)) WITHOUT ROWID;\n"
	"CREATE TABLE anomalies(id INTEGER PRIMARY KEY, start_ns INTEGER NOT NULL,\n"
	"  end_ns INTEGER NOT NULL, function TEXT NOT NULL, module TEXT, baseline REAL,\n"
	"  observed REAL, score REAL);\n";

/* Tables a reader needs; a recording missing one is damaged. */
static const char *const required_tables[] = {
	"meta", "processes", "threads", "modules", "frames", "stack_nodes", "samples",
};

/* Writer: one slice_totals row being summed in memory. */
struct slice_sum {
	int64_t slice;
	int tid, kind;
	int64_t count, weight_ns;
};

/* Past this many pending sums (a huge import), they are written early. */
#define SLICE_SUMS_MAX 65536

struct store {
	sqlite3 *db;
	char *path;
	char *copy_dir;		/* private copy of a WAL recording, see open_copy() */
	char *moved_to;		/* writer: where an existing file at path went */
	bool writer;
	bool in_txn;
	int version;		/* reader: the schema version */
	int64_t wait_slice;	/* writer: slice of the next --waits rows */
	int64_t wait_lo, wait_hi;	/* reader: the --waits range, -1 open */
	int64_t commits;
	int64_t next_anomaly;
	bool no_quick_check;	/* reader: store_open_quick() */
	sqlite3_stmt *stmt[NR_STMTS];
	/* writer: the samples rows of the open transaction summed per
	 * (slice, tid, kind), for slice_totals; see add_slice_sum() */
	struct slice_sum *sums;
	size_t nsums, sums_cap;
	struct hashmap sums_index;	/* slice_key -> index into sums */
	/* writer: the stack_nodes rows of the open transaction, packed for
	 * stack_nodes_packed (see pack_node()): the ids from pack_first to
	 * pack_next - 1; pack_off once a node came out of sequence */
	uint8_t *pack;
	size_t npack, pack_cap;
	int64_t pack_first, pack_next;
	bool pack_off;
};

/* Map an SQLite result code to a negative errno. */
static int sqlite_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_MISMATCH:
	case SQLITE_CONSTRAINT:
	case SQLITE_RANGE:
		return -EINVAL;
	default:
		return -EIO;
	}
}

/* As sqlite_errno() for a call that failed: never 0. */
static int sqlite_fail(int rc)
{
	return sqlite_errno(rc) ? sqlite_errno(rc) : -EIO;
}

static char *errf(const char *fmt, ...) ATTR_PRINTF(1, 2);
static char *errf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = xstrdup("out of memory");
	va_end(ap);
	return s;
}

static void stmts_finalize(struct store *st)
{
	size_t i;

	for (i = 0; i < NR_STMTS; i++) {
		sqlite3_finalize(st->stmt[i]);
		st->stmt[i] = NULL;
	}
}

static const char *const copy_files[] = { "r.db", "r.db-wal", "r.db-shm" };

static void remove_copy(const char *dir)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(copy_files); i++) {
		char *f = xasprintf("%s/%s", dir, copy_files[i]);

		unlink(f);
		free(f);
	}
	rmdir(dir);
}

void store_free(struct store *st)
{
	if (!st)
		return;
	stmts_finalize(st);
	sqlite3_close_v2(st->db);
	hashmap_release(&st->sums_index);
	free(st->sums);
	free(st->pack);
	if (st->copy_dir) {
		remove_copy(st->copy_dir);
		free(st->copy_dir);
	}
	free(st->path);
	free(st->moved_to);
	free(st);
}

const char *store_moved_to(const struct store *st)
{
	return st->moved_to;
}

const char *store_last_error(struct store *st)
{
	return st && st->db ? sqlite3_errmsg(st->db) : "no database";
}

const char *store_path(const struct store *st)
{
	return st->path;
}

/* ---- writer ---------------------------------------------------------- */

static int exec_sql(struct store *st, const char *sql, char **errmsg)
{
	char *msg = NULL;
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		if (errmsg)
			*errmsg = errf("cannot write '%s': %s", sanitized(st->path),
				       msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return sqlite_fail(rc);
	}
	return 0;
}

int store_create(const char *path, struct store **out, bool *renamed, char **errmsg)
{
	struct store *st;
	char *sql, *moved_to;
	int fd, rc, ret, i;

	*out = NULL;
	*renamed = false;
	*errmsg = NULL;
	ret = move_aside(path, &moved_to, errmsg);
	if (ret) {
		free(moved_to);
		return ret;
	}
	*renamed = moved_to != NULL;
	/* create the file ourselves: SQLite would only say "unable to open";
	 * 0600, and owned by the sudo user before SQLite makes its -wal and
	 * -shm (which copy the database's mode and owner) */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		ret = -errno;
		*errmsg = errf("cannot create '%s': %s", sanitized(path), strerror(-ret));
		free(moved_to);
		return ret;
	}
	give_to_sudo_user(fd);
	close(fd);

	st = xcalloc(1, sizeof(*st));
	st->wait_lo = st->wait_hi = -1;
	st->path = xstrdup(path);
	st->moved_to = moved_to;
	st->writer = true;
	st->pack_first = st->pack_next = 1;
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		ret = sqlite_fail(rc);
		*errmsg = errf("cannot create '%s': %s", sanitized(path),
			       st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, 5000);
	/* the header's ids, the schema and its version in one transaction: a
	 * recording killed as it is created is empty or whole, never a
	 * database that says it is a recording but has no tables */
	sql = xasprintf("PRAGMA journal_mode = WAL;\n"
			"PRAGMA synchronous = NORMAL;\n"
			"BEGIN;\n"
			"PRAGMA application_id = %d;\n"
			"PRAGMA user_version = %d;\n%s"
			"INSERT INTO meta VALUES ('schema_version', %d);\n"
			"INSERT INTO meta VALUES ('writer_pid', %d);\n"
			"COMMIT;\n",
			STORE_APPLICATION_ID, STORE_SCHEMA_VERSION, schema_sql,
			STORE_SCHEMA_VERSION, (int)getpid());
	ret = exec_sql(st, sql, errmsg);
	free(sql);
	if (ret)
		goto fail;
	for (i = 0; i < NR_STMTS; i++) {
		rc = sqlite3_prepare_v3(st->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
					&st->stmt[i], NULL);
		if (rc != SQLITE_OK) {
			ret = sqlite_fail(rc);
			*errmsg = errf("cannot write '%s': %s", sanitized(path),
				       sqlite3_errmsg(st->db));
			goto fail;
		}
	}
	*out = st;
	return 0;
fail:
	store_free(st);
	unlink(path);
	sql = NULL;
	move_side_files(path, NULL, &sql);	/* best effort */
	free(sql);
	return ret;
}

int store_begin(struct store *st)
{
	int ret;

	if (st->in_txn)
		return 0;
	ret = exec_sql(st, "BEGIN", NULL);
	if (!ret)
		st->in_txn = true;
	return ret;
}

int store_commit(struct store *st)
{
	int ret;

	if (!st->in_txn)
		return 0;
	ret = flush_slice_sums(st);
	if (!ret)
		ret = flush_packed_nodes(st);
	/* when the last commit happened, for readers following the file */
	if (!ret)
		ret = store_set_meta_int(st, "last_commit", (int64_t)realtime_ns());
	if (!ret)
		ret = store_set_meta_int(st, "commits", ++st->commits);
	if (ret)
		return ret;
	ret = exec_sql(st, "COMMIT", NULL);
	if (!ret)
		st->in_txn = false;
	return ret;
}

/* Run a bound writer statement once and reset it for reuse. */
static int step_reset(sqlite3_stmt *stmt)
{
	int rc = sqlite3_step(stmt);

	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return rc == SQLITE_DONE ? 0 : sqlite_fail(rc);
}

/*
 * slice_totals: the samples rows summed per (slice, tid, kind), so that a
 * timeline reads a few thousand rows instead of every samples row. The sums
 * of the rows added in a transaction are kept in memory and upserted when
 * it commits (a slice written across several commits adds up). Pending sums
 * belong to the open transaction: when SQLite has none (it rolled back on a
 * full disk, say, taking their rows with it), they are dropped.
 */
struct slice_key {
	int64_t slice;
	int32_t tid, kind;
};

static int upsert_slice_sum(struct store *st, const struct slice_sum *sum)
{
	sqlite3_stmt *s = st->stmt[STMT_SLICE_TOTALS];

	sqlite3_bind_int64(s, 1, sum->slice);
	sqlite3_bind_int(s, 2, sum->tid);
	sqlite3_bind_int(s, 3, sum->kind);
	sqlite3_bind_int64(s, 4, sum->count);
	sqlite3_bind_int64(s, 5, sum->weight_ns);
	return step_reset(s);
}

static void index_slice_sums(struct store *st)
{
	size_t i;

	hashmap_clear(&st->sums_index);
	for (i = 0; i < st->nsums; i++) {
		struct slice_key k = { st->sums[i].slice, st->sums[i].tid, st->sums[i].kind };

		hashmap_put(&st->sums_index, &k, sizeof(k), i);
	}
}

/* Writes the pending sums; those not written (on an error) stay pending. */
static int flush_slice_sums(struct store *st)
{
	int ret = 0;

	if (!st->nsums)
		return 0;
	if (sqlite3_get_autocommit(st->db)) {
		st->nsums = 0;	/* their transaction is gone */
	} else {
		while (st->nsums && !ret) {
			ret = upsert_slice_sum(st, &st->sums[st->nsums - 1]);
			if (!ret)
				st->nsums--;
		}
	}
	index_slice_sums(st);
	return ret;
}

/* Adds a samples row just written to its (slice, tid, kind) sum. */
static int add_slice_sum(struct store *st, int64_t slice, int tid, int kind, int64_t count,
			 int64_t weight_ns)
{
	struct slice_key k = { slice, tid, kind };
	struct slice_sum *sum;
	uint64_t at = st->nsums;

	if (sqlite3_get_autocommit(st->db)) {
		/* no transaction: the row is in the file already, so its sum goes
		 * there too (and any pending ones belonged to one rolled back) */
		struct slice_sum one = { slice, tid, kind, count, weight_ns };

		if (st->nsums)
			flush_slice_sums(st);
		return upsert_slice_sum(st, &one);
	}
	if (!hashmap_get_or_put(&st->sums_index, &k, sizeof(k), &at)) {
		xgrow(&st->sums, &st->sums_cap, st->nsums + 1, sizeof(*st->sums));
		st->sums[st->nsums++] = (struct slice_sum){ slice, tid, kind, 0, 0 };
	}
	sum = &st->sums[at];
	sum->count += count;
	sum->weight_ns += weight_ns;
	return st->nsums >= SLICE_SUMS_MAX ? flush_slice_sums(st) : 0;
}

static void bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(stmt, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(stmt, i);
}

int store_set_meta(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *s = st->stmt[STMT_META];

	bind_text(s, 1, key);
	bind_text(s, 2, value);
	return step_reset(s);
}

int store_set_meta_int(struct store *st, const char *key, int64_t value)
{
	sqlite3_stmt *s = st->stmt[STMT_META];

	bind_text(s, 1, key);
	sqlite3_bind_int64(s, 2, value);
	return step_reset(s);
}

int store_add_process(struct store *st, int pid, int ppid, const char *name, const char *exe)
{
	sqlite3_stmt *s = st->stmt[STMT_PROCESS];

	sqlite3_bind_int(s, 1, pid);
	sqlite3_bind_int(s, 2, ppid);
	bind_text(s, 3, name);
	bind_text(s, 4, exe);
	return step_reset(s);
}

int store_add_thread(struct store *st, int tid, int pid, const char *name)
{
	sqlite3_stmt *s = st->stmt[STMT_THREAD];

	sqlite3_bind_int(s, 1, tid);
	sqlite3_bind_int(s, 2, pid);
	bind_text(s, 3, name);
	return step_reset(s);
}

int store_add_module(struct store *st, int64_t id, const char *path, const char *build_id,
		     const char *kind, const char *soname, bool is_main)
{
	sqlite3_stmt *s = st->stmt[STMT_MODULE];

	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, path);
	bind_text(s, 3, build_id);
	bind_text(s, 4, kind);
	bind_text(s, 5, soname && *soname ? soname : NULL);
	sqlite3_bind_int(s, 6, is_main);
	return step_reset(s);
}

int store_add_frame(struct store *st, int64_t id, int64_t module_id, const char *function,
		    const char *linkage, const char *file, int line, bool is_inline,
		    uint64_t offset)
{
	sqlite3_stmt *s = st->stmt[STMT_FRAME];

	if (!function)
		function = "[unknown]";
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, module_id);
	bind_text(s, 3, function);
	bind_text(s, 8, linkage && *linkage && strcmp(linkage, function) ? linkage : NULL);
	bind_text(s, 4, file);
	if (file && line > 0)
		sqlite3_bind_int(s, 5, line);
	else
		sqlite3_bind_null(s, 5);
	sqlite3_bind_int(s, 6, is_inline);
	sqlite3_bind_int64(s, 7, (int64_t)offset);
	return step_reset(s);
}

/*
 * stack_nodes_packed: the stack_nodes rows again, a chunk per transaction
 * (and per PACK_CHUNK_MAX bytes), each node three varints: id - parent_id,
 * frame_id, depth; the ids are first_id on, one by one. A reader gets
 * 413,000 nodes from 2 MB of blobs in a few milliseconds rather than
 * stepping through 413,000 rows (75 ms). The writers (stacktree.c, and a
 * rotation copying a recording) add nodes with ids 1, 2, 3... and parents
 * first; a node out of that order (a replaced id, a parent after its
 * child) drops the packed copy in the same transaction, and readers fall
 * back to the table.
 */
#define PACK_CHUNK_MAX (1 << 20)

static int flush_packed_nodes(struct store *st)
{
	sqlite3_stmt *s = st->stmt[STMT_NODES_PACKED];
	int ret;

	if (st->pack_off || st->pack_next == st->pack_first)
		return 0;
	sqlite3_bind_int64(s, 1, st->pack_first);
	sqlite3_bind_int64(s, 2, st->pack_next - st->pack_first);
	sqlite3_bind_blob(s, 3, st->pack, (int)st->npack, SQLITE_STATIC);
	ret = step_reset(s);
	sqlite3_clear_bindings(s);
	st->npack = 0;
	st->pack_first = st->pack_next;
	return ret;
}

static int pack_node(struct store *st, int64_t id, int64_t parent_id, int64_t frame_id,
		     int depth)
{
	if (st->pack_off)
		return 0;
	if (id != st->pack_next || parent_id < 0 || parent_id >= id || frame_id < 0 ||
	    depth < 0) {
		st->pack_off = true;
		free(st->pack);
		st->pack = NULL;
		st->npack = st->pack_cap = 0;
		return exec_sql(st, "DELETE FROM stack_nodes_packed", NULL);
	}
	xgrow(&st->pack, &st->pack_cap, st->npack + 3 * VARINT_MAX, 1);
	st->npack += varint_put(st->pack + st->npack, (uint64_t)(id - parent_id));
	st->npack += varint_put(st->pack + st->npack, (uint64_t)frame_id);
	st->npack += varint_put(st->pack + st->npack, (uint64_t)depth);
	st->pack_next++;
	return st->npack >= PACK_CHUNK_MAX ? flush_packed_nodes(st) : 0;
}

int store_add_node(struct store *st, int64_t id, int64_t parent_id, int64_t frame_id, int depth)
{
	sqlite3_stmt *s = st->stmt[STMT_NODE];
	int ret;

	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, parent_id);
	sqlite3_bind_int64(s, 3, frame_id);
	sqlite3_bind_int(s, 4, depth);
	ret = step_reset(s);
	return ret ? ret : pack_node(st, id, parent_id, frame_id, depth);
}

int store_add_samples(struct store *st, int64_t slice, int tid, int kind, int64_t node_id,
		      int64_t count, int64_t weight_ns)
{
	sqlite3_stmt *s = st->stmt[STMT_SAMPLES];
	int ret;

	sqlite3_bind_int64(s, 1, slice);
	sqlite3_bind_int(s, 2, tid);
	sqlite3_bind_int(s, 3, kind);
	sqlite3_bind_int64(s, 4, node_id);
	sqlite3_bind_int64(s, 5, count);
	sqlite3_bind_int64(s, 6, weight_ns);
	ret = step_reset(s);
	if (!ret)
		ret = add_slice_sum(st, slice, tid, kind, count, weight_ns);
	if (ret)
		return ret;
	s = st->stmt[STMT_SAMPLES_TOTAL];
	sqlite3_bind_int(s, 1, kind);
	sqlite3_bind_int(s, 2, tid);
	sqlite3_bind_int64(s, 3, node_id);
	sqlite3_bind_int64(s, 4, count);
	sqlite3_bind_int64(s, 5, weight_ns);
	return step_reset(s);
}

int store_set_thread_times(struct store *st, int tid, int64_t start_ns, int64_t end_ns)
{
	sqlite3_stmt *s = st->stmt[STMT_THREAD_TIMES];

	sqlite3_bind_int(s, 1, tid);
	sqlite3_bind_int64(s, 2, start_ns);
	sqlite3_bind_int64(s, 3, end_ns);
	return step_reset(s);
}

int store_add_syscall(struct store *st, int tid, int64_t nr, const char *name, int64_t count,
		      int64_t errors, int64_t total_ns, int64_t max_ns)
{
	sqlite3_stmt *s = st->stmt[STMT_SYSCALL];

	sqlite3_bind_int64(s, 9, st->wait_slice);
	sqlite3_bind_int(s, 1, tid);
	sqlite3_bind_int64(s, 2, nr);
	bind_text(s, 3, name);
	sqlite3_bind_int64(s, 4, count);
	sqlite3_bind_int64(s, 5, errors);
	sqlite3_bind_int64(s, 6, total_ns);
	sqlite3_bind_int64(s, 7, max_ns);
	return step_reset(s);
}

int store_add_syscall_latency(struct store *st, int tid, int64_t nr, int bucket, int64_t count)
{
	sqlite3_stmt *s = st->stmt[STMT_SYSCALL_LATENCY];

	sqlite3_bind_int64(s, 9, st->wait_slice);
	sqlite3_bind_int(s, 1, tid);
	sqlite3_bind_int64(s, 2, nr);
	sqlite3_bind_int(s, 3, bucket);
	sqlite3_bind_int64(s, 4, count);
	return step_reset(s);
}

int store_add_syscall_error(struct store *st, int tid, int64_t nr, int err, int64_t count)
{
	sqlite3_stmt *s = st->stmt[STMT_SYSCALL_ERROR];

	sqlite3_bind_int64(s, 9, st->wait_slice);
	sqlite3_bind_int(s, 1, tid);
	sqlite3_bind_int64(s, 2, nr);
	sqlite3_bind_int(s, 3, err);
	sqlite3_bind_int64(s, 4, count);
	return step_reset(s);
}

int store_add_syscall_stack(struct store *st, int tid, int64_t nr, int64_t node_id, int64_t count,
			    int64_t total_ns)
{
	sqlite3_stmt *s = st->stmt[STMT_SYSCALL_STACK];

	sqlite3_bind_int64(s, 9, st->wait_slice);
	sqlite3_bind_int(s, 1, tid);
	sqlite3_bind_int64(s, 2, nr);
	sqlite3_bind_int64(s, 3, node_id);
	sqlite3_bind_int64(s, 4, count);
	sqlite3_bind_int64(s, 5, total_ns);
	return step_reset(s);
}

int store_add_io(struct store *st, int tid, const char *target, const char *kind, int64_t calls,
		 int64_t bytes_read, int64_t bytes_written, int64_t wait_ns)
{
	sqlite3_stmt *s = st->stmt[STMT_IO];

	sqlite3_bind_int64(s, 9, st->wait_slice);
	sqlite3_bind_int(s, 1, tid);
	bind_text(s, 2, target);
	bind_text(s, 3, kind);
	sqlite3_bind_int64(s, 4, calls);
	sqlite3_bind_int64(s, 5, bytes_read);
	sqlite3_bind_int64(s, 6, bytes_written);
	sqlite3_bind_int64(s, 7, wait_ns);
	return step_reset(s);
}

void store_set_wait_slice(struct store *st, int64_t slice)
{
	st->wait_slice = slice;
}

int store_add_anomaly(struct store *st, const struct store_anomaly *a)
{
	sqlite3_stmt *s = st->stmt[STMT_ANOMALY];
	int64_t id = a->id ? a->id : ++st->next_anomaly;

	if (id > st->next_anomaly)
		st->next_anomaly = id;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, a->start_ns);
	sqlite3_bind_int64(s, 3, a->end_ns);
	bind_text(s, 4, a->function ? a->function : "[unknown]");
	bind_text(s, 5, a->module);
	sqlite3_bind_double(s, 6, a->baseline);
	sqlite3_bind_double(s, 7, a->observed);
	sqlite3_bind_double(s, 8, a->score);
	return step_reset(s);
}

int store_close(struct store *st)
{
	int ret = 0;

	if (!st)
		return 0;
	if (st->writer) {
		ret = store_commit(st);
		stmts_finalize(st);
		/*
		 * Best effort: a reader holding the file open makes these fail
		 * with SQLITE_BUSY, which leaves a valid WAL database behind.
		 */
		if (!ret) {
			int rc = sqlite3_exec(st->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL,
					      NULL, NULL);

			/* no room to move the WAL into the database: the
			 * recording is the database with its -wal */
			if ((rc & 0xff) == SQLITE_FULL)
				ret = -ENOSPC;
			else
				sqlite3_exec(st->db, "PRAGMA journal_mode = DELETE", NULL, NULL,
					     NULL);
		}
	}
	stmts_finalize(st);
	if (sqlite3_close(st->db) != SQLITE_OK && !ret)
		ret = -EIO;
	st->db = NULL;
	store_free(st);
	return ret;
}

/* ---- reader ---------------------------------------------------------- */

/* Prepare sql or fail with -errno; *stmt is NULL on failure. */
static int prepare(struct store *st, const char *sql, sqlite3_stmt **stmt)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL);

	if (rc != SQLITE_OK) {
		*stmt = NULL;
		return sqlite_fail(rc);
	}
	return 0;
}

/* Run a query returning one integer; *found says whether a row came back. */
static int query_int(struct store *st, const char *sql, int64_t *value, bool *found)
{
	sqlite3_stmt *stmt;
	int rc, ret = prepare(st, sql, &stmt);

	if (ret)
		return ret;
	rc = sqlite3_step(stmt);
	*found = rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL;
	if (*found)
		*value = sqlite3_column_int64(stmt, 0);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(stmt);
	return sqlite_errno(rc);
}

/* 1 if the table exists, 0 if not, -errno if the schema cannot be read. */
static int has_table(struct store *st, const char *name)
{
	sqlite3_stmt *stmt;
	int rc, ret = prepare(st, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
			      &stmt);

	if (ret)
		return ret;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		ret = 1;
	else if (rc != SQLITE_DONE)
		ret = sqlite_fail(rc);
	sqlite3_finalize(stmt);
	return ret;
}

/* Checks that need only the file: it exists, is regular, non-empty, SQLite. */
static int check_file(const char *path, char **errmsg)
{
	static const char magic[16] = "SQLite format 3";
	char head[16];
	struct stat sb;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int err = errno;

		*errmsg = errf("cannot open '%s': %s", sanitized(path), strerror(err));
		return -err;
	}
	if (fstat(fd, &sb) < 0) {
		int err = errno;

		close(fd);
		*errmsg = errf("cannot open '%s': %s", sanitized(path), strerror(err));
		return -err;
	}
	if (!S_ISREG(sb.st_mode)) {
		int err = S_ISDIR(sb.st_mode) ? EISDIR : EINVAL;

		close(fd);
		if (err == EISDIR)
			*errmsg = errf("cannot open '%s': %s", sanitized(path), strerror(err));
		else
			*errmsg = errf("'%s' is not a regular file", sanitized(path));
		return -err;
	}
	if (sb.st_size == 0) {
		close(fd);
		*errmsg = errf("'%s' is empty: not a hotstack recording (or one stopped before "
			       "its first commit)", sanitized(path));
		return -EINVAL;
	}
	n = pread(fd, head, sizeof(head), 0);
	if (n < 0) {
		int err = errno;

		close(fd);
		*errmsg = errf("cannot read '%s': %s", sanitized(path), strerror(err));
		return -err;
	}
	close(fd);
	if (n < (ssize_t)sizeof(head) || memcmp(head, magic, sizeof(magic))) {
		*errmsg = errf("'%s' is not a SQLite database: not a hotstack recording",
			       sanitized(path));
		return -EINVAL;
	}
	return 0;
}

/*
 * An SQLite error while validating a file that has the SQLite magic: corrupt
 * unless SQLite says it could not read it (I/O, locks, memory, -shm).
 */
static int corrupt(struct store *st, int ret, char **errmsg)
{
	int rc = sqlite3_extended_errcode(st->db) & 0xff;

	if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB || rc == SQLITE_FORMAT ||
	    rc == SQLITE_RANGE || rc == SQLITE_ERROR || rc == SQLITE_OK)
		*errmsg = errf("'%s' is corrupt (%s)", sanitized(st->path),
			       sqlite3_errmsg(st->db));
	else
		*errmsg = errf("cannot read '%s': %s", sanitized(st->path),
			       sqlite3_errmsg(st->db));
	return ret ? ret : -EINVAL;
}

/*
 * quick_check's report as one line: "*** in database main ***\nPage 7: ..."
 * becomes "page 7: ...".
 */
static char *one_line(const char *report)
{
	static const char banner[] = "*** in database main ***";
	char *s, *p;

	if (!strncmp(report, banner, sizeof(banner) - 1))
		report += sizeof(banner) - 1;
	report += strspn(report, "\n ");
	s = xstrdup(report);
	for (p = s; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (!strncmp(s, "Page ", 5))
		s[0] = 'p';
	return s;
}

static int check_recording(struct store *st, char **errmsg)
{
	int64_t appid = 0, version = 0, meta_version = 0;
	bool found, meta_found;
	sqlite3_stmt *stmt;
	const char *res;
	size_t i;
	int ret;

	ret = query_int(st, "PRAGMA application_id", &appid, &found);
	if (ret)
		return corrupt(st, ret, errmsg);
	ret = has_table(st, "meta");
	if (ret < 0)
		return corrupt(st, ret, errmsg);
	if (appid != STORE_APPLICATION_ID || !ret) {
		*errmsg = errf("'%s' is a SQLite database but not a hotstack recording",
			       sanitized(st->path));
		return -EINVAL;
	}
	ret = query_int(st, "PRAGMA user_version", &version, &found);
	if (ret)
		return corrupt(st, ret, errmsg);
	ret = query_int(st, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version'",
			&meta_version, &meta_found);
	if (ret)
		return corrupt(st, ret, errmsg);
	if (meta_found && meta_version > version)
		version = meta_version;
	st->version = version < 1 ? 1 : (int)version;
	if (version > STORE_SCHEMA_VERSION) {
		*errmsg = errf("'%s' has schema version %lld; this hotstack reads up to %d: "
			       "upgrade hotstack", sanitized(st->path), (long long)version,
			       STORE_SCHEMA_VERSION);
		return -EINVAL;
	}
	if (st->no_quick_check)
		goto tables;
	ret = prepare(st, "PRAGMA quick_check(1)", &stmt);
	if (ret)
		return corrupt(st, ret, errmsg);
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		ret = corrupt(st, -EINVAL, errmsg);
		sqlite3_finalize(stmt);
		return ret;
	}
	res = (const char *)sqlite3_column_text(stmt, 0);
	if (!res || strcmp(res, "ok")) {
		char *detail = one_line(res ? res : "quick_check failed");

		sqlite3_finalize(stmt);
		*errmsg = errf("'%s' is corrupt (%s)", sanitized(st->path), detail);
		free(detail);
		return -EINVAL;
	}
	sqlite3_finalize(stmt);
tables:
	for (i = 0; i < ARRAY_SIZE(required_tables); i++) {
		ret = has_table(st, required_tables[i]);
		if (ret < 0)
			return corrupt(st, ret, errmsg);
		if (!ret) {
			char *detail = xasprintf("table '%s' is missing", required_tables[i]);

			*errmsg = errf("'%s' is corrupt (%s)", sanitized(st->path), detail);
			free(detail);
			return -EINVAL;
		}
	}
	return 0;
}

/* Open db read-only and check it; st->path names the recording in messages.
 * A reader's handle is used by one thread at a time (each load, job and
 * view opens its own), so it goes without SQLite's per-call mutex: 25 ms
 * of the 0.4 s a million-sample recording takes to load. */
static int open_checked(struct store *st, const char *db, char **errmsg)
{
	int rc = sqlite3_open_v2(db, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);

	if (rc != SQLITE_OK) {
		*errmsg = errf("cannot open '%s': %s", sanitized(st->path),
			       st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
		return sqlite_fail(rc);
	}
	sqlite3_extended_result_codes(st->db, 1);
	/* a live recorder may hold the WAL lock for a moment */
	sqlite3_busy_timeout(st->db, 5000);
	return check_recording(st, errmsg);
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in, out, ret = 0;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return errno == ENOENT ? 0 : -errno;
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, n) != n) {
			ret = errno ? -errno : -EIO;
			break;
		}
	}
	if (n < 0)
		ret = -errno;
	close(in);
	if (close(out) && !ret)
		ret = -errno;
	return ret;
}

/*
 * A recording whose recorder was killed is a WAL database. Reading it needs
 * its -shm file; when that is missing and cannot be created (a read-only
 * directory), read a private copy of the database and its WAL in $TMPDIR.
 */
static int open_copy(struct store *st, char **errmsg)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/hotstack-read.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	char *from, *to;
	size_t i;
	int ret = 0;

	if (!mkdtemp(dir)) {
		ret = -errno;
		*errmsg = errf("cannot open '%s': cannot create a copy in '%s': %s",
			       sanitized(st->path), dir, strerror(-ret));
		free(dir);
		return ret;
	}
	st->copy_dir = dir;
	for (i = 0; !ret && i < 2; i++) {
		from = xasprintf("%s%s", st->path, copy_files[i] + 4);
		to = xasprintf("%s/%s", dir, copy_files[i]);
		ret = copy_file(from, to);
		free(from);
		free(to);
	}
	if (ret) {
		*errmsg = errf("cannot open '%s': cannot copy it to '%s': %s",
			       sanitized(st->path), dir, strerror(-ret));
		return ret;
	}
	to = xasprintf("%s/%s", dir, copy_files[0]);
	ret = open_checked(st, to, errmsg);
	free(to);
	return ret;
}

static int open_reader(const char *path, bool quick_check, struct store **out, char **errmsg)
{
	struct store *st;
	int ret;

	*out = NULL;
	*errmsg = NULL;
	ret = check_file(path, errmsg);
	if (ret)
		return ret;
	st = xcalloc(1, sizeof(*st));
	st->wait_lo = st->wait_hi = -1;
	st->no_quick_check = !quick_check;
	st->path = xstrdup(path);
	ret = open_checked(st, path, errmsg);
	if (ret && st->db && (sqlite3_extended_errcode(st->db) & 0xff) == SQLITE_CANTOPEN) {
		sqlite3_close_v2(st->db);
		st->db = NULL;
		free(*errmsg);
		*errmsg = NULL;
		ret = open_copy(st, errmsg);
	}
	if (ret) {
		store_free(st);
		return ret;
	}
	*out = st;
	return 0;
}

int store_open(const char *path, struct store **out, char **errmsg)
{
	return open_reader(path, true, out, errmsg);
}

int store_open_quick(const char *path, struct store **out, char **errmsg)
{
	return open_reader(path, false, out, errmsg);
}

char *store_get_meta(struct store *st, const char *key)
{
	sqlite3_stmt *stmt;
	char *value = NULL;

	if (prepare(st, "SELECT value FROM meta WHERE key = ?1", &stmt))
		return NULL;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
		value = xstrdup((const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return value;
}

static const char *col_text(sqlite3_stmt *stmt, int i)
{
	return (const char *)sqlite3_column_text(stmt, i);
}

/*
 * End a row loop: returns the callback's non-zero value if it stopped the
 * loop, -errno if the query failed, else 0. Finalizes stmt.
 */
static int finish_rows(sqlite3_stmt *stmt, int rc, int ret)
{
	if (!ret && rc != SQLITE_DONE)
		ret = sqlite_fail(rc);
	sqlite3_finalize(stmt);
	return ret;
}

int store_each_meta(struct store *st, store_meta_cb cb, void *arg)
{
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE, ret = prepare(st, "SELECT key, value FROM meta ORDER BY key", &stmt);

	if (ret)
		return ret;
	while (!ret && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		ret = cb(arg, col_text(stmt, 0), col_text(stmt, 1),
			 sqlite3_column_type(stmt, 1) == SQLITE_INTEGER,
			 sqlite3_column_int64(stmt, 1));
	return finish_rows(stmt, rc, ret);
}

int store_each_process(struct store *st, store_process_cb cb, void *arg)
{
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE;
	int ret = prepare(st, "SELECT pid, ppid, name, exe FROM processes ORDER BY pid", &stmt);

	if (ret)
		return ret;
	while (!ret && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		ret = cb(arg, sqlite3_column_int(stmt, 0), sqlite3_column_int(stmt, 1),
			 col_text(stmt, 2), col_text(stmt, 3));
	return finish_rows(stmt, rc, ret);
}

int store_each_thread(struct store *st, int kind, store_thread_cb cb, void *arg)
{
	/* threads that sampled but never got a threads row still show up;
	 * the sums from samples_total when there is one (version 2): a
	 * tenth of the rows */
	static const char sql[] =
		"WITH s AS (SELECT tid, sum(count) AS n FROM %s WHERE kind = ?1 "
		"GROUP BY tid) "
		"SELECT t.tid, t.pid, t.name, coalesce(s.n, 0) FROM threads t "
		"LEFT JOIN s ON s.tid = t.tid "
		"UNION ALL SELECT s.tid, 0, NULL, s.n FROM s "
		"WHERE s.tid NOT IN (SELECT tid FROM threads) ORDER BY 1";
	char *q = with_range(sql, table_exists(st, "samples_total") ? "samples_total" : "samples");
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE, ret = prepare(st, q, &stmt);

	free(q);
	if (ret)
		return ret;
	sqlite3_bind_int(stmt, 1, kind);
	while (!ret && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		ret = cb(arg, sqlite3_column_int(stmt, 0), sqlite3_column_int(stmt, 1),
			 col_text(stmt, 2), sqlite3_column_int64(stmt, 3));
	return finish_rows(stmt, rc, ret);
}


int store_each_module(struct store *st, store_module_cb cb, void *arg)
{
	/* version 1 has no soname or main: a module is main when it is some
	 * recorded process's executable */
	bool v2 = column_exists(st, "modules", "main");
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE;
	int ret = prepare(st, v2 ?
			  "SELECT id, path, build_id, kind, soname, "
			  "main OR path IN (SELECT exe FROM processes) FROM modules ORDER BY id" :
			  "SELECT id, path, build_id, kind, NULL, "
			  "path IN (SELECT exe FROM processes) FROM modules ORDER BY id", &stmt);

	if (ret)
		return ret;
	while (!ret && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		ret = cb(arg, sqlite3_column_int64(stmt, 0), col_text(stmt, 1),
			 col_text(stmt, 2), col_text(stmt, 3), col_text(stmt, 4),
			 sqlite3_column_int(stmt, 5) != 0);
	return finish_rows(stmt, rc, ret);
}

int store_each_frame(struct store *st, store_frame_cb cb, void *arg)
{
	bool v2 = column_exists(st, "frames", "linkage_name");
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE;
	int ret = prepare(st, v2 ?
			  "SELECT id, module_id, function, file, line, inline, offset, linkage_name "
			  "FROM frames ORDER BY id" :
			  "SELECT id, module_id, function, file, line, inline, offset, NULL "
			  "FROM frames ORDER BY id", &stmt);

	if (ret)
		return ret;
	while (!ret && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		ret = cb(arg, sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1),
			 col_text(stmt, 2), col_text(stmt, 7), col_text(stmt, 3),
			 sqlite3_column_int(stmt, 4), sqlite3_column_int(stmt, 5) != 0,
			 (uint64_t)sqlite3_column_int64(stmt, 6));
	return finish_rows(stmt, rc, ret);
}

/* The packed nodes of stack_nodes_packed, chunks in id order. */
struct packed_nodes {
	uint8_t *data;		/* the chunks' blobs, one after another */
	size_t len, cap;
	int64_t *count;		/* nodes per chunk */
	size_t *end;		/* where each chunk's blob ends in data */
	size_t n, ncap;
};

/*
 * Decode the nodes of pk, calling cb on each (none when cb is NULL): false
 * if a chunk does not hold its count of nodes exactly or a node is not
 * what pack_node() writes.
 */
static bool packed_nodes_each(const struct packed_nodes *pk, store_node_cb cb, void *arg,
			      int *ret)
{
	const uint8_t *q = pk->data;
	int64_t id = 1;
	size_t c;

	for (c = 0; c < pk->n; c++) {
		const uint8_t *end = pk->data + pk->end[c];
		int64_t k;

		for (k = 0; k < pk->count[c]; k++, id++) {
			uint64_t up, frame, depth;

			if (!varint_get(&q, end, &up) || !varint_get(&q, end, &frame) ||
			    !varint_get(&q, end, &depth) || up < 1 || up > (uint64_t)id ||
			    frame > INT64_MAX || depth > INT32_MAX)
				return false;
			if (cb && (*ret = cb(arg, id, id - (int64_t)up, (int64_t)frame, (int)depth)))
				return true;
		}
		if (q != end)
			return false;
	}
	return true;
}

/*
 * store_each_node() from the writer's packed copy. *used false (nothing
 * called) when the recording has none, or it cannot be read or does not
 * decode (a crafted table of other columns, a damaged page), or it does
 * not cover the table's ids (1 to the highest, each once): the caller
 * reads the table, and reports what is wrong with that. Once *used, the
 * return is the callback's.
 */
static int each_packed_node(struct store *st, store_node_cb cb, void *arg, bool *used)
{
	struct packed_nodes pk = { 0 };
	sqlite3_stmt *stmt;
	int64_t next = 1, max = 0, count = -1;
	int rc = SQLITE_DONE, ret = 0;
	bool found, ok = true;

	*used = false;
	if (st->version < 2 || !table_exists(st, "stack_nodes_packed"))
		return 0;
	if (query_int(st, "SELECT max(id) FROM stack_nodes", &max, &found) ||
	    query_int(st, "SELECT count(*) FROM stack_nodes", &count, &found) ||
	    prepare(st, "SELECT first_id, count, nodes FROM stack_nodes_packed ORDER BY first_id",
		    &stmt))
		return 0;
	while (ok && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t first = sqlite3_column_int64(stmt, 0);
		int64_t n = sqlite3_column_int64(stmt, 1);
		const void *blob = sqlite3_column_blob(stmt, 2);
		size_t len = (size_t)sqlite3_column_bytes(stmt, 2);

		/* a node takes 3 bytes at least: a count past that is a lie */
		ok = first == next && n > 0 && n <= max - next + 1 && (uint64_t)n <= len / 3 &&
		     blob;
		if (!ok)
			break;
		xgrow(&pk.data, &pk.cap, pk.len + len, 1);
		memcpy(pk.data + pk.len, blob, len);
		pk.len += len;
		xgrow(&pk.count, &pk.ncap, pk.n + 1, sizeof(*pk.count));
		pk.end = xrealloc(pk.end, pk.ncap * sizeof(*pk.end));
		pk.count[pk.n] = n;
		pk.end[pk.n++] = pk.len;
		next += n;
	}
	ok = !finish_rows(stmt, ok ? rc : SQLITE_DONE, 0) && ok && next == max + 1 &&
	     count == max;
	if (ok)
		ok = packed_nodes_each(&pk, NULL, NULL, &ret);
	if (ok) {
		*used = true;
		packed_nodes_each(&pk, cb, arg, &ret);
	}
	free(pk.data);
	free(pk.count);
	free(pk.end);
	return ret;
}

int store_each_node(struct store *st, store_node_cb cb, void *arg)
{
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE;
	bool used;
	int ret = each_packed_node(st, cb, arg, &used);

	if (ret || used)
		return ret;
	ret = prepare(st, "SELECT id, parent_id, frame_id, depth FROM stack_nodes ORDER BY id",
		      &stmt);
	if (ret)
		return ret;
	while (!ret && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		ret = cb(arg, sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1),
			 sqlite3_column_int64(stmt, 2), sqlite3_column_int(stmt, 3));
	return finish_rows(stmt, rc, ret);
}

/*
 * The samples rows of kind (-1: all) and tid (0: all) in slices lo..hi (-1
 * open). total: rows summed over slices (slice -1) where the recording
 * keeps such sums.
 */
static int each_sample(struct store *st, int kind, int tid, int64_t lo, int64_t hi, bool total,
		       store_sample_cb cb, void *arg)
{
	static const char where[] = "WHERE (kind = ?1 OR ?1 = -1) AND (?2 = 0 OR tid = ?2) "
				    "AND (?3 < 0 OR slice >= ?3) AND (?4 < 0 OR slice <= ?4)";
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE, ret;
	char *sql;

	if (!total)
		sql = xasprintf("SELECT slice, tid, node_id, count, weight_ns FROM samples %s",
				where);
	else if (table_exists(st, "samples_total"))
		/* no GROUP BY: the caller sums, and sorting 50,000 rows to
		 * merge kinds cost more than the whole read; a kind and a
		 * thread are a range of the primary key, not a scan (a
		 * thread filter reads its rows only) */
		sql = xasprintf("SELECT -1, tid, node_id, count, weight_ns FROM samples_total "
				"WHERE %s AND %s", kind < 0 || kind == KIND_SEL_WALL ?
				"?1 = -1" : "kind = ?1", tid ? "tid = ?2" : "?2 = 0");
	else
		sql = xasprintf("SELECT -1, tid, node_id, count, weight_ns FROM samples %s", where);
	ret = prepare(st, sql, &stmt);
	free(sql);
	if (ret)
		return ret;
	sqlite3_bind_int(stmt, 1, kind == KIND_SEL_WALL ? -1 : kind);
	sqlite3_bind_int(stmt, 2, tid);
	sqlite3_bind_int64(stmt, 3, lo);
	sqlite3_bind_int64(stmt, 4, hi);
	while (!ret && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		ret = cb(arg, sqlite3_column_int64(stmt, 0), sqlite3_column_int(stmt, 1),
			 sqlite3_column_int64(stmt, 2), sqlite3_column_int64(stmt, 3),
			 sqlite3_column_int64(stmt, 4));
	return finish_rows(stmt, rc, ret);
}

int store_each_sample(struct store *st, int kind, int tid, store_sample_cb cb, void *arg)
{
	return each_sample(st, kind, tid, -1, -1, false, cb, arg);
}

int store_each_sample_range(struct store *st, int kind, int tid, int64_t slice_lo,
			    int64_t slice_hi, store_sample_cb cb, void *arg)
{
	return each_sample(st, kind, tid, slice_lo, slice_hi, false, cb, arg);
}

int store_each_sample_total(struct store *st, int kind, int tid, store_sample_cb cb, void *arg)
{
	return each_sample(st, kind, tid, -1, -1, true, cb, arg);
}

int store_each_thread_sum(struct store *st, int kind, int64_t slice_lo, int64_t slice_hi,
			  store_sample_cb cb, void *arg)
{
	bool whole = slice_lo < 0 && slice_hi < 0 && table_exists(st, "samples_total");
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE, ret;

	if (table_exists(st, "slice_totals"))
		return each_slice_total(st, kind, 0, slice_lo, slice_hi, true, cb, arg);
	ret = prepare(st, whole ?
			  "SELECT tid, sum(count), sum(weight_ns) FROM samples_total "
			  "WHERE kind = ?1 OR ?1 = -1 GROUP BY tid" :
			  "SELECT tid, sum(count), sum(weight_ns) FROM samples "
			  "WHERE (kind = ?1 OR ?1 = -1) AND (?2 < 0 OR slice >= ?2) "
			  "AND (?3 < 0 OR slice <= ?3) GROUP BY tid", &stmt);
	if (ret)
		return ret;
	sqlite3_bind_int(stmt, 1, kind == KIND_SEL_WALL ? -1 : kind);
	if (!whole) {
		sqlite3_bind_int64(stmt, 2, slice_lo);
		sqlite3_bind_int64(stmt, 3, slice_hi);
	}
	while (!ret && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
		ret = cb(arg, -1, sqlite3_column_int(stmt, 0), 0, sqlite3_column_int64(stmt, 1),
			 sqlite3_column_int64(stmt, 2));
	return finish_rows(stmt, rc, ret);
}

/*
 * The slice range as a range of the primary key (slice first): SQLite
 * cannot use the key for the optional bounds above ("?3 < 0 OR slice >=
 * ?3") and scans every row, 0.3 s for 871,000 rows where a tenth of the
 * recording needs 0.03 s. slice_lo >= 0 here; slice_hi -1 is open.
 */
static int each_in_slices(struct store *st, const char *sql, int kind, int tid, int64_t slice_lo,
			  int64_t slice_hi, bool per_thread, store_sample_cb cb, void *arg)
{
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE, ret = prepare(st, sql, &stmt);

	if (ret)
		return ret;
	sqlite3_bind_int(stmt, 1, kind == KIND_SEL_WALL ? -1 : kind);
	sqlite3_bind_int(stmt, 2, tid);
	sqlite3_bind_int64(stmt, 3, slice_lo < 0 ? 0 : slice_lo);
	sqlite3_bind_int64(stmt, 4, slice_hi < 0 ? INT64_MAX : slice_hi);
	while (!ret && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (per_thread)
			ret = cb(arg, -1, sqlite3_column_int(stmt, 0), 0,
				 sqlite3_column_int64(stmt, 1), sqlite3_column_int64(stmt, 2));
		else
			ret = cb(arg, sqlite3_column_int64(stmt, 0), sqlite3_column_int(stmt, 1),
				 sqlite3_column_int64(stmt, 2), sqlite3_column_int64(stmt, 3),
				 sqlite3_column_int64(stmt, 4));
	}
	return finish_rows(stmt, rc, ret);
}

int store_each_sample_slices(struct store *st, int kind, int tid, int64_t slice_lo,
			     int64_t slice_hi, store_sample_cb cb, void *arg)
{
	return each_in_slices(st, "SELECT slice, tid, node_id, count, weight_ns FROM samples "
			      "WHERE slice >= ?3 AND slice <= ?4 AND (kind = ?1 OR ?1 = -1) "
			      "AND (?2 = 0 OR tid = ?2)", kind, tid, slice_lo, slice_hi, false,
			      cb, arg);
}

int store_each_thread_sum_slices(struct store *st, int kind, int64_t slice_lo, int64_t slice_hi,
				 store_sample_cb cb, void *arg)
{
	if (table_exists(st, "slice_totals"))
		return each_slice_total(st, kind, 0, slice_lo, slice_hi, true, cb, arg);
	return each_in_slices(st, "SELECT tid, sum(count), sum(weight_ns) FROM samples "
			      "WHERE slice >= ?3 AND slice <= ?4 AND (kind = ?1 OR ?1 = -1) "
			      "GROUP BY tid", kind, 0, slice_lo, slice_hi, true, cb, arg);
}

/*
 * The slice_totals rows of kind and tid (0: all) in slices slice_lo..slice_hi
 * (-1 open), or with per_thread their sums per tid: a range of the primary
 * key (slice first) either way.
 */
static int each_slice_total(struct store *st, int kind, int tid, int64_t slice_lo,
			    int64_t slice_hi, bool per_thread, store_sample_cb cb, void *arg)
{
	char *sql = xasprintf("SELECT %s FROM slice_totals WHERE %sslice <= ?4 "
			      "AND (kind = ?1 OR ?1 = -1) AND (?2 = 0 OR tid = ?2)%s",
			      per_thread ? "tid, sum(count), sum(weight_ns)" :
			      "slice, tid, 0, count, weight_ns",
			      slice_lo >= 0 ? "slice >= ?3 AND " : "",
			      per_thread ? " GROUP BY tid" : "");
	int ret = each_in_slices(st, sql, kind, tid, slice_lo, slice_hi, per_thread, cb, arg);

	free(sql);
	return ret;
}

int store_each_slice_sum(struct store *st, int kind, int tid, int64_t slice_lo, int64_t slice_hi,
			 store_sample_cb cb, void *arg)
{
	if (table_exists(st, "slice_totals"))
		return each_slice_total(st, kind, tid, slice_lo, slice_hi, false, cb, arg);
	if (slice_lo >= 0)
		return store_each_sample_slices(st, kind, tid, slice_lo, slice_hi, cb, arg);
	return each_sample(st, kind, tid, slice_lo, slice_hi, false, cb, arg);
}

int store_get_counts(struct store *st, struct store_counts *c)
{
	static const struct {
		const char *sql;
		size_t off;
	} q[] = {
		{ "SELECT count(*) FROM processes", offsetof(struct store_counts, processes) },
		{ "SELECT count(*) FROM threads", offsetof(struct store_counts, threads) },
		{ "SELECT count(*) FROM modules", offsetof(struct store_counts, modules) },
		{ "SELECT count(*) FROM frames", offsetof(struct store_counts, frames) },
		{ "SELECT count(*) FROM stack_nodes", offsetof(struct store_counts, nodes) },
		{ "SELECT count(*) FROM samples", offsetof(struct store_counts, sample_rows) },
		{ "SELECT coalesce(sum(count), 0) FROM samples",
		  offsetof(struct store_counts, samples) },
	};
	/* the same sum from the writer's totals: 50,000 rows rather than
	 * 871,000 on the bench recording */
	bool totals = table_exists(st, "samples_total");
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < ARRAY_SIZE(q); i++) {
		int64_t v = 0;
		bool found;
		int ret = query_int(st, totals && q[i].off == offsetof(struct store_counts, samples) ?
				    "SELECT coalesce(sum(count), 0) FROM samples_total" : q[i].sql,
				    &v, &found);

		if (ret)
			return ret;
		*(int64_t *)((char *)c + q[i].off) = v;
	}
	return 0;
}

int store_count_stacks(struct store *st, int64_t *frames, int64_t *nodes)
{
	bool found;
	int ret;

	*frames = *nodes = 0;
	ret = query_int(st, "SELECT count(*) FROM frames", frames, &found);
	return ret ? ret : query_int(st, "SELECT count(*) FROM stack_nodes", nodes, &found);
}

static bool table_exists(struct store *st, const char *table)
{
	sqlite3_stmt *stmt;
	bool found = false;

	if (prepare(st, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", &stmt))
		return false;
	sqlite3_bind_text(stmt, 1, table, -1, SQLITE_STATIC);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return found;
}

static bool column_exists(struct store *st, const char *table, const char *column)
{
	sqlite3_stmt *stmt;
	bool found = false;

	if (prepare(st, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", &stmt))
		return false;
	sqlite3_bind_text(stmt, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, column, -1, SQLITE_STATIC);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return found;
}

/* sql with its "%s" (if any) replaced by cond: the wait tables' time range */
static char *with_range(const char *sql, const char *cond)
{
	const char *at = strstr(sql, "%s");

	if (!at)
		return xstrdup(sql);
	return xasprintf("%.*s%s%s", (int)(at - sql), sql, cond, at + 2);
}

/* Runs a query whose ?1 is a tid (0 = all) and calls cb per row with its
 * integer and text columns; a table that does not exist gives no rows. */
static int each_row(struct store *st, const char *table, const char *sql, int tid,
		    store_row_cb cb, void *arg)
{
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE, ret;
	char *q;

	if (!table_exists(st, table))
		return 0;
	q = with_range(sql, st->wait_lo >= 0 || st->wait_hi >= 0 ?
		       "AND (?2 < 0 OR slice >= ?2) AND (?3 < 0 OR slice <= ?3)" : "");
	ret = prepare(st, q, &stmt);
	free(q);
	if (ret)
		return ret;
	sqlite3_bind_int(stmt, 1, tid);
	if ((st->wait_lo >= 0 || st->wait_hi >= 0) && sqlite3_bind_parameter_count(stmt) >= 3) {
		sqlite3_bind_int64(stmt, 2, st->wait_lo);
		sqlite3_bind_int64(stmt, 3, st->wait_hi);
	}
	while (!ret && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int64_t ints[8] = { 0 };
		const char *texts[4] = { NULL };
		int i, n = sqlite3_column_count(stmt), ni = 0, nt = 0;

		for (i = 0; i < n; i++) {
			if (sqlite3_column_type(stmt, i) == SQLITE_TEXT) {
				if (nt < 4)
					texts[nt++] = (const char *)sqlite3_column_text(stmt, i);
			} else if (ni < 8) {
				ints[ni++] = sqlite3_column_int64(stmt, i);
			}
		}
		ret = cb(arg, ints, texts);
	}
	return finish_rows(stmt, rc, ret);
}

int store_each_syscall(struct store *st, int tid, store_row_cb cb, void *arg)
{
	return each_row(st, "syscalls",
			"SELECT nr, sum(count), sum(errors), sum(total_ns), max(max_ns), "
			"coalesce(max(name), '') FROM syscalls WHERE (?1 = 0 OR tid = ?1) %s "
			"GROUP BY nr ORDER BY 4 DESC",
			tid, cb, arg);
}

int store_each_syscall_latency(struct store *st, int tid, store_row_cb cb, void *arg)
{
	return each_row(st, "syscall_latency",
			"SELECT nr, bucket, sum(count) FROM syscall_latency "
			"WHERE (?1 = 0 OR tid = ?1) %s GROUP BY nr, bucket ORDER BY nr, bucket",
			tid, cb, arg);
}

int store_each_syscall_error(struct store *st, int tid, store_row_cb cb, void *arg)
{
	return each_row(st, "syscall_errors",
			"SELECT nr, errno, sum(count) FROM syscall_errors "
			"WHERE (?1 = 0 OR tid = ?1) %s GROUP BY nr, errno ORDER BY nr, 3 DESC",
			tid, cb, arg);
}

int store_each_syscall_stack(struct store *st, int tid, store_row_cb cb, void *arg)
{
	return each_row(st, "syscall_stacks",
			"SELECT nr, node_id, sum(count), sum(total_ns) FROM syscall_stacks "
			"WHERE (?1 = 0 OR tid = ?1) %s GROUP BY nr, node_id ORDER BY nr, 4 DESC",
			tid, cb, arg);
}

int store_each_io(struct store *st, int tid, store_row_cb cb, void *arg)
{
	return each_row(st, "io",
			"SELECT sum(calls), sum(bytes_read), sum(bytes_written), sum(wait_ns), "
			"target, coalesce(max(kind), '') FROM io WHERE (?1 = 0 OR tid = ?1) %s "
			"GROUP BY target ORDER BY 4 DESC",
			tid, cb, arg);
}

int store_each_thread_time(struct store *st, store_row_cb cb, void *arg)
{
	if (!column_exists(st, "threads", "start_ns"))
		return 0;
	return each_row(st, "threads",
			"SELECT tid, pid, coalesce(start_ns, -1), coalesce(end_ns, -1), "
			"coalesce(name, '') FROM threads WHERE ?1 = 0 ORDER BY tid",
			0, cb, arg);
}

bool store_set_wait_range(struct store *st, int64_t slice_lo, int64_t slice_hi)
{
	if (!column_exists(st, "syscalls", "slice") && !column_exists(st, "io", "slice"))
		return false;
	st->wait_lo = slice_lo < 0 ? -1 : slice_lo;
	st->wait_hi = slice_hi < 0 ? -1 : slice_hi;
	return true;
}

int store_each_anomaly(struct store *st, store_anomaly_cb cb, void *arg)
{
	sqlite3_stmt *stmt;
	int rc = SQLITE_DONE, ret;

	if (!table_exists(st, "anomalies"))
		return 0;
	ret = prepare(st, "SELECT id, start_ns, end_ns, function, module, baseline, observed, "
			  "score FROM anomalies ORDER BY start_ns, id", &stmt);
	if (ret)
		return ret;
	while (!ret && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store_anomaly a = {
			.id = sqlite3_column_int64(stmt, 0),
			.start_ns = sqlite3_column_int64(stmt, 1),
			.end_ns = sqlite3_column_int64(stmt, 2),
			.function = col_text(stmt, 3),
			.module = col_text(stmt, 4),
			.baseline = sqlite3_column_double(stmt, 5),
			.observed = sqlite3_column_double(stmt, 6),
			.score = sqlite3_column_double(stmt, 7),
		};

		ret = cb(arg, &a);
	}
	return finish_rows(stmt, rc, ret);
}

int store_schema_version(struct store *st)
{
	return st->version ? st->version : STORE_SCHEMA_VERSION;
}
