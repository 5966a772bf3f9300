/* Lowerings of the elementwise math tail: rounding (floor, ceil, round half
 * to even, trunc), sign, reciprocal, log1p, log2, log10, sin, cos, erf, square,
 * remainder / fmod, floor_divide and div with a rounding_mode, minimum /
 * maximum, clamp_min / clamp_max, masked_fill and bitwise_not.
 *
 * Operands follow the rules of lower_elementwise.c (cast to the dtype torch
 * computes in, unsqueezed to the result's rank). Integer division is exact:
 * tract's i64 division truncates toward zero like C, and the floor forms
 * correct the quotient (or remainder) where the remainder's sign differs
 * from the divisor's, as torch does; there is no detour through floats. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "t2n/alloc.h"
#include "t2n/nnef.h"

static int is_float_dt(t2n_dtype dt) {
  return dt == T2N_DT_FLOAT32 || dt == T2N_DT_FLOAT16 || dt == T2N_DT_FLOAT64 || dt == T2N_DT_BFLOAT16;
}

/* The result tensor of n and the shape every intermediate shares. */
typedef struct {
  t2n_lower_ctx *c;
  t2n_node *n;
  t2n_nnef_tid out;
  t2n_dtype dt;
  int rank;
  int64_t sizes[T2N_MAX_RANK];
} expr;

static int begin(t2n_lower_ctx *c, t2n_node *n, expr *e) {
  e->c = c;
  e->n = n;
  e->out = t2n_lower_output_tensor(c, n, 0);
  if (e->out < 0) return 1;
  const t2n_nnef_tensor *ot = t2n_nnef_tensor_get(t2n_lower_graph(c), e->out);
  e->dt = ot->dtype;
  e->rank = ot->rank;
  memcpy(e->sizes, ot->sizes, sizeof e->sizes);
  return 0;
}

static int finish(expr *e, t2n_nnef_value v) {
  t2n_lower_bind(e->c, e->n->outputs[0], v.tensor);
  return 0;
}

/* kind(args) into the output (last) or a new intermediate of dtype dt. */
static t2n_nnef_value op(expr *e, const char *kind, t2n_dtype dt, int last, int nargs, const t2n_nnef_value *args) {
  t2n_nnef_graph *g = t2n_lower_graph(e->c);
  t2n_nnef_tid t = last ? e->out : t2n_lower_temp(e->c, e->n->outputs[0]->name, dt, e->rank, e->sizes);
  t2n_nnef_op *o = t2n_nnef_op_new(g, kind, 1);
  o->outputs[0] = t;
  for (int i = 0; i < nargs; i++) t2n_nnef_arg_value(g, o, NULL, args[i]);
  return t2n_nnef_v_tensor(t);
}
static t2n_nnef_value op1(expr *e, const char *kind, int last, t2n_nnef_value a) { return op(e, kind, e->dt, last, 1, &a); }
static t2n_nnef_value op2(expr *e, const char *kind, int last, t2n_nnef_value a, t2n_nnef_value b) {
  t2n_nnef_value args[2] = {a, b};
  return op(e, kind, e->dt, last, 2, args);
}
static t2n_nnef_value cmp(expr *e, const char *kind, t2n_nnef_value a, t2n_nnef_value b) {
  t2n_nnef_value args[2] = {a, b};
  return op(e, kind, T2N_DT_BOOL, 0, 2, args);
}
static t2n_nnef_value sel(expr *e, int last, t2n_nnef_value c, t2n_nnef_value a, t2n_nnef_value b) {
  t2n_nnef_value args[3] = {c, a, b};
  return op(e, "select", e->dt, last, 3, args);
}
static t2n_nnef_value num(expr *e, int v) {
  return is_float_dt(e->dt) ? t2n_nnef_v_float(v) : t2n_nnef_v_tensor(t2n_lower_int_literal(e->c, e->dt, e->rank, v));
}
static t2n_nnef_value zero(expr *e) { return num(e, 0); }
static t2n_nnef_value one(expr *e) { return num(e, 1); }

