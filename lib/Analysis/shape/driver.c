/* Native shape inference, the driver: t2n_shape_infer runs the pre-scans
 * (attribute names some prim::SetAttr writes; lists and tensors changed in
 * place, through aliases and calls), seeds the graph inputs from the example
 * inputs, and walks the graph (propagate.c). Also the fact queries of
 * include/t2n/shape.h and t2n_shape_explain, which follows an unknown value
 * back to the root cause. */
#include <stdio.h>
#include <stdlib.h>

#include "shape_internal.h"
#include "t2n/examples.h"

int t2n_sh_is_mutated(const t2n_shape_facts *f, const t2n_value *v) {
  for (int i = 0; i < f->nmut; i++)
    if (f->mut[i] == v) return 1;
  return 0;
}

/* ---- pre-scans ---- */
static const char *const list_mutators[] = {
    "aten::append", "aten::insert", "aten::extend", "aten::pop", "aten::remove", "aten::clear",
    "aten::_set_item", "aten::__setitem__", "aten::reverse", "aten::sort", "aten::__delitem__",
    "aten::add_", NULL};

static const char *const shape_mutators[] = {
    "aten::unsqueeze_", "aten::squeeze_", "aten::transpose_", "aten::t_", "aten::resize_",
    "aten::resize_as_", "aten::as_strided_", "aten::set_", "aten::swapdims_", "aten::swapaxes_", NULL};

static int kind_in(const char *k, const char *const *list) {
  for (int i = 0; list[i]; i++)
    if (strcmp(k, list[i]) == 0) return 1;
  return 0;
}

static void mark(t2n_shape_facts *f, const t2n_value *v) {
  if (t2n_sh_is_mutated(f, v)) return;
  if (f->nmut == f->capmut) {
    f->capmut = f->capmut ? f->capmut * 2 : 32;
    f->mut = realloc(f->mut, sizeof *f->mut * (size_t)f->capmut);
    if (!f->mut) abort();
  }
  f->mut[f->nmut++] = v;
  /* aliases: block outputs <-> the If/Loop outputs, loop params, in-place results */
  const t2n_node *d = v->def;
  if (d && (t2n_node_is(d, "prim::If") || t2n_node_is(d, "prim::Loop"))) {
    for (int b = 0; b < d->nblocks; b++) {
      int idx = t2n_node_is(d, "prim::Loop") ? v->index + 1 : v->index;
      if (idx < d->blocks[b]->ret->ninputs) mark(f, d->blocks[b]->ret->inputs[idx]);
    }
    if (t2n_node_is(d, "prim::Loop") && v->index + 2 < d->ninputs) mark(f, d->inputs[v->index + 2]);
  }
  if (d && t2n_sh_is_inplace_kind(d->kind) && d->ninputs) mark(f, d->inputs[0]);
  if (v->param_of && v->param_of->owner && t2n_node_is(v->param_of->owner, "prim::Loop") && v->index > 0) {
    const t2n_node *lp = v->param_of->owner;
    if (v->index + 1 < lp->ninputs) mark(f, lp->inputs[v->index + 1]);
    if (v->index - 1 < lp->noutputs) mark(f, lp->outputs[v->index - 1]);
  }
  for (int u = 0; u < v->nuses; u++) {
    const t2n_node *user = v->uses[u].user;
    if (t2n_node_is(user, "prim::Return") && user->parent && user->parent->owner) {
      const t2n_node *own = user->parent->owner;
      int idx = v->uses[u].index - (t2n_node_is(own, "prim::Loop") ? 1 : 0);
      if (idx >= 0 && idx < own->noutputs) mark(f, own->outputs[idx]);
    }
    if (t2n_sh_is_inplace_kind(user->kind) && v->uses[u].index == 0 && user->noutputs) mark(f, user->outputs[0]);
  }
}

