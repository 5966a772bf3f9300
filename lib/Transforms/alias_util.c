/* Aliasing and mutation facts for the export-preparation passes. See
 * alias_util.h.
 *
 * OP KNOWLEDGE: the three tables below (views, in-place ops with their pure
 * forms, container reads) are the only place these passes say what an op
 * does to storage. They are to move into the op-property table
 * (include/t2n/ops.def) once it exists; until then side effects come from
 * t2n_node_has_side_effects (lib/IR/ir.c), like everywhere else. */
#include "alias_util.h"
#include "t2n/alloc.h"

#include <stdlib.h>
#include <string.h>

#include "t2n/eval.h"
#include "t2n/pass.h"
#if __has_include("t2n/ops.h")
#include "t2n/ops.h" /* with the op table, a node's op id follows its kind */
#define T2N_AU_HAVE_OPS 1
#endif

/* Ops whose output may share the storage of their first input: views, and
 * ops that return their input itself in some cases (contiguous, to, cpu,
 * dropout in eval mode, reshape when it can view, ...). Inputs other than the
 * first are read. */
static const char *const view_ops[] = {
    "aten::view", "aten::view_as", "aten::reshape", "aten::reshape_as", "aten::_reshape_alias",
    "aten::flatten", "aten::unflatten", "aten::ravel", "aten::squeeze", "aten::unsqueeze",
    "aten::transpose", "aten::t", "aten::permute", "aten::movedim", "aten::moveaxis", "aten::swapaxes",
    "aten::swapdims", "aten::numpy_T", "aten::mT", "aten::mH", "aten::adjoint", "aten::select",
    "aten::slice", "aten::narrow", "aten::expand", "aten::expand_as", "aten::broadcast_to",
    "aten::broadcast_tensors", "aten::as_strided", "aten::diagonal", "aten::unfold", "aten::split",
    "aten::split_with_sizes", "aten::tensor_split", "aten::chunk", "aten::unbind", "aten::hsplit",
    "aten::vsplit", "aten::dsplit", "aten::real", "aten::imag", "aten::view_as_real",
    "aten::view_as_complex", "aten::conj", "aten::resolve_conj", "aten::resolve_neg", "aten::positive",
    "aten::detach", "aten::alias", "aten::contiguous", "aten::to", "aten::type_as", "aten::cpu",
    "aten::cuda", "aten::dropout", "aten::feature_dropout", "aten::alpha_dropout",
    "aten::feature_alpha_dropout", "aten::atleast_1d", "aten::atleast_2d", "aten::atleast_3d",
    "aten::align_to", "aten::rename", "aten::refine_names", "aten::_unwrap_optional",
    "aten::einsum", "prim::data", "prim::unchecked_cast", "prim::unchecked_unwrap_optional", NULL};

/* In-place ops whose pure form takes the same arguments and computes the
 * values the in-place op writes into its first operand. NULL: the pure form
 * is the name without its trailing '_'. Random in-place ops (normal_,
 * uniform_, bernoulli_) and ops that change the tensor's metadata (resize_,
 * set_, unsqueeze_, transpose_, as_strided_) are not here. */
static const char *const inplace_ops[][2] = {
    {"aten::relu_", NULL}, {"aten::relu6_", NULL}, {"aten::leaky_relu_", NULL}, {"aten::elu_", NULL},
    {"aten::selu_", NULL}, {"aten::celu_", NULL}, {"aten::silu_", NULL}, {"aten::mish_", NULL},
    {"aten::gelu_", NULL}, {"aten::hardtanh_", NULL}, {"aten::hardsigmoid_", NULL},
    {"aten::hardswish_", NULL}, {"aten::threshold_", NULL}, {"aten::sigmoid_", NULL},
    {"aten::tanh_", NULL}, {"aten::add_", NULL}, {"aten::sub_", NULL}, {"aten::mul_", NULL},
    {"aten::div_", NULL}, {"aten::remainder_", NULL}, {"aten::fmod_", NULL}, {"aten::pow_", NULL},
    {"aten::neg_", NULL}, {"aten::abs_", NULL}, {"aten::exp_", NULL}, {"aten::log_", NULL},
    {"aten::sqrt_", NULL}, {"aten::rsqrt_", NULL}, {"aten::reciprocal_", NULL}, {"aten::square_", NULL},
    {"aten::sin_", NULL}, {"aten::cos_", NULL}, {"aten::erf_", NULL}, {"aten::floor_", NULL},
    {"aten::ceil_", NULL}, {"aten::round_", NULL}, {"aten::trunc_", NULL}, {"aten::sign_", NULL},
    {"aten::clamp_", NULL}, {"aten::clamp_min_", NULL}, {"aten::clamp_max_", NULL},
    {"aten::masked_fill_", NULL}, {"aten::masked_scatter_", NULL}, {"aten::index_put_", NULL},
    {"aten::index_fill_", NULL}, {"aten::index_copy_", NULL}, {"aten::index_add_", NULL},
    {"aten::scatter_", NULL}, {"aten::scatter_add_", NULL}, {"aten::addcmul_", NULL},
    {"aten::addcdiv_", NULL}, {"aten::lerp_", NULL}, {"aten::tril_", NULL}, {"aten::triu_", NULL},
    {"aten::logical_not_", NULL}, {"aten::bitwise_not_", NULL}, {"aten::fill_", NULL},
    {"aten::zero_", NULL}, {"aten::dropout_", NULL}, {"aten::feature_dropout_", NULL},
    {"aten::alpha_dropout_", NULL}, {"aten::feature_alpha_dropout_", NULL}, {"aten::copy_", NULL},
    {"aten::__iand__", "aten::__and__"}, {"aten::__ior__", "aten::__or__"},
    {"aten::__ixor__", "aten::__xor__"}, {"aten::__ilshift__", "aten::__lshift__"},
    {"aten::__irshift__", "aten::__rshift__"}};

