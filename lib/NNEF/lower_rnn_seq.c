/* Lowerings of the sequence RNNs aten::lstm, aten::gru, aten::rnn_tanh and
 * aten::rnn_relu (the forms nn.LSTM / nn.GRU / nn.RNN call, with their `_flat_weights` list) as one
 * tract_core_scan per layer and direction over a fragment holding one cell
 * step.
 *
 * tract's scan (checked against torch in tract 0.23.9): the scan input is
 * cut in chunks of 1 along the time axis (a chunk of -1 walks it backwards,
 * and the full output of a reverse scan is written backwards too, so it
 * lines up with the input as torch's reverse direction does); `full`
 * arguments are passed whole to every step; `state` pairs a fragment input
 * with the fragment output that feeds it on the next step; `last` outputs
 * are the final step's value. Each step computes the cell exactly as
 * aten::lstm_cell / gru_cell lower (lower_rnn.c), so results match torch's
 * to float rounding. Missing biases are zero tensors (adding 0 is exact).
 *
 * Layout: time-major [T, B, I] inside (batch_first inputs are transposed
 * on the way in and out); a bidirectional layer concatenates the two
 * directions on the feature axis; h_n (and c_n) stack every layer and
 * direction on axis 0 in torch's order (layer * directions + direction). */
#include <stdio.h>
#include <string.h>

#include "rnn_internal.h"

enum { CELL_GRU, CELL_LSTM, CELL_TANH, CELL_RELU };

typedef struct seq_form {
  int lstm;                      /* 1 LSTM (h and c), 0 the others (h) */
  int cell;                      /* CELL_* */
  int has_biases, num_layers, bidirectional, batch_first;
  int64_t hidden;                /* the cell's (and c's) size */
  int64_t proj;                  /* LSTM proj_size: h's size (0: none, h is hidden) */
} seq_form;

static int gate_count(int cell) { return cell == CELL_LSTM ? 4 : cell == CELL_GRU ? 3 : 1; }

/* The head of a step fragment with one state h (simple cells, gru): its
 * signature and x, h without the time axis. */
#define H_STEP_HEAD                                                                                                   \
  "fragment %s( x_t: tensor<scalar>, h_prev: tensor<scalar>,"                                                        \
  " w_ih: tensor<scalar>, w_hh: tensor<scalar>, b_ih: tensor<scalar>, b_hh: tensor<scalar> )"                        \
  " -> ( h_t: tensor<scalar> )\n"                                                                                     \
  "{\n"                                                                                                               \
  "  x = squeeze(x_t, axes = [0]);\n"                                                                                 \
  "  h = squeeze(h_prev, axes = [0]);\n"

/* The step fragment for hidden size h: declared once per (cell, size). */
void t2n_rnn_lstm_gates_text(char *buf, size_t size, int64_t hid, int one_bias) {
  long long H = (long long)hid;
  snprintf(buf, size, "%s"
           "  i = sigmoid(slice(z, axes = [1], begin = [0], end = [%lld]));\n"
           "  f = sigmoid(slice(z, axes = [1], begin = [%lld], end = [%lld]));\n"
           "  g = tanh(slice(z, axes = [1], begin = [%lld], end = [%lld]));\n"
           "  o = sigmoid(slice(z, axes = [1], begin = [%lld], end = [%lld]));\n"
           "  c_new = add(mul(f, c), mul(i, g));\n",
           one_bias ? "  z = add(add(matmul(x, w_ih, transposeB = true), matmul(h, w_hh, transposeB = true)), b);\n"
                    : "  z = add(add(matmul(x, w_ih, transposeB = true), b_ih), add(matmul(h, w_hh, transposeB = true), b_hh));\n",
           H, H, 2 * H, 2 * H, 3 * H, 3 * H, 4 * H);
}

/* one_bias (LSTM only): the step reads one bias b, the sum of b_ih and
 * b_hh (t2n_rnn_summed_bias), added after the two matmuls; "_summed". */
