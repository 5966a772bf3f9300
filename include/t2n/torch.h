/* The optional libtorch backend (lib/Torch, C++ behind this C API).
 *
 * Built only when the build has T2N_WITH_TORCH (T2N_HAVE_TORCH is then
 * defined for every user of libt2n). No C++ exception crosses this API: every
 * failure is reported through the t2n_diag and the call returns NULL or
 * non-zero.
 *
 * Three jobs:
 *  - Import: read a TorchScript archive (.jit / .pt) and produce the t2n
 *    module text of docs/ir-format.md section 3 plus its safetensors weights,
 *    the same bytes utils/t2n-dump produces.
 *  - Evaluate: run a t2n graph through torch's interpreter on example inputs,
 *    with the loaded module object as `self` for method graphs.
 *  - Evaluate one value of a graph (an If condition that needs tensor data).
 */
#ifndef T2N_TORCH_H
#define T2N_TORCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
#if !defined(_Noreturn)
#define _Noreturn [[noreturn]] /* diag.h is C11 */
#endif
extern "C" {
#endif

#include "t2n/diag.h"
#include "t2n/ir.h"
#include "t2n/limits.h"
#include "t2n/pass.h"

/* Inside libt2n_torch.so the API functions carry the t2n_torchimpl_ prefix;
 * the loader (lib/Support/torch_loader.c) defines the t2n_torch_ names and
 * forwards to them once the library is loaded. The list is torch_api.def. */
#ifdef T2N_TORCH_IMPL
#define t2n_torch_version t2n_torchimpl_version
#define t2n_torch_open t2n_torchimpl_open
#define t2n_torch_free t2n_torchimpl_free
#define t2n_torch_export_text t2n_torchimpl_export_text
#define t2n_torch_write_weights t2n_torchimpl_write_weights
#define t2n_torch_weights_bytes t2n_torchimpl_weights_bytes
#define t2n_torch_weights t2n_torchimpl_weights
#define t2n_torch_load t2n_torchimpl_load
#define t2n_torch_new_empty t2n_torchimpl_new_empty
#define t2n_torch_read_weights t2n_torchimpl_read_weights
#define t2n_torch_make_inputs t2n_torchimpl_make_inputs
#define t2n_torch_run t2n_torchimpl_run
#define t2n_torch_run_method t2n_torchimpl_run_method
#define t2n_torch_eval_value t2n_torchimpl_eval_value
#define t2n_torch_values_count t2n_torchimpl_values_count
#define t2n_torch_values_compare t2n_torchimpl_values_compare
#define t2n_torch_values_print t2n_torchimpl_values_print
#define t2n_torch_values_write t2n_torchimpl_values_write
#define t2n_torch_values_free t2n_torchimpl_values_free
#endif


/* A loaded model: the TorchScript module object (root or --submodule), and
 * every tensor of its object tree by weights key ("l.weight"). */
typedef struct t2n_torch t2n_torch;

/* The torch version the backend was built against ("2.11.0+cu130"). */
const char *t2n_torch_version(void);

/* Loads a TorchScript archive. `submodule` is a dotted attribute path from
 * the root module ("_model.decoder") or NULL for the root. Returns NULL after
 * reporting an error. */
t2n_torch *t2n_torch_open(const char *jit_path, const char *submodule, t2n_diag *d);
void t2n_torch_free(t2n_torch *t);

/* The t2n module text (docs/ir-format.md section 3) of the loaded module;
 * `weights_name` is written on the `weights "..."` line. malloc'ed and
 * NUL-terminated (free with free()); *len (if non-NULL) gets its length.
 * NULL after reporting an error. */
char *t2n_torch_export_text(t2n_torch *t, const char *weights_name, size_t *len,
                            t2n_diag *d);

/* Writes every tensor of the object tree (keys as in the module text) to a
 * safetensors file. Returns 0 on success. */
int t2n_torch_write_weights(t2n_torch *t, const char *path, t2n_diag *d);
/* The same bytes in memory (malloc'ed); NULL after reporting an error. */
void *t2n_torch_weights_bytes(t2n_torch *t, size_t *len, t2n_diag *d);

/* One weight of the object tree, for streaming it without a copy. */
typedef struct t2n_torch_weight {
  const char *name;           /* its key, as in the module text */
  const char *dtype;          /* safetensors' name: "F32", "I64", ... */
  int rank;
  int64_t sizes[T2N_MAX_RANK];
  const void *data;           /* contiguous, row-major */
  size_t nbytes;
} t2n_torch_weight;

/* Every weight of the object tree, sorted by key (the safetensors file of
 * t2n_torch_write_weights, without writing it). A contiguous tensor of an
 * archive loaded without reading its tensors points into the archive's
 * mapping, whose extent *map and *map_size receive (NULL and 0 when the
 * tensors were read into memory, see t2n_torch_open's remark); the others
 * point at contiguous copies the handle owns. Everything lives as long as
 * the handle. Returns the count, or -1 after reporting an error. */
int t2n_torch_weights(t2n_torch *t, const t2n_torch_weight **out, const void **map, size_t *map_size,
                      t2n_diag *d);

/* Import in one call: open, export the text and parse it with t2n_parse.
 * `weights_name` goes on the `weights` line; NULL means the archive's file
 * name with its extension replaced by ".safetensors" (what
 * `t2n-dump MODEL.jit -o MODEL.t2n` writes). When
 * `out` is non-NULL it receives the handle (for evaluation and weights;
 * the caller frees it), else the handle is freed. NULL after an error. */
t2n_module *t2n_torch_load(const char *jit_path, const char *submodule,
                           const char *weights_name, t2n_diag *d, t2n_torch **out);

/* Adds (or replaces) the tensors of a safetensors file to the handle's
 * weights; `t2n_torch_new_empty` makes a handle without a module, for t2n
 * text modules whose graphs only need weights (frozen graphs). */
t2n_torch *t2n_torch_new_empty(void);
int t2n_torch_read_weights(t2n_torch *t, const char *path, t2n_diag *d);

/* ---- evaluation ---- */

/* An ordered list of torch values (IValues): graph inputs or outputs. */
typedef struct t2n_torch_values t2n_torch_values;

/* Builds the inputs of `g` from the examples (matched by name, with or
 * without the ".N" suffix). A tensor example without data gets deterministic
 * pseudo-random contents drawn from `seed`; a complete tensor type on the
 * graph input stands in for a missing example. Each random input has its own
 * generator seeded from `seed` and the input's name, so its values do not
 * change when passes add or remove other inputs. An input "self.a.b" (state
 * lifted by -lift-state) defaults to the module's value of a.b. A class-typed
 * first input (`self`) gets, at each run, a fresh deep copy of the loaded
 * module object, or without an archive an object rebuilt from the module
 * text (t2n_torch_new_empty + the text's weights). NULL after an error. */
t2n_torch_values *t2n_torch_make_inputs(t2n_torch *t, const t2n_graph *g,
                                        const t2n_example *ex, int nex,
                                        uint64_t seed, t2n_diag *d);

/* Runs graph `g` of module `m` (m may be NULL for a lone graph) on `inputs`
 * (which are not modified: tensors are cloned and `self` deep-copied for the
 * run). Functions called through prim::CallFunction are taken from m.
 * Returns the graph's outputs, or NULL after reporting an error. */
t2n_torch_values *t2n_torch_run(t2n_torch *t, t2n_module *m, t2n_graph *g,
                                const t2n_torch_values *inputs, t2n_diag *d);

/* Runs the loaded archive's own method `method` (torch's reference result)
 * on the same inputs, for comparing with t2n_torch_run of its t2n graph. The
 * one output is named "output.0". NULL after reporting an error. */
t2n_torch_values *t2n_torch_run_method(t2n_torch *t, const char *method,
                                       const t2n_torch_values *inputs, t2n_diag *d);

/* A scalar read back from torch. */
typedef struct t2n_torch_scalar {
  enum { T2N_TS_NONE, T2N_TS_BOOL, T2N_TS_INT, T2N_TS_FLOAT, T2N_TS_OTHER } kind;
  int64_t i;   /* BOOL (0/1) and INT */
  double f;    /* FLOAT */
} t2n_torch_scalar;

/* Evaluates value `v` of graph `g` (defined in the top block) by running the
 * graph with `v` as an extra output. A one-element tensor is read as its
 * scalar. Returns 0 on success. */
int t2n_torch_eval_value(t2n_torch *t, t2n_module *m, t2n_graph *g,
                         const t2n_value *v, const t2n_torch_values *inputs,
                         t2n_torch_scalar *out, t2n_diag *d);

int t2n_torch_values_count(const t2n_torch_values *vs);
/* Compares two output lists: tensors of a floating dtype within `atol`
 * absolute difference, everything else exactly. Returns 1 when they agree.
 * *max_diff (if non-NULL) gets the largest absolute difference seen; `why`
 * (if non-NULL) gets a one-line description of the first mismatch. */
int t2n_torch_values_compare(const t2n_torch_values *a, const t2n_torch_values *b,
                             double atol, double *max_diff, char *why, size_t whylen);
/* Prints one line per value: "NAME : TYPE = summary" with tensor contents. */
void t2n_torch_values_print(FILE *out, const t2n_torch_values *vs);
/* Writes the tensor values (output i as "NAME" or "output.I"; scalars as
 * 0-dim tensors) to a safetensors file. Returns 0 on success. */
int t2n_torch_values_write(const t2n_torch_values *vs, const char *path, t2n_diag *d);
void t2n_torch_values_free(t2n_torch_values *vs);

#ifdef __cplusplus
}
#endif

#endif
