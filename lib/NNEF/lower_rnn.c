/* Lowerings of the recurrent cells: aten::lstm_cell and aten::gru_cell as
 * straight-line NNEF (matmul, slices, sigmoid/tanh), and aten::lstm with its
 * `_flat_weights` list (lower_rnn_seq.c).
 *
 * The gates are computed in torch's order and association, so tract's
 * numbers match torch's cell to float rounding (1e-7 on silero's 128-wide
 * cell): gates = (x W_ih^T + b_ih) + (h W_hh^T + b_hh), split i, f, g, o
 * (LSTM) or r, z, n (GRU, whose n gate adds b_hn inside r * (...)).
 *
 * An LSTM cell with both biases is one call of a fragment per hidden size
 * (t2n_lstm_cell_H, the same ops in the same order), so graph.nnef has one
 * line per cell instead of twenty and tract, which expands fragments when
 * it loads the graph, runs the same ops; --target=khronos writes the ops
 * inline (a standard consumer need not accept fragment definitions). When
 * both biases are weights (an nn.LSTM's), their sum is one variable and
 * the fragment t2n_lstm_cell_H_summed adds it after the two matmuls: tract
 * splits the gates' adds per gate, so two bias rows cost it eight adds and
 * constants where one costs four (as torch_to_nnef's lstm_cell does); the
 * numbers differ from torch's association by float rounding (1e-7). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnn_internal.h"
#include "t2n/alloc.h"

t2n_nnef_tid t2n_rnn_binary(t2n_lower_ctx *c, const char *kind, t2n_nnef_tid a, t2n_nnef_tid b) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  const t2n_nnef_tensor *ta = t2n_nnef_tensor_get(g, a), *tb = t2n_nnef_tensor_get(g, b);
  const t2n_nnef_tensor *big = ta->rank >= tb->rank ? ta : tb;
  int64_t s[T2N_MAX_RANK];
  for (int i = 0; i < big->rank; i++) {
    int64_t sa = i < ta->rank ? ta->sizes[i] : 1, sb = i < tb->rank ? tb->sizes[i] : 1;
    s[i] = sa > sb ? sa : sb;
  }
  t2n_nnef_tid o = t2n_lower_temp(c, kind, big->dtype, big->rank, s);
  t2n_lower_emit2(c, kind, o, a, b);
  return o;
}

t2n_nnef_tid t2n_rnn_unary(t2n_lower_ctx *c, const char *kind, t2n_nnef_tid a) {
  const t2n_nnef_tensor *t = t2n_nnef_tensor_get(t2n_lower_graph(c), a);
  int64_t s[T2N_MAX_RANK];
  memcpy(s, t->sizes, sizeof s);
  t2n_nnef_tid o = t2n_lower_temp(c, kind, t->dtype, t->rank, s);
  t2n_lower_emit1(c, kind, o, a);
  return o;
}


/* x [B, I] times w [G, I] transposed, plus b [G] (or nothing): [B, G]. */
t2n_nnef_tid t2n_rnn_linear(t2n_lower_ctx *c, t2n_nnef_tid x, t2n_nnef_tid w, t2n_nnef_tid b) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  const t2n_nnef_tensor *tx = t2n_nnef_tensor_get(g, x), *tw = t2n_nnef_tensor_get(g, w);
  int64_t s[2] = {tx->sizes[0], tw->sizes[0]};
  t2n_nnef_tid o = t2n_lower_temp(c, "mm", tx->dtype, 2, s);
  t2n_nnef_arg_bool(g, t2n_lower_emit2(c, "matmul", o, x, w), "transposeB", 1);
  if (b < 0) return o;
  return t2n_rnn_binary(c, "add", o, t2n_lower_broadcast_rank(c, b, 2));
}

