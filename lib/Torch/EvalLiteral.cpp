// Evaluate: the value syntax of graph attributes and module text, read into
// IValues (constants, attribute values, fields of module text objects).
#include "EvalCommon.h"

#include <ATen/ATen.h>

#include <cmath>
#include <cstring>

using c10::IValue;
using c10::TypePtr;
using namespace t2n_torch_impl;

namespace t2n_torch_impl {

[[noreturn]] void fail(const std::string &msg) { throw EvalError(msg); }

}  // namespace t2n_torch_impl

namespace {

// ---- literals: the value syntax of graph attributes and module text ----

struct Literal {
  const char *p, *e;
  t2n_torch *t;

  Literal(const char *s, size_t n, t2n_torch *t) : p(s), e(s + n), t(t) {}

  void ws() {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n')) p++;
  }
  bool peek(char c) {
    ws();
    return p < e && *p == c;
  }
  bool eat(char c) {
    if (!peek(c)) return false;
    p++;
    return true;
  }
  bool word(const char *w) {
    ws();
    size_t n = std::strlen(w);
    if ((size_t)(e - p) >= n && std::strncmp(p, w, n) == 0) {
      const char *q = p + n;
      if (q < e && (std::isalnum((unsigned char)*q) || *q == '_')) return false;
      p = q;
      return true;
    }
    return false;
  }
  [[noreturn]] void bad(const char *what) {
    fail(std::string("cannot read ") + what + " in value text '" + std::string(p, e) + "'");
  }

  std::string string_lit() {
    ws();
    if (p >= e || (*p != '"' && *p != '\'')) bad("a string");
    char q = *p++;
    std::string out;
    while (p < e && *p != q) {
      char c = *p++;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (p >= e) bad("a string escape");
      char x = *p++;
      switch (x) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case 'x': {
        int v = 0;
        for (int k = 0; k < 2 && p < e && std::isxdigit((unsigned char)*p); k++, p++)
          v = v * 16 + (std::isdigit((unsigned char)*p) ? *p - '0' : (std::tolower(*p) - 'a' + 10));
        out += (char)v;
        break;
      }
      default:
        // torch's octal escapes, computed on a signed char (digits may be
        // below '0'): three characters, each a digit offset from '0'.
        if ((x >= '0' - 7 && x <= '7') && p + 1 < e && x != '\\' && x != '\'' && x != '"') {
          int v = (x - '0') * 64 + (p[0] - '0') * 8 + (p[1] - '0');
          p += 2;
          out += (char)(unsigned char)v;
        } else {
          out += x;
        }
      }
    }
    if (p >= e) bad("a string (unterminated)");
    p++;
    return out;
  }

  // A number: returns an int or a double IValue.
  IValue number() {
    ws();
    const char *s = p;
    if (p < e && (*p == '-' || *p == '+')) p++;
    if (word("inf")) return IValue(*s == '-' ? -INFINITY : INFINITY);
    if (word("nan")) return IValue(NAN);
    bool is_float = false;
    while (p < e && (std::isdigit((unsigned char)*p) || *p == '.' || *p == 'e' || *p == 'E' ||
                     ((*p == '-' || *p == '+') && (p[-1] == 'e' || p[-1] == 'E')))) {
      if (*p == '.' || *p == 'e' || *p == 'E') is_float = true;
      p++;
    }
    std::string txt(s, p);
    if (txt.empty() || txt == "-" || txt == "+") {
      p = s;
      bad("a number");
    }
    if (is_float) return IValue(std::strtod(txt.c_str(), nullptr));
    return IValue((int64_t)std::strtoll(txt.c_str(), nullptr, 10));
  }

  static TypePtr strip_optional(const TypePtr &ty) {
    if (ty && ty->kind() == c10::TypeKind::OptionalType)
      return ty->expectRef<c10::OptionalType>().getElementType();
    return ty;
  }

