/* Aliasing and mutation facts for the export-preparation passes. See
 * alias_util.h.
 *
 * Every fact about an op comes from the op table (include/t2n/ops.def,
 * queried through include/t2n/ops.h): which inputs it writes, which results
 * are (views of) an input or come out of a container, which inputs are
 * stored into one, its effects, its pure form and whether it reads
 * strides. This file only turns those facts into the storage walk the
 * passes need. */
#include "alias_util.h"
#include "t2n/alloc.h"

#include <stdlib.h>
#include <string.h>

#include "t2n/eval.h"
#include "t2n/ops.h"
#include "t2n/pass.h"

/* Can a value of this type hold (or be) a tensor? */
static int may_hold_tensor(const t2n_type *t) {
  if (!t) return 1;
  if (t->kind == T2N_TY_SCALAR) return 0; /* int, str, Device, NoneType ... */
  return !t2n_type_is_primitive(t);
}

static int writes_an_input(const t2n_node *u) {
  for (int i = 0; i < u->ninputs; i++)
    if (t2n_op_mutates_input(u, i)) return 1;
  return 0;
}

static int output_from_container(const t2n_node *u) {
  for (int k = 0; k < u->noutputs; k++)
    if (t2n_op_output_from_container(u, k)) return 1;
  return 0;
}

static int output_aliases(const t2n_node *u, int index) {
  for (int k = 0; k < u->noutputs; k++) {
    int a = t2n_op_output_aliases(u, k);
    if (a == index || a == T2N_OP_ALIAS_ANY) return 1;
  }
  return 0;
}

t2n_au_use t2n_au_classify(const t2n_node *u, int index) {
  if (u->op == T2N_OP_prim_Return) return u->parent && u->parent->owner ? T2N_AU_ESCAPE : T2N_AU_RETURN;
  /* calls, unknown ops, module state, If/Loop (their outputs alias what
   * their blocks return): not followed */
  if (t2n_op_effects(u) & (T2N_EFF_STATE | T2N_EFF_BLOCKS | T2N_EFF_CALL | T2N_EFF_UNKNOWN)) return T2N_AU_ESCAPE;
  unsigned w = t2n_op_mutates_input(u, index);
  if (w & (T2N_MUT_TENSOR | T2N_MUT_ELEMS | T2N_MUT_ANY)) return T2N_AU_MUTATE;
  if (w) { /* a list or dict written: pop takes an element out, append
            * returns the list; other writes are not followed */
    if (output_from_container(u)) return T2N_AU_EXTRACT;
    return output_aliases(u, index) ? T2N_AU_VIEW : T2N_AU_ESCAPE;
  }
  /* stored into a container: a fresh one (ListConstruct, split's result),
   * or one the op writes (append's element, insert), which is not followed */
  if (t2n_op_input_escapes(u, index)) return writes_an_input(u) ? T2N_AU_ESCAPE : T2N_AU_CONTAIN;
  if (output_from_container(u)) return T2N_AU_EXTRACT;
  if (output_aliases(u, index)) return T2N_AU_VIEW;
  return T2N_AU_READ; /* pure, random, printing or raising ops only read */
}

const char *t2n_au_pure_form(t2n_module *m, const t2n_node *n) {
  int pure = t2n_op_pure_form(n->op, NULL);
  return pure != T2N_OP_UNKNOWN ? t2n_intern(m, t2n_op_name(pure)) : NULL;
}

int t2n_au_reads_strides(const t2n_node *u) { return t2n_op_reads_strides(u); }

int t2n_au_pure_keeps_operand_type(const char *pure) { return t2n_op_pure_keeps_type(t2n_op_lookup(pure)); }

t2n_value *t2n_au_base(t2n_value *v) {
  for (int guard = 0; guard < 100000 && v->def && v->def->ninputs > 0; guard++) {
    t2n_au_use c = t2n_au_classify(v->def, 0);
    if ((c != T2N_AU_VIEW && c != T2N_AU_MUTATE) || !may_hold_tensor(v->def->inputs[0]->type)) break;
    v = v->def->inputs[0];
  }
  return v;
}

