// Evaluate: build a torch::jit::Graph from a t2n graph node by node and run
// it through torch's interpreter. Class types and `self` come from the loaded
// archive; functions called through prim::CallFunction are built from the
// t2n module's own function graphs.
// The value syntax is read in EvalLiteral.cpp; the values of runs are
// compared, printed and written in EvalValues.cpp.
#include "EvalCommon.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/custom_class.h>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <c10/util/StringUtil.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <sstream>
#include <unordered_map>

using c10::IValue;
using c10::TypePtr;
using torch::jit::Graph;
using torch::jit::Node;
using torch::jit::Value;
using namespace t2n_torch_impl;

namespace {

// ---- building torch graphs from t2n graphs ----

struct Builder {
  t2n_torch *t;
  t2n_module *m;
  std::unordered_map<const t2n_graph *, torch::jit::Function *> functions;
  std::vector<const t2n_graph *> building;
  bool tuple_outputs = false;  // set by build() when it packed the outputs
  static inline unsigned counter = 0;
  // Without an archive, module text classes are rebuilt for each run in a
  // compilation unit of their own (methods may have changed between runs).
  std::shared_ptr<torch::jit::CompilationUnit> run_cu;
  std::unordered_map<std::string, c10::ClassTypePtr> text_classes;

  Builder(t2n_torch *t, t2n_module *m) : t(t), m(m) {}

  bool text_mode() const {
    return !t->has_module && m && m->kind == T2N_TEXT_T2N && m->nclasses > 0;
  }

  static bool looks_like_module(const t2n_class *c) {
    for (int i = 0; i < c->nslots; i++)
      if (c->slots[i].kind != T2N_SLOT_ATTR || std::strcmp(c->slots[i].name, "training") == 0)
        return true;
    return false;
  }

  // Classes of the module text as torch ClassTypes: slots, then methods built
  // from the (possibly transformed) t2n method graphs.
  void prepare_text_classes() {
    run_cu = std::make_shared<torch::jit::CompilationUnit>();
    for (int i = 0; i < m->nclasses; i++) {
      const t2n_class *c = m->classes[i];
      auto ct = c10::ClassType::create(c10::QualifiedName(c->name), run_cu, looks_like_module(c));
      run_cu->register_type(ct);
      text_classes[c->name] = ct;
    }
    for (int i = 0; i < m->nclasses; i++) {
      const t2n_class *c = m->classes[i];
      auto ct = text_classes[c->name];
      for (int k = 0; k < c->nslots; k++) {
        const t2n_slot &sl = c->slots[k];
        ct->addAttribute(sl.name, type(sl.type), sl.kind == T2N_SLOT_PARAM && ct->is_module(),
                         sl.kind == T2N_SLOT_BUFFER && ct->is_module());
      }
    }
    for (int i = 0; i < m->nclasses; i++) {
      const t2n_class *c = m->classes[i];
      auto ct = text_classes[c->name];
      for (int k = 0; k < c->nmethods; k++) {
        bool saved = tuple_outputs;
        std::shared_ptr<Graph> g = build(c->methods[k].graph, nullptr, nullptr, /*pack=*/false);
        tuple_outputs = saved;
        torch::jit::Function *fn = run_cu->create_function(
            c10::QualifiedName(c10::QualifiedName(c->name), c->methods[k].name), g);
        ct->addMethod(fn);
      }
    }
  }

  // The module object of the text (fields parsed; tensors from the weights).
  IValue make_object(const t2n_object *o) {
    auto it = text_classes.find(o->qualname);
    if (it == text_classes.end()) fail(std::string("no class ") + o->qualname + " in the module text");
    c10::ClassTypePtr ct = it->second;
    auto obj = c10::ivalue::Object::create(c10::StrongTypePtr(run_cu, ct), ct->numAttributes());
    for (int i = 0; i < o->nfields; i++) {
      const t2n_field &f = o->fields[i];
      auto slot = ct->findAttributeSlot(f.name);
      if (!slot) fail(std::string("class ") + o->qualname + " has no slot '" + f.name + "'");
      IValue v;
      if (f.obj) {
        v = make_object(f.obj);
      } else if (f.raw) {
        try {
          v = parse_value(f.raw, t, ct->getAttribute(*slot));
        } catch (const EvalError &) {
          v = IValue();  // an opaque value (<Q object>): left None
        }
      }
      obj->setSlot(*slot, std::move(v));
    }
    return IValue(obj);
  }

