/* Modules own the arena and the intern tables; lookups over classes,
 * functions and the object tree. */
#include "internal.h"
#include "t2n/diag.h"
#include "t2n/ops.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

t2n_module *t2n_module_new(void) {
  t2n_arena *a = t2n_arena_new();
  t2n_module *m = t2n_arena_bump(a, sizeof *m);
  m->arena = a;
  m->strings = t2n_arena_bump(a, sizeof *m->strings);
  m->types = t2n_arena_bump(a, sizeof *m->types);
  t2n_map_init(&m->strings->map, a);
  t2n_map_init(&m->types->map, a);
  m->version = 1;
  return m;
}

void t2n_module_free(t2n_module *m) {
  if (m) t2n_arena_free(m->arena);
}

const char *t2n_intern_n(t2n_module *m, const char *s, size_t n) {
  int inserted;
  size_t i = t2n_map_slot(&m->strings->map, s, n, &inserted);
  return m->strings->map.slots[i].key;
}

/* The slot's value, unused by plain interning, caches the op id (plus one,
 * so that NULL means "not looked up yet") of a string used as a node kind:
 * the op table is then searched once per distinct kind and module instead
 * of once per node. */
const char *t2n_intern_kind(t2n_module *m, const char *s, size_t n, int *op) {
  int inserted;
  size_t i = t2n_map_slot(&m->strings->map, s, n, &inserted);
  t2n_mslot *slot = &m->strings->map.slots[i];
  if (!slot->val) slot->val = (void *)(intptr_t)(t2n_op_lookup(slot->key) + 1);
  *op = (int)(intptr_t)slot->val - 1;
  return slot->key;
}

const char *t2n_intern(t2n_module *m, const char *s) {
  return t2n_intern_n(m, s, strlen(s));
}

t2n_class *t2n_module_class(t2n_module *m, const char *qualname) {
  for (int i = 0; i < m->nclasses; i++)
    if (strcmp(m->classes[i]->name, qualname) == 0) return m->classes[i];
  return NULL;
}

t2n_function *t2n_module_function(t2n_module *m, const char *qualname) {
  for (int i = 0; i < m->nfunctions; i++)
    if (strcmp(m->functions[i]->name, qualname) == 0) return m->functions[i];
  return NULL;
}

t2n_function *t2n_module_function_by_short_name(t2n_module *m, const char *name) {
  for (int i = 0; i < m->nfunctions; i++) {
    const char *q = m->functions[i]->name, *dot = strrchr(q, '.');
    if (strcmp(dot ? dot + 1 : q, name) == 0) return m->functions[i];
  }
  return NULL;
}

const t2n_field *t2n_object_field(const t2n_object *o, const char *name) {
  for (int i = 0; i < o->nfields; i++)
    if (strcmp(o->fields[i].name, name) == 0) return &o->fields[i];
  return NULL;
}

const t2n_method *t2n_class_method(const t2n_class *c, const char *name) {
  for (int i = 0; i < c->nmethods; i++)
    if (strcmp(c->methods[i].name, name) == 0) return &c->methods[i];
  return NULL;
}

const t2n_slot *t2n_class_slot(const t2n_class *c, const char *name) {
  for (int i = 0; i < c->nslots; i++)
    if (strcmp(c->slots[i].name, name) == 0) return &c->slots[i];
  return NULL;
}

typedef struct { t2n_module *m; t2n_graph **v; int n, cap; } gvec;

static void gpush(gvec *g, t2n_graph *x) {
  if (g->n == g->cap) {
    int nc = g->cap ? g->cap * 2 : 16;
    g->v = t2n_arena_grow(g->m->arena, g->v, sizeof *g->v * (size_t)g->cap, sizeof *g->v * (size_t)nc);
    g->cap = nc;
  }
  g->v[g->n++] = x;
}

static void dump_graphs(gvec *g, t2n_object *o) {
  for (int i = 0; i < o->nmethods; i++) gpush(g, o->methods[i].graph);
  for (int i = 0; i < o->nsubs; i++) dump_graphs(g, o->subs[i]);
}

int t2n_module_graphs(t2n_module *m, t2n_graph ***out) {
  gvec g = {m, NULL, 0, 0};
  if (m->graph) gpush(&g, m->graph);
  if (m->kind == T2N_TEXT_DUMP && m->root) dump_graphs(&g, m->root);
  for (int i = 0; i < m->nclasses; i++)
    for (int j = 0; j < m->classes[i]->nmethods; j++) gpush(&g, m->classes[i]->methods[j].graph);
  for (int i = 0; i < m->nfunctions; i++) gpush(&g, m->functions[i]->graph);
  *out = g.v;
  return g.n;
}

t2n_graph *t2n_module_target_graph(t2n_module *m, const char *method, t2n_diag *d) {
  if (m->kind == T2N_TEXT_GRAPH) return m->graph;
  const char *name = method ? method : "forward";
  if (m->kind == T2N_TEXT_DUMP) {
    for (int i = 0; i < m->root->nmethods; i++)
      if (strcmp(m->root->methods[i].name, name) == 0) return m->root->methods[i].graph;
  } else {
    t2n_class *c = m->root ? t2n_module_class(m, m->root->qualname) : NULL;
    const t2n_method *mm = c ? t2n_class_method(c, name) : NULL;
    if (mm) return mm->graph;
  }
  /* Say which methods there are: scripted overloads are named forward__0,
   * forward__1, ... and need --method. */
  char list[512] = "";
  size_t used = 0;
  int n = 0;
  const t2n_method *ms = NULL;
  if (m->kind == T2N_TEXT_DUMP && m->root) {
    ms = m->root->methods;
    n = m->root->nmethods;
  } else if (m->root) {
    t2n_class *c = t2n_module_class(m, m->root->qualname);
    if (c) ms = c->methods, n = c->nmethods;
  }
  for (int i = 0; i < n && used + 4 < sizeof list; i++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", ms[i].name);
  if (used >= sizeof list) strcpy(list + sizeof list - 4, "...");
  t2n_report(d, T2N_ERROR, NULL, "the root module has no method '%s' (it has: %s; choose one with --method)", name,
             n ? list : "none");
  return NULL;
}
