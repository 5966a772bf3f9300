/* Lowerings of normalisations: batch_norm (inference), instance_norm,
 * layer_norm, group_norm.
 *
 * batch_norm with running statistics is computed as torch's CPU kernel
 * does: alpha = weight / sqrt(var + eps), beta = bias - mean * alpha,
 * out = x * alpha + beta, with every per-channel tensor reshaped to
 * [1, C, 1, ...] (tract broadcasts left-aligned). tract folds the
 * per-channel arithmetic on constant weights at load, so nothing is
 * precomputed here. NNEF batch_normalization is not used: tract's accepts
 * only [1, C]-shaped statistics broadcast from the left, which is wrong for
 * rank > 2.
 *
 * Statistics from the input (instance_norm, layer_norm, group_norm,
 * batch_norm without running statistics) are mean_reduce over the
 * normalised axes, var = mean((x - mean)^2) (biased, as torch), then
 * (x - mean) * rsqrt(var + eps) and the affine weight and bias. */
#include <string.h>

#include "t2n/nnef.h"

typedef struct nrm {
  t2n_lower_ctx *c;
  t2n_node *n;
  t2n_nnef_graph *g;
  t2n_dtype dt;
} nrm;

static t2n_nnef_tid like(nrm *s, t2n_nnef_tid t, const char *base) {
  const t2n_nnef_tensor *tt = t2n_nnef_tensor_get(s->g, t);
  return t2n_lower_temp(s->c, base, s->dt, tt->rank, tt->sizes);
}

static t2n_nnef_tid op2(nrm *s, const char *kind, t2n_nnef_tid a, t2n_nnef_tid b, t2n_nnef_tid out) {
  if (out < 0) {
    /* the broadcast shape of a and b (equal ranks) */
    const t2n_nnef_tensor *at = t2n_nnef_tensor_get(s->g, a), *bt = t2n_nnef_tensor_get(s->g, b);
    int64_t sz[T2N_MAX_RANK];
    for (int i = 0; i < at->rank; i++) sz[i] = at->sizes[i] > bt->sizes[i] ? at->sizes[i] : bt->sizes[i];
    out = t2n_lower_temp(s->c, kind, s->dt, at->rank, sz);
  }
  t2n_lower_emit2(s->c, kind, out, a, b);
  return out;
}

static t2n_nnef_tid reshape(nrm *s, t2n_nnef_tid t, int rank, const int64_t *shape, const char *base) {
  t2n_nnef_tid o = t2n_lower_temp(s->c, base, s->dt, rank, shape);
  t2n_nnef_arg_ints(s->g, t2n_lower_emit1(s->c, "reshape", o, t), "shape", shape, rank);
  return o;
}

/* Optional tensor input i as a [1, C, 1, ...] tensor of the input's rank
 * (per_channel) or unsqueezed on the left to `rank` (layer_norm's weight of
 * normalized_shape); -1 for None, -2 after an error. */
static t2n_nnef_tid param(nrm *s, int i, int rank, const int64_t *xs, int per_channel) {
  if (i >= s->n->ninputs || t2n_lower_is_none(s->c, s->n->inputs[i])) return -1;
  t2n_nnef_tid t = t2n_lower_tensor(s->c, s->n->inputs[i], s->n);
  if (t < 0) return -2;
  t = t2n_lower_cast(s->c, t, s->dt);
  if (!per_channel) return t2n_lower_broadcast_rank(s->c, t, rank);
  int64_t shape[T2N_MAX_RANK];
  for (int k = 0; k < rank; k++) shape[k] = 1;
  shape[1] = xs[1];
  return reshape(s, t, rank, shape, s->n->inputs[i]->name);
}

static int begin(t2n_lower_ctx *c, t2n_node *n, int nin, nrm *s, t2n_nnef_tid *x, int64_t *xs, int *rank) {
  *x = -1, *rank = 0;
  if (n->ninputs != nin)
    return t2n_lower_error(c, n, "%s with %d operands is not a form t2n-export lowers", n->kind, n->ninputs);
  s->c = c, s->n = n, s->g = t2n_lower_graph(c);
  *rank = t2n_lower_need_shape(c, n->outputs[0], n, &s->dt, xs);
  if (*rank < 0) return 1;
  *x = t2n_lower_tensor(c, n->inputs[0], n);
  if (*x < 0) return 1;
  *x = t2n_lower_cast(c, *x, s->dt);
  return 0;
}