  // Reads one value; `ty` (may be null) guides lists and number kinds.
  IValue value(TypePtr ty) {
    ty = strip_optional(ty);
    ws();
    if (p >= e) bad("a value");
    if (word("None")) return IValue();
    if (word("True")) return coerce(IValue(true), ty);
    if (word("False")) return coerce(IValue(false), ty);
    if (*p == '"' || *p == '\'') {
      std::string s = string_lit();
      if (ty && ty->kind() == c10::TypeKind::DeviceObjType) return IValue(c10::Device(s));
      return IValue(s);
    }
    if (word("torch.device")) {
      if (!eat('(')) bad("torch.device(...)");
      std::string s = string_lit();
      if (!eat(')')) bad("torch.device(...)");
      return IValue(c10::Device(s));
    }
    if (word("tensor")) {
      if (!eat('(')) bad("tensor(...)");
      std::string key = string_lit();
      int depth = 1;  // skip ", TYPE)"
      while (p < e && depth) {
        if (*p == '(') depth++;
        else if (*p == ')') depth--;
        p++;
      }
      auto it = t->weight_index.find(key);
      if (it == t->weight_index.end()) {
        collect_weights(t);
        it = t->weight_index.find(key);
      }
      if (it == t->weight_index.end()) fail("no tensor '" + key + "' in the weights");
      // a constant: no autograd history (parameters come with requires_grad)
      return IValue(t->weights[it->second].second.detach());
    }
    if (word("annotate")) {
      if (!eat('(')) bad("annotate(...)");
      int depth = 0;  // skip the type up to the top-level comma
      while (p < e && !(depth == 0 && *p == ',')) {
        if (*p == '(' || *p == '[') depth++;
        else if (*p == ')' || *p == ']') depth--;
        p++;
      }
      if (!eat(',')) bad("annotate(...)");
      IValue v = value(ty);
      if (!eat(')')) bad("annotate(...)");
      return v;
    }
    if (*p == '[') {
      p++;
      TypePtr elt = ty && ty->kind() == c10::TypeKind::ListType
                        ? ty->expectRef<c10::ListType>().getElementType()
                        : nullptr;
      std::vector<IValue> items;
      if (!eat(']')) {
        do {
          if (peek(']')) break;  // [1, 2,]: a trailing comma, as lib/Analysis/literal.c reads it
          items.push_back(value(elt));
        } while (eat(','));
        if (!eat(']')) bad("a list");
      }
      if (!elt) {
        elt = c10::IntType::get();
        if (!items.empty()) {
          const IValue &f = items[0];
          elt = f.isDouble() ? (TypePtr)c10::FloatType::get()
                : f.isBool() ? (TypePtr)c10::BoolType::get()
                : f.isString() ? (TypePtr)c10::StringType::get()
                : f.isTensor() ? (TypePtr)c10::TensorType::get()
                : f.isInt() ? (TypePtr)c10::IntType::get()
                : (TypePtr)c10::AnyType::get();
        }
      }
      c10::impl::GenericList l(elt);
      for (auto &v : items) l.push_back(coerce(v, elt));
      return IValue(l);
    }
    if (*p == '(') {
      p++;
      std::vector<TypePtr> elts;
      if (ty && ty->kind() == c10::TypeKind::TupleType) {
        auto el = ty->expectRef<c10::TupleType>().elements();
        elts.assign(el.begin(), el.end());
      }
      std::vector<IValue> items;
      if (!eat(')')) {
        do {
          if (peek(')')) break;  // (x,)
          items.push_back(value(items.size() < elts.size() ? elts[items.size()] : nullptr));
        } while (eat(','));
        if (!eat(')')) bad("a tuple");
      }
      return IValue(c10::ivalue::Tuple::create(std::move(items)));
    }
    if (*p == '{') {
      // {1.5}: a 0-dim tensor as the graph printer writes one; else a dict
      if (ty && ty->kind() == c10::TypeKind::TensorType) {
        p++;
        IValue n = number();
        if (!eat('}')) bad("a tensor literal");
        auto tt = ty->cast<c10::TensorType>();
        std::optional<at::ScalarType> st = tt ? tt->scalarType() : std::nullopt;
        at::Tensor r = n.isDouble() ? at::scalar_tensor(n.toDouble(), at::kDouble)
                                    : at::scalar_tensor(n.toInt(), at::kLong);
        if (st) r = r.to(*st);
        else if (n.isDouble()) r = r.to(at::kDouble);
        return IValue(r);
      }
      p++;
      TypePtr kt = c10::StringType::get(), vt = nullptr;
      if (ty && ty->kind() == c10::TypeKind::DictType) {
        kt = ty->expectRef<c10::DictType>().getKeyType();
        vt = ty->expectRef<c10::DictType>().getValueType();
      }
      std::vector<std::pair<IValue, IValue>> kvs;
      if (!eat('}')) {
        do {
          if (peek('}')) break;  // {"a": 1,}
          IValue k = value(kt);
          if (!eat(':')) bad("a dict");
          kvs.emplace_back(k, value(vt));
        } while (eat(','));
        if (!eat('}')) bad("a dict");
      }
      if (!vt) vt = kvs.empty() ? (TypePtr)c10::AnyType::get() : kvs[0].second.type();
      if (!kvs.empty() && !(ty && ty->kind() == c10::TypeKind::DictType)) kt = kvs[0].first.type();
      c10::impl::GenericDict dct(kt, vt);
      for (auto &kv : kvs) dct.insert(kv.first, kv.second);
      return IValue(dct);
    }
    if (*p == '<') bad("an opaque value");
    IValue n = number();
    return coerce(n, ty);
  }

