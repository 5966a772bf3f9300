/* Lowerings of the reductions that are a short formula over NNEF's
 * *_reduce ops: norm and linalg_vector_norm (p = 0, 1, 2, inf, -inf, any
 * other p), var and std (unbiased and correction forms).
 *
 * Every step keeps the reduced axes (size 1), so the mean broadcasts back
 * against the input; a squeeze at the end drops them without keepdim. The
 * computation is in the output's dtype (the dtype argument sets it). */
#include <math.h>
#include <string.h>

#include "t2n/nnef.h"

typedef struct {
  t2n_lower_ctx *c;
  t2n_node *n;
  t2n_dtype dt;
  int rank, na;
  int64_t sizes[T2N_MAX_RANK], red[T2N_MAX_RANK], axes[T2N_MAX_RANK];
  int64_t count; /* elements reduced into each result */
} stat;

/* x (input 0, cast to the output dtype) and the axes for dims (k < 0 or 0: all). */
static int setup(t2n_lower_ctx *c, t2n_node *n, const int64_t *dims, int k, stat *s, t2n_nnef_tid *x) {
  s->c = c;
  s->n = n;
  int64_t osz[T2N_MAX_RANK];
  if (t2n_lower_need_shape(c, n->outputs[0], n, &s->dt, osz) < 0) return 1;
  *x = t2n_lower_tensor(c, n->inputs[0], n);
  if (*x < 0) return 1;
  *x = t2n_lower_cast(c, *x, s->dt);
  const t2n_nnef_tensor *xt = t2n_nnef_tensor_get(t2n_lower_graph(c), *x);
  s->rank = xt->rank;
  memcpy(s->sizes, xt->sizes, sizeof s->sizes);
  memcpy(s->red, xt->sizes, sizeof s->red);
  int want[T2N_MAX_RANK] = {0};
  for (int i = 0; i < s->rank; i++) want[i] = k <= 0;
  for (int i = 0; i < k; i++) {
    int64_t a = t2n_lower_axis(c, n, dims[i], s->rank, 0);
    if (a < 0) return 1;
    if (s->rank) want[a] = 1;
  }
  s->na = 0;
  s->count = 1;
  for (int i = 0; i < s->rank; i++)
    if (want[i]) s->axes[s->na++] = i, s->count *= s->sizes[i], s->red[i] = 1;
  return 0;
}

static t2n_nnef_tid full_t(stat *s, const char *kind, int nargs, const t2n_nnef_value *a) {
  t2n_nnef_graph *g = t2n_lower_graph(s->c);
  t2n_nnef_tid t = t2n_lower_temp(s->c, s->n->outputs[0]->name, s->dt, s->rank, s->sizes);
  t2n_nnef_op *op = t2n_nnef_op_new(g, kind, 1);
  op->outputs[0] = t;
  for (int i = 0; i < nargs; i++) t2n_nnef_arg_value(g, op, NULL, a[i]);
  return t;
}
static t2n_nnef_tid ew2(stat *s, const char *kind, t2n_nnef_tid a, t2n_nnef_value b) {
  t2n_nnef_value v[2] = {t2n_nnef_v_tensor(a), b};
  return full_t(s, kind, 2, v);
}
static t2n_nnef_tid ew1(stat *s, const char *kind, t2n_nnef_tid a) {
  t2n_nnef_value v = t2n_nnef_v_tensor(a);
  return full_t(s, kind, 1, &v);
}

/* kind over the axes, keeping them; a 0-dim or axis-less input is itself. */
static t2n_nnef_tid reduce(stat *s, const char *kind, t2n_nnef_tid x) {
  if (!s->na) return x;
  t2n_nnef_tid t = t2n_lower_temp(s->c, s->n->outputs[0]->name, s->dt, s->rank, s->red);
  t2n_nnef_arg_ints(t2n_lower_graph(s->c), t2n_lower_emit1(s->c, kind, t, x), "axes", s->axes, s->na);
  return t;
}

/* A reduced (kept-axes) tensor: kind(t, b) at the reduced shape. */
static t2n_nnef_tid red2(stat *s, const char *kind, t2n_nnef_tid a, t2n_nnef_value b) {
  t2n_nnef_graph *g = t2n_lower_graph(s->c);
  t2n_nnef_tid t = t2n_lower_temp(s->c, s->n->outputs[0]->name, s->dt, s->rank, s->red);
  t2n_nnef_op *op = t2n_nnef_op_new(g, kind, 1);
  op->outputs[0] = t;
  t2n_nnef_arg_tensor(g, op, NULL, a);
  if (b.kind != T2N_NV_TENSOR || b.tensor >= 0) t2n_nnef_arg_value(g, op, NULL, b);
  return t;
}

/* Binds output 0 to reduced tensor t, squeezing the axes without keepdim. */
static int finish(stat *s, t2n_nnef_tid t, int keepdim) {
  if (!keepdim && s->na) {
    t2n_nnef_tid out = t2n_lower_output_tensor(s->c, s->n, 0);
    if (out < 0) return 1;
    t2n_nnef_arg_ints(t2n_lower_graph(s->c), t2n_lower_emit1(s->c, "squeeze", out, t), "axes", s->axes, s->na);
    t = out;
  }
  t2n_lower_bind(s->c, s->n->outputs[0], t);
  return 0;
}

