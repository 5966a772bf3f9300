/* t2n-export --dynamic-axis: the probe loop (lib/NNEF/dynamic.c says why
 * probes, and how the graphs are merged).
 *
 * Each probe (the plan's callback, asked for by t2n_nnef_symbolize) is a
 * whole export of a fresh copy of the input with the example sizes of the
 * dynamic axes changed, so passes that fold sizes
 * (-fold-sizes, -infer-shapes) see that probe's sizes and whatever they
 * fold shows up as a differing integer. A probe's messages are held back
 * and shown only when it fails: the model does not export at that size. */
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"
#include "t2n/examples.h"

static void list_inputs(t2n_graph *g, t2n_diag *d) {
  char buf[1024];
  size_t k = 0;
  buf[0] = 0;
  for (int i = 0; i < g->top->nparams && k < sizeof buf; i++)
    if (t2n_type_is_tensor(g->top->params[i]->type))
      k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", k ? ", " : "", g->top->params[i]->name);
  t2n_report(d, T2N_NOTE, NULL, "the graph's tensor inputs: %s", k ? buf : "(none)");
}

/* The example of input `name` as --input-shape gave it, or NULL (reported). */
static t2n_example *shape_example(t2n_pass_options *po, t2n_graph *g, const t2n_dynamic_axis *a, t2n_diag *d) {
  const t2n_example *e = t2n_example_for(po, a->input);
  int is_input = 0;
  for (int i = 0; i < g->top->nparams; i++) {
    const t2n_value *v = g->top->params[i];
    size_t n = strlen(a->input);
    if (t2n_type_is_tensor(v->type) && strncmp(v->name, a->input, n) == 0 && (!v->name[n] || v->name[n] == '.'))
      is_input = 1;
  }
  if (!is_input) {
    t2n_report(d, T2N_ERROR, NULL, "--dynamic-axis %s:%d=%s: the graph has no tensor input '%s'", a->input, a->axis,
               a->symbol, a->input);
    list_inputs(g, d);
    return NULL;
  }
  if (!e || !e->is_tensor || e->data) {
    t2n_report(d, T2N_ERROR, NULL,
               "--dynamic-axis %s:%d=%s: give input '%s' an example shape with --input-shape %s=... (its size on "
               "axis %d is the example value of %s)",
               a->input, a->axis, a->symbol, a->input, a->input, a->axis, a->symbol);
    return NULL;
  }
  if (a->axis >= e->rank) {
    t2n_report(d, T2N_ERROR, NULL, "--dynamic-axis %s:%d=%s: input '%s' has rank %d (%s)", a->input, a->axis,
               a->symbol, a->input, e->rank, e->origin ? e->origin : "its example");
    return NULL;
  }
  for (int i = 0; i < po->nexamples; i++)
    if (&po->examples[i] == e) return &po->examples[i];
  return NULL;
}

/* The symbols of the axes and their example values into pl, the example
 * of each axis into ex, its symbol's index into sym. 0 after reporting. */
static int plan_axes(t2n_pass_options *po, t2n_graph *g, const t2n_dynamic_axis *ax, int nax, t2n_dynamic_plan *pl,
                     t2n_example **ex, int *sym, t2n_diag *d) {
  if (nax > T2N_DYN_MAX_SYMBOLS * 4) {
    t2n_report(d, T2N_ERROR, NULL, "at most %d --dynamic-axis options", T2N_DYN_MAX_SYMBOLS * 4);
    return 0;
  }
  for (int i = 0; i < nax; i++) {
    const t2n_dynamic_axis *a = &ax[i];
    if (!(ex[i] = shape_example(po, g, a, d))) return 0;
    for (int k = 0; k < i; k++)
      if (ex[k] == ex[i] && ax[k].axis == a->axis) {
        t2n_report(d, T2N_ERROR, NULL, "--dynamic-axis names axis %d of '%s' twice", a->axis, a->input);
        return 0;
      }
    int64_t size = ex[i]->sizes[a->axis];
    int s;
    for (s = 0; s < pl->nsymbols; s++)
      if (strcmp(pl->symbols[s], a->symbol) == 0) break;
    if (s == pl->nsymbols) {
      if (s == T2N_DYN_MAX_SYMBOLS) {
        t2n_report(d, T2N_ERROR, NULL, "at most %d dynamic-axis symbols", T2N_DYN_MAX_SYMBOLS);
        return 0;
      }
      pl->symbols[s] = a->symbol;
      pl->base[s] = size;
      pl->nsymbols++;
    } else if (pl->base[s] != size) {
      t2n_report(d, T2N_ERROR, NULL,
                 "--dynamic-axis: symbol %s is %lld on axis %d of '%s' but %lld on an earlier axis in the example "
                 "shapes; one symbol has one value",
                 a->symbol, (long long)size, a->axis, a->input, (long long)pl->base[s]);
      return 0;
    }
    sym[i] = s;
  }
  return 1;
}

