/* Lowerings of the convolution family: conv1d/2d/3d, conv_transpose1d/2d/3d,
 * aten::convolution and aten::_convolution (what traced graphs call), as
 * NNEF `conv` and `deconv`.
 *
 * tract's forms (docs/nnef-ops.md; checked against torch in tract 0.23.9):
 *  - conv(input, filter, bias, border = 'constant', padding = [(b, a), ...],
 *    stride, dilation, groups): filter [O, I/groups, k...] as torch's, bias
 *    `[C]` or the literal 0.0; stride/dilation/padding list spatial axes
 *    only. `border` must be 'constant' (anything else aborts tract).
 *  - deconv: the same arguments, but tract wants the filter as
 *    [Cout, Cin/groups, k...] while torch's transposed weight is
 *    [Cin, Cout/groups, k...]: it is regrouped with reshape/transpose ops
 *    (tract folds them on constant weights, so nothing is copied here).
 *    torch's output_padding adds rows at the end: NNEF padding (p, p - op),
 *    which tract accepts negative.
 *  - an unbatched input (rank of the weight minus one, as torch allows) is
 *    unsqueezed to a batch of one and the result squeezed back. */
#include <string.h>

#include "t2n/nnef.h"

enum { MAXSP = 3 };

typedef struct conv_form {
  int transposed;
  int nsp;                         /* spatial axes */
  int64_t stride[MAXSP], dilation[MAXSP], pad_before[MAXSP], pad_after[MAXSP], out_pad[MAXSP];
  int64_t groups;
} conv_form;

/* An int list argument of `nsp` entries (torch repeats a single entry). */
static int int_list(t2n_lower_ctx *c, t2n_node *n, const t2n_value *v, const char *what, int nsp, int64_t *out) {
  int64_t tmp[T2N_MAX_RANK];
  int k = t2n_lower_const_ints(c, v, tmp, T2N_MAX_RANK);
  if (k == 1) {
    for (int i = 0; i < nsp; i++) out[i] = tmp[0];
    return 0;
  }
  if (k != nsp) {
    if (nsp == 1) return t2n_lower_error(c, n, "the %s of %s must be a constant list of 1 int", what, n->kind);
    return t2n_lower_error(c, n, "the %s of %s must be a constant list of 1 or %d ints", what, n->kind, nsp);
  }
  for (int i = 0; i < nsp; i++) out[i] = tmp[i];
  return 0;
}

/* padding: an int list, or the strings 'valid' / 'same' of conv1d/2d/3d.
 * 'same' pads dilation * (k - 1) in total, the odd one at the end, as
 * torch's _convolution_mode does. */
static int padding_arg(t2n_lower_ctx *c, t2n_node *n, const t2n_value *v, conv_form *f, const int64_t *ksize) {
  t2n_ival iv;
  if (t2n_lower_const(c, v, &iv) && iv.kind == T2N_IV_STR) {
    for (int i = 0; i < f->nsp; i++) {
      int64_t total = 0;
      if (strcmp(iv.s, "same") == 0) {
        total = f->dilation[i] * (ksize[i] - 1);
        if (f->stride[i] != 1) return t2n_lower_error(c, n, "padding='same' needs stride 1 (torch refuses others)");
      } else if (strcmp(iv.s, "valid") != 0) {
        return t2n_lower_error(c, n, "unknown padding mode '%s' of %s (torch knows 'same' and 'valid')", iv.s, n->kind);
      }
      f->pad_before[i] = total / 2;
      f->pad_after[i] = total - total / 2;
    }
    return 0;
  }
  int64_t p[MAXSP];
  if (int_list(c, n, v, "padding", f->nsp, p)) return 1;
  for (int i = 0; i < f->nsp; i++) f->pad_before[i] = f->pad_after[i] = p[i];
  return 0;
}

/* The filter as tract's deconv wants it: torch's [Cin, Cout/g, k...]
 * regrouped to [Cout, Cin/g, k...]. */
