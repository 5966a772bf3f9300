/* t2n-export: everything lives in the library (lib/Driver/export.c). */
#include "t2n/nnef.h"
#include "t2n/options.h"

int main(int argc, char **argv) { return t2n_tool_exit(t2n_export_main(argc, argv)); }
