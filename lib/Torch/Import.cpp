// Import: a TorchScript archive -> t2n module text (docs/ir-format.md section
// 3) and its weights. The text is made here and parsed by the C core.
#include "TorchCommon.h"

#include <torch/version.h>
#include <ATen/ATen.h>

#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/serialization/import.h>
#include <c10/util/StringUtil.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <set>
#include <sstream>

extern "C" {
#include "t2n/text.h"
}

using c10::IValue;
using torch::jit::Graph;
using torch::jit::Node;

namespace t2n_torch_impl {

void error(t2n_diag *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  t2n_vreport(d, T2N_ERROR, nullptr, fmt, ap);
  va_end(ap);
}

std::string brief(const std::exception &e) {
  std::string s = e.what();
  // c10::Error messages carry "Exception raised from ..." and a backtrace.
  size_t cut = s.find("\nException raised from");
  if (cut != std::string::npos) s.resize(cut);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string format_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, r.ptr);  // "-1.5e+00": shortest round-trip digits
  std::string sign;
  if (s[0] == '-') { sign = "-"; s.erase(0, 1); }
  size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  int exp10 = std::atoi(s.c_str() + e + 1);
  std::string digits;
  for (char c : mant) if (c != '.') digits += c;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int nd = (int)digits.size();
  int decpt = exp10 + 1;  // digits = 0.DDDD * 10^decpt
  std::string out;
  if (digits == "0") {
    out = "0.";
  } else if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) out = "0." + std::string(-decpt, '0') + digits;
    else if (decpt >= nd) out = digits + std::string(decpt - nd, '0') + ".";
    else out = digits.substr(0, decpt) + "." + digits.substr(decpt);
  } else {
    out = digits.substr(0, 1);
    if (nd > 1) out += "." + digits.substr(1);
    int x = decpt - 1;
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
    out += eb;
  }
  return sign + out;
}

std::string tensor_type_text(const at::Tensor &t) {
  std::string s = c10::toString(t.scalar_type());
  s += "(";
  for (int64_t i = 0; i < t.dim(); i++) {
    if (i) s += ", ";
    s += std::to_string(t.size(i));
  }
  s += ")";
  return s;
}

void add_weight(t2n_torch *t, const std::string &key, const at::Tensor &v) {
  auto it = t->weight_index.find(key);
  if (it != t->weight_index.end()) {
    t->weights[it->second].second = v;
    return;
  }
  t->weight_index[key] = t->weights.size();
  t->weights.emplace_back(key, v);
}

}  // namespace t2n_torch_impl

using namespace t2n_torch_impl;

namespace {

// A slot or field name as t2n module text writes it (utils/t2n-dump's name_text):
// bare when every byte is printable and none is a space, '"', '\\' or ':'.
std::string name_text(const std::string &name) {
  bool bare = !name.empty();
  for (unsigned char c : name)
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '\\' || c == ':') bare = false;
  if (bare) return name;
  std::ostringstream ss;
  c10::printQuotedString(ss, name);
  return ss.str();
}

// Python's "".join(pad + l for l in text.splitlines(True)).
void indent_lines(std::string &out, const std::string &text, int n) {
  std::string pad(n, ' ');
  size_t i = 0;
  while (i < text.size()) {
    size_t e = i;
    // str.splitlines() line ends: \n \r \r\n \v \f \x1c-\x1e \x85 \u2028 \u2029
    size_t next = text.size();
    while (e < text.size()) {
      unsigned char c = text[e];
      if (c == '\n' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1e)) { next = e + 1; break; }
      if (c == '\r') { next = (e + 1 < text.size() && text[e + 1] == '\n') ? e + 2 : e + 1; break; }
      if (c == 0xc2 && e + 1 < text.size() && (unsigned char)text[e + 1] == 0x85) { next = e + 2; break; }
      if (c == 0xe2 && e + 2 < text.size() && (unsigned char)text[e + 1] == 0x80 &&
          ((unsigned char)text[e + 2] == 0xa8 || (unsigned char)text[e + 2] == 0xa9)) { next = e + 3; break; }
      e++;
    }
    out += pad;
    out.append(text, i, next - i);
    i = next;
  }
}

