/* -infer-shapes: gives each tensor value the complete type torch prints,
 * e.g. Float(1, 576, strides=[576, 1], requires_grad=0, device=cpu).
 *
 * Matches: every value of the graph (inputs, node outputs, block
 * parameters, at any depth) whose type is a tensor type.
 * Rewrites: the value's type, when native shape inference (t2n/shape.h)
 * knows its dtype, every size and its device from the example inputs
 * (--input-shape, --input-value, --example-inputs); strides are printed
 * when known (views keep the strides torch gives them), else left out.
 * One rewrite per value whose type changes.
 * Restrictions: values whose facts are incomplete keep their type (a remark
 * says why: no example, no rule for an op, tensor data needed, a branch the
 * examples do not take). requires_grad is always 0: these are inference
 * graphs. Optional tensors (Tensor?) keep their optional type.
 * Why: exporters and later passes need concrete shapes; torch's own
 * complete shape analysis runs every op with real tensors and stops at
 * prim::If nodes that produce tensors, this runs natively and goes through
 * them. */
#include <string.h>

#include "t2n/pass.h"
#include "t2n/shape.h"

typedef struct is_ctx {
  t2n_pass_ctx *ctx;
  t2n_shape_facts *f;
} is_ctx;

static void visit_value(is_ctx *c, t2n_value *v, const t2n_node *where) {
  if (!v || !t2n_type_is_tensor(v->type)) return;
  const t2n_ival *iv = t2n_shape_get(c->f, v);
  const t2n_type *ty = t2n_fact_tensor_type(c->ctx->mod, iv);
  if (!ty) {
    char why[512];
    t2n_shape_explain(c->f, v, why, sizeof why);
    t2n_remark(c->ctx, where, "%%%s keeps type %s: %s", v->name, v->type->text, why);
    return;
  }
  if (ty == v->type) return;
  v->type = ty;
  c->ctx->rewrites++;
}

static void visit_block(is_ctx *c, t2n_block *b, const t2n_node *owner) {
  for (int i = 0; i < b->nparams; i++) visit_value(c, b->params[i], owner);
  for (t2n_node *n = b->first; n; n = n->next) {
    for (int k = 0; k < n->noutputs; k++) visit_value(c, n->outputs[k], n);
    for (int k = 0; k < n->nblocks; k++) visit_block(c, n->blocks[k], n);
  }
}

int t2n_pass_infer_shapes(t2n_pass_ctx *ctx) {
  is_ctx c = {ctx, t2n_shape_infer(ctx->mod, ctx->graph, ctx->opts)};
  /* Impossible example shapes are errors, not types for the outputs. */
  int refused = t2n_shape_report_refusals(c.f, ctx->diag);
  if (!refused) visit_block(&c, ctx->graph->top, NULL);
  t2n_shape_facts_free(c.f);
  return refused ? 1 : 0;
}