  std::shared_ptr<torch::jit::CompilationUnit> module_cu() {
    if (!t->has_module) return nullptr;
    return t->module._ivalue()->compilation_unit();
  }

  TypePtr named_type(const std::string &q) {
    auto tc = text_classes.find(q);
    if (tc != text_classes.end()) return tc->second;
    auto cu = module_cu();
    if (cu) {
      if (auto c = cu->get_class(c10::QualifiedName(q))) return c;
      if (auto nt = cu->get_type(c10::QualifiedName(q))) return nt;
    }
    if (auto c = t->cu->get_class(c10::QualifiedName(q))) return c;
    // C++ custom classes (quantized packed weights: LinearPackedParamsBase,
    // rnn.CellParamsBase, ...) live in torch's own registry, which libtorch
    // fills when it loads, not in any compilation unit.
    if (q.rfind("__torch__.torch.classes.", 0) == 0)
      if (auto c = torch::getCustomClass(q)) return c;
    fail("class " + q + " is not known to torch" +
         (t->has_module ? std::string(" (not in ") + t->path + ")"
                        : std::string(" (load the .jit to evaluate module graphs)")));
  }

  TypePtr type(const t2n_type *ty) {
    if (!ty) return c10::AnyType::get();
    auto elem = [&](int i) { return type(ty->elems[i]); };
    std::string name = ty->name ? ty->name : "";
    switch (ty->kind) {
    case T2N_TY_TENSOR:
      return c10::TensorType::get();
    case T2N_TY_SCALAR: {
      static const std::unordered_map<std::string, std::function<TypePtr()>> leaves = {
          {"int", [] { return c10::IntType::get(); }},
          {"float", [] { return c10::FloatType::get(); }},
          {"bool", [] { return c10::BoolType::get(); }},
          {"str", [] { return c10::StringType::get(); }},
          {"complex", [] { return c10::ComplexType::get(); }},
          {"NoneType", [] { return c10::NoneType::get(); }},
          {"Device", [] { return c10::DeviceObjType::get(); }},
          {"Stream", [] { return c10::StreamObjType::get(); }},
          {"Generator", [] { return c10::GeneratorType::get(); }},
          {"Scalar", [] { return c10::NumberType::get(); }},
          {"number", [] { return c10::NumberType::get(); }},
          {"Any", [] { return c10::AnyType::get(); }},
          {"SymInt", [] { return c10::IntType::get(); }},
          {"SymFloat", [] { return c10::FloatType::get(); }},
          {"SymBool", [] { return c10::BoolType::get(); }},
          {"Capsule", [] { return c10::CapsuleType::get(); }},
          {"ScalarType", [] { return c10::IntType::get(); }},
          {"Layout", [] { return c10::IntType::get(); }},
          {"MemoryFormat", [] { return c10::IntType::get(); }},
          {"QScheme", [] { return c10::IntType::get(); }},
          {"Storage", [] { return c10::StorageType::get(); }},
          {"AnyEnumType", [] { return c10::AnyEnumType::get(); }},
          {"AnyClassType", [] { return c10::AnyClassType::get(); }},
          {"AnyListType", [] { return c10::AnyListType::get(); }},
          {"AnyTupleType", [] { return c10::AnyTupleType::get(); }},
          {"list", [] { return c10::AnyListType::get(); }},
          {"tuple", [] { return c10::AnyTupleType::get(); }},
      };
      auto it = leaves.find(name);
      if (it != leaves.end()) return it->second();
      fail("type " + std::string(ty->text) + " is not supported by the torch backend");
    }
    case T2N_TY_LIST:
      return c10::ListType::create(elem(0));
    case T2N_TY_OPTIONAL:
      return c10::OptionalType::create(elem(0));
    case T2N_TY_TUPLE: {
      std::vector<TypePtr> el;
      for (int i = 0; i < ty->nelems; i++) el.push_back(elem(i));
      if (ty->field_names) {
        std::vector<std::string> names;
        for (int i = 0; i < ty->nelems; i++) names.push_back(ty->field_names[i]);
        return c10::TupleType::createNamed(std::nullopt, names, el);
      }
      return c10::TupleType::create(el);
    }
    case T2N_TY_DICT:
      return c10::DictType::create(elem(0), elem(1));
    case T2N_TY_UNION: {
      std::vector<TypePtr> el;
      for (int i = 0; i < ty->nelems; i++) el.push_back(elem(i));
      return c10::UnionType::create(el);
    }
    case T2N_TY_GENERIC:
      if (name == "Future" && ty->nelems == 1) return c10::FutureType::create(elem(0));
      if (name == "RRef" && ty->nelems == 1) return c10::RRefType::create(elem(0));
      if (name == "Await" && ty->nelems == 1) return c10::AwaitType::create(elem(0));
      if (name == "Enum" && ty->nelems == 1) { /* Enum<__torch__.M.Color>: the module's enum type */
        const t2n_type *e = ty->elems[0];
        return named_type(e->name ? e->name : e->text);
      }
      if (name == "NamedTuple") {
        std::vector<TypePtr> el;
        std::vector<std::string> names;
        for (int i = 0; i < ty->nelems; i++) {
          el.push_back(elem(i));
          names.push_back(ty->field_names ? ty->field_names[i] : "_" + std::to_string(i));
        }
        return c10::TupleType::createNamed(std::nullopt, names, el);
      }
      fail("type " + std::string(ty->text) + " is not supported by the torch backend");
    case T2N_TY_CLASS:
      return named_type(name.empty() ? ty->text : name);
    }
    fail("unknown type kind");
  }