int t2n_au_makes_fresh(const t2n_node *def) {
  /* constants and attributes are storage the graph did not make */
  if (!def || def->noutputs == 0 || def->op == T2N_OP_UNKNOWN || def->op == T2N_OP_prim_Constant ||
      def->op == T2N_OP_prim_GetAttr)
    return 0;
  if ((t2n_op_effects(def) & ~(unsigned)T2N_EFF_RANDOM) || writes_an_input(def) || output_from_container(def))
    return 0;
  for (int k = 0; k < def->noutputs; k++)
    if (t2n_op_output_aliases(def, k) != -1) return 0;
  return 1;
}

typedef struct vlist {
  t2n_value **v;
  int n, cap;
} vlist;

static void vl_add(vlist *l, t2n_value *v) {
  for (int i = 0; i < l->n; i++)
    if (l->v[i] == v) return;
  T2N_GROW(l->v, l->cap, l->n + 1);
  l->v[l->n++] = v;
}

int t2n_au_closure(t2n_value *from, const t2n_node *stop, t2n_value ***out, const t2n_node **escape,
                   const t2n_node **mutate) {
  vlist l = {NULL, 0, 0};
  const t2n_node *esc = NULL, *mut = NULL;
  vl_add(&l, from);
  for (int i = 0; i < l.n; i++) {
    t2n_value *w = l.v[i];
    for (int k = 0; k < w->nuses; k++) {
      const t2n_node *u = w->uses[k].user;
      if (u == stop) continue;
      switch (t2n_au_classify(u, w->uses[k].index)) {
      case T2N_AU_READ:
      case T2N_AU_RETURN: continue;
      case T2N_AU_ESCAPE:
        if (!esc) esc = u;
        continue;
      case T2N_AU_MUTATE:
        if (!mut) mut = u;
        break;
      default: break;
      }
      for (int o = 0; o < u->noutputs; o++)
        if (may_hold_tensor(u->outputs[o]->type)) vl_add(&l, u->outputs[o]);
    }
  }
  if (escape) *escape = esc;
  if (mutate) *mutate = mut;
  *out = l.v;
  return l.n;
}

typedef struct scan {
  const t2n_node *bad;
} scan;

static int scan_node(t2n_node *n, void *p) {
  scan *s = p;
  for (int i = 0; i < n->ninputs; i++) {
    if (!may_hold_tensor(n->inputs[i]->type)) continue;
    t2n_au_use c = t2n_au_classify(n, i);
    if (c == T2N_AU_MUTATE || c == T2N_AU_ESCAPE) {
      s->bad = n;
      return 1;
    }
  }
  /* A nested block's return is a use by its prim::Return, not in the walk. */
  for (int b = 0; b < n->nblocks; b++) {
    const t2n_node *r = n->blocks[b]->ret;
    for (int i = 0; r && i < r->ninputs; i++)
      if (may_hold_tensor(r->inputs[i]->type)) {
        s->bad = n;
        return 1;
      }
  }
  return 0;
}

int t2n_au_never_mutated(t2n_graph *g, t2n_value *v, const t2n_node **why) {
  t2n_value *base = t2n_au_base(v);
  /* Graph inputs count as separate storage: an exported model's inputs
   * never share memory with each other. */
  int graph_input = !base->def && base->param_of && !base->param_of->owner;
  if (graph_input || t2n_au_makes_fresh(base->def)) {
    t2n_value **vals;
    const t2n_node *esc, *mut;
    t2n_au_closure(base, NULL, &vals, &esc, &mut);
    free(vals);
    if (why) *why = mut ? mut : esc;
    return !mut && !esc;
  }
  /* Its storage may also be reached from values not found forward from it
   * (another read of the same attribute, an element of a list, a loop-carried
   * value): only a graph without any mutation is safe. */
  scan s = {NULL};
  t2n_walk(g->top, scan_node, &s);
  if (why) *why = s.bad;
  return !s.bad;
}
