/* Attribute values: classification of the printed text and the canonical
 * formatters that follow torch's printer (torch/csrc/jit/ir/ir.cpp and
 * c10::printQuotedString). */
#include "internal.h"
#include "t2n/alloc.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_int_text(const char *s) {
  if (*s == '-') s++;
  if (!isdigit((unsigned char)*s)) return 0;
  while (isdigit((unsigned char)*s)) s++;
  return *s == 0;
}

static int parse_float_text(const char *s, double *out) {
  if (strcmp(s, "inf") == 0) return *out = INFINITY, 1;
  if (strcmp(s, "-inf") == 0) return *out = -INFINITY, 1;
  if (strcmp(s, "nan") == 0 || strcmp(s, "-nan") == 0) return *out = NAN, 1;
  const char *p = s;
  if (*p == '-') p++;
  if (!isdigit((unsigned char)*p)) return 0;
  char *end;
  *out = strtod(s, &end);
  return *end == 0;
}

int t2n_unescape_string(t2n_module *m, const char *raw, const char **out, size_t *outlen) {
  size_t n = strlen(raw);
  if (n < 2 || (raw[0] != '"' && raw[0] != '\'') || raw[n - 1] != raw[0]) return 0;
  char *buf = t2n_arena_alloc(m->arena, n);
  size_t k = 0;
  for (size_t i = 1; i + 1 < n; i++) {
    char c = raw[i];
    if (c != '\\') {
      buf[k++] = c;
      continue;
    }
    if (++i + 1 > n - 1) return 0;
    switch (raw[i]) {
    case 'n': buf[k++] = '\n'; break;
    case 't': buf[k++] = '\t'; break;
    case 'r': buf[k++] = '\r'; break;
    case 'a': buf[k++] = '\a'; break;
    case 'b': buf[k++] = '\b'; break;
    case 'f': buf[k++] = '\f'; break;
    case 'v': buf[k++] = '\v'; break;
    case '\\': case '\'': case '"': buf[k++] = raw[i]; break;
    default:
      /* Three-character byte escape written with (signed) char arithmetic:
       * invert it for the bytes where that arithmetic is plain octal. */
      if (i + 3 <= n - 1) {
        int v = (raw[i] - '0') * 64 + (raw[i + 1] - '0') * 8 + (raw[i + 2] - '0');
        buf[k++] = (char)v;
        i += 2;
      } else {
        return 0;
      }
    }
  }
  buf[k] = 0;
  *out = buf;
  *outlen = k;
  return 1;
}

void t2n_attr_classify(t2n_module *m, t2n_attr *a) {
  const char *r = a->raw;
  a->kind = T2N_ATTR_OTHER;
  if (r[0] == '"' || r[0] == '\'') { /* either quote, as lib/Analysis/literal.c reads strings */
    if (t2n_unescape_string(m, r, &a->s, &a->slen)) a->kind = T2N_ATTR_STRING;
  } else if (is_int_text(r)) {
    a->kind = T2N_ATTR_INT;
    a->i = strtoll(r, NULL, 10);
    a->f = (double)a->i;
  } else if (parse_float_text(r, &a->f)) {
    a->kind = T2N_ATTR_FLOAT;
  } else if (r[0] == '[' || strncmp(r, "annotate(List", 13) == 0) {
    a->kind = T2N_ATTR_LIST;
  } else if (r[0] == '{' || strcmp(r, "<Tensor>") == 0 || strstr(r, "Type{")) {
    a->kind = T2N_ATTR_TENSOR;
  } else if (r[0] && r[strlen(r) - 1] == 'j') {
    a->kind = T2N_ATTR_COMPLEX;
  }
}

const char *t2n_fmt_float(t2n_module *m, double v) {
  char buf[64];
  if (isfinite(v) && v == floor(v) && fabs(v) < 1e10) {
    snprintf(buf, sizeof buf, "%.0f.", v);
    if (v == 0 && signbit(v)) strcpy(buf, "-0.");
  } else if (isnan(v)) {
    strcpy(buf, "nan");
  } else if (isinf(v)) {
    strcpy(buf, v > 0 ? "inf" : "-inf");
  } else {
    snprintf(buf, sizeof buf, "%.17g", v);
  }
  return t2n_intern(m, buf);
}

const char *t2n_fmt_string(t2n_module *m, const char *s, size_t n) {
  char *buf = t2n_xmalloc(n * 4 + 3), *p = buf;
  *p++ = '"';
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    switch (c) {
    case '\\': *p++ = '\\'; *p++ = '\\'; break;
    case '\'': *p++ = '\\'; *p++ = '\''; break;
    case '"': *p++ = '\\'; *p++ = '"'; break;
    case '\a': *p++ = '\\'; *p++ = 'a'; break;
    case '\b': *p++ = '\\'; *p++ = 'b'; break;
    case '\f': *p++ = '\\'; *p++ = 'f'; break;
    case '\n': *p++ = '\\'; *p++ = 'n'; break;
    case '\r': *p++ = '\\'; *p++ = 'r'; break;
    case '\t': *p++ = '\\'; *p++ = 't'; break;
    case '\v': *p++ = '\\'; *p++ = 'v'; break;
    default:
      if (c >= 0x20 && c < 0x7f) {
        *p++ = c;
      } else { /* torch computes these digits on a plain (signed) char */
        *p++ = '\\';
        *p++ = (char)(c / 64 + '0');
        *p++ = (char)((c % 64) / 8 + '0');
        *p++ = (char)(c % 8 + '0');
      }
    }
  }
  *p++ = '"';
  const char *r = t2n_intern_n(m, buf, (size_t)(p - buf));
  free(buf);
  return r;
}
