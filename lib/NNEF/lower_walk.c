/* t2n_nnef_lower: checks every node has a lowering, declares the inputs,
 * lowers the nodes in order and names the outputs. See lower.c for the
 * rules on which nodes need a lowering. */
#include <stdlib.h>
#include <string.h>

#include "lower_internal.h"
#include "t2n/alloc.h"

/* Outputs all non-tensor and known under the examples: users read them as
 * constants, nothing to emit. */
static int known_non_tensor(t2n_lower_ctx *c, const t2n_node *n) {
  if (!n->noutputs || n->nblocks) return 0;
  for (int i = 0; i < n->noutputs; i++) {
    const t2n_value *v = n->outputs[i];
    /* Devices too: aten::to(x, prim::device(y)) is a no-op move on cpu. */
    if (t2n_type_is_tensor(v->type) || (!t2n_type_is_primitive(v->type) && !t2n_type_is(v->type, "Device")))
      return 0;
    t2n_ival iv;
    if (!t2n_lower_const(c, v, &iv)) return 0;
  }
  return 1;
}

static int is_dead(const t2n_node *n) {
  for (int i = 0; i < n->noutputs; i++)
    if (n->outputs[i]->nuses) return 0;
  return !t2n_node_has_side_effects(n);
}

/* Whether n is lowered by the table (1), skipped (0). */
static int needs_lowering(t2n_lower_ctx *c, const t2n_node *n) {
  if (t2n_node_is(n, "prim::Constant") || t2n_node_is(n, "prim::ListConstruct")) return 1; /* cheap rows */
  if (is_dead(n)) return 0;
  return !known_non_tensor(c, n);
}

/* Reports every node without a lowering. Nodes inlined from one callee
 * share its source line: one error per line and kind, with the count. */
static int check_all(t2n_lower_ctx *c) {
  int bad = 0, nsites = 0, cap = 0;
  struct site { const t2n_node *first; int count; } *sites = NULL;
  for (t2n_node *n = c->graph->top->first; n; n = n->next) {
    if (!needs_lowering(c, n) || t2n_lowering_for(n)) continue;
    bad++;
    if (t2n_node_is(n, "prim::Loop")) {
      /* NNEF has no loops: say why export preparation left this one. */
      char why[256] = "it was not unrolled";
      int64_t trip;
      t2n_loop_unroll_blocker(c->mod, n, &trip, why, sizeof why);
      t2n_lower_error(c, n, "prim::Loop cannot be exported: %s; NNEF has no loops, and only loops with a constant trip "
                      "count unroll", why);
      continue;
    }
    int k = 0;
    while (k < nsites && !(sites[k].first->line == n->line && n->line > 0 && strcmp(sites[k].first->kind, n->kind) == 0))
      k++;
    if (k < nsites) {
      sites[k].count++;
      continue;
    }
    T2N_GROW(sites, cap, nsites + 1);
    sites[nsites].first = n;
    sites[nsites++].count = 1;
  }
  for (int k = 0; k < nsites; k++) {
    if (sites[k].count > 1)
      t2n_lower_error(c, sites[k].first, "no NNEF lowering for '%s' (%d nodes from this line)", sites[k].first->kind,
                      sites[k].count);
    else
      t2n_lower_error(c, sites[k].first, "no NNEF lowering for '%s'", sites[k].first->kind);
  }
  free(sites);
  if (bad)
    t2n_report(c->diag, T2N_NOTE, NULL, "%d node%s without an NNEF lowering; docs/nnef-ops.md lists the ops t2n-export lowers",
               bad, bad == 1 ? "" : "s");
  return bad;
}

/* "x.1" -> "x": the name a user gave the input in Python. */
static const char *user_name(t2n_lower_ctx *c, const char *name, char *buf, size_t n) {
  snprintf(buf, n, "%s", name);
  char *dot = strrchr(buf, '.');
  if (dot && dot[1]) {
    char *p = dot + 1;
    while (*p >= '0' && *p <= '9') p++;
    if (!*p && dot != buf) *dot = 0;
  }
  return buf;
}