/* The operand of input i in the result dtype. */
static int arg(expr *e, int i, t2n_nnef_value *out) {
  if (i >= e->n->ninputs) return t2n_lower_error(e->c, e->n, "%s needs %d operands", e->n->kind, i + 1);
  return t2n_lower_operand(e->c, e->n, e->n->inputs[i], e->dt, e->rank, out);
}

/* trunc(v) for floats: sign(v) * floor(|v|) (NNEF has no trunc). */
static t2n_nnef_value trunc_f(expr *e, int last, t2n_nnef_value v) {
  return op2(e, "mul", last, op1(e, "sign", 0, v), op1(e, "floor", 0, op1(e, "abs", 0, v)));
}

/* ---- unary ---- */
static int unary(t2n_lower_ctx *c, t2n_node *n, const char *kind) {
  expr e;
  t2n_nnef_value x;
  if (begin(c, n, &e) || arg(&e, 0, &x)) return 1;
  return finish(&e, op1(&e, kind, 1, x));
}

#define UNARY(name, nnef) \
  int t2n_lower_##name(t2n_lower_ctx *c, t2n_node *n) { return unary(c, n, nnef); }
UNARY(sin, "sin") UNARY(cos, "cos") UNARY(erf, "tract_core_erf") UNARY(reciprocal, "recip") UNARY(sign, "sign")
#undef UNARY

/* floor, ceil, round, trunc of an integer tensor are the identity. */
static int rounding(t2n_lower_ctx *c, t2n_node *n, const char *kind) {
  expr e;
  t2n_nnef_value x;
  if (begin(c, n, &e) || arg(&e, 0, &x)) return 1;
  if (!is_float_dt(e.dt)) return finish(&e, x);
  if (strcmp(kind, "trunc") == 0) return finish(&e, trunc_f(&e, 1, x));
  return finish(&e, op1(&e, kind, 1, x));
}

int t2n_lower_floor(t2n_lower_ctx *c, t2n_node *n) { return rounding(c, n, "floor"); }
int t2n_lower_ceil(t2n_lower_ctx *c, t2n_node *n) { return rounding(c, n, "ceil"); }
int t2n_lower_trunc(t2n_lower_ctx *c, t2n_node *n) { return rounding(c, n, "trunc"); }

/* round(x) rounds half to even as torch does (NNEF's round does not);
 * round(x, decimals) scales by 10^decimals around it. */
int t2n_lower_round(t2n_lower_ctx *c, t2n_node *n) {
  int64_t dec = 0;
  if (n->ninputs > 1 && !t2n_lower_const_int(c, n->inputs[1], &dec))
    return t2n_lower_error(c, n, "the decimals of aten::round must be a constant int");
  if (!dec) {
    if (n->ninputs > 1) {
      expr e;
      t2n_nnef_value x;
      if (begin(c, n, &e) || arg(&e, 0, &x)) return 1;
      if (!is_float_dt(e.dt)) return finish(&e, x);
      return finish(&e, op1(&e, "tract_core_round_even", 1, x));
    }
    return rounding(c, n, "tract_core_round_even");
  }
  expr e;
  t2n_nnef_value x;
  if (begin(c, n, &e) || arg(&e, 0, &x)) return 1;
  if (!is_float_dt(e.dt)) return finish(&e, x);
  double s = pow(10.0, (double)dec);
  t2n_nnef_value r = op1(&e, "tract_core_round_even", 0, op2(&e, "mul", 0, x, t2n_nnef_v_float(s)));
  return finish(&e, op2(&e, "div", 1, r, t2n_nnef_v_float(s)));
}

int t2n_lower_log1p(t2n_lower_ctx *c, t2n_node *n) {
  expr e;
  t2n_nnef_value x;
  if (begin(c, n, &e) || arg(&e, 0, &x)) return 1;
  return finish(&e, op1(&e, "log", 1, op2(&e, "add", 0, x, t2n_nnef_v_float(1))));
}

