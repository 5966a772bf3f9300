/* Writers (stub). */
#include "t2n/nnef.h"
void t2n_nnef_print(FILE *out, const t2n_nnef_graph *g) {}
int t2n_nnef_write(const t2n_nnef_graph *g, const char *path, int progress, t2n_diag *d) { return 1; }
