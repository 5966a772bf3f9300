/* safetensors reader: an 8-byte little-endian header length, a JSON header
 * (parsed with cJSON) mapping tensor names to dtype, shape and data_offsets,
 * then the data section. Every rule of include/t2n/safetensors.h is checked
 * before a tensor is handed out, so the rest of t2n may trust the offsets. */
#define _DEFAULT_SOURCE 1 /* madvise */
#include "t2n/safetensors.h"
#include "t2n/utf8.h"
#include "t2n/alloc.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t2n/text.h"

/* safetensors' dtype names (the format's spec) and t2n's dtype for each. */
static const struct {
  const char *name;
  t2n_dtype dt;
} dtypes[] = {
    {"BOOL", T2N_DT_BOOL},       {"U8", T2N_DT_UINT8},   {"I8", T2N_DT_INT8},
    {"I16", T2N_DT_INT16},       {"U16", T2N_DT_UINT16}, {"I32", T2N_DT_INT32},
    {"U32", T2N_DT_UINT32},      {"I64", T2N_DT_INT64},  {"U64", T2N_DT_UINT64},
    {"F16", T2N_DT_FLOAT16},     {"BF16", T2N_DT_BFLOAT16}, {"F32", T2N_DT_FLOAT32},
    {"F64", T2N_DT_FLOAT64},     {"F8_E5M2", T2N_DT_FLOAT8_E5M2},
    {"F8_E4M3", T2N_DT_FLOAT8_E4M3FN}, {"C64", T2N_DT_COMPLEX64},
};

/* The table's spelling of a dtype name (it outlives the parsed header). */
static const char *known_name(const char *name) {
  for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
    if (strcmp(dtypes[i].name, name) == 0) return dtypes[i].name;
  return NULL;
}

t2n_dtype t2n_safetensors_dtype(const char *name) {
  for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
    if (strcmp(dtypes[i].name, name) == 0) return dtypes[i].dt;
  return T2N_DT_UNKNOWN;
}

