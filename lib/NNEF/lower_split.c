/* Lowerings of ops that cut, reorder or repeat a tensor along its axes:
 * split / split_with_sizes / chunk / unbind (tensor lists, read back by
 * prim::ListUnpack, aten::__getitem__, cat and stack), narrow, flip, roll,
 * repeat, tile and repeat_interleave.
 *
 * NNEF has no split (tract lacks it): each piece is a slice, and the pieces
 * are bound as the list's elements (t2n_lower_bind_list). flip cannot be a
 * slice with a negative stride (tract aborts on one): it is a gather with
 * the reversed indices. roll is two slices and a concat. Every dim, size and
 * shift must be a constant after -harden and shape inference; negative dims
 * are normalised (tract refuses negative axes). */
#include <stdlib.h>
#include <string.h>

#include "t2n/alloc.h"
#include "t2n/limits.h"
#include "t2n/nnef.h"

typedef struct {
  t2n_nnef_tid t;
  t2n_dtype dt;
  int rank;
  int64_t sizes[T2N_MAX_RANK];
} tensor_info;

static int get_input(t2n_lower_ctx *c, t2n_node *n, int i, tensor_info *ti) {
  ti->t = t2n_lower_tensor(c, n->inputs[i], n);
  if (ti->t < 0) return 1;
  const t2n_nnef_tensor *tt = t2n_nnef_tensor_get(t2n_lower_graph(c), ti->t);
  ti->dt = tt->dtype;
  ti->rank = tt->rank;
  memcpy(ti->sizes, tt->sizes, sizeof ti->sizes);
  return 0;
}

static int need_int(t2n_lower_ctx *c, t2n_node *n, int i, const char *what, int64_t dflt, int64_t *out) {
  if (i >= n->ninputs) {
    *out = dflt;
    return 0;
  }
  if (!t2n_lower_const_int(c, n->inputs[i], out))
    return t2n_lower_error(c, n, "the %s of %s must be a constant int", what, n->kind);
  return 0;
}

/* The axis `dim` of x, normalised; -1 after an error. */
static int64_t axis_of(t2n_lower_ctx *c, t2n_node *n, const tensor_info *x, int64_t dim) {
  if (x->rank == 0) {
    t2n_lower_error(c, n, "%s of a 0-dim tensor", n->kind);
    return -1;
  }
  return t2n_lower_axis(c, n, dim, x->rank, 0);
}

/* x[begin:end] along axis (the whole axis is x itself), as a new tensor. */
static t2n_nnef_tid slice_of(t2n_lower_ctx *c, const tensor_info *x, const char *base, int64_t axis, int64_t b,
                             int64_t e) {
  if (b == 0 && e == x->sizes[axis]) return x->t;
  int64_t sizes[T2N_MAX_RANK];
  memcpy(sizes, x->sizes, sizeof sizes);
  sizes[axis] = e - b;
  t2n_nnef_tid out = t2n_lower_temp(c, base, x->dt, x->rank, sizes);
  t2n_nnef_graph *g = t2n_lower_graph(c);
  t2n_nnef_op *op = t2n_lower_emit1(c, "slice", out, x->t);
  t2n_nnef_arg_ints(g, op, "axes", &axis, 1);
  t2n_nnef_arg_ints(g, op, "begin", &b, 1);
  t2n_nnef_arg_ints(g, op, "end", &e, 1);
  return out;
}

/* Binds the list output of n to pieces of x along axis with these sizes;
 * `squeeze` drops the axis from each piece (unbind). */