std::string graph_text(const std::shared_ptr<Graph> &g) {
  return g->toString(/*print_source_locations=*/true);
}

using ObjPtr = c10::intrusive_ptr<c10::ivalue::Object>;

// utils/t2n-dump's walk_nodes order: a node, then the nodes of its graph
// attributes, then its blocks from the last to the first (a stack of
// iterators).
template <class F> void walk_nodes(torch::jit::Block *b, F &&f) {
  struct It {
    torch::jit::graph_node_list::iterator it, end;
  };
  std::vector<It> st;
  st.push_back({b->nodes().begin(), b->nodes().end()});
  while (!st.empty()) {
    if (st.back().it == st.back().end) {
      st.pop_back();
      continue;
    }
    Node *n = *st.back().it;
    ++st.back().it;
    f(n);
    for (torch::jit::Block *sb : n->blocks()) st.push_back({sb->nodes().begin(), sb->nodes().end()});
    for (c10::Symbol a : n->attributeNames()) {
      if (n->kindOf(a) == torch::jit::AttributeKind::g) {
        auto sg = n->g(a);
        st.push_back({sg->nodes().begin(), sg->nodes().end()});
      } else if (n->kindOf(a) == torch::jit::AttributeKind::gs) {
        for (const auto &sg : n->gs(a)) st.push_back({sg->nodes().begin(), sg->nodes().end()});
      }
    }
  }
}

struct Slot {
  const char *kind;
  std::string name;
  c10::TypePtr type;
};

struct ClassEntry {
  std::string q;
  c10::ClassTypePtr cls;
  ObjPtr inst;  // first instance in the object tree, or null
};

// Mirrors utils/t2n-dump's Dumper so both produce the same bytes.
struct Exporter {
  t2n_torch *t;
  bool collect;  // fill t->weights
  std::vector<ClassEntry> classes;
  std::set<std::string> class_seen;
  std::vector<torch::jit::Function *> functions;
  std::set<std::string> function_seen;
  std::string failure;  // set when the dump script would die

  Exporter(t2n_torch *t, bool collect) : t(t), collect(collect) {}

  std::vector<Slot> module_slots(const ObjPtr &obj) {
    auto ct = obj->type();
    std::vector<Slot> out;
    for (size_t i = 0; i < ct->numAttributes(); i++) {
      c10::TypePtr ty = ct->getAttribute(i);
      const char *kind = "attr";
      if (ct->is_parameter(i) && obj->getSlot(i).isTensor()) kind = "param";
      else if (ct->is_buffer(i) && ty->isSubtypeOf(*c10::TensorType::get())) kind = "buffer";
      out.push_back({kind, ct->getAttributeName(i), ty});
    }
    return out;
  }

  // Slot names of a TorchScript (non-module) class: first assignments to
  // self in __init__. False when they cannot be found.
  bool class_slots_from_init(const c10::ClassTypePtr &ct, std::vector<Slot> *out) {
    out->clear();
    std::vector<c10::TypePtr> types;
    for (size_t i = 0; i < ct->numAttributes(); i++) types.push_back(ct->getAttribute(i));
    if (types.empty()) return true;
    torch::jit::Function *init = ct->findMethod("__init__");
    torch::jit::GraphFunction *gf = init ? torch::jit::tryToGraphFunction(*init) : nullptr;
    if (!gf) return false;
    std::vector<std::string> names;
    walk_nodes(gf->graph()->block(), [&](Node *n) {
      if (n->kind() == c10::prim::SetAttr) {
        std::string nm = n->s(c10::attr::name);
        if (std::find(names.begin(), names.end(), nm) == names.end()) names.push_back(nm);
      }
    });
    if (names.size() != types.size()) return false;
    for (size_t i = 0; i < names.size(); i++) out->push_back({"attr", names[i], types[i]});
    return true;
  }

  // A module's slots, or a TorchScript class object's (torch hands those to
  // Python as stand-in objects whose attributes are set in slot order).
  bool object_slots(const ObjPtr &obj, std::vector<Slot> *out) {
    if (obj->type()->is_module()) {
      *out = module_slots(obj);
      return true;
    }
    auto ct = obj->type();
    out->clear();
    for (size_t i = 0; i < ct->numAttributes(); i++)
      out->push_back({"attr", ct->getAttributeName(i), ct->getAttribute(i)});
    return true;
  }

