/* -inline
 *
 * Matches: every prim::CallMethod and prim::CallFunction of the target graph
 * whose callee is in the module text: a method of the receiver's class (from
 * the receiver's type, else from the object it is in the object tree), or a
 * function found by the short name in its `prim::Constant[name="f"]` (when
 * several functions share the name, the one whose parameters match the
 * arguments best).
 *
 * Rewrites: the call becomes a copy of the callee's body: the callee's inputs
 * map to the call's receiver and arguments, uses of the call's outputs take
 * the callee's returned values, every copied value gets a fresh name (derived
 * from its name in the callee). Receiver GetAttr chains and Function constants
 * left unused go with the call. Calls inside the copied bodies are inlined in
 * the next round; the pass repeats until a round inlines nothing (at most 64
 * rounds: TorchScript has no recursion, so real nesting is far shallower).
 *
 * Restrictions: needs t2n module text (a graph or a torch dump carries no
 * bodies): calls whose callee is unknown, or whose arity does not match the
 * callee's, stay, with a remark. Inlining does not look at attributes:
 * reads and writes of module state stay GetAttr/SetAttr on the (now longer)
 * chains from self; -freeze and -lift-state deal with those. */
#include "module_util.h"

static int all(t2n_pass_ctx *ctx, t2n_node *call, const t2n_mu_callee *c, const char **why, void *arg) {
  (void)ctx, (void)call, (void)c, (void)why, (void)arg;
  return 1;
}

int t2n_pass_inline(t2n_pass_ctx *ctx) {
  t2n_mu_inline_rounds(ctx, all, NULL, 64);
  return 0;
}