static int bind_pieces(t2n_lower_ctx *c, t2n_node *n, const tensor_info *x, int64_t axis, const int64_t *lens, int k,
                       int squeeze) {
  int64_t total = 0;
  for (int i = 0; i < k; i++) {
    if (lens[i] < 0) return t2n_lower_error(c, n, "%s with a negative size", n->kind);
    total += lens[i];
  }
  if (total != x->sizes[axis])
    return t2n_lower_error(c, n, "%s: the sizes add up to %lld, dimension %lld has %lld", n->kind, (long long)total,
                           (long long)axis, (long long)x->sizes[axis]);
  t2n_nnef_tid *items = t2n_xmalloc(sizeof *items * (size_t)(k ? k : 1));
  int64_t at = 0;
  for (int i = 0; i < k; i++) {
    char base[256];
    snprintf(base, sizeof base, "%s_%d", n->outputs[0]->name, i);
    if (!lens[i]) {
      free(items);
      return t2n_lower_error(c, n, "%s gives an empty piece here; tract cannot hold one", n->kind);
    }
    items[i] = slice_of(c, x, base, axis, at, at + lens[i]);
    at += lens[i];
    if (squeeze) {
      int64_t sizes[T2N_MAX_RANK];
      for (int j = 0, s = 0; j < x->rank; j++)
        if (j != axis) sizes[s++] = x->sizes[j];
      t2n_nnef_tid sq = t2n_lower_temp(c, base, x->dt, x->rank - 1, sizes);
      t2n_nnef_op *op = t2n_lower_emit1(c, "squeeze", sq, items[i]);
      t2n_nnef_arg_ints(t2n_lower_graph(c), op, "axes", &axis, 1);
      items[i] = sq;
    }
  }
  t2n_lower_bind_list(c, n->outputs[0], items, k);
  free(items);
  return 0;
}

/* split(x, int size | int[] sizes, dim), split_with_sizes, unsafe_split. */
int t2n_lower_split(t2n_lower_ctx *c, t2n_node *n) {
  tensor_info x;
  int64_t dim, lens[T2N_MAX_SPLIT];
  if (n->ninputs < 2 || get_input(c, n, 0, &x) || need_int(c, n, 2, "dim", 0, &dim)) return 1;
  int64_t a = axis_of(c, n, &x, dim);
  if (a < 0) return 1;
  int k;
  if (t2n_type_is(n->inputs[1]->type, "int")) {
    int64_t size;
    if (need_int(c, n, 1, "split size", 0, &size)) return 1;
    if (size <= 0) return t2n_lower_error(c, n, "%s with split size %lld", n->kind, (long long)size);
    int64_t len = x.sizes[a];
    k = (int)((len + size - 1) / size);
    if (k > T2N_MAX_SPLIT) return t2n_lower_error(c, n, "%s into %d pieces: at most %d are lowered", n->kind, k, T2N_MAX_SPLIT);
    for (int i = 0; i < k; i++) lens[i] = (i + 1) * size <= len ? size : len - i * size;
  } else {
    k = t2n_lower_const_ints(c, n->inputs[1], lens, T2N_MAX_SPLIT);
    if (k < 0) return t2n_lower_error(c, n, "the sizes of %s must be a constant list of at most %d ints", n->kind, T2N_MAX_SPLIT);
  }
  return bind_pieces(c, n, &x, a, lens, k, 0);
}

/* chunk(x, chunks, dim): pieces of ceil(size / chunks), the last smaller;
 * fewer than `chunks` pieces when the size runs out, as torch does. */
int t2n_lower_chunk(t2n_lower_ctx *c, t2n_node *n) {
  tensor_info x;
  int64_t chunks, dim, lens[T2N_MAX_SPLIT];
  if (get_input(c, n, 0, &x) || need_int(c, n, 1, "chunks", 1, &chunks) || need_int(c, n, 2, "dim", 0, &dim)) return 1;
  int64_t a = axis_of(c, n, &x, dim);
  if (a < 0) return 1;
  if (chunks <= 0) return t2n_lower_error(c, n, "%s into %lld chunks", n->kind, (long long)chunks);
  int64_t len = x.sizes[a], size = (len + chunks - 1) / chunks;
  int k = size ? (int)((len + size - 1) / size) : 0;
  if (k > T2N_MAX_SPLIT) return t2n_lower_error(c, n, "%s into %d pieces: at most %d are lowered", n->kind, k, T2N_MAX_SPLIT);
  for (int i = 0; i < k; i++) lens[i] = (i + 1) * size <= len ? size : len - i * size;
  return bind_pieces(c, n, &x, a, lens, k, 0);
}

int t2n_lower_unbind(t2n_lower_ctx *c, t2n_node *n) {
  tensor_info x;
  int64_t dim, lens[T2N_MAX_SPLIT];
  if (get_input(c, n, 0, &x) || need_int(c, n, 1, "dim", 0, &dim)) return 1;
  int64_t a = axis_of(c, n, &x, dim);
  if (a < 0) return 1;
  if (x.sizes[a] > T2N_MAX_SPLIT)
    return t2n_lower_error(c, n, "%s into %lld pieces: at most %d are lowered", n->kind, (long long)x.sizes[a], T2N_MAX_SPLIT);
  for (int i = 0; i < x.sizes[a]; i++) lens[i] = 1;
  return bind_pieces(c, n, &x, a, lens, (int)x.sizes[a], 1);
}