  /* A C++ custom class (packed quantized weights, ...) is opaque: its class is
   * not written and its objects print as "<QUALNAME object>". */
  static bool is_custom_class(const c10::ClassTypePtr &ct) {
    return ct->name() && ct->name()->qualifiedName().rfind("__torch__.torch.classes.", 0) == 0;
  }

  void add_class(const c10::ClassTypePtr &ct, const ObjPtr &inst) {
    if (is_custom_class(ct)) return;
    std::string q = ct->name()->qualifiedName();
    if (!class_seen.insert(q).second) return;
    classes.push_back({q, ct, inst});
  }

  void collect_objects(const ObjPtr &obj) {
    add_class(obj->type(), obj);
    std::vector<Slot> slots;
    object_slots(obj, &slots);
    for (const Slot &s : slots) collect_values(obj->getAttr(s.name));
  }
  void collect_values(const IValue &v) {
    if (v.isObject()) {
      if (!is_custom_class(v.toObjectRef().type())) collect_objects(v.toObject());
    }
    else if (v.isList()) for (const IValue &e : v.toListRef()) collect_values(e);
    else if (v.isTuple()) for (const IValue &e : v.toTupleRef().elements()) collect_values(e);
    else if (v.isGenericDict())
      for (const auto &kv : v.toGenericDict()) collect_values(kv.value());
  }

  void record_constant(Node *n) {
    std::ostringstream ss;
    ss << *n;
    std::string line = ss.str();
    const std::string head = "prim::Constant[value=";
    size_t a = line.find(head), e = line.rfind("]()");
    if (a == std::string::npos || e == std::string::npos || e < a + head.size()) return;
    std::ostringstream ts;
    ts << *n->output()->type();
    std::string key = line.substr(a + head.size(), e - a - head.size()) + "|" + ts.str();
    const at::Tensor &v = n->t(c10::attr::value);
    auto it = t->const_tensors.find(key);
    if (it == t->const_tensors.end()) {
      t->const_tensors[key] = v;
    } else if (!(it->second.sizes() == v.sizes() && it->second.scalar_type() == v.scalar_type() &&
                 at::equal(it->second, v))) {
      t->const_conflicts[key] = true;
    }
  }

  void scan_graph(torch::jit::Block *b, std::vector<torch::jit::Function *> &pending_fns) {
    walk_nodes(b, [&](Node *n) {
      if (n->kind() == c10::prim::Constant && n->hasAttribute(c10::attr::value) &&
          n->kindOf(c10::attr::value) == torch::jit::AttributeKind::t)
        record_constant(n);
      auto look = [&](torch::jit::Value *v) {
        const c10::TypePtr &ty = v->type();
        if (ty->kind() == c10::TypeKind::FunctionType)
          pending_fns.push_back(ty->expectRef<c10::FunctionType>().function());
        else if (ty->kind() == c10::TypeKind::ClassType)
          add_class(ty->expect<c10::ClassType>(), ObjPtr());
      };
      for (torch::jit::Value *o : n->outputs()) look(o);
      for (torch::jit::Value *i : n->inputs()) look(i);
    });
  }

  static std::vector<std::shared_ptr<Graph>> method_graphs(const c10::ClassTypePtr &ct) {
    std::vector<std::shared_ptr<Graph>> out;
    for (torch::jit::Function *f : ct->methods()) out.push_back(torch::jit::toGraphFunction(*f).graph());
    return out;
  }

  void collect_all(const ObjPtr &root) {
    collect_objects(root);
    size_t i = 0;
    std::vector<torch::jit::Function *> pending;
    size_t pending_head = 0;
    for (;;) {
      while (i < classes.size()) {
        c10::ClassTypePtr ct = classes[i].cls;
        i++;
        for (const auto &g : method_graphs(ct)) scan_graph(g->block(), pending);
      }
      if (pending_head == pending.size()) break;
      torch::jit::Function *f = pending[pending_head++];
      std::string q = f->qualname().qualifiedName();
      if (!function_seen.insert(q).second) continue;
      functions.push_back(f);
      scan_graph(torch::jit::toGraphFunction(*f).graph()->block(), pending);
    }
  }

