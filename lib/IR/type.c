/* Types are interned by spelling: the parser hands over the exact bytes it
 * read, so printing a type reproduces its input, and types made by passes get
 * torch's canonical spelling from t2n_type_spell. */
#include "internal.h"
#include "t2n/alloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *name; size_t size; } dtypes[] = {
#define X(id, name, num) [num] = {name, 0},
    T2N_DTYPES(X)
#undef X
};

const char *t2n_dtype_name(t2n_dtype dt) {
  if (dt < 0 || dt >= (int)(sizeof dtypes / sizeof dtypes[0])) return "Tensor";
  return dtypes[dt].name;
}

t2n_dtype t2n_dtype_from_name(const char *name) {
  for (int i = 0; i < (int)(sizeof dtypes / sizeof dtypes[0]); i++)
    if (dtypes[i].name && strcmp(dtypes[i].name, name) == 0) return (t2n_dtype)i;
  return T2N_DT_UNKNOWN;
}

size_t t2n_dtype_size(t2n_dtype dt) {
  switch (dt) {
  case T2N_DT_UINT8: case T2N_DT_INT8: case T2N_DT_BOOL: case T2N_DT_QINT8: case T2N_DT_QUINT8:
  case T2N_DT_QUINT4X2: case T2N_DT_QUINT2X4: case T2N_DT_BITS1X8: case T2N_DT_BITS2X4:
  case T2N_DT_BITS4X2: case T2N_DT_BITS8: case T2N_DT_FLOAT8_E5M2: case T2N_DT_FLOAT8_E4M3FN:
  case T2N_DT_FLOAT8_E5M2FNUZ: case T2N_DT_FLOAT8_E4M3FNUZ: case T2N_DT_FLOAT8_E8M0FNU:
  case T2N_DT_FLOAT4_E2M1FN_X2: return 1;
  case T2N_DT_INT16: case T2N_DT_FLOAT16: case T2N_DT_BFLOAT16: case T2N_DT_BITS16:
  case T2N_DT_UINT16: return 2;
  case T2N_DT_INT32: case T2N_DT_FLOAT32: case T2N_DT_QINT32: case T2N_DT_COMPLEX32:
  case T2N_DT_UINT32: return 4;
  case T2N_DT_INT64: case T2N_DT_FLOAT64: case T2N_DT_COMPLEX64: case T2N_DT_UINT64: return 8;
  case T2N_DT_COMPLEX128: return 16;
  default: return 0;
  }
}

/* ---- canonical spelling ---- */
typedef struct { char *p; size_t n, cap; } sbuf;

static void sput(sbuf *b, const char *s) {
  size_t l = strlen(s);
  if (b->n + l + 1 > b->cap) {
    b->cap = (b->n + l + 1) * 2;
    b->p = t2n_xrealloc(b->p, b->cap);
  }
  memcpy(b->p + b->n, s, l + 1);
  b->n += l;
}

static void sputi(sbuf *b, int64_t v) {
  char tmp[32];
  snprintf(tmp, sizeof tmp, "%lld", (long long)v);
  sput(b, tmp);
}

static void spell(sbuf *b, const t2n_type *t);

static void spell_elem(sbuf *b, const t2n_type *t) {
  if (t->text) sput(b, t->text);
  else spell(b, t);
}

static void spell_list(sbuf *b, const t2n_type *t, const char *sep) {
  for (int i = 0; i < t->nelems; i++) {
    if (i) sput(b, sep);
    if (t->field_names) {
      sput(b, t->field_names[i]);
      sput(b, " : ");
    }
    spell_elem(b, t->elems[i]);
  }
}

