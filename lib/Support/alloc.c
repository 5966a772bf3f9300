/* The one allocation path: see include/t2n/alloc.h for the policy. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "t2n/alloc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- fault injection ---- */

/* -1: not read from the environment yet; 0: off. Counters are per process;
 * the tools are single-threaded where they allocate. */
static long fail_alloc_at = -1, fail_write_at = -1;
static long nallocs, nwrites;
static int count_at_exit;

static long env_long(const char *name) {
  const char *s = getenv(name);
  if (!s || !*s) return 0;
  char *end;
  long v = strtol(s, &end, 10);
  return *end || v < 0 ? 0 : v;
}

static void print_counts(void) {
  fprintf(stderr, "t2n: %ld allocations, %ld writes\n", nallocs, nwrites);
}

static void read_env(void) {
  if (fail_alloc_at >= 0) return;
  fail_alloc_at = env_long("T2N_FAIL_ALLOC");
  fail_write_at = env_long("T2N_FAIL_WRITE");
  count_at_exit = env_long("T2N_ALLOC_COUNT") != 0;
  if (count_at_exit) atexit(print_counts);
}

/* 1 when this allocation is the one to fail. */
static int alloc_fault(void) {
  read_env();
  return ++nallocs == fail_alloc_at;
}

int t2n_write_fault(void) {
  read_env();
  if (++nwrites != fail_write_at) return 0;
  errno = ENOSPC;
  return 1;
}

/* ---- the out-of-memory exit ---- */

enum { MaxCleanups = 8 };
static void (*cleanups[MaxCleanups])(void);
static int ncleanups;

void t2n_on_fatal_exit(void (*fn)(void)) {
  for (int i = 0; i < ncleanups; i++)
    if (cleanups[i] == fn) return;
  if (ncleanups < MaxCleanups) cleanups[ncleanups++] = fn;
}

_Noreturn void t2n_out_of_memory(void) {
  /* No allocation from here on: stderr is unbuffered, the cleanups only
   * unlink. */
  fputs("t2n: error: out of memory\n", stderr);
  for (int i = ncleanups - 1; i >= 0; i--) cleanups[i]();
  exit(1);
}

/* ---- allocators ---- */

static void *cjson_malloc(size_t n) { return t2n_xmalloc(n); }

/* cJSON (safetensors headers, --diagnostics) allocates through the same
 * path, so its failures are the same clean exit. */
__attribute__((constructor)) static void hook_cjson(void) {
  cJSON_Hooks h = {cjson_malloc, free};
  cJSON_InitHooks(&h);
}

void *t2n_try_malloc(size_t n) {
  if (alloc_fault()) return NULL;
  return malloc(n ? n : 1);
}

void *t2n_xmalloc(size_t n) {
  void *p = t2n_try_malloc(n);
  if (!p) t2n_out_of_memory();
  return p;
}

void *t2n_xcalloc(size_t n, size_t size) {
  if (n && size > SIZE_MAX / n) t2n_out_of_memory();
  void *p = alloc_fault() ? NULL : calloc(n ? n : 1, size ? size : 1);
  if (!p) t2n_out_of_memory();
  return p;
}

void *t2n_xrealloc(void *p, size_t n) {
  void *q = alloc_fault() ? NULL : realloc(p, n ? n : 1);
  if (!q) t2n_out_of_memory(); /* p is still reachable from the caller */
  return q;
}

char *t2n_xstrndup(const char *s, size_t n) {
  char *p = t2n_xmalloc(n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

FILE *t2n_xopen_memstream(char **buf, size_t *len) {
  FILE *f = alloc_fault() ? NULL : open_memstream(buf, len);
  if (!f) t2n_out_of_memory();
  return f;
}

char *t2n_xstrdup(const char *s) { return t2n_xstrndup(s, strlen(s)); }

void t2n_grow(void **p, int *cap, int need, size_t elem) {
  if (need <= *cap) return;
  size_t c = *cap > 0 ? (size_t)*cap : 8;
  while (c < (size_t)need) c *= 2;
  if (c > INT32_MAX || c > SIZE_MAX / elem) t2n_out_of_memory();
  char *q = t2n_xrealloc(*p, c * elem);
  memset(q + (size_t)*cap * elem, 0, (c - (size_t)*cap) * elem);
  *p = q;
  *cap = (int)c;
}