/* The operands of a cell: input [B, I] and weights; biases may be None. */
static int cell_operands(t2n_lower_ctx *c, t2n_node *n, t2n_nnef_tid *x, t2n_nnef_tid *w_ih, t2n_nnef_tid *w_hh,
                         t2n_nnef_tid *b_ih, t2n_nnef_tid *b_hh, int64_t *hidden) {
  if (n->ninputs < 4 || n->ninputs > 6)
    return t2n_lower_error(c, n, "%s with %d operands is not a form t2n-export lowers", n->kind, n->ninputs);
  t2n_dtype dt;
  int64_t xs[T2N_MAX_RANK], ws[T2N_MAX_RANK];
  int xr = t2n_lower_need_shape(c, n->inputs[0], n, &dt, xs);
  if (xr < 0) return 1;
  if (xr != 2) return t2n_lower_error(c, n, "%s of a rank-%d input: only batched (rank-2) inputs are lowered", n->kind, xr);
  if (t2n_lower_need_shape(c, n->inputs[3], n, NULL, ws) != 2) return 1;
  *hidden = ws[1];
  *x = t2n_lower_tensor(c, n->inputs[0], n);
  *w_ih = t2n_lower_tensor(c, n->inputs[2], n);
  *w_hh = t2n_lower_tensor(c, n->inputs[3], n);
  *b_ih = *b_hh = -1;
  if (n->ninputs > 4 && !t2n_lower_is_none(c, n->inputs[4])) *b_ih = t2n_lower_tensor(c, n->inputs[4], n);
  if (n->ninputs > 5 && !t2n_lower_is_none(c, n->inputs[5])) *b_hh = t2n_lower_tensor(c, n->inputs[5], n);
  if (*x < 0 || *w_ih < 0 || *w_hh < 0) return 1;
  if ((n->ninputs > 4 && !t2n_lower_is_none(c, n->inputs[4]) && *b_ih < 0) ||
      (n->ninputs > 5 && !t2n_lower_is_none(c, n->inputs[5]) && *b_hh < 0))
    return 1;
  return 0;
}

/* The tensors of a prim::ListConstruct argument. */
int t2n_rnn_tensor_list(t2n_lower_ctx *c, t2n_node *n, const t2n_value *list, t2n_nnef_tid *out, int want) {
  const t2n_node *d = list->def;
  if (!d || !t2n_node_is(d, "prim::ListConstruct") || (want >= 0 && d->ninputs != want))
    return t2n_lower_error(c, n, "%%%s of %s must be a prim::ListConstruct of %d tensors", list->name, n->kind, want);
  for (int i = 0; i < d->ninputs; i++)
    if ((out[i] = t2n_lower_tensor(c, d->inputs[i], n)) < 0) return 1;
  return 0;
}

/* Operands are computed in separate statements: C leaves the order of
 * argument evaluation open, and the ops must come out in the same order
 * with every compiler (graph.nnef is byte-for-byte deterministic). */
void t2n_rnn_lstm_step(t2n_lower_ctx *c, t2n_nnef_tid x, t2n_nnef_tid h, t2n_nnef_tid cc, t2n_nnef_tid w_ih,
                       t2n_nnef_tid w_hh, t2n_nnef_tid b_ih, t2n_nnef_tid b_hh, int64_t hid, t2n_nnef_tid h_out,
                       t2n_nnef_tid c_out) {
  t2n_nnef_tid gi = t2n_rnn_linear(c, x, w_ih, b_ih);
  t2n_nnef_tid gh = t2n_rnn_linear(c, h, w_hh, b_hh);
  t2n_nnef_tid gates = t2n_rnn_binary(c, "add", gi, gh);
  t2n_nnef_tid i = t2n_rnn_unary(c, "sigmoid", t2n_lower_slice_axis(c, "gate", gates, 1, 0, hid));
  t2n_nnef_tid f = t2n_rnn_unary(c, "sigmoid", t2n_lower_slice_axis(c, "gate", gates, 1, hid, 2 * hid));
  t2n_nnef_tid gg = t2n_rnn_unary(c, "tanh", t2n_lower_slice_axis(c, "gate", gates, 1, 2 * hid, 3 * hid));
  t2n_nnef_tid o = t2n_rnn_unary(c, "sigmoid", t2n_lower_slice_axis(c, "gate", gates, 1, 3 * hid, 4 * hid));
  t2n_nnef_tid fc = t2n_rnn_binary(c, "mul", f, cc);
  t2n_nnef_tid ig = t2n_rnn_binary(c, "mul", i, gg);
  t2n_lower_emit2(c, "add", c_out, fc, ig);
  t2n_nnef_tid tc = t2n_rnn_unary(c, "tanh", c_out);
  t2n_lower_emit2(c, "mul", h_out, o, tc);
}