static int declare_inputs(t2n_lower_ctx *c, const t2n_lower_options *lo) {
  int k = 0, errs = 0;
  t2n_block *top = c->graph->top;
  for (int i = 0; i < top->nparams; i++) {
    t2n_value *v = top->params[i];
    if (v->type->kind == T2N_TY_CLASS) continue; /* self: its state is constants or lifted inputs */
    /* An Optional[Tensor] input given an example tensor (a padding mask) is
     * a tensor input; given None it is a constant like any scalar. */
    const t2n_type *ty = v->type;
    int opt_tensor = ty->kind == T2N_TY_OPTIONAL && ty->nelems == 1 && t2n_type_is_tensor(ty->elems[0]);
    t2n_dtype odt;
    int64_t osizes[T2N_MAX_RANK];
    if (!t2n_type_is_tensor(v->type) && !(opt_tensor && t2n_lower_shape(c, v, &odt, osizes) >= 0)) {
      t2n_ival iv;
      if (v->nuses && !t2n_lower_const(c, v, &iv)) {
        t2n_report(c->diag, T2N_ERROR, NULL,
                   "graph input %%%s (%s) is not a tensor and its value is not known; give it with --input-value",
                   v->name, v->type->text);
        errs++;
      }
      continue;
    }
    t2n_dtype dt;
    int64_t sizes[T2N_MAX_RANK];
    int r = t2n_lower_shape(c, v, &dt, sizes);
    char buf[256];
    if (r < 0) {
      t2n_report(c->diag, T2N_ERROR, NULL, "the shape of graph input %%%s is not known; give it with --input-shape %s=1x...",
                 v->name, user_name(c, v->name, buf, sizeof buf));
      errs++;
      continue;
    }
    if (!t2n_nnef_dtype_name(dt)) {
      t2n_report(c->diag, T2N_ERROR, NULL, "graph input %%%s has dtype %s, which tract cannot hold", v->name,
                 t2n_dtype_name(dt));
      errs++;
      continue;
    }
    const char *name = k < lo->ninput_names ? lo->input_names[k] : user_name(c, v->name, buf, sizeof buf);
    k++;
    t2n_nnef_tid t = t2n_nnef_tensor_new(c->g, name, dt, r, sizes);
    t2n_nnef_op *op;
    if (dt == T2N_DT_FLOAT32) {
      op = t2n_nnef_op_new(c->g, "external", 1);
      op->generic = "scalar";
    } else {
      op = t2n_nnef_op_new(c->g, "tract_core_external", 1);
    }
    op->outputs[0] = t;
    t2n_nnef_arg_ints(c->g, op, "shape", sizes, r);
    if (dt != T2N_DT_FLOAT32) t2n_nnef_arg_string(c->g, op, "datum_type", t2n_nnef_dtype_name(dt));
    t2n_nnef_add_input(c->g, t);
    t2n_lower_bind(c, v, t);
  }
  if (lo->ninput_names && lo->ninput_names != k) {
    t2n_report(c->diag, T2N_ERROR, NULL, "--input-names gives %d names; the graph has %d tensor inputs",
               lo->ninput_names, k);
    errs++;
  }
  return errs;
}

/* Graph outputs, tuples, lists and dicts flattened in order; None elements
 * are left out (NNEF outputs are tensors). A tensor list made
 * by an op (aten::split, chunk, unbind) gives one output per element: its
 * count is what shape inference knows of the list. */
typedef struct outputs {
  t2n_value **vals;
  int *elem; /* element of a lowered tensor list, or -1 */
  const char **names;
  int n, cap;
} outputs;

static void push_output(outputs *o, t2n_value *v, int elem) {
  int cap = o->cap;
  T2N_GROW(o->vals, cap, o->n + 1);
  T2N_GROW(o->elem, o->cap, o->n + 1);
  o->vals[o->n] = v;
  o->elem[o->n++] = elem;
}