/* norm(self, p=2), norm(self, p, dtype), norm(self, p, dim, keepdim[, dtype]),
 * linalg_vector_norm(self, ord, dim?, keepdim, dtype?). */
int t2n_lower_norm(t2n_lower_ctx *c, t2n_node *n) {
  double p = 2;
  int64_t dims[T2N_MAX_RANK];
  int k = -1, keep = 0;
  if (n->ninputs > 1 && !t2n_lower_is_none(c, n->inputs[1]) && !t2n_lower_const_float(c, n->inputs[1], &p))
    return t2n_lower_error(c, n, "the p of %s must be a constant number", n->kind);
  if (n->ninputs >= 4) {
    if (!t2n_lower_is_none(c, n->inputs[2]) && (k = t2n_lower_const_ints(c, n->inputs[2], dims, T2N_MAX_RANK)) < 0)
      return t2n_lower_error(c, n, "the dims of %s must be constant", n->kind);
    if (!t2n_lower_const_bool(c, n->inputs[3], &keep))
      return t2n_lower_error(c, n, "the keepdim of %s must be a constant bool", n->kind);
  }
  stat s;
  t2n_nnef_tid x;
  if (setup(c, n, dims, k, &s, &x)) return 1;
  t2n_nnef_value none = t2n_nnef_v_tensor(-1);
  t2n_nnef_tid r;
  if (p == 2) {
    r = red2(&s, "sqrt", reduce(&s, "sum_reduce", ew2(&s, "mul", x, t2n_nnef_v_tensor(x))), none);
  } else if (p == 1) {
    r = reduce(&s, "sum_reduce", ew1(&s, "abs", x));
  } else if (isinf(p)) {
    r = reduce(&s, p > 0 ? "max_reduce" : "min_reduce", ew1(&s, "abs", x));
  } else if (p == 0) {
    /* the count of non-zero elements */
    t2n_nnef_tid nz = t2n_lower_temp(c, "nonzero", T2N_DT_BOOL, s.rank, s.sizes);
    t2n_nnef_op *op = t2n_lower_emit1(c, "ne", nz, x);
    t2n_nnef_arg_value(t2n_lower_graph(c), op, NULL, t2n_nnef_v_float(0));
    r = reduce(&s, "sum_reduce", t2n_lower_cast(c, nz, s.dt));
  } else {
    t2n_nnef_tid pw = ew2(&s, "pow", ew1(&s, "abs", x), t2n_nnef_v_float(p));
    r = red2(&s, "pow", reduce(&s, "sum_reduce", pw), t2n_nnef_v_float(1.0 / p));
  }
  return finish(&s, r, keep);
}

/* var/std(self, unbiased), (self, dim?, unbiased, keepdim) and
 * (self, dim?, correction?, keepdim): sum((x - mean)^2) / (N - correction). */
static int variance(t2n_lower_ctx *c, t2n_node *n, int is_std) {
  int64_t dims[T2N_MAX_RANK];
  int k = -1, keep = 0;
  double corr = 1;
  if (n->ninputs == 2 || n->ninputs == 4) {
    const t2n_value *cv = n->inputs[n->ninputs == 2 ? 1 : 2];
    int unbiased;
    if (t2n_type_is(cv->type, "bool")) {
      if (!t2n_lower_const_bool(c, cv, &unbiased)) return t2n_lower_error(c, n, "the unbiased of %s must be a constant bool", n->kind);
      corr = unbiased ? 1 : 0;
    } else if (!t2n_lower_is_none(c, cv) && !t2n_lower_const_float(c, cv, &corr)) {
      return t2n_lower_error(c, n, "the correction of %s must be a constant number", n->kind);
    }
  }
  if (n->ninputs == 4) {
    if (!t2n_lower_is_none(c, n->inputs[1]) && (k = t2n_lower_const_ints(c, n->inputs[1], dims, T2N_MAX_RANK)) < 0)
      return t2n_lower_error(c, n, "the dims of %s must be constant", n->kind);
    if (!t2n_lower_const_bool(c, n->inputs[3], &keep))
      return t2n_lower_error(c, n, "the keepdim of %s must be a constant bool", n->kind);
  } else if (n->ninputs != 2 && n->ninputs != 1) {
    return t2n_lower_error(c, n, "%s with %d operands is not a form t2n-export lowers", n->kind, n->ninputs);
  }
  stat s;
  t2n_nnef_tid x;
  if (setup(c, n, dims, k, &s, &x)) return 1;
  t2n_nnef_value none = t2n_nnef_v_tensor(-1);
  t2n_nnef_tid m = reduce(&s, "mean_reduce", x);
  t2n_nnef_tid d = ew2(&s, "sub", x, t2n_nnef_v_tensor(m));
  t2n_nnef_tid ss = reduce(&s, "sum_reduce", ew2(&s, "mul", d, t2n_nnef_v_tensor(d)));
  double denom = (double)s.count - corr;
  /* torch divides by max(0, N - correction): 0/0 is nan, x/0 inf. */
  if (denom < 0) denom = 0;
  t2n_nnef_tid v = red2(&s, "div", ss, t2n_nnef_v_float(denom));
  if (is_std) v = red2(&s, "sqrt", v, none);
  return finish(&s, v, keep);
}

int t2n_lower_var(t2n_lower_ctx *c, t2n_node *n) { return variance(c, n, 0); }
int t2n_lower_std(t2n_lower_ctx *c, t2n_node *n) { return variance(c, n, 1); }
