/* Lowerings of reductions: mean, sum, max, min over constant dims.
 * NNEF's *_reduce ops keep the reduced axes (size 1); without keepdim a
 * squeeze follows. */
#include <string.h>

#include "t2n/nnef.h"

/* Reduces input 0 of n over `axes` (all when k < 0) with `kind`, into
 * output `oi` (computed in the output's dtype). */
static int reduce(t2n_lower_ctx *c, t2n_node *n, const char *kind, const int64_t *dims, int k, int keepdim, int oi) {
  t2n_nnef_tid x = t2n_lower_tensor(c, n->inputs[0], n);
  if (x < 0) return 1;
  t2n_nnef_graph *g = t2n_lower_graph(c);
  const t2n_nnef_tensor *xt = t2n_nnef_tensor_get(g, x);
  int r = xt->rank;
  int64_t sizes[T2N_MAX_RANK], axes[T2N_MAX_RANK];
  memcpy(sizes, xt->sizes, sizeof sizes);
  int want[T2N_MAX_RANK] = {0};
  if (k < 0 || (k == 0 && strcmp(kind, "argmax_reduce") != 0)) {
    for (int i = 0; i < r; i++) want[i] = 1; /* dim=None or []: every axis */
  } else {
    for (int i = 0; i < k; i++) {
      int64_t a = t2n_lower_axis(c, n, dims[i], r, 0);
      if (a < 0) return 1;
      if (r) want[a] = 1;
    }
  }
  int na = 0;
  for (int i = 0; i < r; i++)
    if (want[i]) axes[na++] = i, sizes[i] = 1;
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, oi);
  if (out < 0) return 1;
  t2n_dtype odt = t2n_nnef_tensor_get(g, out)->dtype;
  if (!na) { /* a 0-dim input: nothing to reduce */
    t2n_lower_bind(c, n->outputs[oi], t2n_lower_cast(c, x, odt));
    return 0;
  }
  int is_arg = strcmp(kind, "argmax_reduce") == 0 || strcmp(kind, "argmin_reduce") == 0;
  if (!is_arg) x = t2n_lower_cast(c, x, odt);
  t2n_nnef_tid red = keepdim ? out : t2n_lower_temp(c, n->outputs[oi]->name, odt, r, sizes);
  t2n_nnef_op *op = t2n_lower_emit1(c, kind, red, x);
  t2n_nnef_arg_ints(g, op, "axes", axes, na);
  if (!keepdim) {
    op = t2n_lower_emit1(c, "squeeze", out, red);
    t2n_nnef_arg_ints(g, op, "axes", axes, na);
  }
  t2n_lower_bind(c, n->outputs[oi], out);
  return 0;
}

/* mean/sum(self, dim?, keepdim, dtype?) and mean/sum(self, dtype?). */
static int mean_sum(t2n_lower_ctx *c, t2n_node *n, const char *kind) {
  int64_t dims[T2N_MAX_RANK];
  int k = -1, keep = 0;
  if (n->ninputs >= 3) {
    if (!t2n_lower_is_none(c, n->inputs[1])) {
      k = t2n_lower_const_ints(c, n->inputs[1], dims, T2N_MAX_RANK);
      if (k < 0) return t2n_lower_error(c, n, "the dims of %s must be constant", n->kind);
    }
    if (!t2n_lower_const_bool(c, n->inputs[2], &keep))
      return t2n_lower_error(c, n, "the keepdim of %s must be a constant bool", n->kind);
  }
  /* A dtype argument only sets the output dtype, which the inferred type
   * already says. */
  return reduce(c, n, kind, dims, k, keep, 0);
}

int t2n_lower_mean(t2n_lower_ctx *c, t2n_node *n) { return mean_sum(c, n, "mean_reduce"); }
int t2n_lower_sum(t2n_lower_ctx *c, t2n_node *n) { return mean_sum(c, n, "sum_reduce"); }

/* max(x), max(x, dim, keepdim) -> (values, indices), max(x, other). */
static int max_min(t2n_lower_ctx *c, t2n_node *n, int is_max) {
  if (n->ninputs == 1) return reduce(c, n, is_max ? "max_reduce" : "min_reduce", NULL, -1, 0, 0);
  if (n->ninputs == 2 && t2n_type_is_tensor(n->inputs[1]->type))
    return t2n_lower_binary(c, n, is_max ? "max" : "min", n->inputs[0], n->inputs[1]);
  int64_t dim;
  int keep = 0;
  if (n->ninputs != 3 || n->noutputs != 2 || !t2n_lower_const_int(c, n->inputs[1], &dim) ||
      !t2n_lower_const_bool(c, n->inputs[2], &keep))
    return t2n_lower_error(c, n, "only %s(x), %s(x, other) and %s(x, dim, keepdim) with a constant dim are lowered",
                           n->kind, n->kind, n->kind);
  if (n->outputs[0]->nuses && reduce(c, n, is_max ? "max_reduce" : "min_reduce", &dim, 1, keep, 0)) return 1;
  if (n->outputs[1]->nuses && reduce(c, n, is_max ? "argmax_reduce" : "argmin_reduce", &dim, 1, keep, 1)) return 1;
  return 0;
}