static void flatten_outputs(t2n_lower_ctx *c, t2n_value *v, outputs *o) {
  if (v->def && (t2n_node_is(v->def, "prim::TupleConstruct") || t2n_node_is(v->def, "prim::ListConstruct")) &&
      !t2n_type_is_tensor(v->type)) {
    for (int i = 0; i < v->def->ninputs; i++) flatten_outputs(c, v->def->inputs[i], o);
    return;
  }
  if (t2n_type_is(v->type, "NoneType")) return; /* a None in a returned tuple (GoogLeNet's absent aux logits) */
  if (v->def && t2n_node_is(v->def, "prim::DictConstruct")) { /* the values, in insertion order */
    for (int i = 1; i < v->def->ninputs; i += 2) flatten_outputs(c, v->def->inputs[i], o);
    return;
  }
  const t2n_ival *iv = c->facts && !t2n_type_is_tensor(v->type) ? t2n_shape_get(c->facts, v) : NULL;
  if (iv && iv->kind == T2N_IV_LIST && iv->n > 0 && iv->elems[0].kind == T2N_IV_TENSOR) {
    for (int i = 0; i < iv->n; i++) push_output(o, v, i);
    return;
  }
  push_output(o, v, -1);
}

/* Whether tensor t is produced by an op of the graph (not an input or a
 * variable), so the output can simply take its name. */
static int renameable(const t2n_nnef_graph *g, t2n_nnef_tid t) {
  for (int i = 0; i < g->nops; i++)
    for (int k = 0; k < g->ops[i].noutputs; k++)
      if (g->ops[i].outputs[k] == t)
        return strcmp(g->ops[i].kind, "external") != 0 && strcmp(g->ops[i].kind, "tract_core_external") != 0 &&
               strcmp(g->ops[i].kind, "variable") != 0;
  return 0;
}

/* The name of a flattened output: the key of a returned dict entry (a
 * segmentation model's "out", "aux"), else the value's name. */
static const char *output_name(t2n_lower_ctx *c, const t2n_value *v, char *buf, size_t n) {
  for (int i = 0; i < v->nuses; i++) {
    const t2n_node *u = v->uses[i].user;
    t2n_ival k;
    if (t2n_node_is(u, "prim::DictConstruct") && v->uses[i].index % 2 == 1 &&
        t2n_lower_const(c, u->inputs[v->uses[i].index - 1], &k) && k.kind == T2N_IV_STR) {
      snprintf(buf, n, "%.*s", (int)k.slen, k.s);
      return buf;
    }
  }
  return user_name(c, v->name, buf, n);
}

/* Takes the output names before anything is lowered, so no intermediate
 * tensor holds one. */
static int reserve_outputs(t2n_lower_ctx *c, const t2n_lower_options *lo, outputs *o) {
  t2n_node *ret = c->graph->top->ret;
  for (int i = 0; ret && i < ret->ninputs; i++) flatten_outputs(c, ret->inputs[i], o);
  if (lo->noutput_names && lo->noutput_names != o->n) {
    t2n_report(c->diag, T2N_ERROR, NULL, "--output-names gives %d names; the graph has %d outputs (tuples flattened)",
               lo->noutput_names, o->n);
    return 1;
  }
  o->names = t2n_xcalloc((size_t)o->n + 1, sizeof *o->names);
  for (int i = 0; i < o->n; i++) {
    char buf[256];
    o->names[i] = t2n_nnef_fresh_name(c->g, i < lo->noutput_names ? lo->output_names[i] : output_name(c, o->vals[i], buf, sizeof buf));
  }
  return 0;
}

/* Makes t the graph output named `name`. */
static void add_output(t2n_lower_ctx *c, t2n_nnef_tid t, const char *name) {
  int taken = 0;
  for (int k = 0; k < c->g->noutputs; k++) taken |= c->g->outputs[k] == t;
  if (!taken && renameable(c->g, t)) {
    c->g->tensors[t].name = name;
  } else {
    /* An input, a weight or a tensor returned twice: a copy of its own. */
    const t2n_nnef_tensor *tt = t2n_nnef_tensor_get(c->g, t);
    t2n_nnef_tid k = t2n_nnef_tensor_new(c->g, "copy", tt->dtype, tt->rank, tt->sizes);
    c->g->tensors[k].name = name;
    t2n_lower_emit1(c, "copy", k, t);
    t = k;
  }
  t2n_nnef_add_output(c->g, t);
}

