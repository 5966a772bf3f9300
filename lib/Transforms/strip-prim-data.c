/* -strip-prim-data
 *
 * Matches: prim::data(t), the `.data` access on a tensor, at any depth.
 *
 * Rewrites: every use of its output takes t itself, and the node goes.
 *
 * Restrictions: `.data` detaches from autograd and shares t's storage, so
 * for inference it is the identity; that is the only reading this pass is
 * for (exporters have no handler for it). A prim::data with other than one
 * input and one output is malformed and is left, with a remark. */
#include "fold_util.h"
#include "t2n/pass.h"

static void strip(t2n_pass_ctx *ctx, t2n_node *n) {
  if (!t2n_node_is(n, "prim::data")) return;
  if (n->ninputs != 1 || n->noutputs != 1) {
    t2n_remark(ctx, n, "prim::data with %d inputs and %d outputs is malformed; left alone", n->ninputs,
               n->noutputs);
    return;
  }
  t2n_value *t = n->inputs[0];
  t2n_replace_node(n, &t);
  ctx->rewrites++;
}

int t2n_pass_strip_prim_data(t2n_pass_ctx *ctx) {
  t2n_fold_sweep(ctx, ctx->graph->top, strip);
  return 0;
}
