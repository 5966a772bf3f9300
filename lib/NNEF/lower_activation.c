/* Lowerings of activation functions and softmax: relu6, leaky_relu, elu,
 * selu, celu, gelu, silu, mish, hardtanh, hardsigmoid, hardswish, softplus,
 * prelu, glu, softmax, log_softmax.
 *
 * Each is written with the ops tract has (checked in tract 0.23.9): NNEF
 * leaky_relu, elu, softplus, prelu, softmax, and tract_core_erf, _silu,
 * _hard_swish, _gelu_approx, _log_softmax. tract has no selu, gelu or
 * hardsigmoid: they are composed in the order torch computes them
 * (hardsigmoid is min(max(x + 3, 0), 6) / 6, not x / 6 + 0.5), so results
 * agree to the last bit or two. Every operand is cast to the output dtype
 * first. */
#include <math.h>
#include <string.h>

#include "t2n/nnef.h"

/* The elementwise state: the input as the output dtype, and the output. */
typedef struct act {
  t2n_lower_ctx *c;
  t2n_node *n;
  t2n_nnef_graph *g;
  t2n_nnef_tid x, out;
  t2n_dtype dt;
  int rank;
  int64_t sizes[T2N_MAX_RANK];
} act;

static int begin(t2n_lower_ctx *c, t2n_node *n, int lo, int hi, act *a) {
  if (n->ninputs < lo || n->ninputs > hi)
    return t2n_lower_error(c, n, "%s with %d operands is not a form t2n-export lowers", n->kind, n->ninputs);
  a->c = c, a->n = n, a->g = t2n_lower_graph(c);
  a->out = t2n_lower_output_tensor(c, n, 0);
  if (a->out < 0) return 1;
  const t2n_nnef_tensor *ot = t2n_nnef_tensor_get(a->g, a->out);
  a->dt = ot->dtype, a->rank = ot->rank;
  memcpy(a->sizes, ot->sizes, sizeof a->sizes);
  t2n_nnef_tid x = t2n_lower_tensor(c, n->inputs[0], n);
  if (x < 0) return 1;
  a->x = t2n_lower_cast(c, x, a->dt);
  return 0;
}

/* A fresh tensor shaped like the output (or the output itself: last). */
static t2n_nnef_tid tmp(act *a, int last) {
  return last ? a->out : t2n_lower_temp(a->c, a->n->outputs[0]->name, a->dt, a->rank, a->sizes);
}

static t2n_nnef_tid un(act *a, const char *kind, t2n_nnef_tid x, int last) {
  t2n_nnef_tid o = tmp(a, last);
  t2n_lower_emit1(a->c, kind, o, x);
  return o;
}

static t2n_nnef_tid bin(act *a, const char *kind, t2n_nnef_tid x, t2n_nnef_tid y, int last) {
  t2n_nnef_tid o = tmp(a, last);
  t2n_lower_emit2(a->c, kind, o, x, y);
  return o;
}

/* x KIND literal k */
static t2n_nnef_tid lit(act *a, const char *kind, t2n_nnef_tid x, double k, int last) {
  t2n_nnef_tid o = tmp(a, last);
  t2n_nnef_op *op = t2n_lower_emit1(a->c, kind, o, x);
  t2n_nnef_arg_value(a->g, op, NULL, t2n_nnef_v_float(k));
  return o;
}

static int done(act *a) {
  t2n_lower_bind(a->c, a->n->outputs[0], a->out);
  return 0;
}

static int number(act *a, int i, double dflt, double *v, const char *what) {
  *v = dflt;
  if (i >= a->n->ninputs || t2n_lower_is_none(a->c, a->n->inputs[i])) return 0;
  if (!t2n_lower_const_float(a->c, a->n->inputs[i], v))
    return t2n_lower_error(a->c, a->n, "the %s of %s must be a constant number", what, a->n->kind);
  return 0;
}

/* min(max(x, lo), hi) */
static int clamp_to(act *a, double lo, double hi) {
  lit(a, "min", lit(a, "max", a->x, lo, 0), hi, 1);
  return done(a);
}

int t2n_lower_relu6(t2n_lower_ctx *c, t2n_node *n) {
  act a;
  if (begin(c, n, 1, 1, &a)) return 1;
  return clamp_to(&a, 0, 6);
}

