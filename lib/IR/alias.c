/* The mutation analysis of include/t2n/ops.h: which values may be written
 * in place, through which aliases.
 *
 * Values of mutable types get alias sets, merged with union-find: first
 * every alias fact of the graph is applied (loop-carried values, the op
 * table's rK=aI, the attribute a prim::GetAttr reads, callees' summaries),
 * until nothing merges; set 0 is the wildcard set of everything stored in or
 * taken out of a container. Then every write the table (or a callee) reports
 * is recorded on the set of the written value.
 *
 * A prim::If output of a tensor or container type is not merged with what
 * its blocks return: it is either of them, not both at once, so its set gets
 * a directed "may be" edge to each (the merges, `down`). A write through
 * the If output may write either; a write inside one block to a fresh value
 * it returns (`x = x.clone(); x[k].zero_()`, torch's F._canonical_mask, the
 * swin qkv bias) does not write what the other block returns. So a query of
 * v looks at D, the sets v may be (down edges from v's set), and at every set
 * that may be one of D (up edges from D): x and y may alias when the sets
 * they may be meet.
 *
 * Writes are kept apart by what they change: a tensor's data or shape, or a
 * container's length or contents. A list that holds tensors shares the
 * wildcard set with them; appending to the list does not change the shape
 * of a tensor in it (emformer's segment lists), and a tensor query ignores
 * it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "t2n/alloc.h"
#include "ops_internal.h"

#define MAX_CALL_DEPTH 16 /* callee summaries nest this deep, then calls are unknown */

/* What a write changes, by the written value's type: a tensor, or anything
 * else (containers, objects); a type that may be either counts as both. */
enum { K_TENSOR = 1, K_OTHER = 2, K_ANY = 3 };

typedef struct aset {
  int parent;
  int attr_of;               /* set of the object this is an attribute of, else -1 */
  const t2n_node *writer[2]; /* first write of any kind: [0] of a tensor, [1] of anything else */
  const t2n_node *resizer[2];/* first write that may change a shape or length, by kind */
  const t2n_node *deep;      /* first write of its elements or attributes */
  const t2n_node *kept;      /* a construct whose elements stay out of the wildcard set (only_read) */
  int kept_many;             /* more than one such construct merged here */
} aset;

/* A "may be" edge: an If output's set may be the set a block returns. */
typedef struct aedge {
  int from, to;
} aedge;

struct t2n_alias {
  t2n_arena *arena;
  t2n_graph *g;
  t2n_map ids;     /* value pointer -> set index + 1 */
  t2n_map attrs;   /* "set:name" -> set index + 1, rebuilt each round */
  t2n_map callees; /* graph pointer -> its t2n_alias */
  aset *sets;
  int nsets, cap;
  int depth;
  int merged;      /* unions made in the current round */
  aedge *edges;    /* the If outputs' "may be" edges, by root, after the unions */
  int nedges, capedges;
  const t2n_graph **stack; /* graphs being analysed, for recursion */
  int nstack;
};

static int find(t2n_alias *a, int s) {
  while (a->sets[s].parent != s) {
    a->sets[s].parent = a->sets[a->sets[s].parent].parent;
    s = a->sets[s].parent;
  }
  return s;
}

static int new_set(t2n_alias *a) {
  T2N_GROW(a->sets, a->cap, a->nsets + 1);
  aset *s = &a->sets[a->nsets];
  memset(s, 0, sizeof *s);
  s->parent = a->nsets;
  s->attr_of = -1;
  return a->nsets++;
}

/* The set of v, made on first sight; -1 for an immutable value. */
static int set_of(t2n_alias *a, const t2n_value *v) {
  if (!v || !t2n_type_is_mutable(v->type)) return -1;
  void *p = t2n_map_get(&a->ids, (const char *)&v, sizeof v);
  if (p) return find(a, (int)(intptr_t)p - 1);
  int s = new_set(a);
  t2n_map_put(&a->ids, (const char *)&v, sizeof v, (void *)(intptr_t)(s + 1));
  return s;
}

static const t2n_node *first(const t2n_node *x, const t2n_node *y) { return x ? x : y; }

