/* Dynamic axes: one NNEF graph whose sizes are tract shape expressions of
 * symbols (--dynamic-axis NAME:AXIS=SYMBOL).
 *
 * How: the shape inference and every lowering work on fixed int64 sizes
 * (fast, and the fixed path stays exactly as it is). The exporter runs the
 * whole pipeline and lowering at several probe values of each symbol
 * (t2n_dynamic_probes) and t2n_nnef_symbolize merges the resulting graphs:
 * they must have the same ops, and an integer argument that differs between
 * them is a size that depends on the symbol. It is fitted to
 *     c + sum over symbols of m * floor((a * S + b) / d),   d <= 8
 * the forms that size arithmetic of views, slices, pads, strided convs and
 * pools, stft frames and concats produce (nested floors of strided ops
 * compose into one: floor((floor((S + b1) / d1) + c) / d2) is
 * floor((S + b1 + c * d1) / (d1 * d2))). The probes base+1 .. base+7 see
 * every residue modulo d <= 8, base+840 (a multiple of every such d) gives
 * the slope, base+1683 and a probe moving all symbols at once check the fit.
 * Before fitting, a reshape size equal to the input's own size at that axis
 * in every probe becomes 0 (copy), and a slice end a constant short of the
 * axis a negative end: tract reads both without any arithmetic.
 *
 * What cannot stay symbolic is an error at the t2n op it came from, all of
 * them at once: a variable whose data differs (a constant tensor computed
 * from the size, e.g. an arange over time), a float computed from a size, a
 * fragment whose text differs, an integer no form fits, or graphs whose ops
 * differ (a branch taken on the size). */
#include <stdlib.h>
#include <string.h>

#include "t2n/nnef.h"

/* ---- the option ---- */
static const char *const keywords[] = {"version", "extension", "fragment", "graph", "tensor", "integer",
                                       "scalar", "logical", "string", "true", "false", "for", "in",
                                       "if", "then", "else", "yield", "length_of", "shape_of", "range_of"};

static int is_ident(const char *s) {
  if (!s[0] || !(s[0] == '_' || (s[0] | 32) >= 'a' && (s[0] | 32) <= 'z')) return 0;
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
  if (!eq || !colon || colon == spec || end != eq || end == colon + 1 || axis < 0 || axis >= T2N_NNEF_MAX_RANK) {
    t2n_report(d, T2N_ERROR, NULL, "--dynamic-axis expects NAME:AXIS=SYMBOL with AXIS in 0..%d (e.g. x:1=T), not '%s'",
               T2N_NNEF_MAX_RANK - 1, spec);
    return 0;
  }
  if (!is_ident(eq + 1)) {
    t2n_report(d, T2N_ERROR, NULL,
               "--dynamic-axis '%s': the symbol '%s' must be an identifier ([A-Za-z_][A-Za-z0-9_]*) that is no NNEF keyword",
               spec, eq + 1);
    return 0;
  }
  out->input = strndup(spec, (size_t)(colon - spec));
  out->axis = (int)axis;
  out->symbol = strdup(eq + 1);
  return 1;
}

void t2n_dynamic_probes(t2n_dynamic_plan *pl) {
  static const int64_t offsets[] = {1, 2, 3, 4, 5, 6, 7, 840, 1683};
  int n = 0;
  for (int s = 0; s < pl->nsymbols; s++) pl->values[n][s] = pl->base[s];
  n++;
  for (int s = 0; s < pl->nsymbols; s++)
    for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++, n++)
      for (int t = 0; t < pl->nsymbols; t++) pl->values[n][t] = pl->base[t] + (t == s ? offsets[k] : 0);
  if (pl->nsymbols > 1) {
    for (int t = 0; t < pl->nsymbols; t++) pl->values[n][t] = pl->base[t] + 845 + 3 * t;
    n++;
  }
  pl->nprobes = n;
}

