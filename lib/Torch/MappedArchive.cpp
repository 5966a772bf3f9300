// Loading a TorchScript archive without reading its tensors into memory.
//
// torch::jit::load reads every tensor record (<archive>/data/<key>) into a
// buffer of its own: a model of gigabytes costs gigabytes of memory before
// anything is done with it. But torch's zip writer stores those records
// uncompressed at 64-byte aligned offsets, so a private mapping of the file
// already holds each storage's bytes, suitably aligned. Here torch reads the
// archive through a ReadAdapterInterface over that mapping; reads of tensor
// records are left undone (torch's miniz is built without CRC checks, so it
// never looks at the bytes), which leaves their buffers untouched, costing
// no memory. Once the module is built, every storage of the object tree gets
// a DataPtr into the mapping in place of its empty buffer: the tensors (views
// and tied weights included, as they share the storage) then read the file's
// pages as they are used, and the exporter streams them from there
// (t2n_torch_weights).
//
// Anything the object tree cannot reach after the load would be left without
// its data, so the archive is read the ordinary way instead when a class
// restores itself with __setstate__ (which reads its tensors while loading,
// e.g. quantized packed parameters), when a tensor record is compressed or
// unaligned, or when a deferred buffer is not found in the tree; a remark
// says why.
#include "TorchCommon.h"

#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>
#include <torch/csrc/jit/serialization/import.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

namespace t2n_torch_impl {

struct ArchiveMap {
  unsigned char *base = nullptr;
  size_t size = 0;
  // The tensor records served from the mapping: data offset -> size.
  std::unordered_map<uint64_t, uint64_t> records;
  bool defer = false;  // reads of those records are left undone
  std::mutex mu;
  // The buffers torch allocated for deferred records -> the record's offset.
  std::unordered_map<const void *, uint64_t> pending;
  ~ArchiveMap() {
    if (base) munmap(base, size);
  }
};

namespace {

// Tensor records smaller than this are simply copied: the saving is nil and
// the small ones are numerous.
constexpr uint64_t kMinDeferred = 4096;

class MappedAdapter : public caffe2::serialize::ReadAdapterInterface {
 public:
  explicit MappedAdapter(std::shared_ptr<ArchiveMap> m) : m_(std::move(m)) {}
  size_t size() const override { return m_->size; }
  size_t read(uint64_t pos, void *buf, size_t n, const char *) const override {
    if (pos >= m_->size) return 0;
    if (n > m_->size - pos) n = m_->size - pos;
    if (m_->defer && n >= kMinDeferred) {
      auto it = m_->records.find(pos);
      if (it != m_->records.end() && it->second == n) {
        std::lock_guard<std::mutex> g(m_->mu);
        m_->pending[buf] = pos;
        return n;
      }
    }
    std::memcpy(buf, m_->base + pos, n);
    return n;
  }

