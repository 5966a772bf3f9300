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

/* A safetensors file, memory-mapped when it is a regular file, else read
 * whole (lib/Analysis/safetensors.c). */
typedef struct t2n_st_tensor {
  const char *name;
  t2n_dtype dtype;
  int rank;
  int64_t sizes[8];
  const unsigned char *data;
  size_t nbytes;
} t2n_st_tensor;
typedef struct t2n_safetensors {
  unsigned char *file;
  size_t size;
  int mapped;            /* file is an mmap of `size` bytes, not malloc'ed */
  t2n_st_tensor *tensors;
  int ntensors;
} t2n_safetensors;
int t2n_safetensors_read(const char *path, t2n_safetensors *st, t2n_diag *d);
const t2n_st_tensor *t2n_safetensors_find(const t2n_safetensors *st, const char *name);
void t2n_safetensors_free(t2n_safetensors *st);

#endif
