/* Lowerings of shape ops: unsqueeze, squeeze, select, slice, view/reshape/
 * flatten, permute, transpose, cat, stack, expand.
 *
 * Every dim argument must be a constant (after -harden and shape
 * inference); negative dims are normalised, since tract refuses negative
 * axes. Target shapes (view, expand) are taken from the inferred output
 * shape rather than the size arguments, which may hold -1 or values
 * computed by aten::size. */
#include <string.h>

#include "t2n/nnef.h"

/* The input tensor, its rank and sizes. */
static t2n_nnef_tid input(t2n_lower_ctx *c, t2n_node *n, int i, int *rank, int64_t sizes[T2N_MAX_RANK],
                          t2n_dtype *dt) {
  t2n_nnef_tid t = t2n_lower_tensor(c, n->inputs[i], n);
  if (t < 0) return -1;
  const t2n_nnef_tensor *tt = t2n_nnef_tensor_get(t2n_lower_graph(c), t);
  *rank = tt->rank;
  if (sizes) memcpy(sizes, tt->sizes, sizeof tt->sizes);
  if (dt) *dt = tt->dtype;
  return t;
}

static int need_int(t2n_lower_ctx *c, t2n_node *n, int i, const char *what, int64_t *out) {
  if (i >= n->ninputs || !t2n_lower_const_int(c, n->inputs[i], out))
    return t2n_lower_error(c, n, "the %s of %s must be a constant int", what, n->kind);
  return 0;
}

static int done(t2n_lower_ctx *c, t2n_node *n, t2n_nnef_tid out) {
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

/* n's output = kind(x, axes = axes[0..k)): unsqueeze, squeeze, transpose. */
static int emit_axes_op(t2n_lower_ctx *c, t2n_node *n, const char *kind, t2n_nnef_tid x, const int64_t *axes, int k) {
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  t2n_nnef_op *op = t2n_lower_emit1(c, kind, out, x);
  t2n_nnef_arg_ints(t2n_lower_graph(c), op, "axes", axes, k);
  return done(c, n, out);
}

int t2n_lower_unsqueeze(t2n_lower_ctx *c, t2n_node *n) {
  int r;
  int64_t dim;
  t2n_nnef_tid x = input(c, n, 0, &r, NULL, NULL);
  if (x < 0 || need_int(c, n, 1, "dim", &dim)) return 1;
  int64_t a = t2n_lower_axis(c, n, dim, r, 1);
  return a < 0 ? 1 : emit_axes_op(c, n, "unsqueeze", x, &a, 1);
}

/* Emits squeeze of the given axes (sorted, size 1), or binds x itself. */
static int squeeze_axes(t2n_lower_ctx *c, t2n_node *n, t2n_nnef_tid x, const int64_t *axes, int k) {
  return k ? emit_axes_op(c, n, "squeeze", x, axes, k) : done(c, n, x);
}

int t2n_lower_squeeze(t2n_lower_ctx *c, t2n_node *n) {
  int r;
  int64_t sizes[T2N_MAX_RANK], dims[T2N_MAX_RANK], axes[T2N_MAX_RANK];
  t2n_nnef_tid x = input(c, n, 0, &r, sizes, NULL);
  if (x < 0) return 1;
  int nd = 0, want[T2N_MAX_RANK] = {0};
  if (n->ninputs == 1) {
    for (int i = 0; i < r; i++) want[i] = 1;
  } else {
    nd = t2n_lower_const_ints(c, n->inputs[1], dims, T2N_MAX_RANK);
    if (nd < 0) return t2n_lower_error(c, n, "the dims of aten::squeeze must be constant");
    for (int i = 0; i < nd; i++) {
      int64_t a = t2n_lower_axis(c, n, dims[i], r, 0);
      if (a < 0) return 1;
      if (r) want[a] = 1;
    }
  }
  /* torch leaves a dim whose size is not 1 in place. */
  int k = 0;
  for (int i = 0; i < r; i++)
    if (want[i] && sizes[i] == 1) axes[k++] = i;
  return squeeze_axes(c, n, x, axes, k);
}

/* slice of one axis [b, e) with stride s; binds nothing. */
static t2n_nnef_tid emit_slice(t2n_lower_ctx *c, t2n_nnef_tid x, t2n_nnef_tid out, int64_t axis, int64_t b, int64_t e,
                               int64_t s) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  t2n_nnef_op *op = t2n_lower_emit1(c, "slice", out, x);
  t2n_nnef_arg_ints(g, op, "axes", &axis, 1);
  t2n_nnef_arg_ints(g, op, "begin", &b, 1);
  t2n_nnef_arg_ints(g, op, "end", &e, 1);
  if (s != 1) t2n_nnef_arg_ints(g, op, "stride", &s, 1);
  return out;
}

