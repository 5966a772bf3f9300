/* Where a node came from, for its diagnostics (lib/IR/srcloc.c). */
#ifndef T2N_SRCLOC_H
#define T2N_SRCLOC_H
#include "t2n/diag.h"
#include "t2n/ir.h"

/* Fills *l for node n (NULL: the input as a whole): its line, and the
 * column of its op, in the text the module was read from. A module read
 * from a .jit has no text of its own (the backend made it); there the
 * location is the Python source file, line and column torch recorded for
 * the node (its "# file.py:12:20" comment), else "<input>" and the line of
 * the module text t2n-dump would write. Returns l. */
t2n_srcloc *t2n_node_srcloc(t2n_module *m, const t2n_node *n, t2n_srcloc *l);
#endif
