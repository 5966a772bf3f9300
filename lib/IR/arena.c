/* Bump allocator: a module's objects all die together, so nothing is freed
 * one by one. Chunks grow geometrically; big requests get their own chunk. */
#include "internal.h"
#include "t2n/alloc.h"

#include <stdlib.h>
#include <string.h>

typedef t2n_arena_chunk chunk;

/* Chunks are zeroed once, when made (calloc), so allocations need no memset
 * of their own. When an arena dies its chunks of the standard sizes
 * (FIRST_CAP doubled up to LAST_CAP) are kept per thread, their used part
 * zeroed again, up to CACHE_MAX bytes in all: parsing many inputs in a row
 * (a corpus, a benchmark, the modules a pipeline copies) then pays neither
 * a malloc and free per module nor, for a large module, the kernel's page
 * faults on fresh memory, which cost more than parsing (about a third of
 * the time on a 10 MB graph: each 4 KB page faulted and cleared). */
#define FIRST_CAP (64 * 1024)
#define LAST_CAP (16u * 1024 * 1024)
#define NCLASSES 9 /* 64 KB .. 16 MB */
#define CACHE_MAX ((size_t)256 * 1024 * 1024)
static _Thread_local chunk *cache[NCLASSES];
static _Thread_local size_t cached_bytes;

/* The size class of a chunk capacity, or -1 for a big request's own size. */
static int size_class(size_t cap) {
  for (int k = 0; k < NCLASSES; k++)
    if (cap == (size_t)FIRST_CAP << k) return k;
  return -1;
}

static void *alloc_raw(t2n_arena *a, size_t n);

/* The arena's own header is the first allocation of its first chunk. */
t2n_arena *t2n_arena_new(void) {
  t2n_arena boot = {NULL, NULL, FIRST_CAP};
  t2n_arena *a = alloc_raw(&boot, sizeof *a);
  *a = boot;
  return a;
}

void t2n_arena_free(t2n_arena *a) {
  if (!a) return;
  for (chunk *c = a->head, *n; c; c = n) { /* the header dies with the last chunk */
    n = c->next;
    int k = size_class(c->cap);
    if (k >= 0 && cached_bytes + c->cap <= CACHE_MAX) {
      memset(c->data, 0, c->used);
      c->next = cache[k];
      cache[k] = c;
      cached_bytes += c->cap;
    } else {
      free(c);
    }
  }
}

static void *alloc_raw(t2n_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (n == 0) n = 16;
  chunk *c = a->head;
  if (!c || c->cap - c->used < n) {
    size_t cap = a->next_cap;
    if (cap < n) cap = n;
    else if (a->next_cap < LAST_CAP) a->next_cap *= 2;
    int k = size_class(cap);
    if (k >= 0 && cache[k]) {
      c = cache[k];
      cache[k] = c->next;
      cached_bytes -= c->cap;
    } else {
      c = t2n_xcalloc(1, sizeof *c + cap);
    }
    c->used = 0;
    c->cap = cap;
    c->next = a->head;
    a->head = c;
  }
  void *p = c->data + c->used;
  c->used += n;
  a->last = p;
  return p;
}

void *t2n_arena_alloc(t2n_arena *a, size_t n) { return alloc_raw(a, n); }

void *t2n_arena_grow(t2n_arena *a, void *p, size_t old_n, size_t new_n) {
  if (new_n <= old_n) return p;
  chunk *c = a->head;
  size_t old_r = (old_n + 15) & ~(size_t)15, new_r = (new_n + 15) & ~(size_t)15;
  if (p && p == a->last && c && (unsigned char *)p + old_r == c->data + c->used &&
      c->cap - c->used >= new_r - old_r) {
    c->used += new_r - old_r;
    return p;
  }
  void *q = t2n_arena_alloc(a, new_n);
  if (p && old_n) memcpy(q, p, old_n);
  return q;
}

char *t2n_arena_strndup(t2n_arena *a, const char *s, size_t n) {
  char *p = alloc_raw(a, n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}
