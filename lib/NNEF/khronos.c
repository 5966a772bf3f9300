/* --target=khronos: standard NNEF 1.0 only, for consumers other than tract
 * (the Khronos parser, PyPI `nnef`, rejects any `extension tract_*`).
 *
 * Lowerings write tract's dialect; this file turns a lowered graph into
 * the standard one where the two differ only in spelling, and refuses the
 * rest. Two checks, each listing every offender at once:
 *   1. a node whose op kind has a T2N_KHRONOS_TRACT row in
 *      include/t2n/lowerings_khronos.def (its lowering needs the tract
 *      extension the row names: tract_core_scan, tract_core_stft, ...);
 *   2. an NNEF op left that the spec lacks, or a parameter it does not
 *      have (a tract_core_cast inserted for a dtype change, a deconv, whose
 *      filter t2n writes in tract's layout), reported at the t2n node the
 *      op was lowered from.
 * Rewrites: tract_core_external of f32/i64/bool is external<scalar/integer/
 * logical> (other dtypes have no standard external), pad's 'replicated'
 * border is 'replicate', recip is rcp.
 *
 * The standard ops and their parameters below are those of the NNEF 1.0
 * specification (its standard fragment declarations). */
#include <stdlib.h>
#include <string.h>

#include "t2n/nnef.h"
#include "t2n/alloc.h"

static const struct { const char *kind, *form, *needs; } khronos_rows[] = {
#define T2N_KHRONOS(kind, form) {kind, form, NULL},
#define T2N_KHRONOS_TRACT(kind, needs) {kind, NULL, needs},
#include "t2n/lowerings_khronos.def"
};

const char *t2n_khronos_form(const char *kind) {
  for (size_t i = 0; i < sizeof khronos_rows / sizeof khronos_rows[0]; i++)
    if (strcmp(khronos_rows[i].kind, kind) == 0) return khronos_rows[i].form;
  return NULL;
}

const char *t2n_khronos_needs(const char *kind) {
  for (size_t i = 0; i < sizeof khronos_rows / sizeof khronos_rows[0]; i++)
    if (strcmp(khronos_rows[i].kind, kind) == 0) return khronos_rows[i].needs;
  return NULL;
}

