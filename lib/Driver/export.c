/* t2n-export (stub). */
#include "t2n/nnef.h"
int t2n_export_main(int argc, char **argv) { return 1; }
