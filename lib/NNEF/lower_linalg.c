/* Lowerings of matrix products: matmul / mm / bmm and linear.
 * tract's matmul wants operands of equal rank: the lower-ranked one is
 * unsqueezed on the left (batch broadcasting then matches torch's). 1-D
 * operands follow torch: a vector on the left is a [1, k] row, on the right
 * a [k, 1] column, and the added axis is squeezed from the result. */
#include <string.h>

#include "t2n/nnef.h"


static void unsqueeze_at(t2n_lower_ctx *c, t2n_lower_shaped *m, int64_t axis) {
  int64_t sz[T2N_MAX_RANK];
  for (int j = 0, s = 0; j <= m->rank; j++) sz[j] = j == axis ? 1 : m->sizes[s++];
  const t2n_nnef_tensor *tt = t2n_nnef_tensor_get(t2n_lower_graph(c), m->t);
  t2n_nnef_tid u = t2n_lower_temp(c, tt->name, tt->dtype, m->rank + 1, sz);
  t2n_nnef_op *op = t2n_lower_emit1(c, "unsqueeze", u, m->t);
  t2n_nnef_arg_ints(t2n_lower_graph(c), op, "axes", &axis, 1);
  t2n_lower_describe(c, u, m);
}

/* out (or a temporary) = matmul(a, b[, transposeB]); a and b rank >= 1. */
static int product(t2n_lower_ctx *c, t2n_node *n, t2n_lower_shaped a, t2n_lower_shaped b, int transpose_b, t2n_nnef_tid *res) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  int squeeze_row = 0, squeeze_col = 0;
  if (a.rank == 1) unsqueeze_at(c, &a, 0), squeeze_row = 1;
  if (b.rank == 1) unsqueeze_at(c, &b, transpose_b ? 0 : 1), squeeze_col = 1;
  while (a.rank < b.rank) unsqueeze_at(c, &a, 0);
  while (b.rank < a.rank) unsqueeze_at(c, &b, 0);
  int r = a.rank;
  int64_t sz[T2N_MAX_RANK];
  for (int i = 0; i < r - 2; i++) sz[i] = a.sizes[i] > b.sizes[i] ? a.sizes[i] : b.sizes[i];
  sz[r - 2] = a.sizes[r - 2];
  sz[r - 1] = transpose_b ? b.sizes[r - 2] : b.sizes[r - 1];
  t2n_dtype dt = t2n_nnef_tensor_get(g, a.t)->dtype;
  t2n_nnef_tid m = t2n_lower_temp(c, n->outputs[0]->name, dt, r, sz);
  t2n_nnef_op *op = t2n_lower_emit2(c, "matmul", m, a.t, b.t);
  if (transpose_b) t2n_nnef_arg_bool(g, op, "transposeB", 1);
  if (squeeze_row || squeeze_col) {
    int64_t axes[2];
    int k = 0, nr = r;
    if (squeeze_row) axes[k++] = r - 2, sz[r - 2] = 0;
    if (squeeze_col) axes[k++] = r - 1, sz[r - 1] = 0;
    int64_t s2[T2N_MAX_RANK];
    int j = 0;
    for (int i = 0; i < nr; i++)
      if (sz[i] != 0 || i < r - 2) s2[j++] = sz[i];
    t2n_nnef_tid q = t2n_lower_temp(c, n->outputs[0]->name, dt, j, s2);
    op = t2n_lower_emit1(c, "squeeze", q, m);
    t2n_nnef_arg_ints(g, op, "axes", axes, k);
    m = q;
  }
  *res = m;
  return 0;
}

static int operand(t2n_lower_ctx *c, t2n_node *n, int i, t2n_dtype dt, t2n_lower_shaped *m) {
  t2n_nnef_tid t = t2n_lower_tensor(c, n->inputs[i], n);
  if (t < 0) return 1;
  t2n_lower_describe(c, t2n_lower_cast(c, t, dt), m);
  if (m->rank < 1) return t2n_lower_error(c, n, "%s of a 0-dim tensor", n->kind);
  return 0;
}

/* The output's dtype. */
static int out_dtype(t2n_lower_ctx *c, t2n_node *n, t2n_dtype *dt) {
  int64_t sizes[T2N_MAX_RANK];
  return t2n_lower_need_shape(c, n->outputs[0], n, dt, sizes) < 0;
}

int t2n_lower_matmul(t2n_lower_ctx *c, t2n_node *n) {
  t2n_dtype dt;
  t2n_lower_shaped a, b;
  if (n->ninputs != 2) return t2n_lower_error(c, n, "%s with %d operands", n->kind, n->ninputs);
  if (out_dtype(c, n, &dt) || operand(c, n, 0, dt, &a) || operand(c, n, 1, dt, &b)) return 1;
  t2n_nnef_tid res;
  if (product(c, n, a, b, 0, &res)) return 1;
  t2n_lower_bind(c, n->outputs[0], res);
  return 0;
}

int t2n_lower_linear(t2n_lower_ctx *c, t2n_node *n) {
  t2n_dtype dt;
  t2n_lower_shaped x, w;
  if (n->ninputs != 3) return t2n_lower_error(c, n, "aten::linear with %d operands", n->ninputs);
  if (out_dtype(c, n, &dt) || operand(c, n, 0, dt, &x) || operand(c, n, 1, dt, &w)) return 1;
  t2n_nnef_tid res;
  if (product(c, n, x, w, 1, &res)) return 1;
  if (!t2n_lower_is_none(c, n->inputs[2])) {
    t2n_nnef_tid b = t2n_lower_tensor(c, n->inputs[2], n);
    if (b < 0) return 1;
    const t2n_nnef_tensor *rt = t2n_nnef_tensor_get(t2n_lower_graph(c), res);
    int r = rt->rank;
    b = t2n_lower_broadcast_rank(c, t2n_lower_cast(c, b, dt), r);
    t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
    if (out < 0) return 1;
    t2n_lower_emit2(c, "add", out, res, b);
    res = out;
  }
  t2n_lower_bind(c, n->outputs[0], res);
  return 0;
}

