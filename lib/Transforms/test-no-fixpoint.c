/* -test-no-fixpoint: a pass that never settles, for testing only.
 *
 * Matches: nothing. Rewrites: nothing, but every sweep claims a change.
 * Why: a pass that repeats until nothing changes must be stopped when a bug
 * makes it undo its own rewrites forever; test/Transforms/test-no-fixpoint.ir
 * checks that t2n-opt reports T2N_MAX_PASS_ROUNDS and fails instead of
 * hanging. Never part of a pipeline. */
#include "fold_util.h"

static int sweep(t2n_pass_ctx *ctx, t2n_block *b, int remarks) {
  (void)ctx, (void)b, (void)remarks;
  return 1;
}

int t2n_pass_test_no_fixpoint(t2n_pass_ctx *ctx) { return t2n_fold_to_fixpoint(ctx, sweep); }