static int scan_node(t2n_node *n, void *ctx) {
  t2n_shape_facts *f = ctx;
  if (n->ninputs && (kind_in(n->kind, shape_mutators))) mark(f, n->inputs[0]);
  if (kind_in(n->kind, list_mutators))
    for (int i = 0; i < n->ninputs; i++)
      if (n->inputs[i]->type && n->inputs[i]->type->kind == T2N_TY_LIST) mark(f, n->inputs[i]);
  return 0;
}

/* The graph a call node reaches, resolved from the IR alone (the
 * receiver's class type for prim::CallMethod); NULL when unknown. */
static t2n_graph *static_callee(t2n_module *m, const t2n_node *n, int *first) {
  if (t2n_node_is(n, "prim::CallFunction")) {
    const t2n_node *c = n->ninputs ? n->inputs[0]->def : NULL;
    const t2n_attr *a = c && t2n_node_is(c, "prim::Constant") ? t2n_node_attr(c, "name") : NULL;
    t2n_function *fn = a && a->kind == T2N_ATTR_STRING ? t2n_module_function_by_short_name(m, a->s) : NULL;
    *first = 1;
    return fn ? fn->graph : NULL;
  }
  const t2n_attr *a = t2n_node_attr(n, "name");
  const t2n_type *rt = n->ninputs ? n->inputs[0]->type : NULL;
  if (!a || a->kind != T2N_ATTR_STRING || !rt || rt->kind != T2N_TY_CLASS) return NULL;
  t2n_class *cl = t2n_module_class(m, rt->name);
  const t2n_method *mm = cl ? t2n_class_method(cl, a->s) : NULL;
  *first = 0;
  return mm ? mm->graph : NULL;
}

/* A list passed to a call is mutated when the callee mutates that parameter
 * (or the callee is not known). */
typedef struct call_scan {
  t2n_shape_facts *f;
  int added;
} call_scan;

static int scan_call(t2n_node *n, void *p) {
  call_scan *cs = p;
  if (!t2n_node_is(n, "prim::CallFunction") && !t2n_node_is(n, "prim::CallMethod")) return 0;
  int first = 0;
  t2n_graph *g = static_callee(cs->f->m, n, &first);
  for (int i = first; i < n->ninputs; i++) {
    const t2n_value *a = n->inputs[i];
    if (!a->type || a->type->kind != T2N_TY_LIST || t2n_sh_is_mutated(cs->f, a)) continue;
    int k = i - first;
    if (g && k < g->top->nparams && !t2n_sh_is_mutated(cs->f, g->top->params[k])) continue;
    mark(cs->f, a);
    cs->added++;
  }
  return 0;
}

static void collect_written(t2n_shape_facts *f) {
  t2n_graph **gs;
  int ng = t2n_module_graphs(f->m, &gs);
  int cap = 0;
  for (int gi = 0; gi < ng; gi++) {
    t2n_node *stack[256];
    int sp = 0;
    for (t2n_node *n = gs[gi]->top->first; n || sp;) {
      if (!n) {
        n = stack[--sp];
        continue;
      }
      if (t2n_node_is(n, "prim::SetAttr")) {
        const t2n_attr *a = t2n_node_attr(n, "name");
        if (a && a->kind == T2N_ATTR_STRING) {
          int seen = 0;
          for (int i = 0; i < f->nwritten; i++)
            if (strcmp(f->written[i], a->s) == 0) seen = 1;
          if (!seen) {
            if (f->nwritten == cap) {
              cap = cap ? cap * 2 : 16;
              f->written = realloc(f->written, sizeof *f->written * (size_t)cap);
              if (!f->written) abort();
            }
            f->written[f->nwritten++] = a->s;
          }
        }
      }
      for (int b = n->nblocks - 1; b >= 0 && sp < 255; b--)
        if (n->blocks[b]->first) stack[sp++] = n->blocks[b]->first;
      n = n->next;
    }
  }
}

