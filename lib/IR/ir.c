/* Graph mutation: values with use lists, nodes in per-block lists, block
 * returns modelled as a prim::Return node so that every use has a user. */
#include "internal.h"
#include "t2n/alloc.h"
#include "t2n/ops.h"

#include <stdlib.h>
#include <string.h>

#define GROW(arena, ptr, n, cap)                                                  \
  do {                                                                            \
    if ((n) == (cap)) {                                                           \
      int nc_ = (cap) ? (cap) * 2 : 4;                                            \
      (ptr) = t2n_arena_grow((arena), (ptr), sizeof *(ptr) * (size_t)(cap),       \
                             sizeof *(ptr) * (size_t)nc_);                        \
      (cap) = nc_;                                                                \
    }                                                                             \
  } while (0)

static t2n_arena *A(t2n_graph *g) { return g->mod->arena; }

t2n_graph *t2n_graph_new(t2n_module *m) {
  t2n_graph *g = t2n_arena_bump(m->arena, sizeof *g);
  g->mod = m;
  g->names = t2n_arena_bump(m->arena, sizeof *g->names);
  t2n_names_init(g->names, m->arena);
  g->top = t2n_block_new(g, NULL);
  return g;
}

t2n_block *t2n_block_new(t2n_graph *g, t2n_node *owner) {
  t2n_block *b = t2n_arena_bump(A(g), sizeof *b);
  b->graph = g;
  b->owner = owner;
  t2n_strtab *st = g->mod->strings;
  if (!st->prim_return) st->prim_return = t2n_intern_kind(g->mod, "prim::Return", 12, &st->prim_return_op);
  b->ret = t2n_node_create(g, st->prim_return, st->prim_return_op, 0, NULL, 0);
  b->ret->parent = b;
  return b;
}

t2n_value *t2n_graph_lookup(t2n_graph *g, const char *name) {
  return t2n_names_get(g->names, name, strlen(name));
}

const char *t2n_graph_fresh_name(t2n_graph *g, const char *base) {
  char buf[256];
  if (!base || !*base) {
    do snprintf(buf, sizeof buf, "%u", ++g->fresh);
    while (t2n_graph_lookup(g, buf));
  } else {
    /* Drop an existing ".N" suffix so names stay short: x.3 -> x.<fresh>. */
    size_t n = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && dot[1] && strspn(dot + 1, "0123456789") == strlen(dot + 1)) n = (size_t)(dot - base);
    if (n > 200) n = 200;
    if (!t2n_graph_lookup(g, base) && n == strlen(base)) return t2n_intern(g->mod, base);
    do snprintf(buf, sizeof buf, "%.*s.%u", (int)n, base, ++g->fresh);
    while (t2n_graph_lookup(g, buf));
  }
  return t2n_intern(g->mod, buf);
}

static t2n_value *new_value(t2n_graph *g, const char *name, size_t len, const t2n_type *ty) {
  int inserted;
  const char *key;
  t2n_value **slot = t2n_names_slot(g->names, name, len, &key, &inserted);
  if (!inserted) return NULL; /* the name is taken */
  t2n_value *v = t2n_arena_bump(A(g), sizeof *v);
  v->name = key;
  v->namelen = (unsigned)len;
  *slot = v;
  v->type = ty;
  return v;
}

int t2n_graph_rename(t2n_graph *g, t2n_value *v, const char *name) {
  t2n_value *o = t2n_graph_lookup(g, name);
  if (o == v) return 1;
  if (o) return 0;
  t2n_names_remove(g->names, v->name, strlen(v->name));
  v->namelen = (unsigned)strlen(name);
  int inserted;
  *t2n_names_slot(g->names, name, v->namelen, &v->name, &inserted) = v;
  return 1;
}

t2n_value *t2n_block_add_param(t2n_block *b, const char *name, const t2n_type *ty) {
  if (!name) name = t2n_graph_fresh_name(b->graph, NULL);
  return t2n_block_add_param_n(b, name, strlen(name), ty);
}