  static std::string join(const std::string &a, const std::string &b) {
    return a.empty() ? b : a + "." + b;
  }

  // Quantized packed weights are C++ objects torch alone can read. Their
  // tensors go into the weights dequantized to f32 (utils/t2n-dump does the
  // same), so the export and the native tools need no libtorch for them:
  //   LinearPackedParamsBase at PATH (its unpack()): PATH.weight, PATH.bias
  //   rnn.CellParamsBase at PATH (its __getstate__, a dynamically quantized
  //   LSTM/GRU cell): PATH.w_ih, PATH.w_hh, PATH.b_ih, PATH.b_hh
  // The object's field text names them: `<Q object weight=tensor("PATH.weight",
  // Float(16, 8)), bias=tensor(...)>`; -dequantize reads them from there.
  // Other custom classes stay opaque (`<Q object>`).
  static at::Tensor as_f32(const at::Tensor &w) {
    return (w.is_quantized() ? w.dequantize() : w.to(at::kFloat)).contiguous();
  }
  static bool unpack_linear(const ObjPtr &o, at::Tensor *w, at::Tensor *b) {
    torch::jit::Function *m = o->type()->findMethod("unpack");
    if (!m) return false;
    IValue r = (*m)({IValue(o)});
    if (!r.isTuple() || r.toTupleRef().elements().size() < 2) return false;
    const auto &el = r.toTupleRef().elements();
    *w = as_f32(el[0].toTensor());
    *b = el[1].isTensor() ? as_f32(el[1].toTensor()) : at::Tensor();
    return true;
  }
  static std::vector<std::pair<std::string, at::Tensor>> packed_weights(const ObjPtr &o) {
    std::vector<std::pair<std::string, at::Tensor>> out;
    const std::string q = o->type()->name()->qualifiedName();
    try {
      at::Tensor w, b;
      if (q == "__torch__.torch.classes.quantized.LinearPackedParamsBase") {
        if (!unpack_linear(o, &w, &b)) return out;
        out.emplace_back("weight", w);
        if (b.defined()) out.emplace_back("bias", b);
        return out;
      }
      if (q != "__torch__.torch.classes.rnn.CellParamsBase") return out;
      torch::jit::Function *m = o->type()->findMethod("__getstate__");
      if (!m) return out;
      IValue st = (*m)({IValue(o)});
      // (kind, tensors, doubles, longs, packed params); Python's pickler
      // wraps it as (state, class name).
      const auto &outer = st.toTupleRef().elements();
      const auto &in = outer.at(0).isTuple() ? outer.at(0).toTupleRef().elements() : outer;
      auto tensors = in.at(1).toTensorList();
      auto packed = in.at(4).toList();
      if (packed.size() != 2) return out;
      at::Tensor ws[2], bias[2];
      for (size_t k = 0; k < 2; k++)
        if (!unpack_linear(packed.get(k).toObject(), &ws[k], &bias[k])) return out;
      out.emplace_back("w_ih", ws[0]);
      out.emplace_back("w_hh", ws[1]);
      const char *bn[2] = {"b_ih", "b_hh"};
      for (size_t k = 0; k < 2; k++) {
        at::Tensor bk = tensors.size() == 2 ? as_f32(tensors.get(k)) : bias[k];
        if (bk.defined()) out.emplace_back(bn[k], bk);
      }
    } catch (const std::exception &) {
      // A packed form this torch cannot unpack stays opaque: -dequantize
      // then says the weights are missing.
      out.clear();
    }
    return out;
  }

