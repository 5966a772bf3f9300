// The safetensors format, by hand: an 8-byte little-endian header length, a
// JSON header {"NAME":{"dtype":"F32","shape":[..],"data_offsets":[b,e]},...}
// padded with spaces to a multiple of 8, then the raw little-endian data.
// Tensors are laid out in name order with a compact JSON header, the way
// utils/t2n-dump writes them, so both produce the same bytes.
#include <functional>
#include "TorchCommon.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>

namespace t2n_torch_impl {

namespace {
struct DtypeInfo {
  at::ScalarType st;
  const char *name;
  int rank;  // the safetensors library's Dtype order
};
const DtypeInfo kDtypes[] = {
    {at::kBool, "BOOL", 0},       {at::kByte, "U8", 4},
    {at::kChar, "I8", 5},         {at::kShort, "I16", 9},
    {at::kUInt16, "U16", 10},     {at::kHalf, "F16", 11},
    {at::kBFloat16, "BF16", 12},  {at::kInt, "I32", 13},
    {at::kUInt32, "U32", 14},     {at::kFloat, "F32", 15},
    {at::kComplexFloat, "C64", 16}, {at::kDouble, "F64", 17},
    {at::kLong, "I64", 18},       {at::kUInt64, "U64", 19},
    {at::kFloat8_e5m2, "F8_E5M2", 6}, {at::kFloat8_e4m3fn, "F8_E4M3", 7},
};
const DtypeInfo *find_dtype(at::ScalarType st) {
  for (const auto &d : kDtypes)
    if (d.st == st) return &d;
  return nullptr;
}

// Python's json.dumps string form (ensure_ascii: non-ASCII as \uXXXX).
void json_string(std::string &out, const std::string &s) {
  out += '"';
  auto u = [&](unsigned v) {
    char b[16];
    std::snprintf(b, sizeof b, "\\u%04x", v);
    out += b;
  };
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = s[i];
    switch (c) {
    case '"': out += "\\\""; continue;
    case '\\': out += "\\\\"; continue;
    case '\n': out += "\\n"; continue;
    case '\r': out += "\\r"; continue;
    case '\t': out += "\\t"; continue;
    case '\b': out += "\\b"; continue;
    case '\f': out += "\\f"; continue;
    default: break;
    }
    if (c < 0x20) {
      u(c);
    } else if (c < 0x80) {
      out += (char)c;
    } else {
      // decode one UTF-8 sequence
      unsigned cp = 0;
      int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
      cp = extra == 3 ? (c & 0x07) : extra == 2 ? (c & 0x0f) : extra == 1 ? (c & 0x1f) : c;
      for (int k = 0; k < extra && i + 1 < s.size(); k++) cp = (cp << 6) | (s[++i] & 0x3f);
      if (cp >= 0x10000) {
        cp -= 0x10000;
        u(0xd800 + (cp >> 10));
        u(0xdc00 + (cp & 0x3ff));
      } else {
        u(cp);
      }
    }
  }
  out += '"';
}
}  // namespace

const char *safetensors_dtype(at::ScalarType st) {
  const DtypeInfo *d = find_dtype(st);
  return d ? d->name : nullptr;
}

bool safetensors_scalar_type(const std::string &name, at::ScalarType *out) {
  for (const auto &d : kDtypes)
    if (name == d.name) {
      *out = d.st;
      return true;
    }
  return false;
}

// Hands the file's bytes to `sink` piece by piece: the header, then each
// tensor straight from its storage, so writing a model of gigabytes needs
// no second copy of it.
void safetensors_encode_to(const std::vector<std::pair<std::string, at::Tensor>> &ts,
                           const std::function<void(const void *, size_t)> &sink) {
  struct Item {
    const std::string *name;
    at::Tensor t;
    const DtypeInfo *dt;
  };
  std::vector<Item> items;
  for (const auto &kv : ts) {
    at::Tensor t = kv.second;
    if (!t.defined()) continue;
    const DtypeInfo *dt = find_dtype(t.scalar_type());
    if (!dt)
      throw std::runtime_error("tensor '" + kv.first + "' has dtype " +
                               c10::toString(t.scalar_type()) +
                               ", which safetensors cannot hold");
    t = t.detach().to(at::kCPU).contiguous();
    items.push_back({&kv.first, t, dt});
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const Item &a, const Item &b) { return *a.name < *b.name; });
  std::string header = "{";
  size_t off = 0;
  for (size_t i = 0; i < items.size(); i++) {
    const Item &it = items[i];
    size_t nbytes = it.t.numel() * it.t.element_size();
    if (i) header += ",";
    json_string(header, *it.name);
    header += ":{\"dtype\":\"";
    header += it.dt->name;
    header += "\",\"shape\":[";
    for (int64_t k = 0; k < it.t.dim(); k++) {
      if (k) header += ",";
      header += std::to_string(it.t.size(k));
    }
    header += "],\"data_offsets\":[" + std::to_string(off) + "," +
              std::to_string(off + nbytes) + "]}";
    off += nbytes;
  }
  header += "}";
  while (header.size() % 8) header += ' ';
  std::string len;
  uint64_t n = header.size();
  for (int i = 0; i < 8; i++) len += (char)((n >> (8 * i)) & 0xff);
  sink(len.data(), len.size());
  sink(header.data(), header.size());
  for (const Item &it : items) {
    size_t nbytes = it.t.numel() * it.t.element_size();
    if (nbytes) sink(it.t.data_ptr(), nbytes);
  }
}

std::string safetensors_encode(const std::vector<std::pair<std::string, at::Tensor>> &ts) {
  std::string out;
  safetensors_encode_to(ts, [&](const void *p, size_t n) { out.append((const char *)p, n); });
  return out;
}