t2n_value *t2n_block_add_param_n(t2n_block *b, const char *name, size_t len, const t2n_type *ty) {
  t2n_value *v = new_value(b->graph, name, len, ty);
  if (!v) return NULL;
  v->param_of = b;
  v->index = b->nparams;
  /* Capacity is implicit: the next power of two (at least 4) above nparams. */
  int n = b->nparams;
  if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
    int cap = n ? 2 * n : 4;
    b->params = t2n_arena_grow(A(b->graph), b->params, sizeof *b->params * (size_t)n,
                               sizeof *b->params * (size_t)cap);
  }
  b->params[b->nparams++] = v;
  return v;
}

void t2n_block_erase_param(t2n_block *b, int index) {
  t2n_value *v = b->params[index];
  if (v->nuses) T2N_UNREACHABLE("erasing a block parameter that still has uses");
  t2n_names_remove(b->graph->names, v->name, strlen(v->name));
  memmove(b->params + index, b->params + index + 1, sizeof *b->params * (size_t)(b->nparams - index - 1));
  b->nparams--;
  for (int i = index; i < b->nparams; i++) b->params[i]->index = i;
}

static void add_use(t2n_graph *g, t2n_value *v, t2n_node *n, int i) {
  if (!v->capuses) {
    v->uses = t2n_arena_bump(A(g), 4 * sizeof *v->uses);
    v->capuses = 4;
  }
  GROW(A(g), v->uses, v->nuses, v->capuses);
  v->uses[v->nuses].user = n;
  v->uses[v->nuses].index = i;
  v->nuses++;
}

static void drop_use(t2n_value *v, t2n_node *n, int i) {
  for (int k = 0; k < v->nuses; k++)
    if (v->uses[k].user == n && v->uses[k].index == i) {
      v->uses[k] = v->uses[--v->nuses];
      return;
    }
  T2N_UNREACHABLE("use list out of sync");
}

static t2n_graph *node_graph(t2n_node *n) { return n->parent ? n->parent->graph : NULL; }

t2n_node *t2n_node_new(t2n_graph *g, const char *kind, int ninputs,
                       t2n_value *const *inputs, int noutputs) {
  int op;
  const char *k = t2n_intern_kind(g->mod, kind, strlen(kind), &op);
  return t2n_node_create(g, k, op, ninputs, inputs, noutputs);
}

t2n_node *t2n_node_create(t2n_graph *g, const char *interned_kind, int op, int ninputs,
                          t2n_value *const *inputs, int noutputs) {
  t2n_node *n = t2n_arena_bump(A(g), sizeof *n);
  n->kind = interned_kind;
  n->op = op;
  /* Remember the graph for detached nodes through a temporary parent-less
   * block pointer: inputs need the arena, which the graph gives. */
  n->capinputs = ninputs > 4 ? ninputs : 4;
  n->inputs = t2n_arena_bump(A(g), sizeof *n->inputs * (size_t)n->capinputs);
  for (int i = 0; i < ninputs; i++) {
    n->inputs[i] = inputs[i];
    add_use(g, inputs[i], n, i);
  }
  n->ninputs = ninputs;
  n->noutputs = noutputs;
  n->outputs = t2n_arena_bump(A(g), sizeof *n->outputs * (size_t)(noutputs + 1));
  n->parent = NULL;
  return n;
}

/* Nodes know their graph through their block; a detached node created by
 * t2n_node_new has none, so the few operations that need the arena on a
 * detached node take the graph from one of its values or fail loudly. */
static t2n_graph *graph_of(t2n_node *n) {
  t2n_graph *g = node_graph(n);
  if (g) return g;
  for (int i = 0; i < n->ninputs; i++) {
    t2n_value *v = n->inputs[i];
    if (v->def && v->def->parent) return v->def->parent->graph;
    if (v->param_of) return v->param_of->graph;
  }
  return NULL;
}

t2n_value *t2n_node_set_output(t2n_node *n, int i, const char *name, const t2n_type *ty) {
  t2n_graph *g = graph_of(n);
  if (!g) T2N_UNREACHABLE("t2n_node_set_output on a node with no graph; insert it first");
  if (!name) name = t2n_graph_fresh_name(g, NULL);
  return t2n_node_set_output_n(n, i, name, strlen(name), ty);
}