static int declare_outputs(t2n_lower_ctx *c, outputs *o) {
  int errs = 0;
  t2n_node *ret = c->graph->top->ret;
  for (int i = 0; i < o->n; i++) {
    t2n_value *v = o->vals[i];
    t2n_ival iv;
    if (o->elem[i] >= 0) {
      t2n_nnef_tid *items;
      int k = t2n_lower_tensor_list(c, v, ret, &items);
      if (k < 0 || o->elem[i] >= k) {
        if (k >= 0)
          t2n_report(c->diag, T2N_ERROR, NULL, "graph output %%%s has %d tensors; shape inference expected more", v->name, k);
        errs++;
        continue;
      }
      add_output(c, items[o->elem[i]], o->names[i]);
      continue;
    }
    /* A known number (lifted state that the examples fix, a size) is
     * returned as a 0-dim tensor, as torch's outputs compare. */
    int number = t2n_lower_const(c, v, &iv) &&
                 (iv.kind == T2N_IV_INT || iv.kind == T2N_IV_FLOAT || iv.kind == T2N_IV_BOOL);
    if (!t2n_type_is_tensor(v->type) && !t2n_lower_is_bound(c, v) && !number) {
      t2n_report(c->diag, T2N_ERROR, NULL, "graph output %%%s is a %s whose value is not known; NNEF outputs are tensors",
                 v->name, v->type->text);
      errs++;
      continue;
    }
    t2n_nnef_tid t = t2n_lower_tensor(c, v, ret);
    if (t < 0) {
      errs++;
      continue;
    }
    add_output(c, t, o->names[i]);
  }
  return errs;
}

/* What the walk owns besides the graph it returns. */
static void release(t2n_lower_ctx *c, outputs *outs) {
  free(outs->vals);
  free(outs->elem);
  free(outs->names);
  t2n_shape_facts_free(c->facts);
  free(c->mapkeys);
  free(c->mapvals);
}

t2n_nnef_graph *t2n_nnef_lower(t2n_module *m, t2n_graph *g, const t2n_pass_options *popts,
                               const t2n_safetensors *weights, const t2n_lower_options *lopts, t2n_diag *d) {
  t2n_lower_options none = {0};
  if (!lopts) lopts = &none;
  t2n_lower_ctx c = {0};
  outputs outs = {0};
  c.mod = m;
  c.graph = g;
  c.diag = d;
  c.popts = popts;
  c.lopts = lopts;
  c.weights = weights;
  c.facts = t2n_shape_infer(m, g, popts);
  c.g = t2n_nnef_graph_new("network");
  c.g->src_mod = m;
  int errs0 = d->nerrors;
  if (lopts->tract_version) {
    char buf[128];
    snprintf(buf, sizeof buf, "written for tract %s", lopts->tract_version);
    t2n_nnef_comment(c.g, buf);
  }
  if (check_all(&c) || declare_inputs(&c, lopts) || reserve_outputs(&c, lopts, &outs)) goto fail;
  for (t2n_node *n = g->top->first; n; n = n->next) {
    if (!needs_lowering(&c, n)) continue;
    const t2n_lowering_info *li = t2n_lowering_for(n);
    c.g->cur_src = n;
    if (li->lower(&c, n) || d->nerrors > errs0) goto fail;
  }
  c.g->cur_src = g->top->ret;
  if (declare_outputs(&c, &outs) || d->nerrors > errs0) goto fail;
  c.g->cur_src = NULL;
  t2n_nnef_simplify(c.g);
  release(&c, &outs);
  return c.g;
fail:
  release(&c, &outs);
  t2n_nnef_graph_free(c.g);
  return NULL;
}