// ---- decoding: a small JSON reader for the header ----
namespace {
struct JsonReader {
  const std::string &s;
  size_t i = 0;
  std::string err;
  explicit JsonReader(const std::string &s) : s(s) {}
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) i++;
  }
  bool eat(char c) {
    ws();
    if (i < s.size() && s[i] == c) {
      i++;
      return true;
    }
    return false;
  }
  bool string(std::string *out) {
    ws();
    if (i >= s.size() || s[i] != '"') return fail("expected a string");
    i++;
    out->clear();
    while (i < s.size() && s[i] != '"') {
      char c = s[i++];
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (i >= s.size()) return fail("bad escape");
      char e = s[i++];
      switch (e) {
      case 'n': *out += '\n'; break;
      case 't': *out += '\t'; break;
      case 'r': *out += '\r'; break;
      case 'b': *out += '\b'; break;
      case 'f': *out += '\f'; break;
      case 'u': {
        if (i + 4 > s.size()) return fail("bad escape");
        unsigned v = std::stoul(s.substr(i, 4), nullptr, 16);
        i += 4;
        if (v < 0x80) *out += (char)v;
        else if (v < 0x800) {
          *out += (char)(0xc0 | (v >> 6));
          *out += (char)(0x80 | (v & 0x3f));
        } else {
          *out += (char)(0xe0 | (v >> 12));
          *out += (char)(0x80 | ((v >> 6) & 0x3f));
          *out += (char)(0x80 | (v & 0x3f));
        }
        break;
      }
      default: *out += e;
      }
    }
    if (i >= s.size()) return fail("unterminated string");
    i++;
    return true;
  }
  bool number(uint64_t *out) {
    ws();
    size_t st = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') i++;
    if (st == i) return fail("expected a number");
    *out = std::stoull(s.substr(st, i - st));
    return true;
  }
  bool numbers(std::vector<uint64_t> *out) {
    if (!eat('[')) return fail("expected '['");
    if (eat(']')) return true;
    do {
      uint64_t v;
      if (!number(&v)) return false;
      out->push_back(v);
    } while (eat(','));
    if (!eat(']')) return fail("expected ']'");
    return true;
  }
  bool skip_value() {
    ws();
    if (i >= s.size()) return fail("unexpected end");
    if (s[i] == '"') {
      std::string t;
      return string(&t);
    }
    if (s[i] == '{' || s[i] == '[') {
      char open = s[i], close = open == '{' ? '}' : ']';
      i++;
      if (eat(close)) return true;
      do {
        if (open == '{') {
          std::string k;
          if (!string(&k) || !eat(':')) return fail("bad object");
        }
        if (!skip_value()) return false;
      } while (eat(','));
      if (!eat(close)) return fail("bad JSON");
      return true;
    }
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']') i++;
    return true;
  }
  bool fail(const char *m) {
    if (err.empty()) err = m;
    return false;
  }
};
}  // namespace

bool safetensors_decode(const std::string &bytes,
                        std::vector<std::pair<std::string, at::Tensor>> *out,
                        std::string *err) {
  if (bytes.size() < 8) {
    *err = "too short";
    return false;
  }
  uint64_t n = 0;
  for (int i = 0; i < 8; i++) n |= (uint64_t)(unsigned char)bytes[i] << (8 * i);
  if (n > bytes.size() - 8) {
    *err = "header length past the end of the file";
    return false;
  }
  std::string header = bytes.substr(8, n);
  size_t base = 8 + n;
  JsonReader r(header);
  if (!r.eat('{')) {
    *err = "header is not a JSON object";
    return false;
  }
  if (!r.eat('}')) {
    do {
      std::string name;
      if (!r.string(&name) || !r.eat(':')) break;
      if (name == "__metadata__") {
        if (!r.skip_value()) break;
        continue;
      }
      if (!r.eat('{')) {
        r.fail("expected a tensor entry");
        break;
      }
      std::string dtype;
      std::vector<uint64_t> shape, offs;
      do {
        std::string k;
        if (!r.string(&k) || !r.eat(':')) break;
        if (k == "dtype") r.string(&dtype);
        else if (k == "shape") r.numbers(&shape);
        else if (k == "data_offsets") r.numbers(&offs);
        else r.skip_value();
      } while (r.eat(','));
      if (!r.eat('}')) r.fail("bad tensor entry");
      if (!r.err.empty()) break;
      at::ScalarType st;
      if (!safetensors_scalar_type(dtype, &st)) {
        *err = "tensor '" + name + "' has unsupported dtype " + dtype;
        return false;
      }
      if (offs.size() != 2 || offs[0] > offs[1] || base + offs[1] > bytes.size()) {
        *err = "tensor '" + name + "' has bad data_offsets";
        return false;
      }
      std::vector<int64_t> sizes(shape.begin(), shape.end());
      at::Tensor t = at::empty(sizes, at::TensorOptions().dtype(st));
      size_t nbytes = t.numel() * t.element_size();
      if (nbytes != offs[1] - offs[0]) {
        *err = "tensor '" + name + "': data size does not match its shape";
        return false;
      }
      if (nbytes) std::memcpy(t.data_ptr(), bytes.data() + base + offs[0], nbytes);
      out->emplace_back(name, t);
    } while (r.eat(','));
    if (r.err.empty() && !r.eat('}')) r.fail("expected '}'");
  }
  if (!r.err.empty()) {
    *err = "bad header: " + r.err;
    return false;
  }
  return true;
}

}  // namespace t2n_torch_impl