static void join_sets(t2n_alias *a, int x, int y) {
  if (x < 0 || y < 0) return;
  x = find(a, x);
  y = find(a, y);
  if (x == y) return;
  if (y == 0) { /* keep the wildcard set's index as its root */
    int t = x;
    x = y;
    y = t;
  }
  aset *X = &a->sets[x], *Y = &a->sets[y];
  Y->parent = x;
  for (int k = 0; k < 2; k++) {
    X->writer[k] = first(X->writer[k], Y->writer[k]);
    X->resizer[k] = first(X->resizer[k], Y->resizer[k]);
  }
  X->deep = first(X->deep, Y->deep);
  if (X->kept && Y->kept) X->kept_many = 1;
  X->kept = first(X->kept, Y->kept);
  X->kept_many |= Y->kept_many;
  if (X->attr_of < 0) X->attr_of = Y->attr_of;
  a->merged++;
}

static void join(t2n_alias *a, const t2n_value *x, const t2n_value *y) { join_sets(a, set_of(a, x), set_of(a, y)); }
static void to_wild(t2n_alias *a, const t2n_value *v) { join_sets(a, set_of(a, v), 0); }

/* What a write of a value of type t changes (K_TENSOR, K_OTHER or K_ANY). */
static int kind_of(const t2n_type *t) {
  if (!t) return K_ANY;
  if (t->kind == T2N_TY_OPTIONAL && t->nelems == 1) t = t->elems[0];
  switch (t->kind) {
  case T2N_TY_TENSOR: return K_TENSOR;
  case T2N_TY_LIST:
  case T2N_TY_DICT:
  case T2N_TY_TUPLE: return K_OTHER;
  default: return K_ANY;
  }
}

/* If outputs of these types get "may be" edges instead of unions: their
 * aliases are all found through the op table. Objects (whose attributes are
 * keyed by the object's set) and values of unknown kind are merged. */
static int directional(const t2n_type *t) { return kind_of(t) != K_ANY; }

/* Grows mark (one byte per set, roots marked) along the "may be" edges:
 * down (from an If output's set to what it may be) or, with up, back. */
static void close_over(const t2n_alias *a, unsigned char *mark, int up) {
  for (int changed = a->nedges > 0; changed;) {
    changed = 0;
    for (int e = 0; e < a->nedges; e++) {
      int f = up ? a->edges[e].to : a->edges[e].from, t = up ? a->edges[e].from : a->edges[e].to;
      if (mark[f] && !mark[t]) mark[t] = changed = 1;
    }
  }
}

/* The sets root s may be (s itself and down), as marks to free. */
static unsigned char *may_be(const t2n_alias *a, int s) {
  unsigned char *d = t2n_xcalloc((size_t)a->nsets, 1);
  d[s] = 1;
  close_over(a, d, 0);
  return d;
}

/* Roots x and y may be one value: the sets they may be meet. */
static int sets_meet(t2n_alias *a, int x, int y) {
  if (x < 0 || y < 0) return 0;
  if (x == y) return 1;
  if (!a->nedges) return 0;
  unsigned char *dx = may_be(a, x), *dy = may_be(a, y);
  int meet = 0;
  for (int i = 0; i < a->nsets && !meet; i++) meet = dx[i] && dy[i];
  free(dx);
  free(dy);
  return meet;
}

/* The "may be" edges, by root, once the unions are done. */
static void collect_edges(t2n_alias *a, t2n_node *n) {
  if (n->op != T2N_OP_prim_If) return;
  for (int b = 0; b < n->nblocks; b++)
    for (int k = 0; k < n->noutputs && k < n->blocks[b]->ret->ninputs; k++) {
      int f = set_of(a, n->outputs[k]), t = set_of(a, n->blocks[b]->ret->inputs[k]);
      if (f < 0 || t < 0 || f == t) continue;
      T2N_GROW(a->edges, a->capedges, a->nedges + 1);
      a->edges[a->nedges++] = (aedge){f, t};
    }
}

static void walk(t2n_alias *a, t2n_block *b, void (*fn)(t2n_alias *a, t2n_node *n)) {
  for (t2n_node *n = b->first; n; n = n->next) {
    for (int k = 0; k < n->nblocks; k++) walk(a, n->blocks[k], fn);
    fn(a, n);
  }
}

/* ---- calls ---- */
static t2n_alias *analyse(t2n_graph *g, int depth, const t2n_graph **stack, int nstack);