  torch::jit::Function *function_for(const char *short_name) {
    if (!m) fail(std::string("prim::CallFunction of '") + short_name + "' needs the module's functions");
    t2n_function *f = t2n_module_function_by_short_name(m, short_name);
    if (!f) fail(std::string("no function named '") + short_name + "' in the module");
    auto it = functions.find(f->graph);
    if (it != functions.end()) return it->second;
    for (const t2n_graph *g : building)
      if (g == f->graph) fail(std::string("recursive call of function ") + f->name);
    building.push_back(f->graph);
    bool saved = tuple_outputs;
    std::shared_ptr<Graph> g = build(f->graph, nullptr, nullptr);
    tuple_outputs = saved;
    building.pop_back();
    std::string q = std::string("__t2n_eval") + std::to_string(counter++) + "." + f->name;
    torch::jit::Function *fn = t->cu->create_function(c10::QualifiedName(q), g);
    functions[f->graph] = fn;
    return fn;
  }

  using ValueMap = std::unordered_map<const t2n_value *, Value *>;

  Value *lookup(ValueMap &vm, const t2n_value *v) {
    auto it = vm.find(v);
    if (it == vm.end()) fail(std::string("value %") + (v->name ? v->name : "?") + " is used before it is defined");
    return it->second;
  }

  static void set_name(Value *v, const char *name) {
    if (!name || !*name) return;
    bool numeric = true;
    for (const char *c = name; *c; c++)
      if (!std::isdigit((unsigned char)*c)) numeric = false;
    if (numeric) return;
    try {
      v->setDebugName(name);
    } catch (...) {
    }
  }

  void set_attr(Node *n, const t2n_attr &a, const t2n_node *tn) {
    c10::Symbol s = c10::Symbol::attr(a.name);
    switch (a.kind) {
    case T2N_ATTR_INT: n->i_(s, a.i); return;
    case T2N_ATTR_FLOAT: n->f_(s, a.f); return;
    case T2N_ATTR_STRING: n->s_(s, std::string(a.s, a.slen)); return;
    default: break;
    }
    IValue v = parse_value(a.raw, t, nullptr);
    if (v.isTensor()) {
      n->t_(s, v.toTensor());
    } else if (v.isList()) {
      auto l = v.toList();
      auto et = l.elementType();
      if (et->kind() == c10::TypeKind::IntType) n->is_(s, v.toIntVector());
      else if (et->kind() == c10::TypeKind::FloatType) n->fs_(s, v.toDoubleVector());
      else if (et->kind() == c10::TypeKind::StringType) {
        std::vector<std::string> ss;
        for (const IValue &x : v.toListRef()) ss.push_back(x.toStringRef());
        n->ss_(s, ss);
      } else {
        n->ival_(s, v);
      }
    } else {
      n->ival_(s, v);
    }
  }