int t2n_lower_max(t2n_lower_ctx *c, t2n_node *n) { return max_min(c, n, 1); }
int t2n_lower_min(t2n_lower_ctx *c, t2n_node *n) { return max_min(c, n, 0); }

int t2n_lower_prod(t2n_lower_ctx *c, t2n_node *n) {
  /* prod(self, dtype?) over every axis, prod(self, dim, keepdim, dtype?) */
  int64_t dim;
  int keep = 0;
  if (n->ninputs <= 2) return reduce(c, n, "tract_core_product_reduce", NULL, -1, 0, 0);
  if (!t2n_lower_const_int(c, n->inputs[1], &dim) || !t2n_lower_const_bool(c, n->inputs[2], &keep))
    return t2n_lower_error(c, n, "the dim and keepdim of aten::prod must be constants");
  return reduce(c, n, "tract_core_product_reduce", &dim, 1, keep, 0);
}

/* amax/amin(self, dim=[], keepdim): an empty dim list reduces every axis. */
static int amax_amin(t2n_lower_ctx *c, t2n_node *n, const char *kind) {
  int64_t dims[T2N_MAX_RANK];
  int keep = 0, k = n->ninputs > 1 ? t2n_lower_const_ints(c, n->inputs[1], dims, T2N_MAX_RANK) : 0;
  if (k < 0 || (n->ninputs > 2 && !t2n_lower_const_bool(c, n->inputs[2], &keep)))
    return t2n_lower_error(c, n, "the dim and keepdim of %s must be constants", n->kind);
  return reduce(c, n, kind, dims, k ? k : -1, keep, 0);
}
int t2n_lower_amax(t2n_lower_ctx *c, t2n_node *n) { return amax_amin(c, n, "max_reduce"); }
int t2n_lower_amin(t2n_lower_ctx *c, t2n_node *n) { return amax_amin(c, n, "min_reduce"); }

/* argmax/argmin(self, dim?, keepdim): with no dim the flattened tensor is
 * reduced and the index reshaped to the output (0-dim, or all ones with
 * keepdim). */
static int arg_reduce(t2n_lower_ctx *c, t2n_node *n, const char *kind) {
  int64_t dim;
  int keep = 0;
  if (n->ninputs > 2 && !t2n_lower_const_bool(c, n->inputs[2], &keep))
    return t2n_lower_error(c, n, "the keepdim of %s must be a constant bool", n->kind);
  if (n->ninputs > 1 && !t2n_lower_is_none(c, n->inputs[1])) {
    if (!t2n_lower_const_int(c, n->inputs[1], &dim)) return t2n_lower_error(c, n, "the dim of %s must be a constant int", n->kind);
    return reduce(c, n, kind, &dim, 1, keep, 0);
  }
  t2n_nnef_tid x = t2n_lower_tensor(c, n->inputs[0], n);
  t2n_nnef_tid out = x < 0 ? -1 : t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  t2n_nnef_graph *g = t2n_lower_graph(c);
  const t2n_nnef_tensor *xt = t2n_nnef_tensor_get(g, x);
  int64_t total = 1, zero = 0, one = 1;
  for (int i = 0; i < xt->rank; i++) total *= xt->sizes[i];
  t2n_nnef_tid flat = t2n_lower_temp(c, "flat", xt->dtype, 1, &total);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "reshape", flat, x), "shape", &total, 1);
  t2n_nnef_tid idx = t2n_lower_temp(c, "index", T2N_DT_INT64, 1, &one);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, kind, idx, flat), "axes", &zero, 1);
  const t2n_nnef_tensor *ot = t2n_nnef_tensor_get(g, out);
  if (ot->rank == 0) {
    t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "squeeze", out, idx), "axes", &zero, 1);
  } else {
    int64_t shape[T2N_MAX_RANK];
    int r = ot->rank;
    memcpy(shape, ot->sizes, sizeof shape);
    t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "reshape", out, idx), "shape", shape, r);
  }
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}
int t2n_lower_argmax(t2n_lower_ctx *c, t2n_node *n) { return arg_reduce(c, n, "argmax_reduce"); }
int t2n_lower_argmin(t2n_lower_ctx *c, t2n_node *n) { return arg_reduce(c, n, "argmin_reduce"); }
