/* Lowering of aten::stft (both overloads: the one torch.stft calls after
 * its own centering, and stft.center) with tract_core_stft.
 *
 * silero-vad 5.x and 6.x do not call stft: they convolve with a basis
 * buffer (aten::conv1d, lower_conv.c), then slice and take the magnitude
 * with pow/add/sqrt. Other archives call aten::stft, either with
 * return_complex=False (a real [.., F, T, 2] result) or True (a complex
 * result, then aten::abs or aten::view_as_real).
 *
 * tract's form (checked against torch in tract 0.23.9): the input needs a
 * trailing axis of 2 (re, im); tract does no centering, returns all n_fft
 * bins, frames on the axis after the batch, and pads a window shorter than
 * n_fft with zeros on both sides as torch does:
 *   xc = pad(unsqueeze(x, axes = [2]), padding = [(0, 0), (0, 0), (0, 1)]);
 *   s = tract_core_stft(xc, axis = 1, frame = n_fft, stride = hop, window = w);
 *   [B, T, n_fft, 2] -> slice the onesided bins -> transpose to [B, F, T, 2].
 * NNEF has no complex tensors: a complex stft is bound to that [.., 2]
 * (re, im) view, which the ops of lower_complex.c read (abs, real, imag,
 * angle, view_as_real, reshapes). */
#include <math.h>
#include <string.h>

#include "t2n/nnef.h"

static t2n_nnef_tid emit_slice(t2n_lower_ctx *c, t2n_nnef_tid x, int axis, int64_t b, int64_t e) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  const t2n_nnef_tensor *t = t2n_nnef_tensor_get(g, x);
  int64_t s[T2N_MAX_RANK], ax = axis;
  memcpy(s, t->sizes, sizeof s);
  s[axis] = e - b;
  t2n_nnef_tid o = t2n_lower_temp(c, "stft_slice", t->dtype, t->rank, s);
  t2n_nnef_op *op = t2n_lower_emit1(c, "slice", o, x);
  t2n_nnef_arg_ints(g, op, "axes", &ax, 1);
  t2n_nnef_arg_ints(g, op, "begin", &b, 1);
  t2n_nnef_arg_ints(g, op, "end", &e, 1);
  return o;
}

static t2n_nnef_tid same_shape(t2n_lower_ctx *c, const char *base, t2n_nnef_tid like) {
  const t2n_nnef_tensor *t = t2n_nnef_tensor_get(t2n_lower_graph(c), like);
  int64_t s[T2N_MAX_RANK];
  memcpy(s, t->sizes, sizeof s);
  return t2n_lower_temp(c, base, t->dtype, t->rank, s);
}

/* stft(self, n_fft, hop_length, win_length, window, normalized, onesided,
 *      return_complex[, align_to_window])
 * stft.center(self, n_fft, hop_length, win_length, window, center, pad_mode,
 *      normalized, onesided, return_complex[, align_to_window]) */