/* The callee's graph and the index of the first call input it receives. */
static t2n_graph *callee_of(const t2n_node *n, int *first_arg) {
  t2n_module *m = n->parent && n->parent->graph ? n->parent->graph->mod : NULL;
  if (!m) return NULL;
  if (n->op == T2N_OP_prim_CallFunction) {
    const t2n_node *c = n->ninputs ? n->inputs[0]->def : NULL;
    const t2n_attr *at = c && c->op == T2N_OP_prim_Constant ? t2n_node_attr(c, "name") : NULL;
    t2n_function *fn = at && at->kind == T2N_ATTR_STRING ? t2n_module_function_by_short_name(m, at->s) : NULL;
    *first_arg = 1;
    return fn ? fn->graph : NULL;
  }
  if (n->op == T2N_OP_prim_CallMethod) {
    const t2n_attr *at = t2n_node_attr(n, "name");
    const t2n_type *rt = n->ninputs ? n->inputs[0]->type : NULL;
    if (!at || at->kind != T2N_ATTR_STRING || !rt || rt->kind != T2N_TY_CLASS) return NULL;
    t2n_class *cl = t2n_module_class(m, rt->name);
    const t2n_method *mm = cl ? t2n_class_method(cl, at->s) : NULL;
    *first_arg = 0;
    return mm ? mm->graph : NULL;
  }
  return NULL;
}

/* The analysis of the callee of n when it can be had, else NULL. */
static t2n_alias *summary(t2n_alias *a, const t2n_node *n, int *first_arg) {
  t2n_graph *g = callee_of(n, first_arg);
  if (!g || a->depth >= MAX_CALL_DEPTH) return NULL;
  if (g->top->nparams != n->ninputs - *first_arg || g->top->ret->ninputs != n->noutputs) return NULL;
  for (int i = 0; i < a->nstack; i++)
    if (a->stack[i] == g) return NULL; /* recursion: unknown */
  t2n_alias *c = t2n_map_get(&a->callees, (const char *)&g, sizeof g);
  if (c) return c;
  c = analyse(g, a->depth + 1, a->stack, a->nstack);
  t2n_map_put(&a->callees, (const char *)&g, sizeof g, c);
  return c;
}

static void unknown_unions(t2n_alias *a, const t2n_node *n) {
  for (int i = 0; i < n->ninputs; i++) to_wild(a, n->inputs[i]);
  for (int i = 0; i < n->noutputs; i++) to_wild(a, n->outputs[i]);
}

static void call_unions(t2n_alias *a, const t2n_node *n) {
  int f = 0;
  t2n_alias *c = summary(a, n, &f);
  if (!c) {
    unknown_unions(a, n);
    return;
  }
  t2n_block *top = c->g->top;
  for (int j = 0; j < top->nparams; j++) {
    int pj = set_of(c, top->params[j]);
    if (pj < 0) continue;
    /* A parameter the callee stores in a container, or whose attributes it
     * hands out, escapes. */
    if (pj == 0) to_wild(a, n->inputs[f + j]);
  }
  for (int k = 0; k < n->noutputs; k++) {
    int rk = set_of(c, top->ret->inputs[k]);
    if (rk < 0) continue;
    /* What the callee's result may be: a container's element, an attribute. */
    unsigned char *d = may_be(c, rk);
    int wild = d[0], attr = 0;
    for (int i = 0; i < c->nsets; i++)
      if (d[i] && c->sets[i].attr_of >= 0) attr = 1;
    free(d);
    if (wild || attr) {
      to_wild(a, n->outputs[k]);
      if (attr)
        for (int j = 0; j < top->nparams; j++) to_wild(a, n->inputs[f + j]);
    }
    for (int j = 0; j < top->nparams; j++)
      if (sets_meet(c, set_of(c, top->params[j]), rk)) join(a, n->outputs[k], n->inputs[f + j]);
  }
}

/* ---- round one: aliases ---- */
static void attr_union(t2n_alias *a, const t2n_node *n, const t2n_value *v) {
  const t2n_attr *at = t2n_node_attr(n, "name");
  int obj = set_of(a, n->inputs[0]), s = set_of(a, v);
  if (!at || obj < 0 || s < 0) return;
  char key[64];
  int len = snprintf(key, sizeof key, "%d:", obj);
  size_t klen = (size_t)len + strlen(at->raw);
  char *k = klen < sizeof key ? key : t2n_arena_alloc(a->arena, klen + 1);
  snprintf(k, klen + 1, "%d:%s", obj, at->raw);
  void *p = t2n_map_get(&a->attrs, k, klen);
  if (p) join_sets(a, s, (int)(intptr_t)p - 1);
  else t2n_map_put(&a->attrs, k, klen, (void *)(intptr_t)(s + 1));
  int r = find(a, s);
  if (a->sets[r].attr_of < 0) a->sets[r].attr_of = obj;
}