  std::string value_text(const IValue &v, const std::string &path) {
    std::ostringstream ss;
    if (v.isNone()) return "None";
    if (v.isBool()) return v.toBool() ? "True" : "False";
    if (v.isInt()) return std::to_string(v.toInt());
    if (v.isDouble()) return format_double(v.toDouble());
    if (v.isComplexDouble()) {
      auto c = v.toComplexDouble();
      return format_double(c.real()) + "+" + format_double(c.imag()) + "j";
    }
    if (v.isString()) {
      c10::printQuotedString(ss, v.toStringRef());
      return ss.str();
    }
    if (v.isTensor()) {
      const at::Tensor &ten = v.toTensor();
      if (!ten.defined()) return "None";  // Python sees an undefined tensor as None
      if (collect) add_weight(t, path, ten);
      ss << "tensor(";
      c10::printQuotedString(ss, path);
      ss << ", " << tensor_type_text(ten) << ")";
      return ss.str();
    }
    if (v.isDevice()) {
      ss << "torch.device(";
      c10::printQuotedString(ss, v.toDevice().str());
      ss << ")";
      return ss.str();
    }
    if (v.isTuple()) {
      const auto &el = v.toTupleRef().elements();
      std::string s = "(";
      for (size_t i = 0; i < el.size(); i++) {
        if (i) s += ", ";
        s += value_text(el[i], join(path, std::to_string(i)));
      }
      if (el.size() == 1) s += ",";
      return s + ")";
    }
    if (v.isList()) {
      std::string s = "[";
      size_t i = 0;
      for (const IValue &e : v.toListRef()) {
        if (i) s += ", ";
        s += value_text(e, join(path, std::to_string(i)));
        i++;
      }
      return s + "]";
    }
    if (v.isGenericDict()) {
      std::string s = "{";
      bool first = true;
      for (const auto &kv : v.toGenericDict()) {
        if (!first) s += ", ";
        first = false;
        const IValue &k = kv.key();
        std::string ks;
        if (k.isString()) ks = k.toStringRef();
        else if (k.isBool()) ks = k.toBool() ? "True" : "False";
        else if (k.isInt()) ks = std::to_string(k.toInt());
        else if (k.isDouble()) {
          ks = format_double(k.toDouble());
          if (!ks.empty() && ks.back() == '.') ks += "0";
        } else ks = value_text(k, "");
        s += value_text(k, "") + ": " + value_text(kv.value(), join(path, ks));
      }
      return s + "}";
    }
    if (v.isObject()) {
      std::string refs;
      if (is_custom_class(v.toObjectRef().type()))
        for (const auto &nt : packed_weights(v.toObject())) {
          std::string key = join(path, nt.first);
          if (collect) add_weight(t, key, nt.second);
          std::ostringstream rs;
          c10::printQuotedString(rs, key);
          refs += (refs.empty() ? " " : ", ") + nt.first + "=tensor(" + rs.str() + ", " + tensor_type_text(nt.second) + ")";
        }
      return "<" + v.toObjectRef().type()->name()->qualifiedName() + " object" + refs + ">";
    }
    ss << v;
    return ss.str();
  }

  void print_fields(const ObjPtr &obj, const std::string &path, int level, std::string &out) {
    std::string pad(2 * level, ' ');
    std::vector<Slot> slots;
    if (!object_slots(obj, &slots)) {
      failure = "cannot find the slot names of class " + obj->type()->name()->qualifiedName();
      return;
    }
    for (const Slot &s : slots) {
      IValue v = obj->getAttr(s.name);
      std::string p = join(path, s.name);
      if (v.isObject() && !is_custom_class(v.toObjectRef().type())) {
        out += pad + "  " + name_text(s.name) + " = object " +
               v.toObjectRef().type()->name()->qualifiedName() + " {\n";
        print_fields(v.toObject(), p, level + 1, out);
        out += pad + "  }\n";
      } else {
        out += pad + "  " + name_text(s.name) + " = " + value_text(v, p) + "\n";
      }
    }
  }

  std::string run(const char *weights_name) {
    ObjPtr root = t->module._ivalue();
    collect_all(root);
    t->scanned = true;
    std::string out = "t2n module 1\n";
    {
      std::ostringstream ss;
      c10::printQuotedString(ss, weights_name ? weights_name : "");
      out += "weights " + ss.str() + "\n\n";
    }
    for (const ClassEntry &ce : classes) {
      out += "class " + ce.q + " {\n";
      std::vector<Slot> slots;
      bool ok = ce.inst ? object_slots(ce.inst, &slots) : class_slots_from_init(ce.cls, &slots);
      if (!ok) throw std::runtime_error("cannot find the slot names of class " + ce.q);
      for (const Slot &s : slots)
        out += std::string("  ") + s.kind + " " + name_text(s.name) + " : " + s.type->str() + "\n";
      for (torch::jit::Function *f : ce.cls->methods()) {
        out += "  method " + f->name() + " {\n";
        indent_lines(out, graph_text(torch::jit::toGraphFunction(*f).graph()), 4);
        out += "  }\n";
      }
      out += "}\n\n";
    }
    for (torch::jit::Function *f : functions) {
      out += "function " + f->qualname().qualifiedName() + " {\n";
      indent_lines(out, graph_text(torch::jit::toGraphFunction(*f).graph()), 2);
      out += "}\n\n";
    }
    out += "object " + root->type()->name()->qualifiedName() + " {\n";
    print_fields(root, "", 0, out);
    if (!failure.empty()) throw std::runtime_error(failure);
    out += "}\n";
    return out;
  }
};

}  // namespace

