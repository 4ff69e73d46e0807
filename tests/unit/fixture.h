/* fixture.h - small recordings built through the store writer, for tests
 *
 * A stack is written root first as "main;parse:12;hash" where each frame is
 * NAME[@MODULE][:LINE][!]: MODULE is one of prog (default, /usr/bin/prog),
 * libc (/lib/x86_64-linux-gnu/libc.so.6), libcrypto (/usr/lib/libcrypto.so.3),
 * prog2 (/usr/bin/prog2) or kernel ([kernel.kallsyms], kind 'kernel'); LINE gives the frame a
 * source line in NAME.c; a trailing '!' marks an inline frame. Frames and
 * stack nodes are interned the way the recorder does it.
 */
#ifndef HOTSTACK_TEST_FIXTURE_H
#define HOTSTACK_TEST_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct fixture;

/* Creates a recording at path, with meta and modules set; dies on error. */
struct fixture *fixture_create(const char *path);
/* count samples of stack on thread tid (kind cpu, 1 ms each) in the current slice. */
void fixture_stack(struct fixture *fx, int tid, int64_t count, const char *stack);
/* The general form: frames[] are specs as above, without ';' splitting. */
void fixture_stackv(struct fixture *fx, int tid, int kind, int64_t count, int64_t weight_ns,
		    const char *const *frames, size_t nframes);
void fixture_set_slice(struct fixture *fx, int64_t slice);
struct store *fixture_store(struct fixture *fx);
/* Commits and closes the recording; frees fx. */
void fixture_close(struct fixture *fx);

/* A fresh temporary directory (malloc'd path) and its recursive removal. */
char *fixture_tmpdir(void);
void fixture_rmdir(const char *dir);

#endif
