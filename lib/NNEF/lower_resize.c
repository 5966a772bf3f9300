/* Lowerings of resizing: upsample_nearest1d/2d, _upsample_nearest_exact1d/2d,
 * upsample_linear1d, upsample_bilinear2d (each in its output_size form and
 * its .vec form with scale factors), aten::__interpolate, pixel_shuffle and
 * pixel_unshuffle.
 *
 * All resizes are tract_core_resize, whose coordinate transforms are ONNX's
 * (checked against torch in tract 0.23.9):
 *  - nearest: torch reads source floor(dst * scale) with scale In/Out, or
 *    1/scale_factor when scale factors are given: 'asymmetric' with
 *    nearest_mode 'floor', given `sizes` or `scales` to match;
 *  - nearest-exact: floor((dst + 0.5) * scale): 'half_pixel' with
 *    'round_prefer_ceil' (round(y - 0.5) rounding halves up is floor(y));
 *  - linear, align_corners False: (dst + 0.5) * scale - 0.5 clamped at 0:
 *    'half_pixel' (a negative source reads the edge either way);
 *    align_corners True: dst * (In - 1) / (Out - 1): 'align_corners'.
 * pixel_shuffle is a reshape, a transpose and a reshape. */
#include <string.h>

#include "t2n/nnef.h"

typedef enum { M_NEAREST, M_NEAREST_EXACT, M_LINEAR } rmode;

/* Emits the resize of input 0 of n to its output shape. scales: per
 * spatial axis, or NULL to resize by size. */
static int resize(t2n_lower_ctx *c, t2n_node *n, rmode mode, int align_corners, const double *scales, int nsp) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  t2n_dtype dt;
  int64_t xs[T2N_MAX_RANK];
  int r = t2n_lower_need_shape(c, n->inputs[0], n, &dt, xs);
  if (r < 0) return 1;
  if (r != nsp + 2) return t2n_lower_error(c, n, "%s of a rank-%d input (it takes [N, C] and %d spatial axes)", n->kind, r, nsp);
  t2n_nnef_tid x = t2n_lower_tensor(c, n->inputs[0], n), out = t2n_lower_output_tensor(c, n, 0);
  if (x < 0 || out < 0) return 1;
  const t2n_nnef_tensor *ot = t2n_nnef_tensor_get(g, out);
  int same = 1;
  for (int i = 0; i < r; i++) same &= ot->sizes[i] == xs[i];
  if (same && (mode != M_LINEAR || !scales)) { /* the identity */
    t2n_lower_bind(c, n->outputs[0], x);
    return 0;
  }
  t2n_nnef_op *op = t2n_lower_emit1(c, "tract_core_resize", out, x);
  if (scales && !align_corners) {
    t2n_nnef_value sv[T2N_MAX_RANK];
    for (int i = 0; i < r; i++) sv[i] = t2n_nnef_v_float(i < 2 ? 1.0 : scales[i - 2]);
    t2n_nnef_arg_value(g, op, "scales", t2n_nnef_v_array(g, r, sv));
  } else {
    t2n_nnef_arg_ints(g, op, "sizes", ot->sizes, r);
  }
  if (mode == M_LINEAR) {
    t2n_nnef_arg_string(g, op, "coord_transformer", align_corners ? "align_corners" : "half_pixel");
    t2n_nnef_arg_string(g, op, "interpolator", "linear");
  } else {
    t2n_nnef_arg_string(g, op, "coord_transformer", mode == M_NEAREST ? "asymmetric" : "half_pixel");
    t2n_nnef_arg_string(g, op, "interpolator", "nearest");
    t2n_nnef_arg_string(g, op, "nearest_mode", mode == M_NEAREST ? "floor" : "round_prefer_ceil");
  }
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

/* A float list (or one float repeated) of nsp entries; 0 when None, -1 when
 * not constant. */