static const char *step_fragment(t2n_lower_ctx *c, int cell, int64_t h, int64_t proj, int one_bias) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  char name[80], text[2400];
  long long H = (long long)h;
  static const char *const names[] = {"gru", "lstm", "rnn_tanh", "rnn_relu"};
  if (proj) snprintf(name, sizeof name, "t2n_lstm_step_%lld_proj_%lld", H, (long long)proj);
  else snprintf(name, sizeof name, "t2n_%s_step_%lld", names[cell], H);
  if (one_bias) strcat(name, "_summed");
  int lstm = cell == CELL_LSTM;
  if (cell == CELL_TANH || cell == CELL_RELU)
    /* torch's simple cell: act((x W_ih^T + b_ih) + (h W_hh^T + b_hh)). */
    snprintf(text, sizeof text,
             H_STEP_HEAD
             "  z = add(add(matmul(x, w_ih, transposeB = true), b_ih), add(matmul(h, w_hh, transposeB = true), b_hh));\n"
             "  h_t = unsqueeze(%s(z), axes = [0]);\n"
             "}\n",
             name, cell == CELL_TANH ? "tanh" : "relu");
  else if (lstm) {
    char gates[600];
    t2n_rnn_lstm_gates_text(gates, sizeof gates, h, one_bias);
    /* With proj_size, h = (o * tanh(c)) W_hr^T (torch's projected LSTM). */
    snprintf(text, sizeof text,
             "fragment %s( x_t: tensor<scalar>, h_prev: tensor<scalar>, c_prev: tensor<scalar>,"
             " w_ih: tensor<scalar>, w_hh: tensor<scalar>, %s%s )"
             " -> ( h_t: tensor<scalar>, c_t: tensor<scalar> )\n"
             "{\n"
             "  x = squeeze(x_t, axes = [0]);\n"
             "  h = squeeze(h_prev, axes = [0]);\n"
             "  c = squeeze(c_prev, axes = [0]);\n"
             "%s"
             "  h_new = %s;\n"
             "  h_t = unsqueeze(h_new, axes = [0]);\n"
             "  c_t = unsqueeze(c_new, axes = [0]);\n"
             "}\n",
             name, one_bias ? "b: tensor<scalar>" : "b_ih: tensor<scalar>, b_hh: tensor<scalar>",
             proj ? ", w_hr: tensor<scalar>" : "", gates,
             proj ? "matmul(mul(o, tanh(c_new)), w_hr, transposeB = true)" : "mul(o, tanh(c_new))");
  } else
    snprintf(text, sizeof text,
             H_STEP_HEAD
             "  gi = add(matmul(x, w_ih, transposeB = true), b_ih);\n"
             "  gh = add(matmul(h, w_hh, transposeB = true), b_hh);\n"
             "  r = sigmoid(add(slice(gi, axes = [1], begin = [0], end = [%lld]), slice(gh, axes = [1], begin = [0], end = [%lld])));\n"
             "  u = sigmoid(add(slice(gi, axes = [1], begin = [%lld], end = [%lld]), slice(gh, axes = [1], begin = [%lld], end = [%lld])));\n"
             "  n = tanh(add(slice(gi, axes = [1], begin = [%lld], end = [%lld]), mul(r, slice(gh, axes = [1], begin = [%lld], end = [%lld]))));\n"
             "  h_t = unsqueeze(add(n, mul(u, sub(h, n))), axes = [0]);\n"
             "}\n",
             name, H, H, H, 2 * H, H, 2 * H, 2 * H, 3 * H, 2 * H, 3 * H);
  t2n_nnef_fragment(g, name, text);
  return t2n_arena_strndup(g->arena, name, strlen(name));
}

static t2n_nnef_value tup(t2n_nnef_graph *g, int n, const t2n_nnef_value *v) { return t2n_nnef_v_tuple(g, n, v); }

/* A [1, 4H] (or 3H) bias: the list's tensor, or zeros when the RNN has none
 * (one zero tensor per RNN, made on first use). */
static t2n_nnef_tid bias_row(t2n_lower_ctx *c, t2n_nnef_tid b, int64_t gates, t2n_nnef_tid *zero) {
  if (b >= 0) return t2n_lower_broadcast_rank(c, b, 2);
  if (*zero >= 0) return *zero;
  int64_t s[2] = {1, gates};
  t2n_nnef_graph *g = t2n_lower_graph(c);
  float *zeros = t2n_arena_alloc(g->arena, (size_t)gates * sizeof(float));
  *zero = t2n_lower_variable_copy(c, "rnn_zero_bias", T2N_DT_FLOAT32, 2, s, zeros, (size_t)gates * sizeof(float));
  return *zero;
}

/* One layer and direction: scans x [T, B, I] from state h0 (c0) [1, B, H];
 * returns y [T, B, H] and sets hn (cn) [1, B, H]. */
