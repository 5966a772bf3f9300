/* Compile-time values (lib/Analysis): what the native evaluator, the
 * folding passes and shape inference know about a value. */
#ifndef T2N_EVAL_H
#define T2N_EVAL_H

#include "t2n/ir.h"
#include "t2n/limits.h"

typedef enum {
  T2N_IV_UNKNOWN, T2N_IV_NONE, T2N_IV_BOOL, T2N_IV_INT, T2N_IV_FLOAT, T2N_IV_STR,
  T2N_IV_LIST, T2N_IV_TUPLE, T2N_IV_DEVICE, T2N_IV_TENSOR
} t2n_ival_kind;

typedef struct t2n_ival {
  t2n_ival_kind kind;
  int64_t i;                 /* BOOL (0/1), INT */
  double f;                  /* FLOAT */
  const char *s;             /* STR (unescaped), DEVICE ("cpu") */
  size_t slen;
  int n;                     /* LIST, TUPLE: element count */
  struct t2n_ival *elems;    /* arena-allocated */
  /* TENSOR: what is known of its metadata (no data) */
  t2n_dtype dtype;
  int rank;                  /* -1 unknown */
  int64_t sizes[T2N_MAX_RANK]; /* -1 unknown */
  const char *key;           /* TENSOR read from tensor("KEY", ...): its weights key */
  size_t keylen;
} t2n_ival;

/* The value of `v` when it is a compile-time constant: a prim::Constant of
 * None/bool/int/float/str/device, or a prim::ListConstruct /
 * prim::TupleConstruct of such constants. Returns 1 and fills *out, else 0. */
int t2n_constant_value(t2n_module *m, const t2n_value *v, t2n_ival *out);
/* True when `t` is bool/int/float/str/None or a list/optional/tuple of them. */
int t2n_type_is_primitive(const t2n_type *t);
/* Inserts a prim::Constant for a scalar ival (None/bool/int/float/str)
 * before `pos`, typed like `like` when given. NULL if the kind is not scalar. */
t2n_value *t2n_insert_ival(t2n_graph *g, t2n_node *pos, const t2n_ival *iv, const t2n_type *like);

/* ---- the native evaluator (lib/Analysis/evaluate.c) ----
 * Values are computed from the facts of shape inference (t2n/shape.h): sizes,
 * dtypes and devices of tensors, constants, and the scalar arithmetic,
 * comparisons and list/tuple operations on them. Nothing reads tensor data:
 * a value that needs it is unknown. */
typedef struct t2n_shape_facts t2n_shape_facts;

/* The value of `v` (bool/int/float/str/None/device/dtype, or a list/tuple of
 * them) under the facts `f` (from t2n_shape_infer over v's graph). Returns 1
 * and fills *out when it is known completely; else 0 with out->kind
 * T2N_IV_UNKNOWN (t2n_shape_explain says why). A prim::Constant (or a list of
 * them) inserted after the facts were computed is read directly. *out points
 * into memory owned by `f`. */
int t2n_eval(const t2n_shape_facts *f, const t2n_value *v, t2n_ival *out);

void t2n_ival_set_unknown(t2n_ival *v);
/* No UNKNOWN anywhere in it, and not a tensor. */
int t2n_ival_is_complete(const t2n_ival *v);
/* Python equality: 1 equal, 0 not, -1 unknown (an unknown part, or a tensor). */
int t2n_ival_equal(const t2n_ival *a, const t2n_ival *b);
/* Python truth value: 1, 0, or -1 when unknown. */
int t2n_ival_truth(const t2n_ival *v);

/* Scalar operations with TorchScript semantics. The shape-inference op table
 * (lib/Analysis/shape/) maps aten/prim kinds onto these. */
typedef enum {
  T2N_SOP_ADD, T2N_SOP_SUB, T2N_SOP_MUL, T2N_SOP_DIV, T2N_SOP_FLOORDIV,
  T2N_SOP_MOD, T2N_SOP_POW, T2N_SOP_MIN, T2N_SOP_MAX, T2N_SOP_AND, T2N_SOP_OR,
  T2N_SOP_XOR, T2N_SOP_LSHIFT, T2N_SOP_RSHIFT, T2N_SOP_EQ, T2N_SOP_NE,
  T2N_SOP_LT, T2N_SOP_LE, T2N_SOP_GT, T2N_SOP_GE, T2N_SOP_ATAN2,
  /* unary */
  T2N_SOP_NEG, T2N_SOP_ABS, T2N_SOP_NOT, T2N_SOP_BOOL, T2N_SOP_INT,
  T2N_SOP_FLOAT, T2N_SOP_FLOOR, T2N_SOP_CEIL, T2N_SOP_ROUND, T2N_SOP_TRUNC,
  T2N_SOP_SQRT, T2N_SOP_EXP, T2N_SOP_LOG, T2N_SOP_LOG2, T2N_SOP_LOG10,
  T2N_SOP_SIN, T2N_SOP_COS, T2N_SOP_TAN, T2N_SOP_TANH, T2N_SOP_ATAN,
  T2N_SOP_STR_LEN
} t2n_scalar_op;
/* Applies a binary op to two known scalars (or lists/strings for ADD, MUL,
 * comparisons). `out_type` (may be NULL) is the declared result type: the
 * result is converted to it when it is int/float/bool. Returns 1 when the
 * result is known; 0 (out unknown) for unknown operands, a raise (division
 * by zero, ...) or an unsupported combination. `a` is the arena for list
 * results (may be NULL when none are built). */
int t2n_scalar_binary(t2n_arena *a, t2n_scalar_op op, const t2n_ival *x, const t2n_ival *y,
                      const t2n_type *out_type, t2n_ival *out);
int t2n_scalar_unary(t2n_scalar_op op, const t2n_ival *x, const t2n_type *out_type, t2n_ival *out);

/* ---- torch literals (lib/Analysis/literal.c, the one reader of them) ----
 * Parses a value in torch's literal syntax (attribute values, module-text
 * fields): None, True/False, ints, floats, strings, [lists], (tuples),
 * torch.device("cpu"), annotate(List[int], [...]) and tensor("KEY", TYPE)
 * (a tensor fact: dtype and sizes of TYPE, contiguous on cpu, and `key`;
 * tensor("KEY") alone has rank -1). `ty` (may be NULL) is the declared type:
 * an int literal typed bool or float becomes one. Allocates in `a`. Returns
 * 1 when the whole text was understood. */
int t2n_ival_parse_literal(t2n_module *m, t2n_arena *a, const char *raw, const t2n_type *ty,
                           t2n_ival *out);
/* The tensor type a TENSOR literal declares (plain Tensor when its dtype or
 * rank is unknown). */
const t2n_type *t2n_ival_tensor_type(t2n_module *m, const t2n_ival *iv);
/* Short human-readable rendering for remarks ("[1, 576]", "Float(1, 576)"). */
void t2n_ival_format(const t2n_ival *v, char *buf, size_t n);

#endif
