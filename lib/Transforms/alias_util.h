/* Private helpers of the export-preparation passes (-functionalize-inplace,
 * -strip-inference-noops): which uses of a tensor may alias or mutate it, and
 * the alias class of a tensor (not part of the public API).
 *
 * The op knowledge (which ops are views, which are in place and what their
 * pure forms are, which read strides) is the op table's (include/t2n/ops.def);
 * these helpers only walk storage with it. */
#ifndef T2N_TRANSFORMS_ALIAS_UTIL_H
#define T2N_TRANSFORMS_ALIAS_UTIL_H

#include "t2n/ir.h"

/* How node u uses its input `index`, as far as tensor storage goes. */
typedef enum {
  T2N_AU_READ,    /* reads it; u's outputs are fresh or cannot hold a tensor */
  T2N_AU_VIEW,    /* u's outputs may share its storage (views, ops that may return their input) */
  T2N_AU_MUTATE,  /* writes it in place (first operand of an in-place op); u's output is it */
  T2N_AU_CONTAIN, /* stores it in the container u returns (ListConstruct, TupleConstruct) */
  T2N_AU_EXTRACT, /* u takes elements out of it (a container): ListUnpack, __getitem__, ... */
  T2N_AU_RETURN,  /* the graph's own return: read at the very end */
  T2N_AU_ESCAPE   /* anything not followed: calls, python ops, SetAttr, loops, list mutators,
                   * a nested block's return (an If/Loop output aliases it) */
} t2n_au_use;

t2n_au_use t2n_au_classify(const t2n_node *u, int index);

/* The pure op of an in-place op whose pure form takes the same arguments and
 * gives the values the in-place op writes ("aten::relu" for "aten::relu_",
 * "aten::copy" for "aten::copy_"), interned in m; NULL when n is not one. */
const char *t2n_au_pure_form(t2n_module *m, const t2n_node *n);

/* True when u's result depends on the strides of its input (as_strided,
 * stride, is_contiguous), not only on its values. */
int t2n_au_reads_strides(const t2n_node *u);

/* True when the pure form gives a tensor of its first operand's dtype and
 * sizes whatever the other operands are (aten::copy), so no shape facts are
 * needed to check it. */
int t2n_au_pure_keeps_operand_type(const char *pure);

/* The tensor v is a view or in-place result of: follows VIEW and MUTATE
 * definitions back through input 0. */
t2n_value *t2n_au_base(t2n_value *v);

/* A node whose outputs are new tensors this graph run made (not a view, not
 * in place, not a constant, a graph input or a value taken out of a
 * container): mutating them is visible only through their own uses. */
int t2n_au_makes_fresh(const t2n_node *def);

/* The values that may share storage with `from` (from included), found by
 * following VIEW, MUTATE, CONTAIN and EXTRACT uses forward, never through
 * the node `stop` (may be NULL). escape / mutate (when given) receive the
 * first ESCAPE / MUTATE user met, or NULL. Returns the count; *out (malloc'd,
 * caller frees) holds the values. */
int t2n_au_closure(t2n_value *from, const t2n_node *stop, t2n_value ***out, const t2n_node **escape,
                   const t2n_node **mutate);

/* True when no value that may share storage with v is written in place or
 * escapes anywhere in v's graph: the closure of v's base when the base is
 * fresh or a graph input (inputs are taken not to share storage with each
 * other); otherwise (a constant, an attribute, a list element, a block
 * parameter) the whole graph must be free of mutations and escapes. *why (when given) names the node
 * that prevents it. */
int t2n_au_never_mutated(t2n_graph *g, t2n_value *v, const t2n_node **why);

#endif
