/* Compile-time values (lib/Analysis): what the native evaluator, the
 * folding passes and shape inference know about a value. */
#ifndef T2N_EVAL_H
#define T2N_EVAL_H

#include "t2n/ir.h"

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
  int64_t sizes[8];          /* -1 unknown */
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

#endif
