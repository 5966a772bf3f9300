/* -fold-tuple-unpack
 *
 * Matches, at any depth: prim::TupleUnpack(t) where t is the output of a
 * prim::TupleConstruct with as many inputs as the unpack has outputs; and
 * (beyond the reference) prim::ListUnpack(l) where l is the output of a
 * prim::ListConstruct with as many inputs as the unpack has outputs.
 *
 * Rewrites: every use of the unpack's i-th output takes the construct's i-th
 * input, and the unpack goes; the construct is left for -dce. Nested
 * construct/unpack pairs fold in the same sweep.
 *
 * Restrictions: a tuple is immutable, so the match is exact. A list is
 * mutable: the ListUnpack folds only when no user of the list can change it
 * or keep an alias to it (t2n_list_is_unmutated: no aten::append,
 * aten::_set_item, in-place op, call, container or block return), since
 * otherwise its elements at the unpack need not be the ones it was built
 * with. prim::unchecked_cast (a refinement such as Optional[tuple] to
 * tuple) is looked through. An arity mismatch (a runtime error) or a value
 * that does not come straight from a construct (an If output, a call
 * result, a graph input) is left, with a remark. */
#include "fold_util.h"
#include "t2n/pass.h"

static void try_fold(t2n_pass_ctx *ctx, t2n_node *n) {
  int list = t2n_node_is(n, "prim::ListUnpack");
  if (!list && !t2n_node_is(n, "prim::TupleUnpack")) return;
  const char *construct = list ? "prim::ListConstruct" : "prim::TupleConstruct";
  if (n->ninputs != 1) {
    t2n_remark(ctx, n, "%s with %d inputs is malformed; left alone", n->kind, n->ninputs);
    return;
  }
  t2n_value *v = t2n_skip_casts(n->inputs[0]);
  t2n_node *def = v->def;
  if (!def || !t2n_node_is(def, construct)) {
    t2n_remark(ctx, n, "%%%s is not the output of a %s", v->name, construct);
    return;
  }
  if (def->ninputs != n->noutputs) {
    t2n_remark(ctx, n, "%s of %d values into %d outputs: arity mismatch", n->kind, def->ninputs, n->noutputs);
    return;
  }
  const char *why = NULL;
  if (list && !t2n_list_is_unmutated(v, &why)) {
    t2n_remark(ctx, n, "list %%%s may be changed or aliased by %s before it is unpacked", v->name, why);
    return;
  }
  t2n_replace_node(n, def->inputs);
  ctx->rewrites++;
}

int t2n_pass_fold_tuple_unpack(t2n_pass_ctx *ctx) {
  t2n_fold_sweep(ctx, ctx->graph->top, try_fold);
  return 0;
}
