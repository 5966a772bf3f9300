/* Complex tensors. NNEF has none, so a complex value (aten::stft with
 * return_complex=True, and reshapes of it) is bound to its real view: the
 * same sizes with a trailing axis of 2 holding (re, im), which is what
 * torch.view_as_real gives. The ops below read that view; every other
 * lowering refuses a complex operand (t2n_lower_tensor reports it), so no
 * op silently treats the (re, im) axis as data.
 *
 *   abs   sqrt(re * re + im * im), the magnitude (torchaudio's power spectrum
 *         is abs(...)^2 of it)
 *   real, imag   a slice of the trailing axis and a squeeze
 *   angle atan(im / re) moved into the right quadrant: + pi when re < 0 and
 *         im >= 0, - pi when re < 0 and im < 0, 0 when re = im = 0 (torch's
 *         atan2 convention); re = 0 gives atan(+-inf) = +-pi/2 as atan2 does
 *   view_as_real  the view itself
 *   reshape / view  a reshape of the view to the new sizes plus the 2 */
#include <math.h>

#define PI 3.14159265358979323846
#include <string.h>

#include "t2n/nnef.h"

/* The real-operand lowerings (lower_elementwise.c, lower_shape.c) these
 * dispatch to; the table names the dispatchers. */
int t2n_lower_abs(t2n_lower_ctx *c, t2n_node *n);
int t2n_lower_reshape(t2n_lower_ctx *c, t2n_node *n);

int t2n_lower_is_complex(t2n_lower_ctx *c, const t2n_value *v) {
  t2n_dtype dt;
  int64_t s[T2N_MAX_RANK];
  if (!v->type || v->type->kind != T2N_TY_TENSOR || t2n_lower_shape(c, v, &dt, s) < 0) return 0;
  return dt == T2N_DT_COMPLEX32 || dt == T2N_DT_COMPLEX64 || dt == T2N_DT_COMPLEX128;
}

/* The real view [.., 2] of complex value v. */
static t2n_nnef_tid view_of(t2n_lower_ctx *c, t2n_node *n, const t2n_value *v) {
  if (!t2n_lower_is_bound(c, v)) {
    t2n_lower_error(c, n, "%%%s is a complex tensor that no lowering produced (only aten::stft's is lowered)",
                    v->name);
    return -1;
  }
  return t2n_lower_complex_view(c, v);
}

static t2n_nnef_tid slice_last(t2n_lower_ctx *c, const char *base, t2n_nnef_tid x, int64_t k) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  const t2n_nnef_tensor *t = t2n_nnef_tensor_get(g, x);
  int64_t s[T2N_MAX_RANK], ax = t->rank - 1, b = k, e = k + 1;
  memcpy(s, t->sizes, sizeof s);
  s[ax] = 1;
  t2n_nnef_tid o = t2n_lower_temp(c, base, t->dtype, t->rank, s);
  t2n_nnef_op *op = t2n_lower_emit1(c, "slice", o, x);
  t2n_nnef_arg_ints(g, op, "axes", &ax, 1);
  t2n_nnef_arg_ints(g, op, "begin", &b, 1);
  t2n_nnef_arg_ints(g, op, "end", &e, 1);
  return o;
}

static t2n_nnef_tid like(t2n_lower_ctx *c, const char *base, t2n_nnef_tid x, t2n_dtype dt) {
  const t2n_nnef_tensor *t = t2n_nnef_tensor_get(t2n_lower_graph(c), x);
  return t2n_lower_temp(c, base, dt, t->rank, t->sizes);
}

static t2n_nnef_tid bin(t2n_lower_ctx *c, const char *kind, t2n_nnef_tid a, t2n_nnef_tid b, t2n_dtype dt) {
  t2n_nnef_tid o = like(c, kind, a, dt);
  t2n_lower_emit2(c, kind, o, a, b);
  return o;
}

static t2n_nnef_tid scalar_op(t2n_lower_ctx *c, const char *kind, t2n_nnef_tid a, double v, t2n_dtype dt) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  t2n_nnef_tid o = like(c, kind, a, dt);
  t2n_nnef_op *op = t2n_nnef_op_new(g, kind, 1);
  op->outputs[0] = o;
  t2n_nnef_arg_tensor(g, op, NULL, a);
  t2n_nnef_arg_float(g, op, NULL, v);
  return o;
}