static void spell(sbuf *b, const t2n_type *t) {
  switch (t->kind) {
  case T2N_TY_TENSOR: {
    const char *base = t->dtype >= 0 ? t2n_dtype_name(t->dtype) : "Tensor";
    int any = t->rank >= 0 || t->requires_grad >= 0 || t->device;
    if (!any) {
      sput(b, base);
      if (t->dtype >= 0) sput(b, "Tensor");
      break;
    }
    sput(b, base);
    sput(b, "(");
    int first = 1;
    for (int i = 0; i < t->rank; i++) {
      if (!first) sput(b, ", ");
      first = 0;
      if (t->sizes[i] < 0) sput(b, "*");
      else sputi(b, t->sizes[i]);
    }
    if (t->strides && t->rank > 0) {
      sput(b, first ? "strides=[" : ", strides=[");
      first = 0;
      for (int i = 0; i < t->rank; i++) {
        if (i) sput(b, ", ");
        if (t->strides[i] < 0) sput(b, "*");
        else sputi(b, t->strides[i]);
      }
      sput(b, "]");
    }
    if (t->requires_grad >= 0) {
      sput(b, first ? "requires_grad=" : ", requires_grad=");
      first = 0;
      sputi(b, t->requires_grad);
    }
    if (t->device) {
      sput(b, first ? "device=" : ", device=");
      sput(b, t->device);
    }
    sput(b, ")");
    if (t->undefined) sput(b, "[Undefined]");
    break;
  }
  case T2N_TY_SCALAR:
  case T2N_TY_CLASS: sput(b, t->name); break;
  case T2N_TY_LIST: spell_elem(b, t->elems[0]); sput(b, "[]"); break;
  case T2N_TY_OPTIONAL: spell_elem(b, t->elems[0]); sput(b, "?"); break;
  case T2N_TY_TUPLE: sput(b, "("); spell_list(b, t, ", "); sput(b, ")"); break;
  case T2N_TY_DICT: sput(b, "Dict("); spell_list(b, t, ", "); sput(b, ")"); break;
  case T2N_TY_UNION: sput(b, "Union("); spell_list(b, t, ", "); sput(b, ")"); break;
  case T2N_TY_GENERIC:
    sput(b, t->name);
    if (strcmp(t->name, "Future") == 0 || strcmp(t->name, "RRef") == 0) {
      sput(b, "["); spell_list(b, t, ", "); sput(b, "]");
    } else {
      sput(b, "("); spell_list(b, t, ", "); sput(b, ")");
    }
    break;
  }
}

char *t2n_type_spell(t2n_module *m, const t2n_type *proto) {
  sbuf b = {0};
  spell(&b, proto);
  char *r = t2n_arena_strndup(m->arena, b.p ? b.p : "", b.n);
  free(b.p);
  return r;
}

/* ---- interning ---- */
static const t2n_type *intern_local(t2n_module *m, const char *text, size_t len,
                                    const t2n_type *proto) {
  int inserted;
  size_t i = t2n_map_slot(&m->types->map, text, len, &inserted);
  if (!inserted) return m->types->map.slots[i].val;
  t2n_type *t = t2n_arena_bump(m->arena, sizeof *t);
  *t = *proto;
  t->text = m->types->map.slots[i].key;
  t->textlen = (unsigned)len;
  m->types->map.slots[i].val = t;
  /* A leaf type's name is its spelling (the caller passes the same pointer):
   * share the key instead of interning it again. */
  if (t->name) t->name = t->name == text ? t->text : t2n_intern(m, t->name);
  return t;
}

/* The types every graph uses (scalars, tensors, and their lists and
 * optionals) are made once per process and shared by all modules, which
 * look them up before their own table. A graph of a few lines would
 * otherwise spend most of its parse making "Tensor" and "int[]" again. */
static t2n_module *builtins;
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

static void leaf_names(void (*f)(const char *s, size_t n));

/* The structure of T[] or T? (kind T2N_TY_LIST or T2N_TY_OPTIONAL). */
static t2n_type wrapper_proto(t2n_module *m, t2n_type_kind k, const t2n_type *elem) {
  t2n_type p = {0};
  p.kind = k;
  p.dtype = T2N_DT_UNKNOWN;
  p.rank = -1;
  p.requires_grad = -1;
  p.nelems = 1;
  const t2n_type **e = t2n_arena_bump(m->arena, sizeof *e);
  e[0] = elem;
  p.elems = e;
  return p;
}