int t2n_lower_log2(t2n_lower_ctx *c, t2n_node *n) {
  expr e;
  t2n_nnef_value x;
  if (begin(c, n, &e) || arg(&e, 0, &x)) return 1;
  return finish(&e, op2(&e, "mul", 1, op1(&e, "log", 0, x), t2n_nnef_v_float(1.0 / log(2.0))));
}

int t2n_lower_log10(t2n_lower_ctx *c, t2n_node *n) {
  expr e;
  t2n_nnef_value x;
  if (begin(c, n, &e) || arg(&e, 0, &x)) return 1;
  return finish(&e, op2(&e, "mul", 1, op1(&e, "log", 0, x), t2n_nnef_v_float(1.0 / log(10.0))));
}

int t2n_lower_square(t2n_lower_ctx *c, t2n_node *n) {
  if (n->ninputs != 1) return t2n_lower_error(c, n, "aten::square takes one operand");
  return t2n_lower_binary(c, n, "mul", n->inputs[0], n->inputs[0]);
}

/* bitwise_not: logical not of a bool tensor, tract_core_bitnot of ints. */
int t2n_lower_bitwise_not(t2n_lower_ctx *c, t2n_node *n) {
  expr e;
  t2n_nnef_value x;
  if (begin(c, n, &e) || arg(&e, 0, &x)) return 1;
  if (is_float_dt(e.dt)) return t2n_lower_error(c, n, "aten::bitwise_not of a float tensor");
  return finish(&e, op1(&e, e.dt == T2N_DT_BOOL ? "not" : "tract_core_bitnot", 1, x));
}

/* ---- binary ---- */
int t2n_lower_minimum(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_binary(c, n, "min", n->inputs[0], n->inputs[1]); }
int t2n_lower_maximum(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_binary(c, n, "max", n->inputs[0], n->inputs[1]); }
int t2n_lower_clamp_min(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_binary(c, n, "max", n->inputs[0], n->inputs[1]); }
int t2n_lower_clamp_max(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_binary(c, n, "min", n->inputs[0], n->inputs[1]); }

/* a / b rounded toward zero (trunc) or down (floor), in the result dtype. */
static int divide(t2n_lower_ctx *c, t2n_node *n, int floor_mode) {
  expr e;
  t2n_nnef_value a, b;
  if (begin(c, n, &e) || arg(&e, 0, &a) || arg(&e, 1, &b)) return 1;
  if (is_float_dt(e.dt)) {
    t2n_nnef_value q = op2(&e, "div", 0, a, b);
    return finish(&e, floor_mode ? op1(&e, "floor", 1, q) : trunc_f(&e, 1, q));
  }
  t2n_nnef_value q = op2(&e, "div", !floor_mode, a, b);
  if (!floor_mode) return finish(&e, q);
  /* r = a - q*b; q - 1 where r and b have opposite signs (r*b < 0). */
  t2n_nnef_value r = op2(&e, "sub", 0, a, op2(&e, "mul", 0, q, b));
  t2n_nnef_value fix = cmp(&e, "lt", op2(&e, "mul", 0, r, b), zero(&e));
  return finish(&e, sel(&e, 1, fix, op2(&e, "sub", 0, q, one(&e)), q));
}

int t2n_lower_div_rounding(t2n_lower_ctx *c, t2n_node *n) {
  t2n_ival iv;
  if (!t2n_lower_const(c, n->inputs[2], &iv) || iv.kind != T2N_IV_STR)
    return t2n_lower_error(c, n, "the rounding_mode of aten::div must be a constant string");
  if (strcmp(iv.s, "floor") == 0) return divide(c, n, 1);
  if (strcmp(iv.s, "trunc") == 0) return divide(c, n, 0);
  return t2n_lower_error(c, n, "aten::div with rounding_mode '%s' (torch knows 'floor' and 'trunc')", iv.s);
}