static int refuse(t2n_diag *d, const char *file, const char *tensor, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(t2n_diag *d, const char *file, const char *tensor, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (tensor)
    t2n_report(d, T2N_ERROR, NULL, "%s: not a valid safetensors file: tensor '%s': %s", file, tensor, msg);
  else
    t2n_report(d, T2N_ERROR, NULL, "%s: not a valid safetensors file: %s", file, msg);
  return 0;
}

/* A JSON number that is an exact non-negative integer below 2^53 (cJSON
 * keeps numbers as doubles; larger ones are no longer exact). */
static int json_size(const cJSON *j, uint64_t *out) {
  if (!cJSON_IsNumber(j)) return 0;
  double v = j->valuedouble;
  if (!(v >= 0) || v > 9007199254740992.0 || v != (double)(uint64_t)v) return 0;
  *out = (uint64_t)v;
  return 1;
}

typedef struct span {
  uint64_t begin, end;
  int index;
} span;

static int by_begin(const void *a, const void *b) {
  const span *x = a, *y = b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

static int check_entry(const char *file, const cJSON *e, t2n_st_tensor *t, span *sp, uint64_t dlen,
                       t2n_diag *d) {
  const char *nm = e->string;
  if (!cJSON_IsObject(e)) return refuse(d, file, nm, "entry is not an object");
  const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
  const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
  const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
  if (!cJSON_IsString(dt)) return refuse(d, file, nm, "no \"dtype\" string");
  if (!cJSON_IsArray(shape)) return refuse(d, file, nm, "no \"shape\" list");
  if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2)
    return refuse(d, file, nm, "\"data_offsets\" is not a list of two offsets");
  t->dtype = t2n_safetensors_dtype(dt->valuestring);
  if (t->dtype == T2N_DT_UNKNOWN) return refuse(d, file, nm, "unknown dtype '%s'", dt->valuestring);
  t->dtype_name = known_name(dt->valuestring);
  int rank = cJSON_GetArraySize(shape);
  if (rank > T2N_MAX_RANK)
    return refuse(d, file, nm, "%d dimensions, more than the limit of %d (T2N_MAX_RANK)", rank, T2N_MAX_RANK);
  t->rank = rank;
  uint64_t numel = 1;
  int overflow = 0, k = 0;
  for (const cJSON *s = shape->child; s; s = s->next, k++) {
    uint64_t v;
    if (!json_size(s, &v)) return refuse(d, file, nm, "dimension %d is not a non-negative integer", k);
    t->sizes[k] = (int64_t)v;
    if (v && numel > UINT64_MAX / v) overflow = 1;
    else numel *= v;
  }
  uint64_t esize = t2n_dtype_size(t->dtype);
  if (overflow || (esize && numel > UINT64_MAX / esize))
    return refuse(d, file, nm, "the element count of its shape overflows");
  uint64_t b, en;
  if (!json_size(cJSON_GetArrayItem(off, 0), &b) || !json_size(cJSON_GetArrayItem(off, 1), &en))
    return refuse(d, file, nm, "data_offsets are not non-negative integers");
  if (en < b) return refuse(d, file, nm, "data_offsets end %llu before they begin (%llu)",
                            (unsigned long long)en, (unsigned long long)b);
  if (en > dlen)
    return refuse(d, file, nm, "data_offsets end at %llu, past the data section's %llu bytes",
                  (unsigned long long)en, (unsigned long long)dlen);
  if (en - b != numel * esize)
    return refuse(d, file, nm, "data_offsets cover %llu bytes, but %llu elements of %s take %llu",
                  (unsigned long long)(en - b), (unsigned long long)numel, t->dtype_name,
                  (unsigned long long)(numel * esize));
  sp->begin = b;
  sp->end = en;
  t->nbytes = (size_t)(en - b);
  return 1;
}

/* Checks the header of st->file and fills st->tensors. */
static int check(const char *file, t2n_safetensors *st, t2n_diag *d) {
  size_t len = st->size;
  if (len < 8) return refuse(d, file, NULL, "%zu bytes, shorter than the 8-byte header length", len);
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | st->file[i];
  if (hlen > len - 8)
    return refuse(d, file, NULL, "the header length %llu runs past the end of the file (%zu bytes)",
                  (unsigned long long)hlen, len);
  if (hlen > T2N_SAFETENSORS_MAX_HEADER)
    return refuse(d, file, NULL, "a header of %llu bytes is over the limit of %u bytes",
                  (unsigned long long)hlen, T2N_SAFETENSORS_MAX_HEADER);
  if (hlen == 0 || st->file[8] != '{') return refuse(d, file, NULL, "the header does not start with '{'");
  size_t bad = t2n_utf8_check((const char *)st->file + 8, (size_t)hlen);
  if (bad < hlen) return refuse(d, file, NULL, "the header is not valid UTF-8 (byte %zu)", bad);
  cJSON *h = cJSON_ParseWithLength((const char *)st->file + 8, (size_t)hlen);
  if (!h || !cJSON_IsObject(h)) {
    cJSON_Delete(h);
    return refuse(d, file, NULL, "the header is not a JSON object");
  }
  const unsigned char *data = st->file + 8 + hlen;
  uint64_t dlen = len - 8 - hlen;
  int n = cJSON_GetArraySize(h), ok = 1;
  st->tensors = t2n_xcalloc((size_t)n + 1, sizeof *st->tensors);
  span *spans = t2n_xcalloc((size_t)n + 1, sizeof *spans);
  for (const cJSON *e = h->child; e && ok; e = e->next) {
    if (strcmp(e->string, "__metadata__") == 0) {
      for (const cJSON *m = e->child; m && ok; m = m->next)
        if (!cJSON_IsString(m)) ok = refuse(d, file, NULL, "__metadata__ value '%s' is not a string", m->string);
      if (ok && !cJSON_IsObject(e)) ok = refuse(d, file, NULL, "__metadata__ is not an object");
      continue;
    }
    for (int i = 0; i < st->ntensors && ok; i++)
      if (strcmp(st->tensors[i].name, e->string) == 0) ok = refuse(d, file, e->string, "named twice");
    if (!ok) break;
    t2n_st_tensor *t = &st->tensors[st->ntensors];
    span *sp = &spans[st->ntensors];
    t->name = t2n_xstrdup(e->string);
    st->ntensors++;
    sp->index = st->ntensors - 1;
    if (!(ok = check_entry(file, e, t, sp, dlen, d))) break;
    t->data = data + sp->begin;
  }
  if (ok) {
    /* The tensors must tile the data section: sorted by offset, each starts
     * where the one before ends, the first at 0 and the last at its end. */
    qsort(spans, (size_t)st->ntensors, sizeof *spans, by_begin);
    uint64_t at = 0;
    for (int i = 0; i < st->ntensors && ok; i++) {
      const char *nm = st->tensors[spans[i].index].name;
      if (spans[i].begin < at)
        ok = refuse(d, file, nm, "its data [%llu, %llu) overlaps the tensor before it, which ends at %llu",
                    (unsigned long long)spans[i].begin, (unsigned long long)spans[i].end, (unsigned long long)at);
      else if (spans[i].begin > at)
        ok = refuse(d, file, nm, "its data begins at %llu, leaving a gap after byte %llu",
                    (unsigned long long)spans[i].begin, (unsigned long long)at);
      at = spans[i].end;
    }
    if (ok && at != dlen)
      ok = refuse(d, file, NULL, "the tensors cover %llu of the data section's %llu bytes",
                  (unsigned long long)at, (unsigned long long)dlen);
  }
  free(spans);
  cJSON_Delete(h);
  return ok;
}

/* The live file mappings, for t2n_safetensors_release (an export maps one
 * or two files; more are simply not released early). */
enum { NMapped = 16 };
static struct { const unsigned char *base; size_t size; } mapped[NMapped];

static void remember_mapping(const unsigned char *base, size_t size) {
  for (int i = 0; i < NMapped; i++)
    if (!mapped[i].base) {
      mapped[i].base = base, mapped[i].size = size;
      /* Read front to back once: read ahead far. */
      madvise((void *)base, size, MADV_SEQUENTIAL);
      return;
    }
}

static void forget_mapping(const unsigned char *base) {
  for (int i = 0; i < NMapped; i++)
    if (mapped[i].base == base) mapped[i].base = NULL, mapped[i].size = 0;
}

void t2n_safetensors_release(const void *data, size_t n) {
  const unsigned char *p = data;
  for (int i = 0; i < NMapped; i++) {
    if (!mapped[i].base || p < mapped[i].base || n > mapped[i].size ||
        (size_t)(p - mapped[i].base) > mapped[i].size - n)
      continue;
    /* Whole pages inside [p, p + n): the ones around it may hold bytes of
     * the neighbouring tensors, still to be read (they would only be read
     * back from the page cache, but there is no need). */
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t b = ((uintptr_t)p + (uintptr_t)pg - 1) & ~(uintptr_t)(pg - 1);
    uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)(pg - 1);
    /* A private read-only file mapping: dropping pages loses nothing, a
     * later read maps them again from the file. */
    if (e > b) madvise((void *)b, e - b, MADV_DONTNEED);
    return;
  }
}