int t2n_lower_list_unpack(t2n_lower_ctx *c, t2n_node *n) {
  t2n_nnef_tid *items;
  int k = t2n_lower_tensor_list(c, n->inputs[0], n, &items);
  if (k < 0) return 1;
  if (k != n->noutputs)
    return t2n_lower_error(c, n, "prim::ListUnpack of %d outputs from a list of %d tensors", n->noutputs, k);
  for (int i = 0; i < k; i++) t2n_lower_bind(c, n->outputs[i], items[i]);
  return 0;
}

/* __getitem__(list, k) of a tensor list, k constant (negative from the end). */
int t2n_lower_getitem(t2n_lower_ctx *c, t2n_node *n) {
  int64_t idx;
  if (n->ninputs != 2 || !t2n_lower_const_int(c, n->inputs[1], &idx))
    return t2n_lower_error(c, n, "aten::__getitem__ of a tensor list needs a constant index");
  t2n_nnef_tid *items;
  int k = t2n_lower_tensor_list(c, n->inputs[0], n, &items);
  if (k < 0) return 1;
  int64_t i = idx < 0 ? idx + k : idx;
  if (i < 0 || i >= k)
    return t2n_lower_error(c, n, "index %lld is out of range for a list of %d tensors", (long long)idx, k);
  t2n_lower_bind(c, n->outputs[0], items[i]);
  return 0;
}