t2n_value *t2n_node_set_output_n(t2n_node *n, int i, const char *name, size_t len,
                                 const t2n_type *ty) {
  t2n_graph *g = graph_of(n);
  if (!g) T2N_UNREACHABLE("t2n_node_set_output on a node with no graph; insert it first");
  t2n_value *v = new_value(g, name, len, ty);
  if (!v) return NULL;
  v->def = n;
  v->index = i;
  n->outputs[i] = v;
  return v;
}

t2n_block *t2n_node_add_block(t2n_node *n) {
  t2n_graph *g = graph_of(n);
  if (!g) T2N_UNREACHABLE("t2n_node_add_block on a node with no graph; insert it first");
  t2n_block *b = t2n_block_new(g, n);
  n->blocks = t2n_arena_grow(A(g), n->blocks, sizeof *n->blocks * (size_t)n->nblocks,
                             sizeof *n->blocks * (size_t)(n->nblocks + 1));
  n->blocks[n->nblocks++] = b;
  return b;
}

void t2n_node_add_input(t2n_node *n, t2n_value *v) {
  t2n_graph *g = graph_of(n);
  if (!g) g = v->def && v->def->parent ? v->def->parent->graph : v->param_of ? v->param_of->graph : NULL;
  if (!g) T2N_UNREACHABLE("t2n_node_add_input without a graph");
  GROW(A(g), n->inputs, n->ninputs, n->capinputs);
  n->inputs[n->ninputs] = v;
  add_use(g, v, n, n->ninputs);
  n->ninputs++;
}

void t2n_node_set_input(t2n_node *n, int i, t2n_value *v) {
  t2n_graph *g = graph_of(n);
  drop_use(n->inputs[i], n, i);
  n->inputs[i] = v;
  add_use(g ? g : v->def ? v->def->parent->graph : v->param_of->graph, v, n, i);
}

void t2n_node_remove_input(t2n_node *n, int i) {
  drop_use(n->inputs[i], n, i);
  for (int k = i + 1; k < n->ninputs; k++) {
    t2n_value *v = n->inputs[k];
    for (int u = 0; u < v->nuses; u++)
      if (v->uses[u].user == n && v->uses[u].index == k) {
        v->uses[u].index = k - 1;
        break;
      }
    n->inputs[k - 1] = v;
  }
  n->ninputs--;
}

void t2n_node_add_attr(t2n_node *n, const char *name, const char *raw) {
  t2n_graph *g = graph_of(n);
  if (!g) T2N_UNREACHABLE("t2n_node_add_attr on a node with no graph");
  n->attrs = t2n_arena_grow(A(g), n->attrs, sizeof *n->attrs * (size_t)n->nattrs,
                            sizeof *n->attrs * (size_t)(n->nattrs + 1));
  t2n_attr *a = &n->attrs[n->nattrs++];
  a->name = t2n_intern(g->mod, name);
  a->raw = t2n_arena_strndup(A(g), raw, strlen(raw));
  t2n_attr_classify(g->mod, a);
}

const t2n_attr *t2n_node_attr(const t2n_node *n, const char *name) {
  for (int i = 0; i < n->nattrs; i++)
    if (strcmp(n->attrs[i].name, name) == 0) return &n->attrs[i];
  return NULL;
}

static void set_parent_rec(t2n_node *n, t2n_block *b) { n->parent = b; }

void t2n_node_insert_before(t2n_node *n, t2n_node *pos) {
  t2n_block *b = pos->parent;
  if (pos == b->ret) {
    t2n_node_append(n, b);
    return;
  }
  set_parent_rec(n, b);
  n->next = pos;
  n->prev = pos->prev;
  if (pos->prev) pos->prev->next = n;
  else b->first = n;
  pos->prev = n;
}

void t2n_node_insert_after(t2n_node *n, t2n_node *pos) {
  t2n_block *b = pos->parent;
  set_parent_rec(n, b);
  n->prev = pos;
  n->next = pos->next;
  if (pos->next) pos->next->prev = n;
  else b->last = n;
  pos->next = n;
}

void t2n_node_append(t2n_node *n, t2n_block *b) {
  set_parent_rec(n, b);
  n->next = NULL;
  n->prev = b->last;
  if (b->last) b->last->next = n;
  else b->first = n;
  b->last = n;
}

