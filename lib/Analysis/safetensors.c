/* safetensors reader: 8-byte little-endian header size, a JSON header
 * (parsed with cJSON) mapping names to dtype/shape/data_offsets, then data.
 * A regular file is memory-mapped (the exporter streams weights from it
 * without a copy of the model in memory); anything else is read whole. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "t2n/examples.h"
#include "t2n/text.h"

static int fail(t2n_diag *d, const char *path, const char *msg) {
  t2n_report(d, T2N_ERROR, NULL, "%s: %s", path, msg);
  return 0;
}

int t2n_safetensors_read(const char *path, t2n_safetensors *st, t2n_diag *d) {
  memset(st, 0, sizeof *st);
  char *buf = NULL;
  size_t len = 0;
  int fd = strcmp(path, "-") == 0 ? -1 : open(path, O_RDONLY);
  struct stat sb;
  if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
    void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
      buf = p;
      len = (size_t)sb.st_size;
      st->mapped = 1;
    }
  }
  if (fd >= 0) close(fd);
  if (!buf && !t2n_read_file(path, &buf, &len, d)) return 0;
  st->file = (unsigned char *)buf;
  st->size = len;
  if (len < 8) goto bad;
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | st->file[i];
  if (hlen > len - 8) goto bad;
  cJSON *h = cJSON_ParseWithLength(buf + 8, (size_t)hlen);
  if (!h || !cJSON_IsObject(h)) {
    cJSON_Delete(h);
    goto bad;
  }
  const unsigned char *data = st->file + 8 + hlen;
  size_t dlen = len - 8 - (size_t)hlen;
  int n = cJSON_GetArraySize(h);
  st->tensors = calloc((size_t)n + 1, sizeof *st->tensors);
  for (cJSON *e = h->child; e; e = e->next) {
    if (strcmp(e->string, "__metadata__") == 0) continue;
    cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
    cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt) || !cJSON_IsArray(shape) || !cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2 ||
        cJSON_GetArraySize(shape) > 8) {
      cJSON_Delete(h);
      goto bad;
    }
    t2n_st_tensor *t = &st->tensors[st->ntensors++];
    t->name = strdup(e->string);
    t->dtype = t2n_dtype_from_short(dt->valuestring);
    t->rank = cJSON_GetArraySize(shape);
    int k = 0;
    size_t numel = 1;
    for (cJSON *s = shape->child; s; s = s->next) {
      t->sizes[k++] = (int64_t)s->valuedouble;
      numel *= (size_t)s->valuedouble;
    }
    double b = cJSON_GetArrayItem(off, 0)->valuedouble, en = cJSON_GetArrayItem(off, 1)->valuedouble;
    if (t->dtype < 0 || b < 0 || en < b || en > (double)dlen || (size_t)(en - b) != numel * t2n_dtype_size(t->dtype)) {
      cJSON_Delete(h);
      goto bad;
    }
    t->data = data + (size_t)b;
    t->nbytes = (size_t)(en - b);
  }
  cJSON_Delete(h);
  return 1;
bad:
  t2n_safetensors_free(st);
  return fail(d, path, "not a valid safetensors file");
}

const t2n_st_tensor *t2n_safetensors_find(const t2n_safetensors *st, const char *name) {
  for (int i = 0; i < st->ntensors; i++)
    if (strcmp(st->tensors[i].name, name) == 0) return &st->tensors[i];
  return NULL;
}

void t2n_safetensors_free(t2n_safetensors *st) {
  for (int i = 0; i < st->ntensors; i++) free((void *)st->tensors[i].name);
  free(st->tensors);
  if (st->mapped) munmap(st->file, st->size);
  else free(st->file);
  memset(st, 0, sizeof *st);
}
