// Shared declarations of the evaluator: Eval.cpp builds and runs torch
// graphs, EvalLiteral.cpp reads value text, EvalValues.cpp compares, prints
// and writes the values of runs.
#ifndef T2N_TORCH_EVAL_COMMON_H
#define T2N_TORCH_EVAL_COMMON_H

#include "TorchCommon.h"

#include <exception>
#include <stdexcept>
#include <string>

namespace t2n_torch_impl {

// An error in building or running, reported once at the API boundary.
struct EvalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string &msg);

// Reads one value of the value syntax of graph attributes and module text
// (the whole of raw); `ty` (may be null) guides lists and number kinds.
c10::IValue parse_value(const char *raw, t2n_torch *t, const c10::TypePtr &ty);

// A small tensor as the graph printer writes it (its operator<< with the
// newlines made spaces): " 1.5000  2.2500 [ CPUFloatType{3} ]" or
// "... [ CPULongType{2,2} ]". The digits are rounded: for module text only.
bool parse_printed_tensor(const char *raw, at::Tensor *out);

// Runs f at the API boundary: an exception becomes an error reported through
// d and a value-initialized result.
template <class F> auto guarded(t2n_diag *d, const char *what, F &&f) -> decltype(f()) {
  try {
    return f();
  } catch (const EvalError &e) {
    error(d, "%s: %s", what, e.what());
  } catch (const std::exception &e) {
    error(d, "%s: %s", what, brief(e).c_str());
  } catch (...) {
    error(d, "%s: unknown failure in libtorch", what);
  }
  return decltype(f())();
}

}  // namespace t2n_torch_impl

#endif
