/* Lowerings of elementwise aten ops: arithmetic with tensors and scalars,
 * unary math, activations, comparisons, logic and where.
 *
 * Every operand is brought to the NNEF form tract computes with: a tensor
 * is cast to the dtype torch computes in (the result dtype for arithmetic,
 * the promoted operand dtype for comparisons) and unsqueezed on the left to
 * the result's rank (tract broadcasts left-aligned: [2,3] + [3] fails, so
 * it gets [1,3]); a scalar is a literal of that dtype. */
#include <math.h>
#include <string.h>

#include "t2n/nnef.h"

static int is_float_dt(t2n_dtype dt) {
  return dt == T2N_DT_FLOAT32 || dt == T2N_DT_FLOAT16 || dt == T2N_DT_FLOAT64 || dt == T2N_DT_BFLOAT16;
}

/* v as an operand computed in dtype dt at rank `rank`. */
static int operand(t2n_lower_ctx *c, t2n_node *n, const t2n_value *v, t2n_dtype dt, int rank, t2n_nnef_value *out) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  if (!t2n_type_is_tensor(v->type) && !t2n_lower_is_bound(c, v)) {
    t2n_ival iv;
    if (!t2n_lower_const(c, v, &iv) || (iv.kind != T2N_IV_INT && iv.kind != T2N_IV_FLOAT && iv.kind != T2N_IV_BOOL))
      return t2n_lower_error(c, n, "operand %%%s of %s is not a tensor or a known number", v->name, n->kind);
    double x = iv.kind == T2N_IV_FLOAT ? iv.f : (double)iv.i;
    if (dt == T2N_DT_BOOL) *out = t2n_nnef_v_bool(x != 0);
    else if (is_float_dt(dt)) *out = t2n_nnef_v_float(x);
    else *out = t2n_nnef_v_tensor(t2n_lower_int_literal(c, dt, rank, (int64_t)x));
    return 0;
  }
  t2n_nnef_tid t = t2n_lower_tensor(c, v, n);
  if (t < 0) return 1;
  t = t2n_lower_cast(c, t, dt);
  t = t2n_lower_broadcast_rank(c, t, rank);
  (void)g;
  *out = t2n_nnef_v_tensor(t);
  return 0;
}

static t2n_nnef_op *emit(t2n_lower_ctx *c, const char *kind, t2n_nnef_tid out, int nargs, const t2n_nnef_value *args) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  t2n_nnef_op *op = t2n_nnef_op_new(g, kind, 1);
  op->outputs[0] = out;
  for (int i = 0; i < nargs; i++) t2n_nnef_arg_value(g, op, NULL, args[i]);
  return op;
}

/* The dtype of value v for promotion (scalars: i64 / f32 / bool, marked weak). */
static t2n_dtype value_dtype(t2n_lower_ctx *c, const t2n_value *v, int *weak) {
  t2n_dtype dt = T2N_DT_UNKNOWN;
  int64_t sizes[T2N_MAX_RANK];
  *weak = 0;
  if (t2n_type_is_tensor(v->type) && t2n_lower_shape(c, v, &dt, sizes) >= 0) return dt;
  *weak = 1;
  if (t2n_type_is(v->type, "float")) return T2N_DT_FLOAT32;
  if (t2n_type_is(v->type, "bool")) return T2N_DT_BOOL;
  return T2N_DT_INT64;
}

/* The dtype torch compares a and b in (its type promotion, simplified to
 * the dtypes tract holds: a float anywhere wins, a tensor over a scalar). */
static t2n_dtype compare_dtype(t2n_lower_ctx *c, const t2n_value *a, const t2n_value *b) {
  int wa, wb;
  t2n_dtype da = value_dtype(c, a, &wa), db = value_dtype(c, b, &wb);
  if (is_float_dt(da) && !wa) return da;
  if (is_float_dt(db) && !wb) return db;
  if (is_float_dt(da) || is_float_dt(db)) return T2N_DT_FLOAT32;
  if (!wa) return da;
  if (!wb) return db;
  return da;
}

