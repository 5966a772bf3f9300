/* -test-break-semantics: a deliberately wrong rewrite, for testing only.
 *
 * Matches: the first aten::add or aten::mul of the graph with a tensor result.
 * Rewrites: turns aten::add into aten::sub (and aten::mul into aten::div).
 * Why: --verify-semantics must catch a pass that changes what a graph
 * computes; test/Torch/verify-semantics.test plants this pass in a pipeline
 * and expects t2n-opt to name it. Never part of a pipeline. */
#include <string.h>

#include "t2n/ops.h"
#include "t2n/pass.h"

static int flip(t2n_node *n, void *ctx) {
  t2n_pass_ctx *c = ctx;
  const char *to = t2n_node_is(n, "aten::add") ? "aten::sub" : t2n_node_is(n, "aten::mul") ? "aten::div" : NULL;
  if (!to || n->noutputs != 1 || !t2n_type_is_tensor(n->outputs[0]->type)) return 0;
  t2n_node_set_kind(n, t2n_intern(c->mod, to));
  c->rewrites++;
  return 1;
}

int t2n_pass_test_break_semantics(t2n_pass_ctx *ctx) {
  t2n_walk(ctx->graph->top, flip, ctx);
  return 0;
}