static int float_list(t2n_lower_ctx *c, const t2n_value *v, int nsp, double *out) {
  if (t2n_lower_is_none(c, v)) return 0;
  t2n_ival iv;
  if (!t2n_lower_const(c, v, &iv)) return -1;
  if (iv.kind == T2N_IV_FLOAT || iv.kind == T2N_IV_INT) {
    for (int i = 0; i < nsp; i++) out[i] = iv.kind == T2N_IV_FLOAT ? iv.f : (double)iv.i;
    return 1;
  }
  if (iv.kind != T2N_IV_LIST || (iv.n != nsp && iv.n != 1)) return -1;
  for (int i = 0; i < nsp; i++) {
    const t2n_ival *e = &iv.elems[iv.n == 1 ? 0 : i];
    if (e->kind == T2N_IV_NONE) return 0;
    if (e->kind != T2N_IV_FLOAT && e->kind != T2N_IV_INT) return -1;
    out[i] = e->kind == T2N_IV_FLOAT ? e->f : (double)e->i;
  }
  return 1;
}

/* The upsample_* ops: the plain forms (self, output_size, [align_corners,]
 * scales...) and the .vec forms (input, output_size?, [align_corners,]
 * scale_factors?). Scales only matter when no output size is given. */
static int upsample(t2n_lower_ctx *c, t2n_node *n, rmode mode, int nsp, int has_align) {
  int ac = 0;
  if (n->ninputs < 2) return t2n_lower_error(c, n, "%s with %d operands", n->kind, n->ninputs);
  if (has_align && (n->ninputs < 3 || !t2n_lower_const_bool(c, n->inputs[2], &ac)))
    return t2n_lower_error(c, n, "the align_corners of %s must be a constant bool", n->kind);
  double sc[3];
  int have = 0;
  if (t2n_lower_is_none(c, n->inputs[1])) {
    int first = has_align ? 3 : 2;
    if (n->ninputs == first + 1) { /* .vec: one list of scale factors */
      have = float_list(c, n->inputs[first], nsp, sc);
    } else { /* plain form: one optional scale per axis */
      have = 1;
      for (int i = 0; i < nsp && have > 0; i++) {
        if (first + i >= n->ninputs) have = 0;
        else have = float_list(c, n->inputs[first + i], 1, &sc[i]);
      }
    }
    if (have < 0) return t2n_lower_error(c, n, "the scale factors of %s must be constants", n->kind);
  }
  return resize(c, n, mode, ac, have > 0 ? sc : NULL, nsp);
}

int t2n_lower_upsample_nearest1d(t2n_lower_ctx *c, t2n_node *n) { return upsample(c, n, M_NEAREST, 1, 0); }
int t2n_lower_upsample_nearest2d(t2n_lower_ctx *c, t2n_node *n) { return upsample(c, n, M_NEAREST, 2, 0); }
int t2n_lower_upsample_nearest_exact1d(t2n_lower_ctx *c, t2n_node *n) { return upsample(c, n, M_NEAREST_EXACT, 1, 0); }
int t2n_lower_upsample_nearest_exact2d(t2n_lower_ctx *c, t2n_node *n) { return upsample(c, n, M_NEAREST_EXACT, 2, 0); }
int t2n_lower_upsample_linear1d(t2n_lower_ctx *c, t2n_node *n) { return upsample(c, n, M_LINEAR, 1, 1); }
int t2n_lower_upsample_bilinear2d(t2n_lower_ctx *c, t2n_node *n) { return upsample(c, n, M_LINEAR, 2, 1); }

/* __interpolate(input, size, scale_factor, mode, align_corners,
 * recompute_scale_factor, antialias): the builtin older scripted archives
 * call; the resize as F.interpolate does it. */
