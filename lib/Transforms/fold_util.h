/* Private helpers shared by the folding passes of lib/Transforms (not part of
 * the public API). */
#ifndef T2N_TRANSFORMS_FOLD_UTIL_H
#define T2N_TRANSFORMS_FOLD_UTIL_H

#include "t2n/ir.h"
#include "t2n/pass.h"

/* Calls fold(ctx, n) on every node of `b` and its nested blocks, inner
 * blocks before their owner, in order; `fold` may erase n (the walk has
 * already stepped past it). The shared walk of the one-node folds. */
void t2n_fold_sweep(t2n_pass_ctx *ctx, t2n_block *b, void (*fold)(t2n_pass_ctx *ctx, t2n_node *n));

/* Runs sweep(ctx, top, 0) until it changes nothing, then sweep(ctx, top, 1)
 * once, so that the remarks about what stayed are each given once. */
/* Sweeps until a sweep changes nothing, then once more with remarks on.
 * 0, or 1 after reporting a pass that never settles (T2N_MAX_PASS_ROUNDS). */
int t2n_fold_to_fixpoint(t2n_pass_ctx *ctx, int (*sweep)(t2n_pass_ctx *ctx, t2n_block *b, int remarks));

/* Inlines block `block_index` (0: then, 1: else) of the prim::If `if_node`:
 * its nodes move before the If, every use of the If's i-th output takes the
 * block's i-th returned value, and the If (with the other block) is erased.
 * The caller decides which block is taken; nothing here looks at the
 * condition, and the effects of the dropped block are gone with it.
 * Returns 0 on success; -1, changing nothing, when if_node is not a prim::If
 * with two blocks that each return one value per If output, or block_index is
 * not 0 or 1. */
int t2n_fold_if(t2n_node *if_node, int block_index);

/* Replaces every use of n's i-th output by repl[i] (NULL leaves an output
 * alone; it must then be unused) and erases n. */
void t2n_replace_node(t2n_node *n, t2n_value *const *repl);

/* True when the list value `v` (typically a prim::ListConstruct output) can be
 * read as having the elements it was built with wherever it is used: no node
 * of the graph writes it or an alias of it (t2n_value_writer of
 * include/t2n/ops.h with T2N_ALIAS_SHAPE: list mutations from the op table,
 * unknown ops and calls, through If/Loop outputs, loop-carried values, casts
 * and containers it is stored in). On failure *why (when given) names the
 * writing node's kind. */
int t2n_list_is_unmutated(const t2n_value *v, const char **why);

/* Follows prim::unchecked_cast (a type refinement such as T? to T, the
 * identity at run time) back to the value it casts. */
t2n_value *t2n_skip_casts(t2n_value *v);

#ifdef T2N_HAVE_TORCH
#include "t2n/torch.h"
/* Evaluates v with the libtorch backend on the pass's example inputs, made
 * once into *inputs (*failed set when they cannot be). 1 and *s on success;
 * else 0 with `why` saying why, torch's message quoted after "torch could
 * not <verb> it: " without its own "error:" prefix. */
int t2n_fold_torch_eval(t2n_pass_ctx *ctx, t2n_torch_values **inputs, int *failed, const t2n_value *v,
                        t2n_torch_scalar *s, const char *verb, char *why, size_t whylen);
#endif

#endif
