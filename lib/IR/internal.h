/* Private helpers shared by the files of lib/IR. */
#ifndef T2N_IR_INTERNAL_H
#define T2N_IR_INTERNAL_H

#include "t2n/diag.h"
#include "t2n/ir.h"

/* The arena's layout (arena.c), so that the library's hot paths can bump
 * the pointer inline and call out only when a chunk is full. */
typedef struct t2n_arena_chunk {
  struct t2n_arena_chunk *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
} t2n_arena_chunk;

struct t2n_arena {
  t2n_arena_chunk *head;
  void *last; /* most recent allocation, for in-place growth */
  size_t next_cap;
};

static inline void *t2n_arena_bump(t2n_arena *a, size_t n) {
  size_t r = n ? (n + 15) & ~(size_t)15 : 16;
  t2n_arena_chunk *c = a->head;
  if (c && c->cap - c->used >= r) {
    void *p = c->data + c->used;
    c->used += r;
    a->last = p;
    return p; /* chunks are zeroed when made and when reused */
  }
  return t2n_arena_alloc(a, n);
}

/* String-keyed open-addressing map; keys and the map live in an arena. */
typedef struct t2n_mslot {
  const char *key; /* NUL-terminated arena copy */
  void *val;
  uint32_t len, hash;
} t2n_mslot;
typedef struct t2n_map {
  t2n_arena *arena;
  t2n_mslot *slots;
  size_t cap, n;
} t2n_map;

void t2n_map_init(t2n_map *m, t2n_arena *a);
void *t2n_map_get(const t2n_map *m, const char *k, size_t n);
/* The same with the key's hash already computed (to probe two maps). */
uint32_t t2n_map_hash(const char *k, size_t n);
void *t2n_map_get_h(const t2n_map *m, const char *k, size_t n, uint32_t h);
/* Returns the stored key (an arena copy). */
const char *t2n_map_put(t2n_map *m, const char *k, size_t n, void *v);
int t2n_map_remove(t2n_map *m, const char *k, size_t n);
/* Finds k, or inserts it with a NULL value; one probe either way. Returns the
 * slot (m->slots[i]); *inserted says which happened. */
size_t t2n_map_slot(t2n_map *m, const char *k, size_t n, int *inserted);

struct t2n_strtab {
  t2n_map map;
  const char *prim_return; /* "prim::Return", interned once: every block has one */
  int prim_return_op;
};
struct t2n_type_table { t2n_map map; };
/* A graph's value names (names.c): decimal names below numcap by number,
 * the others in map. Use the t2n_names_* functions, not the fields. */
struct t2n_name_table {
  t2n_map map;
  t2n_value **num;
  size_t numcap, nnum;
};
void t2n_names_init(t2n_name_table *t, t2n_arena *a);
t2n_value *t2n_names_get(const t2n_name_table *t, const char *name, size_t len);
/* Finds name, or makes room for it (the value NULL until the caller sets
 * it); *key is the stored copy of the name, *inserted which happened. */
t2n_value **t2n_names_slot(t2n_name_table *t, const char *name, size_t len, const char **key, int *inserted);
void t2n_names_remove(t2n_name_table *t, const char *name, size_t len);

/* Fills `p` for the leaf type spelled s[0..n); 0 means a class name (type.c). */
int t2n_type_classify(const char *s, size_t n, t2n_type *p);
/* The shared type spelled text[0..len), if it is one of the builtins; else
 * the module's own, or NULL. */
const t2n_type *t2n_type_builtin(const char *text, size_t len);
const t2n_type *t2n_type_lookup(t2n_module *m, const char *text, size_t len);

/* Interns a node kind and gives its op id (t2n_op_lookup), looked up once
 * per distinct kind and module (module.c). */
const char *t2n_intern_kind(t2n_module *m, const char *s, size_t n, int *op);

/* The parser's variants of ir.c's constructors: names are (pointer, length)
 * slices of the input and the kind is already interned, its op id known. */
t2n_node *t2n_node_create(t2n_graph *g, const char *interned_kind, int op, int ninputs,
                          t2n_value *const *inputs, int noutputs);
t2n_value *t2n_node_set_output_n(t2n_node *n, int i, const char *name, size_t len,
                                 const t2n_type *ty);
t2n_value *t2n_block_add_param_n(t2n_block *b, const char *name, size_t len, const t2n_type *ty);

/* Builds the canonical spelling of a type from its structure (type.c). */
char *t2n_type_spell(t2n_module *m, const t2n_type *proto);

#endif
