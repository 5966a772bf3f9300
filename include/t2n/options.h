/* Command-line options shared by the tools (lib/Driver/options.c): one
 * table (include/t2n/options.def) gives each option's name, value, help and
 * the tools accepting it, so the example-input options and their messages
 * read the same in t2n-opt, t2n-run and the exporter. */
#ifndef T2N_OPTIONS_H
#define T2N_OPTIONS_H

#include <stdio.h>

#include "t2n/diag.h"
#include "t2n/pass.h"

enum { T2N_TOOL_OPT = 1, T2N_TOOL_RUN = 2, T2N_TOOL_EXPORT = 4, T2N_TOOL_BENCH = 8, T2N_TOOL_ALL = 15 };
typedef enum { T2N_ARG_NONE, T2N_ARG_REQUIRED, T2N_ARG_OPTIONAL } t2n_arg_kind;

typedef enum {
#define T2N_FLAG(id, name, arg, metavar, tools, help) T2N_O_##id,
#include "t2n/options.def"
  T2N_O_POSITIONAL,      /* an input file (or "-") */
  T2N_O_PASS,            /* t2n-opt: -FLAG, a pass or pipeline (value: FLAG) */
  T2N_O_PIPELINE_OPTION, /* t2n-opt: --NAME of passes.def's T2N_OPTION rows (t2n_args.pipeline_option) */
  T2N_O_ERROR,           /* reported; stop */
  T2N_O_END
} t2n_option_id;

typedef struct t2n_option_info {
  const char *name;
  t2n_arg_kind arg;
  const char *metavar;
  unsigned tools;
  const char *help;
} t2n_option_info;
const t2n_option_info *t2n_option_table(int *n);

/* An iterator over argv for one tool. */
typedef struct t2n_args {
  int argc;
  char **argv;
  int i;
  unsigned tool;             /* T2N_TOOL_* */
  int pipeline_option;       /* with T2N_O_PIPELINE_OPTION */
} t2n_args;
void t2n_args_init(t2n_args *a, int argc, char **argv, unsigned tool);
/* The next option; *val gets its value (or NULL). An unknown option is
 * reported with the closest known one ("did you mean --input-shape?"). */
t2n_option_id t2n_args_next(t2n_args *a, const char **val, t2n_diag *d);

/* The options that read the same in every tool: the example inputs.
 * Returns 1 when `id` was one of them (handled), 0 otherwise. */
int t2n_option_examples(t2n_option_id id, const char *val, t2n_pass_options *po);

/* Prints the tool's options from the table (two columns, wrapped). */
void t2n_options_help(FILE *out, unsigned tool);
/* "t2n-opt 0.1.0 (libtorch backend: built, loaded on first use)". */
void t2n_print_version(FILE *out, const char *prog);

/* Every tool's main returns through this with its exit status. Once the
 * libtorch backend is loaded, the process ends here without running
 * libtorch's static destructors (they deregister each of its thousands of
 * operators: about 0.1 s, a quarter of a small .jit export); by then every
 * output file is committed or removed and stdio is flushed. */
int t2n_tool_exit(int status);

/* Is `path` a TorchScript archive, by its content (a zip signature)? 0 for
 * "-" (t2n_load_input sniffs stdin once read). */
int t2n_input_is_archive(const char *path);
/* Reads a tool's input: a .jit archive through the libtorch backend
 * (`submodule` a.b.c or NULL; the backend handle it made goes to `pm`, which
 * then owns it, and to *torch when not NULL; with neither it is freed) -- an
 * archive is recognised by its content, on stdin too, else graph text, a module dump
 * or t2n module text. `hint` ends the message when the backend is not built.
 * Returns NULL after reporting. */
t2n_module *t2n_load_input(const char *path, const char *submodule, t2n_pass_manager *pm, void **torch,
                           const char *hint, t2n_diag *d);

/* OUT.t2n -> OUT.safetensors (any other name gets .safetensors appended):
 * where the weights of module text written to OUT go. malloc'ed. */
char *t2n_weights_beside(const char *out);
/* Before module text is written to `out` (NULL or "-": stdout): makes its
 * weights line name a file that exists from there (lib/Driver/weights_out.c).
 * `torch` is the backend handle of a .jit input (its weights are written
 * beside the output), else NULL (the name is made relative to the output's
 * folder). Returns 0 after reporting an error. */
int t2n_place_weights(t2n_module *m, const char *input, const char *out, void *torch, t2n_diag *d);
#endif
