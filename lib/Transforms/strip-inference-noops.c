/* -strip-inference-noops
 *
 * Matches, at any depth:
 *   aten::dropout / feature_dropout / alpha_dropout / feature_alpha_dropout
 *     whose `train` argument is the constant False;
 *   aten::detach, aten::alias;
 *   aten::cpu of a tensor the example inputs put on the cpu;
 *   aten::to whose result has the dtype, sizes and device of its input under
 *     the shape facts of the example inputs (run -infer-shapes' analysis);
 *   aten::contiguous, aten::clone;
 *   prim::device of a tensor whose device is known;
 *   prim::unchecked_cast of a tensor-typed value to a tensor type (a
 *     refinement of Tensor? left without effect once the If that made the
 *     value optional is folded).
 *
 * Rewrites: every use of the result takes the input tensor, and the node
 * goes; prim::device becomes a Device constant (so a tensor used only for
 * its device goes with -dce). One rewrite per node.
 *
 * Restrictions: the unchecked_cast fold is the identity at run time; dropout in eval mode, detach, alias, cpu on the cpu and to
 * without `copy` or a memory format return their input itself in torch, so
 * those folds are exact. contiguous, clone and a copying `to` return a copy:
 * they go only when neither the copy nor its input is ever written in place
 * or handed to something that could write it (a call, a loop, a python op;
 * lib/Transforms/alias_util.c decides), so sharing storage cannot be seen.
 * A copy also has new strides: every aten::view of it becomes aten::reshape
 * (the same values wherever the view worked), and a copy whose strides are
 * read (aten::as_strided, aten::stride, aten::is_contiguous) stays. dropout
 * in training mode, or with a non-constant `train`, stays. Each candidate
 * left gets a remark.
 *
 * Why: these ops only matter to autograd, devices or memory layout; NNEF
 * has none of them and the exporter should not need a lowering for each. */
#include <stdlib.h>
#include <string.h>

#include "alias_util.h"
#include "t2n/alloc.h"
#include "fold_util.h"
#include "t2n/eval.h"
#include "t2n/ops.h"
#include "t2n/pass.h"
#include "t2n/shape.h"

static int is_dropout(const t2n_node *n) {
  return n->op == T2N_OP_aten_dropout || n->op == T2N_OP_aten_feature_dropout || n->op == T2N_OP_aten_alpha_dropout ||
         n->op == T2N_OP_aten_feature_alpha_dropout;
}

/* The ops this pass looks at. */
static int is_candidate(const t2n_node *n) {
  switch (n->op) {
  case T2N_OP_aten_detach: case T2N_OP_aten_alias: case T2N_OP_aten_cpu: case T2N_OP_aten_to:
  case T2N_OP_aten_contiguous: case T2N_OP_aten_clone: case T2N_OP_prim_device: case T2N_OP_prim_unchecked_cast:
    return 1;
  default: return is_dropout(n);
  }
}

static int collected(const t2n_node *n) { return is_candidate(n) && n->ninputs >= 1 && n->noutputs == 1; }

static int const_bool(t2n_module *m, const t2n_value *v, int *out) {
  t2n_ival iv;
  if (!t2n_constant_value(m, v, &iv) || iv.kind != T2N_IV_BOOL) return 0;
  *out = (int)iv.i;
  return 1;
}

static int const_none(t2n_module *m, const t2n_value *v) {
  t2n_ival iv;
  return t2n_constant_value(m, v, &iv) && iv.kind == T2N_IV_NONE;
}

static int same_facts(const t2n_ival *a, const t2n_ival *b) {
  if (!t2n_fact_tensor_complete(a) || !t2n_fact_tensor_complete(b)) return 0;
  if (a->dtype != b->dtype || a->rank != b->rank) return 0;
  for (int i = 0; i < a->rank; i++)
    if (a->sizes[i] != b->sizes[i]) return 0;
  const char *da = t2n_fact_device(a), *db = t2n_fact_device(b);
  return da && db && strcmp(da, db) == 0;
}

