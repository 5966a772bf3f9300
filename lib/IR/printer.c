/* Printer: writes graphs in torch's exact layout (torch/csrc/jit/ir/ir.cpp),
 * module dumps in dump_to_str's layout, and t2n module text (docs/ir-format.md). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "t2n/text.h"

static void ind(FILE *out, int n) {
  static const char sp[] = "                                                                ";
  while (n > 0) {
    int k = n > 64 ? 64 : n;
    fwrite(sp, 1, (size_t)k, out);
    n -= k;
  }
}

static void put(FILE *out, const char *s) { fputs(s, out); }

static void refs(FILE *out, t2n_value *const *v, int n) {
  for (int i = 0; i < n; i++) {
    if (i) put(out, ", ");
    fputc('%', out);
    put(out, v[i]->name);
  }
}

static void typed(FILE *out, const t2n_value *v) {
  fputc('%', out);
  put(out, v->name);
  put(out, " : ");
  put(out, v->type->text);
}

typedef struct groups { const t2n_node **v; int n, cap; } groups;

static int group_index(groups *g, const t2n_node *n) {
  if (g->n == g->cap) {
    g->cap = g->cap ? g->cap * 2 : 4;
    g->v = realloc(g->v, sizeof *g->v * (size_t)g->cap);
    if (!g->v) abort();
  }
  g->v[g->n] = n;
  return g->n++;
}

static void print_nodes(FILE *out, const t2n_block *b, int indent, groups *gr);

static void print_node_g(FILE *out, const t2n_node *n, int indent, groups *gr) {
  ind(out, indent);
  for (int i = 0; i < n->noutputs; i++) {
    if (i) put(out, ", ");
    typed(out, n->outputs[i]);
  }
  put(out, " = ");
  put(out, n->kind);
  if (n->subgraph && gr) fprintf(out, "_%d", group_index(gr, n));
  else if (n->subgraph) put(out, "_0");
  if (n->nattrs || n->has_attr_brackets) {
    fputc('[', out);
    for (int i = 0; i < n->nattrs; i++) {
      if (i) put(out, ", ");
      put(out, n->attrs[i].name);
      fputc('=', out);
      put(out, n->attrs[i].raw);
    }
    fputc(']', out);
  }
  if (n->pyop_args) put(out, n->pyop_args);
  fputc('(', out);
  refs(out, n->inputs, n->ninputs);
  fputc(')', out);
  if (n->scope) {
    put(out, ", scope: ");
    put(out, n->scope);
  }
  if (n->source) {
    put(out, " # ");
    put(out, n->source);
  }
  fputc('\n', out);
  for (int k = 0; k < n->nblocks; k++) {
    const t2n_block *b = n->blocks[k];
    ind(out, indent + 2);
    fprintf(out, "block%d(", k);
    for (int i = 0; i < b->nparams; i++) {
      if (i) put(out, ", ");
      typed(out, b->params[i]);
    }
    put(out, "):\n");
    print_nodes(out, b, indent + 4, gr);
    ind(out, indent + 4);
    put(out, "-> (");
    refs(out, b->ret->inputs, b->ret->ninputs);
    put(out, ")\n");
  }
}

static void print_nodes(FILE *out, const t2n_block *b, int indent, groups *gr) {
  for (const t2n_node *n = b->first; n; n = n->next) print_node_g(out, n, indent, gr);
}

void t2n_print_node(FILE *out, const t2n_node *n, int indent) { print_node_g(out, n, indent, NULL); }

/* Prints "graph(...)" and what follows; the caller has written the first
 * line's indentation. */
static void print_graph_body(FILE *out, const t2n_graph *g, int base) {
  const t2n_block *top = g->top;
  put(out, "graph(");
  for (int i = 0; i < top->nparams; i++) {
    if (i) {
      put(out, ",\n");
      ind(out, base + 6);
    }
    typed(out, top->params[i]);
  }
  put(out, "):\n");
  groups gr = {0};
  print_nodes(out, top, base + 2, &gr);
  ind(out, base + 2);
  put(out, "return (");
  refs(out, top->ret->inputs, top->ret->ninputs);
  put(out, ")\n");
  for (int i = 0; i < gr.n; i++) {
    ind(out, base);
    fprintf(out, "with %s_%d = ", gr.v[i]->kind, i);
    print_graph_body(out, gr.v[i]->subgraph, base);
  }
  free(gr.v);
}