int t2n_lower_select(t2n_lower_ctx *c, t2n_node *n) {
  int r;
  int64_t sizes[T2N_MAX_RANK], dim, idx;
  t2n_dtype dt;
  t2n_nnef_tid x = input(c, n, 0, &r, sizes, &dt);
  if (x < 0 || need_int(c, n, 1, "dim", &dim) || need_int(c, n, 2, "index", &idx)) return 1;
  int64_t a = t2n_lower_axis(c, n, dim, r, 0);
  if (a < 0) return 1;
  if (r == 0) return t2n_lower_error(c, n, "aten::select of a 0-dim tensor");
  int64_t i = idx < 0 ? idx + sizes[a] : idx;
  if (i < 0 || i >= sizes[a])
    return t2n_lower_error(c, n, "index %lld is out of range for dimension %lld of size %lld", (long long)idx,
                           (long long)a, (long long)sizes[a]);
  sizes[a] = 1;
  t2n_nnef_tid sl = t2n_lower_temp(c, n->outputs[0]->name, dt, r, sizes);
  emit_slice(c, x, sl, a, i, i + 1, 1);
  return squeeze_axes(c, n, sl, &a, 1);
}

int t2n_lower_slice(t2n_lower_ctx *c, t2n_node *n) {
  int r;
  int64_t sizes[T2N_MAX_RANK], dim = 0, start = 0, end = INT64_MAX, step = 1;
  t2n_nnef_tid x = input(c, n, 0, &r, sizes, NULL);
  if (x < 0) return 1;
  if (n->ninputs != 5) return t2n_lower_error(c, n, "only aten::slice(self, dim, start, end, step) is lowered");
  if (need_int(c, n, 1, "dim", &dim)) return 1;
  if (!t2n_lower_is_none(c, n->inputs[2]) && need_int(c, n, 2, "start", &start)) return 1;
  if (!t2n_lower_is_none(c, n->inputs[3]) && need_int(c, n, 3, "end", &end)) return 1;
  if (need_int(c, n, 4, "step", &step)) return 1;
  int64_t a = t2n_lower_axis(c, n, dim, r, 0);
  if (a < 0) return 1;
  if (step < 1) return t2n_lower_error(c, n, "aten::slice with step %lld: only steps >= 1 are lowered", (long long)step);
  /* torch's rules: negative bounds count from the end, then both are
   * clamped to [0, size]; tract wants 0 <= begin, end <= size. */
  int64_t size = sizes[a];
  if (start < 0) start += size;
  if (end < 0) end += size;
  if (start < 0) start = 0;
  if (start > size) start = size;
  if (end > size) end = size;
  if (end < start) end = start;
  if (start == 0 && end == size && step == 1) return done(c, n, x);
  if (end == start)
    return t2n_lower_error(c, n, "aten::slice gives an empty tensor here; tract cannot hold one");
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  emit_slice(c, x, out, a, start, end, step);
  return done(c, n, out);
}

/* view / reshape / flatten: the inferred output shape is the target. */
int t2n_lower_reshape(t2n_lower_ctx *c, t2n_node *n) {
  int r;
  t2n_nnef_tid x = input(c, n, 0, &r, NULL, NULL);
  if (x < 0) return 1;
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  const t2n_nnef_tensor *ot = t2n_nnef_tensor_get(t2n_lower_graph(c), out);
  int64_t shape[T2N_MAX_RANK];
  int orank = ot->rank;
  memcpy(shape, ot->sizes, sizeof shape);
  t2n_nnef_op *op = t2n_lower_emit1(c, "reshape", out, x);
  t2n_nnef_arg_ints(t2n_lower_graph(c), op, "shape", shape, orank);
  return done(c, n, out);
}

static int emit_transpose(t2n_lower_ctx *c, t2n_node *n, t2n_nnef_tid x, const int64_t *perm, int r) {
  int ident = 1;
  for (int i = 0; i < r; i++) ident &= perm[i] == i;
  return ident ? done(c, n, x) : emit_axes_op(c, n, "transpose", x, perm, r);
}

int t2n_lower_permute(t2n_lower_ctx *c, t2n_node *n) {
  int r;
  int64_t dims[T2N_MAX_RANK];
  t2n_nnef_tid x = input(c, n, 0, &r, NULL, NULL);
  if (x < 0) return 1;
  int nd = n->ninputs > 1 ? t2n_lower_const_ints(c, n->inputs[1], dims, T2N_MAX_RANK) : -1;
  if (nd != r) return t2n_lower_error(c, n, "the dims of aten::permute must be a constant list of %d ints", r);
  int seen[T2N_MAX_RANK] = {0};
  for (int i = 0; i < r; i++) {
    int64_t a = t2n_lower_axis(c, n, dims[i], r, 0);
    if (a < 0) return 1;
    if (seen[a]++) return t2n_lower_error(c, n, "aten::permute repeats dimension %lld", (long long)a);
    dims[i] = a;
  }
  return emit_transpose(c, n, x, dims, r);
}

