/* A small string map (FNV-1a, linear probing). Deletion uses tombstones. */
#include "internal.h"

#include <string.h>

static const char TOMB[1];

static size_t hash(const char *k, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)k[i]) * 1099511628211ull;
  return (size_t)h;
}

void t2n_map_init(t2n_map *m, t2n_arena *a) {
  memset(m, 0, sizeof *m);
  m->arena = a;
}

static size_t find(const t2n_map *m, const char *k, size_t n, int *found) {
  size_t mask = m->cap - 1, i = hash(k, n) & mask, tomb = (size_t)-1;
  for (;;) {
    const char *key = m->keys[i];
    if (!key) {
      *found = 0;
      return tomb != (size_t)-1 ? tomb : i;
    }
    if (key == TOMB) {
      if (tomb == (size_t)-1) tomb = i;
    } else if (m->klens[i] == n && memcmp(key, k, n) == 0) {
      *found = 1;
      return i;
    }
    i = (i + 1) & mask;
  }
}

void *t2n_map_get(const t2n_map *m, const char *k, size_t n) {
  if (!m->cap) return NULL;
  int found;
  size_t i = find(m, k, n, &found);
  return found ? m->vals[i] : NULL;
}

static void rehash(t2n_map *m, size_t cap) {
  const char **ok = m->keys;
  size_t *ol = m->klens;
  void **ov = m->vals;
  size_t oc = m->cap;
  m->keys = t2n_arena_alloc(m->arena, cap * sizeof *m->keys);
  m->klens = t2n_arena_alloc(m->arena, cap * sizeof *m->klens);
  m->vals = t2n_arena_alloc(m->arena, cap * sizeof *m->vals);
  m->cap = cap;
  m->n = 0;
  for (size_t i = 0; i < oc; i++) {
    if (!ok[i] || ok[i] == TOMB) continue;
    int found;
    size_t j = find(m, ok[i], ol[i], &found);
    m->keys[j] = ok[i];
    m->klens[j] = ol[i];
    m->vals[j] = ov[i];
    m->n++;
  }
}

size_t t2n_map_slot(t2n_map *m, const char *k, size_t n, int *inserted) {
  if ((m->n + 1) * 2 > m->cap) rehash(m, m->cap ? m->cap * 2 : 64);
  int found;
  size_t i = find(m, k, n, &found);
  *inserted = !found;
  if (!found) {
    m->keys[i] = t2n_arena_strndup(m->arena, k, n);
    m->klens[i] = n;
    m->vals[i] = NULL;
    m->n++;
  }
  return i;
}

const char *t2n_map_put(t2n_map *m, const char *k, size_t n, void *v) {
  int inserted;
  size_t i = t2n_map_slot(m, k, n, &inserted);
  m->vals[i] = v;
  return m->keys[i];
}

int t2n_map_remove(t2n_map *m, const char *k, size_t n) {
  if (!m->cap) return 0;
  int found;
  size_t i = find(m, k, n, &found);
  if (!found) return 0;
  m->keys[i] = TOMB;
  m->vals[i] = NULL;
  return 1;
}
