/* NNEF-level cleanup of a lowered graph, run once at the end of
 * t2n_nnef_lower (so every probe of a dynamic-axis export gets the same
 * rewrites and the probes still line up op for op).
 *
 * Lowerings are written one torch op at a time and reshape their operands
 * where the op needs it: a linear's weight unsqueezed to the input's rank,
 * a bias to [1, N], each operand of torch.stack unsqueezed before a concat.
 * Those ops are exact but each is a line of graph.nnef and a node tract
 * builds, so the graph written is larger than it needs to be. Rewrites:
 *   1. unsqueeze / squeeze / reshape of a variable that nothing else reads:
 *      the variable takes the new shape (its .dat holds the same bytes in
 *      the same row-major order, only the header's shape differs);
 *   2. concat of tensors that are each unsqueeze(x, axes = [k]) read only
 *      by that concat, on axis k: stack of the x's on axis k;
 *   3. unsqueeze(squeeze(x, A), A) and squeeze(unsqueeze(x, A), A), the
 *      inner one read only by the outer: x itself (a reduction that keeps
 *      no dims, then a torch keepdim's unsqueeze). When the outer result is
 *      a graph output, x's producer writes it under the output's name;
 *   4. a variable that no op reads (one a lowering replaced, as the LSTM
 *      cell does with its two bias rows when it writes their sum): its
 *      line and its .dat entry are dropped.
 * All leave every number unchanged. A tensor that is a graph output is
 * never folded away but for 3 (its name is the output's). */
#include <stdlib.h>
#include <string.h>

#include "t2n/nnef.h"
#include "t2n/alloc.h"

typedef struct simp {
  t2n_nnef_graph *g;
  int *uses;            /* per tensor: reads by op arguments and graph outputs */
  int *producer;        /* per tensor: index of the op writing it, -1 */
  t2n_nnef_tid *repl;   /* per tensor: the tensor now standing for it, or itself */
  char *is_output;      /* per tensor: a graph output */
  char *dead;           /* per op: removed */
} simp;

static void count_value(simp *s, const t2n_nnef_value *v) {
  if (v->kind == T2N_NV_TENSOR && v->tensor >= 0) s->uses[v->tensor]++;
  if (v->kind == T2N_NV_ARRAY || v->kind == T2N_NV_TUPLE)
    for (int i = 0; i < v->n; i++) count_value(s, &v->elems[i]);
}

static void resolve_value(simp *s, t2n_nnef_value *v) {
  if (v->kind == T2N_NV_TENSOR && v->tensor >= 0) v->tensor = s->repl[v->tensor];
  if (v->kind == T2N_NV_ARRAY || v->kind == T2N_NV_TUPLE)
    for (int i = 0; i < v->n; i++) resolve_value(s, &v->elems[i]);
}

static const t2n_nnef_value *named_arg(const t2n_nnef_op *op, const char *name) {
  for (int i = 0; i < op->nargs; i++)
    if (op->args[i].name && strcmp(op->args[i].name, name) == 0) return &op->args[i].v;
  return NULL;
}

/* The tensor of op's first argument when it is a positional tensor, else -1. */
static t2n_nnef_tid first_tensor(const t2n_nnef_op *op) {
  if (op->nargs < 1 || op->args[0].name || op->args[0].v.kind != T2N_NV_TENSOR) return -1;
  return op->args[0].v.tensor;
}

static int is_kind(const t2n_nnef_op *op, const char *kind) { return strcmp(op->kind, kind) == 0; }

