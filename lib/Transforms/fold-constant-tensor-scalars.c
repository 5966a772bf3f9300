/* -fold-constant-tensor-scalars
 *
 * Matches: each aten::item, aten::Int, aten::IntImplicit, aten::Float,
 * aten::FloatImplicit, aten::ScalarImplicit or aten::Bool of a tensor in the
 * graph's top block whose tensor is computed from constants only: every node
 * it depends on (transitively) is in the top block, has no effect, no block
 * and no graph input among its operands, and no value on the way is written
 * in place anywhere (t2n_value_writer). Weights (tensor constants) count as
 * constants.
 *
 * Rewrites: the scalar is computed by the libtorch backend (the graph run on
 * the example inputs with it as an extra output; since it depends on no
 * input, any inputs give the same number) and becomes a prim::Constant
 * before the node (int, float or bool as torch returns it, typed like the
 * node's output when that is int, float or bool); the node goes and its
 * operands are left for -dce. One rewrite per folded node.
 *
 * Restrictions: a scalar that depends on a graph input's data stays (it
 * would differ from run to run: the exporter then reports the op), as does
 * one torch cannot compute (a remark quotes why) and every one when t2n is
 * built without the libtorch backend (a remark says so).
 *
 * Why: models build tensors of sizes and read them back as numbers.
 * torchaudio's Resample takes ceil(as_tensor(new * length / orig)) as the
 * output length, Conformer's padding mask reads max(lengths).item() of a
 * lengths tensor its caller made with torch.full from sizes; once
 * -fold-sizes has made those sizes constants the numbers are fixed, but no
 * scalar fold reads tensors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold_util.h"
#include "t2n/alloc.h"
#include "t2n/eval.h"
#include "t2n/ops.h"
#include "t2n/pass.h"
#ifdef T2N_HAVE_TORCH
#include "t2n/examples.h"
#include "t2n/torch.h"
#endif

static const char *const kinds[] = {"aten::item", "aten::Int", "aten::IntImplicit", "aten::Float",
                                    "aten::FloatImplicit", "aten::ScalarImplicit", "aten::Bool"};

static int is_candidate(const t2n_node *n) {
  if (n->ninputs != 1 || n->noutputs != 1 || n->parent != n->parent->graph->top) return 0;
  if (!t2n_type_is_tensor(n->inputs[0]->type)) return 0;
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strcmp(n->kind, kinds[i]) == 0) return 1;
  return 0;
}

/* 1 when v depends on constants only; else 0 with *why. `seen` marks the
 * nodes already accepted (a DAG walk: each node once). */
typedef struct walk {
  t2n_node_set seen;
  char why[256];
} walk;

static int constant_only(walk *w, const t2n_value *v, int depth) {
  const t2n_node *d = v->def;
  if (!d) {
    snprintf(w->why, sizeof w->why, "it depends on %%%s, an input", v->name);
    return 0;
  }
  if (!t2n_node_set_add(&w->seen, d)) return 1;
  if (depth > 10000 || d->parent != d->parent->graph->top || d->nblocks || t2n_op_has_effects(d)) {
    snprintf(w->why, sizeof w->why, "it depends on %%%s of %s, which is not a plain computation", v->name, d->kind);
    return 0;
  }
  if (t2n_type_is_mutable(v->type) && t2n_value_writer(v, T2N_ALIAS_DEEP)) {
    snprintf(w->why, sizeof w->why, "%%%s, which it depends on, is written in place", v->name);
    return 0;
  }
  for (int i = 0; i < d->ninputs; i++)
    if (!constant_only(w, d->inputs[i], depth + 1)) return 0;
  return 1;
}

#ifdef T2N_HAVE_TORCH
/* The scalar torch computes for v: 1 and *out, else 0 with why. */
static int torch_scalar(t2n_pass_ctx *ctx, t2n_torch_values **inputs, const t2n_value *v, t2n_ival *out,
                        char *why, size_t whylen) {
  int failed = 0;
  t2n_torch_scalar s;
  if (!t2n_fold_torch_eval(ctx, inputs, &failed, v, &s, "compute", why, whylen)) return 0;
  memset(out, 0, sizeof *out);
  if (s.kind == T2N_TS_BOOL) out->kind = T2N_IV_BOOL, out->i = s.i;
  else if (s.kind == T2N_TS_INT) out->kind = T2N_IV_INT, out->i = s.i;
  else if (s.kind == T2N_TS_FLOAT) out->kind = T2N_IV_FLOAT, out->f = s.f;
  else {
    snprintf(why, whylen, "torch did not give a number");
    return 0;
  }
  return 1;
}
#endif

int t2n_pass_fold_constant_tensor_scalars(t2n_pass_ctx *ctx) {
#ifdef T2N_HAVE_TORCH
  t2n_torch_values *inputs = NULL;
#endif
  for (t2n_node *n = ctx->graph->top->first, *next; n; n = next) {
    next = n->next;
    if (!is_candidate(n)) continue;
    walk w = {{NULL, 0, 0}, ""};
    int ok = constant_only(&w, n->inputs[0], 0);
    free(w.seen.v);
    if (!ok) {
      t2n_remark(ctx, n, "%s left alone: %s", n->kind, w.why);
      continue;
    }
#ifdef T2N_HAVE_TORCH
    t2n_ival val;
    char why[512] = "";
    if (!torch_scalar(ctx, &inputs, n->outputs[0], &val, why, sizeof why)) {
      t2n_remark(ctx, n, "%s left alone: %s", n->kind, why);
      continue;
    }
    const t2n_type *ty = n->outputs[0]->type;
    int typed = ty && (t2n_type_is(ty, "int") || t2n_type_is(ty, "float") || t2n_type_is(ty, "bool"));
    t2n_value *c = t2n_insert_ival(ctx->graph, n, &val, typed ? ty : NULL);
    if (!c) {
      t2n_remark(ctx, n, "%s left alone: cannot make a constant of its value", n->kind);
      continue;
    }
    const char *name = n->outputs[0]->name;
    t2n_value_replace_all_uses(n->outputs[0], c);
    t2n_node_erase(n);
    t2n_graph_rename(ctx->graph, c, name);
    ctx->rewrites++;
#else
    t2n_remark(ctx, n, "%s left alone: t2n is built without the libtorch backend, which would compute it", n->kind);
#endif
  }
#ifdef T2N_HAVE_TORCH
  if (inputs) t2n_torch_values_free(inputs);
#endif
  return 0;
}
