/* Lowerings of indexing by tensors: index_select, gather, embedding and
 * aten::index (x[idx] with index tensors).
 *
 * tract's gathers take i64 indices (cast here from any integer dtype):
 * tract_core_gather(x, idx, axis) gives x.shape[:axis] + idx.shape +
 * x.shape[axis+1:] and accepts negative indices as torch does;
 * tract_core_gather_elements is torch.gather; tract_core_gather_nd reads
 * the leading axes from a trailing index axis. A boolean mask index gives
 * a shape that depends on the data, which a fixed-shape export cannot hold. */
#include <string.h>

#include "t2n/nnef.h"

static int is_int_dt(t2n_dtype dt) {
  return dt == T2N_DT_INT64 || dt == T2N_DT_INT32 || dt == T2N_DT_INT16 || dt == T2N_DT_INT8 || dt == T2N_DT_UINT8;
}

/* Index tensor v as i64; -1 after an error. */
static t2n_nnef_tid index_tensor(t2n_lower_ctx *c, t2n_node *n, const t2n_value *v) {
  t2n_nnef_tid t = t2n_lower_tensor(c, v, n);
  if (t < 0) return -1;
  t2n_dtype dt = t2n_nnef_tensor_get(t2n_lower_graph(c), t)->dtype;
  if (dt == T2N_DT_BOOL) {
    t2n_lower_error(c, n, "%s with a boolean mask: the result's shape depends on the data, which an export with "
                    "fixed shapes cannot hold", n->kind);
    return -1;
  }
  if (!is_int_dt(dt)) {
    t2n_lower_error(c, n, "%s with %s indices; indices must be integers", n->kind, t2n_dtype_name(dt));
    return -1;
  }
  return t2n_lower_cast(c, t, T2N_DT_INT64);
}

static int gather(t2n_lower_ctx *c, t2n_node *n, const char *kind, t2n_nnef_tid x, t2n_nnef_tid idx, int64_t axis) {
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  t2n_nnef_op *op = t2n_lower_emit2(c, kind, out, x, idx);
  t2n_nnef_arg_int(t2n_lower_graph(c), op, "axis", axis);
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}

static int rank_of(t2n_lower_ctx *c, t2n_nnef_tid t) { return t2n_nnef_tensor_get(t2n_lower_graph(c), t)->rank; }

/* op(x, dim, index, ...): x, the axis and the index tensor; 1 on error. */
static int x_dim_index(t2n_lower_ctx *c, t2n_node *n, t2n_nnef_tid *x, int64_t *a, t2n_nnef_tid *idx) {
  int64_t dim;
  *x = t2n_lower_tensor(c, n->inputs[0], n);
  if (*x < 0) return 1;
  if (!t2n_lower_const_int(c, n->inputs[1], &dim))
    return t2n_lower_error(c, n, "the dim of %s must be a constant int", n->kind);
  *a = t2n_lower_axis(c, n, dim, rank_of(c, *x), 0);
  *idx = *a < 0 ? -1 : index_tensor(c, n, n->inputs[2]);
  return *idx < 0;
}

/* index_select(x, dim, index): a 0-dim index keeps the axis (size 1). */
int t2n_lower_index_select(t2n_lower_ctx *c, t2n_node *n) {
  t2n_nnef_tid x, idx;
  int64_t a;
  if (x_dim_index(c, n, &x, &a, &idx)) return 1;
  if (rank_of(c, idx) == 0) idx = t2n_lower_broadcast_rank(c, idx, 1);
  return gather(c, n, "tract_core_gather", x, idx, a);
}

/* gather(x, dim, index, sparse_grad): torch.gather is gather_elements. */
int t2n_lower_gather(t2n_lower_ctx *c, t2n_node *n) {
  t2n_nnef_tid x, idx;
  int64_t a;
  if (x_dim_index(c, n, &x, &a, &idx)) return 1;
  if (rank_of(c, idx) != rank_of(c, x)) return t2n_lower_error(c, n, "aten::gather with an index of another rank than the input");
  return gather(c, n, "tract_core_gather_elements", x, idx, a);
}

/* embedding(weight, indices, padding_idx, ...): rows of the weight. */
int t2n_lower_embedding(t2n_lower_ctx *c, t2n_node *n) {
  t2n_nnef_tid w = t2n_lower_tensor(c, n->inputs[0], n);
  t2n_nnef_tid idx = w < 0 ? -1 : index_tensor(c, n, n->inputs[1]);
  if (idx < 0) return 1;
  return gather(c, n, "tract_core_gather", w, idx, 0);
}

