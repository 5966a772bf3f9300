// Evaluate: the values of runs (t2n_torch_values) compared, printed, written
// as safetensors and freed.
#include "EvalCommon.h"

#include <ATen/ATen.h>
#include <c10/util/StringUtil.h>

#include <cmath>
#include <cstring>
#include <sstream>

using c10::IValue;
using namespace t2n_torch_impl;

namespace {

// ---- comparing and printing ----

struct Compare {
  double atol;
  double max_diff = 0;
  std::string why;

  bool fail_with(const std::string &path, const std::string &msg) {
    if (why.empty()) why = path + ": " + msg;
    return false;
  }

  static std::string shape(const at::Tensor &t) {
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); i++) s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
  }

  bool values(const IValue &a, const IValue &b, const std::string &path) {
    if (a.isTensor() && b.isTensor()) {
      const at::Tensor &x = a.toTensor(), &y = b.toTensor();
      if (x.defined() != y.defined()) return fail_with(path, "one tensor is undefined");
      if (!x.defined()) return true;
      if (x.sizes() != y.sizes()) return fail_with(path, "shape " + shape(x) + " vs " + shape(y));
      if (x.scalar_type() != y.scalar_type())
        return fail_with(path, std::string("dtype ") + c10::toString(x.scalar_type()) + " vs " +
                                   c10::toString(y.scalar_type()));
      if (x.numel() == 0) return true;
      if (at::isFloatingType(x.scalar_type()) || at::isComplexType(x.scalar_type())) {
        at::Tensor xd = x.detach().to(at::kCPU), yd = y.detach().to(at::kCPU);
        if (at::isComplexType(x.scalar_type())) {
          xd = at::view_as_real(xd.resolve_conj());
          yd = at::view_as_real(yd.resolve_conj());
        }
        xd = xd.to(at::kDouble);
        yd = yd.to(at::kDouble);
        at::Tensor nx = at::isnan(xd), ny = at::isnan(yd);
        if (!at::equal(nx, ny)) return fail_with(path, "NaNs at different places");
        at::Tensor d = at::where(nx, at::zeros_like(xd), (xd - yd).abs());
        // equal infinities give nan differences
        d = at::where(at::isnan(d), at::zeros_like(d), d);
        at::Tensor infx = at::isinf(xd), infy = at::isinf(yd);
        if (!at::equal(infx, infy) || !at::equal(at::where(infx, xd, at::zeros_like(xd)),
                                                 at::where(infy, yd, at::zeros_like(yd))))
          return fail_with(path, "infinities differ");
        double md = d.max().item<double>();
        if (md > max_diff) max_diff = md;
        if (md > atol) {
          char buf[128];
          std::snprintf(buf, sizeof buf, "max abs diff %.9g > %.3g", md, atol);
          return fail_with(path, buf);
        }
        return true;
      }
      if (!at::equal(x, y)) return fail_with(path, "values differ");
      return true;
    }
    if (a.isDouble() && b.isDouble()) {
      double x = a.toDouble(), y = b.toDouble();
      if (std::isnan(x) && std::isnan(y)) return true;
      if (x == y) return true;
      double d = std::fabs(x - y);
      if (d > max_diff) max_diff = d;
      if (!(d <= atol)) {
        char buf[128];
        std::snprintf(buf, sizeof buf, "%.17g vs %.17g", x, y);
        return fail_with(path, buf);
      }
      return true;
    }
    if (a.tagKind() != b.tagKind())
      return fail_with(path, "kind " + a.tagKind() + " vs " + b.tagKind());
    if (a.isTuple() || a.isList()) {
      std::vector<IValue> xs, ys;
      if (a.isTuple()) {
        auto ex = a.toTupleRef().elements(), ey = b.toTupleRef().elements();
        xs.assign(ex.begin(), ex.end());
        ys.assign(ey.begin(), ey.end());
      } else {
        xs = a.toListRef().vec();
        ys = b.toListRef().vec();
      }
      if (xs.size() != ys.size())
        return fail_with(path, std::to_string(xs.size()) + " vs " + std::to_string(ys.size()) + " elements");
      bool ok = true;
      for (size_t i = 0; i < xs.size(); i++) ok &= values(xs[i], ys[i], path + "[" + std::to_string(i) + "]");
      return ok;
    }
    if (a.isGenericDict()) {
      auto x = a.toGenericDict(), y = b.toGenericDict();
      if (x.size() != y.size()) return fail_with(path, "dict sizes differ");
      bool ok = true;
      for (const auto &kv : x) {
        auto it = y.find(kv.key());
        if (it == y.end()) return fail_with(path, "dict keys differ");
        std::ostringstream k;
        k << kv.key();
        ok &= values(kv.value(), it->value(), path + "[" + k.str() + "]");
      }
      return ok;
    }
    if (a.isObject() || a.isCapsule() || a.isFuture()) return true;
    if (a.isNone()) return true;
    if (a.isInt() || a.isBool() || a.isString() || a.isDevice()) {
      if (a == b) return true;
      std::ostringstream x, y;
      x << a;
      y << b;
      return fail_with(path, x.str() + " vs " + y.str());
    }
    return true;
  }
};

