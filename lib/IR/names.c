/* A graph's value names (debug name -> value). Two stores behind one
 * interface:
 *   - decimal names ("%0", "%123": torch's unnamed values, most of a
 *     printed graph) below `numcap` live in a dense array indexed by their
 *     number;
 *   - every other name is in a hashed map (map.c).
 * Why: in a large graph (hundreds of thousands of values) the hashed map
 * is far bigger than the caches, so each definition and use is a cache
 * (and TLB) miss, about a fifth of parsing a 10 MB graph; numbered names
 * come in order and most uses are of recent values, so the array is read
 * and written almost sequentially.
 * Invariant: a decimal name k is in the array exactly when k < numcap. The
 * array grows only while it stays dense (k below eight times the numbered names
 * plus a margin), so "%99999999" alone does not allocate it; growing moves
 * the map's decimal names that the new range covers into the array. */
#include "internal.h"

#include <string.h>

/* The number of a decimal name without a leading zero, below 2^30; or -1. */
static long number_of(const char *name, size_t len) {
  if (len == 0 || len > 9 || (name[0] == '0' && len > 1)) return -1;
  long v = 0;
  for (size_t i = 0; i < len; i++) {
    if (name[i] < '0' || name[i] > '9') return -1;
    v = v * 10 + (name[i] - '0');
  }
  return v;
}

void t2n_names_init(t2n_name_table *t, t2n_arena *a) {
  memset(t, 0, sizeof *t);
  t2n_map_init(&t->map, a);
}

t2n_value *t2n_names_get(const t2n_name_table *t, const char *name, size_t len) {
  long k = number_of(name, len);
  if (k >= 0 && (size_t)k < t->numcap) return t->num[k];
  return t2n_map_get(&t->map, name, len);
}

static void grow(t2n_name_table *t, size_t k) {
  size_t cap = t->numcap ? t->numcap : 32; /* small graphs stay small: chunks are zeroed per use */
  while (cap <= k) cap *= 2;
  t->num = t2n_arena_grow(t->map.arena, t->num, t->numcap * sizeof *t->num, cap * sizeof *t->num);
  memset(t->num + t->numcap, 0, (cap - t->numcap) * sizeof *t->num);
  size_t old = t->numcap;
  t->numcap = cap;
  for (size_t i = 0; i < t->map.cap; i++) {
    const t2n_mslot *s = &t->map.slots[i];
    if (!s->val) continue; /* empty, a tombstone, or a slot not yet given its value */
    long j = number_of(s->key, s->len);
    if (j >= (long)old && (size_t)j < cap) {
      t->num[j] = s->val;
      t->nnum++;
      t2n_map_remove(&t->map, s->key, s->len);
    }
  }
}

t2n_value **t2n_names_slot(t2n_name_table *t, const char *name, size_t len, const char **key, int *inserted) {
  long k = number_of(name, len);
  if (k >= 0 && (size_t)k >= t->numcap && (size_t)k < 8 * t->nnum + 4096) grow(t, (size_t)k);
  if (k >= 0 && (size_t)k < t->numcap) {
    *inserted = !t->num[k];
    if (*inserted) t->nnum++;
    *key = *inserted ? t2n_arena_strndup(t->map.arena, name, len) : t->num[k]->name;
    return &t->num[k];
  }
  size_t i = t2n_map_slot(&t->map, name, len, inserted);
  *key = t->map.slots[i].key;
  return (t2n_value **)&t->map.slots[i].val;
}

void t2n_names_remove(t2n_name_table *t, const char *name, size_t len) {
  long k = number_of(name, len);
  if (k >= 0 && (size_t)k < t->numcap) {
    if (t->num[k]) t->nnum--;
    t->num[k] = NULL;
    return;
  }
  t2n_map_remove(&t->map, name, len);
}
