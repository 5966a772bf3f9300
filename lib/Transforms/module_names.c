/* Class names for the module-walking passes (module_util.h): demangling,
 * the dotted-prefix and glob patterns of --resolvable, and where a node came
 * from for remarks. */
#include "module_util.h"

#include <stdio.h>
#include <string.h>

const char *t2n_mu_demangle(t2n_module *m, const char *q) {
  if (strncmp(q, "__torch__.", 10) == 0) q += 10;
  size_t n = strlen(q);
  char *out = t2n_arena_alloc(m->arena, n + 1), *o = out;
  const char *p = q;
  while (*p) {
    const char *dot = strchr(p, '.');
    size_t len = dot ? (size_t)(dot - p) : strlen(p);
    int mangle = len > 16 && strncmp(p, "___torch_mangle_", 16) == 0 && dot &&
                 strspn(p + 16, "0123456789") == len - 16;
    if (!mangle) {
      if (o != out) *o++ = '.';
      memcpy(o, p, len);
      o += len;
    }
    if (!dot) break;
    p = dot + 1;
  }
  *o = 0;
  return out;
}

const char *t2n_mu_module_path(t2n_module *m, const char *qualname) {
  const char *d = t2n_mu_demangle(m, qualname);
  const char *dot = strrchr(d, '.');
  return dot ? t2n_intern_n(m, d, (size_t)(dot - d)) : "";
}

static int glob(const char *p, const char *s, size_t n) {
  for (; *p; p++) {
    if (*p == '*') {
      while (p[1] == '*') p++;
      for (size_t k = 0; k <= n; k++)
        if (glob(p + 1, s + k, n - k)) return 1;
      return 0;
    }
    if (!n || *p != *s) return 0;
    s++, n--;
  }
  return n == 0;
}

int t2n_mu_pattern_covers(const char *pattern, const char *name) {
  if (strncmp(pattern, "__torch__.", 10) == 0) pattern += 10;
  char pat[512];
  snprintf(pat, sizeof pat, "%s", pattern);
  size_t pl = strlen(pat);
  while (pl && pat[pl - 1] == '.') pat[--pl] = 0;
  if (!pl) return 0;
  size_t n = strlen(name);
  for (size_t k = 1; k <= n; k++)
    if ((k == n || name[k] == '.') && glob(pat, name, k)) return 1;
  return 0;
}

int t2n_mu_class_resolvable(t2n_module *m, const t2n_pass_options *opts, const char *qualname,
                            const char **why) {
  const char *d = t2n_mu_demangle(m, qualname);
  if (t2n_mu_pattern_covers("torch.nn", d)) {
    if (why) *why = "torch.nn";
    return 1;
  }
  for (int i = 0; opts && i < opts->nresolvable; i++)
    if (t2n_mu_pattern_covers(opts->resolvable[i], d)) {
      if (why) *why = opts->resolvable[i];
      return 1;
    }
  return 0;
}

const char *t2n_mu_where(t2n_module *m, const t2n_node *n) {
  if (n && n->source && *n->source) {
    const char *s = n->source, *slash = strrchr(s, '/');
    return slash ? slash + 1 : s;
  }
  if (n && n->line) {
    char buf[32];
    snprintf(buf, sizeof buf, "line %d", n->line);
    return t2n_intern(m, buf);
  }
  return "?";
}
