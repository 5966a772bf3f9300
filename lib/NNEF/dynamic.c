/* Dynamic axes: one NNEF graph whose sizes are tract shape expressions of
 * symbols (--dynamic-axis NAME:AXIS=SYMBOL).
 *
 * How: the shape inference and every lowering work on fixed int64 sizes
 * (fast, and the fixed path stays exactly as it is). The exporter lowers
 * the whole model again at probe values of each symbol (a callback of the
 * plan: the pipeline and the lowering of a fresh copy of the input) and
 * t2n_nnef_symbolize merges the graphs: they must have the same ops, and an
 * integer argument that differs between them is a size that depends on the
 * symbol. It is fitted, per symbol, to
 *     m * floor((S + b) / d)       (d = 1: the affine m * S)
 * and summed with a constant: the forms that views, slices, pads, strided
 * convs and pools, stft frames, flattens and concats give (nested floors of
 * strided ops compose into one: floor((floor((S + b1) / d1) + c) / d2) is
 * floor((S + b1 + c * d1) / (d1 * d2))). Sizes are monotonic in S, so
 * where the integer first steps above the base (j1) and steps again (j2)
 * are found by doubling and bisection, a few probes each: d = j2 - j1, m
 * the step, b from j1. The fit is then checked at every probe made (each
 * symbol at base+1 .. base+7 and base+1683, all symbols at once, the
 * searches' probes and two further periods). Before fitting, a reshape
 * size equal to the input's own in every probe becomes 0 (copy) and a
 * single remaining one -1: tract infers it, where an expression would have
 * to be proved equal to the one tract derives, which it cannot always do.
 *
 * What cannot stay symbolic is an error at the t2n op it came from, all of
 * them at once: a variable whose data differs (a constant tensor computed
 * from the size, e.g. an arange over time), a float computed from a size, a
 * fragment whose text differs, an integer no form fits, or graphs whose ops
 * differ (a branch taken on the size). */
#include <stdlib.h>
#include <string.h>

#include "t2n/nnef.h"
#include "t2n/alloc.h"

/* ---- the option ---- */
static const char *const keywords[] = {"version", "extension", "fragment", "graph", "tensor", "integer",
                                       "scalar", "logical", "string", "true", "false", "for", "in",
                                       "if", "then", "else", "yield", "length_of", "shape_of", "range_of"};

