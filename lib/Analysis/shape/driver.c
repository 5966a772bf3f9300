/* Native shape inference, the driver: t2n_shape_infer runs the pre-scan
 * (attribute names some prim::SetAttr writes; which lists and tensors are
 * changed in place is asked of the mutation analysis of include/t2n/ops.h),
 * seeds the graph inputs from the example inputs, and walks the graph
 * (propagate.c). Also the fact queries of
 * include/t2n/shape.h and t2n_shape_explain, which follows an unknown value
 * back to the root cause. */
#include <stdio.h>
#include <stdlib.h>

#include "shape_internal.h"
#include "t2n/alloc.h"
#include "t2n/examples.h"

/* The graph a value belongs to (the outermost block's). */
static t2n_graph *graph_of(const t2n_value *v) {
  t2n_block *b = v->def ? v->def->parent : v->param_of;
  while (b && b->owner) b = b->owner->parent;
  return b ? b->graph : NULL;
}

/* Shapes of tensors and contents of lists are facts only for values no node
 * changes in place through any alias (the mutation analysis of
 * include/t2n/ops.h): tensors by the ops that can change a shape
 * (unsqueeze_, resize_), lists and dicts by any mutation or unknown call.
 * One analysis per graph (callee graphs have their own), made when first
 * asked. */
int t2n_sh_is_mutated(const t2n_shape_facts *cf, const t2n_value *v) {
  t2n_shape_facts *f = (t2n_shape_facts *)cf; /* the analyses are a cache */
  t2n_graph *g = graph_of(v);
  if (!g) return 0;
  t2n_alias *a = NULL;
  for (int i = 0; i < f->nalias && !a; i++)
    if (f->alias[i].g == g) a = f->alias[i].a;
  if (!a) {
    T2N_GROW(f->alias, f->capalias, f->nalias + 1);
    a = t2n_alias_new(g);
    f->alias[f->nalias].g = g;
    f->alias[f->nalias++].a = a;
  }
  return t2n_alias_writer(a, v, T2N_ALIAS_SHAPE) != NULL;
}

/* ---- pre-scans ---- */
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
      if (n->op == T2N_OP_prim_SetAttr) {
        const t2n_attr *a = t2n_node_attr(n, "name");
        if (a && a->kind == T2N_ATTR_STRING) {
          int seen = 0;
          for (int i = 0; i < f->nwritten; i++)
            if (strcmp(f->written[i], a->s) == 0) seen = 1;
          if (!seen) {
            T2N_GROW(f->written, cap, f->nwritten + 1);
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
      iv.rank = ex->rank <= T2N_MAX_RANK ? ex->rank : -1;
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
  t2n_shape_facts *f = t2n_xcalloc(1, sizeof *f);
  f->m = m;
  f->g = g;
  f->opts = opts;
  f->a = t2n_arena_new();
  collect_written(f);
  seed_inputs(f);
  t2n_sh_infer_block(f, g->top);
  return f;
}

void t2n_shape_facts_free(t2n_shape_facts *f) {
  if (!f) return;
  t2n_arena_free(f->a);
  free(f->tab);
  free(f->written);
  free(f->refused);
  for (int i = 0; i < f->nalias; i++) t2n_alias_free(f->alias[i].a);
  free(f->alias);
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
