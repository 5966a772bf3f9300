/* Internal to lib/NNEF: the building blocks the recurrent lowerings
 * (lower_rnn.c, lower_rnn_seq.c) share. Each emits ops into the lowering's
 * graph and returns the new tensor. */
#ifndef T2N_NNEF_RNN_INTERNAL_H
#define T2N_NNEF_RNN_INTERNAL_H

#include "t2n/nnef.h"

/* a KIND b, with the result shape broadcast (equal ranks or b lower). */
t2n_nnef_tid t2n_rnn_binary(t2n_lower_ctx *c, const char *kind, t2n_nnef_tid a, t2n_nnef_tid b);
t2n_nnef_tid t2n_rnn_unary(t2n_lower_ctx *c, const char *kind, t2n_nnef_tid a);
/* a[begin:end] on one axis, named after base. */
/* x [B, I] w^T [I, G] + b [G] (b -1: none). */
t2n_nnef_tid t2n_rnn_linear(t2n_lower_ctx *c, t2n_nnef_tid x, t2n_nnef_tid w, t2n_nnef_tid b);
/* The body lines of an LSTM step in NNEF fragment text, from x, h, c and
 * the weights to c_new and the gates i, f, g, o (torch's order), for the
 * fragments that write one cell or one step of a sequence: written into
 * buf, which the caller sizes (600 bytes is enough for any hid). */
void t2n_rnn_lstm_gates_text(char *buf, size_t size, int64_t hid, int one_bias);
/* b_ih + b_hh as one new [1, G] variable, when both are float32 variables
 * of G elements (the weights of an nn.LSTM): the sum is taken once here
 * instead of on every run, z = (x W_ih^T + h W_hh^T) + b in the gates
 * (float rounding apart from torch's (x W_ih^T + b_ih) + (h W_hh^T + b_hh),
 * as torch_to_nnef writes it). -1 when they are anything else. The
 * variables summed are dropped by t2n_nnef_simplify if nothing else reads
 * them. */
t2n_nnef_tid t2n_rnn_summed_bias(t2n_lower_ctx *c, t2n_nnef_tid b_ih, t2n_nnef_tid b_hh);
/* The tensors of list (a prim::ListConstruct), exactly `want` of them (-1: any). */
int t2n_rnn_tensor_list(t2n_lower_ctx *c, t2n_node *n, const t2n_value *list, t2n_nnef_tid *out, int want);
/* One LSTM step on [B, I] / [B, H] tensors, writing h_out and c_out. */
void t2n_rnn_lstm_step(t2n_lower_ctx *c, t2n_nnef_tid x, t2n_nnef_tid h, t2n_nnef_tid cc, t2n_nnef_tid w_ih,
                       t2n_nnef_tid w_hh, t2n_nnef_tid b_ih, t2n_nnef_tid b_hh, int64_t hid, t2n_nnef_tid h_out,
                       t2n_nnef_tid c_out);
/* One GRU step, writing h_out. */
void t2n_rnn_gru_step(t2n_lower_ctx *c, t2n_nnef_tid x, t2n_nnef_tid h, t2n_nnef_tid w_ih, t2n_nnef_tid w_hh,
                      t2n_nnef_tid b_ih, t2n_nnef_tid b_hh, int64_t hid, t2n_nnef_tid h_out);

#endif
