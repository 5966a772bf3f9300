#define _XOPEN_SOURCE 700 /* realpath */
/* Module text written to a file names weights that exist from there.
 *
 * The `weights "..."` line is relative to the text's own folder. Text made
 * from a .jit names weights only the backend holds: they are written beside
 * the output (OUT.t2n -> OUT.safetensors), before the text, so a text naming
 * weights that were not written is never left behind. Text read from a file
 * names weights relative to the input's folder: written elsewhere, the name
 * is rewritten relative to the output's folder. Printed to stdout or a
 * device, the text is left as read (a round trip stays byte for byte). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t2n/alloc.h"
#include "t2n/options.h"
#include "t2n/output.h"
#include "t2n/text.h"
#ifdef T2N_HAVE_TORCH
#include "t2n/torch.h"
#endif

char *t2n_weights_beside(const char *out) {
  size_t n = strlen(out);
  size_t stem = n >= 4 && strcmp(out + n - 4, ".t2n") == 0 ? n - 4 : n;
  char *p = t2n_xmalloc(stem + sizeof ".safetensors");
  if (!p) abort();
  memcpy(p, out, stem);
  strcpy(p + stem, ".safetensors");
  return p;
}

/* realpath of the folder holding `path`; NULL if it does not exist. */
static char *real_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char dir[PATH_MAX];
  if (!slash) snprintf(dir, sizeof dir, ".");
  else if (slash == path) snprintf(dir, sizeof dir, "/");
  else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  return realpath(dir, NULL);
}

/* `file` (in real folder `fdir`) named from real folder `from`. */
static char *relative(const char *fdir, const char *base, const char *from) {
  size_t common = 0, i = 0;
  /* the longest common prefix that ends on a component boundary */
  for (;; i++) {
    char a = fdir[i], b = from[i];
    if ((a == '/' || !a) && (b == '/' || !b)) common = i;
    if (!a || !b || a != b) break;
  }
  size_t ups = 0;
  for (const char *p = from + common; *p; p++)
    if (*p == '/') ups++;
  const char *down = fdir[common] == '/' ? fdir + common + 1 : fdir + common;
  size_t len = ups * 3 + strlen(down) + 1 + strlen(base) + 1;
  char *r = t2n_xmalloc(len);
  if (!r) abort();
  r[0] = 0;
  for (size_t k = 0; k < ups; k++) strcat(r, "../");
  if (*down) {
    strcat(r, down);
    strcat(r, "/");
  }
  strcat(r, base);
  return r;
}

static int is_regular_target(const char *out) {
  if (!out || strcmp(out, "-") == 0) return 0;
  struct stat st;
  return stat(out, &st) != 0 || S_ISREG(st.st_mode);
}

int t2n_place_weights(t2n_module *m, const char *input, const char *out, void *torch, t2n_diag *d) {
  if (!m || m->kind != T2N_TEXT_T2N) return 1;
  if (torch) {
#ifdef T2N_HAVE_TORCH
    if (!is_regular_target(out)) {
      t2n_report(d, T2N_WARNING, NULL,
                 "the module text names the weights \"%s\", which are not written; with -o FILE.t2n they are "
                 "written beside it (FILE.safetensors)", m->weights ? m->weights : "");
      return 1;
    }
    char *wpath = t2n_weights_beside(out);
    const char *base = strrchr(wpath, '/');
    base = base ? base + 1 : wpath;
    t2n_output wo;
    int ok = t2n_output_open(&wo, wpath, d);
    if (ok) {
      t2n_output_close_file(&wo);
      if (t2n_torch_write_weights(torch, wo.path, d)) {
        t2n_output_abort(&wo);
        ok = 0;
      } else {
        ok = t2n_output_commit(&wo, d);
      }
    }
    if (ok) m->weights = t2n_intern(m, base);
    free(wpath);
    return ok;
#else
    return 1;
#endif
  }
  if (!m->weights || m->weights[0] == '/' || !is_regular_target(out)) return 1;
  char *wpath = t2n_module_weights_path(m, input);
  char *wdir = real_dir(wpath), *odir = real_dir(out);
  int ok = 1;
  if (access(wpath, R_OK) != 0) {
    t2n_report(d, T2N_WARNING, NULL, "the weights file \"%s\" that the input names does not exist (looked for '%s')",
               m->weights, wpath);
  } else if (wdir && odir && strcmp(wdir, odir) != 0) {
    const char *base = strrchr(wpath, '/');
    char *rel = relative(wdir, base ? base + 1 : wpath, odir);
    m->weights = t2n_intern(m, rel);
    free(rel);
  } else if (wdir && odir) {
    /* Same folder: the name is kept as written (a round trip is byte for byte). */
    const char *base = strrchr(wpath, '/');
    if (strchr(m->weights, '/')) m->weights = t2n_intern(m, base ? base + 1 : wpath);
  }
  free(wpath);
  free(wdir);
  free(odir);
  return ok;
}