/* A copy of x goes: returns 1 when it did; else a remark says why not. */
static int drop_copy(t2n_pass_ctx *ctx, t2n_node *n) {
  t2n_value *x = n->inputs[0], *out = n->outputs[0];
  const t2n_node *why = NULL;
  if (!t2n_au_never_mutated(ctx->graph, x, &why) || !t2n_au_never_mutated(ctx->graph, out, &why)) {
    t2n_remark(ctx, n, "%s left alone: the copy or its input may be written in place (by %s)", n->kind,
               why ? why->kind : "?");
    return 0;
  }
  t2n_value **vals;
  int nv = t2n_au_closure(out, NULL, &vals, NULL, NULL);
  for (int i = 0; i < nv; i++)
    for (int k = 0; k < vals[i]->nuses; k++) {
      const t2n_node *u = vals[i]->uses[k].user;
      if (t2n_au_reads_strides(u)) {
        t2n_remark(ctx, n, "%s left alone: %s reads the strides of the copy", n->kind, u->kind);
        free(vals);
        return 0;
      }
    }
  for (int i = 0; i < nv; i++)
    for (int k = 0; k < vals[i]->nuses; k++) {
      t2n_node *u = vals[i]->uses[k].user;
      if (u->op == T2N_OP_aten_view && vals[i]->uses[k].index == 0) t2n_node_set_kind(u, t2n_intern(ctx->mod, "aten::reshape"));
    }
  free(vals);
  t2n_replace_node(n, &x);
  return 1;
}

static int strip_to(t2n_pass_ctx *ctx, const t2n_shape_facts *f, t2n_node *n) {
  t2n_value *x = n->inputs[0];
  if (!same_facts(t2n_shape_get(f, x), t2n_shape_get(f, n->outputs[0]))) {
    t2n_remark(ctx, n, "aten::to left alone: it is not known to keep the dtype, sizes and device of %%%s", x->name);
    return 0;
  }
  /* The overloads end in (..., bool copy) or (..., bool copy, int? memory_format). */
  int last = n->ninputs - 1, copy = 1, has_mf = n->ninputs >= 2 && !t2n_type_is(n->inputs[last]->type, "bool");
  int copy_at = has_mf ? last - 1 : last;
  int known = copy_at >= 1 && const_bool(ctx->mod, n->inputs[copy_at], &copy);
  if (known && !copy && (!has_mf || const_none(ctx->mod, n->inputs[last]))) {
    t2n_replace_node(n, &x); /* torch returns x itself */
    return 1;
  }
  return drop_copy(ctx, n);
}

static int strip_one(t2n_pass_ctx *ctx, const t2n_shape_facts *f, t2n_node *n) {
  t2n_value *x = n->inputs[0];
  if (is_dropout(n)) {
    int train = 1;
    if (n->ninputs != 3 || !const_bool(ctx->mod, n->inputs[2], &train) || train) {
      t2n_remark(ctx, n, "%s left alone: `train` is not the constant False", n->kind);
      return 0;
    }
    t2n_replace_node(n, &x);
    return 1;
  }
  if (n->op == T2N_OP_aten_detach || n->op == T2N_OP_aten_alias) {
    if (n->ninputs != 1) return 0;
    t2n_replace_node(n, &x);
    return 1;
  }
  if (n->op == T2N_OP_aten_cpu) {
    const char *d = t2n_fact_device(t2n_shape_get(f, x));
    if (n->ninputs != 1 || !d || strcmp(d, "cpu") != 0) {
      t2n_remark(ctx, n, "aten::cpu left alone: %%%s is not known to be on the cpu", x->name);
      return 0;
    }
    t2n_replace_node(n, &x);
    return 1;
  }
  if (n->op == T2N_OP_aten_to) return strip_to(ctx, f, n);
  if (n->op == T2N_OP_prim_unchecked_cast) {
    /* A refinement (Tensor? to Tensor) of a value that is already a tensor,
     * once the If that made it optional is folded. */
    if (n->ninputs != 1 || !t2n_type_is_tensor(x->type) || !t2n_type_is_tensor(n->outputs[0]->type)) return 0;
    t2n_replace_node(n, &x);
    return 1;
  }
  if (n->op == T2N_OP_prim_device) {
    t2n_ival d;
    if (!t2n_eval(f, n->outputs[0], &d) || d.kind != T2N_IV_DEVICE) {
      t2n_remark(ctx, n, "prim::device left alone: the device of %%%s is not known", x->name);
      return 0;
    }
    t2n_value *c = t2n_insert_ival(ctx->graph, n, &d, n->outputs[0]->type);
    if (!c) return 0;
    t2n_replace_node(n, &c);
    return 1;
  }
  return drop_copy(ctx, n); /* contiguous, clone */
}

int t2n_pass_strip_inference_noops(t2n_pass_ctx *ctx) {
  int nn;
  t2n_node **v = t2n_collect(ctx->graph->top, collected, &nn);
  if (nn) {
    t2n_shape_facts *f = t2n_shape_infer(ctx->mod, ctx->graph, ctx->opts);
    for (int i = 0; i < nn; i++) ctx->rewrites += strip_one(ctx, f, v[i]);
    t2n_shape_facts_free(f);
  }
  free(v);
  return 0;
}