int t2n_lower_transpose(t2n_lower_ctx *c, t2n_node *n) {
  int r;
  int64_t d0, d1, perm[T2N_MAX_RANK];
  t2n_nnef_tid x = input(c, n, 0, &r, NULL, NULL);
  if (x < 0 || need_int(c, n, 1, "dim0", &d0) || need_int(c, n, 2, "dim1", &d1)) return 1;
  int64_t a = t2n_lower_axis(c, n, d0, r, 0), b = a < 0 ? -1 : t2n_lower_axis(c, n, d1, r, 0);
  if (a < 0 || b < 0) return 1;
  if (r == 0) return done(c, n, x);
  for (int i = 0; i < r; i++) perm[i] = i;
  perm[a] = b;
  perm[b] = a;
  return emit_transpose(c, n, x, perm, r);
}

/* aten::t: a 2-D tensor transposed; 0-D and 1-D tensors are returned as they are. */
int t2n_lower_t(t2n_lower_ctx *c, t2n_node *n) {
  int r;
  t2n_nnef_tid x = input(c, n, 0, &r, NULL, NULL);
  if (x < 0) return 1;
  if (r < 2) return done(c, n, x);
  int64_t perm[2] = {1, 0};
  return emit_transpose(c, n, x, perm, r);
}

/* concat of the items (each cast to dt, unsqueezed at `unsq` when >= 0). */
static int concat(t2n_lower_ctx *c, t2n_node *n, int64_t axis, int64_t unsq) {
  t2n_nnef_tid *items;
  int k = t2n_lower_tensor_list(c, n->inputs[0], n, &items);
  if (k < 0) return 1;
  if (!k) return t2n_lower_error(c, n, "%s of an empty list", n->kind);
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  t2n_nnef_graph *g = t2n_lower_graph(c);
  t2n_dtype dt = t2n_nnef_tensor_get(g, out)->dtype;
  t2n_nnef_value *vals = t2n_arena_alloc(g->arena, sizeof *vals * (size_t)k);
  for (int i = 0; i < k; i++) {
    t2n_nnef_tid t = t2n_lower_cast(c, items[i], dt);
    if (unsq >= 0) {
      const t2n_nnef_tensor *tt = t2n_nnef_tensor_get(g, t);
      int64_t sz[T2N_MAX_RANK];
      int r = tt->rank;
      for (int j = 0, s = 0; j <= r; j++) sz[j] = j == unsq ? 1 : tt->sizes[s++];
      t2n_nnef_tid u = t2n_lower_temp(c, tt->name, dt, r + 1, sz);
      t2n_nnef_op *op = t2n_lower_emit1(c, "unsqueeze", u, t);
      t2n_nnef_arg_ints(g, op, "axes", &unsq, 1);
      t = u;
    }
    vals[i] = t2n_nnef_v_tensor(t);
  }
  if (k == 1) {
    /* one item: the concatenation is the item itself */
    return done(c, n, vals[0].tensor);
  }
  t2n_nnef_op *op = t2n_nnef_op_new(g, "concat", 1);
  op->outputs[0] = out;
  t2n_nnef_arg_value(g, op, NULL, t2n_nnef_v_array(g, k, vals));
  t2n_nnef_arg_int(g, op, "axis", axis);
  return done(c, n, out);
}

/* cat(tensors, dim) / stack(tensors, dim): the axis of the result (for
 * stack the new one, of a result one rank higher than the inputs). */
static int64_t join_axis(t2n_lower_ctx *c, t2n_node *n, int stack) {
  int64_t dim = 0;
  if (n->ninputs > 1 && need_int(c, n, 1, "dim", &dim)) return -1;
  t2n_dtype dt;
  int64_t sizes[T2N_MAX_RANK];
  int r = t2n_lower_need_shape(c, n->outputs[0], n, &dt, sizes);
  if (r < 0) return -1;
  return t2n_lower_axis(c, n, dim, r - stack, stack);
}

int t2n_lower_cat(t2n_lower_ctx *c, t2n_node *n) {
  int64_t a = join_axis(c, n, 0);
  return a < 0 ? 1 : concat(c, n, a, -1);
}

int t2n_lower_stack(t2n_lower_ctx *c, t2n_node *n) {
  int64_t a = join_axis(c, n, 1);
  return a < 0 ? 1 : concat(c, n, a, a);
}

int t2n_lower_expand(t2n_lower_ctx *c, t2n_node *n) {
  t2n_nnef_tid x = t2n_lower_tensor(c, n->inputs[0], n);
  if (x < 0) return 1;
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  t2n_nnef_graph *g = t2n_lower_graph(c);
  int64_t shape[T2N_MAX_RANK];
  int r = t2n_nnef_tensor_get(g, out)->rank;
  memcpy(shape, t2n_nnef_tensor_get(g, out)->sizes, sizeof shape);
  x = t2n_lower_broadcast_rank(c, x, r);
  const t2n_nnef_tensor *xt = t2n_nnef_tensor_get(g, x);
  int same = xt->rank == r;
  for (int i = 0; same && i < r; i++) same = xt->sizes[i] == shape[i];
  if (same) return done(c, n, x);
  t2n_nnef_op *op = t2n_lower_emit1(c, "tract_core_broadcast", out, x);
  t2n_nnef_arg_ints(g, op, "shape", shape, r);
  return done(c, n, out);
}