/* The variable that holds tensor t, or NULL. */
static const t2n_nnef_variable *variable_of(t2n_nnef_graph *g, t2n_nnef_tid t) {
  for (int i = g->nvars - 1; i >= 0; i--)
    if (g->vars[i].tensor == t) return &g->vars[i];
  return NULL;
}

t2n_nnef_tid t2n_rnn_summed_bias(t2n_lower_ctx *c, t2n_nnef_tid b_ih, t2n_nnef_tid b_hh) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  if (b_ih < 0 || b_hh < 0) return -1;
  t2n_nnef_tid known = t2n_lower_derived(c, "bias sum", b_ih, b_hh);
  if (known >= 0) return known;
  const t2n_nnef_variable *vi = variable_of(g, b_ih), *vh = variable_of(g, b_hh);
  const t2n_nnef_tensor *ti = t2n_nnef_tensor_get(g, b_ih), *th = t2n_nnef_tensor_get(g, b_hh);
  if (!vi || !vh || !vi->data || !vh->data || ti->dtype != T2N_DT_FLOAT32 || th->dtype != T2N_DT_FLOAT32 ||
      ti->rank != 1 || th->rank != 1 || ti->sizes[0] != th->sizes[0] || ti->sizes[0] <= 0 ||
      vi->nbytes != (size_t)ti->sizes[0] * sizeof(float) || vh->nbytes != vi->nbytes)
    return -1;
  int64_t n = ti->sizes[0], sizes[2] = {1, n};
  float *sum = t2n_xmalloc(vi->nbytes);
  /* The weights may sit at any offset of a mapped file: read by memcpy. */
  for (int64_t i = 0; i < n; i++) {
    float a, b;
    memcpy(&a, (const char *)vi->data + i * sizeof(float), sizeof a);
    memcpy(&b, (const char *)vh->data + i * sizeof(float), sizeof b);
    sum[i] = a + b;
  }
  /* "rnn.bias_ih" gives "rnn.bias"; any other label a "_sum" suffix. */
  char label[256];
  const char *at = strstr(vi->label, "bias_ih");
  if (at && strlen(vi->label) < sizeof label - 8)
    snprintf(label, sizeof label, "%.*sbias%s", (int)(at - vi->label), vi->label, at + 7);
  else
    snprintf(label, sizeof label, "%.240s_sum", vi->label);
  t2n_nnef_tid t = t2n_lower_variable_copy(c, label, T2N_DT_FLOAT32, 2, sizes, sum, vi->nbytes);
  free(sum);
  t2n_lower_remember_derived(c, "bias sum", b_ih, b_hh, t);
  return t;
}

/* The fragment of one LSTM cell of hidden size hid, declared once per size:
 * t2n_rnn_lstm_step's ops, biases [1, 4H]; one_bias: their sum, added after
 * the two matmuls (t2n_lstm_cell_H_summed). */