/* out = a OP b, with an optional alpha multiplying b (add/sub/rsub). */
static int binary(t2n_lower_ctx *c, t2n_node *n, const char *kind, const t2n_value *a, const t2n_value *b,
                  const t2n_value *alpha) {
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  const t2n_nnef_tensor *ot = t2n_nnef_tensor_get(t2n_lower_graph(c), out);
  t2n_dtype dt = ot->dtype;
  int rank = ot->rank;
  const int64_t *osizes = ot->sizes;
  if (strcmp(kind, "eq") == 0 || strcmp(kind, "ne") == 0 || strcmp(kind, "lt") == 0 || strcmp(kind, "le") == 0 ||
      strcmp(kind, "gt") == 0 || strcmp(kind, "ge") == 0)
    dt = compare_dtype(c, a, b);
  if (strcmp(kind, "and") == 0 || strcmp(kind, "or") == 0) dt = T2N_DT_BOOL;
  t2n_nnef_value args[2];
  if (operand(c, n, a, dt, rank, &args[0]) || operand(c, n, b, dt, rank, &args[1])) return 1;
  if (alpha) {
    double al = 1;
    if (!t2n_lower_const_float(c, alpha, &al))
      return t2n_lower_error(c, n, "the alpha of %s must be a constant number", n->kind);
    if (al != 1) {
      t2n_nnef_value ma[2] = {args[1], is_float_dt(dt) ? t2n_nnef_v_float(al)
                                                        : t2n_nnef_v_tensor(t2n_lower_int_literal(c, dt, rank, (int64_t)al))};
      /* b * alpha has b's shape, or the result's when b is a scalar. */
      t2n_nnef_tid tmp = args[1].kind == T2N_NV_TENSOR
                             ? t2n_lower_temp(c, "scaled", dt, t2n_nnef_tensor_get(t2n_lower_graph(c), args[1].tensor)->rank,
                                              t2n_nnef_tensor_get(t2n_lower_graph(c), args[1].tensor)->sizes)
                             : -1;
      if (tmp < 0) {
        args[1] = is_float_dt(dt) ? t2n_nnef_v_float(al * ma[0].f) : t2n_nnef_v_int((int64_t)al * ma[0].i);
      } else {
        emit(c, "mul", tmp, 2, ma);
        args[1] = t2n_nnef_v_tensor(tmp);
      }
    }
  }
  (void)osizes;
  if (strcmp(kind, "mul") == 0 && args[0].kind == T2N_NV_TENSOR && args[1].kind == T2N_NV_TENSOR &&
      args[0].tensor == args[1].tensor && !is_float_dt(dt) && dt != T2N_DT_BOOL) {
    /* tract rewrites mul(x, x) into its Square op, which has no integer
     * kernel (a run-time error): the second operand becomes a value tract
     * does not see as x, bitnot(bitnot(x)), exact for every integer. */
    const t2n_nnef_tensor *xt = t2n_nnef_tensor_get(t2n_lower_graph(c), args[1].tensor);
    t2n_nnef_tid t1 = t2n_lower_temp(c, "not_x", dt, xt->rank, xt->sizes);
    t2n_lower_emit1(c, "tract_core_bitnot", t1, args[1].tensor);
    t2n_nnef_tid t2 = t2n_lower_temp(c, "same_x", dt, xt->rank, xt->sizes);
    t2n_lower_emit1(c, "tract_core_bitnot", t2, t1);
    args[1] = t2n_nnef_v_tensor(t2);
  }
  emit(c, kind, out, 2, args);
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

int t2n_lower_binary(t2n_lower_ctx *c, t2n_node *n, const char *kind, const t2n_value *a, const t2n_value *b) {
  return binary(c, n, kind, a, b, NULL);
}

static int arity(t2n_lower_ctx *c, t2n_node *n, int lo, int hi) {
  if (n->ninputs < lo || n->ninputs > hi || n->noutputs != 1)
    return t2n_lower_error(c, n, "%s with %d operands is not a form t2n-export lowers", n->kind, n->ninputs);
  return 0;
}

int t2n_lower_add(t2n_lower_ctx *c, t2n_node *n) {
  if (arity(c, n, 2, 3)) return 1;
  return binary(c, n, "add", n->inputs[0], n->inputs[1], n->ninputs > 2 ? n->inputs[2] : NULL);
}
int t2n_lower_sub(t2n_lower_ctx *c, t2n_node *n) {
  if (arity(c, n, 2, 3)) return 1;
  return binary(c, n, "sub", n->inputs[0], n->inputs[1], n->ninputs > 2 ? n->inputs[2] : NULL);
}
int t2n_lower_rsub(t2n_lower_ctx *c, t2n_node *n) { /* other - alpha * self */
  if (arity(c, n, 2, 3)) return 1;
  return binary(c, n, "sub", n->inputs[1], n->inputs[0], n->ninputs > 2 ? n->inputs[2] : NULL);
}
int t2n_lower_mul(t2n_lower_ctx *c, t2n_node *n) {
  if (arity(c, n, 2, 2)) return 1;
  return binary(c, n, "mul", n->inputs[0], n->inputs[1], NULL);
}
int t2n_lower_div(t2n_lower_ctx *c, t2n_node *n) {
  if (arity(c, n, 2, 3)) return 1;
  if (n->ninputs == 3 && !t2n_lower_is_none(c, n->inputs[2])) return t2n_lower_div_rounding(c, n);
  return binary(c, n, "div", n->inputs[0], n->inputs[1], NULL);
}

#define CMP(name)                                                                                                \
  int t2n_lower_##name(t2n_lower_ctx *c, t2n_node *n) {                                                          \
    if (arity(c, n, 2, 2)) return 1;                                                                             \
    return binary(c, n, #name, n->inputs[0], n->inputs[1], NULL);                                                \
  }
CMP(eq) CMP(ne) CMP(lt) CMP(le) CMP(gt) CMP(ge)
#undef CMP

int t2n_lower_logical_and(t2n_lower_ctx *c, t2n_node *n) {
  if (arity(c, n, 2, 2)) return 1;
  return binary(c, n, "and", n->inputs[0], n->inputs[1], NULL);
}
int t2n_lower_logical_or(t2n_lower_ctx *c, t2n_node *n) {
  if (arity(c, n, 2, 2)) return 1;
  return binary(c, n, "or", n->inputs[0], n->inputs[1], NULL);
}

/* out = kind(x), x cast to dt (the result dtype unless given). */
static int unary(t2n_lower_ctx *c, t2n_node *n, const char *kind, t2n_dtype in_dt) {
  if (arity(c, n, 1, 1)) return 1;
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  const t2n_nnef_tensor *ot = t2n_nnef_tensor_get(t2n_lower_graph(c), out);
  t2n_nnef_value x;
  if (operand(c, n, n->inputs[0], in_dt == T2N_DT_UNKNOWN ? ot->dtype : in_dt, ot->rank, &x)) return 1;
  emit(c, kind, out, 1, &x);
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

#define UNARY(name, nnef)                                                                                        \
  int t2n_lower_##name(t2n_lower_ctx *c, t2n_node *n) { return unary(c, n, nnef, T2N_DT_UNKNOWN); }
UNARY(neg, "neg") UNARY(abs, "abs") UNARY(exp, "exp") UNARY(log, "log") UNARY(sqrt, "sqrt") UNARY(rsqrt, "rsqrt")
UNARY(relu, "relu") UNARY(sigmoid, "sigmoid") UNARY(tanh, "tanh")
#undef UNARY

int t2n_lower_logical_not(t2n_lower_ctx *c, t2n_node *n) { return unary(c, n, "not", T2N_DT_BOOL); }

int t2n_lower_pow(t2n_lower_ctx *c, t2n_node *n) {
  if (arity(c, n, 2, 2)) return 1;
  double e;
  const t2n_value *x = n->inputs[0], *y = n->inputs[1];
  if (t2n_type_is_tensor(x->type) && !t2n_type_is_tensor(y->type) && t2n_lower_const_float(c, y, &e) && e == 2) {
    /* x * x is exact where pow goes through exp/log in some backends. */
    return binary(c, n, "mul", x, x, NULL);
  }
  return binary(c, n, "pow", x, y, NULL);
}

/* clamp(x, min, max): max(x, min) then min(., max); None bounds skipped. */
int t2n_lower_clamp(t2n_lower_ctx *c, t2n_node *n) {
  if (arity(c, n, 2, 3)) return 1;
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  t2n_nnef_graph *g = t2n_lower_graph(c);
  const t2n_nnef_tensor *ot = t2n_nnef_tensor_get(g, out);
  t2n_dtype dt = ot->dtype;
  int rank = ot->rank;
  int64_t sizes[T2N_MAX_RANK];
  memcpy(sizes, ot->sizes, sizeof sizes);
  t2n_nnef_value cur;
  if (operand(c, n, n->inputs[0], dt, rank, &cur)) return 1;
  const t2n_value *lo = n->inputs[1], *hi = n->ninputs > 2 ? n->inputs[2] : NULL;
  int has_lo = !t2n_lower_is_none(c, lo), has_hi = hi && !t2n_lower_is_none(c, hi);
  if (!has_lo && !has_hi) return t2n_lower_error(c, n, "aten::clamp needs at least one bound");
  if (has_lo) {
    t2n_nnef_value a[2] = {cur, {0}};
    if (operand(c, n, lo, dt, rank, &a[1])) return 1;
    t2n_nnef_tid t = has_hi ? t2n_lower_temp(c, "clamp_lo", dt, rank, sizes) : out;
    emit(c, "max", t, 2, a);
    cur = t2n_nnef_v_tensor(t);
  }
  if (has_hi) {
    t2n_nnef_value a[2] = {cur, {0}};
    if (operand(c, n, hi, dt, rank, &a[1])) return 1;
    emit(c, "min", out, 2, a);
  }
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

/* where(cond, a, b): NNEF select. */
int t2n_lower_where(t2n_lower_ctx *c, t2n_node *n) {
  if (n->ninputs != 3) return t2n_lower_error(c, n, "only the three-argument aten::where is lowered");
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  const t2n_nnef_tensor *ot = t2n_nnef_tensor_get(t2n_lower_graph(c), out);
  t2n_dtype dt = ot->dtype;
  int rank = ot->rank;
  t2n_nnef_value a[3];
  if (operand(c, n, n->inputs[0], T2N_DT_BOOL, rank, &a[0]) || operand(c, n, n->inputs[1], dt, rank, &a[1]) ||
      operand(c, n, n->inputs[2], dt, rank, &a[2]))
    return 1;
  emit(c, "select", out, 3, a);
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

int t2n_lower_operand(t2n_lower_ctx *c, t2n_node *n, const t2n_value *v, t2n_dtype dt, int rank, t2n_nnef_value *out) {
  return operand(c, n, v, dt, rank, out);
}