/* op, then its parameters in order ("" ends the list). */
static const char *const std_ops[][10] = {
    {"external", "shape"}, {"variable", "shape", "label"}, {"constant", "shape", "value"},
    {"reshape", "input", "shape", "axis_start", "axis_count"}, {"transpose", "input", "axes"},
    {"concat", "values", "axis"}, {"split", "value", "axis", "ratios"},
    {"slice", "input", "axes", "begin", "end", "stride"}, {"squeeze", "input", "axes"},
    {"unsqueeze", "input", "axes"}, {"stack", "values", "axis"}, {"unstack", "value", "axis"},
    {"tile", "input", "repeats"}, {"pad", "input", "padding", "border", "value"},
    {"gather", "input", "indices", "axis"}, {"cast", "input"},
    {"add", "x", "y"}, {"sub", "x", "y"}, {"mul", "x", "y"}, {"div", "x", "y"}, {"pow", "x", "y"},
    {"exp", "x"}, {"log", "x"}, {"sin", "x"}, {"cos", "x"}, {"tan", "x"}, {"sinh", "x"}, {"cosh", "x"},
    {"tanh", "x"}, {"asin", "x"}, {"acos", "x"}, {"atan", "x"}, {"asinh", "x"}, {"acosh", "x"},
    {"atanh", "x"}, {"abs", "x"}, {"sign", "x"}, {"rcp", "x"}, {"neg", "x"}, {"copy", "x"},
    {"lt", "x", "y"}, {"gt", "x", "y"}, {"le", "x", "y"}, {"ge", "x", "y"}, {"eq", "x", "y"}, {"ne", "x", "y"},
    {"and", "x", "y"}, {"or", "x", "y"}, {"not", "x"}, {"floor", "x"}, {"ceil", "x"}, {"round", "x"},
    {"select", "condition", "true_value", "false_value"}, {"sqr", "x"}, {"sqrt", "x"}, {"rsqr", "x"},
    {"rsqrt", "x"}, {"log2", "x"}, {"min", "x", "y"}, {"max", "x", "y"}, {"clamp", "x", "a", "b"},
    {"matmul", "A", "B", "transposeA", "transposeB"},
    {"conv", "input", "filter", "bias", "border", "padding", "stride", "dilation", "groups"},
    {"box", "input", "size", "border", "padding", "stride", "dilation", "normalize"},
    {"nearest_downsample", "input", "factor"}, {"area_downsample", "input", "factor"},
    {"nearest_upsample", "input", "factor"}, {"multilinear_upsample", "input", "factor", "method", "border"},
    {"sum_reduce", "input", "axes", "normalize"}, {"max_reduce", "input", "axes"}, {"min_reduce", "input", "axes"},
    {"argmax_reduce", "input", "axes"}, {"argmin_reduce", "input", "axes"}, {"any_reduce", "input", "axes"},
    {"all_reduce", "input", "axes"}, {"mean_reduce", "input", "axes"}, {"moments", "input", "axes"},
    {"relu", "x"}, {"sigmoid", "x"}, {"softabs", "x", "epsilon"}, {"softmax", "x", "axes"}, {"softplus", "x"},
    {"elu", "x", "alpha"}, {"selu", "x", "alpha", "lambda"}, {"gelu", "x"}, {"silu", "x"}, {"prelu", "x", "alpha"},
    {"leaky_relu", "x", "alpha"},
    {"max_pool", "input", "size", "border", "padding", "stride", "dilation"},
    {"avg_pool", "input", "size", "border", "padding", "stride", "dilation"},
    {"rms_pool", "input", "size", "border", "padding", "stride", "dilation"}, {"linear", "input", "filter", "bias"},
    {"local_response_normalization", "input", "size", "alpha", "beta", "bias"},
    {"l1_normalization", "input", "axes", "bias", "epsilon"}, {"l2_normalization", "input", "axes", "bias", "epsilon"},
    {"batch_normalization", "input", "mean", "variance", "offset", "scale", "epsilon"},
};

static const char *const *std_op(const char *kind) {
  for (size_t i = 0; i < sizeof std_ops / sizeof std_ops[0]; i++)
    if (strcmp(std_ops[i][0], kind) == 0) return std_ops[i];
  return NULL;
}

static int has_param(const char *const *op, const char *name) {
  for (int i = 1; i < 10 && op[i]; i++)
    if (strcmp(op[i], name) == 0) return 1;
  return 0;
}

/* One error per t2n node (its first offending op). */
typedef struct seen { const t2n_node **v; int n; } seen;
static int first_time(seen *s, const t2n_node *n) {
  if (!n) return 1;
  for (int i = 0; i < s->n; i++)
    if (s->v[i] == n) return 0;
  s->v = t2n_xrealloc(s->v, sizeof *s->v * (size_t)(s->n + 1));
  s->v[s->n++] = n;
  return 1;
}

static t2n_nnef_arg *arg_named(t2n_nnef_op *op, const char *name) {
  for (int i = 0; i < op->nargs; i++)
    if (op->args[i].name && strcmp(op->args[i].name, name) == 0) return &op->args[i];
  return NULL;
}

