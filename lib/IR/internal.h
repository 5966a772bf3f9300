/* Private helpers shared by the files of lib/IR. */
#ifndef T2N_IR_INTERNAL_H
#define T2N_IR_INTERNAL_H

#include "t2n/diag.h"
#include "t2n/ir.h"

/* String-keyed open-addressing map; keys and the map live in an arena. */
typedef struct t2n_map {
  t2n_arena *arena;
  const char **keys;
  size_t *klens;
  void **vals;
  size_t cap, n;
} t2n_map;

void t2n_map_init(t2n_map *m, t2n_arena *a);
void *t2n_map_get(const t2n_map *m, const char *k, size_t n);
/* Returns the stored key (an arena copy). */
const char *t2n_map_put(t2n_map *m, const char *k, size_t n, void *v);
int t2n_map_remove(t2n_map *m, const char *k, size_t n);
/* Finds k, or inserts it with a NULL value; one probe either way. Returns the
 * slot (m->keys[i], m->vals[i]); *inserted says which happened. */
size_t t2n_map_slot(t2n_map *m, const char *k, size_t n, int *inserted);

struct t2n_strtab { t2n_map map; };
struct t2n_type_table { t2n_map map; };
struct t2n_name_table { t2n_map map; };

/* Builds the canonical spelling of a type from its structure (type.c). */
char *t2n_type_spell(t2n_module *m, const t2n_type *proto);

#endif
