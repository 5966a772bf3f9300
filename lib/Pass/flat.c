/* After -harden: what is left in the graph that an NNEF/ONNX-style exporter
 * cannot take, each node with its source location and why it stayed, in
 * one warning at the end of the run (an error with --require-flat).
 * Hardening that leaves work undone then says so instead of exiting 0 in
 * silence. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t2n/alloc.h"
#include "pm_internal.h"
#include "t2n/diag.h"
#include "t2n/srcloc.h"

/* The node kinds an exporter cannot take after hardening, and the usual
 * reason each is still there. */
static const struct {
  const char *kind, *why;
} leftovers[] = {
    {"prim::CallMethod", "a method call that was not inlined (its class is not in the module text, or -freeze "
                         "could not resolve it)"},
    {"prim::CallFunction", "a function call that was not inlined (its callee is not in the module text)"},
    {"prim::If", "a branch whose condition is not known (it depends on tensor data, or on an input without "
                 "--input-value / --input-shape)"},
    {"prim::Loop", "a loop whose trip count is not known once sizes fold (-prepare-export unrolls known ones)"},
    {"prim::TupleIndex", "a tuple index that is not a constant, or of a tuple that is not built here"},
    {"prim::data", "prim::data that -strip-prim-data did not replace"},
    {"prim::RaiseException", "a raise on a path that was not ruled out (an assertion whose condition is not known)"},
    {"prim::GetAttr", "a module attribute -freeze did not make a constant (it may be written on a path -harden "
                      "could not rule out; a remark of -freeze says which)"},
    {"prim::SetAttr", "writes module state: -lift-state was forgotten (run -lift-state before -harden to turn the "
                      "state into graph inputs and outputs)"},
};
#define NLEFTOVERS ((int)(sizeof leftovers / sizeof leftovers[0]))

typedef struct flat_walk {
  t2n_module *m;
  char *text;
  size_t len, cap;
  int count;
} flat_walk;

static void append(flat_walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(flat_walk *w, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->text ? w->text + w->len : NULL, w->text ? w->cap - w->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (w->text && w->len + (size_t)n < w->cap) {
      w->len += (size_t)n;
      return;
    }
    w->cap = (w->cap + (size_t)n + 1) * 2;
    w->text = t2n_xrealloc(w->text, w->cap);
    if (!w->text) abort();
  }
}

int t2n_node_is_harden_leftover(const t2n_node *n) {
  for (int i = 0; i < NLEFTOVERS; i++)
    if (t2n_node_is(n, leftovers[i].kind)) return 1;
  return 0;
}

static int visit(t2n_node *n, void *arg) {
  flat_walk *w = arg;
  for (int i = 0; i < NLEFTOVERS; i++) {
    if (!t2n_node_is(n, leftovers[i].kind)) continue;
    t2n_srcloc l;
    t2n_node_srcloc(w->m, n, &l);
    append(w, "\n  ");
    if (l.line > 0 && l.col > 0) append(w, "%s:%d:%d: ", l.file, l.line, l.col);
    else if (l.line > 0) append(w, "%s:%d: ", l.file, l.line);
    else append(w, "%s: (made by a pass) ", l.file);
    append(w, "%s: %s", n->kind, leftovers[i].why);
    w->count++;
    break;
  }
  return 0;
}

int t2n_pm_report_leftovers(t2n_pass_manager *pm, t2n_module *m, t2n_graph *g) {
  flat_walk w = {m, NULL, 0, 0, 0};
  t2n_walk(g->top, visit, &w);
  if (!w.count) return 1;
  int strict = pm->cfg.require_flat;
  t2n_report(pm->d, strict ? T2N_ERROR : T2N_WARNING, NULL,
             "after -harden, %d node%s in %s cannot be exported%s:%s", w.count, w.count == 1 ? "" : "s",
             pm->popts.method ? pm->popts.method : "forward",
             strict ? " (--require-flat)" : " (--require-flat makes this an error)", w.text);
  free(w.text);
  return !strict;
}