/* ---- graph inputs ---- */
static void seed_inputs(t2n_shape_facts *f) {
  t2n_block *top = f->g->top;
  for (int i = 0; i < top->nparams; i++) {
    t2n_value *v = top->params[i];
    const t2n_type *ty = v->type;
    t2n_ival iv;
    t2n_ival_set_unknown(&iv);
    if (ty && ty->kind == T2N_TY_CLASS) {
      const t2n_object *obj = NULL;
      if (i == 0 && f->m->root && f->m->root->qualname && strcmp(f->m->root->qualname, ty->name) == 0)
        obj = f->m->root;
      t2n_sh_store(f, v, &iv, obj, obj ? NULL : "a module object the graph does not carry (no module text)",
                   T2N_WHY_OTHER);
      continue;
    }
    const t2n_example *ex = f->opts ? t2n_example_for(f->opts, v->name) : NULL;
    const t2n_type *inner = ty && ty->kind == T2N_TY_OPTIONAL && ty->nelems == 1 ? ty->elems[0] : ty;
    if (ex && ex->is_tensor) {
      if (inner && inner->kind != T2N_TY_TENSOR) {
        t2n_sh_store(f, v, &iv, NULL,
                     t2n_sh_fmtstr(f, "the example for %%%s is a tensor but the input is %s", v->name, ty->text),
                     T2N_WHY_NO_EXAMPLE);
        continue;
      }
      tf_init(&iv);
      iv.dtype = ex->dtype;
      iv.rank = ex->rank <= MAXR ? ex->rank : -1;
      for (int k = 0; k < iv.rank; k++) iv.sizes[k] = ex->sizes[k];
      set_dev(&iv, "cpu");
      t2n_sh_tf_contig(f, &iv);
      t2n_sh_store(f, v, &iv, NULL, NULL, T2N_WHY_KNOWN);
      continue;
    }
    if (ex && ex->is_scalar_value) {
      if (ex->is_none) {
        iv.kind = T2N_IV_NONE;
      } else if (t2n_type_is(inner, "float")) {
        iv.kind = T2N_IV_FLOAT;
        iv.f = ex->scalar_is_float ? ex->fval : (double)ex->ival;
      } else if (t2n_type_is(inner, "bool") && !ex->scalar_is_float) {
        iv.kind = T2N_IV_BOOL;
        iv.i = ex->ival != 0;
      } else if (!ex->scalar_is_float && (t2n_type_is(inner, "int") || !inner || t2n_type_is(inner, "Scalar"))) {
        iv.kind = T2N_IV_INT;
        iv.i = ex->ival;
      } else if (ex->scalar_is_float && t2n_type_is(inner, "Scalar")) {
        iv.kind = T2N_IV_FLOAT;
        iv.f = ex->fval;
      }
      t2n_sh_store(f, v, &iv, NULL,
                   iv.kind == T2N_IV_UNKNOWN
                       ? t2n_sh_fmtstr(f, "the example value for %%%s does not fit its type %s", v->name,
                                       ty ? ty->text : "?")
                       : NULL,
                   T2N_WHY_NO_EXAMPLE);
      continue;
    }
    if (ty && ty->kind == T2N_TY_TENSOR && ty->rank >= 0 && ty->dtype >= 0) {
      t2n_sh_fact_from_type(f, ty, &iv);
      t2n_sh_store(f, v, &iv, NULL, NULL, T2N_WHY_KNOWN);
      continue;
    }
    t2n_sh_store(f, v, &iv, NULL,
                 t2n_sh_fmtstr(f, "graph input %%%s has no example (--input-shape / --input-value)", v->name),
                 T2N_WHY_NO_EXAMPLE);
  }
}

