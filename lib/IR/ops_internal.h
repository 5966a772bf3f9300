/* The parsed op table, shared by lib/IR/ops.c and the mutation analysis of
 * lib/IR/alias.c (not part of the public API: include/t2n/ops.h is). */
#ifndef T2N_IR_OPS_INTERNAL_H
#define T2N_IR_OPS_INTERNAL_H

#include "t2n/ops.h"

#define T2N_OP_MAX_TOKENS 8 /* writes or aliases entries in one row */

typedef struct t2n_op_write {
  int idx;      /* input index, -1 for every input */
  unsigned cls; /* T2N_MUT_* */
} t2n_op_write;

typedef enum {
  T2N_AL_SAME,           /* rK=aI */
  T2N_AL_FROM_CONTAINER, /* rK=* */
  T2N_AL_ESCAPES         /* aI=* */
} t2n_op_alias_kind;

typedef struct t2n_op_alias {
  t2n_op_alias_kind kind;
  int out, in; /* -1: every one ('*'), or unused */
} t2n_op_alias;

typedef struct t2n_op_sig {
  int nargs, vararg, nrets;
  unsigned effects;
  int nwrites, naliases, alias_any;
  t2n_op_write writes[T2N_OP_MAX_TOKENS];
  t2n_op_alias aliases[T2N_OP_MAX_TOKENS];
} t2n_op_sig;

/* The overloads of n's kind: *out, *count. Returns 0 for an unknown kind,
 * 1 when some overload fits n's argument count (use only those:
 * t2n_op_sig_fits), 2 when none does (use them all). */
int t2n_op_sigs(const t2n_node *n, const t2n_op_sig **out, int *count);
int t2n_op_sig_fits(const t2n_op_sig *s, const t2n_node *n);

#endif
