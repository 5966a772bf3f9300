/* Shape inference rules: recurrent ops (lstm, gru, rnn_tanh/relu) and their
 * cells. */
#include "shape_internal.h"

/* lstm(input, hx[], params[], has_biases, num_layers, dropout, train,
 * bidirectional, batch_first) -> (output, h, c) (RNN_H_C);
 * gru / rnn_tanh / rnn_relu(input, hx, params, ...) -> (output, h) (RNN_H). */
void t2n_sh_r_rnn(rc *c, const t2n_sh_rnn_params *p) {
  const t2n_ival *x = ctensor(c, 0);
  const t2n_ival *h = NULL, *cc = NULL;
  for (int k = 0; k < c->n->noutputs; k++) {
    t2n_ival *o = T(c, k);
    if (x) {
      o->dtype = x->dtype;
      set_dev(o, x->s);
    }
  }
  if (!x || x->rank < 2 || x->rank > 3) return;
  if (is_tensor_arg(c, 1) && !t2n_type_is(TY(c, 1), "Tensor[]") && p->state == RNN_H_C) return; /* packed */
  if (p->state == RNN_H_C) {
    const t2n_ival *l = IN(c, 1);
    if (l->kind == T2N_IV_LIST && l->n == 2) {
      if (l->elems[0].kind == T2N_IV_TENSOR) h = &l->elems[0];
      if (l->elems[1].kind == T2N_IV_TENSOR) cc = &l->elems[1];
    }
  } else {
    h = ctensor(c, 1);
  }
  if (p->state == RNN_H && IN(c, 1)->kind == T2N_IV_TENSOR && ctensor(c, 2) && c->nin == 9 &&
      IN(c, 2)->kind == T2N_IV_TENSOR)
    return; /* gru.data(data, batch_sizes, hx, ...) */
  int bi, bf;
  if (!cbool(c, 7, &bi) || !cbool(c, 8, &bf)) return;
  int64_t hout = h && h->rank >= 1 ? h->sizes[h->rank - 1] : -1;
  t2n_ival *out = &c->out[0];
  out->rank = x->rank;
  for (int i = 0; i < x->rank - 1; i++) out->sizes[i] = x->sizes[i];
  out->sizes[x->rank - 1] = hout < 0 ? -1 : hout * (bi ? 2 : 1);
  if (bf && x->rank == 3 && tf_sizes_known(out)) {
    /* computed time-major, returned as a transposed view */
    int64_t st[3] = {out->sizes[2], out->sizes[0] * out->sizes[2], 1};
    set_strides(c, 0, st);
  }
  if (c->n->noutputs > 1 && h) {
    c->out[1].rank = h->rank;
    for (int i = 0; i < h->rank; i++) c->out[1].sizes[i] = h->sizes[i];
  }
  if (c->n->noutputs > 2 && cc) {
    c->out[2].rank = cc->rank;
    for (int i = 0; i < cc->rank; i++) c->out[2].sizes[i] = cc->sizes[i];
  }
}

/* lstm_cell(input, hx[], w_ih, w_hh, b_ih, b_hh) -> (hy, cy) (RNN_H_C);
 * gru_cell / rnn_tanh_cell / rnn_relu_cell(input, hx, ...) -> hy (RNN_H) */
void t2n_sh_r_rnn_cell(rc *c, const t2n_sh_rnn_cell_params *p) {
  const t2n_ival *x = ctensor(c, 0), *whh = ctensor(c, 3);
  const t2n_ival *hs[2] = {NULL, NULL};
  if (p->state == RNN_H_C) {
    const t2n_ival *l = IN(c, 1);
    if (l->kind == T2N_IV_LIST && l->n == 2)
      for (int k = 0; k < 2; k++)
        if (l->elems[k].kind == T2N_IV_TENSOR) hs[k] = &l->elems[k];
  } else {
    hs[0] = ctensor(c, 1);
  }
  for (int k = 0; k < c->n->noutputs && k < 2; k++) {
    t2n_ival *o = T(c, k);
    if (!x) continue;
    o->dtype = x->dtype;
    set_dev(o, x->s);
    if (x->rank < 1 || x->rank > 2) continue;
    int64_t hsz = whh && whh->rank == 2 ? whh->sizes[1] : -1;
    const t2n_ival *h = hs[k] ? hs[k] : hs[0];
    if (hsz < 0 && h && h->rank >= 1) hsz = h->sizes[h->rank - 1];
    o->rank = x->rank;
    if (x->rank == 2) o->sizes[0] = x->sizes[0] >= 0 ? x->sizes[0] : (h && h->rank == 2 ? h->sizes[0] : -1);
    o->sizes[x->rank - 1] = hsz;
  }
}