int t2n_lower_stft(t2n_lower_ctx *c, t2n_node *n) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  int centered_form = n->ninputs >= 7 && t2n_type_is(n->inputs[6]->type, "str");
  int base = centered_form ? 2 : 0; /* offset of normalized, onesided, ... */
  if (n->noutputs != 1 || n->ninputs < 8 + base || n->ninputs > 9 + base)
    return t2n_lower_error(c, n, "%s with %d operands is not a form t2n-export lowers", n->kind, n->ninputs);
  t2n_dtype dt;
  int64_t xs[T2N_MAX_RANK];
  int xr = t2n_lower_need_shape(c, n->inputs[0], n, &dt, xs);
  if (xr < 0) return 1;
  if ((xr != 1 && xr != 2) || dt != T2N_DT_FLOAT32)
    return t2n_lower_error(c, n, "aten::stft of a rank-%d %s input: only f32 signals of rank 1 or 2 are lowered", xr,
                           t2n_dtype_name(dt));
  int64_t nfft, hop, win;
  if (!t2n_lower_const_int(c, n->inputs[1], &nfft) || nfft < 1)
    return t2n_lower_error(c, n, "n_fft of aten::stft must be a constant >= 1");
  hop = nfft / 4, win = nfft;
  if (!t2n_lower_is_none(c, n->inputs[2]) && !t2n_lower_const_int(c, n->inputs[2], &hop))
    return t2n_lower_error(c, n, "hop_length of aten::stft must be a constant or None");
  if (!t2n_lower_is_none(c, n->inputs[3]) && !t2n_lower_const_int(c, n->inputs[3], &win))
    return t2n_lower_error(c, n, "win_length of aten::stft must be a constant or None");
  if (hop < 1 || win < 1 || win > nfft) return t2n_lower_error(c, n, "aten::stft needs hop >= 1 and 1 <= win_length <= n_fft");
  int normalized = 0, onesided = 1, cplx = 0, align = 0, center = 0;
  if (!t2n_lower_const_bool(c, n->inputs[5 + base], &normalized))
    return t2n_lower_error(c, n, "normalized of aten::stft must be a constant");
  if (!t2n_lower_is_none(c, n->inputs[6 + base]) && !t2n_lower_const_bool(c, n->inputs[6 + base], &onesided))
    return t2n_lower_error(c, n, "onesided of aten::stft must be a constant or None");
  if (!t2n_lower_is_none(c, n->inputs[7 + base]) && !t2n_lower_const_bool(c, n->inputs[7 + base], &cplx))
    return t2n_lower_error(c, n, "return_complex of aten::stft must be a constant or None");
  if (n->ninputs > 8 + base && !t2n_lower_is_none(c, n->inputs[8 + base]) &&
      (!t2n_lower_const_bool(c, n->inputs[8 + base], &align) || align))
    return t2n_lower_error(c, n, "aten::stft with align_to_window is not lowered");
  t2n_ival mode = {0};
  if (centered_form) {
    if (!t2n_lower_const_bool(c, n->inputs[5], &center) || !t2n_lower_const(c, n->inputs[6], &mode) ||
        mode.kind != T2N_IV_STR)
      return t2n_lower_error(c, n, "center and pad_mode of aten::stft must be constants");
    if (center && strcmp(mode.s, "reflect") && strcmp(mode.s, "constant") && strcmp(mode.s, "replicate"))
      return t2n_lower_error(c, n, "aten::stft pad_mode '%s' is not lowered", mode.s);
  }
  (void)cplx; /* both forms bind the same [.., 2] tensor; only its dtype differs */
  int64_t len = xs[xr - 1] + (center ? 2 * (nfft / 2) : 0);
  if (len < nfft) return t2n_lower_error(c, n, "aten::stft of %lld samples with n_fft %lld", (long long)len, (long long)nfft);
  int64_t B = xr == 2 ? xs[0] : 1, T = 1 + (len - nfft) / hop, F = onesided ? nfft / 2 + 1 : nfft;

  t2n_nnef_tid x = t2n_lower_tensor(c, n->inputs[0], n);
  if (x < 0) return 1;
  t2n_nnef_tid w;
  if (t2n_lower_is_none(c, n->inputs[4])) {
    /* torch's default window: ones of win_length (tract centres it). */
    float *ones = t2n_arena_alloc(g->arena, (size_t)win * sizeof(float));
    for (int64_t i = 0; i < win; i++) ones[i] = 1.0f;
    w = t2n_lower_variable_copy(c, "stft_window", T2N_DT_FLOAT32, 1, &win, ones, (size_t)win * sizeof(float));
  } else if ((w = t2n_lower_tensor(c, n->inputs[4], n)) < 0) {
    return 1;
  }
  const t2n_nnef_tensor *wt = t2n_nnef_tensor_get(g, w);
  if (wt->rank != 1 || wt->sizes[0] != win)
    return t2n_lower_error(c, n, "the window of aten::stft must have win_length (%lld) samples", (long long)win);
  x = t2n_lower_broadcast_rank(c, x, 2);
  if (center) {
    int64_t s[2] = {B, len};
    t2n_nnef_tid xp = t2n_lower_temp(c, "stft_centered", T2N_DT_FLOAT32, 2, s);
    if (strcmp(mode.s, "reflect") == 0) {
      int64_t b[2] = {0, nfft / 2};
      t2n_lower_reflect_pad(c, x, b, b, xp);
    } else {
      t2n_nnef_value pa[2] = {t2n_nnef_v_int(0), t2n_nnef_v_int(0)}, pb[2] = {t2n_nnef_v_int(nfft / 2),
                                                                             t2n_nnef_v_int(nfft / 2)};
      t2n_nnef_value tup[2] = {t2n_nnef_v_tuple(g, 2, pa), t2n_nnef_v_tuple(g, 2, pb)};
      t2n_nnef_op *op = t2n_lower_emit1(c, "pad", xp, x);
      t2n_nnef_arg_value(g, op, "padding", t2n_nnef_v_array(g, 2, tup));
      t2n_nnef_arg_string(g, op, "border", strcmp(mode.s, "replicate") == 0 ? "replicated" : mode.s);
    }
    x = xp;
  }
  int64_t s3[3] = {B, len, 1}, s3c[3] = {B, len, 2}, ax2 = 2;
  t2n_nnef_tid xu = t2n_lower_temp(c, "stft_real", T2N_DT_FLOAT32, 3, s3);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "unsqueeze", xu, x), "axes", &ax2, 1);
  t2n_nnef_tid xc = t2n_lower_temp(c, "stft_complex", T2N_DT_FLOAT32, 3, s3c);
  {
    t2n_nnef_value z[2] = {t2n_nnef_v_int(0), t2n_nnef_v_int(0)}, im[2] = {t2n_nnef_v_int(0), t2n_nnef_v_int(1)};
    t2n_nnef_value tup[3] = {t2n_nnef_v_tuple(g, 2, z), t2n_nnef_v_tuple(g, 2, z), t2n_nnef_v_tuple(g, 2, im)};
    t2n_nnef_op *op = t2n_lower_emit1(c, "pad", xc, xu);
    t2n_nnef_arg_value(g, op, "padding", t2n_nnef_v_array(g, 3, tup));
    t2n_nnef_arg_float(g, op, "value", 0.0);
  }
  int64_t s4[4] = {B, T, nfft, 2};
  t2n_nnef_tid st = t2n_lower_temp(c, "stft", T2N_DT_FLOAT32, 4, s4);
  t2n_nnef_op *op = t2n_lower_emit1(c, "tract_core_stft", st, xc);
  t2n_nnef_arg_int(g, op, "axis", 1);
  t2n_nnef_arg_int(g, op, "frame", nfft);
  t2n_nnef_arg_int(g, op, "stride", hop);
  t2n_nnef_arg_tensor(g, op, "window", w);
  if (onesided) st = emit_slice(c, st, 2, 0, F);
  int64_t s5[4] = {B, F, T, 2}, perm[4] = {0, 2, 1, 3};
  t2n_nnef_tid tr = t2n_lower_temp(c, "stft_bins", T2N_DT_FLOAT32, 4, s5);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "transpose", tr, st), "axes", perm, 4);
  if (normalized) {
    t2n_nnef_tid nr = same_shape(c, "stft_normalized", tr);
    op = t2n_nnef_op_new(g, "mul", 1);
    op->outputs[0] = nr;
    t2n_nnef_arg_tensor(g, op, NULL, tr);
    t2n_nnef_arg_float(g, op, NULL, 1.0 / sqrt((double)nfft));
    tr = nr;
  }
  t2n_nnef_tid res = tr;
  if (xr == 1) {
    const t2n_nnef_tensor *rt = t2n_nnef_tensor_get(g, res);
    int64_t s[T2N_MAX_RANK], ax0 = 0;
    for (int i = 1; i < rt->rank; i++) s[i - 1] = rt->sizes[i];
    t2n_nnef_tid sq = t2n_lower_temp(c, "stft_unbatched", T2N_DT_FLOAT32, rt->rank - 1, s);
    t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "squeeze", sq, res), "axes", &ax0, 1);
    res = sq;
  }
  t2n_lower_bind(c, n->outputs[0], res);
  return 0;
}
