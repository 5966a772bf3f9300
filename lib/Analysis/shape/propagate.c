/* Native shape inference, the walk: one forward pass that stores a fact for
 * every value it reaches. A node gets its rule from the op table; prim::If
 * takes the known branch or joins both; prim::Loop iterates its body until
 * the loop-carried facts stop changing (widening after a few rounds); a call
 * infers the callee for this call site's argument facts. */
#include <stdlib.h>

#include "shape_internal.h"
#include "t2n/alloc.h"

static slot *get_slot(t2n_shape_facts *f, const t2n_value *v) {
  if ((f->n + 1) * 2 > f->cap) {
    size_t ncap = f->cap ? f->cap * 2 : 256;
    slot *nt = t2n_xcalloc(ncap, sizeof *nt);
    for (size_t i = 0; i < f->cap; i++) {
      if (!f->tab[i].key) continue;
      size_t j = hash_ptr(f->tab[i].key) & (ncap - 1);
      while (nt[j].key) j = (j + 1) & (ncap - 1);
      nt[j] = f->tab[i];
    }
    free(f->tab);
    f->tab = nt;
    f->cap = ncap;
  }
  size_t i = hash_ptr(v) & (f->cap - 1);
  while (f->tab[i].key) {
    if (f->tab[i].key == v) return &f->tab[i];
    i = (i + 1) & (f->cap - 1);
  }
  f->tab[i].key = v;
  f->n++;
  t2n_ival_set_unknown(&f->tab[i].iv);
  return &f->tab[i];
}

int t2n_sh_ival_incomplete(const t2n_ival *v) {
  switch (v->kind) {
  case T2N_IV_UNKNOWN: return 1;
  case T2N_IV_TENSOR: return !tf_sizes_known(v) || v->dtype < 0;
  case T2N_IV_LIST: case T2N_IV_TUPLE:
    for (int i = 0; i < v->n; i++)
      if (t2n_sh_ival_incomplete(&v->elems[i])) return 1;
    return 0;
  default: return 0;
  }
}

void t2n_sh_store(t2n_shape_facts *f, const t2n_value *v, const t2n_ival *iv, const t2n_object *obj,
                  const char *why, t2n_why whyk) {
  t2n_ival copy = *iv; /* iv may point into the slot table, which get_slot can grow */
  slot *s = get_slot(f, v);
  s->iv = copy;
  s->obj = obj;
  s->why = t2n_sh_ival_incomplete(&copy) ? why : NULL;
  s->whyk = s->why ? whyk : T2N_WHY_KNOWN;
}

/* Deep structural equality (unknown parts included), for loop fixpoints. */
static int same_fact(const t2n_ival *a, const t2n_ival *b) {
  if (a->kind != b->kind) return 0;
  switch (a->kind) {
  case T2N_IV_UNKNOWN: case T2N_IV_NONE: return 1;
  case T2N_IV_TENSOR: {
    if (a->dtype != b->dtype || a->rank != b->rank || a->n != b->n || (a->n && a->i != b->i)) return 0;
    if ((a->s == NULL) != (b->s == NULL) || (a->s && strcmp(a->s, b->s))) return 0;
    for (int i = 0; i < a->rank; i++)
      if (a->sizes[i] != b->sizes[i]) return 0;
    int64_t sa[T2N_MAX_RANK], sb[T2N_MAX_RANK];
    int ha = t2n_fact_strides(a, sa), hb = t2n_fact_strides(b, sb);
    if (ha != hb) return 0;
    return !ha || memcmp(sa, sb, sizeof(int64_t) * (size_t)a->rank) == 0;
  }
  case T2N_IV_LIST: case T2N_IV_TUPLE:
    if (a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++)
      if (!same_fact(&a->elems[i], &b->elems[i])) return 0;
    return 1;
  default: return t2n_ival_equal(a, b) == 1 && a->kind == b->kind;
  }
}