namespace t2n_torch_impl {
void collect_weights(t2n_torch *t) {
  if (t->weights_collected || !t->has_module) return;
  Exporter ex(t, true);
  ex.run("");
  t->weights_collected = true;
}

void ensure_scanned(t2n_torch *t) {
  if (t->scanned || !t->has_module) return;
  Exporter ex(t, !t->weights_collected);
  ex.run("");
  t->weights_collected = true;
}
}  // namespace t2n_torch_impl

// torch's own C++ warnings (TORCH_WARN: "[W1201 ...] ..." lines from c10's
// default handler) become the tool's warnings, each distinct one once.
namespace {
class OnceWarnings : public c10::WarningHandler {
 public:
  void process(const c10::Warning &w) override {
    try {
      std::string msg = w.msg();
      if (!seen_.insert(msg).second) return;
      std::fprintf(stderr, "%s: warning: torch: %s\n", prog_ ? prog_ : "t2n", msg.c_str());
    } catch (...) {
    }
  }
  const char *prog_ = nullptr;

 private:
  std::set<std::string> seen_;
};
}  // namespace

static void install_warning_handler(const t2n_diag *d) {
  static OnceWarnings handler;
  if (d && d->prog) handler.prog_ = d->prog;
  c10::WarningUtils::set_warning_handler(&handler);
}

