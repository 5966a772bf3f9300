/* -dequantize
 *
 * Matches, at any depth, the ops of torch's dynamic quantization
 * (torch.ao.quantization.quantize_dynamic) whose packed weights are reached
 * from `self` through prim::GetAttr:
 *   quantized::linear_dynamic(x, packed, reduce_range),
 *   quantized::linear_dynamic_fp16(x, packed)        -> aten::linear(x, W, b)
 *   aten::quantized_lstm(x, hx, params, has_biases, num_layers, dropout,
 *       train, bidirectional, batch_first[, dtype, use_dynamic])
 *                                                    -> aten::lstm(x, hx, W, ...)
 *   aten::quantized_gru(x, hx, params, ...same...)   -> aten::gru(x, hx, W, ...)
 * where params is a prim::ListConstruct of rnn.CellParamsBase objects (one
 * per layer and direction, as nn.quantized.dynamic.LSTM builds it; run
 * -fold-list-appends first when it is built with appends).
 *
 * Rewrites: each packed object's weights become tensor constants
 * (`prim::Constant[value=tensor("KEY")]`, as -freeze makes them) of the f32
 * tensors the backend and utils/t2n-dump write for it: the object's field
 * text names them (`<...LinearPackedParamsBase object weight=tensor("KEY",
 * Float(16, 8)), bias=tensor(...)>`; w_ih, w_hh, b_ih, b_hh for a cell),
 * dequantized from int8 (or read from fp16) when the weights were written.
 * The op becomes its float form with the same outputs; what is left of the
 * GetAttr chains goes with -dce.
 *
 * Restrictions: the float op does not quantize its input activations as
 * torch's dynamic kernels do (per tensor, to uint8, at every call), so the
 * exported model differs from torch by that rounding: within 1e-2 of the
 * output's scale on the models measured (docs/exporting-jit-only-models.md,
 * test/Transforms/dequantize-tract.test). Packed weights whose field names
 * no tensors (a form the writer could not unpack), or that are not reached
 * from `self`, stay, with a remark; so do lists of cell parameters that are
 * not one prim::ListConstruct of such objects.
 *
 * Why: torch's packed parameters are C++ objects only libtorch can read;
 * as float tensors, every later pass, the native shape inference and
 * evaluator, and the NNEF exporter see an ordinary linear layer or LSTM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t2n/alloc.h"
#include "fold_util.h"
#include "module_util.h"
#include "t2n/eval.h"
#include "t2n/pass.h"

/* The text of `NAME=tensor(...)` in a packed object's field, as a tensor
 * reference ("tensor(...)"); NULL when the field has none of that name. */
static const char *find_ref(t2n_module *m, const char *raw, const char *name) {
  size_t nl = strlen(name);
  for (const char *p = raw; (p = strstr(p, name)) != NULL; p++) {
    if (p > raw && p[-1] != ' ') continue;
    if (strncmp(p + nl, "=tensor(", 8) != 0) continue;
    const char *s = p + nl + 1, *e = s + 7;
    int depth = 1, quoted = 0;
    for (; *e && depth; e++) {
      if (quoted) {
        if (*e == '\\' && e[1]) e++;
        else if (*e == '"') quoted = 0;
      } else if (*e == '"') {
        quoted = 1;
      } else {
        depth += (*e == '(') - (*e == ')');
      }
    }
    if (depth) return NULL;
    return t2n_arena_strndup(m->arena, s, (size_t)(e - s));
  }
  return NULL;
}

/* The raw field text of the custom-class object v refers to: v is
 * GetAttr[name=F](o) with o an object of the tree. */
static const char *packed_field(t2n_graph *g, const t2n_value *v) {
  const t2n_node *d = v->def;
  if (!d || !t2n_node_is(d, "prim::GetAttr") || d->ninputs != 1) return NULL;
  const t2n_attr *a = t2n_node_attr(d, "name");
  t2n_object *o = t2n_mu_object_of(g, d->inputs[0]);
  if (!a || !o || a->kind != T2N_ATTR_STRING) return NULL;
  const t2n_field *f = t2n_object_field(o, a->s);
  return f && f->raw ? f->raw : NULL;
}

/* A tensor constant for the reference `name` of packed field raw, before
 * `before`; NULL when the field names no such tensor. */
static t2n_value *weight(t2n_pass_ctx *ctx, t2n_node *before, const char *raw, const char *name) {
  t2n_module *m = ctx->mod;
  const char *ref = find_ref(m, raw, name);
  t2n_ival iv;
  if (!ref || !t2n_ival_parse_literal(m, m->arena, ref, NULL, &iv) || iv.kind != T2N_IV_TENSOR) return NULL;
  const char *lit = t2n_fmt_string(m, iv.key, iv.keylen);
  size_t l = strlen(lit) + 10;
  char *c = t2n_xmalloc(l);
  snprintf(c, l, "tensor(%s)", lit);
  t2n_node *k = t2n_insert_constant(ctx->graph, before, t2n_ival_tensor_type(m, &iv), c);
  free(c);
  /* Named after the packed object's path, as -freeze names its constants. */
  char nm[512];
  snprintf(nm, sizeof nm, "self.%.*s", (int)iv.keylen, iv.key);
  if (!t2n_graph_lookup(ctx->graph, nm)) t2n_graph_rename(ctx->graph, k->outputs[0], nm);
  return k->outputs[0];
}

