/* Lowerings: shape ops (stubs until written). */
#include "t2n/nnef.h"

int t2n_lower_unsqueeze(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_error(c, n, "lowering of '%s' is not written yet", n->kind); }
int t2n_lower_squeeze(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_error(c, n, "lowering of '%s' is not written yet", n->kind); }
int t2n_lower_select(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_error(c, n, "lowering of '%s' is not written yet", n->kind); }
int t2n_lower_slice(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_error(c, n, "lowering of '%s' is not written yet", n->kind); }
int t2n_lower_reshape(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_error(c, n, "lowering of '%s' is not written yet", n->kind); }
int t2n_lower_permute(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_error(c, n, "lowering of '%s' is not written yet", n->kind); }
int t2n_lower_transpose(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_error(c, n, "lowering of '%s' is not written yet", n->kind); }
int t2n_lower_cat(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_error(c, n, "lowering of '%s' is not written yet", n->kind); }
int t2n_lower_stack(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_error(c, n, "lowering of '%s' is not written yet", n->kind); }
int t2n_lower_expand(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_error(c, n, "lowering of '%s' is not written yet", n->kind); }