  void build_constant(const t2n_node *tn, torch::jit::Block *b, ValueMap &vm) {
    const t2n_value *out = tn->outputs[0];
    const t2n_attr *fname = t2n_node_attr(tn, "name");
    if (fname && out->type && t2n_type_is(out->type, "Function")) {
      torch::jit::Function *fn = function_for(fname->s ? fname->s : fname->raw);
      Node *n = b->owningGraph()->create(c10::prim::Constant, 1);
      n->s_(c10::attr::name, fn->name());
      n->output()->setType(c10::FunctionType::create(fn));
      b->appendNode(n);
      vm[out] = n->output();
      return;
    }
    TypePtr ty = type(out->type);
    const t2n_attr *val = t2n_node_attr(tn, "value");
    IValue v;
    bool exact = false;
    if (val && out->type && out->type->kind == T2N_TY_TENSOR && out->type->text) {
      std::string key = std::string(val->raw) + "|" + out->type->text;
      auto it = t->const_tensors.find(key);
      if (it != t->const_tensors.end() && !t->const_conflicts.count(key)) {
        v = IValue(it->second);
        exact = true;
      }
    }
    if (val && !exact && out->type && out->type->kind == T2N_TY_TENSOR) {
      at::Tensor small;
      if (parse_printed_tensor(val->raw, &small)) {
        v = IValue(small);
        exact = true;
      }
    }
    if (val && !exact) {
      if (val->raw[0] == '<' || (val->raw[0] != '{' && val->raw[0] != 't' && ty->kind() == c10::TypeKind::TensorType))
        fail(std::string("the tensor constant %") + out->name + " = " + val->raw +
             " is printed without its data; evaluate it with the archive it came from");
      v = parse_value(val->raw, t, ty);
      if (v.isTensor() && out->type && out->type->kind == T2N_TY_TENSOR && out->type->rank >= 0 &&
          v.toTensor().numel() == 1) {
        std::vector<int64_t> sizes(out->type->sizes, out->type->sizes + out->type->rank);
        bool known = true;
        for (int64_t x : sizes) known &= x >= 0;
        if (known) v = IValue(v.toTensor().reshape(sizes));  // {2} of a Float(1, 1) constant
      }
    }
    if (v.isNone() && ty->kind() != c10::TypeKind::NoneType) {
      // prim::Constant() of an Optional type: keep the declared type
      Node *n = b->owningGraph()->create(c10::prim::Constant, 1);
      n->output()->setType(c10::NoneType::get());
      b->appendNode(n);
      vm[out] = n->output();
      return;
    }
    Graph &g = *b->owningGraph();
    torch::jit::WithInsertPoint guard(b);
    std::optional<Value *> r = torch::jit::tryInsertConstant(g, v);
    if (!r) fail(std::string("cannot make a torch constant of %") + out->name + " = " +
                 (val ? val->raw : "None"));
    vm[out] = *r;
  }