/* Moves n's outputs onto a new node of kind `kind` with `inputs`. */
static void replace_with(t2n_pass_ctx *ctx, t2n_node *n, const char *kind, int nin, t2n_value *const *inputs) {
  t2n_node *r = t2n_node_new(ctx->graph, kind, nin, inputs, n->noutputs);
  r->line = n->line;
  r->source = n->source;
  t2n_node_insert_before(r, n);
  t2n_value *outs[8];
  for (int i = 0; i < n->noutputs && i < 8; i++) {
    outs[i] = t2n_node_set_output(r, i, NULL, n->outputs[i]->type);
  }
  const char *names[8];
  for (int i = 0; i < n->noutputs && i < 8; i++) names[i] = n->outputs[i]->name;
  t2n_replace_node(n, outs);
  for (int i = 0; i < r->noutputs && i < 8; i++) t2n_graph_rename(ctx->graph, r->outputs[i], names[i]);
  ctx->rewrites++;
}

static void linear(t2n_pass_ctx *ctx, t2n_node *n) {
  const char *raw = packed_field(ctx->graph, n->inputs[1]);
  if (!raw) {
    t2n_remark(ctx, n, "%s left alone: its packed weights %%%s are not an attribute reached from self", n->kind,
               n->inputs[1]->name);
    return;
  }
  t2n_value *w = weight(ctx, n, raw, "weight");
  if (!w) {
    t2n_remark(ctx, n, "%s left alone: the packed weights of %%%s were not written (a form the writer could not unpack)",
               n->kind, n->inputs[1]->name);
    return;
  }
  t2n_value *b = weight(ctx, n, raw, "bias");
  if (!b) b = t2n_insert_constant(ctx->graph, n, t2n_type_get(ctx->mod, "NoneType"), NULL)->outputs[0];
  t2n_value *in[3] = {n->inputs[0], w, b};
  replace_with(ctx, n, "aten::linear", 3, in);
}

static void rnn(t2n_pass_ctx *ctx, t2n_node *n, const char *to) {
  const t2n_node *pl = n->inputs[2]->def;
  if (!pl || !t2n_node_is(pl, "prim::ListConstruct")) {
    t2n_remark(ctx, n, "%s left alone: its cell parameters %%%s are not one prim::ListConstruct", n->kind,
               n->inputs[2]->name);
    return;
  }
  int has_biases = 1;
  t2n_ival hb;
  if (t2n_constant_value(ctx->mod, n->inputs[3], &hb) && hb.kind == T2N_IV_BOOL) has_biases = (int)hb.i;
  static const char *const names[4] = {"w_ih", "w_hh", "b_ih", "b_hh"};
  int per = has_biases ? 4 : 2;
  t2n_value **flat = t2n_xmalloc(sizeof *flat * (size_t)(pl->ninputs * 4 + 1));
  for (int i = 0; i < pl->ninputs; i++) {
    const char *raw = packed_field(ctx->graph, pl->inputs[i]);
    for (int k = 0; k < per; k++) {
      t2n_value *w = raw ? weight(ctx, n, raw, names[k]) : NULL;
      if (!w) {
        t2n_remark(ctx, n, "%s left alone: %s of %%%s %s", n->kind, names[k], pl->inputs[i]->name,
                   raw ? "was not written (a form the writer could not unpack)" : "is not an attribute reached from self");
        free(flat);
        return; /* constants made so far are unused: -dce removes them */
      }
      flat[i * per + k] = w;
    }
  }
  const t2n_type *tl = t2n_type_get(ctx->mod, "Tensor[]");
  t2n_node *list = t2n_node_new(ctx->graph, "prim::ListConstruct", pl->ninputs * per, flat, 1);
  t2n_node_set_output(list, 0, NULL, tl);
  t2n_node_insert_before(list, n);
  free(flat);
  t2n_value *in[9] = {n->inputs[0], n->inputs[1], list->outputs[0]};
  for (int i = 3; i < 9; i++) in[i] = n->inputs[i];
  replace_with(ctx, n, to, 9, in);
}

static void fold(t2n_pass_ctx *ctx, t2n_node *n) {
  if ((t2n_node_is(n, "quantized::linear_dynamic") && n->ninputs == 3) ||
      (t2n_node_is(n, "quantized::linear_dynamic_fp16") && n->ninputs == 2)) {
    if (n->noutputs == 1) linear(ctx, n);
  } else if (t2n_node_is(n, "aten::quantized_lstm") && n->ninputs >= 9 && n->noutputs == 3) {
    rnn(ctx, n, "aten::lstm");
  } else if (t2n_node_is(n, "aten::quantized_gru") && n->ninputs >= 9 && n->noutputs == 2) {
    rnn(ctx, n, "aten::gru");
  }
}

int t2n_pass_dequantize(t2n_pass_ctx *ctx) {
  t2n_fold_sweep(ctx, ctx->graph->top, fold);
  return 0;
}