int t2n_lower_interpolate(t2n_lower_ctx *c, t2n_node *n) {
  t2n_dtype dt;
  int64_t xs[T2N_MAX_RANK];
  int r = t2n_lower_need_shape(c, n->inputs[0], n, &dt, xs);
  if (r < 0) return 1;
  if (n->ninputs < 4) return t2n_lower_error(c, n, "aten::__interpolate with %d operands", n->ninputs);
  int nsp = r - 2;
  t2n_ival mv;
  if (!t2n_lower_const(c, n->inputs[3], &mv) || mv.kind != T2N_IV_STR)
    return t2n_lower_error(c, n, "the mode of aten::__interpolate must be a constant string");
  rmode mode;
  if (strcmp(mv.s, "nearest") == 0) mode = M_NEAREST;
  else if (strcmp(mv.s, "nearest-exact") == 0) mode = M_NEAREST_EXACT;
  else if ((strcmp(mv.s, "linear") == 0 && nsp == 1) || (strcmp(mv.s, "bilinear") == 0 && nsp == 2)) mode = M_LINEAR;
  else return t2n_lower_error(c, n, "aten::__interpolate mode '%s' on %d spatial axes is not lowered", mv.s, nsp);
  int ac = 0;
  if (n->ninputs > 4 && !t2n_lower_is_none(c, n->inputs[4]) && !t2n_lower_const_bool(c, n->inputs[4], &ac))
    return t2n_lower_error(c, n, "the align_corners of aten::__interpolate must be a constant");
  int recompute = 0;
  if (n->ninputs > 5 && !t2n_lower_is_none(c, n->inputs[5]) && !t2n_lower_const_bool(c, n->inputs[5], &recompute))
    return t2n_lower_error(c, n, "the recompute_scale_factor of aten::__interpolate must be a constant");
  int aa = 0;
  if (n->ninputs > 6 && t2n_lower_const_bool(c, n->inputs[6], &aa) && aa)
    return t2n_lower_error(c, n, "aten::__interpolate with antialias is not lowered");
  double sc[3];
  int have = t2n_lower_is_none(c, n->inputs[1]) ? float_list(c, n->inputs[2], nsp, sc) : 0;
  if (have < 0) return t2n_lower_error(c, n, "the scale_factor of aten::__interpolate must be constant");
  return resize(c, n, mode, ac, have > 0 && !recompute ? sc : NULL, nsp);
}

/* pixel_shuffle(x, r): [.., C*r*r, H, W] -> [.., C, r, r, H, W] ->
 * [.., C, H, r, W, r] -> [.., C, H*r, W*r]; pixel_unshuffle the reverse. */
static int shuffle(t2n_lower_ctx *c, t2n_node *n, int un) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  t2n_dtype dt;
  int64_t xs[T2N_MAX_RANK], f;
  int r = t2n_lower_need_shape(c, n->inputs[0], n, &dt, xs);
  if (r < 0) return 1;
  if (n->ninputs != 2 || !t2n_lower_const_int(c, n->inputs[1], &f) || f < 1)
    return t2n_lower_error(c, n, "the factor of %s must be a constant >= 1", n->kind);
  int b = r - 3;
  if (b < 0 || b + 6 > T2N_MAX_RANK) return t2n_lower_error(c, n, "%s of a rank-%d input", n->kind, r);
  t2n_nnef_tid x = t2n_lower_tensor(c, n->inputs[0], n), out = t2n_lower_output_tensor(c, n, 0);
  if (x < 0 || out < 0) return 1;
  const t2n_nnef_tensor *ot = t2n_nnef_tensor_get(g, out);
  int64_t s6[T2N_MAX_RANK], t6[T2N_MAX_RANK], perm[T2N_MAX_RANK];
  for (int i = 0; i < b; i++) s6[i] = xs[i], perm[i] = i;
  int64_t ch = un ? xs[b] : ot->sizes[b], h = un ? ot->sizes[b + 1] : xs[b + 1], w = un ? ot->sizes[b + 2] : xs[b + 2];
  /* the six axes: shuffle [C, r, r, H, W] -> [C, H, r, W, r]; unshuffle [C, H, r, W, r] -> [C, r, r, H, W] */
  static const int64_t sh[5] = {0, 3, 1, 4, 2}, unsh[5] = {0, 2, 4, 1, 3};
  int64_t in5[5];
  if (!un) in5[0] = ch, in5[1] = f, in5[2] = f, in5[3] = h, in5[4] = w;
  else in5[0] = ch, in5[1] = h, in5[2] = f, in5[3] = w, in5[4] = f;
  for (int i = 0; i < 5; i++) {
    s6[b + i] = in5[i];
    perm[b + i] = b + (un ? unsh[i] : sh[i]);
  }
  for (int i = 0; i < b + 5; i++) t6[i] = s6[perm[i]];
  t2n_nnef_tid a = t2n_lower_temp(c, "shuffle_split", dt, b + 5, s6);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "reshape", a, x), "shape", s6, b + 5);
  t2n_nnef_tid tt = t2n_lower_temp(c, "shuffle_moved", dt, b + 5, t6);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "transpose", tt, a), "axes", perm, b + 5);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "reshape", out, tt), "shape", ot->sizes, r);
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

int t2n_lower_pixel_shuffle(t2n_lower_ctx *c, t2n_node *n) { return shuffle(c, n, 0); }
int t2n_lower_pixel_unshuffle(t2n_lower_ctx *c, t2n_node *n) { return shuffle(c, n, 1); }