/* Reads of a container whose outputs are (or hold) its elements. */
static const char *const extract_ops[] = {"prim::ListUnpack", "prim::TupleUnpack", "prim::TupleIndex",
                                          "prim::TupleSlice", "aten::__getitem__", "aten::list",
                                          "aten::values", "aten::items", "aten::pop", NULL};
/* Ops whose result depends on the strides of their first input, not only
 * on its values (aten::view fails on some strides, but gives the values
 * aten::reshape gives wherever it works). */
static const char *const stride_readers[] = {"aten::as_strided", "aten::stride", "aten::is_contiguous",
                                             "prim::is_contiguous", "aten::data_ptr", NULL};
/* ---- end of the op knowledge ---- */

static int in_list(const char *const *l, const char *kind) {
  for (int i = 0; l[i]; i++)
    if (strcmp(l[i], kind) == 0) return 1;
  return 0;
}

/* In-place by name: aten::foo_ (one trailing '_') or aten::__iand__ & co. */
static int is_inplace(const t2n_node *u) {
  const char *k = u->kind;
  size_t l = strlen(k);
  if (strncmp(k, "aten::", 6) != 0) return 0;
  if (l > 7 && k[l - 1] == '_' && k[l - 2] != '_') return 1;
  for (size_t i = 0; i < sizeof inplace_ops / sizeof inplace_ops[0]; i++)
    if (inplace_ops[i][1] && strcmp(inplace_ops[i][0], k) == 0) return 1;
  return 0;
}

/* Can a value of this type hold (or be) a tensor? */
static int may_hold_tensor(const t2n_type *t) {
  if (!t) return 1;
  if (t->kind == T2N_TY_SCALAR) return 0; /* int, str, Device, NoneType ... */
  return !t2n_type_is_primitive(t);
}

static int outputs_may_hold_tensor(const t2n_node *u) {
  for (int i = 0; i < u->noutputs; i++)
    if (may_hold_tensor(u->outputs[i]->type)) return 1;
  return 0;
}

t2n_au_use t2n_au_classify(const t2n_node *u, int index) {
  const char *k = u->kind;
  if (t2n_node_is(u, "prim::Return")) return u->parent && u->parent->owner ? T2N_AU_ESCAPE : T2N_AU_RETURN;
  if (t2n_node_is(u, "prim::ListConstruct") || t2n_node_is(u, "prim::TupleConstruct") ||
      t2n_node_is(u, "prim::DictConstruct"))
    return T2N_AU_CONTAIN;
  if (in_list(extract_ops, k)) return T2N_AU_EXTRACT;
  if (in_list(view_ops, k)) return index == 0 || t2n_node_is(u, "aten::einsum") ? T2N_AU_VIEW : T2N_AU_READ;
  if (is_inplace(u)) return index == 0 ? T2N_AU_MUTATE : T2N_AU_READ;
  if (t2n_node_is(u, "aten::append")) return index == 0 ? T2N_AU_VIEW : T2N_AU_ESCAPE;
  if (t2n_node_is(u, "prim::RaiseException") || t2n_node_is(u, "prim::Print") || t2n_node_is(u, "aten::warn") ||
      t2n_node_is(u, "aten::format"))
    return T2N_AU_READ;
  if (t2n_node_has_side_effects(u)) return T2N_AU_ESCAPE;
  if (strncmp(k, "aten::", 6) == 0) return T2N_AU_READ;
  /* prim ops and other namespaces: reads when nothing they give can hold a
   * tensor (prim::device, prim::dtype, aten-less size queries), else unknown. */
  return outputs_may_hold_tensor(u) ? T2N_AU_ESCAPE : T2N_AU_READ;
}

const char *t2n_au_pure_form(t2n_module *m, const t2n_node *n) {
  for (size_t i = 0; i < sizeof inplace_ops / sizeof inplace_ops[0]; i++) {
    if (strcmp(inplace_ops[i][0], n->kind) != 0) continue;
    if (inplace_ops[i][1]) return t2n_intern(m, inplace_ops[i][1]);
    return t2n_intern_n(m, n->kind, strlen(n->kind) - 1);
  }
  return NULL;
}

