/* Example inputs for shape inference and evaluation (lib/Analysis/examples.c):
 * --input-shape NAME=1x576[:f32], --input-value NAME=16000,
 * --example-inputs FILE.safetensors. */
#ifndef T2N_EXAMPLES_H
#define T2N_EXAMPLES_H

#include "t2n/pass.h"

/* Seed for the random contents of tensor examples given by shape only. Every
 * pass and check that runs the graph in torch uses it, so a branch taken on
 * random data is the same one --verify-semantics later checks. */
#define T2N_EXAMPLE_SEED 0

int t2n_example_parse_shape(t2n_pass_options *o, const char *spec, t2n_diag *d);
int t2n_example_parse_value(t2n_pass_options *o, const char *spec, t2n_diag *d);
int t2n_example_load_safetensors(t2n_pass_options *o, const char *path, t2n_diag *d);
/* Frees the examples and the spec list (not the spec texts). */
void t2n_examples_free(t2n_pass_options *o);

/* Records an example-input option as given on the command line (the text is
 * not copied); t2n_examples_apply parses it once the graph is known. */
void t2n_example_add_spec(t2n_pass_options *o, t2n_example_spec_kind kind, const char *text);
/* Parses the specs into o->examples (replacing earlier ones) and checks them
 * against the inputs of `g`: a malformed spec, a name that is no graph input,
 * two examples for one input, or an example of the wrong kind for the
 * input's type (a scalar for a Tensor, True, None or 16000.0 for an int) is
 * an error followed by a note listing the graph's inputs and their types.
 * With allow_state_names, names "self.*" that no input has yet are accepted
 * (-lift-state adds those inputs later; check again after it); with
 * T2N_EXAMPLES_ANY_NAME, any name that no input has. Returns 1 when all is
 * well. The specs are parsed at the first call only. */
#define T2N_EXAMPLES_ANY_NAME 2
int t2n_examples_apply(t2n_pass_options *o, t2n_graph *g, int allow_state_names, t2n_diag *d);
int t2n_examples_check(const t2n_pass_options *o, t2n_graph *g, int allow_state_names, t2n_diag *d);
/* Reports each tensor input of `g` with neither an example nor a complete
 * type, as a warning or an error; `who` says what needs them ("-infer-shapes").
 * Returns how many there are. */
int t2n_examples_missing(const t2n_pass_options *o, t2n_graph *g, const char *who, int as_error, t2n_diag *d);
/* The example for a graph input: matched by exact name, then with the ".N"
 * suffix of the value's debug name dropped. NULL when none was given. */
const t2n_example *t2n_example_for(const t2n_pass_options *o, const char *value_name);
/* dtype from a short name (f32, i64, bool, ...) or a torch/safetensors name. */
t2n_dtype t2n_dtype_from_short(const char *s);

/* The safetensors reader is include/t2n/safetensors.h. */
#include "t2n/safetensors.h"

#endif
