/* Lowerings: reduce ops (stubs until written). */
#include "t2n/nnef.h"

int t2n_lower_mean(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_error(c, n, "lowering of '%s' is not written yet", n->kind); }
int t2n_lower_sum(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_error(c, n, "lowering of '%s' is not written yet", n->kind); }
int t2n_lower_max(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_error(c, n, "lowering of '%s' is not written yet", n->kind); }
int t2n_lower_min(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_error(c, n, "lowering of '%s' is not written yet", n->kind); }
