/* Private to lib/Driver: what export.c and export_dynamic.c share. */
#ifndef T2N_DRIVER_EXPORT_INTERNAL_H
#define T2N_DRIVER_EXPORT_INTERNAL_H

#include "t2n/nnef.h"

/* Lowers a fresh copy of the input under the current example inputs (the
 * pipeline, then t2n_nnef_lower). *keep gets the module the graph came from
 * (freed by the caller after merging). NULL after reporting errors. */
typedef t2n_nnef_graph *(*t2n_probe_fn)(void *arg, t2n_module **keep, t2n_diag *d);

/* --dynamic-axis: checks the axes against graph g's inputs and their
 * examples, lowers the input at every probe of t2n_dynamic_probes through
 * fn, and merges the graphs into `base` (lowered at the examples) with
 * t2n_nnef_symbolize. The examples are restored afterwards. Returns 0 on
 * success. */
/* Checks the axes against graph g's inputs and the examples (parsed: after
 * t2n_examples_apply). Returns 1 when they are usable. */
int t2n_export_dynamic_check(t2n_pass_options *po, t2n_graph *g, const t2n_dynamic_axis *ax, int nax, t2n_diag *d);
int t2n_export_dynamic(t2n_pass_options *po, t2n_graph *g, const t2n_dynamic_axis *ax, int nax,
                       t2n_nnef_graph *base, t2n_probe_fn fn, void *arg, t2n_diag *d);

#endif