int t2n_export_dynamic_check(t2n_pass_options *po, t2n_graph *g, const t2n_dynamic_axis *ax, int nax, t2n_diag *d) {
  t2n_dynamic_plan *pl = calloc(1, sizeof *pl);
  t2n_example *ex[T2N_DYN_MAX_SYMBOLS * 4] = {NULL};
  int sym[T2N_DYN_MAX_SYMBOLS * 4] = {0};
  int ok = plan_axes(po, g, ax, nax, pl, ex, sym, d);
  free(pl);
  return ok;
}

/* The state of the probe callback. */
typedef struct prober {
  const t2n_dynamic_axis *ax;
  int nax;
  t2n_example **ex;
  const int *sym;
  t2n_probe_fn fn;
  void *arg;
  t2n_module **mods;
  int nmods;
  const t2n_dynamic_plan *pl;
} prober;

/* One probe: the examples at `vals`, then a whole export of a fresh copy
 * of the input, its messages held back unless it fails. */
static t2n_nnef_graph *probe(void *arg, const int64_t *vals, t2n_diag *d) {
  prober *pr = arg;
  for (int i = 0; i < pr->nax; i++) pr->ex[i]->sizes[pr->ax[i].axis] = vals[pr->sym[i]];
  char *msgs = NULL;
  size_t nmsgs = 0;
  FILE *cap = open_memstream(&msgs, &nmsgs), *out = d->out;
  int errs = d->nerrors;
  if (cap) d->out = cap;
  t2n_module *m = NULL;
  t2n_nnef_graph *g = pr->fn(pr->arg, &m, d);
  d->out = out;
  if (cap) fclose(cap);
  if (m) pr->mods[pr->nmods++] = m;
  if (!g) {
    d->nerrors = errs;
    char at[256];
    size_t k = 0;
    for (int s = 0; s < pr->pl->nsymbols && k < sizeof at; s++)
      k += (size_t)snprintf(at + k, sizeof at - k, "%s%s = %lld", s ? ", " : "", pr->pl->symbols[s], (long long)vals[s]);
    t2n_report(d, T2N_ERROR, NULL,
               "--dynamic-axis: the model does not export at %s (t2n-export lowers it at several sizes to find what "
               "depends on the axis; the model may accept only some sizes); its messages there:",
               at);
    if (msgs) fputs(msgs, d->out);
  }
  free(msgs);
  return g;
}

int t2n_export_dynamic(t2n_pass_options *po, t2n_graph *g, const t2n_dynamic_axis *ax, int nax,
                       t2n_nnef_graph *base, t2n_probe_fn fn, void *arg, t2n_diag *d) {
  t2n_dynamic_plan *pl = calloc(1, sizeof *pl);
  t2n_example *ex[T2N_DYN_MAX_SYMBOLS * 4] = {NULL};
  int sym[T2N_DYN_MAX_SYMBOLS * 4] = {0}, rc = 1;
  prober pr = {ax, nax, ex, sym, fn, arg, calloc(T2N_DYN_MAX_PROBES, sizeof(t2n_module *)), 0, pl};
  if (plan_axes(po, g, ax, nax, pl, ex, sym, d)) {
    pl->probe = probe;
    pl->probe_arg = &pr;
    pl->graphs[0] = base;
    rc = t2n_nnef_symbolize(pl, d);
    for (int i = 0; i < nax; i++) ex[i]->sizes[ax[i].axis] = pl->base[sym[i]];
  }
  for (int p = 1; p < pl->nprobes; p++) t2n_nnef_graph_free(pl->graphs[p]);
  for (int i = 0; i < pr.nmods; i++) t2n_module_free(pr.mods[i]);
  free(pr.mods);
  free(pl);
  return rc;
}