  static IValue coerce(const IValue &v, const TypePtr &ty) {
    if (!ty) return v;
    switch (ty->kind()) {
    case c10::TypeKind::BoolType:
      if (v.isInt()) return IValue(v.toInt() != 0);
      break;
    case c10::TypeKind::FloatType:
      if (v.isInt()) return IValue((double)v.toInt());
      break;
    case c10::TypeKind::IntType:
      if (v.isBool()) return IValue((int64_t)v.toBool());
      break;
    default:
      break;
    }
    return v;
  }
};

}  // namespace

namespace t2n_torch_impl {

IValue parse_value(const char *raw, t2n_torch *t, const TypePtr &ty) {
  Literal l(raw, std::strlen(raw), t);
  IValue v = l.value(ty);
  l.ws();
  if (l.p != l.e) fail(std::string("unexpected text after the value in '") + raw + "'");
  return v;
}

// A small tensor as the graph printer writes it (its operator<< with the
// newlines made spaces): " 1.5000  2.2500 [ CPUFloatType{3} ]" or
// "... [ CPULongType{2,2} ]". The digits are rounded: for module text only.
bool parse_printed_tensor(const char *raw, at::Tensor *out) {
  std::string s = raw;
  size_t lb = s.rfind("[ ");
  if (lb == std::string::npos || s.find('*') != std::string::npos || s.find('(') != std::string::npos)
    return false;
  std::string footer = s.substr(lb + 2);
  size_t brace = footer.find('{'), close = footer.find('}');
  if (brace == std::string::npos || close == std::string::npos) return false;
  std::string tname = footer.substr(0, brace);  // CPUFloatType
  if (tname.compare(0, 3, "CPU") == 0) tname = tname.substr(3);
  if (tname.size() > 4 && tname.compare(tname.size() - 4, 4, "Type") == 0) tname.resize(tname.size() - 4);
  at::ScalarType st = at::kFloat;
  bool found = false;
#define T2N_MATCH(_, name) \
  if (!found && tname == #name) { st = at::ScalarType::name; found = true; }
  AT_FORALL_SCALAR_TYPES_WITH_COMPLEX_AND_QINTS(T2N_MATCH)
#undef T2N_MATCH
  if (!found) return false;
  std::vector<int64_t> sizes;
  std::string dims = footer.substr(brace + 1, close - brace - 1);
  for (size_t i = 0; i < dims.size();) {
    size_t e = dims.find(',', i);
    if (e == std::string::npos) e = dims.size();
    sizes.push_back(std::strtoll(dims.c_str() + i, nullptr, 10));
    i = e + 1;
  }
  std::vector<double> vals;
  const char *p = s.c_str(), *end = s.c_str() + lb;
  while (p < end) {
    while (p < end && std::isspace((unsigned char)*p)) p++;
    if (p >= end) break;
    char *q;
    double v = std::strtod(p, &q);
    if (q == p) return false;
    vals.push_back(v);
    p = q;
  }
  int64_t n = 1;
  for (int64_t x : sizes) n *= x;
  if ((int64_t)vals.size() != n) return false;
  *out = at::tensor(vals, at::kDouble).reshape(sizes).to(st);
  return true;
}

}  // namespace t2n_torch_impl