/* Does every use of container c only read it (cat, stack, len, ...): no use
 * takes an element out, writes, keeps or returns it, or is a block? Its
 * elements then meet nothing through it, and need not join the wildcard set
 * (a torch.cat of a mask would otherwise make it alias every tensor ever
 * put in a list, the weights that chunk splits among them). */
static int only_read(const t2n_value *c) {
  for (int j = 0; j < c->nuses; j++) {
    const t2n_node *u = c->uses[j].user;
    int i = c->uses[j].index;
    if (u->op == T2N_OP_UNKNOWN || u->op == T2N_OP_prim_Return || u->nblocks || (t2n_op_effects(u) & T2N_EFF_CALL) ||
        u->op == T2N_OP_prim_CallFunction || u->op == T2N_OP_prim_CallMethod || u->op == T2N_OP_prim_SetAttr)
      return 0;
    if (t2n_op_mutates_input(u, i) || t2n_op_input_escapes(u, i)) return 0;
    for (int k = 0; k < u->noutputs; k++) {
      int al = t2n_op_output_aliases(u, k);
      if (al == i || al == T2N_OP_ALIAS_ANY || t2n_op_output_from_container(u, k)) return 0;
    }
  }
  return 1;
}

static void alias_node(t2n_alias *a, t2n_node *n) {
  if ((n->op == T2N_OP_prim_ListConstruct || n->op == T2N_OP_prim_TupleConstruct) && n->noutputs == 1 &&
      only_read(n->outputs[0])) {
    int s = set_of(a, n->outputs[0]);
    if (s >= 0 && a->sets[s].kept != n) {
      if (a->sets[s].kept) a->sets[s].kept_many = 1;
      else a->sets[s].kept = n;
    }
    return;
  }
  if (n->op == T2N_OP_prim_If) {
    /* Merged only when the output escaped into the wildcard set (what it
     * may be escapes with it) or has no kind; else a "may be" edge. */
    for (int b = 0; b < n->nblocks; b++)
      for (int k = 0; k < n->noutputs && k < n->blocks[b]->ret->ninputs; k++)
        if (!directional(n->outputs[k]->type) || set_of(a, n->outputs[k]) == 0)
          join(a, n->outputs[k], n->blocks[b]->ret->inputs[k]);
    return;
  }
  if (n->op == T2N_OP_prim_Loop) {
    t2n_block *body = n->nblocks ? n->blocks[0] : NULL;
    for (int k = 0; k < n->noutputs; k++) {
      if (k + 2 < n->ninputs) join(a, n->outputs[k], n->inputs[k + 2]);
      if (body && k + 1 < body->nparams) join(a, n->outputs[k], body->params[k + 1]);
      if (body && k + 1 < body->ret->ninputs) join(a, n->outputs[k], body->ret->inputs[k + 1]);
    }
    return;
  }
  if (n->op == T2N_OP_prim_GetAttr && n->ninputs == 1 && n->noutputs == 1) {
    attr_union(a, n, n->outputs[0]);
    return;
  }
  if (n->op == T2N_OP_prim_SetAttr && n->ninputs == 2) {
    attr_union(a, n, n->inputs[1]);
    return;
  }
  if (n->op == T2N_OP_prim_CallFunction || n->op == T2N_OP_prim_CallMethod) {
    call_unions(a, n);
    return;
  }
  const t2n_op_sig *all;
  int cnt, mode = t2n_op_sigs(n, &all, &cnt);
  if (!mode) {
    unknown_unions(a, n);
    return;
  }
  for (const t2n_op_sig *s = all; s < all + cnt; s++) {
    if (mode == 1 && !t2n_op_sig_fits(s, n)) continue;
    if (s->alias_any) {
      unknown_unions(a, n);
      continue;
    }
    for (int t = 0; t < s->naliases; t++) {
      const t2n_op_alias *al = &s->aliases[t];
      for (int k = 0; k < n->noutputs; k++) {
        if (al->kind == T2N_AL_ESCAPES || (al->out >= 0 && al->out != k)) continue;
        if (al->kind == T2N_AL_FROM_CONTAINER) to_wild(a, n->outputs[k]);
        else if (al->in < 0)
          for (int i = 0; i < n->ninputs; i++) join(a, n->outputs[k], n->inputs[i]);
        else if (al->in < n->ninputs)
          join(a, n->outputs[k], n->inputs[al->in]);
      }
      if (al->kind == T2N_AL_ESCAPES)
        for (int i = 0; i < n->ninputs; i++)
          if (al->in < 0 || al->in == i) to_wild(a, n->inputs[i]);
    }
  }
}