/* ---- fitting ---- */
static int64_t floordiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t gcd64(int64_t a, int64_t b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

typedef struct term { int64_t m, a, b, d; } term; /* m * floor((a*S + b) / d); m == 0: none */
static int64_t term_at(const term *t, int64_t s) { return t->m ? t->m * floordiv(t->a * s + t->b, t->d) : 0; }

/* One symbol's term from samples (xs[i], ys[i]), xs[0] the base and
 * xs[7] = base + 840. The constant is left to the caller. */
static int fit_term(const int64_t *xs, const int64_t *ys, int n, term *out) {
  memset(out, 0, sizeof *out);
  int64_t g = 0;
  for (int i = 1; i < n; i++) g = gcd64(g, ys[i] - ys[0]);
  if (!g) return 1; /* does not depend on this symbol */
  int64_t w[16];
  for (int i = 0; i < n; i++) w[i] = (ys[i] - ys[0]) / g;
  int ifar = -1;
  for (int i = 0; i < n; i++)
    if (xs[i] - xs[0] == 840) ifar = i;
  if (ifar < 0) return 0;
  for (int64_t d = 1; d <= 8; d++) {
    if ((w[ifar] * d) % 840) continue;
    int64_t a = w[ifar] * d / 840;
    for (int64_t b = 0; b < d; b++) {
      int64_t k0 = floordiv(a * xs[0] + b, d), i;
      for (i = 0; i < n; i++)
        if (floordiv(a * xs[i] + b, d) - k0 != w[i]) break;
      if (i == n) {
        *out = (term){g, a, d == 1 ? 0 : b, d};
        return 1;
      }
    }
  }
  return 0;
}

/* Fits v[p] (the integer at probe p) over the plan; writes the expression
 * into buf. Returns 0 when no form fits every probe. */
static int fit(const t2n_dynamic_plan *pl, const int64_t *v, char *buf, size_t cap) {
  term t[T2N_DYN_MAX_SYMBOLS];
  int64_t c = v[0];
  for (int s = 0; s < pl->nsymbols; s++) {
    int64_t xs[16], ys[16];
    int n = 0;
    xs[n] = pl->values[0][s], ys[n++] = v[0];
    for (int p = 1; p < pl->nprobes && n < 16; p++) {
      int alone = 1;
      for (int u = 0; u < pl->nsymbols; u++)
        if (u != s && pl->values[p][u] != pl->base[u]) alone = 0;
      if (alone && pl->values[p][s] != pl->base[s]) xs[n] = pl->values[p][s], ys[n++] = v[p];
    }
    if (!fit_term(xs, ys, n, &t[s])) return 0;
    c -= term_at(&t[s], pl->base[s]);
  }
  for (int p = 0; p < pl->nprobes; p++) {
    int64_t want = c;
    for (int s = 0; s < pl->nsymbols; s++) want += term_at(&t[s], pl->values[p][s]);
    if (want != v[p]) return 0;
  }
  /* Positive terms, then the constant, then negative terms: tract has no
   * unary minus on a symbol. */
  size_t k = 0;
  int first = 1;
  buf[0] = 0;
  for (int pass = 0; pass < 3; pass++) {
    if (pass == 1) {
      if (c || first) k += (size_t)snprintf(buf + k, cap - k, first ? "%lld" : c < 0 ? " - %lld" : " + %lld",
                                            (long long)(first || c >= 0 ? c : -c));
      if (c || first) first = 0;
      continue;
    }
    for (int s = 0; s < pl->nsymbols && k < cap; s++) {
      term *x = &t[s];
      if (!x->m) continue;
      int64_t m = x->m, a = x->a;
      if (x->d == 1) m *= a, a = 1;
      if ((m > 0) != (pass == 0)) continue;
      int64_t am = m < 0 ? -m : m;
      if (!first) k += (size_t)snprintf(buf + k, cap - k, m < 0 ? " - " : " + ");
      else if (m < 0) k += (size_t)snprintf(buf + k, cap - k, "0 - ");
      first = 0;
      if (am != 1) k += (size_t)snprintf(buf + k, cap - k, "%lld * ", (long long)am);
      const char *S = pl->symbols[s];
      if (x->d == 1) {
        k += (size_t)snprintf(buf + k, cap - k, "%s", S);
        continue;
      }
      char in[128];
      int q = a == 1 ? snprintf(in, sizeof in, "%s", S) : snprintf(in, sizeof in, "%lld * %s", (long long)a, S);
      if (x->b) snprintf(in + q, sizeof in - (size_t)q, " %c %lld", x->b < 0 ? '-' : '+', (long long)(x->b < 0 ? -x->b : x->b));
      k += (size_t)snprintf(buf + k, cap - k, am != 1 ? "((%s) / %lld)" : "(%s) / %lld", in, (long long)x->d);
    }
  }
  return k < cap;
}

/* ---- merging ---- */
typedef struct merge {
  t2n_nnef_graph *const *gs;
  const t2n_dynamic_plan *pl;
  t2n_diag *d;
  int errors;
} merge;

static const char *where_text(const t2n_nnef_op *op) {
  return op->src ? op->src->kind : "the graph's inputs";
}

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
  const t2n_nnef_tensor *tt = t2n_nnef_tensor_get(mg->gs[p], t);
  return axis >= 0 && axis < tt->rank ? tt->sizes[axis] : -1;
}

