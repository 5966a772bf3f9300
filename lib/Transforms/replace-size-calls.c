/* -replace-size-calls: folds size queries against the example inputs.
 *
 * Matches: aten::dim(x), aten::numel(x), aten::len(x), aten::size(x) and
 * aten::size(x, d), at any depth, whose result only steers control flow:
 * every use of the value (followed through nodes whose outputs are all
 * primitive: bool/int/float/str/None and lists/optionals/tuples of them, and
 * through If/Loop block outputs) ends in a prim::If condition, a prim::Loop
 * trip count or condition, or a prim::RaiseException.
 * Rewrites: the node becomes a prim::Constant (for size(x) a
 * prim::ListConstruct of int constants), computed by native shape inference
 * (t2n/shape.h) from --input-shape / --example-inputs:
 *   dim(x), numel(x): every dimension of x known;
 *   len(x): x a tensor with a known first dimension, or a list built by a
 *     prim::ListConstruct that is never mutated (its input count);
 *   size(x): every dimension known;
 *   size(x, d): d a known int, negative d counted from the end, in range,
 *     that dimension known.
 * One rewrite per folded node.
 * Restrictions: a size that reaches a tensor op (reshape, view, slice, a
 * tensor add, zeros, ...), a graph output, a side-effecting node
 * (prim::SetAttr, aten::append) or a node with a non-primitive output stays
 * dynamic, and so does a value with no uses; each such candidate gets a
 * remark saying why.
 * Why: size checks gate the prim::If nodes an exporter cannot lower; folding
 * them lets the constant folds collapse those branches, while sizes that
 * shape tensors must stay symbolic for the exported graph to accept other
 * input sizes. */
#include <stdlib.h>
#include <string.h>

#include "fold_util.h"
#include "size_util.h"
#include "t2n/eval.h"
#include "t2n/pass.h"
#include "t2n/shape.h"

typedef struct vset {
  const t2n_value *v[256];
  int n;
} vset;

static int seen(vset *s, const t2n_value *v) {
  for (int i = 0; i < s->n; i++)
    if (s->v[i] == v) return 1;
  if (s->n < 256) s->v[s->n++] = v;
  return 0;
}

/* 1 when every use of v ends in control flow or a raise. On failure *bad is
 * the node where it escapes. */
static int only_steers(const t2n_value *v, vset *vs, const t2n_node **bad) {
  if (seen(vs, v)) return 1;
  if (vs->n >= 256) {
    *bad = NULL;
    return 0;
  }
  for (int i = 0; i < v->nuses; i++) {
    const t2n_node *u = v->uses[i].user;
    int idx = v->uses[i].index;
    if (t2n_node_is(u, "prim::If") && idx == 0) continue;
    if (t2n_node_is(u, "prim::Loop") && idx <= 1) continue;
    if (t2n_node_is(u, "prim::RaiseException")) continue;
    if (t2n_node_is(u, "prim::Return")) {
      const t2n_node *own = u->parent ? u->parent->owner : NULL;
      if (own && t2n_node_is(own, "prim::If") && idx < own->noutputs) {
        if (!t2n_type_is_primitive(own->outputs[idx]->type)) {
          *bad = own;
          return 0;
        }
        if (!only_steers(own->outputs[idx], vs, bad)) return 0;
        continue;
      }
      if (own && t2n_node_is(own, "prim::Loop")) {
        if (idx == 0) continue; /* the loop condition */
        const t2n_value *out = idx - 1 < own->noutputs ? own->outputs[idx - 1] : NULL;
        const t2n_value *par = idx < u->parent->nparams ? u->parent->params[idx] : NULL;
        if (!out || !par || !t2n_type_is_primitive(out->type)) {
          *bad = own;
          return 0;
        }
        if (!only_steers(out, vs, bad) || !only_steers(par, vs, bad)) return 0;
        continue;
      }
      *bad = u; /* a graph output */
      return 0;
    }
    if (t2n_node_is(u, "prim::Loop")) { /* a loop-carried initial value */
      const t2n_block *body = u->blocks[0];
      const t2n_value *out = idx - 2 < u->noutputs ? u->outputs[idx - 2] : NULL;
      const t2n_value *par = idx - 1 < body->nparams ? body->params[idx - 1] : NULL;
      if (!out || !par || !t2n_type_is_primitive(out->type)) {
        *bad = u;
        return 0;
      }
      if (!only_steers(out, vs, bad) || !only_steers(par, vs, bad)) return 0;
      continue;
    }
    if (u->noutputs == 0 || u->nblocks || t2n_node_has_side_effects(u)) {
      *bad = u;
      return 0;
    }
    for (int k = 0; k < u->noutputs; k++)
      if (!t2n_type_is_primitive(u->outputs[k]->type)) {
        *bad = u;
        return 0;
      }
    for (int k = 0; k < u->noutputs; k++)
      if (!only_steers(u->outputs[k], vs, bad)) return 0;
  }
  return 1;
}

/* Folds one candidate; 1 when rewritten. */
static int fold_one(t2n_pass_ctx *ctx, const t2n_shape_facts *f, t2n_node *n) {
  if (n->noutputs != 1 || n->ninputs < 1) return 0;
  t2n_value *out = n->outputs[0], *x = n->inputs[0];
  if (out->nuses == 0) {
    t2n_remark(ctx, n, "%s(%%%s) left alone: its result has no uses", n->kind, x->name);
    return 0;
  }
  vset vs = {.n = 0};
  const t2n_node *bad = NULL;
  if (!only_steers(out, &vs, &bad)) {
    if (bad && t2n_node_is(bad, "prim::Return"))
      t2n_remark(ctx, n, "%s(%%%s) left alone: %%%s is returned from the graph (it must stay dynamic)", n->kind,
                 x->name, out->name);
    else if (bad)
      t2n_remark(ctx, n, "%s(%%%s) left alone: %%%s reaches %s, which is not control flow (it must stay dynamic)",
                 n->kind, x->name, out->name, bad->kind);
    else
      t2n_remark(ctx, n, "%s(%%%s) left alone: its uses are too many to follow", n->kind, x->name);
    return 0;
  }
  if (!t2n_shape_reached(f, out)) {
    t2n_remark(ctx, n, "%s(%%%s) left alone: it is in a branch the example inputs do not take", n->kind, x->name);
    return 0;
  }
  t2n_value *repl = t2n_size_query_fold(ctx, f, n);
  if (!repl) return 0;
  t2n_value *r[1] = {repl};
  t2n_replace_node(n, r);
  return 1;
}

int t2n_pass_replace_size_calls(t2n_pass_ctx *ctx) {
  t2n_fold_size_queries(ctx, 0, fold_one);
  return 0;
}