/* ---- round two: writes ---- */
static void record(t2n_alias *a, int s, const t2n_node *n, int resize, int deep, int kind) {
  if (s < 0) return;
  aset *x = &a->sets[find(a, s)];
  for (int k = 0; k < 2; k++) {
    if (!(kind & (1 << k))) continue;
    if (!x->writer[k]) x->writer[k] = n;
    if (resize && !x->resizer[k]) x->resizer[k] = n;
  }
  if (deep && !x->deep) x->deep = n;
}

/* The first write of set x of a kind in `kind`: any, or (shape) one that
 * may change a shape or length. */
static const t2n_node *written(const aset *x, int kind, int shape) {
  for (int k = 0; k < 2; k++)
    if (kind & (1 << k) && (shape ? x->resizer[k] : x->writer[k])) return shape ? x->resizer[k] : x->writer[k];
  return NULL;
}

/* A write of v by code the table does not describe: anything may change,
 * except that a tensor keeps its shape (no callee resizes its argument in
 * the graphs t2n reads; shape inference relies on it). */
static void unknown_write(t2n_alias *a, const t2n_value *v, const t2n_node *n) {
  record(a, set_of(a, v), n, !t2n_type_is_tensor(v->type), 1, kind_of(v->type));
}

static void write_node(t2n_alias *a, t2n_node *n) {
  if (n->op == T2N_OP_prim_SetAttr) {
    /* Replaces one attribute: the object changes, the values it held (and
     * its other attributes) do not. */
    if (n->ninputs) record(a, set_of(a, n->inputs[0]), n, 0, 0, K_ANY);
    return;
  }
  if (n->op == T2N_OP_prim_CallFunction || n->op == T2N_OP_prim_CallMethod) {
    int f = 0;
    t2n_alias *c = summary(a, n, &f);
    if (c) {
      t2n_block *top = c->g->top;
      for (int j = 0; j < top->nparams; j++) {
        const t2n_value *p = top->params[j], *arg = n->inputs[f + j];
        if (!t2n_alias_writer(c, p, 0) && !t2n_alias_writer(c, p, T2N_ALIAS_DEEP)) continue;
        record(a, set_of(a, arg), n, t2n_alias_writer(c, p, T2N_ALIAS_SHAPE) != NULL,
               t2n_alias_writer(c, p, T2N_ALIAS_DEEP) != NULL, kind_of(arg->type));
      }
      /* The callee's writes to its containers' elements are writes here. */
      const aset *cw = c->sets ? &c->sets[find(c, 0)] : NULL;
      if (cw && written(cw, K_ANY, 0)) record(a, 0, n, written(cw, K_ANY, 1) != NULL, 1, K_ANY);
      return;
    }
  }
  if (n->op == T2N_OP_UNKNOWN || (t2n_op_effects(n) & T2N_EFF_CALL)) {
    for (int i = 0; i < n->ninputs; i++) unknown_write(a, n->inputs[i], n);
    record(a, 0, n, 1, 1, K_ANY);
    return;
  }
  for (int i = 0; i < n->ninputs; i++) {
    unsigned cls = t2n_op_mutates_input(n, i);
    if (!cls) continue;
    int s = set_of(a, n->inputs[i]), kind = kind_of(n->inputs[i]->type);
    if (cls & T2N_MUT_ELEMS) {
      record(a, s, n, 0, 1, kind);
      record(a, 0, n, 0, 0, K_ANY); /* the elements are in the wildcard set */
    }
    if (cls & ~T2N_MUT_ELEMS) {
      int resize = (cls & (T2N_MUT_LIST | T2N_MUT_DICT | T2N_MUT_ANY)) || t2n_op_reshapes(n);
      record(a, s, n, resize, (cls & T2N_MUT_ANY) != 0, kind);
    }
  }
}