int t2n_lower_hardtanh(t2n_lower_ctx *c, t2n_node *n) { /* hardtanh(x, min_val=-1, max_val=1) */
  act a;
  double lo, hi;
  if (begin(c, n, 1, 3, &a) || number(&a, 1, -1, &lo, "min_val") || number(&a, 2, 1, &hi, "max_val")) return 1;
  return clamp_to(&a, lo, hi);
}

int t2n_lower_leaky_relu(t2n_lower_ctx *c, t2n_node *n) { /* leaky_relu(x, negative_slope=0.01) */
  act a;
  double s;
  if (begin(c, n, 1, 2, &a) || number(&a, 1, 0.01, &s, "negative_slope")) return 1;
  t2n_nnef_arg_float(a.g, t2n_lower_emit1(c, "leaky_relu", a.out, a.x), "alpha", s);
  return done(&a);
}

/* scale * (x > 0 ? x : alpha * (exp(x * input_scale) - 1)), as torch's elu. */
static int elu_form(act *a, double alpha, double scale, double input_scale) {
  /* NNEF elu only when alpha is 1: tract's elu gives 0.18 off torch with
   * alpha 0.8 (measured in tract 0.23.9). */
  if (scale == 1 && input_scale == 1 && alpha == 1) {
    t2n_nnef_arg_float(a->g, t2n_lower_emit1(a->c, "elu", a->out, a->x), "alpha", alpha);
    return done(a);
  }
  t2n_nnef_tid xs = input_scale == 1 ? a->x : lit(a, "mul", a->x, input_scale, 0);
  t2n_nnef_tid neg = lit(a, "mul", lit(a, "sub", un(a, "exp", xs, 0), 1.0, 0), alpha * scale, 0);
  t2n_nnef_tid pos = scale == 1 ? a->x : lit(a, "mul", a->x, scale, 0);
  t2n_nnef_tid cond = t2n_lower_temp(a->c, "positive", T2N_DT_BOOL, a->rank, a->sizes);
  t2n_nnef_arg_value(a->g, t2n_lower_emit1(a->c, "gt", cond, a->x), NULL, t2n_nnef_v_float(0.0));
  t2n_nnef_op *op = t2n_lower_emit2(a->c, "select", a->out, cond, pos);
  t2n_nnef_arg_tensor(a->g, op, NULL, neg);
  return done(a);
}

int t2n_lower_elu(t2n_lower_ctx *c, t2n_node *n) { /* elu(x, alpha=1, scale=1, input_scale=1) */
  act a;
  double al, sc, is;
  if (begin(c, n, 1, 4, &a) || number(&a, 1, 1, &al, "alpha") || number(&a, 2, 1, &sc, "scale") ||
      number(&a, 3, 1, &is, "input_scale"))
    return 1;
  return elu_form(&a, al, sc, is);
}

int t2n_lower_selu(t2n_lower_ctx *c, t2n_node *n) {
  act a;
  if (begin(c, n, 1, 1, &a)) return 1;
  return elu_form(&a, 1.6732632423543772848170429916717, 1.0507009873554804934193349852946, 1);
}

int t2n_lower_celu(t2n_lower_ctx *c, t2n_node *n) { /* celu(x, alpha=1) = elu(x, alpha, 1, 1/alpha) */
  act a;
  double al;
  if (begin(c, n, 1, 2, &a) || number(&a, 1, 1, &al, "alpha")) return 1;
  if (al == 0) return t2n_lower_error(c, n, "aten::celu with alpha 0 (torch refuses it)");
  return elu_form(&a, al, 1, 1 / al);
}

/* gelu(x, approximate='none'|'tanh'): 'none' is x * 0.5 * (1 + erf(x /
 * sqrt 2)) with tract_core_erf; 'tanh' is tract_core_gelu_approx. */
