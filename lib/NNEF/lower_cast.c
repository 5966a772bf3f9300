/* Lowerings of dtype conversions: aten::to (every form) and aten::type_as.
 * The target dtype is the inferred output dtype, so the many overloads of
 * aten::to (dtype, device + dtype, other tensor, device only) need no
 * parsing: a device move is the identity, a dtype change is
 * tract_core_cast (float to int truncates toward zero, as torch does). */
#include "t2n/nnef.h"

static int cast_to_output(t2n_lower_ctx *c, t2n_node *n) {
  t2n_nnef_tid x = t2n_lower_tensor(c, n->inputs[0], n);
  if (x < 0) return 1;
  t2n_dtype dt;
  int64_t sizes[T2N_MAX_RANK];
  if (t2n_lower_need_shape(c, n->outputs[0], n, &dt, sizes) < 0) return 1;
  if (!t2n_nnef_dtype_name(dt))
    return t2n_lower_error(c, n, "%s to dtype %s, which tract cannot hold", n->kind, t2n_dtype_name(dt));
  t2n_nnef_tid out = x;
  if (t2n_nnef_tensor_get(t2n_lower_graph(c), x)->dtype != dt) {
    out = t2n_lower_output_tensor(c, n, 0);
    if (out < 0) return 1;
    t2n_nnef_op *op = t2n_lower_emit1(c, "tract_core_cast", out, x);
    t2n_nnef_arg_string(t2n_lower_graph(c), op, "to", t2n_nnef_dtype_name(dt));
  }
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

int t2n_lower_to(t2n_lower_ctx *c, t2n_node *n) { return cast_to_output(c, n); }
int t2n_lower_type_as(t2n_lower_ctx *c, t2n_node *n) { return cast_to_output(c, n); }