static const char *lstm_cell_fragment(t2n_lower_ctx *c, int64_t hid, int one_bias) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  char name[64], text[1600];
  long long H = (long long)hid;
  snprintf(name, sizeof name, one_bias ? "t2n_lstm_cell_%lld_summed" : "t2n_lstm_cell_%lld", H);
  char gates[600];
  t2n_rnn_lstm_gates_text(gates, sizeof gates, hid, one_bias);
  snprintf(text, sizeof text,
           "fragment %s( x: tensor<scalar>, h: tensor<scalar>, c: tensor<scalar>, w_ih: tensor<scalar>,"
           " w_hh: tensor<scalar>, %s )"
           " -> ( h_new: tensor<scalar>, c_new: tensor<scalar> )\n"
           "{\n"
           "%s"
           "  h_new = mul(o, tanh(c_new));\n"
           "}\n",
           name, one_bias ? "b: tensor<scalar>" : "b_ih: tensor<scalar>, b_hh: tensor<scalar>", gates);
  t2n_nnef_fragment(g, name, text);
  return t2n_arena_strndup(g->arena, name, strlen(name));
}

/* lstm_cell(input, [hx, cx], w_ih, w_hh, b_ih, b_hh) -> (hy, cy) */
int t2n_lower_lstm_cell(t2n_lower_ctx *c, t2n_node *n) {
  t2n_nnef_tid x = -1, w_ih = -1, w_hh = -1, b_ih = -1, b_hh = -1, hc[2];
  int64_t hid = 0;
  if (n->noutputs != 2 || cell_operands(c, n, &x, &w_ih, &w_hh, &b_ih, &b_hh, &hid)) {
    if (n->noutputs != 2) return t2n_lower_error(c, n, "aten::lstm_cell must have two outputs");
    return 1;
  }
  if (t2n_rnn_tensor_list(c, n, n->inputs[1], hc, 2)) return 1;
  t2n_nnef_tid hy = t2n_lower_output_tensor(c, n, 0), cy = t2n_lower_output_tensor(c, n, 1);
  if (hy < 0 || cy < 0) return 1;
  if (b_ih >= 0 && b_hh >= 0 && !t2n_lower_standard_only(c)) {
    /* Constant biases are summed here, so tract adds one bias row per run
     * instead of two (torch_to_nnef's lstm_cell does the same). */
    t2n_nnef_tid b = t2n_rnn_summed_bias(c, b_ih, b_hh);
    const char *frag = lstm_cell_fragment(c, hid, b >= 0);
    t2n_nnef_tid args[7] = {x, hc[0], hc[1], w_ih, w_hh, b, -1};
    int nargs = 6;
    if (b < 0) {
      args[5] = t2n_lower_broadcast_rank(c, b_ih, 2);
      args[6] = t2n_lower_broadcast_rank(c, b_hh, 2);
      nargs = 7;
    }
    t2n_nnef_graph *g = t2n_lower_graph(c);
    t2n_nnef_op *op = t2n_nnef_op_new(g, frag, 2);
    op->outputs[0] = hy;
    op->outputs[1] = cy;
    for (int i = 0; i < nargs; i++) t2n_nnef_arg_tensor(g, op, NULL, args[i]);
  } else {
    t2n_rnn_lstm_step(c, x, hc[0], hc[1], w_ih, w_hh, b_ih, b_hh, hid, hy, cy);
  }
  t2n_lower_bind(c, n->outputs[0], hy);
  t2n_lower_bind(c, n->outputs[1], cy);
  return 0;
}

