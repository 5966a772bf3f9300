/* Private helpers for the passes that walk a module: the inliners, -freeze
 * and -lift-state (not part of the public API). Class names and patterns are
 * in module_names.c, the object tree in module_tree.c, calls and inlining
 * in module_inline.c; field values are read by the one torch-literal reader
 * (t2n_ival_parse_literal, lib/Analysis/literal.c) and what mutates a value
 * is the op table's (t2n_value_writer, include/t2n/ops.h).
 *
 * Terms: the target graph's `self` is its first input when that input has a
 * class type. An attribute path is the chain of prim::GetAttr names from
 * `self` to a value, printed "self.a.b". The object tree is m->root (t2n
 * module text only); the root object is the receiver of the target graph. */
#ifndef T2N_TRANSFORMS_MODULE_UTIL_H
#define T2N_TRANSFORMS_MODULE_UTIL_H

#include "t2n/eval.h"
#include "t2n/ir.h"
#include "t2n/pass.h"

/* ---- class names ---- */
/* "__torch__.a.___torch_mangle_3.b.C" -> "a.b.C": drops a leading
 * "__torch__." and every "___torch_mangle_N." component. Arena string. */
const char *t2n_mu_demangle(t2n_module *m, const char *qualname);
/* The demangled name without its last component (the Python module path):
 * "a.b". Empty string for a name without dots. */
const char *t2n_mu_module_path(t2n_module *m, const char *qualname);
/* Does `pattern` cover the demangled qualified name `name`? A pattern is a
 * dotted prefix ("torch.nn" covers "torch.nn.modules.rnn.LSTM" but not
 * "torch.nnx.Y"), optionally with '*' globs ('*' matches any run of
 * characters, dots included: "vad.*.STFT", "*Block"); it covers a name when it
 * matches the whole name or a prefix of it that ends at a '.'. A leading
 * "__torch__." in the pattern is ignored. */
int t2n_mu_pattern_covers(const char *pattern, const char *name);
/* Is the class resolvable: its demangled name covered by "torch.nn" or by one
 * of opts->resolvable? *why (when given) names the pattern that matched. */
int t2n_mu_class_resolvable(t2n_module *m, const t2n_pass_options *opts, const char *qualname,
                            const char **why);

/* ---- receivers, attribute paths and the object tree ---- */
/* The graph's self input (input 0 of a class type), or NULL. */
t2n_value *t2n_mu_self(t2n_graph *g);
/* Follows the prim::GetAttr chain that defines v back to g's self input.
 * Returns the number of names (0 for self itself) and fills names[] (up to
 * max) outermost first; -1 when v is not such a chain. */
int t2n_mu_attr_chain(t2n_graph *g, const t2n_value *v, const char **names, int max);
/* "self.a.b" for v (prefix "self"), with `extra` appended as a last
 * component when not NULL. NULL when v is not a chain from self. */
const char *t2n_mu_attr_path(t2n_graph *g, const t2n_value *v, const char *extra);
/* The object of the tree that v refers to (m->root for self), or NULL. */
t2n_object *t2n_mu_object_of(t2n_graph *g, const t2n_value *v);
/* The class of a value: from its type's qualified name, else from the
 * object it refers to in the tree. NULL when neither is known. */
t2n_class *t2n_mu_class_of(t2n_graph *g, const t2n_value *v);
/* The class named by v's type alone (no object tree). */
t2n_class *t2n_mu_class_of_type(t2n_module *m, const t2n_value *v);

/* ---- calls ---- */
typedef struct t2n_mu_callee {
  t2n_graph *graph;       /* the callee's graph */
  const char *name;       /* "Class.method" or the function's qualified name */
  const char *qualname;   /* the receiver's class, or the function's name */
  int first_arg;          /* index of the first call input passed to the graph */
} t2n_mu_callee;
/* Finds the graph a prim::CallMethod or prim::CallFunction calls. A method is
 * looked up in the class of its receiver (t2n_mu_class_of). A function is
 * found by the short name of its `prim::Constant[name=...]`; when several
 * functions share that name, the one whose parameters match the arguments'
 * count and types best is taken. Returns 1, or 0 with *why set. */
int t2n_mu_find_callee(t2n_graph *g, t2n_node *call, t2n_mu_callee *out, const char **why);
/* Replaces the call by a copy of the callee's body (fresh value names), its
 * outputs by the callee's returned values. Receiver GetAttr chains and the
 * Function constant left unused are erased too. Returns 0 on success, -1
 * (changing nothing, *why set) when the arity does not match. */
int t2n_mu_inline_call(t2n_graph *g, t2n_node *call, const t2n_mu_callee *c, const char **why);
/* Does the callee's body, or any body it calls (transitively), contain a node
 * for which pred returns non-zero? Depth-limited. */
typedef int (*t2n_mu_node_pred)(t2n_graph *caller, t2n_node *n, void *arg);
int t2n_mu_body_contains(t2n_graph *callee, t2n_mu_node_pred pred, void *arg);
int t2n_mu_is_call(const t2n_node *n);
/* Decides whether to inline a call whose callee was found: 1 inline, 0 keep
 * (*why then says why, for the remark). */
typedef int (*t2n_mu_inline_pred)(t2n_pass_ctx *ctx, t2n_node *call, const t2n_mu_callee *c,
                                  const char **why, void *arg);
/* Inlines the calls of ctx->graph that pred accepts (NULL: all), round after round (the
 * calls in bodies inlined in one round are looked at in the next) until a
 * round changes nothing or max_rounds have run (then a warning). Each inlined
 * call is one rewrite; a call left alone gets one remark. Returns the number
 * of calls inlined. */
int t2n_mu_inline_rounds(t2n_pass_ctx *ctx, t2n_mu_inline_pred pred, void *arg, int max_rounds);

/* ---- misc ---- */
/* Erases v's defining node when it is an unused prim::GetAttr or
 * prim::Constant, then its receiver the same way, up the chain. */
void t2n_mu_erase_dead_chain(t2n_value *v);
/* "file.py:12:3" from a node's source comment, else "line N", else "?". */
const char *t2n_mu_where(t2n_module *m, const t2n_node *n);

#endif