static t2n_nnef_tid scan_layer(t2n_lower_ctx *c, const seq_form *f, t2n_nnef_tid x, t2n_nnef_tid h0, t2n_nnef_tid c0,
                               const t2n_nnef_tid *w, int reverse, t2n_nnef_tid *zero, t2n_nnef_tid *hn,
                               t2n_nnef_tid *cn) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  int64_t gates = gate_count(f->cell) * f->hidden;
  /* An LSTM adds one bias row per step: the sum of its weights' two, or
   * the zero row when it has none (tract splits the adds per gate, so a
   * second row costs four adds a step). */
  t2n_nnef_tid b_sum = -1;
  if (f->lstm) b_sum = f->has_biases ? t2n_rnn_summed_bias(c, w[2], w[3]) : bias_row(c, -1, gates, zero);
  const char *body = step_fragment(c, f->cell, f->hidden, f->proj, b_sum >= 0);
  t2n_nnef_tid b_ih = b_sum >= 0 ? b_sum : bias_row(c, f->has_biases ? w[2] : -1, gates, zero);
  t2n_nnef_tid b_hh = b_sum >= 0 ? -1 : bias_row(c, f->has_biases ? w[3] : -1, gates, zero);
  const t2n_nnef_tensor *xt = t2n_nnef_tensor_get(g, x);
  int64_t T = xt->sizes[0], B = xt->sizes[1];
  t2n_dtype dt = xt->dtype;
  int64_t hsz = f->proj ? f->proj : f->hidden;
  int64_t ys[3] = {T, B, hsz}, ss[3] = {1, B, hsz}, cs[3] = {1, B, f->hidden};
  t2n_nnef_tid y = t2n_lower_temp(c, "rnn_y", dt, 3, ys);
  *hn = t2n_lower_temp(c, "rnn_hn", dt, 3, ss);
  if (f->lstm) *cn = t2n_lower_temp(c, "rnn_cn", dt, 3, cs);
  t2n_nnef_op *op = t2n_nnef_op_new(g, "tract_core_scan", f->lstm ? 3 : 2);
  op->outputs[0] = y;
  op->outputs[1] = *hn;
  if (f->lstm) op->outputs[2] = *cn;
  int64_t chunk = reverse ? -1 : 1;
  t2n_nnef_arg_string(g, op, "body", body);
  t2n_nnef_value sc[4] = {t2n_nnef_v_string(g, "x_t"), t2n_nnef_v_tensor(x), t2n_nnef_v_int(0), t2n_nnef_v_int(chunk)};
  t2n_nnef_value scan = tup(g, 4, sc);
  t2n_nnef_arg_value(g, op, "scan", t2n_nnef_v_array(g, 1, &scan));
  /* _flat_weights per layer and direction: w_ih, w_hh, [b_ih, b_hh], [w_hr] */
  const char *full_names[5] = {"w_ih", "w_hh", "b_ih", "b_hh", "w_hr"};
  t2n_nnef_tid full_t[5] = {w[0], w[1], b_ih, b_hh, f->proj ? w[f->has_biases ? 4 : 2] : -1};
  int nfull = f->proj ? 5 : 4;
  if (b_sum >= 0) { /* w_ih, w_hh, b, [w_hr] */
    full_names[2] = "b";
    full_names[3] = "w_hr";
    full_t[3] = full_t[4];
    nfull--;
  }
  t2n_nnef_value full[5];
  for (int i = 0; i < nfull; i++) {
    t2n_nnef_value p[2] = {t2n_nnef_v_string(g, full_names[i]), t2n_nnef_v_tensor(full_t[i])};
    full[i] = tup(g, 2, p);
  }
  t2n_nnef_arg_value(g, op, "full", t2n_nnef_v_array(g, nfull, full));
  t2n_nnef_value st[2];
  t2n_nnef_value sh[3] = {t2n_nnef_v_string(g, "h_prev"), t2n_nnef_v_tensor(h0), t2n_nnef_v_string(g, "h_t")};
  st[0] = tup(g, 3, sh);
  if (f->lstm) {
    t2n_nnef_value scc[3] = {t2n_nnef_v_string(g, "c_prev"), t2n_nnef_v_tensor(c0), t2n_nnef_v_string(g, "c_t")};
    st[1] = tup(g, 3, scc);
  }
  t2n_nnef_arg_value(g, op, "state", t2n_nnef_v_array(g, f->lstm ? 2 : 1, st));
  t2n_nnef_value outs[3];
  t2n_nnef_value o0[4] = {t2n_nnef_v_string(g, "h_t"), t2n_nnef_v_string(g, "full"), t2n_nnef_v_int(0),
                          t2n_nnef_v_int(chunk)};
  t2n_nnef_value o1[4] = {t2n_nnef_v_string(g, "h_t"), t2n_nnef_v_string(g, "last"), t2n_nnef_v_int(0),
                          t2n_nnef_v_int(1)};
  t2n_nnef_value o2[4] = {t2n_nnef_v_string(g, "c_t"), t2n_nnef_v_string(g, "last"), t2n_nnef_v_int(0),
                          t2n_nnef_v_int(1)};
  outs[0] = tup(g, 4, o0);
  outs[1] = tup(g, 4, o1);
  outs[2] = tup(g, 4, o2);
  t2n_nnef_arg_value(g, op, "output", t2n_nnef_v_array(g, f->lstm ? 3 : 2, outs));
  return y;
}