/* ---- the API of include/t2n/shape.h ---- */
t2n_shape_facts *t2n_shape_infer(t2n_module *m, t2n_graph *g, const t2n_pass_options *opts) {
  t2n_shape_facts *f = calloc(1, sizeof *f);
  if (!f) abort();
  f->m = m;
  f->g = g;
  f->opts = opts;
  f->a = t2n_arena_new();
  collect_written(f);
  t2n_graph **gs;
  int ng = t2n_module_graphs(m, &gs);
  int seen_target = 0;
  for (int i = 0; i < ng; i++) {
    t2n_walk(gs[i]->top, scan_node, f);
    if (gs[i] == g) seen_target = 1;
  }
  if (!seen_target) t2n_walk(g->top, scan_node, f);
  for (int round = 0; round < 8; round++) { /* through nested calls */
    call_scan cs = {f, 0};
    for (int i = 0; i < ng; i++) t2n_walk(gs[i]->top, scan_call, &cs);
    if (!seen_target) t2n_walk(g->top, scan_call, &cs);
    if (!cs.added) break;
  }
  seed_inputs(f);
  t2n_sh_infer_block(f, g->top);
  return f;
}

void t2n_shape_facts_free(t2n_shape_facts *f) {
  if (!f) return;
  t2n_arena_free(f->a);
  free(f->tab);
  free(f->written);
  free(f->mut);
  free(f);
}

const t2n_ival *t2n_shape_get(const t2n_shape_facts *f, const t2n_value *v) { return fact(f, v); }
const t2n_object *t2n_shape_object(const t2n_shape_facts *f, const t2n_value *v) { return fact_obj(f, v); }
int t2n_shape_reached(const t2n_shape_facts *f, const t2n_value *v) { return find_slot(f, v) != NULL; }

t2n_why t2n_shape_explain(const t2n_shape_facts *f, const t2n_value *v, char *buf, size_t n) {
  const t2n_value *cur = v;
  if (n) buf[0] = 0;
  for (int depth = 0; depth < 64 && cur; depth++) {
    slot *s = find_slot(f, cur);
    if (!s) {
      snprintf(buf, n, "%%%s is in a branch the example inputs do not take", cur->name);
      return T2N_WHY_NOT_REACHED;
    }
    if (!t2n_sh_ival_incomplete(&s->iv) && cur == v) return T2N_WHY_KNOWN;
    if (s->why) {
      snprintf(buf, n, "%s", s->why);
      return s->whyk;
    }
    const t2n_node *d = cur->def;
    if (!d) {
      if (cur->param_of && cur->param_of->owner && t2n_node_is(cur->param_of->owner, "prim::Loop")) {
        snprintf(buf, n, "%%%s is a loop-carried value that changes between iterations", cur->name);
        return T2N_WHY_OTHER;
      }
      snprintf(buf, n, "nothing is known of %%%s", cur->name);
      return T2N_WHY_OTHER;
    }
    if (t2n_node_is(d, "prim::If") && d->ninputs) {
      int t = t2n_sh_cond_truth(f, d->inputs[0]);
      if (t < 0) {
        cur = d->inputs[0];
        continue;
      }
      const t2n_block *b = d->blocks[t ? 0 : 1];
      if (cur->index < b->ret->ninputs) {
        cur = b->ret->inputs[cur->index];
        continue;
      }
    }
    if (t2n_node_is(d, "prim::Loop")) {
      snprintf(buf, n, "%%%s is a loop-carried value that changes between iterations", cur->name);
      return T2N_WHY_OTHER;
    }
    const t2n_value *next = NULL;
    for (int i = 0; i < d->ninputs && !next; i++)
      if (t2n_sh_ival_incomplete(fact(f, d->inputs[i]))) {
        const t2n_type *ty = d->inputs[i]->type;
        const t2n_ival *x = fact(f, d->inputs[i]);
        /* skip inputs whose unknown part is harmless: None-able and known */
        if (x->kind == T2N_IV_NONE) continue;
        if (ty && ty->kind == T2N_TY_CLASS && fact_obj(f, d->inputs[i])) continue;
        next = d->inputs[i];
      }
    if (!next) {
      snprintf(buf, n, "%s could not compute %%%s from what is known of its inputs", d->kind, cur->name);
      return T2N_WHY_OTHER;
    }
    cur = next;
  }
  snprintf(buf, n, "nothing is known of %%%s", v->name);
  return T2N_WHY_OTHER;
}