/* tract spellings of standard ops. 0, or 1 when op cannot be standard. */
static int respell(t2n_nnef_graph *g, t2n_nnef_op *op) {
  if (strcmp(op->kind, "tract_core_external") == 0) {
    const t2n_nnef_tensor *t = t2n_nnef_tensor_get(g, op->outputs[0]);
    const char *generic = t->dtype == T2N_DT_FLOAT32 ? "scalar"
                          : t->dtype == T2N_DT_INT64 ? "integer"
                          : t->dtype == T2N_DT_BOOL  ? "logical" : NULL;
    if (!generic) return 1;
    op->kind = "external";
    op->generic = generic;
    int k = 0;
    for (int i = 0; i < op->nargs; i++)
      if (!op->args[i].name || strcmp(op->args[i].name, "datum_type") != 0) op->args[k++] = op->args[i];
    op->nargs = k;
    return 0;
  }
  if (strcmp(op->kind, "recip") == 0) op->kind = "rcp";
  t2n_nnef_arg *b = strcmp(op->kind, "pad") == 0 ? arg_named(op, "border") : NULL;
  if (b && b->v.kind == T2N_NV_STRING && strcmp(b->v.s, "replicated") == 0) b->v.s = "replicate";
  return 0;
}

static const char *why_not(const t2n_nnef_op *op) {
  if (strncmp(op->kind, "tract_core_cast", 15) == 0) return "a dtype cast, which standard NNEF lacks";
  if (strcmp(op->kind, "deconv") == 0) return "a deconv, whose filter t2n writes in tract's layout";
  if (strncmp(op->kind, "tract_", 6) == 0) return "a tract extension";
  return "an op outside the NNEF 1.0 standard";
}

int t2n_khronos_rewrite(t2n_nnef_graph *g, t2n_diag *d) {
  seen s = {0};
  int errors = 0;
  for (int i = 0; i < g->nops; i++) {
    t2n_nnef_op *op = &g->ops[i];
    const t2n_node *n = op->src;
    /* 1. a node whose lowering has no standard form at all */
    if (n && !t2n_khronos_form(n->kind) && t2n_lowering_for(n)) {
      if (first_time(&s, n)) {
        const char *needs = t2n_khronos_needs(n->kind);
        t2n_nnef_report_op(g, op, d, T2N_ERROR,
                           "%s has no standard NNEF form: it needs the tract extension %s; --target=khronos writes "
                           "standard NNEF only, --target=tract exports it",
                           n->kind, needs ? needs : op->kind);
        errors++;
      }
      continue;
    }
    /* 2. what was written */
    int bad = respell(g, op);
    const char *const *std = bad || strcmp(op->kind, "deconv") == 0 ? NULL : std_op(op->kind);
    const char *param = NULL;
    for (int a = 0; std && a < op->nargs; a++)
      if (op->args[a].name && !has_param(std, op->args[a].name)) param = op->args[a].name;
    if (std && !param) continue;
    if (!first_time(&s, n)) continue;
    errors++;
    if (strcmp(op->kind, "tract_core_external") == 0) {
      const t2n_nnef_tensor *t = t2n_nnef_tensor_get(g, op->outputs[0]);
      t2n_report(d, T2N_ERROR, NULL,
                 "input '%s' is %s: standard NNEF has externals of f32 (scalar), i64 (integer) and bool (logical) only",
                 t->name, t2n_nnef_dtype_name(t->dtype) ? t2n_nnef_dtype_name(t->dtype) : "of another dtype");
    } else if (param) {
      t2n_nnef_report_op(g, op, d, T2N_ERROR, "%s: its NNEF %s has the parameter '%s', which standard NNEF lacks",
                         n ? n->kind : "the graph", op->kind, param);
    } else {
      t2n_nnef_report_op(g, op, d, T2N_ERROR, "%s has no standard NNEF form here: it is lowered with %s (%s)",
                         n ? n->kind : "the graph", op->kind, why_not(op));
    }
  }
  free(s.v);
  if (errors) {
    t2n_report(d, T2N_NOTE, NULL, "%d op%s without a standard NNEF form; docs/nnef-ops.md lists the ops --target=khronos "
               "writes", errors, errors == 1 ? "" : "s");
    return 1;
  }
  /* Only tract's registry lines could be left; none are needed now. */
  int k = 0;
  for (int i = 0; i < g->nextensions; i++)
    if (strncmp(g->extensions[i], "tract_", 6) != 0) g->extensions[k++] = g->extensions[i];
  g->nextensions = k;
  return 0;
}
