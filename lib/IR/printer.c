/* Printer: writes graphs in torch's exact layout (torch/csrc/jit/ir/ir.cpp),
 * module dumps in dump_to_str's layout, and t2n module text (docs/ir-format.md). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "t2n/alloc.h"
#include "t2n/text.h"

/* Output goes to a growing buffer, written out once: cheaper than stdio
 * calls per token, and t2n_module_to_string needs no memstream. */
typedef struct sb { char *p; size_t n, cap; } sb;

static void reserve(sb *b, size_t k) {
  if (b->n + k + 1 <= b->cap) return;
  b->cap = (b->n + k + 1) * 2 + 4096;
  b->p = t2n_xrealloc(b->p, b->cap);
}

static void putn(sb *b, const char *s, size_t k) {
  reserve(b, k);
  memcpy(b->p + b->n, s, k);
  b->n += k;
}

static void put(sb *b, const char *s) { putn(b, s, strlen(s)); }

static void putch(sb *b, char c) {
  reserve(b, 1);
  b->p[b->n++] = c;
}

/* Names, kinds and types are short: copying a byte at a time into reserved
 * room beats a strlen and a memcpy call for each. */
static void put_short(sb *b, const char *s) {
  for (;;) {
    reserve(b, 32);
    char *d = b->p + b->n;
    for (int i = 0; i < 32; i++)
      if (!(d[i] = s[i])) {
        b->n += (size_t)i;
        return;
      }
    b->n += 32;
    s += 32;
  }
}

/* A string of known length, copied in at most two word moves when short. */
static void put_len(sb *b, const char *s, size_t n) {
  reserve(b, n);
  char *d = b->p + b->n;
  if (n >= 8 && n <= 16) {
    memcpy(d, s, 8);
    memcpy(d + n - 8, s + n - 8, 8);
  } else if (n >= 4 && n < 8) {
    memcpy(d, s, 4);
    memcpy(d + n - 4, s + n - 4, 4);
  } else if (n < 4) {
    for (size_t i = 0; i < n; i++) d[i] = s[i];
  } else {
    memcpy(d, s, n);
  }
  b->n += n;
}

static void putint(sb *b, long v) {
  char tmp[24];
  int k = (int)sizeof tmp;
  unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
  do tmp[--k] = (char)('0' + u % 10);
  while (u /= 10);
  if (v < 0) tmp[--k] = '-';
  putn(b, tmp + k, sizeof tmp - (size_t)k);
}