/* narrow(x, dim, start, length): start may count from the end. */
int t2n_lower_narrow(t2n_lower_ctx *c, t2n_node *n) {
  tensor_info x;
  int64_t dim, start, len;
  if (get_input(c, n, 0, &x) || need_int(c, n, 1, "dim", 0, &dim) || need_int(c, n, 2, "start", 0, &start) ||
      need_int(c, n, 3, "length", 0, &len))
    return 1;
  int64_t a = axis_of(c, n, &x, dim);
  if (a < 0) return 1;
  if (start < 0) start += x.sizes[a];
  if (start < 0 || len <= 0 || start + len > x.sizes[a])
    return t2n_lower_error(c, n, "aten::narrow(start %lld, length %lld) does not fit in dimension %lld of size %lld%s",
                           (long long)start, (long long)len, (long long)a, (long long)x.sizes[a],
                           len == 0 ? " (an empty tensor: tract cannot hold one)" : "");
  t2n_nnef_tid out = slice_of(c, &x, n->outputs[0]->name, a, start, start + len);
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

/* x reversed along axis: tract_core_gather with the indices size-1 .. 0. */
static t2n_nnef_tid reverse_axis(t2n_lower_ctx *c, tensor_info *x, int64_t axis) {
  int64_t len = x->sizes[axis];
  int64_t *idx = t2n_xmalloc(sizeof *idx * (size_t)len);
  for (int64_t i = 0; i < len; i++) idx[i] = len - 1 - i;
  t2n_nnef_tid it = t2n_lower_variable_copy(c, "flip_indices", T2N_DT_INT64, 1, &len, idx, sizeof *idx * (size_t)len);
  free(idx);
  t2n_nnef_tid out = t2n_lower_temp(c, "flipped", x->dt, x->rank, x->sizes);
  t2n_nnef_op *op = t2n_lower_emit2(c, "tract_core_gather", out, x->t, it);
  t2n_nnef_arg_int(t2n_lower_graph(c), op, "axis", axis);
  return out;
}

int t2n_lower_flip(t2n_lower_ctx *c, t2n_node *n) {
  tensor_info x;
  int64_t dims[T2N_MAX_RANK];
  if (get_input(c, n, 0, &x)) return 1;
  int k = n->ninputs > 1 ? t2n_lower_const_ints(c, n->inputs[1], dims, T2N_MAX_RANK) : -1;
  if (k < 0) return t2n_lower_error(c, n, "the dims of aten::flip must be a constant int list");
  int want[T2N_MAX_RANK] = {0};
  for (int i = 0; i < k; i++) {
    int64_t a = t2n_lower_axis(c, n, dims[i], x.rank, 0);
    if (a < 0) return 1;
    if (x.rank) want[a] = 1;
  }
  for (int a = 0; a < x.rank; a++)
    if (want[a] && x.sizes[a] > 1) x.t = reverse_axis(c, &x, a);
  t2n_lower_bind(c, n->outputs[0], x.t);
  return 0;
}

/* x rolled by `shift` along axis: concat(x[size-s:], x[:size-s]). */
static t2n_nnef_tid roll_axis(t2n_lower_ctx *c, tensor_info *x, int64_t axis, int64_t shift) {
  int64_t len = x->sizes[axis], s = ((shift % len) + len) % len;
  if (!s) return x->t;
  t2n_nnef_graph *g = t2n_lower_graph(c);
  t2n_nnef_value parts[2] = {t2n_nnef_v_tensor(slice_of(c, x, "roll_tail", axis, len - s, len)),
                             t2n_nnef_v_tensor(slice_of(c, x, "roll_head", axis, 0, len - s))};
  t2n_nnef_tid out = t2n_lower_temp(c, "rolled", x->dt, x->rank, x->sizes);
  t2n_nnef_op *op = t2n_nnef_op_new(g, "concat", 1);
  op->outputs[0] = out;
  t2n_nnef_arg_value(g, op, NULL, t2n_nnef_v_array(g, 2, parts));
  t2n_nnef_arg_int(g, op, "axis", axis);
  return out;
}

/* roll(x, shifts, dims); with no dims the flattened tensor rolls. */
int t2n_lower_roll(t2n_lower_ctx *c, t2n_node *n) {
  tensor_info x;
  int64_t shifts[T2N_MAX_RANK], dims[T2N_MAX_RANK];
  if (get_input(c, n, 0, &x)) return 1;
  int ks = n->ninputs > 1 ? t2n_lower_const_ints(c, n->inputs[1], shifts, T2N_MAX_RANK) : -1;
  int kd = n->ninputs > 2 ? t2n_lower_const_ints(c, n->inputs[2], dims, T2N_MAX_RANK) : 0;
  if (ks < 0 || kd < 0) return t2n_lower_error(c, n, "the shifts and dims of aten::roll must be constant int lists");
  t2n_nnef_graph *g = t2n_lower_graph(c);
  if (kd == 0) {
    if (ks != 1) return t2n_lower_error(c, n, "aten::roll without dims takes one shift");
    int64_t total = 1;
    for (int i = 0; i < x.rank; i++) total *= x.sizes[i];
    tensor_info flat = x;
    flat.rank = 1;
    flat.sizes[0] = total;
    flat.t = t2n_lower_temp(c, "roll_flat", x.dt, 1, &total);
    t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "reshape", flat.t, x.t), "shape", &total, 1);
    t2n_nnef_tid r = roll_axis(c, &flat, 0, shifts[0]);
    t2n_nnef_tid out = t2n_lower_temp(c, n->outputs[0]->name, x.dt, x.rank, x.sizes);
    t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "reshape", out, r), "shape", x.sizes, x.rank);
    t2n_lower_bind(c, n->outputs[0], out);
    return 0;
  }
  if (ks != kd) return t2n_lower_error(c, n, "aten::roll with %d shifts and %d dims", ks, kd);
  for (int i = 0; i < kd; i++) {
    int64_t a = axis_of(c, n, &x, dims[i]);
    if (a < 0) return 1;
    x.t = roll_axis(c, &x, a, shifts[i]);
  }
  t2n_lower_bind(c, n->outputs[0], x.t);
  return 0;
}

/* repeat(x, repeats) (len(repeats) >= rank) and tile(x, dims) (any length:
 * the shorter of the two is padded with leading 1s): NNEF tile at equal rank. */
