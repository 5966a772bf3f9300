/* -fold-tuple-index
 *
 * Matches: prim::TupleIndex(tup, k) and aten::__getitem__(tup, k), at any
 * depth, where tup is the output of a prim::TupleConstruct(a0, a1, ...) (named
 * tuples included) and k is a constant int. Inlined call sites leave these
 * behind when a `(h, c)` tuple is consumed by position.
 *
 * Rewrites: every use of the result takes a_k (a negative k counts from the
 * end, as in Python), and the indexing node goes; the TupleConstruct is left
 * for -dce. Chains (a tuple of tuples indexed twice) fold in the same
 * sweep, since a fold only changes uses that come later in the graph.
 *
 * Restrictions: tuples are immutable, so reading through the construct is
 * exact. prim::unchecked_cast (Optional[tuple] refined to tuple) is looked
 * through. A tuple that reaches the index through an If/Loop output, a call or
 * a graph input is not visible here (fold the If first); a non-constant or
 * out-of-range index (a runtime IndexError) is left. Each of these gets a
 * remark. aten::__getitem__ on anything but a tuple is not a candidate
 * (lists are -fold-constant-scalar-arithmetic's). */
#include "fold_util.h"
#include "t2n/eval.h"
#include "t2n/pass.h"

static void try_fold(t2n_pass_ctx *ctx, t2n_node *n) {
  int getitem = t2n_node_is(n, "aten::__getitem__");
  if (!getitem && !t2n_node_is(n, "prim::TupleIndex")) return;
  if (n->ninputs != 2 || n->noutputs != 1) {
    if (!getitem) t2n_remark(ctx, n, "prim::TupleIndex with %d inputs is malformed; left alone", n->ninputs);
    return;
  }
  t2n_value *tup = n->inputs[0];
  int is_tuple = tup->type && tup->type->kind == T2N_TY_TUPLE;
  t2n_node *def = t2n_skip_casts(tup)->def;
  if (!def || !t2n_node_is(def, "prim::TupleConstruct")) {
    if (!getitem || is_tuple)
      t2n_remark(ctx, n, "tuple %%%s is not the output of a prim::TupleConstruct", tup->name);
    return;
  }
  t2n_ival k;
  if (!t2n_constant_value(ctx->mod, n->inputs[1], &k) || k.kind != T2N_IV_INT) {
    t2n_remark(ctx, n, "index %%%s is not a constant int", n->inputs[1]->name);
    return;
  }
  int64_t len = def->ninputs, i = k.i < 0 ? k.i + len : k.i;
  if (i < 0 || i >= len) {
    t2n_remark(ctx, n, "index %lld is out of range for a tuple of %lld elements", (long long)k.i, (long long)len);
    return;
  }
  t2n_value *elem = def->inputs[i];
  t2n_replace_node(n, &elem);
  ctx->rewrites++;
}

int t2n_pass_fold_tuple_index(t2n_pass_ctx *ctx) {
  t2n_fold_sweep(ctx, ctx->graph->top, try_fold);
  return 0;
}