void t2n_node_unlink(t2n_node *n) {
  t2n_block *b = n->parent;
  if (!b) return;
  if (n->prev) n->prev->next = n->next;
  else b->first = n->next;
  if (n->next) n->next->prev = n->prev;
  else b->last = n->prev;
  n->prev = n->next = NULL;
  /* Keep parent so the node still knows its graph until it is reinserted. */
}

static void drop_all_uses(t2n_node *n) {
  for (int i = 0; i < n->ninputs; i++) drop_use(n->inputs[i], n, i);
  n->ninputs = 0;
  for (int k = 0; k < n->nblocks; k++) {
    t2n_block *b = n->blocks[k];
    for (t2n_node *c = b->last; c; c = c->prev) drop_all_uses(c);
    drop_all_uses(b->ret);
  }
}

static void forget_names(t2n_graph *g, t2n_node *n) {
  for (int i = 0; i < n->noutputs; i++)
    if (n->outputs[i]) t2n_names_remove(g->names, n->outputs[i]->name, strlen(n->outputs[i]->name));
  for (int k = 0; k < n->nblocks; k++) {
    t2n_block *b = n->blocks[k];
    for (int i = 0; i < b->nparams; i++) t2n_names_remove(g->names, b->params[i]->name, strlen(b->params[i]->name));
    for (t2n_node *c = b->first; c; c = c->next) forget_names(g, c);
  }
}

void t2n_node_erase(t2n_node *n) {
  for (int i = 0; i < n->noutputs; i++)
    if (n->outputs[i] && n->outputs[i]->nuses) T2N_UNREACHABLE("erasing a node whose outputs are used");
  t2n_graph *g = graph_of(n);
  drop_all_uses(n);
  if (g) forget_names(g, n);
  t2n_node_unlink(n);
  n->parent = NULL;
}

void t2n_value_replace_all_uses(t2n_value *from, t2n_value *to) {
  if (from == to) return;
  while (from->nuses) {
    t2n_use u = from->uses[from->nuses - 1];
    t2n_node_set_input(u.user, u.index, to);
  }
}

int t2n_node_is(const t2n_node *n, const char *kind) { return strcmp(n->kind, kind) == 0; }

int t2n_node_has_side_effects(const t2n_node *n) { return t2n_op_has_effects(n); }

t2n_value *t2n_graph_input(t2n_graph *g, int i) { return g->top->params[i]; }
int t2n_graph_ninputs(const t2n_graph *g) { return g->top->nparams; }

t2n_node *t2n_insert_constant(t2n_graph *g, t2n_node *before, const t2n_type *ty,
                              const char *raw) {
  t2n_node *n = t2n_node_new(g, "prim::Constant", 0, NULL, 1);
  if (before) t2n_node_insert_before(n, before);
  else t2n_node_append(n, g->top);
  t2n_node_set_output(n, 0, NULL, ty);
  if (raw) t2n_node_add_attr(n, "value", raw);
  return n;
}

t2n_node *t2n_insert_int(t2n_graph *g, t2n_node *before, int64_t v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%lld", (long long)v);
  return t2n_insert_constant(g, before, t2n_type_get(g->mod, "int"), buf);
}

t2n_node *t2n_insert_bool(t2n_graph *g, t2n_node *before, int v) {
  return t2n_insert_constant(g, before, t2n_type_get(g->mod, "bool"), v ? "1" : "0");
}

t2n_node *t2n_insert_float(t2n_graph *g, t2n_node *before, double v) {
  return t2n_insert_constant(g, before, t2n_type_get(g->mod, "float"), t2n_fmt_float(g->mod, v));
}

int t2n_walk(t2n_block *b, t2n_node_fn fn, void *ctx) {
  for (t2n_node *n = b->first, *next; n; n = next) {
    next = n->next;
    if (fn(n, ctx)) return 1;
    for (int i = 0; i < n->nblocks; i++)
      if (t2n_walk(n->blocks[i], fn, ctx)) return 1;
  }
  return 0;
}

typedef struct {
  int (*keep)(const t2n_node *n);
  t2n_node **v;
  int n, cap;
} collector;