/* The facts both a and b satisfy. */
static void join(t2n_shape_facts *f, const t2n_ival *a, const t2n_ival *b, t2n_ival *o) {
  if (a->kind != b->kind) {
    t2n_ival_set_unknown(o);
    return;
  }
  switch (a->kind) {
  case T2N_IV_TENSOR: {
    tf_init(o);
    o->dtype = a->dtype == b->dtype ? a->dtype : DT_UNDEF;
    if (a->s && b->s && strcmp(a->s, b->s) == 0) set_dev(o, a->s);
    if (a->rank == b->rank) {
      o->rank = a->rank;
      for (int i = 0; i < a->rank; i++) o->sizes[i] = a->sizes[i] == b->sizes[i] ? a->sizes[i] : -1;
      int64_t sa[T2N_MAX_RANK], sb[T2N_MAX_RANK];
      if (t2n_fact_strides(a, sa) && t2n_fact_strides(b, sb) && tf_sizes_known(o) &&
          memcmp(sa, sb, sizeof(int64_t) * (size_t)a->rank) == 0)
        o->elems = a->elems;
    }
    if (a->n == 1 && b->n == 1 && a->i == b->i && a->f == b->f && o->dtype >= 0) {
      o->n = 1;
      o->i = a->i;
      o->f = a->f;
    }
    return;
  }
  case T2N_IV_LIST: case T2N_IV_TUPLE: {
    if (a->n != b->n) {
      t2n_ival_set_unknown(o);
      return;
    }
    t2n_ival *e = t2n_arena_alloc(f->a, sizeof *e * (size_t)(a->n + 1));
    for (int i = 0; i < a->n; i++) join(f, &a->elems[i], &b->elems[i], &e[i]);
    t2n_ival_set_unknown(o);
    o->kind = a->kind;
    o->n = a->n;
    o->elems = e;
    return;
  }
  case T2N_IV_UNKNOWN: t2n_ival_set_unknown(o); return;
  default:
    if (same_fact(a, b)) *o = *a;
    else t2n_ival_set_unknown(o);
  }
}

/* Loop widening: keep only a tensor's dtype and device. */
static void widen(const t2n_ival *a, t2n_ival *o, int full) {
  if (a->kind == T2N_IV_TENSOR && !full) {
    tf_init(o);
    o->dtype = a->dtype;
    set_dev(o, a->s);
    return;
  }
  t2n_ival_set_unknown(o);
}

int t2n_sh_cond_truth(const t2n_shape_facts *f, const t2n_value *v) {
  const t2n_ival *c = fact(f, v);
  if (c->kind == T2N_IV_BOOL || c->kind == T2N_IV_INT) return c->i != 0;
  return -1;
}

/* The block always raises (a prim::RaiseException directly in it). */
static int block_raises(const t2n_block *b) {
  for (const t2n_node *n = b->first; n; n = n->next)
    if (t2n_node_is(n, "prim::RaiseException")) return 1;
  return 0;
}

static void infer_if(t2n_shape_facts *f, t2n_node *n) {
  if (n->nblocks != 2 || n->ninputs < 1) return;
  int t = t2n_sh_cond_truth(f, n->inputs[0]);
  if (t >= 0) {
    t2n_block *b = n->blocks[t ? 0 : 1];
    t2n_sh_infer_block(f, b);
    for (int k = 0; k < n->noutputs && k < b->ret->ninputs; k++) {
      const t2n_value *r = b->ret->inputs[k];
      slot *s = find_slot(f, r);
      t2n_sh_store(f, n->outputs[k], fact(f, r), fact_obj(f, r), s ? s->why : NULL, s ? s->whyk : T2N_WHY_KNOWN);
    }
    return;
  }
  t2n_sh_infer_block(f, n->blocks[0]);
  t2n_sh_infer_block(f, n->blocks[1]);
  /* Execution only continues past the If through a block that does not
   * raise: a raising block's outputs (prim::Uninitialized) never arrive. */
  int r0 = block_raises(n->blocks[0]), r1 = block_raises(n->blocks[1]);
  for (int k = 0; k < n->noutputs; k++) {
    if (k >= n->blocks[0]->ret->ninputs || k >= n->blocks[1]->ret->ninputs) break;
    const t2n_value *a = n->blocks[0]->ret->inputs[k], *b = n->blocks[1]->ret->inputs[k];
    if (r0 != r1) {
      const t2n_value *r = r0 ? b : a;
      slot *s = find_slot(f, r);
      t2n_sh_store(f, n->outputs[k], fact(f, r), fact_obj(f, r), s ? s->why : NULL, s ? s->whyk : T2N_WHY_KNOWN);
      continue;
    }
    t2n_ival o;
    join(f, fact(f, a), fact(f, b), &o);
    const t2n_object *oa = fact_obj(f, a), *ob = fact_obj(f, b);
    t2n_sh_store(f, n->outputs[k], &o, oa == ob ? oa : NULL, NULL, T2N_WHY_OTHER);
  }
}