int t2n_lower_gelu(t2n_lower_ctx *c, t2n_node *n) {
  act a;
  if (begin(c, n, 1, 2, &a)) return 1;
  const char *mode = "none";
  t2n_ival iv;
  if (n->ninputs > 1) {
    if (!t2n_lower_const(c, n->inputs[1], &iv) || iv.kind != T2N_IV_STR)
      return t2n_lower_error(c, n, "the approximate argument of aten::gelu must be a constant string");
    mode = iv.s;
  }
  if (strcmp(mode, "tanh") == 0) {
    t2n_nnef_arg_bool(a.g, t2n_lower_emit1(c, "tract_core_gelu_approx", a.out, a.x), "fast_impl", 0);
    return done(&a);
  }
  if (strcmp(mode, "none") != 0)
    return t2n_lower_error(c, n, "unknown approximate '%s' of aten::gelu (torch knows 'none' and 'tanh')", mode);
  t2n_nnef_tid e = lit(&a, "add", un(&a, "tract_core_erf", lit(&a, "mul", a.x, 0.70710678118654752440, 0), 0), 1.0, 0);
  bin(&a, "mul", lit(&a, "mul", a.x, 0.5, 0), e, 1);
  return done(&a);
}

int t2n_lower_silu(t2n_lower_ctx *c, t2n_node *n) {
  act a;
  if (begin(c, n, 1, 1, &a)) return 1;
  un(&a, "tract_core_silu", a.x, 1);
  return done(&a);
}

int t2n_lower_hardswish(t2n_lower_ctx *c, t2n_node *n) {
  act a;
  if (begin(c, n, 1, 1, &a)) return 1;
  un(&a, "tract_core_hard_swish", a.x, 1);
  return done(&a);
}

int t2n_lower_hardsigmoid(t2n_lower_ctx *c, t2n_node *n) {
  act a;
  if (begin(c, n, 1, 1, &a)) return 1;
  lit(&a, "div", lit(&a, "min", lit(&a, "max", lit(&a, "add", a.x, 3.0, 0), 0.0, 0), 6.0, 0), 6.0, 1);
  return done(&a);
}

/* softplus(x, beta=1, threshold=20): x where x * beta > threshold, else
 * log(1 + exp(x * beta)) / beta (NNEF softplus). */
int t2n_lower_softplus(t2n_lower_ctx *c, t2n_node *n) {
  act a;
  double beta, th;
  if (begin(c, n, 1, 3, &a) || number(&a, 1, 1, &beta, "beta") || number(&a, 2, 20, &th, "threshold")) return 1;
  t2n_nnef_tid xb = beta == 1 ? a.x : lit(&a, "mul", a.x, beta, 0);
  t2n_nnef_tid sp = un(&a, "softplus", xb, 0);
  if (beta != 1) sp = lit(&a, "div", sp, beta, 0);
  t2n_nnef_tid cond = t2n_lower_temp(c, "above", T2N_DT_BOOL, a.rank, a.sizes);
  t2n_nnef_arg_value(a.g, t2n_lower_emit1(c, "gt", cond, xb), NULL, t2n_nnef_v_float(th));
  t2n_nnef_arg_tensor(a.g, t2n_lower_emit2(c, "select", a.out, cond, a.x), NULL, sp);
  return done(&a);
}

int t2n_lower_mish(t2n_lower_ctx *c, t2n_node *n) { /* x * tanh(softplus(x)) */
  act a;
  if (begin(c, n, 1, 1, &a)) return 1;
  bin(&a, "mul", a.x, un(&a, "tanh", un(&a, "softplus", a.x, 0), 0), 1);
  return done(&a);
}

/* prelu(x, weight): weight [C] (or [1]) runs along axis 1 (axis 0 of a 1-D
 * input): reshaped to [1, C, 1, ...] for tract's left-aligned broadcast. */
int t2n_lower_prelu(t2n_lower_ctx *c, t2n_node *n) {
  act a;
  if (begin(c, n, 2, 2, &a)) return 1;
  t2n_nnef_tid w = t2n_lower_tensor(c, n->inputs[1], n);
  if (w < 0) return 1;
  w = t2n_lower_cast(c, w, a.dt);
  const t2n_nnef_tensor *wt = t2n_nnef_tensor_get(a.g, w);
  int64_t nw = 1;
  for (int i = 0; i < wt->rank; i++) nw *= wt->sizes[i];
  if (a.rank >= 1) {
    int64_t shape[T2N_MAX_RANK];
    for (int i = 0; i < a.rank; i++) shape[i] = 1;
    shape[a.rank >= 2 ? 1 : 0] = nw;
    t2n_nnef_tid r = t2n_lower_temp(c, "prelu_weight", a.dt, a.rank, shape);
    t2n_nnef_arg_ints(a.g, t2n_lower_emit1(c, "reshape", r, w), "shape", shape, a.rank);
    w = r;
  }
  t2n_lower_emit2(c, "prelu", a.out, a.x, w);
  return done(&a);
}

