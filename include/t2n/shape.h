/* Native shape inference (lib/Analysis/shape/).
 *
 * One forward pass over a graph computes a fact (a t2n_ival) for every value
 * it reaches: for tensors the dtype, rank, sizes, strides and device; for
 * scalars, lists and tuples the value where it is derivable (aten::size,
 * aten::dim, aten::len, arithmetic on ints, prim::ListConstruct, ...). Graph
 * inputs get their facts from the example inputs (t2n_example_for), a
 * complete tensor type on an input stands in for a missing example, and a
 * class-typed `self` of a t2n module text is the root object, so prim::GetAttr
 * chains read the object tree (tensor attributes give their dtype and sizes,
 * int/bool/list attributes their value) unless the module writes an
 * attribute of that name with prim::SetAttr.
 *
 * Each aten/prim op kind maps to one rule in a single table, lib/Analysis/shape/rules.def (the
 * only place that says what an op does to shapes); in-place aten ops without
 * a rule keep their first input's facts, anything else without a rule is
 * unknown. prim::If takes the branch its condition selects when that is
 * known, else both branches are inferred and their outputs joined (a value
 * in a branch not taken stays unknown); prim::Loop infers its body with the
 * loop-carried facts joined until they stop changing (never unrolled);
 * prim::CallFunction / prim::CallMethod of a graph in the module are inferred
 * per call site.
 *
 * Conventions for T2N_IV_TENSOR facts: dtype T2N_DT_UNKNOWN, rank -1 and
 * sizes -1 mean unknown; `s` is the device ("cpu") or NULL; the strides are
 * read with t2n_fact_strides; n == 1 marks a 0-dim tensor whose value is
 * known without reading data (prim::NumToTensor of a size, and arithmetic on
 * such tensors, as traced graphs do), held in `i` and `f`. A list or tuple
 * fact may hold unknown elements (a size() with one unknown dimension).
 * Lists modified in place (append, __setitem__, a callee that modifies its
 * parameter) and tensors whose shape is changed in place (unsqueeze_, ...)
 * are unknown. */
#ifndef T2N_SHAPE_H
#define T2N_SHAPE_H

#include "t2n/eval.h"
#include "t2n/pass.h"

typedef struct t2n_shape_facts t2n_shape_facts;

/* Infers facts for graph g of module m under opts' examples (opts may be
 * NULL). Never fails; free the result with t2n_shape_facts_free. */
t2n_shape_facts *t2n_shape_infer(t2n_module *m, t2n_graph *g, const t2n_pass_options *opts);
void t2n_shape_facts_free(t2n_shape_facts *f);

/* The fact of v; kind T2N_IV_UNKNOWN when nothing is known or v was not
 * reached. Never NULL; valid as long as f. */
const t2n_ival *t2n_shape_get(const t2n_shape_facts *f, const t2n_value *v);
/* The module object v refers to (self, a GetAttr of a submodule), or NULL. */
const t2n_object *t2n_shape_object(const t2n_shape_facts *f, const t2n_value *v);
/* 0 when v sits in a branch the examples do not take (or a loop body that
 * never runs), 1 otherwise. */
int t2n_shape_reached(const t2n_shape_facts *f, const t2n_value *v);

/* Why v is not completely known, as one line for a remark. */
typedef enum {
  T2N_WHY_KNOWN,        /* it is known */
  T2N_WHY_TENSOR_DATA,  /* it depends on the contents of a tensor */
  T2N_WHY_NO_EXAMPLE,   /* a graph input without an example */
  T2N_WHY_NO_RULE,      /* an op shape inference has no rule for */
  T2N_WHY_NOT_REACHED,  /* in a branch the examples do not take */
  T2N_WHY_OTHER         /* a module attribute written by the graph, a loop, ... */
} t2n_why;
t2n_why t2n_shape_explain(const t2n_shape_facts *f, const t2n_value *v, char *buf, size_t n);

/* Tensor-fact helpers. */
const char *t2n_fact_device(const t2n_ival *iv);
int t2n_fact_strides(const t2n_ival *iv, int64_t strides[T2N_MAX_RANK]); /* 1 when known */
/* dtype, rank and every size known. */
int t2n_fact_tensor_complete(const t2n_ival *iv);
/* The complete type torch prints for a complete tensor fact
 * (Float(1, 576, strides=[576, 1], requires_grad=0, device=cpu)); NULL when
 * the fact is not complete. */
const t2n_type *t2n_fact_tensor_type(t2n_module *m, const t2n_ival *iv);

/* Operands the rules saw that torch would refuse (a conv given the wrong
 * channel count, matmul or linear with mismatched inner sizes, cat or an
 * elementwise op with shapes that do not fit, a reshape to a size the
 * elements cannot fill): each reported as an error at its node's source
 * location, with the op and the shapes. Returns their number. */
int t2n_shape_report_refusals(const t2n_shape_facts *f, t2n_diag *d);

/* True when the op table has a rule for this kind. */
int t2n_shape_has_rule(const char *kind);

#endif