int t2n_au_reads_strides(const t2n_node *u) { return in_list(stride_readers, u->kind); }

void t2n_au_set_kind(t2n_node *n, const char *kind) {
#ifdef T2N_AU_HAVE_OPS
  t2n_node_set_kind(n, kind);
#else
  n->kind = kind;
#endif
}

int t2n_au_pure_keeps_operand_type(const char *pure) {
  /* copy(self, src) broadcasts and casts src into self's sizes and dtype;
   * the others keep self's (an in-place op that ran broadcast into self). */
  static const char *const keep[] = {"aten::copy", "aten::fill", "aten::zero", "aten::masked_fill",
                                     "aten::index_put", NULL};
  return in_list(keep, pure);
}

t2n_value *t2n_au_base(t2n_value *v) {
  for (int guard = 0; guard < 100000 && v->def && v->def->ninputs > 0; guard++) {
    t2n_au_use c = t2n_au_classify(v->def, 0);
    if ((c != T2N_AU_VIEW && c != T2N_AU_MUTATE) || !may_hold_tensor(v->def->inputs[0]->type)) break;
    v = v->def->inputs[0];
  }
  return v;
}

int t2n_au_makes_fresh(const t2n_node *def) {
  if (!def || strncmp(def->kind, "aten::", 6) != 0 || def->noutputs == 0) return 0;
  if (in_list(view_ops, def->kind) || in_list(extract_ops, def->kind) || is_inplace(def)) return 0;
  return !t2n_node_has_side_effects(def);
}

typedef struct vlist {
  t2n_value **v;
  int n, cap;
} vlist;

static void vl_add(vlist *l, t2n_value *v) {
  for (int i = 0; i < l->n; i++)
    if (l->v[i] == v) return;
  T2N_GROW(l->v, l->cap, l->n + 1);
  l->v[l->n++] = v;
}

int t2n_au_closure(t2n_value *from, const t2n_node *stop, t2n_value ***out, const t2n_node **escape,
                   const t2n_node **mutate) {
  vlist l = {NULL, 0, 0};
  const t2n_node *esc = NULL, *mut = NULL;
  vl_add(&l, from);
  for (int i = 0; i < l.n; i++) {
    t2n_value *w = l.v[i];
    for (int k = 0; k < w->nuses; k++) {
      const t2n_node *u = w->uses[k].user;
      if (u == stop) continue;
      switch (t2n_au_classify(u, w->uses[k].index)) {
      case T2N_AU_READ:
      case T2N_AU_RETURN: continue;
      case T2N_AU_ESCAPE:
        if (!esc) esc = u;
        continue;
      case T2N_AU_MUTATE:
        if (!mut) mut = u;
        break;
      default: break;
      }
      for (int o = 0; o < u->noutputs; o++)
        if (may_hold_tensor(u->outputs[o]->type)) vl_add(&l, u->outputs[o]);
    }
  }
  if (escape) *escape = esc;
  if (mutate) *mutate = mut;
  *out = l.v;
  return l.n;
}

typedef struct scan {
  const t2n_node *bad;
} scan;

static int scan_node(t2n_node *n, void *p) {
  scan *s = p;
  for (int i = 0; i < n->ninputs; i++) {
    if (!may_hold_tensor(n->inputs[i]->type)) continue;
    t2n_au_use c = t2n_au_classify(n, i);
    if (c == T2N_AU_MUTATE || c == T2N_AU_ESCAPE) {
      s->bad = n;
      return 1;
    }
  }
  /* A nested block's return is a use by its prim::Return, not in the walk. */
  for (int b = 0; b < n->nblocks; b++) {
    const t2n_node *r = n->blocks[b]->ret;
    for (int i = 0; r && i < r->ninputs; i++)
      if (may_hold_tensor(r->inputs[i]->type)) {
        s->bad = n;
        return 1;
      }
  }
  return 0;
}

int t2n_au_never_mutated(t2n_graph *g, t2n_value *v, const t2n_node **why) {
  t2n_value *base = t2n_au_base(v);
  /* Graph inputs count as separate storage: an exported model's inputs
   * never share memory with each other. */
  int graph_input = !base->def && base->param_of && !base->param_of->owner;
  if (graph_input || t2n_au_makes_fresh(base->def)) {
    t2n_value **vals;
    const t2n_node *esc, *mut;
    t2n_au_closure(base, NULL, &vals, &esc, &mut);
    free(vals);
    if (why) *why = mut ? mut : esc;
    return !mut && !esc;
  }
  /* Its storage may also be reached from values not found forward from it
   * (another read of the same attribute, an element of a list, a loop-carried
   * value): only a graph without any mutation is safe. */
  scan s = {NULL};
  t2n_walk(g->top, scan_node, &s);
  if (why) *why = s.bad;
  return !s.bad;
}