static int collect_one(t2n_node *n, void *p) {
  collector *c = p;
  if (c->keep(n)) {
    T2N_GROW(c->v, c->cap, c->n + 1);
    c->v[c->n++] = n;
  }
  return 0;
}

int t2n_node_set_add(t2n_node_set *s, const t2n_node *n) {
  for (int i = 0; i < s->n; i++)
    if (s->v[i] == n) return 0;
  T2N_GROW(s->v, s->cap, s->n + 1);
  s->v[s->n++] = n;
  return 1;
}

t2n_node **t2n_collect(t2n_block *b, int (*keep)(const t2n_node *n), int *count) {
  collector c = {keep, NULL, 0, 0};
  t2n_walk(b, collect_one, &c);
  *count = c.n;
  return c.v;
}

/* ---- cloning ---- */
typedef struct { t2n_map map; } vmap; /* keyed by value pointer bytes */

static void vmap_put(vmap *m, t2n_value *k, t2n_value *v) {
  t2n_map_put(&m->map, (const char *)&k, sizeof k, v);
}
static t2n_value *vmap_get(vmap *m, t2n_value *k) {
  t2n_value *v = t2n_map_get(&m->map, (const char *)&k, sizeof k);
  return v ? v : k; /* values from outside the cloned block map to themselves */
}

static void clone_nodes(t2n_block *src, t2n_block *dst, t2n_node *pos, vmap *vm);

static t2n_node *clone_node(t2n_node *n, t2n_block *dst, t2n_node *pos, vmap *vm) {
  t2n_graph *g = dst->graph;
  t2n_node *c = t2n_node_new(g, n->kind, 0, NULL, n->noutputs);
  if (pos) t2n_node_insert_before(c, pos);
  else t2n_node_append(c, dst);
  for (int i = 0; i < n->ninputs; i++) t2n_node_add_input(c, vmap_get(vm, n->inputs[i]));
  c->attrs = n->attrs; /* attributes are immutable once made: share them */
  c->nattrs = n->nattrs;
  c->scope = n->scope;
  c->source = n->source;
  c->subgraph = n->subgraph;
  c->pyop_args = n->pyop_args;
  c->has_attr_brackets = n->has_attr_brackets;
  c->line = n->line; /* remarks on a copy point at its original */
  for (int i = 0; i < n->noutputs; i++) {
    t2n_value *o = n->outputs[i];
    t2n_value *v = t2n_node_set_output(c, i, t2n_graph_fresh_name(g, o->name), o->type);
    vmap_put(vm, o, v);
  }
  for (int k = 0; k < n->nblocks; k++) {
    t2n_block *sb = n->blocks[k], *db = t2n_node_add_block(c);
    for (int i = 0; i < sb->nparams; i++) {
      t2n_value *p = sb->params[i];
      vmap_put(vm, p, t2n_block_add_param(db, t2n_graph_fresh_name(g, p->name), p->type));
    }
    clone_nodes(sb, db, NULL, vm);
    for (int i = 0; i < sb->ret->ninputs; i++) t2n_node_add_input(db->ret, vmap_get(vm, sb->ret->inputs[i]));
  }
  return c;
}

static void clone_nodes(t2n_block *src, t2n_block *dst, t2n_node *pos, vmap *vm) {
  for (t2n_node *n = src->first; n; n = n->next) clone_node(n, dst, pos, vm);
}

void t2n_clone_block_into(t2n_block *src, t2n_value *const *args, t2n_block *dst,
                          t2n_node *pos, t2n_value **outs) {
  vmap vm;
  t2n_map_init(&vm.map, dst->graph->mod->arena);
  for (int i = 0; i < src->nparams; i++) vmap_put(&vm, src->params[i], args[i]);
  clone_nodes(src, dst, pos, &vm);
  for (int i = 0; i < src->ret->ninputs; i++) outs[i] = vmap_get(&vm, src->ret->inputs[i]);
}

void t2n_splice_block_before(t2n_block *b, t2n_node *pos) {
  for (t2n_node *n = b->first, *next; n; n = next) {
    next = n->next;
    t2n_node_unlink(n);
    t2n_node_insert_before(n, pos);
  }
}
