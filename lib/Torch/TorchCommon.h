// Shared declarations of the libtorch backend (C++ only; the public face is
// include/t2n/torch.h).
#ifndef T2N_TORCH_COMMON_H
#define T2N_TORCH_COMMON_H

#include <functional>
#include <torch/csrc/jit/api/module.h>

#include <cstdarg>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "t2n/torch.h"

namespace t2n_torch_impl {
struct ArchiveMap;  // MappedArchive.cpp
}

struct t2n_torch {
  bool has_module = false;
  torch::jit::Module module;  // the root (or --submodule) module object
  std::string path;           // the archive's path, for messages
  // The archive's mapping, when its tensors' storages point into it.
  std::shared_ptr<t2n_torch_impl::ArchiveMap> archive;
  // t2n_torch_weights' answer, and the contiguous copies it points at.
  std::vector<t2n_torch_weight> views;
  std::vector<at::Tensor> view_tensors;
  std::vector<std::string> view_names;
  // Every tensor of the object tree, by weights key, in discovery order.
  std::vector<std::pair<std::string, at::Tensor>> weights;
  std::map<std::string, size_t> weight_index;
  bool weights_collected = false;
  // Tensor constants of the archive's graphs by "raw attribute text|type
  // text": graph text prints them lossily ({0.707107}, <Tensor>), so runs
  // of graphs from the archive use the exact tensors. Keys under which
  // different tensors print alike are in const_conflicts.
  std::map<std::string, at::Tensor> const_tensors;
  std::map<std::string, bool> const_conflicts;
  bool scanned = false;  // the archive's graphs were walked (const_tensors)
  // Functions built from t2n graphs (prim::CallFunction targets) live here.
  std::shared_ptr<torch::jit::CompilationUnit> cu =
      std::make_shared<torch::jit::CompilationUnit>();
};

struct t2n_torch_values {
  std::vector<std::string> names;
  std::vector<c10::IValue> values;
  std::vector<char> is_self;  // input: a fresh deep copy of the loaded module
};

namespace t2n_torch_impl {

// Reports an error through d (printf-style).
void error(t2n_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// The first line of an exception message (torch appends C++ backtraces).
std::string brief(const std::exception &e);

// Python's repr() of a float with a trailing "." in place of ".0".
std::string format_double(double v);
// Torch's spelling of a tensor's dtype and sizes: Float(3, 2), Long().
std::string tensor_type_text(const at::Tensor &t);
// Safetensors dtype names ("F32") and back.
const char *safetensors_dtype(at::ScalarType st);
bool safetensors_scalar_type(const std::string &name, at::ScalarType *out);
// The safetensors encoding of named tensors (made contiguous on the CPU).
std::string safetensors_encode(const std::vector<std::pair<std::string, at::Tensor>> &ts);
void safetensors_encode_to(const std::vector<std::pair<std::string, at::Tensor>> &ts,
                           const std::function<void(const void *, size_t)> &sink);
bool safetensors_decode(const std::string &bytes,
                        std::vector<std::pair<std::string, at::Tensor>> *out,
                        std::string *err);
// Walks the object tree once, filling t->weights.
void collect_weights(t2n_torch *t);
// Walks the archive's graphs once (const_tensors, and weights if needed).
void ensure_scanned(t2n_torch *t);
void add_weight(t2n_torch *t, const std::string &key, const at::Tensor &v);
// torch::jit::load of `path` with the tensors' storages pointing into a
// mapping of the file (MappedArchive.cpp), or the ordinary load after a
// remark saying why not.
torch::jit::Module load_archive(t2n_torch *t, const std::string &path, t2n_diag *d);
// Whether [p, p + n) lies in the archive's mapping; *base and *size get it.
bool archive_holds(const t2n_torch *t, const void *p, size_t n, const void **base, size_t *size);

}  // namespace t2n_torch_impl

#endif
