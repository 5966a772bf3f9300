/* Lowering of aten::scaled_dot_product_attention (F.scaled_dot_product_attention,
 * which nn.MultiheadAttention and torchaudio's wav2vec2 / Conformer call).
 *
 * NNEF and tract's core have no attention op, so it is written out as torch
 * defines it: softmax(q @ k^T * scale + bias, last axis) @ v, with scale
 * 1/sqrt(E) unless given, and bias
 *   - for is_causal, a constant [L, S] tensor: 0 on and below the diagonal,
 *     the most negative f32 above it (torch's tril of ones, -inf elsewhere);
 *   - for a bool attn_mask, select(mask, scores, most negative f32);
 *   - for a float attn_mask, the mask added.
 * tract has no literal for -inf (write.c prints the most negative f32), so a
 * row masked everywhere gives a uniform softmax where torch gives NaN.
 * Operands are unsqueezed on the left to one rank (tract's matmul wants equal
 * ranks and broadcasts left-aligned). dropout_p must be 0 (inference: torch
 * applies this dropout whatever the module's mode, so a non-zero constant
 * would be random at run time); with enable_gqa, k's and v's heads (axis
 * -3) are repeated in a row up to q's count, as torch does. */
#include <float.h>
#include <math.h>
#include <string.h>

#include <stdlib.h>

#include "t2n/nnef.h"


/* Input i cast to dt and unsqueezed on the left to `rank`. */
static int input_at(t2n_lower_ctx *c, t2n_node *n, int i, t2n_dtype dt, int rank, t2n_lower_shaped *o) {
  t2n_nnef_tid t = t2n_lower_tensor(c, n->inputs[i], n);
  if (t < 0) return 1;
  t2n_lower_describe(c, t2n_lower_broadcast_rank(c, t2n_lower_cast(c, t, dt), rank), o);
  return 0;
}

static int rank_of(t2n_lower_ctx *c, t2n_node *n, int i) {
  t2n_dtype dt;
  int64_t s[T2N_MAX_RANK];
  return t2n_lower_need_shape(c, n->inputs[i], n, &dt, s);
}

/* The elementwise broadcast of a and b's sizes (equal ranks). */
static void bcast(const t2n_lower_shaped *a, const t2n_lower_shaped *b, int64_t *out) {
  for (int i = 0; i < a->rank; i++) out[i] = a->sizes[i] == 1 ? b->sizes[i] : a->sizes[i];
}

/* enable_gqa: each of o's heads (axis `axis`) repeated `times` in a row,
 * as torch's repeat_interleave: unsqueeze after the axis, tile, merge. */
static void repeat_heads(t2n_lower_ctx *c, t2n_lower_shaped *o, int64_t axis, int64_t times) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  const t2n_nnef_tensor *tt = t2n_nnef_tensor_get(g, o->t);
  t2n_dtype dt = tt->dtype;
  int64_t us[T2N_MAX_RANK], reps[T2N_MAX_RANK], ax1 = axis + 1;
  for (int i = 0, j = 0; i < o->rank; i++) {
    us[j] = o->sizes[i];
    reps[j++] = 1;
    if (i == axis) us[j] = 1, reps[j++] = times;
  }
  t2n_nnef_tid u = t2n_lower_temp(c, "gqa", dt, o->rank + 1, us);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "unsqueeze", u, o->t), "axes", &ax1, 1);
  us[axis + 1] = times;
  t2n_nnef_tid t = t2n_lower_temp(c, "gqa", dt, o->rank + 1, us);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "tile", t, u), "repeats", reps, o->rank + 1);
  o->sizes[axis] *= times;
  t2n_nnef_tid out = t2n_lower_temp(c, "gqa", dt, o->rank, o->sizes);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "reshape", out, t), "shape", o->sizes, o->rank);
  o->t = out;
}