static int is_ident(const char *s) {
  if (!s[0] || !(s[0] == '_' || ((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z'))) return 0;
  for (const char *p = s; *p; p++)
    if (!(*p == '_' || (*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'z'))) return 0;
  for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
    if (strcmp(s, keywords[i]) == 0) return 0;
  return 1;
}

int t2n_dynamic_axis_parse(const char *spec, t2n_dynamic_axis *out, t2n_diag *d) {
  memset(out, 0, sizeof *out);
  const char *eq = strrchr(spec, '=');
  const char *colon = NULL;
  for (const char *p = spec; eq && p < eq; p++)
    if (*p == ':') colon = p;
  char *end = NULL;
  long axis = colon ? strtol(colon + 1, &end, 10) : -1;
  if (!eq || !colon || colon == spec || end != eq || end == colon + 1 || axis < 0 || axis >= T2N_MAX_RANK) {
    t2n_report(d, T2N_ERROR, NULL, "--dynamic-axis expects NAME:AXIS=SYMBOL with AXIS in 0..%d (e.g. x:1=T), not '%s'",
               T2N_MAX_RANK - 1, spec);
    return 0;
  }
  if (!is_ident(eq + 1)) {
    t2n_report(d, T2N_ERROR, NULL,
               "--dynamic-axis '%s': the symbol '%s' must be an identifier ([A-Za-z_][A-Za-z0-9_]*) that is no NNEF keyword",
               spec, eq + 1);
    return 0;
  }
  out->input = t2n_xstrndup(spec, (size_t)(colon - spec));
  out->axis = (int)axis;
  out->symbol = t2n_xstrdup(eq + 1);
  return 1;
}

/* ---- probes ---- */
typedef struct merge {
  t2n_dynamic_plan *pl;
  t2n_diag *d;
  int errors;
} merge;

static const char *where_text(const t2n_nnef_op *op) { return op && op->src ? op->src->kind : "the graph's inputs"; }

static void probe_text(const t2n_dynamic_plan *pl, int p, char *buf, size_t cap) {
  size_t k = 0;
  buf[0] = 0;
  for (int s = 0; s < pl->nsymbols && k < cap; s++)
    k += (size_t)snprintf(buf + k, cap - k, "%s%s = %lld", s ? ", " : "", pl->symbols[s], (long long)pl->values[p][s]);
}

static void fail_structure(merge *mg, const t2n_nnef_op *op, const char *what, int p) {
  char at[160];
  probe_text(mg->pl, p, at, sizeof at);
  t2n_nnef_report_op(mg->pl->graphs[0], op, mg->d, T2N_ERROR,
                     "%s cannot stay symbolic: its NNEF %s has %s at %s than with the example inputs (the export "
                     "depends on the size itself, not only on its shape)",
                     where_text(op), op ? op->kind : "graph", what, at);
  mg->errors++;
}

static int same_ints(const t2n_nnef_tid *a, int na, const t2n_nnef_tid *b, int nb) {
  return na == nb && (na == 0 || memcmp(a, b, sizeof *a * (size_t)na) == 0);
}

/* The op declaring variable tensor t (for the error's location). */
static const t2n_nnef_op *declaring(const t2n_nnef_graph *g, t2n_nnef_tid t) {
  for (int i = 0; i < g->nops; i++)
    if (g->ops[i].noutputs == 1 && g->ops[i].outputs[0] == t) return &g->ops[i];
  return NULL;
}

/* Probe p has the ops, arguments, fragments and variables of the base
 * graph (the integers may differ). Reports and returns 0 otherwise. */
static int same_structure(merge *mg, int p) {
  const t2n_nnef_graph *g0 = mg->pl->graphs[0], *g = mg->pl->graphs[p];
  int n = g->nops < g0->nops ? g->nops : g0->nops, i;
  for (i = 0; i < n; i++) {
    const t2n_nnef_op *a = &g0->ops[i], *b = &g->ops[i];
    if (strcmp(a->kind, b->kind) != 0 || a->nargs != b->nargs || !same_ints(a->outputs, a->noutputs, b->outputs, b->noutputs))
      break;
    int k;
    for (k = 0; k < a->nargs; k++)
      if ((a->args[k].name == NULL) != (b->args[k].name == NULL) ||
          (a->args[k].name && strcmp(a->args[k].name, b->args[k].name) != 0))
        break;
    if (k < a->nargs) break;
  }
  if (i < n || g->nops != g0->nops || !same_ints(g->inputs, g->ninputs, g0->inputs, g0->ninputs) ||
      !same_ints(g->outputs, g->noutputs, g0->outputs, g0->noutputs) || g->nvars != g0->nvars ||
      g->nfragments != g0->nfragments) {
    fail_structure(mg, i < g0->nops ? &g0->ops[i] : NULL, "other ops", p);
    return 0;
  }
  for (int f = 0; f < g->nfragments; f++)
    if (strcmp(g->fragments[f].text, g0->fragments[f].text) != 0) {
      t2n_report(mg->d, T2N_ERROR, NULL, "fragment '%s' cannot stay symbolic: its text depends on the dynamic axis",
                 g0->fragments[f].name);
      mg->errors++;
      return 0;
    }
  for (int v = 0; v < g->nvars; v++) {
    const t2n_nnef_variable *a = &g0->vars[v], *b = &g->vars[v];
    if (a->nbytes != b->nbytes || (a->nbytes && memcmp(a->data, b->data, a->nbytes) != 0)) {
      const t2n_nnef_op *op = declaring(g0, a->tensor);
      t2n_nnef_report_op(g0, op, mg->d, T2N_ERROR,
                         "%s cannot stay symbolic: the constant '%s' it needs is computed from the dynamic axis "
                         "(tract reads weights of a fixed size)",
                         op ? where_text(op) : "an op", a->label);
      mg->errors++;
    }
  }
  return mg->errors == 0;
}

/* The probe at symbol values `vals`: made (and checked) on first use.
 * Returns its index, or -1 after reporting. */
static int probe_at(merge *mg, const int64_t *vals) {
  t2n_dynamic_plan *pl = mg->pl;
  for (int p = 0; p < pl->nprobes; p++)
    if (memcmp(pl->values[p], vals, sizeof *vals * (size_t)pl->nsymbols) == 0) return p;
  if (pl->nprobes == T2N_DYN_MAX_PROBES) {
    t2n_report(mg->d, T2N_ERROR, NULL, "--dynamic-axis: more than %d probe sizes needed", T2N_DYN_MAX_PROBES);
    mg->errors++;
    return -1;
  }
  int p = pl->nprobes;
  memcpy(pl->values[p], vals, sizeof *vals * (size_t)pl->nsymbols);
  if (!(pl->graphs[p] = pl->probe(pl->probe_arg, vals, mg->d))) {
    mg->errors++;
    return -1;
  }
  pl->nprobes++;
  return same_structure(mg, p) ? p : -1;
}

/* The probe moving symbol s alone to base + off. */
static int probe_off(merge *mg, int s, int64_t off) {
  int64_t v[T2N_DYN_MAX_SYMBOLS];
  memcpy(v, mg->pl->base, sizeof v);
  v[s] += off;
  return probe_at(mg, v);
}

/* ---- values by path: op, argument, then up to 2 element indices ---- */
typedef struct vpath { int op, arg, ne, e[2]; } vpath;

/* The value at vp; the base graph's when a probe's array is shorter (the
 * comparison then fails on its kind or value, never reads past an array). */
static t2n_nnef_value *value_at(t2n_nnef_graph *g, const vpath *vp) {
  static t2n_nnef_value none = {T2N_NV_STRING, -1, 0, 0, "", 0, NULL};
  t2n_nnef_value *v = &g->ops[vp->op].args[vp->arg].v;
  for (int k = 0; k < vp->ne; k++) {
    if ((v->kind != T2N_NV_ARRAY && v->kind != T2N_NV_TUPLE) || vp->e[k] >= v->n) return &none;
    v = &v->elems[vp->e[k]];
  }
  return v;
}

/* The integer at vp in probe p; INT64_MIN when it is none there. */
static int64_t int_at(merge *mg, int p, const vpath *vp) {
  const t2n_nnef_value *v = value_at(mg->pl->graphs[p], vp);
  return v->kind == T2N_NV_INT ? v->i : INT64_MIN;
}

/* ---- fitting ---- */
static int64_t floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

typedef struct term { int64_t m, b, d; } term; /* m * floor((S + b) / d); m == 0: none */
static int64_t term_at(const term *t, int64_t s) { return t->m ? t->m * floordiv(s + t->b, t->d) : 0; }

enum { MAX_PERIOD = 1 << 14 };

/* The smallest j in [lo + 1, lo + MAX_PERIOD] with y(base + j) != y(base + lo)
 * for symbol s, found by doubling then bisection (sizes are monotonic in
 * the symbol); 0 when there is none, -1 after an error. */
static int64_t next_change(merge *mg, int s, const vpath *vp, int64_t lo) {
  int p0 = probe_off(mg, s, lo);
  if (p0 < 0) return -1;
  int64_t y0 = int_at(mg, p0, vp), step = 1, hi = -1, known = lo;
  while (step <= MAX_PERIOD) {
    int p = probe_off(mg, s, lo + step);
    if (p < 0) return -1;
    if (int_at(mg, p, vp) != y0) {
      hi = lo + step;
      break;
    }
    known = lo + step;
    step *= 2;
  }
  if (hi < 0) return 0;
  while (hi - known > 1) { /* y(known) == y0 != y(hi) */
    int64_t mid = known + (hi - known) / 2;
    int p = probe_off(mg, s, mid);
    if (p < 0) return -1;
    if (int_at(mg, p, vp) != y0) hi = mid;
    else known = mid;
  }
  return hi;
}

/* Symbol s's term of the integer at vp: where it first steps (j1) and
 * steps again (j2) above the base give the period d = j2 - j1, the step m
 * and the offset b. 1 on success (m == 0 when it does not depend on s), 0
 * when no term fits, -1 after an error. */
static int fit_term(merge *mg, int s, const vpath *vp, term *t) {
  memset(t, 0, sizeof *t);
  int64_t j1 = next_change(mg, s, vp, 0);
  if (j1 <= 0) return (int)j1 + 1; /* 0: constant in s; -1: error */
  int64_t j2 = next_change(mg, s, vp, j1);
  if (j2 < 0) return -1;
  if (j2 == 0) return 0;
  int p0 = probe_off(mg, s, 0), p1 = probe_off(mg, s, j1);
  if (p0 < 0 || p1 < 0) return -1;
  t->m = int_at(mg, p1, vp) - int_at(mg, p0, vp);
  t->d = j2 - j1;
  int64_t E = mg->pl->base[s];
  t->b = ((-(E + j1)) % t->d + t->d) % t->d; /* E + j1 + b is a multiple of d */
  /* Probes at later periods check it. */
  if (probe_off(mg, s, j2 + 3 * t->d + 1) < 0 || probe_off(mg, s, 7 * t->d + 5) < 0) return -1;
  return 1;
}

/* Fits the integer at vp over the probes; writes the expression into buf.
 * 1 on success, 0 when no form fits every probe, -1 after an error. */
static int fit(merge *mg, const vpath *vp, char *buf, size_t cap) {
  t2n_dynamic_plan *pl = mg->pl;
  term t[T2N_DYN_MAX_SYMBOLS];
  for (int s = 0; s < pl->nsymbols; s++) {
    int r = fit_term(mg, s, vp, &t[s]);
    if (r <= 0) return r;
  }
  int64_t c = int_at(mg, 0, vp);
  for (int s = 0; s < pl->nsymbols; s++) c -= term_at(&t[s], pl->base[s]);
  for (int p = 0; p < pl->nprobes; p++) {
    int64_t want = c;
    for (int s = 0; s < pl->nsymbols; s++) want += term_at(&t[s], pl->values[p][s]);
    if (want != int_at(mg, p, vp)) return 0;
  }
  /* Positive terms, then the constant, then negative terms: tract has no
   * unary minus on a symbol. */
  size_t k = 0;
  int first = 1;
  buf[0] = 0;
  for (int pass = 0; pass < 3 && k < cap; pass++) {
    if (pass == 1) {
      if (c || first)
        k += (size_t)snprintf(buf + k, cap - k, first ? "%lld" : c < 0 ? " - %lld" : " + %lld",
                              (long long)(first || c >= 0 ? c : -c));
      first = 0;
      continue;
    }
    for (int s = 0; s < pl->nsymbols && k < cap; s++) {
      const term *x = &t[s];
      if (!x->m || (x->m > 0) != (pass == 0)) continue;
      int64_t am = x->m < 0 ? -x->m : x->m;
      if (!first) k += (size_t)snprintf(buf + k, cap - k, x->m < 0 ? " - " : " + ");
      else if (x->m < 0) k += (size_t)snprintf(buf + k, cap - k, "0 - ");
      first = 0;
      if (am != 1) k += (size_t)snprintf(buf + k, cap - k, "%lld * ", (long long)am);
      const char *S = pl->symbols[s];
      if (x->d == 1) k += (size_t)snprintf(buf + k, cap - k, "%s", S);
      else if (!x->b) k += (size_t)snprintf(buf + k, cap - k, am != 1 ? "(%s / %lld)" : "%s / %lld", S, (long long)x->d);
      else
        k += (size_t)snprintf(buf + k, cap - k, am != 1 ? "((%s + %lld) / %lld)" : "(%s + %lld) / %lld", S,
                              (long long)x->b, (long long)x->d);
    }
  }
  return k < cap;
}

/* ---- merging ---- */
/* The input tensor (first positional argument) of op. */
static t2n_nnef_tid op_input(const t2n_nnef_op *op) {
  return op->nargs && !op->args[0].name && op->args[0].v.kind == T2N_NV_TENSOR ? op->args[0].v.tensor : -1;
}

static const t2n_nnef_arg *named(const t2n_nnef_op *op, const char *name) {
  for (int i = 0; i < op->nargs; i++)
    if (op->args[i].name && strcmp(op->args[i].name, name) == 0) return &op->args[i];
  return NULL;
}

/* Size of axis `axis` of tensor t in probe p, or -1. */
static int64_t size_in(const merge *mg, int p, t2n_nnef_tid t, int64_t axis) {
  if (t < 0) return -1;
  const t2n_nnef_tensor *tt = t2n_nnef_tensor_get(mg->pl->graphs[p], t);
  return axis >= 0 && axis < tt->rank ? tt->sizes[axis] : -1;
}

/* A slice end that stays a constant short of the input's size: a negative
 * end (tract reads it when the size is known at load time). */
static int slice_relative(merge *mg, const t2n_nnef_op *op, const vpath *vp, int64_t *out) {
  if (strcmp(op->kind, "slice") != 0 || vp->ne != 1 || strcmp(op->args[vp->arg].name ? op->args[vp->arg].name : "", "end"))
    return 0;
  const t2n_nnef_arg *ax = named(op, "axes");
  if (!ax || ax->v.kind != T2N_NV_ARRAY || vp->e[0] >= ax->v.n) return 0;
  int64_t axis = ax->v.elems[vp->e[0]].i, off = int_at(mg, 0, vp) - size_in(mg, 0, op_input(op), axis);
  if (off >= 0) return 0;
  for (int p = 0; p < mg->pl->nprobes; p++)
    if (int_at(mg, p, vp) - size_in(mg, p, op_input(op), axis) != off) return 0;
  *out = off;
  return 1;
}

/* A reshape's shape whose varying sizes are all copies of the input's
 * (0) but one, which becomes -1: tract infers it from the volume, where an
 * expression would have to be proved equal to the one tract derives (it
 * cannot always: min() of pads and slices). Returns 1 when done. */
static int reshape_infer(merge *mg, const t2n_nnef_op *op0, vpath vp) {
  t2n_nnef_value *v0 = value_at(mg->pl->graphs[0], &vp);
  t2n_nnef_tid in = op_input(op0);
  int infer = -1;
  vp.ne = 1;
  for (int e = 0; e < v0->n; e++) {
    int varies = 0, copy = 1;
    vp.e[0] = e;
    for (int p = 0; p < mg->pl->nprobes; p++) {
      const t2n_nnef_value *x = value_at(mg->pl->graphs[p], &vp);
      if (x->kind != T2N_NV_INT || v0->elems[e].i < 0) return 0;
      varies |= x->i != v0->elems[e].i;
      copy &= x->i == size_in(mg, p, in, e);
    }
    if (!varies || copy) continue;
    if (infer >= 0) return 0;
    infer = e;
  }
  for (int e = 0; e < v0->n; e++) {
    int varies = 0;
    vp.e[0] = e;
    for (int p = 1; p < mg->pl->nprobes; p++) varies |= int_at(mg, p, &vp) != v0->elems[e].i;
    if (varies) v0->elems[e].i = e == infer ? -1 : 0;
  }
  return 1;
}

static void fail_value(merge *mg, const t2n_nnef_op *op, const vpath *vp, const char *what) {
  t2n_dynamic_plan *pl = mg->pl;
  char vals[320], at[160];
  size_t k = 0;
  int far = 0; /* the probe farthest from the base */
  int64_t dist = 0;
  for (int p = 1; p < pl->nprobes; p++) {
    int64_t x = 0;
    for (int s = 0; s < pl->nsymbols; s++) x += pl->values[p][s] - pl->base[s];
    if (x > dist) dist = x, far = p;
  }
  for (int i = 0; i < 2 && k < sizeof vals; i++) {
    int p = i ? far : 0;
    const t2n_nnef_value *v = value_at(pl->graphs[p], vp);
    probe_text(pl, p, at, sizeof at);
    if (v->kind == T2N_NV_INT) k += (size_t)snprintf(vals + k, sizeof vals - k, "%s%lld at %s", i ? " but " : "", (long long)v->i, at);
    else k += (size_t)snprintf(vals + k, sizeof vals - k, "%s%g at %s", i ? " but " : "", v->f, at);
  }
  const char *arg = op->args[vp->arg].name;
  char place[96];
  if (arg) snprintf(place, sizeof place, "argument '%s'", arg);
  else snprintf(place, sizeof place, "an operand");
  t2n_nnef_report_op(pl->graphs[0], op, mg->d, T2N_ERROR,
                     "%s cannot stay symbolic: %s in %s of its NNEF %s depends on the dynamic axis in a way t2n "
                     "cannot write as a tract shape expression (%s)",
                     where_text(op), what, place, op->kind, vals);
  mg->errors++;
}

/* Merges the value at vp of every probe into the base graph's. Returns 0
 * to go on, 1 to stop (a probe could not be made). */
static int merge_value(merge *mg, vpath vp) {
  t2n_dynamic_plan *pl = mg->pl;
  t2n_nnef_graph *g0 = pl->graphs[0];
  const t2n_nnef_op *op0 = &g0->ops[vp.op];
  t2n_nnef_value *v0 = value_at(g0, &vp);
  const char *arg = op0->args[vp.arg].name;
  int differs = 0;
  for (int p = 1; p < pl->nprobes; p++) {
    const t2n_nnef_value *v = value_at(pl->graphs[p], &vp);
    if (v->kind != v0->kind || ((v->kind == T2N_NV_ARRAY || v->kind == T2N_NV_TUPLE) && v->n != v0->n) ||
        (v->kind == T2N_NV_TENSOR && v->tensor != v0->tensor) || (v->kind == T2N_NV_STRING && strcmp(v->s, v0->s) != 0) ||
        (v->kind == T2N_NV_BOOL && v->i != v0->i)) {
      char what[128];
      snprintf(what, sizeof what, "another argument %s", arg ? arg : "operand");
      fail_structure(mg, op0, what, p);
      return 0;
    }
    if ((v->kind == T2N_NV_INT && v->i != v0->i) || (v->kind == T2N_NV_FLOAT && v->f != v0->f)) differs = 1;
  }
  if (v0->kind == T2N_NV_ARRAY || v0->kind == T2N_NV_TUPLE) {
    if (vp.ne == 0 && v0->kind == T2N_NV_ARRAY && arg && strcmp(op0->kind, "reshape") == 0 &&
        strcmp(arg, "shape") == 0 && reshape_infer(mg, op0, vp))
      return 0;
    if (vp.ne == 2) return 0; /* nothing NNEF writes nests deeper */
    vpath sub = vp;
    sub.ne++;
    for (int e = 0; e < v0->n; e++) {
      sub.e[vp.ne] = e;
      if (merge_value(mg, sub)) return 1;
    }
    return 0;
  }
  if (!differs) return 0;
  if (v0->kind == T2N_NV_FLOAT) {
    fail_value(mg, op0, &vp, "a number");
    return 0;
  }
  char buf[512];
  int r = fit(mg, &vp, buf, sizeof buf);
  if (r < 0) return 1;
  int64_t rel;
  v0 = value_at(g0, &vp); /* the fit may have made probes; g0 is unchanged */
  if (r == 0 && slice_relative(mg, op0, &vp, &rel)) {
    v0->i = rel;
  } else if (r == 0) {
    fail_value(mg, op0, &vp, "a size");
  } else {
    v0->kind = T2N_NV_EXPR;
    v0->s = t2n_arena_strndup(g0->arena, buf, strlen(buf));
  }
  return 0;
}

int t2n_nnef_symbolize(t2n_dynamic_plan *pl, t2n_diag *d) {
  merge mg = {pl, d, 0};
  t2n_nnef_graph *g0 = pl->graphs[0];
  for (int s = 0; s < pl->nsymbols; s++) pl->values[0][s] = pl->base[s];
  pl->nprobes = 1;
  /* What varies: each symbol moved alone (every residue modulo 2..7, and
   * far), then all at once (sums of symbols). */
  static const int64_t offsets[] = {1, 2, 3, 4, 5, 6, 7, 1683};
  for (int s = 0; s < pl->nsymbols; s++)
    for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++)
      if (probe_off(&mg, s, offsets[k]) < 0) return 1;
  if (pl->nsymbols > 1) {
    int64_t v[T2N_DYN_MAX_SYMBOLS];
    for (int s = 0; s < pl->nsymbols; s++) v[s] = pl->base[s] + 845 + 3 * s;
    if (probe_at(&mg, v) < 0) return 1;
  }
  for (int i = 0; i < g0->nops; i++)
    for (int a = 0; a < g0->ops[i].nargs; a++) {
      vpath vp = {i, a, 0, {0, 0}};
      if (merge_value(&mg, vp)) return 1;
    }
  for (int s = 0; s < pl->nsymbols; s++) {
    char ext[160];
    snprintf(ext, sizeof ext, "tract_symbol %s", pl->symbols[s]);
    t2n_nnef_extension(g0, ext);
  }
  return mg.errors != 0;
}