/* index(x, [None, ..., idx, ...]): one index tensor at any position is a
 * gather on that axis; k index tensors on the leading axes 0..k-1 (no None
 * before them) are broadcast to one shape, stacked on a trailing axis and
 * read with tract_core_gather_nd (indices must then be >= 0). */
int t2n_lower_index(t2n_lower_ctx *c, t2n_node *n) {
  t2n_nnef_tid x = t2n_lower_tensor(c, n->inputs[0], n);
  if (x < 0) return 1;
  const t2n_value *l = n->inputs[1];
  if (!l->def || !t2n_node_is(l->def, "prim::ListConstruct"))
    return t2n_lower_error(c, n, "the indices of aten::index must come from a prim::ListConstruct");
  int k = l->def->ninputs, pos[T2N_MAX_RANK], nt = 0;
  if (k > rank_of(c, x)) return t2n_lower_error(c, n, "aten::index with %d indices for a tensor of rank %d", k, rank_of(c, x));
  for (int i = 0; i < k; i++)
    if (!t2n_lower_is_none(c, l->def->inputs[i])) pos[nt++] = i;
  if (nt == 0) {
    t2n_lower_bind(c, n->outputs[0], x);
    return 0;
  }
  if (nt == 1) {
    t2n_nnef_tid idx = index_tensor(c, n, l->def->inputs[pos[0]]);
    return idx < 0 ? 1 : gather(c, n, "tract_core_gather", x, idx, pos[0]);
  }
  for (int i = 0; i < nt; i++)
    if (pos[i] != i)
      return t2n_lower_error(c, n, "aten::index with several index tensors is lowered only when they index the "
                             "leading axes (x[i, j], not x[:, i, j] or x[i, :, j])");
  /* The broadcast shape of the index tensors, right-aligned as torch does. */
  t2n_nnef_graph *g = t2n_lower_graph(c);
  t2n_nnef_tid idx[T2N_MAX_RANK];
  int br = 0;
  int64_t bs[T2N_MAX_RANK];
  for (int i = 0; i < nt; i++) {
    if ((idx[i] = index_tensor(c, n, l->def->inputs[i])) < 0) return 1;
    if (rank_of(c, idx[i]) > br) br = rank_of(c, idx[i]);
  }
  if (br + 1 > T2N_MAX_RANK) return t2n_lower_error(c, n, "aten::index with index tensors of rank %d", br);
  for (int d = 0; d < br; d++) bs[d] = 1;
  for (int i = 0; i < nt; i++) {
    const t2n_nnef_tensor *it = t2n_nnef_tensor_get(g, idx[i]);
    for (int d = 0; d < it->rank; d++) {
      int64_t s = it->sizes[d];
      int64_t *b = &bs[br - it->rank + d];
      if (*b == 1) *b = s;
      else if (s != 1 && s != *b) return t2n_lower_error(c, n, "the index tensors of aten::index do not broadcast");
    }
  }
  t2n_nnef_value parts[T2N_MAX_RANK];
  int64_t us[T2N_MAX_RANK];
  memcpy(us, bs, sizeof us);
  us[br] = 1;
  for (int i = 0; i < nt; i++) {
    t2n_nnef_tid t = t2n_lower_broadcast_rank(c, idx[i], br);
    const t2n_nnef_tensor *tt = t2n_nnef_tensor_get(g, t);
    int same = 1;
    for (int d = 0; d < br; d++) same &= tt->sizes[d] == bs[d];
    if (!same) {
      t2n_nnef_tid b = t2n_lower_temp(c, "index_b", T2N_DT_INT64, br, bs);
      t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "tract_core_broadcast", b, t), "shape", bs, br);
      t = b;
    }
    t2n_nnef_tid u = t2n_lower_temp(c, "index_u", T2N_DT_INT64, br + 1, us);
    int64_t ax = br;
    t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "unsqueeze", u, t), "axes", &ax, 1);
    parts[i] = t2n_nnef_v_tensor(u);
  }
  us[br] = nt;
  t2n_nnef_tid st = t2n_lower_temp(c, "index_nd", T2N_DT_INT64, br + 1, us);
  t2n_nnef_op *op = t2n_nnef_op_new(g, "concat", 1);
  op->outputs[0] = st;
  t2n_nnef_arg_value(g, op, NULL, t2n_nnef_v_array(g, nt, parts));
  t2n_nnef_arg_int(g, op, "axis", br);
  t2n_nnef_tid out = t2n_lower_output_tensor(c, n, 0);
  if (out < 0) return 1;
  op = t2n_lower_emit2(c, "tract_core_gather_nd", out, x, st);
  t2n_nnef_arg_int(g, op, "batch_dims", 0);
  t2n_lower_bind(c, n->outputs[0], out);
  return 0;
}