/* A reshape or slice size relative to the input's own size: 0 (reshape:
 * copy), or a negative end (slice: that far from the end). */
static int relative(const merge *mg, const t2n_nnef_op *op, const char *arg, int k, const int64_t *v, int64_t *out) {
  t2n_nnef_tid in = op_input(op);
  int64_t axis = k;
  if (strcmp(op->kind, "slice") == 0 && strcmp(arg, "end") == 0) {
    const t2n_nnef_arg *ax = named(op, "axes");
    if (!ax || ax->v.kind != T2N_NV_ARRAY || k >= ax->v.n) return 0;
    axis = ax->v.elems[k].i;
    int64_t off = v[0] - size_in(mg, 0, in, axis);
    if (off >= 0) return 0;
    for (int p = 0; p < mg->pl->nprobes; p++)
      if (v[p] - size_in(mg, p, in, axis) != off) return 0;
    *out = off;
    return 1;
  }
  if (strcmp(op->kind, "reshape") == 0 && strcmp(arg, "shape") == 0) {
    for (int p = 0; p < mg->pl->nprobes; p++)
      if (v[p] != size_in(mg, p, in, axis)) return 0;
    *out = 0;
    return 1;
  }
  return 0;
}

static void fail_value(merge *mg, const t2n_nnef_op *op, const char *arg, const char *what, const int64_t *v,
                       const double *f) {
  char vals[256];
  size_t k = 0;
  for (int p = 0; p < 2 && k < sizeof vals; p++) {
    int q = p ? mg->pl->nprobes - 1 : 0; /* the base and the probe moving the most */
    k += (size_t)snprintf(vals + k, sizeof vals - k, "%s", p ? " but " : "");
    if (v) k += (size_t)snprintf(vals + k, sizeof vals - k, "%lld", (long long)v[q]);
    else k += (size_t)snprintf(vals + k, sizeof vals - k, "%g", f[q]);
    for (int s = 0; s < mg->pl->nsymbols && k < sizeof vals; s++)
      k += (size_t)snprintf(vals + k, sizeof vals - k, "%s%s = %lld", s ? ", " : " at ", mg->pl->symbols[s],
                            (long long)mg->pl->values[q][s]);
  }
  char place[96];
  if (arg) snprintf(place, sizeof place, "argument '%s'", arg);
  else snprintf(place, sizeof place, "an operand");
  t2n_nnef_report_op(mg->gs[0], op, mg->d, T2N_ERROR,
                     "%s cannot stay symbolic: %s in %s of its NNEF %s depends on the dynamic axis in a way t2n "
                     "cannot write as a tract shape expression (%s)",
                     where_text(op), what, place, op->kind, vals);
  mg->errors++;
}