int t2n_lower_floor_divide(t2n_lower_ctx *c, t2n_node *n) { return divide(c, n, 1); }

/* fmod: a - trunc(a/b)*b, the sign of a; remainder (Python's %): fmod
 * plus b where the result and b have opposite signs, the sign of b. */
static int modulo(t2n_lower_ctx *c, t2n_node *n, int python) {
  expr e;
  t2n_nnef_value a, b;
  if (begin(c, n, &e) || arg(&e, 0, &a) || arg(&e, 1, &b)) return 1;
  t2n_nnef_value q = op2(&e, "div", 0, a, b);
  if (is_float_dt(e.dt)) q = trunc_f(&e, 0, q);
  t2n_nnef_value r = op2(&e, "sub", !python, a, op2(&e, "mul", 0, q, b));
  if (!python) return finish(&e, r);
  t2n_nnef_value fix = cmp(&e, "lt", op2(&e, "mul", 0, r, b), zero(&e));
  return finish(&e, sel(&e, 1, fix, op2(&e, "add", 0, r, b), r));
}

int t2n_lower_remainder(t2n_lower_ctx *c, t2n_node *n) { return modulo(c, n, 1); }
int t2n_lower_fmod(t2n_lower_ctx *c, t2n_node *n) { return modulo(c, n, 0); }

/* masked_fill(x, mask, value): select(mask, value, x); value a number or
 * a 0-dim tensor. */
int t2n_lower_masked_fill(t2n_lower_ctx *c, t2n_node *n) {
  expr e;
  t2n_nnef_value m, v, x;
  if (n->ninputs != 3 || begin(c, n, &e) ||
      t2n_lower_operand(c, n, n->inputs[1], T2N_DT_BOOL, e.rank, &m) || arg(&e, 2, &v) || arg(&e, 0, &x))
    return 1;
  return finish(&e, sel(&e, 1, m, v, x));
}

/* triu / tril: select(mask, x, 0), the mask a bool variable of x's last two
 * sizes [R, C] (leading dims 1, broadcast): element (i, j) is kept when
 * j - i >= diagonal (triu) or j - i <= diagonal (tril). A select, not a
 * multiply by 0/1: a causal mask of -inf would become NaN. */
static int triangle(t2n_lower_ctx *c, t2n_node *n, int upper) {
  expr e;
  int64_t diag = 0;
  if (begin(c, n, &e)) return 1;
  if (e.rank < 2) return t2n_lower_error(c, n, "%s of a tensor of fewer than 2 dims", n->kind);
  if (n->ninputs > 1 && !t2n_lower_const_int(c, n->inputs[1], &diag))
    return t2n_lower_error(c, n, "%s needs a constant diagonal", n->kind);
  int64_t rows = e.sizes[e.rank - 2], cols = e.sizes[e.rank - 1], sizes[T2N_MAX_RANK];
  if (rows < 0 || cols < 0) return t2n_lower_error(c, n, "%s needs static sizes for its last two dims", n->kind);
  for (int i = 0; i < e.rank; i++) sizes[i] = i < e.rank - 2 ? 1 : e.sizes[i];
  size_t nb = (size_t)rows * (size_t)cols;
  unsigned char *keep = t2n_xmalloc(nb ? nb : 1);
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < cols; j++) keep[i * cols + j] = upper ? j - i >= diag : j - i <= diag;
  t2n_nnef_tid mask = t2n_lower_variable_copy(c, upper ? "triu_mask" : "tril_mask", T2N_DT_BOOL, e.rank, sizes,
                                              keep, nb);
  free(keep);
  t2n_nnef_value x;
  if (arg(&e, 0, &x)) return 1;
  return finish(&e, sel(&e, 1, t2n_nnef_v_tensor(mask), x, zero(&e)));
}
int t2n_lower_triu(t2n_lower_ctx *c, t2n_node *n) { return triangle(c, n, 1); }
int t2n_lower_tril(t2n_lower_ctx *c, t2n_node *n) { return triangle(c, n, 0); }
