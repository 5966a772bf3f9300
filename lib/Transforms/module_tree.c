/* The object tree as the module-walking passes see it (module_util.h): a
 * graph's self, the prim::GetAttr chains from it, attribute paths
 * ("self.a.b") and the objects and classes they reach. */
#include "t2n/alloc.h"
#include "module_util.h"

#include <stdlib.h>
#include <string.h>

t2n_value *t2n_mu_self(t2n_graph *g) {
  if (!g || t2n_graph_ninputs(g) < 1) return NULL;
  t2n_value *s = t2n_graph_input(g, 0);
  return s->type && s->type->kind == T2N_TY_CLASS ? s : NULL;
}

int t2n_mu_attr_chain(t2n_graph *g, const t2n_value *v, const char **names, int max) {
  t2n_value *self = t2n_mu_self(g);
  if (!self) return -1;
  const char *rev[64];
  int n = 0;
  while (v != self) {
    const t2n_node *d = v->def;
    if (!d || !t2n_node_is(d, "prim::GetAttr") || d->ninputs != 1 || n == 64) return -1;
    const t2n_attr *a = t2n_node_attr(d, "name");
    if (!a || a->kind != T2N_ATTR_STRING) return -1;
    rev[n++] = a->s;
    v = d->inputs[0];
  }
  if (n > max) return -1;
  for (int i = 0; i < n; i++) names[i] = rev[n - 1 - i];
  return n;
}

const char *t2n_mu_attr_path(t2n_graph *g, const t2n_value *v, const char *extra) {
  const char *names[64];
  int n = t2n_mu_attr_chain(g, v, names, 64);
  if (n < 0) return NULL;
  size_t len = 5 + (extra ? strlen(extra) + 1 : 0);
  for (int i = 0; i < n; i++) len += strlen(names[i]) + 1;
  char *buf = t2n_xmalloc(len);
  strcpy(buf, "self");
  for (int i = 0; i < n; i++) strcat(strcat(buf, "."), names[i]);
  if (extra) strcat(strcat(buf, "."), extra);
  const char *r = t2n_intern(g->mod, buf);
  free(buf);
  return r;
}

t2n_object *t2n_mu_object_of(t2n_graph *g, const t2n_value *v) {
  t2n_module *m = g->mod;
  if (m->kind != T2N_TEXT_T2N || !m->root) return NULL;
  const char *names[64];
  int n = t2n_mu_attr_chain(g, v, names, 64);
  if (n < 0) return NULL;
  t2n_object *o = m->root;
  for (int i = 0; i < n && o; i++) {
    const t2n_field *f = t2n_object_field(o, names[i]);
    o = f ? f->obj : NULL;
  }
  return o;
}

t2n_class *t2n_mu_class_of_type(t2n_module *m, const t2n_value *v) {
  if (!v->type || v->type->kind != T2N_TY_CLASS) return NULL;
  return t2n_module_class(m, v->type->text);
}

t2n_class *t2n_mu_class_of(t2n_graph *g, const t2n_value *v) {
  t2n_class *c = t2n_mu_class_of_type(g->mod, v);
  if (c) return c;
  t2n_object *o = t2n_mu_object_of(g, v);
  return o ? t2n_module_class(g->mod, o->qualname) : NULL;
}