static t2n_alias *analyse(t2n_graph *g, int depth, const t2n_graph **stack, int nstack) {
  t2n_alias *a = t2n_xcalloc(1, sizeof *a);
  a->arena = t2n_arena_new();
  a->g = g;
  a->depth = depth;
  t2n_map_init(&a->ids, a->arena);
  t2n_map_init(&a->callees, a->arena);
  a->stack = t2n_arena_alloc(a->arena, sizeof *a->stack * (size_t)(nstack + 1));
  if (nstack) memcpy(a->stack, stack, sizeof *stack * (size_t)nstack);
  a->stack[nstack] = g;
  a->nstack = nstack + 1;
  new_set(a); /* 0: the wildcard set */
  /* Attribute keys name sets by their root, which later unions change:
   * repeat until a round merges nothing. */
  for (int round = 0; round < 32; round++) {
    a->merged = 0;
    t2n_map_init(&a->attrs, a->arena);
    walk(a, g->top, alias_node);
    if (!a->merged) break;
  }
  for (int s = 0; s < a->nsets; s++)
    if (a->sets[s].attr_of >= 0) a->sets[s].attr_of = find(a, a->sets[s].attr_of);
  walk(a, g->top, collect_edges);
  walk(a, g->top, write_node);
  return a;
}

t2n_alias *t2n_alias_new(t2n_graph *g) { return analyse(g, 0, NULL, 0); }

void t2n_alias_free(t2n_alias *a) {
  if (!a) return;
  for (size_t i = 0; i < a->callees.cap; i++)
    if (a->callees.slots && a->callees.slots[i].key) t2n_alias_free(a->callees.slots[i].val);
  free(a->sets);
  free(a->edges);
  t2n_arena_free(a->arena);
  free(a);
}

/* Could a value of this type hold mutable values (a container or object)? */
static int holds_mutable(const t2n_type *t) {
  if (!t) return 1;
  switch (t->kind) {
  case T2N_TY_TENSOR: return 0;
  case T2N_TY_SCALAR: return t2n_type_is_mutable(t); /* Any, Generator, ... */
  case T2N_TY_OPTIONAL: return t->nelems < 1 || holds_mutable(t->elems[0]);
  case T2N_TY_LIST:
  case T2N_TY_DICT:
  case T2N_TY_TUPLE:
    for (int i = 0; i < t->nelems; i++)
      if (t2n_type_is_mutable(t->elems[i])) return 1;
    return 0;
  default: return 1;
  }
}

/* Set x's own answer: a write of v's kind, else (deep) one of its elements
 * or attributes, or, for an attribute (of an attribute ...), a deep write
 * of the object or its escape into the wildcard set. */
static const t2n_node *attr_writer(t2n_alias *a, const aset *x, unsigned flags) {
  const aset *wild = &a->sets[find(a, 0)];
  if ((flags & T2N_ALIAS_DEEP) && x->deep) return x->deep;
  for (int p = x->attr_of, guard = 0; p >= 0 && guard < a->nsets; guard++) {
    p = find(a, p);
    if (a->sets[p].deep) return a->sets[p].deep;
    if (p == 0 && written(wild, K_ANY, 0)) return written(wild, K_ANY, 0);
    p = a->sets[p].attr_of;
  }
  return NULL;
}

const t2n_node *t2n_alias_writer(const t2n_alias *ca, const t2n_value *v, unsigned flags) {
  t2n_alias *a = (t2n_alias *)ca; /* finds compress paths only */
  int s = set_of(a, v);
  if (s < 0) return NULL;
  int kind = kind_of(v->type), shape = (flags & T2N_ALIAS_SHAPE) != 0;
  const aset *wild = &a->sets[find(a, 0)];
  const t2n_node *w = written(&a->sets[s], kind, shape);
  if (w) return w;
  if (a->nedges) {
    /* What v may be (D), and every set that may be one of those (U). */
    unsigned char *d = may_be(a, s), *u = t2n_xmalloc((size_t)a->nsets);
    memcpy(u, d, (size_t)a->nsets);
    close_over(a, u, 1);
    for (int i = 0; i < a->nsets && !w; i++)
      if (u[i] && a->sets[i].parent == i) w = written(&a->sets[i], kind, shape);
    for (int i = 0; i < a->nsets && !w; i++)
      if (d[i] && a->sets[i].parent == i) w = attr_writer(a, &a->sets[i], flags);
    free(d);
    free(u);
  } else {
    w = attr_writer(a, &a->sets[s], flags);
  }
  if (!w && (flags & T2N_ALIAS_DEEP) && holds_mutable(v->type)) w = written(wild, K_ANY, shape);
  const aset *x = &a->sets[set_of(a, v)];
  if (!w && (flags & T2N_ALIAS_DEEP) && x->kept) {
    /* its elements are not in the wildcard set: ask about each */
    if (x->kept_many) return x->kept;
    for (int i = 0; i < x->kept->ninputs && !w; i++)
      if (x->kept->inputs[i] != v) w = t2n_alias_writer(a, x->kept->inputs[i], flags & ~T2N_ALIAS_SHAPE);
  }
  return w;
}