/* Rewrite 1: the variable read by reshape-like op k takes its output's shape. */
static void fold_variable_shape(simp *s, int k) {
  t2n_nnef_graph *g = s->g;
  t2n_nnef_op *op = &g->ops[k];
  if (!is_kind(op, "unsqueeze") && !is_kind(op, "squeeze") && !is_kind(op, "reshape")) return;
  t2n_nnef_tid t = first_tensor(op);
  if (t < 0 || op->noutputs != 1 || s->uses[t] != 1 || s->is_output[t] || s->producer[t] < 0) return;
  t2n_nnef_op *var = &g->ops[s->producer[t]];
  t2n_nnef_tid o = op->outputs[0];
  if (!is_kind(var, "variable") || s->is_output[o]) return;
  t2n_nnef_tensor *to = &g->tensors[o], *tt = &g->tensors[t];
  if (to->rank < 0 || to->dtype != tt->dtype) return;
  int64_t n_in = 1, n_out = 1;
  for (int i = 0; i < tt->rank; i++) n_in *= tt->sizes[i];
  for (int i = 0; i < to->rank; i++) n_out *= to->sizes[i] < 0 ? -1 : to->sizes[i];
  if (n_in != n_out) return; /* an unknown size: leave it to tract */
  tt->rank = to->rank;
  memcpy(tt->sizes, to->sizes, sizeof tt->sizes);
  for (int i = 0; i < var->nargs; i++)
    if (var->args[i].name && strcmp(var->args[i].name, "shape") == 0)
      var->args[i].v = t2n_nnef_v_ints(g, tt->sizes, tt->rank);
  s->repl[o] = t;
  s->uses[t] = s->uses[o];
  s->dead[k] = 1;
}

/* Whether e is unsqueeze(x, axes = [axis]) read only once; sets *x. */
static int single_unsqueeze(simp *s, t2n_nnef_tid e, int64_t axis, t2n_nnef_tid *x) {
  if (e < 0 || s->uses[e] != 1 || s->is_output[e] || s->producer[e] < 0 || s->dead[s->producer[e]]) return 0;
  const t2n_nnef_op *u = &s->g->ops[s->producer[e]];
  const t2n_nnef_value *ax = named_arg(u, "axes");
  if (!is_kind(u, "unsqueeze") || u->noutputs != 1 || !ax || ax->kind != T2N_NV_ARRAY || ax->n != 1 ||
      ax->elems[0].kind != T2N_NV_INT || ax->elems[0].i != axis)
    return 0;
  *x = first_tensor(u);
  return *x >= 0;
}

/* Rewrite 2: concat of single-use unsqueezes on the concat's axis is a stack. */
static void concat_to_stack(simp *s, int k) {
  t2n_nnef_graph *g = s->g;
  t2n_nnef_op *op = &g->ops[k];
  if (!is_kind(op, "concat") || op->nargs != 2 || op->args[0].name || op->args[0].v.kind != T2N_NV_ARRAY) return;
  const t2n_nnef_value *ax = named_arg(op, "axis");
  t2n_nnef_value *vals = &op->args[0].v;
  if (!ax || ax->kind != T2N_NV_INT || vals->n < 1) return;
  t2n_nnef_tid x[64];
  if (vals->n > 64) return;
  for (int i = 0; i < vals->n; i++) {
    if (vals->elems[i].kind != T2N_NV_TENSOR || !single_unsqueeze(s, vals->elems[i].tensor, ax->i, &x[i])) return;
    if (g->tensors[x[i]].rank != g->tensors[x[0]].rank) return;
  }
  for (int i = 0; i < vals->n; i++) {
    s->dead[s->producer[vals->elems[i].tensor]] = 1;
    vals->elems[i].tensor = s->repl[x[i]];
  }
  op->kind = "stack";
}

static int same_ints(const t2n_nnef_value *a, const t2n_nnef_value *b) {
  if (!a || !b || a->kind != T2N_NV_ARRAY || b->kind != T2N_NV_ARRAY || a->n != b->n) return 0;
  for (int i = 0; i < a->n; i++)
    if (a->elems[i].kind != T2N_NV_INT || b->elems[i].kind != T2N_NV_INT || a->elems[i].i != b->elems[i].i) return 0;
  return 1;
}