void t2n_print_graph(FILE *out, const t2n_graph *g, int indent) {
  ind(out, indent);
  print_graph_body(out, g, indent);
}

static void print_dump(FILE *out, const t2n_object *o, int I) {
  ind(out, I); fprintf(out, "module %s {\n", o->qualname);
  ind(out, I + 2); put(out, "parameters {\n");
  for (int i = 0; i < o->nparams; i++) {
    ind(out, I + 4);
    fprintf(out, "%s = %s\n", o->params[i].name, o->params[i].raw);
  }
  ind(out, I + 2); put(out, "}\n");
  ind(out, I + 2); put(out, "attributes {\n");
  for (int i = 0; i < o->nfields; i++) {
    ind(out, I + 4);
    fprintf(out, "%s = %s\n", o->fields[i].name, o->fields[i].raw);
  }
  ind(out, I + 2); put(out, "}\n");
  ind(out, I + 2); put(out, "methods {\n");
  for (int i = 0; i < o->nmethods; i++) {
    ind(out, I + 4); fprintf(out, "method %s {\n", o->methods[i].name);
    t2n_print_graph(out, o->methods[i].graph, I + 6);
    ind(out, I + 2); put(out, "\n");
    ind(out, I + 4); put(out, "}\n");
  }
  ind(out, I + 2); put(out, "}\n");
  ind(out, I + 2); put(out, "submodules {\n");
  for (int i = 0; i < o->nsubs; i++) print_dump(out, o->subs[i], I + 4);
  ind(out, I + 2); put(out, "}\n");
  ind(out, I); put(out, "}\n");
}

static const char *slot_word(t2n_slot_kind k) {
  return k == T2N_SLOT_PARAM ? "param" : k == T2N_SLOT_BUFFER ? "buffer" : "attr";
}

static void print_object(FILE *out, const t2n_object *o, int I) {
  for (int i = 0; i < o->nfields; i++) {
    const t2n_field *f = &o->fields[i];
    ind(out, I);
    if (f->obj) {
      fprintf(out, "%s = object %s {\n", f->name, f->obj->qualname);
      print_object(out, f->obj, I + 2);
      ind(out, I);
      put(out, "}\n");
    } else {
      fprintf(out, "%s = %s\n", f->name, f->raw);
    }
  }
}

static void print_t2n(FILE *out, t2n_module *m) {
  fprintf(out, "t2n module %d\n", m->version);
  if (m->weights) fprintf(out, "weights %s\n", t2n_fmt_string(m, m->weights, strlen(m->weights)));
  put(out, "\n");
  for (int i = 0; i < m->nclasses; i++) {
    const t2n_class *c = m->classes[i];
    fprintf(out, "class %s {\n", c->name);
    for (int k = 0; k < c->nslots; k++)
      fprintf(out, "  %s %s : %s\n", slot_word(c->slots[k].kind), c->slots[k].name, c->slots[k].type->text);
    for (int k = 0; k < c->nmethods; k++) {
      fprintf(out, "  method %s {\n", c->methods[k].name);
      t2n_print_graph(out, c->methods[k].graph, 4);
      put(out, "  }\n");
    }
    put(out, "}\n\n");
  }
  for (int i = 0; i < m->nfunctions; i++) {
    fprintf(out, "function %s {\n", m->functions[i]->name);
    t2n_print_graph(out, m->functions[i]->graph, 2);
    put(out, "}\n\n");
  }
  if (m->root) {
    fprintf(out, "object %s {\n", m->root->qualname);
    print_object(out, m->root, 2);
    put(out, "}\n");
  }
}

void t2n_print_module(FILE *out, const t2n_module *m) {
  switch (m->kind) {
  case T2N_TEXT_GRAPH: t2n_print_graph(out, m->graph, 0); break;
  case T2N_TEXT_DUMP: print_dump(out, m->root, 0); break;
  case T2N_TEXT_T2N: print_t2n(out, (t2n_module *)m); break;
  }
}

char *t2n_module_to_string(const t2n_module *m, size_t *len) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  if (!f) return NULL;
  t2n_print_module(f, m);
  fclose(f);
  if (m->no_final_newline && n && buf[n - 1] == '\n') buf[--n] = 0;
  if (len) *len = n;
  return buf;
}
