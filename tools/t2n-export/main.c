/* t2n-export: everything lives in the library (lib/Driver/export.c). */
#include "t2n/nnef.h"

int main(int argc, char **argv) { return t2n_export_main(argc, argv); }