static t2n_nnef_tid regroup_deconv_filter(t2n_lower_ctx *c, t2n_nnef_tid w, int64_t groups) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  const t2n_nnef_tensor *wt = t2n_nnef_tensor_get(g, w);
  int r = wt->rank;
  t2n_dtype dt = wt->dtype;
  int64_t cin = wt->sizes[0], coutg = wt->sizes[1], cing = cin / groups;
  int64_t ws[T2N_MAX_RANK];
  memcpy(ws, wt->sizes, sizeof ws);
  if (groups == 1) {
    int64_t perm[T2N_MAX_RANK], ts[T2N_MAX_RANK];
    for (int i = 0; i < r; i++) perm[i] = i, ts[i] = ws[i];
    perm[0] = 1, perm[1] = 0, ts[0] = coutg, ts[1] = cin;
    t2n_nnef_tid o = t2n_lower_temp(c, "filter_t", dt, r, ts);
    t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "transpose", o, w), "axes", perm, r);
    return o;
  }
  /* [G, Cin/g, Cout/g, k...] -> [G, Cout/g, Cin/g, k...] -> [Cout, Cin/g, k...] */
  int64_t s5[T2N_MAX_RANK + 1], t5[T2N_MAX_RANK + 1], perm[T2N_MAX_RANK + 1];
  s5[0] = groups, s5[1] = cing, s5[2] = coutg;
  for (int i = 2; i < r; i++) s5[i + 1] = ws[i];
  for (int i = 0; i <= r; i++) perm[i] = i, t5[i] = s5[i];
  perm[1] = 2, perm[2] = 1, t5[1] = coutg, t5[2] = cing;
  t2n_nnef_tid a = t2n_lower_temp(c, "filter_g", dt, r + 1, s5);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "reshape", a, w), "shape", s5, r + 1);
  t2n_nnef_tid b = t2n_lower_temp(c, "filter_gt", dt, r + 1, t5);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "transpose", b, a), "axes", perm, r + 1);
  int64_t fs[T2N_MAX_RANK];
  fs[0] = groups * coutg, fs[1] = cing;
  for (int i = 2; i < r; i++) fs[i] = ws[i];
  t2n_nnef_tid o = t2n_lower_temp(c, "filter_t", dt, r, fs);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "reshape", o, b), "shape", fs, r);
  return o;
}

/* Emits the conv/deconv of n once its form is read. Argument values:
 * input, weight, bias (may be None). */
static int emit_conv(t2n_lower_ctx *c, t2n_node *n, const t2n_value *input, const t2n_value *weight,
                     const t2n_value *bias, conv_form *f, const t2n_value *padding) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  t2n_dtype idt, wdt;
  int64_t is[T2N_MAX_RANK], ws[T2N_MAX_RANK];
  int ir = t2n_lower_need_shape(c, input, n, &idt, is);
  int wr = ir < 0 ? -1 : t2n_lower_need_shape(c, weight, n, &wdt, ws);
  if (ir < 0 || wr < 0) return 1;
  f->nsp = wr - 2;
  if (f->nsp < 1 || f->nsp > MAXSP || (ir != wr && ir != wr - 1))
    return t2n_lower_error(c, n, "%s of a rank-%d input with a rank-%d weight is not a convolution t2n-export lowers",
                           n->kind, ir, wr);
  if (f->groups < 1) return t2n_lower_error(c, n, "groups of %s must be a constant >= 1", n->kind);
  if (padding && padding_arg(c, n, padding, f, ws + 2)) return 1;
  t2n_nnef_tid x = t2n_lower_tensor(c, input, n), w = t2n_lower_tensor(c, weight, n);
  if (x < 0 || w < 0) return 1;
  int unbatched = ir == wr - 1;
  if (unbatched) x = t2n_lower_broadcast_rank(c, x, wr);
  if (f->transposed) w = regroup_deconv_filter(c, w, f->groups);
  t2n_nnef_value bv = t2n_nnef_v_float(0.0);
  if (!t2n_lower_is_none(c, bias)) {
    t2n_nnef_tid b = t2n_lower_tensor(c, bias, n);
    if (b < 0) return 1;
    bv = t2n_nnef_v_tensor(b);
  }
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  t2n_nnef_tid res = out;
  if (unbatched) {
    const t2n_nnef_tensor *ot = t2n_nnef_tensor_get(g, out);
    int64_t bs[T2N_MAX_RANK];
    bs[0] = 1;
    for (int i = 0; i < ot->rank; i++) bs[i + 1] = ot->sizes[i];
    res = t2n_lower_temp(c, "conv_batched", ot->dtype, ot->rank + 1, bs);
  }
  t2n_nnef_op *op = t2n_nnef_op_new(g, f->transposed ? "deconv" : "conv", 1);
  op->outputs[0] = res;
  t2n_nnef_arg_tensor(g, op, NULL, x);
  t2n_nnef_arg_tensor(g, op, NULL, w);
  t2n_nnef_arg_value(g, op, NULL, bv);
  t2n_nnef_arg_string(g, op, "border", "constant");
  t2n_nnef_value pads[MAXSP];
  for (int i = 0; i < f->nsp; i++) {
    int64_t after = f->transposed ? f->pad_after[i] - f->out_pad[i] : f->pad_after[i];
    t2n_nnef_value pa[2] = {t2n_nnef_v_int(f->pad_before[i]), t2n_nnef_v_int(after)};
    pads[i] = t2n_nnef_v_tuple(g, 2, pa);
  }
  t2n_nnef_arg_value(g, op, "padding", t2n_nnef_v_array(g, f->nsp, pads));
  t2n_nnef_arg_ints(g, op, "stride", f->stride, f->nsp);
  t2n_nnef_arg_ints(g, op, "dilation", f->dilation, f->nsp);
  t2n_nnef_arg_int(g, op, "groups", f->groups);
  if (unbatched) {
    int64_t ax0 = 0;
    t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "squeeze", out, res), "axes", &ax0, 1);
  }
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

