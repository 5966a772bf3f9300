/* One allocation path and one out-of-memory policy (lib/Support/alloc.c).
 *
 * Every heap allocation in lib/ goes through these. When the system has no
 * memory left, the process reports `t2n: error: out of memory`, removes the
 * temporaries of outputs still being written (so no partial file is left and
 * an older output stays intact), and exits with status 1. Nothing returns
 * NULL, so callers never test for it. Code that can recover from a failed
 * big request (a weights file read whole) uses t2n_try_malloc, which returns
 * NULL instead.
 *
 * Fault injection, the way SQLite tests itself: with T2N_FAIL_ALLOC=N in
 * the environment the Nth allocation (counted from 1 over the whole process)
 * fails as if memory had run out; with T2N_FAIL_WRITE=N the Nth write to an
 * output (a chunk given to include/t2n/output.h or include/t2n/archive.h)
 * fails with ENOSPC, as on a full disk. T2N_ALLOC_COUNT=1 prints the number
 * of allocations and writes made at exit, so a script knows how many N to
 * try (utils/fault-inject). */
#ifndef T2N_ALLOC_H
#define T2N_ALLOC_H

#include <stddef.h>

void *t2n_xmalloc(size_t n);
void *t2n_xcalloc(size_t n, size_t size);
void *t2n_xrealloc(void *p, size_t n);
char *t2n_xstrdup(const char *s);
char *t2n_xstrndup(const char *s, size_t n);
/* Like malloc (NULL when there is no memory), for callers that report the
 * failure themselves and carry on; counted by T2N_FAIL_ALLOC like the rest. */
void *t2n_try_malloc(size_t n);

/* open_memstream through the same policy (a text built in memory). */
#include <stdio.h>
FILE *t2n_xopen_memstream(char **buf, size_t *len);

/* Reports, runs the cleanups, exits 1. */
_Noreturn void t2n_out_of_memory(void);

/* Registers fn to run before the out-of-memory exit (outputs remove their
 * temporaries). At most a few; registering the same fn twice is a no-op. */
void t2n_on_fatal_exit(void (*fn)(void));

/* 1 when this write to an output should fail (T2N_FAIL_WRITE); errno is then
 * set to ENOSPC. Called once per chunk by the output writers. */
int t2n_write_fault(void);

/* The growable array: makes room for `need` elements in *p, whose capacity
 * is *cap elements of `elem` bytes, doubling (from 8). Elements past the old
 * capacity are zeroed. Use through T2N_GROW. */
void t2n_grow(void **p, int *cap, int need, size_t elem);
#define T2N_GROW(p, cap, need) t2n_grow((void **)&(p), &(cap), (need), sizeof *(p))

#endif