void t2n_rnn_gru_step(t2n_lower_ctx *c, t2n_nnef_tid x, t2n_nnef_tid h, t2n_nnef_tid w_ih, t2n_nnef_tid w_hh,
                      t2n_nnef_tid b_ih, t2n_nnef_tid b_hh, int64_t hid, t2n_nnef_tid h_out) {
  t2n_nnef_tid gi = t2n_rnn_linear(c, x, w_ih, b_ih);
  t2n_nnef_tid gh = t2n_rnn_linear(c, h, w_hh, b_hh);
  t2n_nnef_tid gate[2];
  for (int k = 0; k < 2; k++) { /* r, z */
    t2n_nnef_tid a = t2n_lower_slice_axis(c, "gate", gi, 1, k * hid, (k + 1) * hid);
    t2n_nnef_tid b = t2n_lower_slice_axis(c, "gate", gh, 1, k * hid, (k + 1) * hid);
    gate[k] = t2n_rnn_unary(c, "sigmoid", t2n_rnn_binary(c, "add", a, b));
  }
  t2n_nnef_tid in = t2n_lower_slice_axis(c, "gate", gi, 1, 2 * hid, 3 * hid);
  t2n_nnef_tid hn = t2n_lower_slice_axis(c, "gate", gh, 1, 2 * hid, 3 * hid);
  t2n_nnef_tid rhn = t2n_rnn_binary(c, "mul", gate[0], hn);
  t2n_nnef_tid nn = t2n_rnn_unary(c, "tanh", t2n_rnn_binary(c, "add", in, rhn));
  /* h' = (1 - z) * n + z * h, written n + z * (h - n) as torch's kernel does. */
  t2n_nnef_tid d = t2n_rnn_binary(c, "sub", h, nn);
  t2n_nnef_tid zd = t2n_rnn_binary(c, "mul", gate[1], d);
  t2n_lower_emit2(c, "add", h_out, nn, zd);
}

/* gru_cell(input, hx, w_ih, w_hh, b_ih, b_hh) -> hy */
int t2n_lower_gru_cell(t2n_lower_ctx *c, t2n_node *n) {
  t2n_nnef_tid x, w_ih, w_hh, b_ih, b_hh;
  int64_t hid;
  if (n->noutputs != 1) return t2n_lower_error(c, n, "aten::gru_cell must have one output");
  if (cell_operands(c, n, &x, &w_ih, &w_hh, &b_ih, &b_hh, &hid)) return 1;
  t2n_nnef_tid h = t2n_lower_tensor(c, n->inputs[1], n);
  t2n_nnef_tid hy = t2n_lower_output_tensor(c, n, 0);
  if (h < 0 || hy < 0) return 1;
  t2n_rnn_gru_step(c, x, h, w_ih, w_hh, b_ih, b_hh, hid, hy);
  t2n_lower_bind(c, n->outputs[0], hy);
  return 0;
}

/* rnn_tanh_cell / rnn_relu_cell(input, hx, w_ih, w_hh, b_ih, b_hh) -> hy:
 * act((x W_ih^T + b_ih) + (h W_hh^T + b_hh)), torch's simple cell. */
static int lower_simple_cell(t2n_lower_ctx *c, t2n_node *n, const char *act) {
  t2n_nnef_tid x, w_ih, w_hh, b_ih, b_hh;
  int64_t hid;
  if (n->noutputs != 1) return t2n_lower_error(c, n, "%s must have one output", n->kind);
  if (cell_operands(c, n, &x, &w_ih, &w_hh, &b_ih, &b_hh, &hid)) return 1;
  t2n_nnef_tid h = t2n_lower_tensor(c, n->inputs[1], n);
  t2n_nnef_tid hy = t2n_lower_output_tensor(c, n, 0);
  if (h < 0 || hy < 0) return 1;
  t2n_nnef_tid gi = t2n_rnn_linear(c, x, w_ih, b_ih);
  t2n_nnef_tid gh = t2n_rnn_linear(c, h, w_hh, b_hh);
  t2n_lower_emit1(c, act, hy, t2n_rnn_binary(c, "add", gi, gh));
  t2n_lower_bind(c, n->outputs[0], hy);
  return 0;
}

int t2n_lower_rnn_tanh_cell(t2n_lower_ctx *c, t2n_node *n) { return lower_simple_cell(c, n, "tanh"); }
int t2n_lower_rnn_relu_cell(t2n_lower_ctx *c, t2n_node *n) { return lower_simple_cell(c, n, "relu"); }
