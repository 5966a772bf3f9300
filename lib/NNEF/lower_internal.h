/* Internal to lib/NNEF: the lowering context. Lowerings use the helpers of
 * t2n/nnef.h, not these fields. */
#ifndef T2N_NNEF_LOWER_INTERNAL_H
#define T2N_NNEF_LOWER_INTERNAL_H

#include "t2n/nnef.h"

struct t2n_lower_ctx {
  t2n_module *mod;
  t2n_graph *graph;
  t2n_diag *diag;
  const t2n_pass_options *popts;
  const t2n_lower_options *lopts;
  t2n_shape_facts *facts;
  const t2n_safetensors *weights;
  t2n_nnef_graph *g;
  /* t2n value -> NNEF tensor */
  const t2n_value **mapkeys;
  t2n_nnef_tid *mapvals;
  size_t mapcap, mapn;
  /* t2n tensor-list value -> its element tensors (aten::split, chunk,
   * unbind): few per graph, searched linearly; arrays in the graph arena. */
  struct t2n_lower_list { const t2n_value *v; t2n_nnef_tid *items; int n; } *lists;
  int nlists, caplists;
  /* (kind, a, b) -> a tensor derived from a and b (t2n_lower_derived):
   * few per graph, searched linearly; arrays in the graph arena. */
  struct t2n_lower_derived { const char *kind; t2n_nnef_tid a, b, t; } *derived;
  int nderived, capderived;
};

#endif