static const t2n_type *wrap(t2n_module *m, const t2n_type *e, t2n_type_kind k) {
  t2n_type p = wrapper_proto(m, k, e);
  char *text = t2n_type_spell(m, &p);
  return intern_local(m, text, strlen(text), &p);
}

static void add_builtin(const char *s, size_t n) {
  t2n_type p;
  t2n_type_classify(s, n, &p);
  p.name = s;
  const t2n_type *t = intern_local(builtins, s, n, &p);
  const t2n_type *l = wrap(builtins, t, T2N_TY_LIST), *o = wrap(builtins, t, T2N_TY_OPTIONAL);
  wrap(builtins, l, T2N_TY_OPTIONAL);
  wrap(builtins, o, T2N_TY_LIST);
  wrap(builtins, l, T2N_TY_LIST);
}

static void build_builtins(void) {
  builtins = t2n_module_new();
  leaf_names(add_builtin);
  /* The type of values printed without one: spelled as nothing. */
  t2n_type p;
  t2n_type_classify("", 0, &p);
  intern_local(builtins, "", 0, &p);
}

const t2n_type *t2n_type_builtin(const char *text, size_t len) {
  pthread_once(&builtins_once, build_builtins);
  return t2n_map_get(&builtins->types->map, text, len);
}

const t2n_type *t2n_type_lookup(t2n_module *m, const char *text, size_t len) {
  pthread_once(&builtins_once, build_builtins);
  uint32_t h = t2n_map_hash(text, len);
  const t2n_type *t = t2n_map_get_h(&builtins->types->map, text, len, h);
  return t ? t : t2n_map_get_h(&m->types->map, text, len, h);
}

const t2n_type *t2n_type_intern(t2n_module *m, const char *text, size_t len,
                                const t2n_type *proto) {
  const t2n_type *t = t2n_type_builtin(text, len);
  return t ? t : intern_local(m, text, len, proto);
}

/* Leaf type names that are not tensors or classes, most frequent first. */
static const struct { const char *s; size_t n; } scalar_names[] = {
#define S(x) {x, sizeof x - 1}
    S("int"), S("bool"), S("float"), S("str"), S("NoneType"), S("Device"), S("Scalar"),
    S("complex"), S("Stream"), S("Generator"), S("Any"), S("SymInt"), S("SymFloat"),
    S("SymBool"), S("PyObject"), S("Capsule"), S("list"), S("tuple"), S("ScalarType"),
    S("Layout"), S("MemoryFormat"), S("Function"), S("QScheme"), S("Storage"),
    S("AnyEnumType"), S("AnyClassType"), S("AnyListType"), S("AnyTupleType"), S("number"),
    S("Future"), S("RRef"), S("Await"), S("Undefined"), S("Dimname"), S("Quantizer"),
    S("Object"), S("t"),
#undef S
};

static int is_scalar_name(const char *s, size_t n) {
  for (size_t i = 0; i < sizeof scalar_names / sizeof scalar_names[0]; i++)
    if (scalar_names[i].n == n && memcmp(scalar_names[i].s, s, n) == 0) return 1;
  return 0;
}

static void leaf_names(void (*f)(const char *s, size_t n)) {
  for (size_t i = 0; i < sizeof scalar_names / sizeof scalar_names[0]; i++)
    f(scalar_names[i].s, scalar_names[i].n);
  f("Tensor", 6);
  for (int i = 0; i < (int)(sizeof dtypes / sizeof dtypes[0]); i++) {
    char tmp[32];
    int k = snprintf(tmp, sizeof tmp, "%sTensor", dtypes[i].name);
    f(t2n_intern_n(builtins, tmp, (size_t)k), (size_t)k);
  }
}