static void sbprintf(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sbprintf(sb *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  reserve(b, (size_t)k);
  va_start(ap, fmt);
  vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
  va_end(ap);
  b->n += (size_t)k;
}

static void ind(sb *b, int n) {
  reserve(b, (size_t)(n > 0 ? n : 0));
  for (int i = 0; i < n; i++) b->p[b->n++] = ' ';
}

static void refs(sb *out, t2n_value *const *v, int n) {
  for (int i = 0; i < n; i++) {
    if (i) put(out, ", ");
    putch(out, '%');
    put_len(out, v[i]->name, v[i]->namelen);
  }
}

static void typed(sb *out, const t2n_value *v) {
  putch(out, '%');
  put_len(out, v->name, v->namelen);
  if (!v->type->textlen) return; /* untyped */
  putn(out, " : ", 3);
  put_len(out, v->type->text, v->type->textlen);
}

typedef struct groups { const t2n_node **v; int n, cap; } groups;

static int group_index(groups *g, const t2n_node *n) {
  T2N_GROW(g->v, g->cap, g->n + 1);
  g->v[g->n] = n;
  return g->n++;
}

static void print_nodes(sb *out, const t2n_block *b, int indent, groups *gr);

static void print_node_g(sb *out, const t2n_node *n, int indent, groups *gr) {
  ind(out, indent);
  for (int i = 0; i < n->noutputs; i++) {
    if (i) put(out, ", ");
    typed(out, n->outputs[i]);
  }
  put(out, " = ");
  put_short(out, n->kind);
  if (n->subgraph && gr) {
    putch(out, '_');
    putint(out, group_index(gr, n));
  }
  else if (n->subgraph) put(out, "_0");
  if (n->nattrs || n->has_attr_brackets) {
    putch(out, '[');
    for (int i = 0; i < n->nattrs; i++) {
      if (i) put(out, ", ");
      put(out, n->attrs[i].name);
      putch(out, '=');
      put(out, n->attrs[i].raw);
    }
    putch(out, ']');
  }
  if (n->pyop_args) put(out, n->pyop_args);
  putch(out, '(');
  refs(out, n->inputs, n->ninputs);
  putch(out, ')');
  if (n->scope) {
    put(out, ", scope: ");
    put(out, n->scope);
  }
  if (n->source) {
    put(out, " # ");
    put(out, n->source);
  }
  putch(out, '\n');
  for (int k = 0; k < n->nblocks; k++) {
    const t2n_block *b = n->blocks[k];
    ind(out, indent + 2);
    put(out, "block");
    putint(out, k);
    putch(out, '(');
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

/* In a large graph the nodes and their values are far beyond the caches:
 * asking for the next node while this one prints hides most of the miss
 * that would otherwise start each node. */
static void print_nodes(sb *out, const t2n_block *b, int indent, groups *gr) {
  for (const t2n_node *n = b->first; n; n = n->next) {
    if (n->next) {
      __builtin_prefetch(n->next);
      __builtin_prefetch((const char *)n->next + 64);
    }
    print_node_g(out, n, indent, gr);
  }
}

static void flush(FILE *f, sb *b) {
  if (b->n) fwrite(b->p, 1, b->n, f);
  free(b->p);
}

void t2n_print_node(FILE *f, const t2n_node *n, int indent) {
  sb b = {0};
  print_node_g(&b, n, indent, NULL);
  flush(f, &b);
}

/* Prints "graph(...)" and what follows; the caller has written the first
 * line's indentation. */
static void print_graph_body(sb *out, const t2n_graph *g, int base) {
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
    put(out, "with ");
    put(out, gr.v[i]->kind);
    putch(out, '_');
    putint(out, i);
    put(out, " = ");
    print_graph_body(out, gr.v[i]->subgraph, base);
  }
  free(gr.v);
}

static void graph_at(sb *out, const t2n_graph *g, int indent) {
  ind(out, indent);
  print_graph_body(out, g, indent);
}

void t2n_print_graph(FILE *f, const t2n_graph *g, int indent) {
  sb b = {0};
  graph_at(&b, g, indent);
  flush(f, &b);
}

static void print_dump(sb *out, const t2n_object *o, int I) {
  ind(out, I); sbprintf(out, "module %s {\n", o->qualname);
  ind(out, I + 2); put(out, "parameters {\n");
  for (int i = 0; i < o->nparams; i++) {
    ind(out, I + 4);
    sbprintf(out, "%s = %s\n", o->params[i].name, o->params[i].raw);
  }
  ind(out, I + 2); put(out, "}\n");
  ind(out, I + 2); put(out, "attributes {\n");
  for (int i = 0; i < o->nfields; i++) {
    ind(out, I + 4);
    sbprintf(out, "%s = %s\n", o->fields[i].name, o->fields[i].raw);
  }
  ind(out, I + 2); put(out, "}\n");
  ind(out, I + 2); put(out, "methods {\n");
  for (int i = 0; i < o->nmethods; i++) {
    ind(out, I + 4); sbprintf(out, "method %s {\n", o->methods[i].name);
    graph_at(out, o->methods[i].graph, I + 6);
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

/* A slot or field name: bare when every byte is printable and none is a
 * space, '"', '\\' or ':'; else a quoted string (docs/ir-format.md). */
static void put_name(sb *out, t2n_module *m, const char *name) {
  int bare = *name != 0;
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    if (*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '\\' || *p == ':') bare = 0;
  put(out, bare ? name : t2n_fmt_string(m, name, strlen(name)));
}

static void print_object(sb *out, t2n_module *m, const t2n_object *o, int I) {
  for (int i = 0; i < o->nfields; i++) {
    const t2n_field *f = &o->fields[i];
    ind(out, I);
    put_name(out, m, f->name);
    if (f->obj) {
      sbprintf(out, " = object %s {\n", f->obj->qualname);
      print_object(out, m, f->obj, I + 2);
      ind(out, I);
      put(out, "}\n");
    } else {
      put(out, " = ");
      put(out, f->raw);
      putch(out, '\n');
    }
  }
}

static void print_t2n(sb *out, t2n_module *m) {
  sbprintf(out, "t2n module %d\n", m->version);
  if (m->weights) sbprintf(out, "weights %s\n", t2n_fmt_string(m, m->weights, strlen(m->weights)));
  put(out, "\n");
  for (int i = 0; i < m->nclasses; i++) {
    const t2n_class *c = m->classes[i];
    sbprintf(out, "class %s {\n", c->name);
    for (int k = 0; k < c->nslots; k++)
    {
      sbprintf(out, "  %s ", slot_word(c->slots[k].kind));
      put_name(out, m, c->slots[k].name);
      sbprintf(out, " : %s\n", c->slots[k].type->text);
    }
    for (int k = 0; k < c->nmethods; k++) {
      sbprintf(out, "  method %s {\n", c->methods[k].name);
      graph_at(out, c->methods[k].graph, 4);
      put(out, "  }\n");
    }
    put(out, "}\n\n");
  }
  for (int i = 0; i < m->nfunctions; i++) {
    sbprintf(out, "function %s {\n", m->functions[i]->name);
    graph_at(out, m->functions[i]->graph, 2);
    put(out, "}\n\n");
  }
  if (m->root) {
    sbprintf(out, "object %s {\n", m->root->qualname);
    print_object(out, m, m->root, 2);
    put(out, "}\n");
  }
}

static void module_to(sb *out, const t2n_module *m) {
  switch (m->kind) {
  case T2N_TEXT_GRAPH: graph_at(out, m->graph, 0); break;
  case T2N_TEXT_DUMP: print_dump(out, m->root, 0); break;
  case T2N_TEXT_T2N: print_t2n(out, (t2n_module *)m); break;
  }
}

void t2n_print_module(FILE *f, const t2n_module *m) {
  sb b = {0};
  module_to(&b, m);
  flush(f, &b);
}

char *t2n_module_to_string(const t2n_module *m, size_t *len) {
  sb b = {0};
  /* Printing what was parsed gives back about as many bytes: one right-sized
   * allocation instead of a large default one. */
  if (m->parsed_len) {
    b.cap = m->parsed_len + 64;
    b.p = t2n_xmalloc(b.cap);
  }
  module_to(&b, m);
  reserve(&b, 0);
  if (m->no_final_newline && b.n && b.p[b.n - 1] == '\n') b.n--;
  b.p[b.n] = 0;
  if (len) *len = b.n;
  return b.p;
}