int t2n_alias_may_alias(const t2n_alias *ca, const t2n_value *x, const t2n_value *y) {
  t2n_alias *a = (t2n_alias *)ca;
  return sets_meet(a, set_of(a, x), set_of(a, y));
}

/* ---- the one-shot query ----
 * Most questions are about a list or tensor that only meets plain ops, Ifs,
 * Loops and casts: its aliases are found by following its uses and its
 * definition, without analysing the whole graph (which the folds would
 * otherwise do once per candidate). When the search reaches a container, an
 * attribute, a call or an unknown op it gives up, and the whole-graph
 * analysis answers; both give the same answer where the search finishes. */
#define LOCAL_MAX 2048 /* aliases followed before giving up */
#define LOCAL_HASH 4096 /* a power of two above LOCAL_MAX */

typedef struct local {
  const t2n_value **v;    /* the aliases found, in order */
  const t2n_value **seen; /* the same as a hash set */
  int n, gave_up;
  unsigned flags;
  int kind;               /* the queried value's kind (K_TENSOR, ...) */
  int up;                 /* 0: from an If output to what it may be; 1: back */
  const t2n_node *writer;
} local;

static void local_add(local *l, const t2n_value *v) {
  if (!v || !t2n_type_is_mutable(v->type) || l->gave_up) return;
  size_t h = ((uintptr_t)v >> 4) * 2654435761u & (LOCAL_HASH - 1);
  for (; l->seen[h]; h = (h + 1) & (LOCAL_HASH - 1))
    if (l->seen[h] == v) return;
  if (l->n == LOCAL_MAX) {
    l->gave_up = 1;
    return;
  }
  l->seen[h] = v;
  l->v[l->n++] = v;
}

/* Adds the aliases that the table's rK=aI rows give between n's outputs
 * and inputs: out >= 0 asks for the inputs output `out` aliases, in >= 0
 * for the outputs aliasing input `in`. */
static void local_table(local *l, const t2n_node *n, int out, int in) {
  const t2n_op_sig *all;
  int cnt, mode = t2n_op_sigs(n, &all, &cnt);
  if (!mode || (t2n_op_effects(n) & T2N_EFF_CALL)) {
    l->gave_up = 1;
    return;
  }
  for (const t2n_op_sig *s = all; s < all + cnt; s++) {
    if (mode == 1 && !t2n_op_sig_fits(s, n)) continue;
    if (s->alias_any) l->gave_up = 1;
    for (int t = 0; t < s->naliases; t++) {
      const t2n_op_alias *al = &s->aliases[t];
      if (out >= 0 && al->kind == T2N_AL_FROM_CONTAINER && (al->out == out || al->out < 0)) l->gave_up = 1;
      if (in >= 0 && al->kind == T2N_AL_ESCAPES && (al->in == in || al->in < 0)) l->gave_up = 1;
      if (al->kind != T2N_AL_SAME) continue;
      if (out >= 0 && (al->out == out || al->out < 0))
        for (int i = 0; i < n->ninputs; i++)
          if (al->in < 0 || al->in == i) local_add(l, n->inputs[i]);
      if (in >= 0 && (al->in == in || al->in < 0))
        for (int k = 0; k < n->noutputs; k++)
          if (al->out < 0 || al->out == k) local_add(l, n->outputs[k]);
    }
  }
}

static void local_def(local *l, const t2n_value *u) {
  if (u->param_of) {
    const t2n_node *o = u->param_of->owner;
    if (!o) return; /* a graph input */
    if (o->op != T2N_OP_prim_Loop || o->nblocks != 1) {
      l->gave_up = 1;
      return;
    }
    int i = u->index; /* 0 is the iteration count, an int */
    if (i + 1 < o->ninputs) local_add(l, o->inputs[i + 1]);
    if (i >= 1 && i - 1 < o->noutputs) local_add(l, o->outputs[i - 1]);
    if (i < o->blocks[0]->ret->ninputs) local_add(l, o->blocks[0]->ret->inputs[i]);
    return;
  }
  const t2n_node *d = u->def;
  if (!d) return;
  int k = u->index;
  if (d->op == T2N_OP_prim_If) {
    if (l->up && directional(u->type)) return; /* the other way: what may be this */
    for (int b = 0; b < d->nblocks; b++)
      if (k < d->blocks[b]->ret->ninputs) local_add(l, d->blocks[b]->ret->inputs[k]);
  } else if (d->op == T2N_OP_prim_Loop) {
    if (k + 2 < d->ninputs) local_add(l, d->inputs[k + 2]);
    if (d->nblocks && k + 1 < d->blocks[0]->nparams) local_add(l, d->blocks[0]->params[k + 1]);
    if (d->nblocks && k + 1 < d->blocks[0]->ret->ninputs) local_add(l, d->blocks[0]->ret->inputs[k + 1]);
  } else if (d->op == T2N_OP_prim_GetAttr || d->op == T2N_OP_UNKNOWN) {
    l->gave_up = 1;
  } else {
    local_table(l, d, k, -1);
  }
}