static void fail_structure(merge *mg, const t2n_nnef_op *op, const char *what, int p) {
  char at[160];
  size_t k = 0;
  for (int s = 0; s < mg->pl->nsymbols && k < sizeof at; s++)
    k += (size_t)snprintf(at + k, sizeof at - k, "%s%s = %lld", s ? ", " : "", mg->pl->symbols[s],
                          (long long)mg->pl->values[p][s]);
  t2n_nnef_report_op(mg->gs[0], op, mg->d, T2N_ERROR,
                     "%s cannot stay symbolic: its NNEF %s has %s at %s than with the example inputs (the export "
                     "depends on the size itself, not only on its shape)",
                     where_text(op), op ? op->kind : "graph", what, at);
  mg->errors++;
}

/* A reshape's shape whose varying sizes are all copies of the input's
 * (0) but one, which becomes -1: tract infers it from the volume, where an
 * expression would have to be proved equal to the one tract derives (it
 * cannot always: min() of pads and slices). Returns 1 when done. */
static int reshape_infer(merge *mg, int i, t2n_nnef_value **vs) {
  const t2n_nnef_op *op0 = &mg->gs[0]->ops[i];
  t2n_nnef_value *v0 = vs[0];
  t2n_nnef_tid in = op_input(op0);
  int infer = -1;
  for (int e = 0; e < v0->n; e++) {
    int varies = 0, copy = 1;
    for (int p = 0; p < mg->pl->nprobes; p++) {
      if (vs[p]->elems[e].kind != T2N_NV_INT) return 0;
      varies |= vs[p]->elems[e].i != v0->elems[e].i;
      copy &= vs[p]->elems[e].i == size_in(mg, p, in, e);
    }
    if (v0->elems[e].i < 0) return 0;
    if (!varies || copy) continue;
    if (infer >= 0) return 0;
    infer = e;
  }
  for (int e = 0; e < v0->n; e++) {
    int varies = 0;
    for (int p = 1; p < mg->pl->nprobes; p++) varies |= vs[p]->elems[e].i != v0->elems[e].i;
    if (varies) v0->elems[e].i = e == infer ? -1 : 0;
  }
  return 1;
}

/* Merges the values vs[p] (one per probe) of argument `arg` of op i into
 * vs[0]; k is the element index within the argument's array, or -1. */
