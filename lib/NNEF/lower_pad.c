/* Lowerings of padding: aten::pad (every mode), constant_pad_nd,
 * reflection_pad1d/2d/3d, replication_pad1d/2d/3d and _pad_circular.
 *
 * torch lists pads from the last axis backwards, (before, after) per axis;
 * NNEF's `pad` takes one (before, after) tuple per axis from the first.
 * tract's borders are 'constant', 'reflect' and 'replicated' (it refuses
 * torch's word 'replicate', and 'wrap'): circular padding is built from
 * slices and a concat per axis, reflect padding (for tract) from gathers
 * and a concat per axis, which tract runs faster than its own border. Negative constant pads crop, as in torch:
 * they become a slice after the pad. */
#include <string.h>

#include "t2n/nnef.h"

typedef enum { PAD_CONSTANT, PAD_REFLECT, PAD_REPLICATE, PAD_CIRCULAR } pad_mode;

static int is_float_dt(t2n_dtype dt) {
  return dt == T2N_DT_FLOAT32 || dt == T2N_DT_FLOAT16 || dt == T2N_DT_FLOAT64 || dt == T2N_DT_BFLOAT16;
}

/* The b rows before and a rows after x on one axis: circular, slices of
 * the other end; reflect, gathers of the rows mirrored about the first and
 * the last (indices b..1 and -2..-(a+1): tract counts a negative index
 * from the end, so the same indices serve every length of a dynamic axis).
 * Joined with x by one concat. tract runs that several times faster than
 * pad's 'reflect' border, its generic per-element path (8.5 us against
 * 0.75 us for 64 samples mirrored onto 576, the STFT pad of silero-vad). */
static t2n_nnef_tid edge_part(t2n_lower_ctx *c, t2n_nnef_tid x, int axis, int64_t n, int before, pad_mode mode) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  const t2n_nnef_tensor *t = t2n_nnef_tensor_get(g, x);
  int64_t len = t->sizes[axis];
  if (mode == PAD_CIRCULAR)
    return before ? t2n_lower_slice_axis(c, "padslice", x, axis, len - n, len)
                  : t2n_lower_slice_axis(c, "padslice", x, axis, 0, n);
  /* One index variable per (side, count) in the graph: a network's many
   * ReflectionPad2d(3) share two (the derived-tensor registry, keyed by
   * the count instead of a tensor). */
  const char *key = before ? "reflect_index_before" : "reflect_index_after";
  t2n_nnef_tid iv = t2n_lower_derived(c, key, (t2n_nnef_tid)n, -1);
  if (iv < 0) {
    int64_t *idx = t2n_arena_alloc(g->arena, (size_t)n * sizeof *idx);
    for (int64_t i = 0; i < n; i++) idx[i] = before ? n - i : -2 - i;
    iv = t2n_lower_variable_copy(c, "reflect_index", T2N_DT_INT64, 1, &n, idx, (size_t)n * sizeof *idx);
    t2n_lower_remember_derived(c, key, (t2n_nnef_tid)n, -1, iv);
  }
  t = t2n_nnef_tensor_get(g, x);
  int64_t s[T2N_MAX_RANK];
  memcpy(s, t->sizes, sizeof s);
  s[axis] = n;
  t2n_nnef_tid part = t2n_lower_temp(c, "reflected", t->dtype, t->rank, s);
  t2n_nnef_arg_int(g, t2n_lower_emit2(c, "tract_core_gather", part, x, iv), "axis", axis);
  return part;
}

static t2n_nnef_tid edge_axis(t2n_lower_ctx *c, t2n_nnef_tid x, int axis, int64_t b, int64_t a, pad_mode mode,
                              t2n_nnef_tid out) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  t2n_nnef_value parts[3];
  int np = 0;
  if (b) parts[np++] = t2n_nnef_v_tensor(edge_part(c, x, axis, b, 1, mode));
  parts[np++] = t2n_nnef_v_tensor(x);
  if (a) parts[np++] = t2n_nnef_v_tensor(edge_part(c, x, axis, a, 0, mode));
  const t2n_nnef_tensor *t = t2n_nnef_tensor_get(g, x);
  if (out < 0) {
    int64_t s[T2N_MAX_RANK];
    memcpy(s, t->sizes, sizeof s);
    s[axis] += b + a;
    out = t2n_lower_temp(c, mode == PAD_CIRCULAR ? "circular" : "reflect", t->dtype, t->rank, s);
  }
  t2n_nnef_op *op = t2n_nnef_op_new(g, "concat", 1);
  op->outputs[0] = out;
  t2n_nnef_arg_value(g, op, NULL, t2n_nnef_v_array(g, np, parts));
  t2n_nnef_arg_int(g, op, "axis", axis);
  return out;
}

