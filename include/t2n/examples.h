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
void t2n_examples_free(t2n_pass_options *o);
/* The example for a graph input: matched by exact name, then with the ".N"
 * suffix of the value's debug name dropped. NULL when none was given. */
const t2n_example *t2n_example_for(const t2n_pass_options *o, const char *value_name);
/* dtype from a short name (f32, i64, bool, ...) or a torch/safetensors name. */
t2n_dtype t2n_dtype_from_short(const char *s);

/* The safetensors reader is include/t2n/safetensors.h. */
#include "t2n/safetensors.h"

#endif