static t2n_nnef_tid concat(t2n_lower_ctx *c, const t2n_nnef_tid *parts, int n, int axis, t2n_nnef_tid out) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  if (out < 0) {
    const t2n_nnef_tensor *t = t2n_nnef_tensor_get(g, parts[0]);
    int64_t s[T2N_MAX_RANK];
    memcpy(s, t->sizes, sizeof s);
    s[axis] = 0;
    for (int i = 0; i < n; i++) s[axis] += t2n_nnef_tensor_get(g, parts[i])->sizes[axis];
    out = t2n_lower_temp(c, "rnn_cat", t->dtype, t->rank, s);
  }
  t2n_nnef_value v[2 * 64];
  for (int i = 0; i < n; i++) v[i] = t2n_nnef_v_tensor(parts[i]);
  t2n_nnef_op *op = t2n_nnef_op_new(g, "concat", 1);
  op->outputs[0] = out;
  t2n_nnef_arg_value(g, op, NULL, t2n_nnef_v_array(g, n, v));
  t2n_nnef_arg_int(g, op, "axis", axis);
  return out;
}

/* [A, B, C] -> [B, A, C] into out (a new tensor when out < 0). */
static t2n_nnef_tid swap01(t2n_lower_ctx *c, t2n_nnef_tid x, t2n_nnef_tid out) {
  t2n_nnef_graph *g = t2n_lower_graph(c);
  const t2n_nnef_tensor *t = t2n_nnef_tensor_get(g, x);
  int64_t s[3] = {t->sizes[1], t->sizes[0], t->sizes[2]}, perm[3] = {1, 0, 2};
  if (out < 0) out = t2n_lower_temp(c, "rnn_seq", t->dtype, 3, s);
  t2n_nnef_arg_ints(g, t2n_lower_emit1(c, "transpose", out, x), "axes", perm, 3);
  return out;
}

/* lstm(input, [h0, c0], params, has_biases, num_layers, dropout, train,
 *      bidirectional, batch_first) -> (output, h_n, c_n)
 * gru / rnn_tanh / rnn_relu(input, h0, params, ...same...) -> (output, h_n) */