  void build_block(const t2n_block *tb, torch::jit::Block *b, ValueMap &vm) {
    Graph *g = b->owningGraph();
    for (const t2n_node *tn = tb->first; tn; tn = tn->next) {
      if (tn->pyop_args) fail(std::string("python operator ") + tn->kind + " cannot be evaluated");
      if (t2n_node_is(tn, "prim::Constant") && tn->noutputs == 1) {
        build_constant(tn, b, vm);
        set_name(vm[tn->outputs[0]], tn->outputs[0]->name);
        continue;
      }
      Node *n = g->create(c10::Symbol::fromQualString(tn->kind), tn->noutputs);
      for (int i = 0; i < tn->ninputs; i++) n->addInput(lookup(vm, tn->inputs[i]));
      for (int i = 0; i < tn->nattrs; i++) set_attr(n, tn->attrs[i], tn);
      if (tn->subgraph) {
        // prim::fork and friends: `with prim::fork_0 = graph(...)`
        bool saved = tuple_outputs;
        std::shared_ptr<Graph> sub = build(tn->subgraph, nullptr, nullptr, /*pack=*/false);
        tuple_outputs = saved;
        n->g_(c10::attr::Subgraph, sub);
      }
      for (int i = 0; i < tn->noutputs; i++) {
        Value *o = n->output(i);
        o->setType(type(tn->outputs[i]->type));
        set_name(o, tn->outputs[i]->name);
        vm[tn->outputs[i]] = o;
      }
      b->appendNode(n);
      for (int k = 0; k < tn->nblocks; k++) {
        const t2n_block *tsb = tn->blocks[k];
        torch::jit::Block *sb = n->addBlock();
        for (int i = 0; i < tsb->nparams; i++) {
          Value *p = sb->addInput();
          p->setType(type(tsb->params[i]->type));
          set_name(p, tsb->params[i]->name);
          vm[tsb->params[i]] = p;
        }
        build_block(tsb, sb, vm);
      }
    }
    if (tb->ret)
      for (int i = 0; i < tb->ret->ninputs; i++) b->registerOutput(lookup(vm, tb->ret->inputs[i]));
  }