/* glu(x, dim=-1): first half * sigmoid(second half), as two slices. */
int t2n_lower_glu(t2n_lower_ctx *c, t2n_node *n) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  int64_t dim = -1;
  if (n->ninputs > 1 && !t2n_lower_const_int(c, n->inputs[1], &dim))
    return t2n_lower_error(c, n, "the dim of aten::glu must be a constant");
  t2n_dtype dt;
  int64_t xs[T2N_MAX_RANK];
  int r = t2n_lower_need_shape(c, n->inputs[0], n, &dt, xs);
  if (r < 0) return 1;
  int64_t ax = t2n_lower_axis(c, n, dim, r, 0);
  if (ax < 0) return 1;
  if (xs[ax] % 2) return t2n_lower_error(c, n, "aten::glu halves axis %lld of odd size %lld", (long long)ax, (long long)xs[ax]);
  t2n_nnef_tid x = t2n_lower_tensor(c, n->inputs[0], n), out = t2n_lower_output_tensor(c, n, 0);
  if (x < 0 || out < 0) return 1;
  const t2n_nnef_tensor *ot = t2n_nnef_tensor_get(g, out);
  x = t2n_lower_cast(c, x, ot->dtype);
  int64_t h = xs[ax] / 2, b0 = 0, b1 = h, e1 = 2 * h;
  t2n_nnef_tid lo = t2n_lower_temp(c, "glu_a", ot->dtype, ot->rank, ot->sizes);
  t2n_nnef_tid hi = t2n_lower_temp(c, "glu_b", ot->dtype, ot->rank, ot->sizes);
  t2n_nnef_tid sg = t2n_lower_temp(c, "glu_gate", ot->dtype, ot->rank, ot->sizes);
  t2n_nnef_op *op = t2n_lower_emit1(c, "slice", lo, x);
  t2n_nnef_arg_ints(g, op, "axes", &ax, 1);
  t2n_nnef_arg_ints(g, op, "begin", &b0, 1);
  t2n_nnef_arg_ints(g, op, "end", &h, 1);
  op = t2n_lower_emit1(c, "slice", hi, x);
  t2n_nnef_arg_ints(g, op, "axes", &ax, 1);
  t2n_nnef_arg_ints(g, op, "begin", &b1, 1);
  t2n_nnef_arg_ints(g, op, "end", &e1, 1);
  t2n_lower_emit1(c, "sigmoid", sg, hi);
  t2n_lower_emit2(c, "mul", out, lo, sg);
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

/* softmax / log_softmax(x, dim, dtype=None): over one axis (negative dims
 * normalised; tract refuses them); a dtype casts the input first. */
static int softmax_form(t2n_lower_ctx *c, t2n_node *n, const char *kind) {
  act a;
  int64_t dim;
  if (begin(c, n, 2, 3, &a)) return 1;
  if (!t2n_lower_const_int(c, n->inputs[1], &dim))
    return t2n_lower_error(c, n, "the dim of %s must be a constant", n->kind);
  int64_t ax = t2n_lower_axis(c, n, dim, a.rank, 0);
  if (ax < 0) return 1;
  if (a.rank == 0) { /* softmax of a 0-dim tensor: 1 (log: 0) */
    t2n_nnef_tid z = lit(&a, "mul", a.x, 0.0, 0);
    lit(&a, "add", z, strcmp(kind, "softmax") == 0 ? 1.0 : 0.0, 1);
    return done(&a);
  }
  t2n_nnef_arg_ints(a.g, t2n_lower_emit1(c, kind, a.out, a.x), "axes", &ax, 1);
  return done(&a);
}

int t2n_lower_softmax(t2n_lower_ctx *c, t2n_node *n) { return softmax_form(c, n, "softmax"); }
int t2n_lower_log_softmax(t2n_lower_ctx *c, t2n_node *n) { return softmax_form(c, n, "tract_core_log_softmax"); }
