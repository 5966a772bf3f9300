/* -inline-unresolvable
 *
 * Matches: each prim::CallMethod whose receiver class is not resolvable, and
 * each prim::CallFunction of a function present in the module text. A class
 * is resolvable when its demangled qualified name (`__torch__.` and every
 * `___torch_mangle_N.` dropped: "torch.nn.modules.rnn.LSTMCell") is under
 * `torch.nn`, or under a pattern given with --resolvable=PATTERN (a dotted
 * prefix such as `vad.utils`, possibly with `*` globs: `*.SileroVadBlock`;
 * see t2n_mu_pattern_covers). Exception: a call of a resolvable class is
 * inlined anyway when its method (transitively) calls an unresolvable class,
 * e.g. an nn.Sequential holding custom blocks: an exporter that handles the
 * container as a module would meet the custom class inside it.
 *
 * Rewrites: as -inline (fresh names for the copied values, receiver chains
 * and Function constants left unused erased), repeating until a round inlines
 * nothing (at most 64 rounds), so unresolvable calls exposed by an inlined
 * body are inlined too.
 *
 * Restrictions: resolvable calls stay prim::CallMethod (with a remark), so
 * module-level exporters still see nn.LSTM / nn.GRU / nn.LSTMCell; their
 * bodies are not looked at beyond the check above. Calls whose callee is not
 * in the module text stay, with a remark. Functions are always inlined: a
 * prim::CallFunction has no module boundary worth keeping (the reference
 * torch_to_nnef does not inline them at all). */
#include "module_util.h"

static int is_unresolvable_call(t2n_graph *g, t2n_node *n, void *arg) {
  const t2n_pass_options *opts = arg;
  if (!t2n_node_is(n, "prim::CallMethod") || !n->ninputs) return 0;
  const t2n_type *t = n->inputs[0]->type;
  if (!t || t->kind != T2N_TY_CLASS || !t2n_module_class(g->mod, t->text)) return 0;
  return !t2n_mu_class_resolvable(g->mod, opts, t->text, NULL);
}

static int pick(t2n_pass_ctx *ctx, t2n_node *call, const t2n_mu_callee *c, const char **why, void *arg) {
  (void)arg;
  if (!t2n_node_is(call, "prim::CallMethod")) return 1;
  const char *pattern;
  if (!t2n_mu_class_resolvable(ctx->mod, ctx->opts, c->qualname, &pattern)) return 1;
  if (t2n_mu_body_contains(c->graph, is_unresolvable_call, (void *)ctx->opts)) return 1;
  char buf[512];
  snprintf(buf, sizeof buf, "class %s is resolvable (under '%s'); kept for module-level export",
           t2n_mu_demangle(ctx->mod, c->qualname), pattern);
  *why = t2n_intern(ctx->mod, buf);
  return 0;
}

int t2n_pass_inline_unresolvable(t2n_pass_ctx *ctx) {
  t2n_mu_inline_rounds(ctx, pick, NULL, 64);
  return 0;
}