  // Builds g; `extra` (may be null) becomes one more graph output.
  std::shared_ptr<Graph> build(const t2n_graph *tg, const t2n_value *extra, ValueMap *out_map,
                               bool pack = true) {
    auto g = std::make_shared<Graph>();
    ValueMap vm;
    const t2n_block *top = tg->top;
    for (int i = 0; i < top->nparams; i++) {
      Value *p = g->addInput();
      const t2n_value *tp = top->params[i];
      if (tp->nuses == 0 && tp->type && tp->type->kind == T2N_TY_CLASS && !t->has_module)
        p->setType(c10::AnyType::get());  // an unused self of a frozen graph
      else
        p->setType(type(tp->type));
      set_name(p, top->params[i]->name);
      vm[top->params[i]] = p;
    }
    build_block(top, g->block(), vm);
    if (extra) {
      // Only the value asked for: a graph run as a function has one output.
      while (!g->outputs().empty()) g->eraseOutput(g->outputs().size() - 1);
      g->registerOutput(lookup(vm, extra));
    } else if (pack && g->outputs().size() != 1) {
      // Several (or no) outputs travel as one tuple; run_graph unpacks it.
      Node *tup = g->createTuple(g->outputs());
      g->appendNode(tup);
      while (!g->outputs().empty()) g->eraseOutput(g->outputs().size() - 1);
      g->registerOutput(tup->output());
      tuple_outputs = true;
    }
    if (out_map) *out_map = vm;
    return g;
  }
};

// ---- inputs ----

std::string strip_suffix(const std::string &n) {
  size_t dot = n.rfind('.');
  if (dot == std::string::npos || dot + 1 == n.size()) return n;
  for (size_t i = dot + 1; i < n.size(); i++)
    if (!std::isdigit((unsigned char)n[i])) return n;
  return n.substr(0, dot);
}

at::ScalarType scalar_type_of(t2n_dtype dt) {
  if (dt == T2N_DT_UNKNOWN) return at::kFloat;
  return static_cast<at::ScalarType>((int)dt);  // same numbering as torch
}

IValue make_tensor(const t2n_example *ex, const t2n_type *ty, at::Generator &gen) {
  at::ScalarType st;
  std::vector<int64_t> sizes;
  if (ex) {
    st = scalar_type_of(ex->dtype);
    sizes.assign(ex->sizes, ex->sizes + ex->rank);
  } else {
    st = scalar_type_of(ty->dtype);
    sizes.assign(ty->sizes, ty->sizes + ty->rank);
  }
  auto opts = at::TensorOptions().dtype(st);
  if (ex && ex->data) {
    at::Tensor r = at::empty(sizes, opts);
    size_t nbytes = r.numel() * r.element_size();
    if (nbytes != ex->nbytes)
      fail(std::string("example input '") + ex->name + "' has " + std::to_string(ex->nbytes) +
           " bytes of data, its shape needs " + std::to_string(nbytes));
    if (nbytes) std::memcpy(r.data_ptr(), ex->data, nbytes);
    return IValue(r);
  }
  if (at::isFloatingType(st) || at::isComplexType(st))
    return IValue(at::randn(sizes, gen, opts.dtype(at::kDouble)).to(st));
  if (st == at::kBool) return IValue(at::randint(0, 2, sizes, gen, opts.dtype(at::kLong)).to(st));
  return IValue(at::randint(0, 10, sizes, gen, opts.dtype(at::kLong)).to(st));
}

bool complete_tensor_type(const t2n_type *ty) {
  if (!ty || ty->kind != T2N_TY_TENSOR || ty->rank < 0 || ty->dtype == T2N_DT_UNKNOWN) return false;
  for (int i = 0; i < ty->rank; i++)
    if (ty->sizes[i] < 0) return false;
  return true;
}

IValue fresh_copy(t2n_torch *t, const IValue &v, bool is_self) {
  if (is_self) return IValue(t->module.deepcopy()._ivalue());
  if (v.isTensor()) return IValue(v.toTensor().clone());
  if (v.isList() || v.isTuple() || v.isGenericDict() || v.isObject()) return v.deepcopy();
  return v;
}

std::vector<IValue> run_graph(t2n_torch *t, Builder &b, const std::shared_ptr<Graph> &g,
                              const t2n_torch_values *inputs, bool tuple_outputs) {
  static bool configured = false;
  if (!configured) {
    // Run graphs as written: no executor optimizations, no profiling runs.
    torch::jit::setGraphExecutorOptimize(false);
    configured = true;
  }
  at::NoGradGuard no_grad;
  torch::jit::Stack stack;
  for (size_t i = 0; i < inputs->values.size(); i++) {
    if (inputs->is_self[i] && !t->has_module) {
      if (b.text_mode() && b.m->root) stack.push_back(b.make_object(b.m->root));
      else if (g->inputs()[i]->uses().empty()) stack.push_back(IValue());
      else fail("graph input self needs the module (a .jit or t2n module text)");
    } else {
      stack.push_back(fresh_copy(t, inputs->values[i], inputs->is_self[i]));
    }
  }
  if (stack.size() != g->inputs().size())
    fail("the graph has " + std::to_string(g->inputs().size()) + " inputs, " +
         std::to_string(stack.size()) + " were given");
  torch::jit::GraphFunction fn(c10::QualifiedName("__t2n_eval.graph"), g, nullptr,
                               torch::jit::ExecutorExecutionMode::SIMPLE);
  fn.run(stack);
  if (tuple_outputs && stack.size() == 1 && stack[0].isTuple()) {
    auto el = stack[0].toTupleRef().elements();
    return std::vector<IValue>(el.begin(), el.end());
  }
  return std::vector<IValue>(stack.begin(), stack.end());
}

// A graph input named "self.a.b" (an attribute lifted into an input by
// -lift-state) defaults to the module's value of a.b: from the archive's
// object, or from the module text's object tree.
bool lifted_state(t2n_torch *t, const t2n_graph *g, const std::string &name, const t2n_type *ty,
                  IValue *out) {
  std::string path = name;
  if (path.compare(0, 5, "self.") != 0) return false;
  for (int attempt = 0; attempt < 2; attempt++) {
    std::vector<std::string> parts;
    size_t i = 5;
    while (i <= path.size()) {
      size_t e = path.find('.', i);
      if (e == std::string::npos) e = path.size();
      parts.push_back(path.substr(i, e - i));
      i = e + 1;
    }
    if (t && t->has_module) {
      IValue cur(t->module._ivalue());
      bool ok = true;
      for (const std::string &part : parts) {
        if (!cur.isObject() || !cur.toObjectRef().type()->hasAttribute(part)) {
          ok = false;
          break;
        }
        cur = cur.toObjectRef().getAttr(part);
      }
      if (ok) {
        *out = cur.isTensor() ? IValue(cur.toTensor().clone()) : cur.deepcopy();
        return true;
      }
    } else if (g->mod && g->mod->kind == T2N_TEXT_T2N && g->mod->root) {
      const t2n_object *o = g->mod->root;
      const t2n_field *f = nullptr;
      for (size_t k = 0; k < parts.size() && o; k++) {
        f = t2n_object_field(o, parts[k].c_str());
        if (!f) break;
        o = k + 1 < parts.size() ? f->obj : nullptr;
      }
      if (f && f->raw && !f->obj) {
        Builder b(t, g->mod);
        try {
          *out = parse_value(f->raw, t, b.type(ty));
          return true;
        } catch (const EvalError &) {
        }
      }
    }
    std::string stripped = strip_suffix(path);
    if (stripped == path) break;
    path = stripped;
  }
  return false;
}

}  // namespace

