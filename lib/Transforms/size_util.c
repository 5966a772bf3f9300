/* The constant a size query takes under the example shapes; shared by
 * -replace-size-calls and -fold-sizes. See size_util.h. */
#include "size_util.h"
#include "t2n/alloc.h"

#include <stdlib.h>
#include <string.h>

#include "fold_util.h"
#include "t2n/eval.h"

int t2n_is_size_query(const t2n_node *n) {
  return t2n_node_is(n, "aten::dim") || t2n_node_is(n, "aten::numel") || t2n_node_is(n, "aten::len") ||
         t2n_node_is(n, "aten::size");
}

static int all_known(const t2n_ival *t) {
  if (t->kind != T2N_IV_TENSOR || t->rank < 0) return 0;
  for (int i = 0; i < t->rank; i++)
    if (t->sizes[i] < 0) return 0;
  return 1;
}

static void left_alone(t2n_pass_ctx *ctx, const t2n_shape_facts *f, t2n_node *n, const t2n_value *x,
                       const char *what) {
  char why[512];
  t2n_shape_explain(f, x, why, sizeof why);
  t2n_remark(ctx, n, "%s(%%%s) left alone: %s%s%s", n->kind, x->name, what, why[0] ? ": " : "", why);
}

t2n_value *t2n_size_query_fold(t2n_pass_ctx *ctx, const t2n_shape_facts *f, t2n_node *n) {
  t2n_graph *g = ctx->graph;
  t2n_module *m = ctx->mod;
  if (n->noutputs != 1 || n->ninputs < 1) return NULL;
  t2n_value *x = n->inputs[0];
  const t2n_ival *t = t2n_shape_get(f, x);
  t2n_value *repl = NULL;
  if (t2n_node_is(n, "prim::dtype")) {
    if (t->kind != T2N_IV_TENSOR || t->dtype == T2N_DT_UNKNOWN) {
      left_alone(ctx, f, n, x, "the dtype is not known");
      return NULL;
    }
    repl = t2n_insert_int(g, n, (int64_t)t->dtype)->outputs[0];
  } else if (t2n_node_is(n, "aten::dim") || t2n_node_is(n, "aten::numel")) {
    if (!all_known(t)) {
      left_alone(ctx, f, n, x, "the shape is not completely known");
      return NULL;
    }
    int64_t v = t->rank;
    if (t2n_node_is(n, "aten::numel")) {
      v = 1;
      for (int i = 0; i < t->rank; i++) v *= t->sizes[i];
    }
    repl = t2n_insert_int(g, n, v)->outputs[0];
  } else if (t2n_node_is(n, "aten::len")) {
    if (t2n_type_is_tensor(x->type) || t->kind == T2N_IV_TENSOR) {
      if (t->kind != T2N_IV_TENSOR || t->rank < 1 || t->sizes[0] < 0) {
        left_alone(ctx, f, n, x, t->kind == T2N_IV_TENSOR && t->rank == 0 ? "len() of a 0-d tensor raises"
                                                                         : "the first dimension is not known");
        return NULL;
      }
      repl = t2n_insert_int(g, n, t->sizes[0])->outputs[0];
    } else {
      const char *why = NULL;
      if (!x->def || !t2n_node_is(x->def, "prim::ListConstruct")) {
        t2n_remark(ctx, n, "%s(%%%s) left alone: the list is not a direct prim::ListConstruct", n->kind, x->name);
        return NULL;
      }
      if (!t2n_list_is_unmutated(x, &why)) {
        t2n_remark(ctx, n, "%s(%%%s) left alone: the list may be modified (%s)", n->kind, x->name,
                   why ? why : "mutated");
        return NULL;
      }
      repl = t2n_insert_int(g, n, x->def->ninputs)->outputs[0];
    }
  } else if (n->ninputs == 1) { /* size(x) */
    if (!all_known(t)) {
      left_alone(ctx, f, n, x, "the shape is not completely known");
      return NULL;
    }
    t2n_value *elems[T2N_MAX_RANK];
    for (int i = 0; i < t->rank; i++) elems[i] = t2n_insert_int(g, n, t->sizes[i])->outputs[0];
    t2n_node *l = t2n_node_new(g, "prim::ListConstruct", t->rank, elems, 1);
    t2n_node_insert_before(l, n);
    t2n_node_set_output(l, 0, NULL, t2n_type_list_of(m, t2n_type_get(m, "int")));
    repl = l->outputs[0];
  } else { /* size(x, d) */
    t2n_ival d;
    if (!t2n_eval(f, n->inputs[1], &d) || d.kind != T2N_IV_INT) {
      t2n_remark(ctx, n, "%s(%%%s, %%%s) left alone: the dimension is not a known int", n->kind, x->name,
                 n->inputs[1]->name);
      return NULL;
    }
    if (t->kind != T2N_IV_TENSOR || t->rank < 0) {
      left_alone(ctx, f, n, x, "the rank is not known");
      return NULL;
    }
    int64_t k = d.i < 0 ? d.i + t->rank : d.i;
    if (k < 0 || k >= t->rank) {
      t2n_remark(ctx, n, "%s(%%%s, %lld) left alone: dimension out of range for rank %d (it raises)", n->kind,
                 x->name, (long long)d.i, t->rank);
      return NULL;
    }
    if (t->sizes[k] < 0) {
      left_alone(ctx, f, n, x, "that dimension is not known");
      return NULL;
    }
    repl = t2n_insert_int(g, n, t->sizes[k])->outputs[0];
  }
  return repl;
}

typedef struct size_cands {
  t2n_node **v;
  int n, cap;
  int with_dtype;
} size_cands;

static int collect_size_query(t2n_node *n, void *p) {
  size_cands *c = p;
  if (!t2n_is_size_query(n) && !(c->with_dtype && t2n_node_is(n, "prim::dtype"))) return 0;
  T2N_GROW(c->v, c->cap, c->n + 1);
  c->v[c->n++] = n;
  return 0;
}

void t2n_fold_size_queries(t2n_pass_ctx *ctx, int with_dtype, t2n_size_fold_fn fold_one) {
  size_cands c = {NULL, 0, 0, with_dtype};
  t2n_walk(ctx->graph->top, collect_size_query, &c);
  if (c.n) {
    t2n_shape_facts *f = t2n_shape_infer(ctx->mod, ctx->graph, ctx->opts);
    for (int i = 0; i < c.n; i++) ctx->rewrites += fold_one(ctx, f, c.v[i]);
    t2n_shape_facts_free(f);
  }
  free(c.v);
}
