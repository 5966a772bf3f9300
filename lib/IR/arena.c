/* Bump allocator: a module's objects all die together, so nothing is freed
 * one by one. Chunks grow geometrically; big requests get their own chunk. */
#include "internal.h"
#include "t2n/alloc.h"

#include <stdlib.h>
#include <string.h>

typedef t2n_arena_chunk chunk;

/* Chunks are zeroed once, when made (calloc), so allocations need no memset
 * of their own. One first-size chunk is kept per thread when an arena dies,
 * with its used part zeroed again: parsing many small inputs in a row (a
 * corpus, a benchmark) then does not pay a large malloc and free per module. */
#define FIRST_CAP (64 * 1024)
static _Thread_local chunk *spare;

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
    if (c->cap == FIRST_CAP && !spare) {
      memset(c->data, 0, c->used);
      spare = c;
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
    else if (a->next_cap < 16u * 1024 * 1024) a->next_cap *= 2;
    if (cap == FIRST_CAP && spare) {
      c = spare;
      spare = NULL;
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