static void infer_loop(t2n_shape_facts *f, t2n_node *n) {
  if (n->nblocks != 1 || n->ninputs < 2) return;
  t2n_block *body = n->blocks[0];
  int nc = n->ninputs - 2;
  if (nc > n->noutputs || body->nparams != nc + 1 || body->ret->ninputs != nc + 1) return;
  const t2n_ival *trip = fact(f, n->inputs[0]);
  int runs = !((trip->kind == T2N_IV_INT && trip->i <= 0) || t2n_sh_cond_truth(f, n->inputs[1]) == 0);
  t2n_ival *cur = t2n_arena_alloc(f->a, sizeof *cur * (size_t)(nc + 1));
  const t2n_object **objs = t2n_arena_alloc(f->a, sizeof *objs * (size_t)(nc + 1));
  for (int i = 0; i < nc; i++) {
    cur[i] = *fact(f, n->inputs[2 + i]);
    objs[i] = fact_obj(f, n->inputs[2 + i]);
  }
  if (runs) {
    t2n_ival iter;
    t2n_ival_set_unknown(&iter);
    iter.kind = T2N_IV_UNKNOWN;
    for (int it = 0; it < 8; it++) {
      t2n_sh_store(f, body->params[0], &iter, NULL, NULL, T2N_WHY_OTHER);
      for (int i = 0; i < nc; i++) t2n_sh_store(f, body->params[1 + i], &cur[i], objs[i], NULL, T2N_WHY_OTHER);
      t2n_sh_infer_block(f, body);
      int changed = 0;
      for (int i = 0; i < nc; i++) {
        const t2n_value *r = body->ret->inputs[1 + i];
        t2n_ival j;
        join(f, &cur[i], fact(f, r), &j);
        if (fact_obj(f, r) != objs[i]) objs[i] = NULL;
        if (!same_fact(&j, &cur[i])) {
          changed = 1;
          if (it >= 4) widen(&j, &j, it >= 6);
          cur[i] = j;
        }
      }
      if (!changed) break;
    }
  }
  for (int i = 0; i < nc; i++) t2n_sh_store(f, n->outputs[i], &cur[i], objs[i], NULL, T2N_WHY_OTHER);
}

static t2n_graph *callee_graph(t2n_shape_facts *f, t2n_node *n, int *first_arg, const t2n_object **self) {
  *self = NULL;
  if (t2n_node_is(n, "prim::CallFunction")) {
    const t2n_node *c = n->ninputs ? n->inputs[0]->def : NULL;
    const t2n_attr *a = c && t2n_node_is(c, "prim::Constant") ? t2n_node_attr(c, "name") : NULL;
    t2n_function *fn = a && a->kind == T2N_ATTR_STRING ? t2n_module_function_by_short_name(f->m, a->s) : NULL;
    *first_arg = 1;
    return fn ? fn->graph : NULL;
  }
  const t2n_attr *a = t2n_node_attr(n, "name");
  const t2n_object *o = n->ninputs ? fact_obj(f, n->inputs[0]) : NULL;
  if (!a || a->kind != T2N_ATTR_STRING || !o) return NULL;
  *first_arg = 0;
  *self = o;
  t2n_class *cl = t2n_module_class(f->m, o->qualname);
  const t2n_method *mm = cl ? t2n_class_method(cl, a->s) : NULL;
  if (mm) return mm->graph;
  for (int i = 0; i < o->nmethods; i++)
    if (strcmp(o->methods[i].name, a->s) == 0) return o->methods[i].graph;
  return NULL;
}

/* A call: the callee is inferred for this call site's argument facts. */
static void infer_call(t2n_shape_facts *f, t2n_node *n) {
  int first;
  const t2n_object *self;
  t2n_graph *g = callee_graph(f, n, &first, &self);
  const char *msg = NULL;
  if (!g) msg = t2n_sh_fmtstr(f, "%s: the callee is not in the module", n->kind);
  else if (f->depth >= 8) msg = "calls nested too deep";
  else if (g->top->nparams != n->ninputs - first || g->top->ret->ninputs != n->noutputs) msg = "call arity mismatch";
  if (msg) {
    for (int k = 0; k < n->noutputs; k++)
      t2n_sh_store(f, n->outputs[k], &t2n_sh_unknown_ival, NULL, msg, T2N_WHY_OTHER);
    return;
  }
  for (int i = 0; i < g->top->nparams; i++) {
    const t2n_value *a = n->inputs[first + i];
    t2n_sh_store(f, g->top->params[i], fact(f, a), i == 0 && self ? self : fact_obj(f, a), NULL, T2N_WHY_OTHER);
  }
  f->depth++;
  t2n_sh_infer_block(f, g->top);
  f->depth--;
  for (int k = 0; k < n->noutputs; k++) {
    const t2n_value *r = g->top->ret->inputs[k];
    t2n_sh_store(f, n->outputs[k], fact(f, r), fact_obj(f, r), NULL, T2N_WHY_OTHER);
  }
}

