/* Lowerings: cast ops (stubs until written). */
#include "t2n/nnef.h"

int t2n_lower_to(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_error(c, n, "lowering of '%s' is not written yet", n->kind); }
int t2n_lower_type_as(t2n_lower_ctx *c, t2n_node *n) { return t2n_lower_error(c, n, "lowering of '%s' is not written yet", n->kind); }