/* addmm(self, mat1, mat2, beta=1, alpha=1) and baddbmm (the same on
 * batches): beta * self + alpha * (mat1 @ mat2), self broadcast. */
int t2n_lower_addmm(t2n_lower_ctx *c, t2n_node *n) {
  t2n_dtype dt;
  t2n_lower_shaped a, b;
  double beta = 1, alpha = 1;
  if (n->ninputs != 5) return t2n_lower_error(c, n, "%s with %d operands", n->kind, n->ninputs);
  if (!t2n_lower_const_float(c, n->inputs[3], &beta) || !t2n_lower_const_float(c, n->inputs[4], &alpha))
    return t2n_lower_error(c, n, "the beta and alpha of %s must be constant numbers", n->kind);
  if (out_dtype(c, n, &dt) || operand(c, n, 1, dt, &a) || operand(c, n, 2, dt, &b)) return 1;
  t2n_nnef_graph *g = t2n_lower_graph(c);
  t2n_nnef_tid prod;
  if (product(c, n, a, b, 0, &prod)) return 1;
  const t2n_nnef_tensor *pt = t2n_nnef_tensor_get(g, prod);
  int r = pt->rank;
  int64_t ps[T2N_MAX_RANK];
  memcpy(ps, pt->sizes, sizeof ps);
  if (alpha != 1) {
    t2n_nnef_tid s = t2n_lower_temp(c, "alpha_prod", dt, r, ps);
    t2n_nnef_arg_value(g, t2n_lower_emit1(c, "mul", s, prod), NULL, t2n_nnef_v_float(alpha));
    prod = s;
  }
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  if (beta == 0) { /* torch ignores self (even NaN) when beta is 0 */
    t2n_lower_bind(c, n->outputs[0], prod);
    return 0;
  }
  t2n_nnef_tid self = t2n_lower_tensor(c, n->inputs[0], n);
  if (self < 0) return 1;
  self = t2n_lower_broadcast_rank(c, t2n_lower_cast(c, self, dt), r);
  if (beta != 1) {
    const t2n_nnef_tensor *st = t2n_nnef_tensor_get(g, self);
    t2n_nnef_tid s = t2n_lower_temp(c, "beta_self", dt, st->rank, st->sizes);
    t2n_nnef_arg_value(g, t2n_lower_emit1(c, "mul", s, self), NULL, t2n_nnef_v_float(beta));
    self = s;
  }
  t2n_lower_emit2(c, "add", out, self, prod);
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

/* einsum(equation, tensors, path=None): tract_core_einsum with the
 * equation made explicit (torch's implicit output: the letters seen once,
 * in alphabetical order). */
int t2n_lower_einsum(t2n_lower_ctx *c, t2n_node *n) {
  t2n_ival eq;
  if (n->ninputs < 2 || !t2n_lower_const(c, n->inputs[0], &eq) || eq.kind != T2N_IV_STR)
    return t2n_lower_error(c, n, "the equation of aten::einsum must be a constant string");
  const t2n_node *lc = n->inputs[1]->def;
  if (!lc || !t2n_node_is(lc, "prim::ListConstruct") || lc->ninputs < 1)
    return t2n_lower_error(c, n, "the operands of aten::einsum must be a prim::ListConstruct of tensors");
  char expr[256];
  size_t k = 0, len = strlen(eq.s);
  if (len + 40 > sizeof expr) return t2n_lower_error(c, n, "aten::einsum equation too long");
  int count[128] = {0};
  for (size_t i = 0; i < len; i++) {
    char ch = eq.s[i];
    if (ch == ' ') continue;
    if (ch == '.') return t2n_lower_error(c, n, "aten::einsum with an ellipsis is not lowered");
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) count[(int)ch]++;
    expr[k++] = ch;
  }
  expr[k] = 0;
  if (!strstr(expr, "->")) {
    expr[k++] = '-', expr[k++] = '>';
    for (int ch = 'A'; ch <= 'z'; ch++)
      if (count[ch] == 1) expr[k++] = (char)ch;
    expr[k] = 0;
  }
  t2n_dtype dt;
  int64_t os[T2N_MAX_RANK];
  if (t2n_lower_need_shape(c, n->outputs[0], n, &dt, os) < 0) return 1;
  t2n_nnef_graph *g = t2n_lower_graph(c);
  t2n_nnef_value *ins = t2n_arena_alloc(g->arena, sizeof *ins * (size_t)lc->ninputs);
  for (int i = 0; i < lc->ninputs; i++) {
    t2n_nnef_tid t = t2n_lower_tensor(c, lc->inputs[i], n);
    if (t < 0) return 1;
    ins[i] = t2n_nnef_v_tensor(t2n_lower_cast(c, t, dt));
  }
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  t2n_nnef_op *op = t2n_nnef_op_new(g, "tract_core_einsum", 1);
  op->outputs[0] = out;
  t2n_nnef_arg_value(g, op, NULL, t2n_nnef_v_array(g, lc->ninputs, ins));
  t2n_nnef_arg_string(g, op, "expr", expr);
  t2n_nnef_arg_string(g, op, "acc", t2n_nnef_dtype_name(dt));
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}
