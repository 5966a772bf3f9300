/* safetensors files (lib/Support/safetensors.c): the weights of t2n module
 * text and the example inputs of --example-inputs.
 *
 * A file is checked the way the safetensors reference library checks one
 * before any tensor is used: the header length lies within the file, the
 * header is a JSON object, every dtype is known, every shape is a list of
 * at most T2N_MAX_RANK non-negative integers whose element count does not
 * overflow, the byte length of each tensor is its element count times its
 * element size, and the tensors tile the data section exactly: in order,
 * contiguous, non-overlapping, from its first byte to its last. A refusal
 * names the file, the tensor and the rule it breaks. */
#ifndef T2N_SAFETENSORS_H
#define T2N_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "t2n/diag.h"
#include "t2n/ir.h"
#include "t2n/limits.h"


typedef struct t2n_st_tensor {
  const char *name;
  t2n_dtype dtype;
  const char *dtype_name;    /* as the file spells it: "F32", "I64", ... */
  int rank;
  int64_t sizes[T2N_MAX_RANK];
  const unsigned char *data; /* inside the file's mapping */
  size_t nbytes;
} t2n_st_tensor;

typedef struct t2n_safetensors {
  unsigned char *file;       /* the whole file: mapped, or read for pipes */
  size_t size;
  int mapped;                /* file came from mmap (else malloc) */
  t2n_st_tensor *tensors;    /* in file order */
  int ntensors;
  const unsigned char *view_map; /* a view's mapping, registered for release */
} t2n_safetensors;

/* Opens and checks a file; the data stay in the file's memory mapping, so a
 * large weights file is paged in only as its tensors are read. Returns 1,
 * or 0 after reporting why. */
int t2n_safetensors_read(const char *path, t2n_safetensors *st, t2n_diag *d);
/* The same checks on bytes in memory (copied); `name` is used in messages. */
int t2n_safetensors_parse(const char *name, const void *bytes, size_t len, t2n_safetensors *st,
                          t2n_diag *d);
/* Says the bytes [data, data + n) of a mapped file have been used: their
 * pages are dropped from the process (read again from the file if needed),
 * so streaming a file of gigabytes keeps little of it resident. Bytes not
 * inside a mapping of t2n_safetensors_read are left alone. */
void t2n_safetensors_release(const void *data, size_t n);
/* A view: tensors whose bytes live elsewhere (a .jit archive's tensors,
 * streamed from the archive's own mapping without a safetensors copy). `map`
 * (may be NULL) is a read-only private file mapping holding some of them,
 * registered for t2n_safetensors_release until t2n_safetensors_free; it is
 * not unmapped. Each add copies the name and checks the dtype name and the
 * size; returns 1, or 0 after reporting the fault. */
void t2n_safetensors_view(t2n_safetensors *st, const void *map, size_t map_size);
int t2n_safetensors_view_add(t2n_safetensors *st, const char *name, const char *dtype_name, int rank,
                             const int64_t *sizes, const void *data, size_t nbytes, t2n_diag *d);
const t2n_st_tensor *t2n_safetensors_find(const t2n_safetensors *st, const char *name);
void t2n_safetensors_free(t2n_safetensors *st);
/* The dtype of a safetensors dtype name ("F32"), or T2N_DT_UNKNOWN. */
t2n_dtype t2n_safetensors_dtype(const char *name);

#endif