/* The [.., 1] result r squeezed into n's output. */
static int finish(t2n_lower_ctx *c, t2n_node *n, t2n_nnef_tid r) {
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  int64_t ax = t2n_nnef_tensor_get(t2n_lower_graph(c), r)->rank - 1;
  t2n_nnef_arg_ints(t2n_lower_graph(c), t2n_lower_emit1(c, "squeeze", out, r), "axes", &ax, 1);
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

static int operand(t2n_lower_ctx *c, t2n_node *n, t2n_nnef_tid *re, t2n_nnef_tid *im) {
  if (n->ninputs < 1 || !t2n_lower_is_complex(c, n->inputs[0]))
    return t2n_lower_error(c, n, "%s is lowered only on a complex tensor here", n->kind);
  t2n_nnef_tid v = view_of(c, n, n->inputs[0]);
  if (v < 0) return 1;
  *re = slice_last(c, "complex_re", v, 0);
  *im = slice_last(c, "complex_im", v, 1);
  return 0;
}

static int t2n_lower_complex_abs(t2n_lower_ctx *c, t2n_node *n) {
  t2n_nnef_tid re = -1, im = -1;
  if (operand(c, n, &re, &im)) return 1;
  t2n_nnef_tid re2 = bin(c, "mul", re, re, T2N_DT_FLOAT32), im2 = bin(c, "mul", im, im, T2N_DT_FLOAT32);
  t2n_nnef_tid sum = bin(c, "add", re2, im2, T2N_DT_FLOAT32), mag = like(c, "complex_abs", sum, T2N_DT_FLOAT32);
  t2n_lower_emit1(c, "sqrt", mag, sum);
  return finish(c, n, mag);
}

int t2n_lower_real(t2n_lower_ctx *c, t2n_node *n) {
  if (!t2n_lower_is_complex(c, n->inputs[0])) return t2n_lower_identity_op(c, n); /* real of a real tensor */
  t2n_nnef_tid re = -1, im = -1;
  if (operand(c, n, &re, &im)) return 1;
  return finish(c, n, re);
}

int t2n_lower_imag(t2n_lower_ctx *c, t2n_node *n) {
  t2n_nnef_tid re = -1, im = -1;
  if (operand(c, n, &re, &im)) return 1;
  return finish(c, n, im);
}

int t2n_lower_angle(t2n_lower_ctx *c, t2n_node *n) {
  t2n_nnef_tid re = -1, im = -1;
  if (operand(c, n, &re, &im)) return 1;
  const t2n_dtype f = T2N_DT_FLOAT32, b = T2N_DT_BOOL;
  t2n_nnef_tid q = like(c, "angle_atan", re, f);
  t2n_lower_emit1(c, "atan", q, bin(c, "div", im, re, f));
  t2n_nnef_tid neg_re = scalar_op(c, "lt", re, 0.0, b), im_pos = scalar_op(c, "ge", im, 0.0, b);
  t2n_nnef_graph *g = t2n_lower_graph(c);
  t2n_nnef_tid turn = like(c, "angle_turn", re, f);
  t2n_nnef_op *op = t2n_nnef_op_new(g, "select", 1);
  op->outputs[0] = turn;
  t2n_nnef_arg_tensor(g, op, NULL, im_pos);
  t2n_nnef_arg_float(g, op, NULL, PI);
  t2n_nnef_arg_float(g, op, NULL, -PI);
  t2n_nnef_tid fix = like(c, "angle_fix", re, f);
  op = t2n_nnef_op_new(g, "select", 1);
  op->outputs[0] = fix;
  t2n_nnef_arg_tensor(g, op, NULL, neg_re);
  t2n_nnef_arg_tensor(g, op, NULL, turn);
  t2n_nnef_arg_float(g, op, NULL, 0.0);
  t2n_nnef_tid sum = bin(c, "add", q, fix, f);
  t2n_nnef_tid zero = bin(c, "and", scalar_op(c, "eq", re, 0.0, b), scalar_op(c, "eq", im, 0.0, b), b);
  t2n_nnef_tid res = like(c, "angle", re, f);
  op = t2n_nnef_op_new(g, "select", 1);
  op->outputs[0] = res;
  t2n_nnef_arg_tensor(g, op, NULL, zero);
  t2n_nnef_arg_float(g, op, NULL, 0.0);
  t2n_nnef_arg_tensor(g, op, NULL, sum);
  return finish(c, n, res);
}

int t2n_lower_view_as_real(t2n_lower_ctx *c, t2n_node *n) {
  if (n->ninputs != 1 || !t2n_lower_is_complex(c, n->inputs[0]))
    return t2n_lower_error(c, n, "aten::view_as_real is lowered only on a complex tensor");
  t2n_nnef_tid v = view_of(c, n, n->inputs[0]);
  if (v < 0) return 1;
  t2n_lower_bind(c, n->outputs[0], v);
  return 0;
}

/* reshape / view of a complex tensor: the view reshaped, plus its 2. */
static int t2n_lower_complex_reshape(t2n_lower_ctx *c, t2n_node *n) {
  t2n_nnef_tid v = view_of(c, n, n->inputs[0]);
  if (v < 0) return 1;
  t2n_dtype dt;
  int64_t s[T2N_MAX_RANK];
  int r = t2n_lower_need_shape(c, n->outputs[0], n, &dt, s);
  if (r < 0) return 1;
  if (r + 1 > T2N_MAX_RANK) return t2n_lower_error(c, n, "a complex reshape to rank %d is above NNEF's limit", r);
  s[r++] = 2;
  t2n_nnef_tid out = t2n_lower_temp(c, n->outputs[0]->name, T2N_DT_FLOAT32, r, s);
  t2n_nnef_arg_ints(t2n_lower_graph(c), t2n_lower_emit1(c, "reshape", out, v), "shape", s, r);
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

/* aten::abs, reshape and view take real and complex operands: the complex
 * forms are lowered here, the real ones by their own family's lowering. */
int t2n_lower_abs_any(t2n_lower_ctx *c, t2n_node *n) {
  if (n->ninputs == 1 && t2n_lower_is_complex(c, n->inputs[0])) return t2n_lower_complex_abs(c, n);
  return t2n_lower_abs(c, n);
}

int t2n_lower_reshape_any(t2n_lower_ctx *c, t2n_node *n) {
  if (n->ninputs >= 1 && t2n_lower_is_complex(c, n->inputs[0])) return t2n_lower_complex_reshape(c, n);
  return t2n_lower_reshape(c, n);
}