/* An in-place op that returns the tensor it writes (the op table's
 * rK=aI with a write of input 0: add_, copy_, unsqueeze_). */
static int returns_written_self(const t2n_node *n) {
  return n->noutputs == 1 && n->ninputs >= 1 && t2n_op_output_aliases(n, 0) == 0 &&
         (t2n_op_mutates_input(n, 0) & T2N_MUT_TENSOR);
}

static void infer_node(t2n_shape_facts *f, t2n_node *n) {
  if (t2n_node_is(n, "prim::If")) {
    infer_if(f, n);
    return;
  }
  if (t2n_node_is(n, "prim::Loop")) {
    infer_loop(f, n);
    return;
  }
  if (t2n_node_is(n, "prim::CallFunction") || t2n_node_is(n, "prim::CallMethod")) {
    infer_call(f, n);
    return;
  }
  t2n_ival outs_local[MAXOUT];
  t2n_ival *outs = n->noutputs <= MAXOUT ? outs_local : t2n_arena_alloc(f->a, sizeof *outs * (size_t)n->noutputs);
  for (int k = 0; k < n->noutputs; k++) t2n_ival_set_unknown(&outs[k]);
  rc c;
  memset(&c, 0, sizeof c);
  c.f = f;
  c.n = n;
  c.nin = n->ninputs;
  c.out = outs;
  const t2n_sh_row *r = t2n_sh_lookup_rule(n);
  if (r) {
    t2n_sh_apply_rule(r, &c);
  } else if (returns_written_self(n)) {
    t2n_sh_r_identity(&c); /* in-place ops return self */
  } else if (n->noutputs) {
    why(&c, T2N_WHY_NO_RULE, t2n_sh_fmtstr(f, "shape inference has no rule for %s", n->kind));
  }
  /* defaults for tensor outputs: device of the first tensor input (cpu for
   * factories), contiguous strides when the rule set none */
  const char *dev = NULL;
  int any_tensor_in = 0;
  for (int i = 0; i < n->ninputs; i++) {
    const t2n_ival *x = fact(f, n->inputs[i]);
    if (x->kind == T2N_IV_TENSOR || t2n_type_is_tensor(n->inputs[i]->type)) {
      any_tensor_in = 1;
      if (x->kind == T2N_IV_TENSOR && x->s) {
        dev = x->s;
        break;
      }
    }
  }
  if (!any_tensor_in) dev = "cpu";
  for (int k = 0; k < n->noutputs; k++) {
    t2n_ival *o = &outs[k];
    t2n_value *v = n->outputs[k];
    const char *w = c.why;
    t2n_why wk = c.whyk;
    if (o->kind == T2N_IV_TENSOR) {
      if (!o->s) set_dev(o, dev);
      if (!(k < MAXOUT && c.strides_set[k]) && !o->elems) t2n_sh_tf_contig(f, o);
      if (o->rank < 0 || !tf_sizes_known(o)) o->elems = NULL;
    }
    if (t2n_sh_is_mutated(f, v)) {
      if (o->kind == T2N_IV_TENSOR) {
        o->rank = -1;
        o->elems = NULL;
        o->n = 0;
        w = "its shape is changed in place (unsqueeze_, resize_, ...)";
      } else if (o->kind == T2N_IV_LIST) {
        t2n_ival_set_unknown(o);
        w = "a list modified in place (append, __setitem__, ...)";
      }
      wk = T2N_WHY_OTHER;
    }
    t2n_sh_store(f, v, o, k == 0 ? c.out_obj : NULL, w, wk);
  }
}

void t2n_sh_infer_block(t2n_shape_facts *f, t2n_block *b) {
  for (t2n_node *n = b->first; n; n = n->next) infer_node(f, n);
}