extern "C" {

t2n_torch_values *t2n_torch_make_inputs(t2n_torch *t, const t2n_graph *g, const t2n_example *ex,
                                        int nex, uint64_t seed, t2n_diag *d) {
  return guarded(d, "making example inputs", [&]() -> t2n_torch_values * {
    std::unique_ptr<t2n_torch_values> vs(new t2n_torch_values());
    const t2n_block *top = g->top;
    for (int i = 0; i < top->nparams; i++) {
      const t2n_value *p = top->params[i];
      std::string name = p->name ? p->name : std::to_string(i);
      vs->names.push_back(name);
      const t2n_type *ty = p->type;
      if (i == 0 && ty && ty->kind == T2N_TY_CLASS && p->nuses == 0 && (!t || !t->has_module)) {
        vs->values.push_back(IValue());  // unused self (frozen graph)
        vs->is_self.push_back(1);
        continue;
      }
      if (i == 0 && ty && ty->kind == T2N_TY_CLASS) {
        if (!t) fail("no torch backend handle");
        vs->values.push_back(IValue());
        vs->is_self.push_back(1);
        continue;
      }
      vs->is_self.push_back(0);
      IValue lifted;
      const t2n_example *e = nullptr;
      for (int k = 0; k < nex && !e; k++)
        if (ex[k].name && name == ex[k].name) e = &ex[k];
      for (int k = 0; k < nex && !e; k++)
        if (ex[k].name && strip_suffix(name) == ex[k].name) e = &ex[k];
      std::string tytext = ty && ty->text ? ty->text : "?";
      // Each random input draws from its own generator, seeded by the seed
      // and the input's name, so adding or removing other inputs (passes
      // lift state into inputs) leaves its values alone.
      std::string key = e ? std::string(e->name) : strip_suffix(name);
      uint64_t h = 1469598103934665603ull;
      for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
      at::Generator gen = at::detail::createCPUGenerator(seed ^ h);
      if (e && e->is_tensor) {
        vs->values.push_back(make_tensor(e, ty, gen));
      } else if (e && e->is_scalar_value) {
        if (e->is_none) vs->values.push_back(IValue());
        else if (ty && t2n_type_is(ty, "bool")) vs->values.push_back(IValue(e->ival != 0));
        else if (ty && t2n_type_is(ty, "float"))
          vs->values.push_back(IValue(e->scalar_is_float ? e->fval : (double)e->ival));
        else if (ty && t2n_type_is_tensor(ty)) {
          at::Tensor r = e->scalar_is_float ? at::scalar_tensor(e->fval, at::kFloat)
                                            : at::scalar_tensor(e->ival, at::kLong);
          vs->values.push_back(IValue(r));
        } else if (e->scalar_is_float) vs->values.push_back(IValue(e->fval));
        else vs->values.push_back(IValue(e->ival));
      } else if (lifted_state(t, g, name, ty, &lifted)) {
        vs->values.push_back(lifted);  // a lifted attribute: the module's value
      } else if (complete_tensor_type(ty)) {
        vs->values.push_back(make_tensor(nullptr, ty, gen));
      } else if (ty && (ty->kind == T2N_TY_OPTIONAL || t2n_type_is(ty, "NoneType"))) {
        vs->values.push_back(IValue());
      } else {
        fail("no example input for graph input %" + name + " : " + tytext +
             " (give --input-shape, --input-value or --example-inputs)");
      }
    }
    return vs.release();
  });
}

t2n_torch_values *t2n_torch_run(t2n_torch *t, t2n_module *m, t2n_graph *g,
                                const t2n_torch_values *inputs, t2n_diag *d) {
  return guarded(d, "evaluating the graph with libtorch", [&]() -> t2n_torch_values * {
    if (!t) fail("no torch backend handle");
    ensure_scanned(t);
    Builder b(t, m);
    if (b.text_mode()) b.prepare_text_classes();
    std::shared_ptr<Graph> tg = b.build(g, nullptr, nullptr);
    std::vector<IValue> outs = run_graph(t, b, tg, inputs, b.tuple_outputs);
    std::unique_ptr<t2n_torch_values> vs(new t2n_torch_values());
    const t2n_node *ret = g->top->ret;
    for (size_t i = 0; i < outs.size(); i++) {
      std::string name = ret && (int)i < ret->ninputs && ret->inputs[i]->name
                             ? ret->inputs[i]->name
                             : "output." + std::to_string(i);
      vs->names.push_back(name);
      vs->values.push_back(outs[i]);
      vs->is_self.push_back(0);
    }
    return vs.release();
  });
}

t2n_torch_values *t2n_torch_run_method(t2n_torch *t, const char *method,
                                       const t2n_torch_values *inputs, t2n_diag *d) {
  return guarded(d, "running the archive's own method", [&]() -> t2n_torch_values * {
    if (!t || !t->has_module) fail("no TorchScript module is loaded");
    static bool configured = false;
    if (!configured) {
      torch::jit::setGraphExecutorOptimize(false);
      configured = true;
    }
    at::NoGradGuard no_grad;
    torch::jit::Module copy = t->module.deepcopy();
    auto fn = copy.find_method(method);
    if (!fn) fail(std::string("the module has no method '") + method + "'");
    std::vector<IValue> args;
    for (size_t i = 0; i < inputs->values.size(); i++) {
      if (inputs->is_self[i]) continue;
      args.push_back(fresh_copy(t, inputs->values[i], false));
    }
    IValue r = (*fn)(args);
    std::unique_ptr<t2n_torch_values> vs(new t2n_torch_values());
    vs->names.push_back("output.0");
    vs->values.push_back(r);
    vs->is_self.push_back(0);
    return vs.release();
  });
}

int t2n_torch_eval_value(t2n_torch *t, t2n_module *m, t2n_graph *g, const t2n_value *v,
                         const t2n_torch_values *inputs, t2n_torch_scalar *out, t2n_diag *d) {
  int rc = guarded(d, "evaluating a value with libtorch", [&]() -> int {
    if (!t) fail("no torch backend handle");
    const t2n_block *owner = v->def ? v->def->parent : v->param_of;
    if (owner != g->top)
      fail(std::string("%") + (v->name ? v->name : "?") + " is not defined in the graph's top block");
    ensure_scanned(t);
    Builder b(t, m);
    if (b.text_mode()) b.prepare_text_classes();
    std::shared_ptr<Graph> tg = b.build(g, v, nullptr);
    std::vector<IValue> outs = run_graph(t, b, tg, inputs, false);
    if (outs.empty()) fail("the run gave no outputs");
    IValue r = outs.back();
    out->kind = t2n_torch_scalar::T2N_TS_OTHER;
    out->i = 0;
    out->f = 0;
    if (r.isTensor()) {
      at::Tensor x = r.toTensor();
      if (!x.defined() || x.numel() != 1) fail("the value is a tensor with more than one element");
      if (x.scalar_type() == at::kBool) r = IValue(x.item<bool>());
      else if (at::isFloatingType(x.scalar_type())) r = IValue(x.item<double>());
      else if (at::isIntegralType(x.scalar_type(), false)) r = IValue(x.item<int64_t>());
    }
    if (r.isNone()) out->kind = t2n_torch_scalar::T2N_TS_NONE;
    else if (r.isBool()) {
      out->kind = t2n_torch_scalar::T2N_TS_BOOL;
      out->i = r.toBool();
    } else if (r.isInt()) {
      out->kind = t2n_torch_scalar::T2N_TS_INT;
      out->i = r.toInt();
    } else if (r.isDouble()) {
      out->kind = t2n_torch_scalar::T2N_TS_FLOAT;
      out->f = r.toDouble();
    }
    return 1;
  });
  return rc ? 0 : 1;
}

}  // extern "C"
