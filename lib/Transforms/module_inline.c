/* Calls and their inlining for -inline, -inline-unresolvable, -freeze and
 * -lift-state (module_util.h): finding a prim::CallMethod's or
 * prim::CallFunction's callee, inlining one call, rounds of inlining with a
 * remark per call left alone, and searching a callee's body. */
#include "t2n/alloc.h"
#include "module_util.h"

#include <stdlib.h>
#include <string.h>

int t2n_mu_is_call(const t2n_node *n) {
  return t2n_node_is(n, "prim::CallMethod") || t2n_node_is(n, "prim::CallFunction");
}

/* Can a value of type `arg` be passed for a parameter of type `param`?
 * 2: the same type; 1: it fits (a refined tensor for Tensor, T or None for
 * T?, a list or tuple of fitting elements) or the types are beyond this
 * check; 0: it cannot (an int[] for an int?). */
static int arg_fits(const t2n_type *arg, const t2n_type *param) {
  if (arg == param) return 2;
  if (!arg || !param) return 1;
  if (param->kind == T2N_TY_OPTIONAL && param->nelems == 1) {
    if (arg->kind == T2N_TY_SCALAR && t2n_type_is(arg, "NoneType")) return 1;
    return arg_fits(arg, param->elems[0]) ? 1 : 0;
  }
  if (param->kind == T2N_TY_UNION) {
    for (int i = 0; i < param->nelems; i++)
      if (arg_fits(arg, param->elems[i])) return 1;
    return 0;
  }
  if (arg->kind == T2N_TY_OPTIONAL && arg->nelems == 1) return arg_fits(arg->elems[0], param) ? 1 : 0;
  int structural = param->kind == T2N_TY_TENSOR || param->kind == T2N_TY_LIST || param->kind == T2N_TY_TUPLE ||
                   param->kind == T2N_TY_SCALAR;
  int arg_structural = arg->kind == T2N_TY_TENSOR || arg->kind == T2N_TY_LIST || arg->kind == T2N_TY_TUPLE ||
                       arg->kind == T2N_TY_SCALAR;
  if (!structural || !arg_structural) return 1;
  if (param->kind == T2N_TY_SCALAR && (t2n_type_is(param, "Any") || t2n_type_is(param, "Scalar") ||
                                       t2n_type_is(param, "number")))
    return 1;
  if (arg->kind != param->kind) return 0;
  switch (param->kind) {
  case T2N_TY_TENSOR: return 1;
  case T2N_TY_SCALAR: return 0; /* two different leaf names */
  case T2N_TY_LIST: return arg->nelems == 1 && param->nelems == 1 && arg_fits(arg->elems[0], param->elems[0]) ? 1 : 0;
  default:
    if (arg->nelems != param->nelems) return 0;
    for (int i = 0; i < arg->nelems; i++)
      if (!arg_fits(arg->elems[i], param->elems[i])) return 0;
    return 1;
  }
}

static int find_callee(t2n_graph *g, t2n_node *call, t2n_mu_callee *out, const char **why, int tree) {
  t2n_module *m = g->mod;
  memset(out, 0, sizeof *out);
  if (t2n_node_is(call, "prim::CallMethod")) {
    const t2n_attr *a = t2n_node_attr(call, "name");
    if (!a || a->kind != T2N_ATTR_STRING || call->ninputs < 1) {
      *why = "the call has no method name or receiver";
      return 0;
    }
    t2n_class *c = tree ? t2n_mu_class_of(g, call->inputs[0]) : t2n_mu_class_of_type(m, call->inputs[0]);
    if (!c) {
      *why = "the receiver's class is not in the module text";
      return 0;
    }
    const t2n_method *mm = t2n_class_method(c, a->s);
    if (!mm) {
      *why = "the receiver's class has no such method";
      return 0;
    }
    out->graph = mm->graph;
    out->qualname = c->name;
    size_t l = strlen(c->name) + strlen(a->s) + 2;
    char *nm = t2n_arena_alloc(m->arena, l);
    snprintf(nm, l, "%s.%s", c->name, a->s);
    out->name = nm;
    out->first_arg = 0;
    return 1;
  }
  if (t2n_node_is(call, "prim::CallFunction")) {
    const t2n_node *fc = call->ninputs ? call->inputs[0]->def : NULL;
    const t2n_attr *a = fc && t2n_node_is(fc, "prim::Constant") ? t2n_node_attr(fc, "name") : NULL;
    if (!a || a->kind != T2N_ATTR_STRING) {
      *why = "the callee is not a prim::Constant[name=...] function";
      return 0;
    }
    /* The Function constant names only the short name: overloads of one
     * function (F.interpolate's size as int or int[]) share it. Prefer a
     * function every argument can be passed to, then the most exact types. */
    int nargs = call->ninputs - 1, best = -1;
    t2n_function *pick = NULL;
    for (int i = 0; i < m->nfunctions; i++) {
      t2n_function *f = m->functions[i];
      const char *q = f->name, *dot = strrchr(q, '.');
      if (strcmp(dot ? dot + 1 : q, a->s) != 0) continue;
      t2n_block *top = f->graph->top;
      if (top->nparams != nargs) continue;
      int score = 0, fits_all = 1;
      for (int k = 0; k < nargs; k++) {
        int fit = arg_fits(call->inputs[k + 1]->type, top->params[k]->type);
        fits_all &= fit > 0;
        score += fit == 2;
      }
      score += fits_all ? nargs + 1 : 0;
      if (score > best) best = score, pick = f;
    }
    if (!pick) {
      *why = t2n_module_function_by_short_name(m, a->s)
                 ? "no function of that name takes this many arguments"
                 : "the function is not in the module text";
      return 0;
    }
    out->graph = pick->graph;
    out->name = out->qualname = pick->name;
    out->first_arg = 1;
    return 1;
  }
  *why = "not a call";
  return 0;
}