/* (x - mean) * rsqrt(var + eps) over `axes`, statistics from x itself. */
static t2n_nnef_tid standardize(nrm *s, t2n_nnef_tid x, const int64_t *axes, int na, double eps) {
  const t2n_nnef_tensor *xt = t2n_nnef_tensor_get(s->g, x);
  int r = xt->rank;
  int64_t rs[T2N_MAX_RANK];
  memcpy(rs, xt->sizes, sizeof rs);
  for (int i = 0; i < na; i++) rs[axes[i]] = 1;
  t2n_nnef_tid mean = t2n_lower_temp(s->c, "mean", s->dt, r, rs);
  t2n_nnef_arg_ints(s->g, t2n_lower_emit1(s->c, "mean_reduce", mean, x), "axes", axes, na);
  t2n_nnef_tid d = op2(s, "sub", x, mean, like(s, x, "centered"));
  t2n_nnef_tid sq = op2(s, "mul", d, d, like(s, x, "squared"));
  t2n_nnef_tid var = t2n_lower_temp(s->c, "var", s->dt, r, rs);
  t2n_nnef_arg_ints(s->g, t2n_lower_emit1(s->c, "mean_reduce", var, sq), "axes", axes, na);
  t2n_nnef_tid ve = t2n_lower_temp(s->c, "var_eps", s->dt, r, rs);
  t2n_nnef_arg_value(s->g, t2n_lower_emit1(s->c, "add", ve, var), NULL, t2n_nnef_v_float(eps));
  t2n_nnef_tid inv = t2n_lower_temp(s->c, "inv_std", s->dt, r, rs);
  t2n_lower_emit1(s->c, "rsqrt", inv, ve);
  return op2(s, "mul", d, inv, like(s, x, "normalized"));
}

/* y * w + b with optional w, b (-1: None); the last op writes out. */
static int affine(nrm *s, t2n_nnef_tid y, t2n_nnef_tid w, t2n_nnef_tid b, t2n_nnef_tid out) {
  if (w == -2 || b == -2) return 1;
  if (w >= 0) y = op2(s, "mul", y, w, b >= 0 ? like(s, y, "scaled") : out);
  if (b >= 0) y = op2(s, "add", y, b, out);
  if (w < 0 && b < 0) t2n_lower_bind(s->c, s->n->outputs[0], y);
  else t2n_lower_bind(s->c, s->n->outputs[0], out);
  return 0;
}

static int eps_arg(nrm *s, int i, double *eps) {
  if (!t2n_lower_const_float(s->c, s->n->inputs[i], eps))
    return t2n_lower_error(s->c, s->n, "the eps of %s must be a constant number", s->n->kind);
  return 0;
}

/* Per-channel statistics over every axis but 1 (use_stats) or running
 * mean/var inputs im/iv. */
static int channel_norm(nrm *s, t2n_nnef_tid x, const int64_t *xs, int r, int use_stats, int im, int iv,
                        double eps, int batch) {
  if (r < 2) return t2n_lower_error(s->c, s->n, "%s of a rank-%d input (it needs [N, C, ...])", s->n->kind, r);
  t2n_nnef_tid out = t2n_lower_output_tensor(s->c, s->n, 0);
  if (out < 0) return 1;
  t2n_nnef_tid w = param(s, 1, r, xs, 1), b = param(s, 2, r, xs, 1);
  if (w == -2 || b == -2) return 1;
  if (use_stats) {
    int64_t axes[T2N_MAX_RANK];
    int na = 0;
    for (int i = batch ? 0 : 2; i < r; i++)
      if (i != 1) axes[na++] = i;
    return affine(s, standardize(s, x, axes, na, eps), w, b, out);
  }
  t2n_nnef_tid mean = param(s, im, r, xs, 1), var = param(s, iv, r, xs, 1);
  if (mean == -2 || var == -2) return 1;
  if (mean < 0 || var < 0)
    return t2n_lower_error(s->c, s->n, "%s without running statistics needs training/use_input_stats True", s->n->kind);
  t2n_nnef_tid ve = like(s, var, "var_eps");
  t2n_nnef_arg_value(s->g, t2n_lower_emit1(s->c, "add", ve, var), NULL, t2n_nnef_v_float(eps));
  t2n_nnef_tid alpha = like(s, var, "inv_std");
  t2n_lower_emit1(s->c, "rsqrt", alpha, ve);
  if (w >= 0) alpha = op2(s, "mul", w, alpha, like(s, var, "alpha"));
  t2n_nnef_tid beta = op2(s, "mul", mean, alpha, like(s, var, "mean_alpha"));
  if (b >= 0) beta = op2(s, "sub", b, beta, like(s, var, "beta"));
  else {
    t2n_nnef_tid nb = like(s, var, "beta");
    t2n_lower_emit1(s->c, "neg", nb, beta);
    beta = nb;
  }
  t2n_nnef_tid xa = op2(s, "mul", x, alpha, like(s, x, "scaled"));
  op2(s, "add", xa, beta, out);
  t2n_lower_bind(s->c, s->n->outputs[0], out);
  return 0;
}

