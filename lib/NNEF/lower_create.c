/* Lowerings of tensor factories whose sizes and values fold under the
 * example shapes: zeros, ones, full, their _like and new_ forms,
 * scalar_tensor, and arange.
 *
 * The shape and dtype are the inferred output type (the size arguments may
 * be computed by aten::size, and the dtype arguments default as torch
 * defaults them). A filled tensor is a one-element variable broadcast to the
 * shape with tract_core_broadcast, so a large zeros() costs no weight
 * bytes; arange is a variable holding its values (tract has no `constant`). */
#include <stdlib.h>
#include <string.h>

#include "t2n/alloc.h"
#include "t2n/nnef.h"

static size_t elem_size(t2n_dtype dt) { return t2n_dtype_size(dt); }

/* Writes v as element i of dt at p (the dtypes a .dat file holds). */
static int store(unsigned char *p, size_t i, t2n_dtype dt, double v) {
  switch (dt) {
  case T2N_DT_FLOAT32: { float f = (float)v; memcpy(p + 4 * i, &f, 4); return 0; }
  case T2N_DT_FLOAT64: memcpy(p + 8 * i, &v, 8); return 0;
  case T2N_DT_INT64: { int64_t x = (int64_t)v; memcpy(p + 8 * i, &x, 8); return 0; }
  case T2N_DT_INT32: { int32_t x = (int32_t)v; memcpy(p + 4 * i, &x, 4); return 0; }
  case T2N_DT_INT16: { int16_t x = (int16_t)v; memcpy(p + 2 * i, &x, 2); return 0; }
  case T2N_DT_INT8: { int8_t x = (int8_t)v; memcpy(p + i, &x, 1); return 0; }
  case T2N_DT_UINT8: { uint8_t x = (uint8_t)v; memcpy(p + i, &x, 1); return 0; }
  case T2N_DT_BOOL: p[i] = v != 0; return 0;
  default: return 1;
  }
}

/* Output 0 of n filled with v. */
static int fill(t2n_lower_ctx *c, t2n_node *n, double v) {
  t2n_dtype dt;
  int64_t sizes[T2N_MAX_RANK], ones[T2N_MAX_RANK];
  int r = t2n_lower_need_shape(c, n->outputs[0], n, &dt, sizes);
  if (r < 0) return 1;
  unsigned char buf[8] = {0};
  if (store(buf, 0, dt, v))
    return t2n_lower_error(c, n, "%s of dtype %s: NNEF .dat files cannot hold it", n->kind, t2n_dtype_name(dt));
  int all_one = 1;
  for (int i = 0; i < r; i++) {
    if (sizes[i] == 0) return t2n_lower_error(c, n, "%s gives an empty tensor; tract cannot hold one", n->kind);
    ones[i] = 1;
    all_one &= sizes[i] == 1;
  }
  t2n_nnef_tid t = t2n_lower_variable_copy(c, "fill", dt, r, ones, buf, elem_size(dt));
  if (!all_one) {
    t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
    if (out < 0) return 1;
    t2n_nnef_arg_ints(t2n_lower_graph(c), t2n_lower_emit1(c, "tract_core_broadcast", out, t), "shape", sizes, r);
    t = out;
  }
  t2n_lower_bind(c, n->outputs[0], t);
  return 0;
}

static int fill_from(t2n_lower_ctx *c, t2n_node *n, int i) {
  double v;
  t2n_ival iv;
  if (i < n->ninputs && t2n_lower_const(c, n->inputs[i], &iv) && iv.kind == T2N_IV_BOOL) return fill(c, n, (double)iv.i);
  if (i >= n->ninputs || !t2n_lower_const_float(c, n->inputs[i], &v))
    return t2n_lower_error(c, n, "the fill value of %s must be a constant number", n->kind);
  return fill(c, n, v);
}

int t2n_lower_zeros(t2n_lower_ctx *c, t2n_node *n) { return fill(c, n, 0); }
int t2n_lower_ones(t2n_lower_ctx *c, t2n_node *n) { return fill(c, n, 1); }
int t2n_lower_full(t2n_lower_ctx *c, t2n_node *n) { return fill_from(c, n, 1); }    /* full(size, value), full_like(x, value) */
int t2n_lower_new_full(t2n_lower_ctx *c, t2n_node *n) { return fill_from(c, n, 2); } /* new_full(x, size, value) */
int t2n_lower_scalar_tensor_op(t2n_lower_ctx *c, t2n_node *n) { return fill_from(c, n, 0); }

/* arange(end), arange(start, end), arange(start, end, step), each followed
 * by dtype, layout, device, pin_memory: start + i * step for each of the
 * inferred output's elements. */
int t2n_lower_arange(t2n_lower_ctx *c, t2n_node *n) {
  t2n_dtype dt;
  int64_t sizes[T2N_MAX_RANK];
  int r = t2n_lower_need_shape(c, n->outputs[0], n, &dt, sizes);
  if (r < 0) return 1;
  int nscalar = n->ninputs - 4;
  double a[3] = {0, 0, 1};
  if (nscalar < 1 || nscalar > 3 || r != 1)
    return t2n_lower_error(c, n, "only aten::arange(end | start, end | start, end, step, dtype, layout, device, pin_memory) is lowered");
  for (int i = 0; i < nscalar; i++)
    if (!t2n_lower_const_float(c, n->inputs[i], &a[nscalar == 1 ? 1 : i]))
      return t2n_lower_error(c, n, "the bounds of aten::arange must be constant numbers");
  if (sizes[0] == 0) return t2n_lower_error(c, n, "aten::arange gives an empty tensor; tract cannot hold one");
  size_t bytes = elem_size(dt) * (size_t)sizes[0];
  unsigned char *buf = t2n_xcalloc(1, bytes);
  for (int64_t i = 0; i < sizes[0]; i++)
    if (store(buf, (size_t)i, dt, a[0] + (double)i * a[2])) {
      free(buf);
      return t2n_lower_error(c, n, "aten::arange of dtype %s: NNEF .dat files cannot hold it", t2n_dtype_name(dt));
    }
  t2n_nnef_tid t = t2n_lower_variable_copy(c, "arange", dt, 1, sizes, buf, bytes);
  free(buf);
  t2n_lower_bind(c, n->outputs[0], t);
  return 0;
}