 private:
  std::shared_ptr<ArchiveMap> m_;
};

uint64_t le(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

bool all_digits(const std::string &s, size_t from) {
  if (from >= s.size()) return false;
  for (size_t i = from; i < s.size(); i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

bool record_has(caffe2::serialize::PyTorchStreamReader &r, const std::string &name, const char *needle) {
  auto rec = r.getRecord(name);
  const char *p = (const char *)std::get<0>(rec).get();
  size_t n = std::get<1>(rec), k = std::strlen(needle);
  return p && std::search(p, p + n, needle, needle + k) != p + n;
}

// Fills m->records with the tensor records that can be served from the
// mapping; returns "" or why the archive must be read the ordinary way.
std::string plan(caffe2::serialize::PyTorchStreamReader &r, ArchiveMap *m) {
  for (const std::string &name : r.getAllRecords()) {
    bool code = name.compare(0, 5, "code/") == 0 && name.size() > 3 && name.compare(name.size() - 3, 3, ".py") == 0;
    if (code && record_has(r, name, "__setstate__"))
      return "a class of the archive restores itself with __setstate__ (" + name + ")";
    if (name == "data.pkl" && record_has(r, name, "torch.classes"))
      return "the archive holds objects of torch's C++ classes";
    if (name.compare(0, 5, "data/") != 0 || !all_digits(name, 5)) continue;
    uint64_t size = r.getRecordSize(name);
    if (size < kMinDeferred) continue;
    uint64_t hdr = r.getRecordHeaderOffset(name), off = r.getRecordOffset(name);
    if (hdr + 30 > m->size || off > m->size || size > m->size - off)
      return "the record " + name + " lies outside the file";
    if (le(m->base + hdr + 8, 2) != 0) return "the tensor record " + name + " is compressed";
    if (off % 64) return "the tensor record " + name + " is not 64-byte aligned";
    m->records[off] = size;
  }
  return "";
}

void drop_ref(void *ctx) { delete static_cast<std::shared_ptr<ArchiveMap> *>(ctx); }

// Every tensor reachable from v (object slots, containers).
void each_tensor(const c10::IValue &v, std::unordered_set<const void *> &seen,
                 const std::function<void(const at::Tensor &)> &f) {
  if (v.isTensor()) {
    if (v.toTensor().defined()) f(v.toTensor());
  } else if (v.isTuple()) {
    for (const auto &e : v.toTupleRef().elements()) each_tensor(e, seen, f);
  } else if (v.isList()) {
    for (const auto &e : v.toListRef()) each_tensor(e, seen, f);
  } else if (v.isGenericDict()) {
    for (const auto &kv : v.toGenericDict()) {
      each_tensor(kv.key(), seen, f);
      each_tensor(kv.value(), seen, f);
    }
  } else if (v.isObject()) {
    if (!seen.insert(&v.toObjectRef()).second) return;
    for (const auto &s : v.toObjectRef().slots()) each_tensor(s, seen, f);
  }
}

// Points every storage of the tree whose buffer was deferred into the
// mapping. Returns how many deferred buffers were not found.
size_t repoint(const torch::jit::Module &root, const std::shared_ptr<ArchiveMap> &m) {
  std::unordered_set<const void *> seen;
  each_tensor(root._ivalue(), seen, [&](const at::Tensor &t) {
    if (!t.has_storage()) return;
    c10::StorageImpl *s = t.storage().unsafeGetStorageImpl();
    auto it = m->pending.find(s->data());
    if (it == m->pending.end()) return;
    void *p = m->base + it->second;
    s->set_data_ptr_noswap(at::DataPtr(p, new std::shared_ptr<ArchiveMap>(m), drop_ref, c10::Device(c10::kCPU)));
    m->pending.erase(it);
  });
  return m->pending.size();
}

void remark(t2n_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void remark(t2n_diag *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  t2n_vreport(d, T2N_REMARK, nullptr, fmt, ap);
  va_end(ap);
}

}  // namespace

torch::jit::Module load_archive(t2n_torch *t, const std::string &path, t2n_diag *d) {
  std::string why = "the file cannot be mapped";
  {
    auto m = std::make_shared<ArchiveMap>();
    int fd = open(path.c_str(), O_RDONLY);
    struct stat sb;
    if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
      // Private and writable: torch may write into a tensor (copy on
      // write), never into the file.
      void *p = mmap(nullptr, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
      if (p != MAP_FAILED) m->base = (unsigned char *)p, m->size = (size_t)sb.st_size;
    }
    if (fd >= 0) close(fd);
    if (m->base) {
      auto adapter = std::make_shared<MappedAdapter>(m);
      bool readable = true;
      try {
        caffe2::serialize::PyTorchStreamReader probe(adapter);
        why = plan(probe, m.get());
      } catch (const std::exception &) {
        readable = false;  // torch's own load below says what is wrong
      }
      if (!readable) {
        adapter.reset();
        m.reset();
        return torch::jit::load(path, c10::Device("cpu"));
      }
      if (why.empty()) {
        m->defer = !m->records.empty();
        // A libtorch that checks the records' CRCs (or differs otherwise)
        // refuses the undone reads: the ordinary load below then decides.
        try {
          torch::jit::Module mod = torch::jit::load(
              std::shared_ptr<caffe2::serialize::ReadAdapterInterface>(adapter), c10::Device("cpu"));
          m->defer = false;
          size_t left = repoint(mod, m);
          if (!left) {
            if (!m->records.empty()) {
              t->archive = m;
              remark(d, "%s: %zu tensor record(s) mapped from the archive, not read", path.c_str(),
                     m->records.size());
            }
            return mod;
          }
          why = std::to_string(left) + " tensor record(s) not reachable from the module's attributes";
        } catch (const std::exception &e) {
          why = std::string("the load from the mapping failed: ") + brief(e);
        }
        adapter.reset();
        m.reset();
      }
    }
  }
  // The ordinary load, once the mapping is gone (reading the records
  // through it would hold each tensor twice).
  remark(d, "%s: tensors read into memory: %s", path.c_str(), why.c_str());
  return torch::jit::load(path, c10::Device("cpu"));
}

bool archive_holds(const t2n_torch *t, const void *p, size_t n, const void **base, size_t *size) {
  const ArchiveMap *m = t->archive.get();
  if (!m) return false;
  *base = m->base;
  *size = m->size;
  auto q = (const unsigned char *)p;
  return q >= m->base && n <= m->size && (size_t)(q - m->base) <= m->size - n;
}

}  // namespace t2n_torch_impl

using namespace t2n_torch_impl;

extern "C" int t2n_torch_weights(t2n_torch *t, const t2n_torch_weight **out, const void **map, size_t *map_size,
                                 t2n_diag *d) {
  *out = nullptr;
  *map = nullptr;
  *map_size = 0;
  try {
    collect_weights(t);
    std::vector<std::pair<std::string, at::Tensor>> ws;
    for (const auto &kv : t->weights)
      if (kv.second.defined()) ws.push_back(kv);
    std::stable_sort(ws.begin(), ws.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    t->views.assign(ws.size(), t2n_torch_weight());
    t->view_names.assign(ws.size(), std::string());
    t->view_tensors.clear();
    for (size_t i = 0; i < ws.size(); i++) {
      at::Tensor ten = ws[i].second.detach();
      const char *dt = safetensors_dtype(ten.scalar_type());
      if (!dt) {
        error(d, "tensor '%s' has dtype %s, which safetensors cannot hold", ws[i].first.c_str(),
              c10::toString(ten.scalar_type()));
        return -1;
      }
      if (ten.dim() > T2N_MAX_RANK) {
        error(d, "tensor '%s' has %d dimensions, more than the limit of %d (T2N_MAX_RANK)", ws[i].first.c_str(),
              (int)ten.dim(), T2N_MAX_RANK);
        return -1;
      }
      // A view that is not contiguous (a transposed parameter, a slice of a
      // shared storage) is the one tensor copied: its bytes in row-major
      // order exist nowhere in the file.
      if (!ten.device().is_cpu() || !ten.is_contiguous()) {
        ten = ten.to(at::kCPU).contiguous();
        t->view_tensors.push_back(ten);
      }
      t2n_torch_weight &w = t->views[i];
      t->view_names[i] = ws[i].first;
      w.name = t->view_names[i].c_str();
      w.dtype = dt;
      w.rank = (int)ten.dim();
      for (int k = 0; k < w.rank; k++) w.sizes[k] = ten.size(k);
      w.nbytes = (size_t)ten.numel() * ten.element_size();
      w.data = w.nbytes ? ten.data_ptr() : nullptr;
    }
    if (t->archive) archive_holds(t, nullptr, 0, map, map_size);
    *out = t->views.data();
    return (int)t->views.size();
  } catch (const std::exception &e) {
    error(d, "cannot collect the weights: %s", brief(e).c_str());
  } catch (...) {
    error(d, "cannot collect the weights");
  }
  return -1;
}
