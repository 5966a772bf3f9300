/* A small string map (open addressing, linear probing). Each slot keeps its
 * key's hash and length next to the key, so a probe touches one cache line
 * and rarely calls memcmp. Deletion uses tombstones. */
#include "internal.h"

#include <string.h>

static const char TOMB[1];

static uint64_t rd8(const char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint64_t rd4(const char *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Eight bytes per step: the names the parser interns (values, kinds, types)
 * are short, and a byte-at-a-time hash was a tenth of parsing time. Short
 * tails are read as two overlapping words, never past the key. */
uint32_t t2n_map_hash(const char *k, size_t n) {
  const uint64_t K = 0x9E3779B97F4A7C15ull;
  uint64_t h = (uint64_t)n * K, t;
  for (; n > 8; k += 8, n -= 8) {
    h = (h ^ rd8(k)) * K;
    h ^= h >> 29;
  }
  if (n >= 4) t = rd4(k) << 32 | rd4(k + n - 4);
  else if (n) t = (uint64_t)(unsigned char)k[0] << 16 | (uint64_t)(unsigned char)k[n >> 1] << 8 | (unsigned char)k[n - 1];
  else t = 0;
  h = (h ^ t) * K;
  return (uint32_t)(h >> 32);
}

/* Keys are mostly a few bytes long: compare them in words, not with a call. */
static int keq(const char *a, const char *b, size_t n) {
  if (n >= 8 && n <= 16) return rd8(a) == rd8(b) && rd8(a + n - 8) == rd8(b + n - 8);
  if (n >= 4 && n < 8) return rd4(a) == rd4(b) && rd4(a + n - 4) == rd4(b + n - 4);
  if (n < 4) {
    for (size_t i = 0; i < n; i++)
      if (a[i] != b[i]) return 0;
    return 1;
  }
  return memcmp(a, b, n) == 0;
}

void t2n_map_init(t2n_map *m, t2n_arena *a) {
  memset(m, 0, sizeof *m);
  m->arena = a;
}

static size_t find(const t2n_map *m, const char *k, size_t n, uint32_t h, int *found) {
  size_t mask = m->cap - 1, i = h & mask, tomb = (size_t)-1;
  for (;;) {
    const t2n_mslot *s = &m->slots[i];
    if (!s->key) {
      *found = 0;
      return tomb != (size_t)-1 ? tomb : i;
    }
    if (s->key == TOMB) {
      if (tomb == (size_t)-1) tomb = i;
    } else if (s->hash == h && s->len == n && keq(s->key, k, n)) {
      *found = 1;
      return i;
    }
    i = (i + 1) & mask;
  }
}

void *t2n_map_get_h(const t2n_map *m, const char *k, size_t n, uint32_t h) {
  if (!m->cap) return NULL;
  int found;
  size_t i = find(m, k, n, h, &found);
  return found ? m->slots[i].val : NULL;
}

void *t2n_map_get(const t2n_map *m, const char *k, size_t n) {
  return t2n_map_get_h(m, k, n, t2n_map_hash(k, n));
}

static void rehash(t2n_map *m, size_t cap) {
  t2n_mslot *old = m->slots;
  size_t oc = m->cap;
  m->slots = t2n_arena_bump(m->arena, cap * sizeof *m->slots);
  m->cap = cap;
  m->n = 0;
  for (size_t i = 0; i < oc; i++) {
    if (!old[i].key || old[i].key == TOMB) continue;
    size_t j = old[i].hash & (cap - 1);
    while (m->slots[j].key) j = (j + 1) & (cap - 1);
    m->slots[j] = old[i];
    m->n++;
  }
}

size_t t2n_map_slot(t2n_map *m, const char *k, size_t n, int *inserted) {
  if ((m->n + 1) * 2 > m->cap) rehash(m, m->cap ? m->cap * 2 : 16);
  int found;
  uint32_t h = t2n_map_hash(k, n);
  size_t i = find(m, k, n, h, &found);
  *inserted = !found;
  if (!found) {
    t2n_mslot *s = &m->slots[i];
    char *key = t2n_arena_bump(m->arena, n + 1);
    memcpy(key, k, n);
    key[n] = 0;
    s->key = key;
    s->len = (uint32_t)n;
    s->hash = h;
    s->val = NULL;
    m->n++;
  }
  return i;
}

const char *t2n_map_put(t2n_map *m, const char *k, size_t n, void *v) {
  int inserted;
  size_t i = t2n_map_slot(m, k, n, &inserted);
  m->slots[i].val = v;
  return m->slots[i].key;
}

int t2n_map_remove(t2n_map *m, const char *k, size_t n) {
  if (!m->cap) return 0;
  int found;
  size_t i = find(m, k, n, t2n_map_hash(k, n), &found);
  if (!found) return 0;
  m->slots[i].key = TOMB;
  m->slots[i].val = NULL;
  return 1;
}