/* x padded on every axis with pads, one axis after the other (mirrored or
 * wrapped corners come out as torch's: both modes are separable). */
static void edge_pad(t2n_lower_ctx *c, t2n_nnef_tid x, int r, const int64_t *before, const int64_t *after,
                     pad_mode mode, t2n_nnef_tid out) {
  int last = -1;
  for (int ax = 0; ax < r; ax++)
    if (before[ax] || after[ax]) last = ax;
  for (int ax = 0; ax <= last; ax++)
    if (before[ax] || after[ax]) x = edge_axis(c, x, ax, before[ax], after[ax], mode, ax == last ? out : -1);
}

t2n_nnef_tid t2n_lower_reflect_pad(t2n_lower_ctx *c, t2n_nnef_tid x, const int64_t *before, const int64_t *after,
                                   t2n_nnef_tid out) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  const t2n_nnef_tensor *t = t2n_nnef_tensor_get(g, x);
  int r = t->rank;
  if (t2n_lower_standard_only(c)) {
    t2n_nnef_value tup[T2N_MAX_RANK];
    for (int ax = 0; ax < r; ax++) {
      t2n_nnef_value pa[2] = {t2n_nnef_v_int(before[ax]), t2n_nnef_v_int(after[ax])};
      tup[ax] = t2n_nnef_v_tuple(g, 2, pa);
    }
    t2n_nnef_op *op = t2n_lower_emit1(c, "pad", out, x);
    t2n_nnef_arg_value(g, op, "padding", t2n_nnef_v_array(g, r, tup));
    t2n_nnef_arg_string(g, op, "border", "reflect");
    return out;
  }
  edge_pad(c, x, r, before, after, PAD_REFLECT, out);
  return out;
}

static int lower_pad(t2n_lower_ctx *c, t2n_node *n, pad_mode mode, const t2n_value *padv, const t2n_value *valv) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  t2n_dtype dt;
  int64_t is[T2N_MAX_RANK];
  int r = t2n_lower_need_shape(c, n->inputs[0], n, &dt, is);
  if (r < 0) return 1;
  int64_t pads[2 * T2N_MAX_RANK];
  int np = t2n_lower_const_ints(c, padv, pads, 2 * T2N_MAX_RANK);
  if (np < 0 || np % 2 || np / 2 > r)
    return t2n_lower_error(c, n, "the pad list of %s must be a constant list of (before, after) pairs, at most 2 per axis",
                           n->kind);
  /* before[i], after[i] for axis i from the first. */
  int64_t before[T2N_MAX_RANK] = {0}, after[T2N_MAX_RANK] = {0};
  int neg = 0;
  for (int k = 0; k < np / 2; k++) {
    int ax = r - 1 - k;
    before[ax] = pads[2 * k], after[ax] = pads[2 * k + 1];
    if (before[ax] < 0 || after[ax] < 0) neg = 1;
    if (mode == PAD_REFLECT && (before[ax] >= is[ax] || after[ax] >= is[ax]))
      return t2n_lower_error(c, n, "reflect padding of %lld/%lld on an axis of size %lld (torch needs pads < size)",
                             (long long)before[ax], (long long)after[ax], (long long)is[ax]);
    if (mode == PAD_CIRCULAR && (before[ax] > is[ax] || after[ax] > is[ax]))
      return t2n_lower_error(c, n, "circular padding larger than the axis (%lld)", (long long)is[ax]);
  }
  if (neg && mode != PAD_CONSTANT) return t2n_lower_error(c, n, "negative pads are lowered in constant mode only");
  double value = 0;
  if (valv && !t2n_lower_is_none(c, valv) && !t2n_lower_const_float(c, valv, &value))
    return t2n_lower_error(c, n, "the fill value of %s must be a constant number", n->kind);
  t2n_nnef_tid x = t2n_lower_tensor(c, n->inputs[0], n);
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (x < 0 || out < 0) return 1;
  int any = 0;
  for (int ax = 0; ax < r; ax++) any |= before[ax] || after[ax];
  if (!any && mode != PAD_CONSTANT) {
    t2n_lower_bind(c, n->outputs[0], x);
    return 0;
  }
  if (mode == PAD_CIRCULAR || mode == PAD_REFLECT) {
    if (mode == PAD_CIRCULAR) edge_pad(c, x, r, before, after, mode, out);
    else t2n_lower_reflect_pad(c, x, before, after, out);
    t2n_lower_bind(c, n->outputs[0], out);
    return 0;
  }
  /* Positive parts first (pad), negative ones after (slice). */
  int64_t ps[T2N_MAX_RANK];
  t2n_nnef_value tup[T2N_MAX_RANK];
  for (int ax = 0; ax < r; ax++) {
    int64_t b = before[ax] > 0 ? before[ax] : 0, a = after[ax] > 0 ? after[ax] : 0;
    ps[ax] = is[ax] + b + a;
    t2n_nnef_value pa[2] = {t2n_nnef_v_int(b), t2n_nnef_v_int(a)};
    tup[ax] = t2n_nnef_v_tuple(g, 2, pa);
  }
  t2n_nnef_tid padded = neg ? t2n_lower_temp(c, "padded", dt, r, ps) : out;
  t2n_nnef_op *op = t2n_lower_emit1(c, "pad", padded, x);
  t2n_nnef_arg_value(g, op, "padding", t2n_nnef_v_array(g, r, tup));
  static const char *const border[] = {"constant", "reflect", "replicated"};
  t2n_nnef_arg_string(g, op, "border", border[mode]);
  if (mode == PAD_CONSTANT) {
    if (is_float_dt(dt)) t2n_nnef_arg_float(g, op, "value", value);
    else if (dt == T2N_DT_BOOL) t2n_nnef_arg_bool(g, op, "value", value != 0);
    else t2n_nnef_arg_int(g, op, "value", (int64_t)value);
  }
  if (neg) {
    int64_t axes[T2N_MAX_RANK], b[T2N_MAX_RANK], e[T2N_MAX_RANK];
    int k = 0;
    for (int ax = 0; ax < r; ax++) {
      if (before[ax] >= 0 && after[ax] >= 0) continue;
      axes[k] = ax;
      b[k] = before[ax] < 0 ? -before[ax] : 0;
      e[k] = ps[ax] - (after[ax] < 0 ? -after[ax] : 0);
      if (e[k] <= b[k]) return t2n_lower_error(c, n, "negative pads leave axis %d empty", ax);
      k++;
    }
    op = t2n_lower_emit1(c, "slice", out, padded);
    t2n_nnef_arg_ints(g, op, "axes", axes, k);
    t2n_nnef_arg_ints(g, op, "begin", b, k);
    t2n_nnef_arg_ints(g, op, "end", e, k);
  }
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