/* Fills `p` for a leaf type spelled s[0..n): a scalar, Tensor, a dtype
 * tensor such as FloatTensor, or else a class. Returns 0 for a class. */
int t2n_type_classify(const char *s, size_t n, t2n_type *p) {
  memset(p, 0, sizeof *p);
  p->dtype = T2N_DT_UNKNOWN;
  p->rank = -1;
  p->requires_grad = -1;
  p->kind = T2N_TY_CLASS;
  if (n >= 6 && memcmp(s + n - 6, "Tensor", 6) == 0) {
    if (n == 6) {
      p->kind = T2N_TY_TENSOR;
      return 1;
    }
    char tmp[64];
    if (n - 6 < sizeof tmp) {
      memcpy(tmp, s, n - 6);
      tmp[n - 6] = 0;
      p->dtype = t2n_dtype_from_name(tmp);
      if (p->dtype >= 0) {
        p->kind = T2N_TY_TENSOR;
        return 1;
      }
    }
    return 0;
  }
  if (is_scalar_name(s, n)) {
    p->kind = T2N_TY_SCALAR;
    return 1;
  }
  return 0;
}

/* A leaf type named by one word: a scalar, a tensor, or a class. */
const t2n_type *t2n_type_get(t2n_module *m, const char *s) {
  size_t n = strlen(s);
  const t2n_type *t = t2n_type_lookup(m, s, n);
  if (t) return t;
  t2n_type p;
  t2n_type_classify(s, n, &p);
  p.name = s;
  return t2n_type_intern(m, s, n, &p);
}

static const t2n_type *intern_proto(t2n_module *m, t2n_type *p) {
  char *text = t2n_type_spell(m, p);
  return t2n_type_intern(m, text, strlen(text), p);
}

const t2n_type *t2n_type_tensor(t2n_module *m, t2n_dtype dt, int rank,
                                const int64_t *sizes, const char *device) {
  t2n_type p = {0};
  p.kind = T2N_TY_TENSOR;
  p.name = "Tensor";
  p.dtype = dt;
  p.rank = rank;
  p.requires_grad = rank >= 0 ? 0 : -1;
  p.device = rank >= 0 ? (device ? device : "cpu") : NULL;
  if (rank >= 0) {
    int64_t *sz = t2n_arena_bump(m->arena, sizeof(int64_t) * (size_t)(rank + 1));
    int64_t *st = t2n_arena_bump(m->arena, sizeof(int64_t) * (size_t)(rank + 1));
    int64_t acc = 1, known = 1;
    for (int i = rank - 1; i >= 0; i--) {
      sz[i] = sizes[i];
      st[i] = known ? acc : -1;
      if (sizes[i] < 0) known = 0;
      else acc *= sizes[i] > 1 ? sizes[i] : 1;
    }
    p.sizes = sz;
    p.strides = st;
  }
  return intern_proto(m, &p);
}

const t2n_type *t2n_type_list_of(t2n_module *m, const t2n_type *elem) {
  t2n_type p = wrapper_proto(m, T2N_TY_LIST, elem);
  return intern_proto(m, &p);
}

const t2n_type *t2n_type_tuple_of(t2n_module *m, int n, const t2n_type **elems) {
  t2n_type p = {0};
  p.kind = T2N_TY_TUPLE;
  p.dtype = T2N_DT_UNKNOWN;
  p.rank = -1;
  p.requires_grad = -1;
  p.nelems = n;
  const t2n_type **e = t2n_arena_bump(m->arena, sizeof *e * (size_t)(n + 1));
  memcpy(e, elems, sizeof *e * (size_t)n);
  p.elems = e;
  return intern_proto(m, &p);
}

int t2n_type_is(const t2n_type *t, const char *leaf) {
  return t && t->name && (t->kind == T2N_TY_SCALAR || t->kind == T2N_TY_CLASS) &&
         strcmp(t->name, leaf) == 0;
}

int t2n_type_is_tensor(const t2n_type *t) { return t && t->kind == T2N_TY_TENSOR; }