/* The spatial rank of n's weight, for reading list arguments before the
 * rest (0 after an error). */
static int spatial_rank(t2n_lower_ctx *c, t2n_node *n) {
  int64_t ws[T2N_MAX_RANK];
  int wr = t2n_lower_need_shape(c, n->inputs[1], n, NULL, ws);
  if (wr < 3 || wr > MAXSP + 2) {
    if (wr >= 0) t2n_lower_error(c, n, "%s with a rank-%d weight is not a convolution t2n-export lowers", n->kind, wr);
    return 0;
  }
  return wr - 2;
}

static int arg_count(t2n_lower_ctx *c, t2n_node *n, int lo, int hi) {
  if (n->ninputs < lo || n->ninputs > hi || n->noutputs != 1)
    return t2n_lower_error(c, n, "%s with %d operands is not a form t2n-export lowers", n->kind, n->ninputs);
  return 0;
}

/* conv1d/2d/3d(input, weight, bias, stride, padding, dilation, groups) */
int t2n_lower_conv(t2n_lower_ctx *c, t2n_node *n) {
  if (arg_count(c, n, 7, 7)) return 1;
  conv_form f = {0};
  if (!(f.nsp = spatial_rank(c, n))) return 1;
  if (int_list(c, n, n->inputs[3], "stride", f.nsp, f.stride) ||
      int_list(c, n, n->inputs[5], "dilation", f.nsp, f.dilation))
    return 1;
  if (!t2n_lower_const_int(c, n->inputs[6], &f.groups)) f.groups = 0;
  return emit_conv(c, n, n->inputs[0], n->inputs[1], n->inputs[2], &f, n->inputs[4]);
}

/* conv_transpose1d/2d/3d(input, weight, bias, stride, padding,
 * output_padding, groups, dilation) */
int t2n_lower_conv_transpose(t2n_lower_ctx *c, t2n_node *n) {
  if (arg_count(c, n, 8, 8)) return 1;
  conv_form f = {0};
  f.transposed = 1;
  if (!(f.nsp = spatial_rank(c, n))) return 1;
  if (int_list(c, n, n->inputs[3], "stride", f.nsp, f.stride) ||
      int_list(c, n, n->inputs[5], "output_padding", f.nsp, f.out_pad) ||
      int_list(c, n, n->inputs[7], "dilation", f.nsp, f.dilation))
    return 1;
  if (!t2n_lower_const_int(c, n->inputs[6], &f.groups)) f.groups = 0;
  return emit_conv(c, n, n->inputs[0], n->inputs[1], n->inputs[2], &f, n->inputs[4]);
}

/* convolution(input, weight, bias, stride, padding, dilation, transposed,
 * output_padding, groups) and _convolution (the same, then benchmark,
 * deterministic, cudnn_enabled[, allow_tf32], which do not change the
 * result). */
int t2n_lower_convolution(t2n_lower_ctx *c, t2n_node *n) {
  if (arg_count(c, n, 9, t2n_node_is(n, "aten::_convolution") ? 13 : 9)) return 1;
  conv_form f = {0};
  int tr = 0;
  if (!t2n_lower_const_bool(c, n->inputs[6], &tr))
    return t2n_lower_error(c, n, "the transposed flag of %s must be a constant", n->kind);
  f.transposed = tr;
  if (!(f.nsp = spatial_rank(c, n))) return 1;
  if (int_list(c, n, n->inputs[3], "stride", f.nsp, f.stride) ||
      int_list(c, n, n->inputs[5], "dilation", f.nsp, f.dilation) ||
      int_list(c, n, n->inputs[7], "output_padding", f.nsp, f.out_pad))
    return 1;
  if (!t2n_lower_const_int(c, n->inputs[8], &f.groups)) f.groups = 0;
  return emit_conv(c, n, n->inputs[0], n->inputs[1], n->inputs[2], &f, n->inputs[4]);
}