static void merge_values(merge *mg, int i, const char *arg, int k, t2n_nnef_value **vs) {
  const t2n_dynamic_plan *pl = mg->pl;
  t2n_nnef_graph *g0 = mg->gs[0];
  const t2n_nnef_op *op0 = &g0->ops[i];
  t2n_nnef_value *v0 = vs[0];
  int64_t iv[T2N_DYN_MAX_PROBES];
  double fv[T2N_DYN_MAX_PROBES];
  int differs = 0;
  for (int p = 1; p < pl->nprobes; p++) {
    const t2n_nnef_value *v = vs[p];
    if (v->kind != v0->kind || ((v->kind == T2N_NV_ARRAY || v->kind == T2N_NV_TUPLE) && v->n != v0->n) ||
        (v->kind == T2N_NV_TENSOR && v->tensor != v0->tensor) ||
        ((v->kind == T2N_NV_STRING) && strcmp(v->s, v0->s) != 0) || (v->kind == T2N_NV_BOOL && v->i != v0->i)) {
      char what[128];
      snprintf(what, sizeof what, "another argument %s", arg ? arg : "operand");
      fail_structure(mg, op0, what, p);
      return;
    }
    if ((v->kind == T2N_NV_INT && v->i != v0->i) || (v->kind == T2N_NV_FLOAT && v->f != v0->f)) differs = 1;
  }
  if (v0->kind == T2N_NV_ARRAY && arg && strcmp(op0->kind, "reshape") == 0 && strcmp(arg, "shape") == 0 &&
      reshape_infer(mg, i, vs))
    return;
  if (v0->kind == T2N_NV_ARRAY || v0->kind == T2N_NV_TUPLE) {
    t2n_nnef_value *sub[T2N_DYN_MAX_PROBES];
    for (int e = 0; e < v0->n; e++) {
      for (int p = 0; p < pl->nprobes; p++) sub[p] = &vs[p]->elems[e];
      merge_values(mg, i, arg, k < 0 && v0->kind == T2N_NV_ARRAY ? e : -2, sub);
    }
    return;
  }
  if (!differs) return;
  for (int p = 0; p < pl->nprobes; p++) iv[p] = vs[p]->i, fv[p] = vs[p]->f;
  if (v0->kind == T2N_NV_FLOAT) {
    fail_value(mg, op0, arg, "a number", NULL, fv);
    return;
  }
  /* A fitted expression first: tract evaluates a negative slice end only
   * when the size is known at load time. */
  int64_t rel;
  char buf[512];
  if (!fit(pl, iv, buf, sizeof buf) && arg && k >= 0 && relative(mg, op0, arg, k, iv, &rel)) {
    v0->i = rel;
    return;
  }
  if (!fit(pl, iv, buf, sizeof buf)) {
    fail_value(mg, op0, arg, "a size", iv, NULL);
    return;
  }
  v0->kind = T2N_NV_EXPR;
  v0->s = t2n_arena_strndup(g0->arena, buf, strlen(buf));
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

int t2n_nnef_symbolize(t2n_nnef_graph *const *gs, const t2n_dynamic_plan *pl, t2n_diag *d) {
  merge mg = {gs, pl, d, 0};
  t2n_nnef_graph *g0 = gs[0];
  for (int p = 1; p < pl->nprobes; p++) {
    const t2n_nnef_graph *g = gs[p];
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
      fail_structure(&mg, i < g0->nops ? &g0->ops[i] : NULL, "other ops", p);
      return 1;
    }
    for (int f = 0; f < g->nfragments; f++)
      if (strcmp(g->fragments[f].text, g0->fragments[f].text) != 0) {
        t2n_report(d, T2N_ERROR, NULL, "fragment '%s' cannot stay symbolic: its text depends on the dynamic axis",
                   g0->fragments[f].name);
        return 1;
      }
    for (int v = 0; v < g->nvars; v++) {
      const t2n_nnef_variable *a = &g0->vars[v], *b = &g->vars[v];
      if (a->nbytes != b->nbytes || (a->nbytes && memcmp(a->data, b->data, a->nbytes) != 0)) {
        const t2n_nnef_op *op = declaring(g0, a->tensor);
        t2n_nnef_report_op(g0, op, d, T2N_ERROR,
                           "%s cannot stay symbolic: the constant '%s' it needs is computed from the dynamic axis "
                           "(tract reads weights of a fixed size)",
                           op ? where_text(op) : "an op", a->label);
        mg.errors++;
        /* Every probe differs the same way: report it once. */
        ((t2n_nnef_variable *)b)->nbytes = a->nbytes, ((t2n_nnef_variable *)b)->data = a->data;
      }
    }
  }
  if (mg.errors) return 1;
  t2n_nnef_value *vs[T2N_DYN_MAX_PROBES];
  for (int i = 0; i < g0->nops; i++) {
    t2n_nnef_op *op = &g0->ops[i];
    for (int a = 0; a < op->nargs; a++) {
      for (int p = 0; p < pl->nprobes; p++) vs[p] = &gs[p]->ops[i].args[a].v;
      merge_values(&mg, i, op->args[a].name, -1, vs);
    }
  }
  for (int s = 0; s < pl->nsymbols; s++) {
    char ext[160];
    snprintf(ext, sizeof ext, "tract_symbol %s", pl->symbols[s]);
    t2n_nnef_extension(g0, ext);
  }
  return mg.errors != 0;
}
