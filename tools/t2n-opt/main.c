/* t2n-opt: everything lives in the library (lib/Driver/opt.c). */
#include "t2n/options.h"
#include "t2n/pass.h"

int main(int argc, char **argv) { return t2n_tool_exit(t2n_opt_main(argc, argv)); }