int t2n_lower_sdpa(t2n_lower_ctx *c, t2n_node *n) {
  if (n->ninputs < 6) return t2n_lower_error(c, n, "aten::scaled_dot_product_attention with %d operands", n->ninputs);
  t2n_nnef_graph *g = t2n_lower_graph(c);
  t2n_dtype dt;
  int64_t osz[T2N_MAX_RANK];
  if (t2n_lower_need_shape(c, n->outputs[0], n, &dt, osz) < 0) return 1;
  double p = 0, scale;
  int causal = 0, gqa = 0;
  if (!t2n_lower_const_float(c, n->inputs[4], &p) || p != 0)
    return t2n_lower_error(c, n, "aten::scaled_dot_product_attention with dropout_p %s: only 0 is lowered (torch "
                           "drops at random whatever the module's mode)", p != 0 ? "not 0" : "not a constant");
  if (!t2n_lower_const_bool(c, n->inputs[5], &causal))
    return t2n_lower_error(c, n, "the is_causal of aten::scaled_dot_product_attention must be a constant");
  if (n->ninputs > 7 && !t2n_lower_const_bool(c, n->inputs[7], &gqa))
    return t2n_lower_error(c, n, "the enable_gqa of aten::scaled_dot_product_attention must be a constant");
  int has_mask = !t2n_lower_is_none(c, n->inputs[3]);
  if (causal && has_mask)
    return t2n_lower_error(c, n, "aten::scaled_dot_product_attention with both attn_mask and is_causal (torch refuses it)");
  int r = 0;
  for (int i = 0; i < 4; i++) {
    if (i == 3 && !has_mask) continue;
    int ri = rank_of(c, n, i);
    if (ri < 0) return 1;
    if (i < 3 && ri < 2) return t2n_lower_error(c, n, "aten::scaled_dot_product_attention of a rank %d operand", ri);
    if (ri > r) r = ri;
  }
  t2n_lower_shaped q, k, v, m;
  if (input_at(c, n, 0, dt, r, &q) || input_at(c, n, 1, dt, r, &k) || input_at(c, n, 2, dt, r, &v)) return 1;
  if (gqa && r >= 3) {
    int64_t hq = q.sizes[r - 3];
    t2n_lower_shaped *kv[2] = {&k, &v};
    for (int j = 0; j < 2; j++) {
      int64_t h = kv[j]->sizes[r - 3];
      if (h <= 0 || hq % h)
        return t2n_lower_error(c, n, "aten::scaled_dot_product_attention with enable_gqa: %lld query heads are not "
                               "a multiple of %lld key/value heads", (long long)hq, (long long)h);
      if (h != hq) repeat_heads(c, kv[j], r - 3, hq / h);
    }
  }
  int64_t L = q.sizes[r - 2], S = k.sizes[r - 2], E = q.sizes[r - 1];
  if (n->ninputs > 6 && !t2n_lower_is_none(c, n->inputs[6])) {
    if (!t2n_lower_const_float(c, n->inputs[6], &scale))
      return t2n_lower_error(c, n, "the scale of aten::scaled_dot_product_attention must be a constant number or None");
  } else {
    scale = 1.0 / sqrt((double)E);
  }

  /* scores = q @ k^T * scale, [batch, L, S] */
  int64_t ss[T2N_MAX_RANK];
  bcast(&q, &k, ss);
  ss[r - 2] = L;
  ss[r - 1] = S;
  t2n_nnef_tid qk = t2n_lower_temp(c, "attn_scores", dt, r, ss);
  t2n_nnef_arg_bool(g, t2n_lower_emit2(c, "matmul", qk, q.t, k.t), "transposeB", 1);
  t2n_nnef_tid sc = t2n_lower_temp(c, "attn_scaled", dt, r, ss);
  t2n_nnef_arg_value(g, t2n_lower_emit1(c, "mul", sc, qk), NULL, t2n_nnef_v_float(scale));

  if (causal) {
    int64_t bs[T2N_MAX_RANK];
    for (int i = 0; i < r; i++) bs[i] = i < r - 2 ? 1 : ss[i];
    if (L * S > (int64_t)1 << 26)
      return t2n_lower_error(c, n, "aten::scaled_dot_product_attention with is_causal over %lld x %lld: the mask "
                             "is too large to store", (long long)L, (long long)S);
    float *bias = malloc(sizeof *bias * (size_t)(L * S));
    if (!bias) return t2n_lower_error(c, n, "out of memory for the causal mask");
    for (int64_t i = 0; i < L; i++)
      for (int64_t j = 0; j < S; j++) bias[i * S + j] = j <= i ? 0.0f : -FLT_MAX;
    t2n_nnef_tid b = t2n_lower_variable_copy(c, "causal_mask", T2N_DT_FLOAT32, r, bs, bias, sizeof *bias * (size_t)(L * S));
    free(bias); /* copied into the graph */
    b = t2n_lower_cast(c, b, dt);
    t2n_nnef_tid o = t2n_lower_temp(c, "attn_masked", dt, r, ss);
    t2n_lower_emit2(c, "add", o, sc, b);
    sc = o;
  } else if (has_mask) {
    t2n_nnef_tid mt = t2n_lower_tensor(c, n->inputs[3], n);
    if (mt < 0) return 1;
    int is_bool = t2n_nnef_tensor_get(g, mt)->dtype == T2N_DT_BOOL;
    t2n_lower_describe(c, t2n_lower_broadcast_rank(c, is_bool ? mt : t2n_lower_cast(c, mt, dt), r), &m);
    t2n_lower_shaped s = {sc, r, {0}};
    memcpy(s.sizes, ss, sizeof ss);
    int64_t ms[T2N_MAX_RANK] = {0};
    bcast(&s, &m, ms);
    memcpy(ss, ms, sizeof ms);
    t2n_nnef_tid o = t2n_lower_temp(c, "attn_masked", dt, r, ss);
    if (is_bool) {
      t2n_nnef_op *op = t2n_lower_emit2(c, "select", o, m.t, sc);
      t2n_nnef_arg_value(g, op, NULL, t2n_nnef_v_float(-INFINITY)); /* printed as the most negative f32 */
    } else {
      t2n_lower_emit2(c, "add", o, sc, m.t);
    }
    sc = o;
  }

  int64_t last = r - 1;
  t2n_nnef_tid w = t2n_lower_temp(c, "attn_weights", dt, r, ss);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "softmax", w, sc), "axes", &last, 1);
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  t2n_lower_emit2(c, "matmul", out, w, v.t);
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}