int t2n_mu_find_callee(t2n_graph *g, t2n_node *call, t2n_mu_callee *out, const char **why) {
  const char *w;
  return find_callee(g, call, out, why ? why : &w, 1);
}

void t2n_mu_erase_dead_chain(t2n_value *v) {
  while (v && !v->nuses && v->def && v->def->noutputs == 1 && v->def->parent) {
    t2n_node *d = v->def;
    t2n_value *next = NULL;
    if (t2n_node_is(d, "prim::GetAttr")) next = d->inputs[0];
    else if (!(t2n_node_is(d, "prim::Constant") && t2n_node_attr(d, "name"))) return;
    t2n_node_erase(d);
    v = next;
  }
}

int t2n_mu_inline_call(t2n_graph *g, t2n_node *call, const t2n_mu_callee *c, const char **why) {
  t2n_block *src = c->graph->top;
  int nargs = call->ninputs - c->first_arg;
  if (src->nparams != nargs) {
    *why = "the call passes a different number of arguments than the callee takes";
    return -1;
  }
  if (src->ret->ninputs != call->noutputs) {
    *why = "the callee returns a different number of values than the call has outputs";
    return -1;
  }
  if (c->graph == g) {
    *why = "the call is recursive";
    return -1;
  }
  t2n_value **outs = t2n_arena_alloc(g->mod->arena, sizeof *outs * (size_t)(call->noutputs + 1));
  t2n_clone_block_into(src, call->inputs + c->first_arg, call->parent, call, outs);
  for (int i = 0; i < call->noutputs; i++) t2n_value_replace_all_uses(call->outputs[i], outs[i]);
  t2n_value *head = call->ninputs ? call->inputs[0] : NULL;
  t2n_node_erase(call);
  t2n_mu_erase_dead_chain(head);
  return 0;
}

typedef struct contains_ctx {
  t2n_graph *g;
  t2n_mu_node_pred pred;
  void *arg;
  int depth, found;
} contains_ctx;

static int contains_fn(t2n_node *n, void *p) {
  contains_ctx *c = p;
  if (c->pred(c->g, n, c->arg)) return c->found = 1;
  if (t2n_mu_is_call(n) && c->depth < 32) {
    t2n_mu_callee ce;
    const char *why;
    if (find_callee(c->g, n, &ce, &why, 0) && ce.graph != c->g) {
      contains_ctx sub = {ce.graph, c->pred, c->arg, c->depth + 1, 0};
      t2n_walk(ce.graph->top, contains_fn, &sub);
      if (sub.found) return c->found = 1;
    }
  }
  return 0;
}

int t2n_mu_body_contains(t2n_graph *callee, t2n_mu_node_pred pred, void *arg) {
  contains_ctx c = {callee, pred, arg, 0, 0};
  t2n_walk(callee->top, contains_fn, &c);
  return c.found;
}

typedef struct nodevec { t2n_node **v; int n, cap; } nodevec;

static void nv_push(nodevec *nv, t2n_node *n) {
  if (nv->n == nv->cap) {
    nv->cap = nv->cap ? nv->cap * 2 : 32;
    nv->v = t2n_xrealloc(nv->v, sizeof *nv->v * (size_t)nv->cap);
  }
  nv->v[nv->n++] = n;
}

static int nv_has(const nodevec *nv, const t2n_node *n) {
  for (int i = 0; i < nv->n; i++)
    if (nv->v[i] == n) return 1;
  return 0;
}

static int collect_calls(t2n_node *n, void *p) {
  if (t2n_mu_is_call(n)) nv_push(p, n);
  return 0;
}

int t2n_mu_inline_rounds(t2n_pass_ctx *ctx, t2n_mu_inline_pred pred, void *arg, int max_rounds) {
  t2n_graph *g = ctx->graph;
  nodevec remarked = {0};
  int total = 0, round;
  for (round = 0; round < max_rounds; round++) {
    nodevec calls = {0};
    t2n_walk(g->top, collect_calls, &calls);
    int done = 0;
    for (int i = 0; i < calls.n; i++) {
      t2n_node *call = calls.v[i];
      t2n_mu_callee c;
      const char *why = NULL;
      int ok = t2n_mu_find_callee(g, call, &c, &why);
      if (ok && pred && !pred(ctx, call, &c, &why, arg)) ok = 0;
      if (ok && t2n_mu_inline_call(g, call, &c, &why) == 0) {
        done++;
        continue;
      }
      if (!nv_has(&remarked, call)) {
        nv_push(&remarked, call);
        const t2n_attr *a = t2n_node_attr(call, "name");
        if (!a && call->ninputs && call->inputs[0]->def) a = t2n_node_attr(call->inputs[0]->def, "name");
        t2n_remark(ctx, call, "%s%s%s left alone: %s", call->kind,
                   a && a->kind == T2N_ATTR_STRING ? " " : "",
                   a && a->kind == T2N_ATTR_STRING ? a->s : "", why ? why : "not inlined");
      }
    }
    free(calls.v);
    total += done;
    ctx->rewrites += done;
    if (!done) break;
  }
  if (round == max_rounds)
    t2n_report(ctx->diag, T2N_WARNING, NULL, "-%s: stopped inlining after %d rounds; calls may remain",
               ctx->pass_name ? ctx->pass_name : "inline", max_rounds);
  free(remarked.v);
  return total;
}