/* batch_norm(input, weight, bias, running_mean, running_var, training,
 * momentum, eps, cudnn_enabled) and instance_norm(..., use_input_stats,
 * ...): the flag (input 5, named `flag`) says whether the statistics are
 * the input's; batch_norm also uses them when a running one is None. */
static int running_stats_norm(t2n_lower_ctx *c, t2n_node *n, const char *flag, int batch) {
  nrm s;
  t2n_nnef_tid x = -1;
  int64_t xs[T2N_MAX_RANK];
  int r = 0, stats;
  double eps;
  if (begin(c, n, 9, &s, &x, xs, &r) || eps_arg(&s, 7, &eps)) return 1;
  if (!t2n_lower_const_bool(c, n->inputs[5], &stats))
    return t2n_lower_error(c, n, "the %s flag of %s must be a constant", flag, n->kind);
  if (batch) stats = stats || t2n_lower_is_none(c, n->inputs[3]) || t2n_lower_is_none(c, n->inputs[4]);
  return channel_norm(&s, x, xs, r, stats, 3, 4, eps, batch);
}

int t2n_lower_batch_norm(t2n_lower_ctx *c, t2n_node *n) { return running_stats_norm(c, n, "training", 1); }

int t2n_lower_instance_norm(t2n_lower_ctx *c, t2n_node *n) { return running_stats_norm(c, n, "use_input_stats", 0); }

/* layer_norm(input, normalized_shape, weight, bias, eps, cudnn_enable):
 * the last len(normalized_shape) axes. */
int t2n_lower_layer_norm(t2n_lower_ctx *c, t2n_node *n) {
  nrm s;
  t2n_nnef_tid x = -1;
  int64_t xs[T2N_MAX_RANK], ns[T2N_MAX_RANK];
  int r = 0;
  double eps;
  if (begin(c, n, 6, &s, &x, xs, &r) || eps_arg(&s, 4, &eps)) return 1;
  int k = t2n_lower_const_ints(c, n->inputs[1], ns, T2N_MAX_RANK);
  if (k < 1 || k > r) return t2n_lower_error(c, n, "the normalized_shape of aten::layer_norm must be a constant list of 1 to %d ints", r);
  for (int i = 0; i < k; i++)
    if (ns[i] != xs[r - k + i])
      return t2n_lower_error(c, n, "normalized_shape entry %d is %lld but the input's axis %d is %lld", i,
                             (long long)ns[i], r - k + i, (long long)xs[r - k + i]);
  int64_t axes[T2N_MAX_RANK];
  for (int i = 0; i < k; i++) axes[i] = r - k + i;
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  t2n_nnef_tid w = param(&s, 2, r, xs, 0), b = param(&s, 3, r, xs, 0);
  if (w == -2 || b == -2) return 1;
  return affine(&s, standardize(&s, x, axes, k, eps), w, b, out);
}

/* group_norm(input, num_groups, weight, bias, eps, cudnn_enabled): the
 * input viewed as [N, G, C/G * spatial], standardised over axis 2. */
int t2n_lower_group_norm(t2n_lower_ctx *c, t2n_node *n) {
  nrm s;
  t2n_nnef_tid x = -1;
  int64_t xs[T2N_MAX_RANK], groups;
  int r = 0;
  double eps;
  if (begin(c, n, 6, &s, &x, xs, &r) || eps_arg(&s, 4, &eps)) return 1;
  if (!t2n_lower_const_int(c, n->inputs[1], &groups) || groups < 1)
    return t2n_lower_error(c, n, "the num_groups of aten::group_norm must be a constant >= 1");
  if (r < 2 || xs[1] % groups)
    return t2n_lower_error(c, n, "aten::group_norm: %lld groups do not divide the channels", (long long)groups);
  int64_t rest = xs[1] / groups;
  for (int i = 2; i < r; i++) rest *= xs[i];
  int64_t gs[3] = {xs[0], groups, rest}, ax2 = 2;
  t2n_nnef_tid xg = reshape(&s, x, 3, gs, "grouped");
  t2n_nnef_tid y = reshape(&s, standardize(&s, xg, &ax2, 1, eps), r, xs, "ungrouped");
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  t2n_nnef_tid w = param(&s, 2, r, xs, 1), b = param(&s, 3, r, xs, 1);
  return affine(&s, y, w, b, out);
}
