/* Private helper shared by -replace-size-calls and -fold-sizes: the constant
 * a size query takes under the example shapes (not part of the public API). */
#ifndef T2N_TRANSFORMS_SIZE_UTIL_H
#define T2N_TRANSFORMS_SIZE_UTIL_H

#include "t2n/pass.h"
#include "t2n/shape.h"

/* aten::dim, aten::numel, aten::len, aten::size (one or two operands). */
int t2n_is_size_query(const t2n_node *n);

/* For a size query n (or prim::dtype) whose answer the facts f give: inserts
 * the constant (for size(x) a prim::ListConstruct of int constants) before n
 * and returns it. NULL, with a remark saying why, when it is not known:
 *   dim(x), numel(x): every dimension of x known;
 *   len(x): x a tensor with a known first dimension, or a list built by a
 *     prim::ListConstruct that is never mutated (its input count);
 *   size(x): every dimension known;
 *   size(x, d): d a known int, negative d counted from the end, in range,
 *     that dimension known;
 *   prim::dtype(x): the dtype of x known (its ScalarType number). */
t2n_value *t2n_size_query_fold(t2n_pass_ctx *ctx, const t2n_shape_facts *f, t2n_node *n);

/* The driver both passes share: collects the size queries of the graph
 * (and prim::dtype when `with_dtype`), infers shapes once if there is any,
 * and calls fold_one on each, which returns 1 for a rewrite (counted in
 * ctx->rewrites). Collecting first keeps the walk off nodes fold_one
 * replaces. */
typedef int (*t2n_size_fold_fn)(t2n_pass_ctx *ctx, const t2n_shape_facts *f, t2n_node *n);
void t2n_fold_size_queries(t2n_pass_ctx *ctx, int with_dtype, t2n_size_fold_fn fold_one);

#endif
