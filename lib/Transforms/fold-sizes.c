/* -fold-sizes
 *
 * Matches: aten::size(x, d), aten::size(x), aten::dim(x), aten::numel(x),
 * aten::len(x) and prim::dtype(x), at any depth, wherever their result goes
 * (reshape and view sizes, slice bounds, zeros, arithmetic, graph outputs),
 * when native shape inference (t2n/shape.h, the analysis -infer-shapes runs)
 * knows the answer under the example inputs (--input-shape, --input-value,
 * --example-inputs).
 *
 * Rewrites: the node becomes a prim::Constant (for size(x) a
 * prim::ListConstruct of int constants; for prim::dtype the ScalarType
 * number); the arithmetic on it is left for -fold-constant-scalar-arithmetic.
 * One rewrite per folded node. The rules are those of -replace-size-calls
 * (lib/Transforms/size_util.c):
 *   dim(x), numel(x): every dimension of x known;
 *   len(x): x a tensor with a known first dimension, a list built by a
 *     prim::ListConstruct that is never mutated (its input count), or a
 *     list whose length shape inference knows (split, chunk, unbind, list();
 *     a list changed in place has no known length);
 *   size(x): every dimension known; size(x, d): d a known int in range
 *     (negative d from the end) and that dimension known;
 *   prim::dtype(x): the dtype of x known.
 *
 * Restrictions: the folded graph is specialised to the example shapes (the
 * exported model then takes those shapes only). A query in a branch the
 * examples do not take, one whose result is unused (left for -dce), or one
 * whose answer is not known (a size that changes from one loop iteration to
 * the next is unknown) stays, with a remark.
 *
 * Why: unlike -replace-size-calls, which keeps sizes that shape tensors
 * dynamic, an NNEF export needs them as constants: tract's NNEF reader takes
 * reshape and slice arguments as literals. */
#include <stdlib.h>

#include "fold_util.h"
#include "size_util.h"
#include "t2n/eval.h"
#include "t2n/pass.h"
#include "t2n/shape.h"

static int fold_one(t2n_pass_ctx *ctx, const t2n_shape_facts *f, t2n_node *n) {
  if (n->noutputs != 1 || n->ninputs < 1) return 0;
  t2n_value *out = n->outputs[0];
  if (out->nuses == 0) return 0; /* -dce's */
  if (!t2n_shape_reached(f, out)) {
    t2n_remark(ctx, n, "%s(%%%s) left alone: it is in a branch the example inputs do not take", n->kind,
               n->inputs[0]->name);
    return 0;
  }
  t2n_value *repl = NULL;
  t2n_ival len;
  if (t2n_node_is(n, "aten::len") && !t2n_type_is_tensor(n->inputs[0]->type) &&
      !(n->inputs[0]->def && t2n_node_is(n->inputs[0]->def, "prim::ListConstruct")) && t2n_eval(f, out, &len) &&
      len.kind == T2N_IV_INT)
    /* A list from split/chunk/unbind or list(): shape inference knows its
     * length (a list changed in place has none). */
    repl = t2n_insert_int(ctx->graph, n, len.i)->outputs[0];
  else
    repl = t2n_size_query_fold(ctx, f, n);
  if (!repl) return 0;
  t2n_replace_node(n, &repl);
  return 1;
}

int t2n_pass_fold_sizes(t2n_pass_ctx *ctx) {
  t2n_fold_size_queries(ctx, 1, fold_one);
  return 0;
}