/* aten::pad(input, pad, mode = "constant", value = None) */
int t2n_lower_pad(t2n_lower_ctx *c, t2n_node *n) {
  if (n->ninputs < 2 || n->ninputs > 4 || n->noutputs != 1)
    return t2n_lower_error(c, n, "%s with %d operands is not a form t2n-export lowers", n->kind, n->ninputs);
  pad_mode mode = PAD_CONSTANT;
  if (n->ninputs >= 3) {
    t2n_ival iv;
    if (!t2n_lower_const(c, n->inputs[2], &iv) || iv.kind != T2N_IV_STR)
      return t2n_lower_error(c, n, "the mode of aten::pad must be a constant string");
    if (strcmp(iv.s, "constant") == 0) mode = PAD_CONSTANT;
    else if (strcmp(iv.s, "reflect") == 0) mode = PAD_REFLECT;
    else if (strcmp(iv.s, "replicate") == 0) mode = PAD_REPLICATE;
    else if (strcmp(iv.s, "circular") == 0) mode = PAD_CIRCULAR;
    else return t2n_lower_error(c, n, "padding mode '%s' is not lowered (constant, reflect, replicate, circular are)", iv.s);
  }
  return lower_pad(c, n, mode, n->inputs[1], n->ninputs >= 4 ? n->inputs[3] : NULL);
}

/* constant_pad_nd(input, pad, value = 0) */
int t2n_lower_constant_pad_nd(t2n_lower_ctx *c, t2n_node *n) {
  if (n->ninputs < 2 || n->ninputs > 3 || n->noutputs != 1)
    return t2n_lower_error(c, n, "%s with %d operands is not a form t2n-export lowers", n->kind, n->ninputs);
  return lower_pad(c, n, PAD_CONSTANT, n->inputs[1], n->ninputs == 3 ? n->inputs[2] : NULL);
}

/* reflection_padNd / replication_padNd / _pad_circular(input, pad) */
int t2n_lower_mode_pad(t2n_lower_ctx *c, t2n_node *n) {
  if (n->ninputs != 2 || n->noutputs != 1)
    return t2n_lower_error(c, n, "%s with %d operands is not a form t2n-export lowers", n->kind, n->ninputs);
  pad_mode mode = strstr(n->kind, "reflection") ? PAD_REFLECT
                  : strstr(n->kind, "replication") ? PAD_REPLICATE
                                                   : PAD_CIRCULAR;
  return lower_pad(c, n, mode, n->inputs[1], NULL);
}