int t2n_safetensors_parse(const char *name, const void *bytes, size_t len, t2n_safetensors *st,
                          t2n_diag *d) {
  memset(st, 0, sizeof *st);
  st->file = t2n_try_malloc(len ? len : 1); /* a big file: refused, not fatal */
  if (!st->file) return refuse(d, name, NULL, "out of memory for %zu bytes", len);
  if (len) memcpy(st->file, bytes, len);
  st->size = len;
  if (!check(name, st, d)) {
    t2n_safetensors_free(st);
    return 0;
  }
  return 1;
}

int t2n_safetensors_read(const char *path, t2n_safetensors *st, t2n_diag *d) {
  memset(st, 0, sizeof *st);
  int fd = open(path, O_RDONLY);
  struct stat sb;
  if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
    void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
      t2n_report(d, T2N_ERROR, NULL, "cannot map '%s': %s", path, strerror(errno));
      return 0;
    }
    st->file = p;
    st->size = (size_t)sb.st_size;
    st->mapped = 1;
    remember_mapping(st->file, st->size);
  } else {
    /* Pipes, empty files and errors: read() reports what is wrong. */
    if (fd >= 0) close(fd);
    char *buf;
    size_t len;
    if (!t2n_read_file(path, &buf, &len, d)) return 0;
    st->file = (unsigned char *)buf;
    st->size = len;
  }
  if (!check(path, st, d)) {
    t2n_safetensors_free(st);
    return 0;
  }
  return 1;
}

void t2n_safetensors_view(t2n_safetensors *st, const void *map, size_t map_size) {
  memset(st, 0, sizeof *st);
  if (map && map_size) {
    st->view_map = map;
    remember_mapping(map, map_size);
  }
}

int t2n_safetensors_view_add(t2n_safetensors *st, const char *name, const char *dtype_name, int rank,
                             const int64_t *sizes, const void *data, size_t nbytes, t2n_diag *d) {
  const char *what = "<view>";
  t2n_dtype dt = t2n_safetensors_dtype(dtype_name);
  if (dt == T2N_DT_UNKNOWN) return refuse(d, what, name, "unknown dtype '%s'", dtype_name);
  if (rank < 0 || rank > T2N_MAX_RANK)
    return refuse(d, what, name, "%d dimensions, more than the limit of %d (T2N_MAX_RANK)", rank, T2N_MAX_RANK);
  uint64_t numel = 1;
  for (int k = 0; k < rank; k++) numel *= (uint64_t)sizes[k];
  if (numel * t2n_dtype_size(dt) != nbytes)
    return refuse(d, what, name, "%zu bytes for %llu elements of %s", nbytes, (unsigned long long)numel, dtype_name);
  st->tensors = t2n_xrealloc(st->tensors, sizeof *st->tensors * (size_t)(st->ntensors + 1));
  t2n_st_tensor *t = &st->tensors[st->ntensors++];
  memset(t, 0, sizeof *t);
  t->name = t2n_xstrdup(name);
  t->dtype = dt;
  t->dtype_name = known_name(dtype_name);
  t->rank = rank;
  for (int k = 0; k < rank; k++) t->sizes[k] = sizes[k];
  t->data = data;
  t->nbytes = nbytes;
  return 1;
}

const t2n_st_tensor *t2n_safetensors_find(const t2n_safetensors *st, const char *name) {
  for (int i = 0; i < st->ntensors; i++)
    if (strcmp(st->tensors[i].name, name) == 0) return &st->tensors[i];
  return NULL;
}

void t2n_safetensors_free(t2n_safetensors *st) {
  for (int i = 0; i < st->ntensors; i++) free((void *)st->tensors[i].name);
  free(st->tensors);
  if (st->view_map) forget_mapping(st->view_map);
  if (st->mapped) {
    forget_mapping(st->file);
    munmap(st->file, st->size);
  }
  else free(st->file);
  memset(st, 0, sizeof *st);
}
