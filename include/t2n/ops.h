/* Op facts and the mutation analysis built on them.
 *
 * The facts come from the op table, include/t2n/ops.def (docs/ops.md): each
 * node carries the id of its kind in t2n_node.op, set when the node is made
 * (t2n_node_new, the parser) or renamed (t2n_node_set_kind), so passes test
 *   n->op == T2N_OP_prim_If
 * rather than compare strings. Kinds the table does not know (and Python
 * ops) have id T2N_OP_UNKNOWN and are treated conservatively by every query
 * below: effects, every mutable input written, results aliasing inputs.
 *
 * An op kind can have several overloads (aten::add: add.Tensor, add.out,
 * ...) that graph text does not tell apart; a query takes the union of the
 * facts of the overloads whose argument count fits the node (TorchScript
 * passes every argument), or of all overloads when none fits. A written
 * input whose class does not fit its type (a list sort applied to a Tensor)
 * does not count. Immutable values (int, float, bool, str, None, Device, ...)
 * are never written. */
#ifndef T2N_OPS_H
#define T2N_OPS_H

#include "t2n/ir.h"

typedef enum {
  T2N_OP_UNKNOWN = 0,
#define T2N_OP(id, kind) T2N_OP_##id,
#include "t2n/ops.def"
  T2N_OP_COUNT
} t2n_op_id;

/* Effects (the `effects` column). */
enum {
  T2N_EFF_PURE = 0,
  T2N_EFF_SIDE = 1 << 0,   /* effect outside the graph: print, warn, profile */
  T2N_EFF_RAISE = 1 << 1,  /* exists to raise */
  T2N_EFF_STATE = 1 << 2,  /* writes module or global state */
  T2N_EFF_RANDOM = 1 << 3, /* nondeterministic, droppable when unused */
  T2N_EFF_BLOCKS = 1 << 4, /* effects are those of the nodes in its blocks */
  T2N_EFF_CALL = 1 << 5,   /* runs code the table does not describe */
  T2N_EFF_UNKNOWN = 1 << 6 /* not in the table */
};

/* Classes of in-place writes (the `writes` column). */
enum {
  T2N_MUT_TENSOR = 1 << 0, /* tensor data in place */
  T2N_MUT_LIST = 1 << 1,
  T2N_MUT_DICT = 1 << 2,
  T2N_MUT_ELEMS = 1 << 3,  /* the tensors a list holds */
  T2N_MUT_ANY = 1 << 4     /* a list, dict, tensor or object */
};

/* The id of an op kind ("aten::add"), T2N_OP_UNKNOWN when the table has no
 * row for it. */
int t2n_op_lookup(const char *kind);
/* The kind an id stands for ("prim::If"), NULL for T2N_OP_UNKNOWN. */
const char *t2n_op_name(int op);
/* Renames a node's kind, keeping its op id in step. */
void t2n_node_set_kind(t2n_node *n, const char *kind);

/* The or of the T2N_EFF_* of the node's own kind (not of its blocks). */
unsigned t2n_op_effects(const t2n_node *n);
/* Does running n do more than compute its outputs? True for effects other
 * than T2N_EFF_RANDOM, for any in-place write of an input, for unknown ops,
 * and for a node with blocks (If, Loop) when a node inside has effects. An
 * unused node without effects can be removed. */
int t2n_op_has_effects(const t2n_node *n);
/* The T2N_MUT_* classes in which n may write input i (0: it does not). */
unsigned t2n_op_mutates_input(const t2n_node *n, int i);
/* Does the table say the writes of n may change a tensor's shape? */
int t2n_op_reshapes(const t2n_node *n);
/* Does n's result depend on the strides of its first input, not only on its
 * values (T2N_OP_READS_STRIDES rows; true for unknown ops)? */
int t2n_op_reads_strides(const t2n_node *n);
/* The pure form of in-place op `op` (T2N_OP_PURE rows), T2N_OP_UNKNOWN when
 * it has none; *keeps_type (when given) receives the row's keeps_type. */
int t2n_op_pure_form(int op, int *keeps_type);
/* Does pure op `pure` give a tensor of its first operand's dtype and sizes
 * whatever the other operands are (keeps_type of its T2N_OP_PURE row)? */
int t2n_op_pure_keeps_type(int pure);
/* The input that output `out` is (or views): its index, -1 when none, or
 * T2N_OP_ALIAS_ANY when it may alias any input (unknown ops, calls). */
#define T2N_OP_ALIAS_ANY (-2)
int t2n_op_output_aliases(const t2n_node *n, int out);
/* Output `out` may be an element of a container (rK=*). */
int t2n_op_output_from_container(const t2n_node *n, int out);
/* Input i becomes reachable from a container (aI=*). */
int t2n_op_input_escapes(const t2n_node *n, int i);
/* Can a value of this type be changed in place (tensors, lists, dicts,
 * objects, unknown types), unlike int, float, str, None, Device, ...? */
int t2n_type_is_mutable(const t2n_type *t);

/* ---- the mutation analysis (lib/IR/alias.c) ----
 * One analysis of a graph answers "may this value, or an alias of it, be
 * changed in place": aliases are the If/Loop outputs and the values their
 * blocks return, loop-carried parameters, prim::unchecked_cast, in-place and
 * view results (rK=aI), two prim::GetAttr of one attribute of one object,
 * and the wildcard set of everything stored in or taken out of a container
 * (rK=*, aI=*: an element taken out of a list may be any element put in).
 * Calls whose callee the module text gives (prim::CallFunction through its
 * function constant, prim::CallMethod through its receiver's class) are
 * looked into: an argument is written when the callee writes its parameter.
 * Other calls and unknown ops write every mutable input.
 *
 * The answer is for the whole graph, not a point in it: a write anywhere
 * (before or after a use, or in a later iteration of a loop) counts. That is
 * what a fold needs (the value must be the same at every use) and never
 * misses a write. Values created after the analysis are unknown to it (and
 * reported as possibly written). */
typedef struct t2n_alias t2n_alias;
t2n_alias *t2n_alias_new(t2n_graph *g);
void t2n_alias_free(t2n_alias *a);
enum {
  T2N_ALIAS_DEEP = 1 << 0,  /* also writes to its elements or attributes */
  T2N_ALIAS_SHAPE = 1 << 1  /* only writes that can change a tensor's shape
                               or a container's length or contents (tensor
                               data writes by add_ and copy_ do not) */
};
/* A node that may write v (or an alias of it), NULL when none does. */
const t2n_node *t2n_alias_writer(const t2n_alias *a, const t2n_value *v, unsigned flags);
/* May x and y be one object (or alias one another)? */
int t2n_alias_may_alias(const t2n_alias *a, const t2n_value *x, const t2n_value *y);
/* One-shot: analyses the graph v belongs to, answers, frees. */
const t2n_node *t2n_value_writer(const t2n_value *v, unsigned flags);

#endif