static int lower_seq(t2n_lower_ctx *c, t2n_node *n, int cell) {
  int lstm = cell == CELL_LSTM;
  if (n->ninputs != 9 || n->noutputs != (lstm ? 3 : 2))
    return t2n_lower_error(c, n, "%s with %d operands is not a form t2n-export lowers (packed sequences are not)",
                           n->kind, n->ninputs);
  seq_form f = {0};
  f.lstm = lstm;
  f.cell = cell;
  int train = 1;
  if (!t2n_lower_const_bool(c, n->inputs[3], &f.has_biases) || !t2n_lower_const_bool(c, n->inputs[6], &train) ||
      !t2n_lower_const_bool(c, n->inputs[7], &f.bidirectional) ||
      !t2n_lower_const_bool(c, n->inputs[8], &f.batch_first))
    return t2n_lower_error(c, n, "the flags of %s must be constants", n->kind);
  int64_t nl;
  if (!t2n_lower_const_int(c, n->inputs[4], &nl) || nl < 1 || nl > 16)
    return t2n_lower_error(c, n, "num_layers of %s must be a constant from 1 to 16", n->kind);
  f.num_layers = (int)nl;
  if (train) return t2n_lower_error(c, n, "%s is lowered for inference only: train must be a constant False", n->kind);
  int dirs = f.bidirectional ? 2 : 1, per = f.has_biases ? 4 : 2;
  t2n_dtype dt;
  int64_t xs[T2N_MAX_RANK], hs[T2N_MAX_RANK];
  int xr = t2n_lower_need_shape(c, n->inputs[0], n, &dt, xs);
  if (xr < 0) return 1;
  if (xr != 3) return t2n_lower_error(c, n, "%s of a rank-%d input: only batched (rank-3) inputs are lowered", n->kind, xr);
  /* An LSTM with proj_size has one more weight (w_hr) per layer and direction. */
  const t2n_node *pl = n->inputs[2]->def;
  if (lstm && pl && t2n_node_is(pl, "prim::ListConstruct") && pl->ninputs == f.num_layers * dirs * (per + 1)) per++;
  int has_proj = per == (f.has_biases ? 5 : 3);
  t2n_nnef_tid params[16 * 2 * 5];
  if (t2n_rnn_tensor_list(c, n, n->inputs[2], params, f.num_layers * dirs * per)) return 1;
  t2n_nnef_tid h0all, c0all = -1;
  if (lstm) {
    t2n_nnef_tid hc[2];
    if (t2n_rnn_tensor_list(c, n, n->inputs[1], hc, 2)) return 1;
    h0all = hc[0], c0all = hc[1];
  } else if ((h0all = t2n_lower_tensor(c, n->inputs[1], n)) < 0) {
    return 1;
  }
  const t2n_value *hv = lstm ? n->inputs[1]->def->inputs[1] : n->inputs[1]; /* c0 for an LSTM: the cell size */
  if (t2n_lower_need_shape(c, hv, n, NULL, hs) != 3) return 1;
  f.hidden = hs[2];
  t2n_nnef_graph *g = t2n_lower_graph(c);
  if (has_proj) f.proj = t2n_nnef_tensor_get(g, params[f.has_biases ? 4 : 2])->sizes[0];
  int64_t hsz = has_proj ? f.proj : f.hidden;
  for (int i = 0; i < f.num_layers * dirs; i++) {
    const t2n_nnef_tensor *w_hh = t2n_nnef_tensor_get(g, params[i * per + 1]);
    if (w_hh->rank != 2 || w_hh->sizes[1] != hsz || w_hh->sizes[0] != gate_count(cell) * f.hidden)
      return t2n_lower_error(c, n, "%s: weight_hh of layer %d is not [%lld, %lld] as the state sizes imply", n->kind,
                             i / dirs, (long long)(gate_count(cell) * f.hidden), (long long)hsz);
    if (has_proj) {
      const t2n_nnef_tensor *w_hr = t2n_nnef_tensor_get(g, params[i * per + per - 1]);
      if (w_hr->rank != 2 || w_hr->sizes[0] != f.proj || w_hr->sizes[1] != f.hidden)
        return t2n_lower_error(c, n, "%s: weight_hr of layer %d is not [%lld, %lld]", n->kind, i / dirs,
                               (long long)f.proj, (long long)f.hidden);
    }
  }
  t2n_nnef_tid outs[3];
  for (int k = 0; k < n->noutputs; k++)
    if ((outs[k] = t2n_lower_output_tensor(c, n, k)) < 0) return 1;
  t2n_nnef_tid x = t2n_lower_tensor(c, n->inputs[0], n);
  if (x < 0) return 1;
  if (f.batch_first) x = swap01(c, x, -1);
  t2n_nnef_tid hn[32], cn[32], zero = -1;
  for (int l = 0; l < f.num_layers; l++) {
    t2n_nnef_tid ys[2];
    for (int d = 0; d < dirs; d++) {
      int idx = l * dirs + d;
      t2n_nnef_tid h0 = t2n_lower_slice_axis(c, "rnn_h0", h0all, 0, idx, idx + 1);
      t2n_nnef_tid c0 = lstm ? t2n_lower_slice_axis(c, "rnn_c0", c0all, 0, idx, idx + 1) : -1;
      ys[d] = scan_layer(c, &f, x, h0, c0, params + idx * per, d == 1, &zero, &hn[idx], &cn[idx]);
    }
    int last = l == f.num_layers - 1;
    t2n_nnef_tid into = last && !f.batch_first ? outs[0] : -1;
    if (dirs == 2) x = concat(c, ys, 2, 2, into);
    else if (into >= 0) t2n_lower_emit1(c, "copy", into, ys[0]), x = into;
    else x = ys[0];
  }
  if (f.batch_first) swap01(c, x, outs[0]);
  concat(c, hn, f.num_layers * dirs, 0, outs[1]);
  if (lstm) concat(c, cn, f.num_layers * dirs, 0, outs[2]);
  for (int k = 0; k < n->noutputs; k++) t2n_lower_bind(c, n->outputs[k], outs[k]);
  return 0;
}

int t2n_lower_lstm(t2n_lower_ctx *c, t2n_node *n) { return lower_seq(c, n, CELL_LSTM); }
int t2n_lower_gru(t2n_lower_ctx *c, t2n_node *n) { return lower_seq(c, n, CELL_GRU); }
int t2n_lower_rnn_tanh(t2n_lower_ctx *c, t2n_node *n) { return lower_seq(c, n, CELL_TANH); }
int t2n_lower_rnn_relu(t2n_lower_ctx *c, t2n_node *n) { return lower_seq(c, n, CELL_RELU); }