/* Rewrite 3: op k undoes the squeeze or unsqueeze that made its operand. */
static void drop_inverse_pair(simp *s, int k) {
  t2n_nnef_graph *g = s->g;
  t2n_nnef_op *op = &g->ops[k];
  int unsq = is_kind(op, "unsqueeze");
  if ((!unsq && !is_kind(op, "squeeze")) || op->noutputs != 1 || op->nargs != 2) return;
  t2n_nnef_tid m = first_tensor(op), o = op->outputs[0];
  if (m < 0 || s->uses[m] != 1 || s->is_output[m] || s->producer[m] < 0 || s->dead[s->producer[m]]) return;
  int pk = s->producer[m];
  const t2n_nnef_op *p = &g->ops[pk];
  if (!is_kind(p, unsq ? "squeeze" : "unsqueeze") || p->nargs != 2 || !same_ints(named_arg(op, "axes"), named_arg(p, "axes")))
    return;
  t2n_nnef_tid x = first_tensor(p);
  if (x < 0) return;
  if (s->is_output[o]) {
    /* x takes the output's name: only a tensor an op of the graph computes,
     * not an input, a variable or another output. */
    if (s->is_output[x] || s->producer[x] < 0) return;
    const t2n_nnef_op *px = &g->ops[s->producer[x]];
    if (is_kind(px, "external") || is_kind(px, "tract_core_external") || is_kind(px, "variable")) return;
    g->tensors[x].name = g->tensors[o].name;
    for (int i = 0; i < g->noutputs; i++)
      if (g->outputs[i] == o) g->outputs[i] = x;
    s->is_output[x] = 1;
  }
  s->repl[o] = x;
  s->uses[x] += s->uses[o] - 1;
  s->dead[k] = s->dead[pk] = 1;
}

/* Rewrite 4, on the compacted op list: reads are counted afresh (the
 * rewrites above move reads between tensors), then every variable whose
 * tensor is read by no op and is no graph output goes, op and .dat. */
static void drop_unread_variables(simp *s) {
  t2n_nnef_graph *g = s->g;
  memset(s->uses, 0, ((size_t)g->ntensors + 1) * sizeof *s->uses);
  for (int k = 0; k < g->nops; k++)
    for (int i = 0; i < g->ops[k].nargs; i++) count_value(s, &g->ops[k].args[i].v);
  int n = 0;
  for (int k = 0; k < g->nops; k++) {
    const t2n_nnef_op *op = &g->ops[k];
    t2n_nnef_tid t = op->noutputs == 1 ? op->outputs[0] : -1;
    if (is_kind(op, "variable") && t >= 0 && !s->uses[t] && !s->is_output[t]) continue;
    g->ops[n++] = g->ops[k];
  }
  if (n == g->nops) return;
  g->nops = n;
  int m = 0;
  for (int v = 0; v < g->nvars; v++)
    if (s->uses[g->vars[v].tensor] || s->is_output[g->vars[v].tensor]) g->vars[m++] = g->vars[v];
  g->nvars = m;
}

void t2n_nnef_simplify(t2n_nnef_graph *g) {
  simp s = {g, NULL, NULL, NULL, NULL, NULL};
  size_t nt = (size_t)g->ntensors + 1, no = (size_t)g->nops + 1;
  s.uses = t2n_xcalloc(nt, sizeof *s.uses);
  s.producer = t2n_xmalloc(nt * sizeof *s.producer);
  s.repl = t2n_xmalloc(nt * sizeof *s.repl);
  s.is_output = t2n_xcalloc(nt, 1);
  s.dead = t2n_xcalloc(no, 1);
  for (int t = 0; t < g->ntensors; t++) s.producer[t] = -1, s.repl[t] = t;
  for (int k = 0; k < g->nops; k++) {
    for (int i = 0; i < g->ops[k].nargs; i++) count_value(&s, &g->ops[k].args[i].v);
    for (int i = 0; i < g->ops[k].noutputs; i++)
      if (g->ops[k].outputs[i] >= 0) s.producer[g->ops[k].outputs[i]] = k;
  }
  for (int i = 0; i < g->noutputs; i++) s.uses[g->outputs[i]]++, s.is_output[g->outputs[i]] = 1;
  /* Producers come before their readers, so each op's arguments are
   * resolved before it is looked at. */
  for (int k = 0; k < g->nops; k++) {
    for (int i = 0; i < g->ops[k].nargs; i++) resolve_value(&s, &g->ops[k].args[i].v);
    fold_variable_shape(&s, k);
    if (!s.dead[k]) concat_to_stack(&s, k);
    if (!s.dead[k]) drop_inverse_pair(&s, k);
  }
  int n = 0;
  for (int k = 0; k < g->nops; k++)
    if (!s.dead[k]) g->ops[n++] = g->ops[k];
  g->nops = n;
  drop_unread_variables(&s);
  free(s.uses);
  free(s.producer);
  free(s.repl);
  free(s.is_output);
  free(s.dead);
}