static int tile(t2n_lower_ctx *c, t2n_node *n, int is_tile) {
  tensor_info x;
  int64_t reps[T2N_MAX_RANK];
  if (get_input(c, n, 0, &x)) return 1;
  int k = n->ninputs > 1 ? t2n_lower_const_ints(c, n->inputs[1], reps, T2N_MAX_RANK) : -1;
  if (k < 0) return t2n_lower_error(c, n, "the repeats of %s must be a constant int list", n->kind);
  if (k < x.rank) {
    if (!is_tile) return t2n_lower_error(c, n, "aten::repeat with %d repeats for a tensor of rank %d", k, x.rank);
    int pad = x.rank - k;
    memmove(reps + pad, reps, sizeof *reps * (size_t)k);
    for (int i = 0; i < pad; i++) reps[i] = 1;
    k = x.rank;
  }
  int ident = 1;
  for (int i = 0; i < k; i++) {
    if (reps[i] <= 0) return t2n_lower_error(c, n, "%s with repeat %lld: tract cannot hold an empty tensor", n->kind, (long long)reps[i]);
    ident &= reps[i] == 1;
  }
  t2n_nnef_tid t = t2n_lower_broadcast_rank(c, x.t, k);
  if (ident) {
    t2n_lower_bind(c, n->outputs[0], t);
    return 0;
  }
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  t2n_nnef_arg_ints(t2n_lower_graph(c), t2n_lower_emit1(c, "tile", out, t), "repeats", reps, k);
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

int t2n_lower_repeat(t2n_lower_ctx *c, t2n_node *n) { return tile(c, n, 0); }
int t2n_lower_tile(t2n_lower_ctx *c, t2n_node *n) { return tile(c, n, 1); }

/* repeat_interleave(x, repeats, dim?, output_size?) with a constant int
 * repeats: each
 * element r times in a row along dim (no dim: of the flattened tensor).
 * NNEF has no such op: x unsqueezed after the axis, tiled r times on the
 * new axis, and the two axes merged by a reshape. */
int t2n_lower_repeat_interleave(t2n_lower_ctx *c, t2n_node *n) {
  tensor_info x;
  int64_t r, dim = 0;
  if (n->ninputs < 2) return t2n_lower_error(c, n, "aten::repeat_interleave takes a repeats operand");
  if (get_input(c, n, 0, &x)) return 1;
  if (!t2n_lower_const_int(c, n->inputs[1], &r))
    return t2n_lower_error(c, n, "the repeats of aten::repeat_interleave must be a constant int (a tensor of "
                           "per-element counts gives a data-dependent shape)");
  if (r <= 0) return t2n_lower_error(c, n, "aten::repeat_interleave with repeats %lld: tract cannot hold an empty tensor", (long long)r);
  t2n_nnef_graph *g = t2n_lower_graph(c);
  int flat = n->ninputs < 3 || t2n_lower_is_none(c, n->inputs[2]);
  if (flat) {
    /* torch flattens first: [numel] on axis 0. */
    int64_t numel = 1;
    for (int i = 0; i < x.rank; i++) numel *= x.sizes[i];
    if (x.rank != 1) {
      t2n_nnef_tid f = t2n_lower_temp(c, "flat", x.dt, 1, &numel);
      t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "reshape", f, x.t), "shape", &numel, 1);
      x.t = f;
      x.rank = 1;
      x.sizes[0] = numel;
    }
  } else if (need_int(c, n, 2, "dim", 0, &dim)) {
    return 1;
  }
  int64_t a = axis_of(c, n, &x, dim);
  if (a < 0) return 1;
  if (r == 1) {
    t2n_lower_bind(c, n->outputs[0], x.t);
    return 0;
  }
  if (x.rank + 1 > T2N_MAX_RANK) return t2n_lower_error(c, n, "aten::repeat_interleave of rank %d: one axis more exceeds T2N_MAX_RANK", x.rank);
  int64_t us[T2N_MAX_RANK], reps[T2N_MAX_RANK], os[T2N_MAX_RANK];
  for (int i = 0, j = 0; i < x.rank; i++) {
    us[j] = x.sizes[i];
    reps[j++] = 1;
    if (i == a) us[j] = 1, reps[j++] = r;
  }
  int64_t ax1 = a + 1;
  t2n_nnef_tid u = t2n_lower_temp(c, "interleave", x.dt, x.rank + 1, us);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "unsqueeze", u, x.t), "axes", &ax1, 1);
  us[a + 1] = r;
  t2n_nnef_tid t = t2n_lower_temp(c, "interleave", x.dt, x.rank + 1, us);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "tile", t, u), "repeats", reps, x.rank + 1);
  memcpy(os, x.sizes, sizeof os);
  os[a] *= r;
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "reshape", out, t), "shape", os, x.rank);
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}