static void local_use(local *l, const t2n_node *n, int i) {
  if (n->op == T2N_OP_prim_Return) {
    const t2n_node *o = n->parent ? n->parent->owner : NULL;
    if (!o) return; /* a graph output */
    if (o->op == T2N_OP_prim_If && i < o->noutputs) {
      if (l->up || !directional(o->outputs[i]->type)) local_add(l, o->outputs[i]);
    }
    else if (o->op == T2N_OP_prim_Loop && o->nblocks == 1) {
      if (i >= 1 && i - 1 < o->noutputs) local_add(l, o->outputs[i - 1]);
      if (i < o->blocks[0]->nparams) local_add(l, o->blocks[0]->params[i]);
    } else
      l->gave_up = 1;
    return;
  }
  if (n->op == T2N_OP_prim_If) return; /* the condition */
  if (n->op == T2N_OP_prim_Loop) {
    if (i >= 2 && i - 2 < n->noutputs) local_add(l, n->outputs[i - 2]);
    if (i >= 1 && n->nblocks && i - 1 < n->blocks[0]->nparams) local_add(l, n->blocks[0]->params[i - 1]);
    return;
  }
  if (n->op == T2N_OP_UNKNOWN || n->op == T2N_OP_prim_GetAttr || n->op == T2N_OP_prim_SetAttr) {
    l->gave_up = 1;
    return;
  }
  unsigned cls = t2n_op_mutates_input(n, i);
  if (cls & T2N_MUT_ELEMS) l->gave_up = 1; /* the elements are in the wildcard set */
  if (cls & ~T2N_MUT_ELEMS && !l->writer && (kind_of(n->inputs[i]->type) & l->kind)) {
    int resize = (cls & (T2N_MUT_LIST | T2N_MUT_DICT | T2N_MUT_ANY)) || t2n_op_reshapes(n);
    int deep = (cls & T2N_MUT_ANY) != 0;
    if (!(l->flags & T2N_ALIAS_SHAPE) || resize || ((l->flags & T2N_ALIAS_DEEP) && deep)) l->writer = n;
  }
  local_table(l, n, -1, i);
}

/* 1 with *w when the search finished, 0 when it gave up. */
static int local_writer(const t2n_value *v, unsigned flags, const t2n_node **w) {
  if ((flags & T2N_ALIAS_DEEP) && holds_mutable(v->type)) return 0;
  local l = {t2n_xcalloc(LOCAL_MAX, sizeof *l.v), t2n_xcalloc(LOCAL_HASH, sizeof *l.seen), 0, 0, flags,
             kind_of(v->type), 0, NULL};
  local_add(&l, v);
  /* First what v may be (down through If outputs), then every value that
   * may be one of those (up): the two closures of t2n_alias_writer. */
  for (l.up = 0; l.up < 2; l.up++)
    for (int k = 0; k < l.n && !l.gave_up; k++) {
      const t2n_value *u = l.v[k];
      local_def(&l, u);
      for (int j = 0; j < u->nuses && !l.gave_up; j++) local_use(&l, u->uses[j].user, u->uses[j].index);
    }
  free(l.v);
  free(l.seen);
  if (l.gave_up) return 0;
  *w = l.writer;
  return 1;
}

const t2n_node *t2n_value_writer(const t2n_value *v, unsigned flags) {
  const t2n_node *w;
  if (!t2n_type_is_mutable(v->type)) return NULL;
  if (local_writer(v, flags, &w)) return w;
  t2n_block *b = v->def ? v->def->parent : v->param_of;
  while (b && b->owner) b = b->owner->parent;
  if (!b || !b->graph) return NULL;
  t2n_alias *a = t2n_alias_new(b->graph);
  w = t2n_alias_writer(a, v, flags);
  t2n_alias_free(a);
  return w;
}
