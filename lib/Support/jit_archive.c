/* The structural check of a TorchScript zip archive: see
 * include/t2n/jit_archive.h. Only the end records and the central directory
 * are read (never the whole file, which may be gigabytes of weights). The
 * layout is PKWARE's APPNOTE: an end-of-central-directory record in the last
 * 64 KiB, optionally a zip64 locator and record before it, and a central
 * directory of 46-byte headers each followed by name, extra and comment. */
#define _FILE_OFFSET_BITS 64
#include "t2n/jit_archive.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "t2n/alloc.h"
#include "t2n/limits.h"

static uint64_t le(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

__attribute__((format(printf, 3, 4))) static int refuse(t2n_diag *d, const char *path, const char *fmt, ...) {
  char why[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  t2n_report(d, T2N_ERROR, NULL, "%s: not a valid TorchScript archive: %s", path, why);
  return 0;
}

static int read_at(FILE *f, uint64_t off, void *buf, size_t n) {
  return fseeko(f, (off_t)off, SEEK_SET) == 0 && fread(buf, 1, n, f) == n;
}

/* The entry name's rule it breaks, or NULL. */
static const char *bad_name(const char *s, size_t n) {
  if (n == 0) return "an empty name";
  if (memchr(s, 0, n)) return "a NUL byte in its name";
  if (s[0] == '/' || (n >= 2 && s[1] == ':')) return "an absolute path";
  if (memchr(s, '\\', n)) return "a backslash in its path (a Windows separator)";
  for (size_t i = 0; i < n;) { /* each component */
    size_t j = i;
    while (j < n && s[j] != '/') j++;
    if (j - i == 2 && s[i] == '.' && s[i + 1] == '.') return "'..' in its path";
    i = j + 1;
  }
  return NULL;
}

static int check(FILE *f, const char *path, uint64_t size, t2n_diag *d) {
  if (size < 22) return refuse(d, path, "too short to be a zip file");
  /* The end record: its signature in the last 22 + 65535 bytes. */
  size_t tail = size < 22 + 65535 ? (size_t)size : 22 + 65535;
  unsigned char *t = t2n_xmalloc(tail);
  int ok = read_at(f, size - tail, t, tail);
  long e = -1;
  for (long i = (long)tail - 22; ok && i >= 0; i--)
    if (le(t + i, 4) == 0x06054b50 && (uint64_t)i + 22 + le(t + i + 20, 2) == tail) {
      e = i;
      break;
    }
  if (!ok || e < 0) {
    free(t);
    return refuse(d, path, "not a zip file (no end of central directory record; truncated?)");
  }
  uint64_t eocd = size - tail + (uint64_t)e;
  uint64_t nent = le(t + e + 10, 2), cdsize = le(t + e + 12, 4), cdoff = le(t + e + 16, 4);
  if (nent == 0xffff || cdsize == 0xffffffff || cdoff == 0xffffffff) {
    /* zip64: the locator sits right before the end record. */
    unsigned char loc[20], rec[56];
    if (eocd < 20 || !read_at(f, eocd - 20, loc, 20) || le(loc, 4) != 0x07064b50 ||
        le(loc + 8, 8) + 56 > size || !read_at(f, le(loc + 8, 8), rec, 56) || le(rec, 4) != 0x06064b50) {
      free(t);
      return refuse(d, path, "the zip64 end record is missing or outside the file");
    }
    nent = le(rec + 32, 8);
    cdsize = le(rec + 40, 8);
    cdoff = le(rec + 48, 8);
  }
  free(t);
  if (cdoff > size || cdsize > size - cdoff || cdoff + cdsize > eocd)
    return refuse(d, path, "the central directory lies outside the file (truncated?)");
  if (cdsize > T2N_JIT_MAX_DIRECTORY)
    return refuse(d, path, "the central directory is larger than T2N_JIT_MAX_DIRECTORY");
  unsigned char *cd = t2n_xmalloc(cdsize ? cdsize : 1);
  if (!read_at(f, cdoff, cd, cdsize)) {
    free(cd);
    return refuse(d, path, "cannot read the central directory");
  }
  char prefix[256] = "", entry[256];
  int have_data = 0, have_consts = 0;
  uint64_t p = 0, k = 0;
  ok = 1;
  for (; ok && k < nent; k++) {
    if (cdsize - p < 46 || le(cd + p, 4) != 0x02014b50) {
      ok = refuse(d, path, "a central directory entry is cut short or corrupt");
      break;
    }
    uint64_t csize = le(cd + p + 20, 4), nlen = le(cd + p + 28, 2), xlen = le(cd + p + 30, 2),
             clen = le(cd + p + 32, 2), lhoff = le(cd + p + 42, 4);
    if (cdsize - p - 46 < nlen + xlen + clen) {
      ok = refuse(d, path, "a central directory entry is cut short or corrupt");
      break;
    }
    const char *name = (const char *)cd + p + 46;
    snprintf(entry, sizeof entry, "%.*s", (int)(nlen < 200 ? nlen : 200), name);
    /* zip64 sizes and offsets, in the order of the fields that overflowed. */
    const unsigned char *x = cd + p + 46 + nlen, *xe = x + xlen;
    while (xe - x >= 4) {
      uint64_t id = le(x, 2), len = le(x + 2, 2);
      if ((uint64_t)(xe - x - 4) < len) break;
      if (id == 1) {
        const unsigned char *v = x + 4, *ve = v + len;
        if (le(cd + p + 24, 4) == 0xffffffff && ve - v >= 8) v += 8; /* uncompressed size */
        if (csize == 0xffffffff && ve - v >= 8) csize = le(v, 8), v += 8;
        if (lhoff == 0xffffffff && ve - v >= 8) lhoff = le(v, 8);
      }
      x += 4 + len;
    }
    const char *why = bad_name(name, nlen);
    if (why) {
      ok = refuse(d, path, "entry '%s' has %s", entry, why);
      break;
    }
    if (lhoff > cdoff || csize > cdoff - lhoff || cdoff - lhoff - csize < 30) {
      ok = refuse(d, path, "entry '%s': its data lies outside the file (truncated?)", entry);
      break;
    }
    if (k == 0) {
      const char *slash = memchr(name, '/', nlen);
      size_t pl = slash ? (size_t)(slash - name) : 0;
      if (pl >= sizeof prefix) pl = sizeof prefix - 1;
      memcpy(prefix, name, pl);
      prefix[pl] = 0;
    }
    size_t pl = strlen(prefix);
    if (nlen > pl && memcmp(name, prefix, pl) == 0 && name[pl] == '/') {
      const char *rest = name + pl + 1;
      size_t rl = nlen - pl - 1;
      have_data |= rl == 8 && memcmp(rest, "data.pkl", 8) == 0;
      have_consts |= rl == 13 && memcmp(rest, "constants.pkl", 13) == 0;
    }
    p += 46 + nlen + xlen + clen;
  }
  free(cd);
  if (!ok) return 0;
  if (!have_data) return refuse(d, path, "the record '%s/data.pkl' is missing", prefix);
  if (!have_consts) return refuse(d, path, "the record '%s/constants.pkl' is missing", prefix);
  return 1;
}

int t2n_check_jit_archive(const char *path, t2n_diag *d) {
  FILE *f = fopen(path, "rb");
  struct stat st;
  if (!f || fstat(fileno(f), &st) != 0) {
    t2n_report(d, T2N_ERROR, NULL, "cannot read '%s': %s", path, strerror(errno));
    if (f) fclose(f);
    return 0;
  }
  int ok = check(f, path, (uint64_t)st.st_size, d);
  fclose(f);
  return ok;
}
