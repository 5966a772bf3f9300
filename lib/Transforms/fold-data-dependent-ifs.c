/* -fold-data-dependent-ifs: specialises the graph to the example inputs.
 *
 * Matches: each prim::If in the graph's top-level block.
 * Rewrites: its condition is evaluated under the example inputs
 * (--input-shape, --input-value, --example-inputs) by the native evaluator
 * (t2n_eval over t2n/shape.h facts: shapes, dtypes, devices, constants and
 * the scalar arithmetic on them); the chosen block is inlined in place of the
 * If (t2n_fold_if). Up to 20 rounds, facts recomputed each round, so Ifs
 * nested in a folded block surface and fold in turn, from the outside in.
 * One rewrite per folded If.
 * A condition that needs tensor data (aten::Bool of a tensor, item(), ...)
 * is evaluated by the libtorch backend when t2n is built with it and a model
 * is loaded (the graph runs in torch's interpreter on the examples, random
 * contents for tensors given only by shape); otherwise the If stays.
 * Restrictions: Ifs inside prim::Loop bodies are never folded (their
 * conditions may change between iterations), nor are Ifs still nested in an
 * If that did not fold. Each If left alone gets a remark with the reason.
 * Why: size and dtype checks survive the constant folds when their results
 * are tensors or flow through prim::If outputs (nn.LSTMCell's
 * `if input.dim() == 1`); an exporter needs them gone. The result is only
 * valid for inputs shaped like the examples. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold_util.h"
#include "t2n/alloc.h"
#include "t2n/eval.h"
#include "t2n/examples.h"
#include "t2n/pass.h"
#include "t2n/shape.h"
#ifdef T2N_HAVE_TORCH
#include "t2n/torch.h"
#endif

#define MAX_ROUNDS 20

#ifdef T2N_HAVE_TORCH
typedef struct torch_state {
  t2n_torch_values *inputs;
  int failed;
  char why[512];
} torch_state;

/* Asks the libtorch backend for the condition; 1 and *val on success, else
 * 0 with ts->why saying why. Errors from the backend become the reason. */
static int torch_condition(t2n_pass_ctx *ctx, torch_state *ts, const t2n_value *cond, int *val) {
  t2n_torch_scalar s;
  if (!t2n_fold_torch_eval(ctx, &ts->inputs, &ts->failed, cond, &s, "evaluate", ts->why, sizeof ts->why)) return 0;
  if (s.kind != T2N_TS_BOOL && s.kind != T2N_TS_INT) {
    snprintf(ts->why, sizeof ts->why, "torch evaluated it to something that is not a bool");
    return 0;
  }
  *val = s.i != 0;
  return 1;
}
#endif

/* Remarks for the Ifs directly inside Loop bodies (never candidates). */
static int remark_loop_ifs(t2n_node *n, void *p) {
  t2n_pass_ctx *ctx = p;
  if (!t2n_node_is(n, "prim::If") || !n->parent || !n->parent->owner) return 0;
  if (t2n_node_is(n->parent->owner, "prim::Loop"))
    t2n_remark(ctx, n, "prim::If(%%%s) left alone: it is inside a prim::Loop body, where its condition may "
                       "change between iterations", n->ninputs ? n->inputs[0]->name : "?");
  return 0;
}

int t2n_pass_fold_data_dependent_ifs(t2n_pass_ctx *ctx) {
  t2n_graph *g = ctx->graph;
  t2n_node_set remarked = {NULL, 0, 0};
#ifdef T2N_HAVE_TORCH
  torch_state ts;
  memset(&ts, 0, sizeof ts);
#endif
  for (int round = 0; round < MAX_ROUNDS; round++) {
    t2n_shape_facts *f = t2n_shape_infer(ctx->mod, g, ctx->opts);
    int folded = 0;
    for (t2n_node *n = g->top->first, *next; n; n = next) {
      next = n->next;
      if (!t2n_node_is(n, "prim::If") || n->ninputs < 1) continue;
      t2n_value *cond = n->inputs[0];
      t2n_ival c;
      int val = -1;
      char why[512] = "";
      t2n_why wk = T2N_WHY_KNOWN;
      if (t2n_eval(f, cond, &c) && (c.kind == T2N_IV_BOOL || c.kind == T2N_IV_INT)) {
        val = c.i != 0;
      } else {
        wk = t2n_shape_explain(f, cond, why, sizeof why);
        if (wk == T2N_WHY_KNOWN) snprintf(why, sizeof why, "it is not a bool");
#ifdef T2N_HAVE_TORCH
        ts.why[0] = 0;
        if (!torch_condition(ctx, &ts, cond, &val)) {
          val = -1;
          size_t l = strlen(why);
          snprintf(why + l, sizeof why - l, "; %s", ts.why);
        }
#endif
      }
      if (val >= 0) {
        if (t2n_fold_if(n, val ? 0 : 1) == 0) {
          ctx->rewrites++;
          folded++;
        } else if (t2n_node_set_add(&remarked, n)) {
          t2n_remark(ctx, n, "prim::If(%%%s) left alone: its blocks do not match its outputs", cond->name);
        }
        continue;
      }
      if (!t2n_node_set_add(&remarked, n)) continue;
#ifdef T2N_HAVE_TORCH
      t2n_remark(ctx, n, "prim::If(%%%s) left alone: the condition is not known: %s", cond->name, why);
#else
      if (wk == T2N_WHY_TENSOR_DATA)
        t2n_remark(ctx, n, "prim::If(%%%s) left alone: the condition needs tensor data (%s) and t2n was built "
                           "without the libtorch backend", cond->name, why);
      else
        t2n_remark(ctx, n, "prim::If(%%%s) left alone: the condition is not known: %s", cond->name, why);
#endif
    }
    t2n_shape_facts_free(f);
    if (!folded) break;
  }
  t2n_walk(g->top, remark_loop_ifs, ctx);
#ifdef T2N_HAVE_TORCH
  if (ts.inputs) t2n_torch_values_free(ts.inputs);
#endif
  free(remarked.v);
  return 0;
}