extern "C" {

const char *t2n_torch_version(void) { return TORCH_VERSION; }

t2n_torch *t2n_torch_new_empty(void) {
  install_warning_handler(nullptr);
  try {
    return new t2n_torch();
  } catch (...) {
    return nullptr;
  }
}

t2n_torch *t2n_torch_open(const char *jit_path, const char *submodule, t2n_diag *d) {
  install_warning_handler(d);
  std::unique_ptr<t2n_torch> t;
  try {
    t.reset(new t2n_torch());
    t->path = jit_path;
    torch::jit::Module m = load_archive(t.get(), jit_path, d);
    if (submodule && *submodule) {
      std::string path = submodule;
      size_t i = 0;
      while (i <= path.size()) {
        size_t e = path.find('.', i);
        if (e == std::string::npos) e = path.size();
        std::string part = path.substr(i, e - i);
        if (!m.hasattr(part)) {
          error(d, "%s: no submodule '%s' (in --submodule %s)", jit_path, part.c_str(), submodule);
          return nullptr;
        }
        IValue v = m.attr(part);
        if (!v.isObject() || !v.toObject()->type()->is_module()) {
          error(d, "%s: '%s' is not a module (in --submodule %s)", jit_path, part.c_str(), submodule);
          return nullptr;
        }
        m = torch::jit::Module(v.toObject());
        i = e + 1;
      }
    }
    t->module = m;
    t->has_module = true;
    return t.release();
  } catch (const std::exception &e) {
    error(d, "%s: cannot load TorchScript archive: %s", jit_path, brief(e).c_str());
  } catch (...) {
    error(d, "%s: cannot load TorchScript archive", jit_path);
  }
  return nullptr;
}

void t2n_torch_free(t2n_torch *t) {
  try {
    delete t;
  } catch (...) {
  }
}

char *t2n_torch_export_text(t2n_torch *t, const char *weights_name, size_t *len, t2n_diag *d) {
  if (!t || !t->has_module) {
    error(d, "no TorchScript module is loaded");
    return nullptr;
  }
  try {
    Exporter ex(t, !t->weights_collected);
    std::string s = ex.run(weights_name);
    t->weights_collected = true;
    char *out = (char *)std::malloc(s.size() + 1);
    if (!out) {
      error(d, "out of memory");
      return nullptr;
    }
    std::memcpy(out, s.data(), s.size());
    out[s.size()] = 0;
    if (len) *len = s.size();
    return out;
  } catch (const std::exception &e) {
    error(d, "%s: cannot export the module: %s", t->path.c_str(), brief(e).c_str());
  } catch (...) {
    error(d, "%s: cannot export the module", t->path.c_str());
  }
  return nullptr;
}

void *t2n_torch_weights_bytes(t2n_torch *t, size_t *len, t2n_diag *d) {
  try {
    collect_weights(t);
    std::string s = safetensors_encode(t->weights);
    void *out = std::malloc(s.size() ? s.size() : 1);
    if (!out) {
      error(d, "out of memory");
      return nullptr;
    }
    std::memcpy(out, s.data(), s.size());
    if (len) *len = s.size();
    return out;
  } catch (const std::exception &e) {
    error(d, "cannot encode the weights: %s", brief(e).c_str());
  } catch (...) {
    error(d, "cannot encode the weights");
  }
  return nullptr;
}

int t2n_torch_write_weights(t2n_torch *t, const char *path, t2n_diag *d) {
  FILE *f = std::fopen(path, "wb");
  if (!f) {
    error(d, "cannot write %s: %s", path, std::strerror(errno));
    return 1;
  }
  int bad = 0;
  try {
    collect_weights(t);
    // Tensor by tensor from their storages: no copy of the whole file.
    safetensors_encode_to(t->weights, [&](const void *p, size_t n) { bad |= std::fwrite(p, 1, n, f) != n; });
  } catch (const std::exception &e) {
    std::fclose(f);
    error(d, "cannot encode the weights: %s", brief(e).c_str());
    return 1;
  }
  bad |= std::fclose(f) != 0;
  if (bad) {
    error(d, "cannot write %s", path);
    return 1;
  }
  return 0;
}

t2n_module *t2n_torch_load(const char *jit_path, const char *submodule,
                           const char *weights_name, t2n_diag *d, t2n_torch **out) {
  if (out) *out = nullptr;
  t2n_torch *t = t2n_torch_open(jit_path, submodule, d);
  if (!t) return nullptr;
  // Default weights name: what `t2n-dump MODEL.jit -o MODEL.t2n` writes.
  std::string wname;
  try {
  if (weights_name) {
    wname = weights_name;
  } else {
    wname = jit_path;
    size_t slash = wname.rfind('/');
    if (slash != std::string::npos) wname = wname.substr(slash + 1);
    size_t dot = wname.rfind('.');
    if (dot != std::string::npos && dot > 0) wname.resize(dot);
    wname += ".safetensors";
  }
  } catch (...) {
    error(d, "out of memory");
    t2n_torch_free(t);
    return nullptr;
  }
  size_t len = 0;
  char *text = t2n_torch_export_text(t, wname.c_str(), &len, d);
  if (!text) {
    t2n_torch_free(t);
    return nullptr;
  }
  t2n_module *m = t2n_parse(text, len, jit_path, d);
  std::free(text);
  if (!m || !out) t2n_torch_free(t);
  else *out = t;
  return m;
}

int t2n_torch_read_weights(t2n_torch *t, const char *path, t2n_diag *d) {
  try {
    FILE *f = std::fopen(path, "rb");
    if (!f) {
      error(d, "cannot read %s: %s", path, std::strerror(errno));
      return 1;
    }
    std::string bytes;
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.append(buf, n);
    std::fclose(f);
    std::vector<std::pair<std::string, at::Tensor>> ts;
    std::string err;
    if (!safetensors_decode(bytes, &ts, &err)) {
      error(d, "%s: not a safetensors file: %s", path, err.c_str());
      return 1;
    }
    for (auto &kv : ts) add_weight(t, kv.first, kv.second);
    t->weights_collected = true;
    return 0;
  } catch (const std::exception &e) {
    error(d, "%s: %s", path, brief(e).c_str());
  } catch (...) {
    error(d, "%s: cannot read weights", path);
  }
  return 1;
}

}  // extern "C"