void print_value(std::ostream &os, const IValue &v) {
  if (v.isTensor()) {
    const at::Tensor &t = v.toTensor();
    if (!t.defined()) {
      os << "<undefined tensor>";
      return;
    }
    os << tensor_type_text(t) << " [";
    at::Tensor f = t.detach().to(at::kCPU).contiguous().reshape({-1});
    int64_t n = f.numel(), shown = std::min<int64_t>(n, 64);
    bool fl = at::isFloatingType(t.scalar_type());
    at::Tensor d = fl ? f.to(at::kDouble) : (t.scalar_type() == at::kBool ? f.to(at::kLong) : f.to(at::kLong));
    for (int64_t i = 0; i < shown; i++) {
      if (i) os << ", ";
      if (fl) os << format_double(d[i].item<double>());
      else os << d[i].item<int64_t>();
    }
    if (shown < n) os << ", ... (" << n << " values)";
    os << "]";
    return;
  }
  if (v.isDouble()) {
    os << format_double(v.toDouble());
    return;
  }
  if (v.isTuple() || v.isList()) {
    std::vector<IValue> xs;
    if (v.isTuple()) {
      auto e = v.toTupleRef().elements();
      xs.assign(e.begin(), e.end());
    } else {
      xs = v.toListRef().vec();
    }
    os << (v.isTuple() ? "(" : "[");
    for (size_t i = 0; i < xs.size(); i++) {
      if (i) os << ", ";
      print_value(os, xs[i]);
    }
    if (v.isTuple() && xs.size() == 1) os << ",";
    os << (v.isTuple() ? ")" : "]");
    return;
  }
  if (v.isGenericDict()) {
    os << "{";
    bool first = true;
    for (const auto &kv : v.toGenericDict()) {
      if (!first) os << ", ";
      first = false;
      print_value(os, kv.key());
      os << ": ";
      print_value(os, kv.value());
    }
    os << "}";
    return;
  }
  if (v.isString()) {
    c10::printQuotedString(os, v.toStringRef());
    return;
  }
  if (v.isObject()) {
    os << "<" << v.toObjectRef().type()->name()->qualifiedName() << " object>";
    return;
  }
  os << v;
}

void flatten_tensors(const IValue &v, const std::string &key,
                     std::vector<std::pair<std::string, at::Tensor>> &out) {
  if (v.isTensor()) {
    if (v.toTensor().defined()) out.emplace_back(key, v.toTensor());
  } else if (v.isDouble()) {
    out.emplace_back(key, at::scalar_tensor(v.toDouble(), at::kDouble));
  } else if (v.isBool()) {
    out.emplace_back(key, at::scalar_tensor(v.toBool(), at::kBool));
  } else if (v.isInt()) {
    out.emplace_back(key, at::scalar_tensor(v.toInt(), at::kLong));
  } else if (v.isTuple()) {
    auto e = v.toTupleRef().elements();
    for (size_t i = 0; i < e.size(); i++) flatten_tensors(e[i], key + "." + std::to_string(i), out);
  } else if (v.isList()) {
    auto e = v.toListRef();
    for (size_t i = 0; i < e.size(); i++) flatten_tensors(e[i], key + "." + std::to_string(i), out);
  } else if (v.isGenericDict()) {
    for (const auto &kv : v.toGenericDict()) {
      std::ostringstream k;
      if (kv.key().isString()) k << kv.key().toStringRef();
      else print_value(k, kv.key());
      flatten_tensors(kv.value(), key + "." + k.str(), out);
    }
  }
}

}  // namespace

extern "C" {

int t2n_torch_values_count(const t2n_torch_values *vs) { return vs ? (int)vs->values.size() : 0; }

int t2n_torch_values_compare(const t2n_torch_values *a, const t2n_torch_values *b, double atol,
                             double *max_diff, char *why, size_t whylen) {
  Compare c;
  c.atol = atol;
  bool ok = true;
  try {
    if (a->values.size() != b->values.size()) {
      c.why = std::to_string(a->values.size()) + " outputs vs " + std::to_string(b->values.size());
      ok = false;
    } else {
      for (size_t i = 0; i < a->values.size(); i++) {
        std::string path = "output " + std::to_string(i) + " (%" + a->names[i] + ")";
        ok &= c.values(a->values[i], b->values[i], path);
      }
    }
  } catch (const std::exception &e) {
    c.why = brief(e);
    ok = false;
  }
  if (max_diff) *max_diff = c.max_diff;
  if (why && whylen) {
    std::snprintf(why, whylen, "%s", c.why.c_str());
  }
  return ok ? 1 : 0;
}

void t2n_torch_values_print(FILE *out, const t2n_torch_values *vs) {
  try {
    for (size_t i = 0; i < vs->values.size(); i++) {
      std::ostringstream ss;
      ss << "%" << vs->names[i] << " = ";
      print_value(ss, vs->values[i]);
      std::fprintf(out, "%s\n", ss.str().c_str());
    }
  } catch (const std::exception &e) {
    std::fprintf(out, "<cannot print: %s>\n", brief(e).c_str());
  }
}

int t2n_torch_values_write(const t2n_torch_values *vs, const char *path, t2n_diag *d) {
  return guarded(d, path, [&]() -> int {
    std::vector<std::pair<std::string, at::Tensor>> ts;
    for (size_t i = 0; i < vs->values.size(); i++) {
      std::string key = vs->names[i].empty() ? "output." + std::to_string(i) : vs->names[i];
      flatten_tensors(vs->values[i], key, ts);
    }
    std::string bytes = safetensors_encode(ts);
    FILE *f = std::fopen(path, "wb");
    if (!f) fail(std::string("cannot write: ") + std::strerror(errno));
    bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    ok &= std::fclose(f) == 0;
    if (!ok) fail("cannot write");
    return 1;
  }) ? 0 : 1;
}

void t2n_torch_values_free(t2n_torch_values *vs) {
  try {
    delete vs;
  } catch (...) {
  }
}

}  // extern "C"
