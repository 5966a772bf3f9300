/* Loads the libtorch backend (libt2n_torch.so) on first use and forwards the
 * C API of include/t2n/torch.h to it. Linking libtorch into every tool would
 * cost each run about half a second of start-up for libtorch's shared
 * libraries, even when no backend function is called; this way only runs
 * that need torch pay for it.
 *
 * The library is looked for in $T2N_TORCH_LIBRARY, then next to the running
 * executable's build tree (../lib/), then through the dynamic loader's path.
 * T2N_NO_TORCH=1 makes loading fail, as if the backend were not built: the
 * tests use it to show a run never needed libtorch. */
#ifdef T2N_HAVE_TORCH
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t2n/examples.h"
#include "t2n/torch.h"

#define T2N_TORCH_API(ret, name, params, args) typedef ret(*fn_##name) params;
#include "t2n/torch_api.def"
#undef T2N_TORCH_API

static struct {
  int tried;
  void *lib;
  char error[512];
#define T2N_TORCH_API(ret, name, params, args) fn_##name name;
#include "t2n/torch_api.def"
#undef T2N_TORCH_API
} api;

/* Lazy binding: resolving every libtorch function at load costs about
 * 40 ms of a .jit run; the t2n_torchimpl_ entry points are still checked
 * below, and libt2n_torch.so is built against the libtorch it loads. */
static void *try_open(const char *path) {
  void *h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
  if (!h && !api.error[0]) snprintf(api.error, sizeof api.error, "%s", dlerror());
  return h;
}

static int load(void) {
  if (api.tried) return api.lib != NULL;
  api.tried = 1;
  const char *off = getenv("T2N_NO_TORCH");
  if (off && *off && strcmp(off, "0") != 0) {
    snprintf(api.error, sizeof api.error, "T2N_NO_TORCH is set");
    return 0;
  }
  const char *env = getenv("T2N_TORCH_LIBRARY");
  if (env && *env) api.lib = try_open(env);
  if (!api.lib) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 64);
    if (n > 0) {
      exe[n] = 0;
      char *slash = strrchr(exe, '/');
      if (slash) {
        strcpy(slash, "/../lib/libt2n_torch.so");
        api.lib = try_open(exe);
      }
    }
  }
  if (!api.lib) api.lib = try_open("libt2n_torch.so");
  if (!api.lib) return 0;
#define T2N_TORCH_API(ret, name, params, args)                                   \
  api.name = (fn_##name)dlsym(api.lib, "t2n_torchimpl_" #name);                    \
  if (!api.name) {                                                                 \
    snprintf(api.error, sizeof api.error, "libt2n_torch.so lacks t2n_torchimpl_" #name); \
    api.lib = NULL;                                                                \
    return 0;                                                                      \
  }
#include "t2n/torch_api.def"
#undef T2N_TORCH_API
  return 1;
}

/* Each forwarder reports a missing backend through the diagnostic argument
 * when the function has one; the others return a neutral value. */
static void missing(t2n_diag *d) {
  t2n_report(d, T2N_ERROR, NULL, "the libtorch backend could not be loaded: %s",
             api.error[0] ? api.error : "unknown reason");
}

const char *t2n_torch_version(void) { return load() ? api.version() : "unavailable"; }
t2n_torch *t2n_torch_open(const char *jit_path, const char *submodule, t2n_diag *d) {
  if (!load()) return missing(d), NULL;
  return api.open(jit_path, submodule, d);
}
void t2n_torch_free(t2n_torch *t) {
  if (t && load()) api.free(t);
}
char *t2n_torch_export_text(t2n_torch *t, const char *weights_name, size_t *len, t2n_diag *d) {
  if (!load()) return missing(d), NULL;
  return api.export_text(t, weights_name, len, d);
}
int t2n_torch_write_weights(t2n_torch *t, const char *path, t2n_diag *d) {
  if (!load()) return missing(d), 1;
  return api.write_weights(t, path, d);
}
void *t2n_torch_weights_bytes(t2n_torch *t, size_t *len, t2n_diag *d) {
  if (!load()) return missing(d), NULL;
  return api.weights_bytes(t, len, d);
}
int t2n_torch_weights(t2n_torch *t, const t2n_torch_weight **out, const void **map, size_t *map_size,
                      t2n_diag *d) {
  if (!load()) return missing(d), -1;
  return api.weights(t, out, map, map_size, d);
}
t2n_module *t2n_torch_load(const char *jit_path, const char *submodule, const char *weights_name,
                           t2n_diag *d, t2n_torch **out) {
  if (!load()) return missing(d), NULL;
  return api.load(jit_path, submodule, weights_name, d, out);
}
t2n_torch *t2n_torch_new_empty(void) { return load() ? api.new_empty() : NULL; }
int t2n_torch_read_weights(t2n_torch *t, const char *path, t2n_diag *d) {
  if (!load()) return missing(d), 1;
  return api.read_weights(t, path, d);
}
t2n_torch_values *t2n_torch_make_inputs(t2n_torch *t, const t2n_graph *g, const t2n_example *ex, int nex,
                                        uint64_t seed, t2n_diag *d) {
  if (!load()) return missing(d), NULL;
  return api.make_inputs(t, g, ex, nex, seed, d);
}
t2n_torch_values *t2n_torch_run(t2n_torch *t, t2n_module *m, t2n_graph *g, const t2n_torch_values *inputs,
                                t2n_diag *d) {
  if (!load()) return missing(d), NULL;
  return api.run(t, m, g, inputs, d);
}
t2n_torch_values *t2n_torch_run_method(t2n_torch *t, const char *method, const t2n_torch_values *inputs,
                                       t2n_diag *d) {
  if (!load()) return missing(d), NULL;
  return api.run_method(t, method, inputs, d);
}
int t2n_torch_eval_value(t2n_torch *t, t2n_module *m, t2n_graph *g, const t2n_value *v,
                         const t2n_torch_values *inputs, t2n_torch_scalar *out, t2n_diag *d) {
  if (!load()) return missing(d), 1;
  return api.eval_value(t, m, g, v, inputs, out, d);
}
int t2n_torch_values_count(const t2n_torch_values *vs) { return vs && load() ? api.values_count(vs) : 0; }
int t2n_torch_values_compare(const t2n_torch_values *a, const t2n_torch_values *b, double atol, double *max_diff,
                             char *why, size_t whylen) {
  if (!load()) return 0;
  return api.values_compare(a, b, atol, max_diff, why, whylen);
}
void t2n_torch_values_print(FILE *out, const t2n_torch_values *vs) {
  if (load()) api.values_print(out, vs);
}
int t2n_torch_values_write(const t2n_torch_values *vs, const char *path, t2n_diag *d) {
  if (!load()) return missing(d), 1;
  return api.values_write(vs, path, d);
}
void t2n_torch_values_free(t2n_torch_values *vs) {
  if (vs && load()) api.values_free(vs);
}
#endif

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "t2n/options.h"

int t2n_tool_exit(int status) {
#ifdef T2N_HAVE_TORCH
  /* T2N_ALLOC_COUNT prints its counts from an atexit handler. */
  if (api.lib && !getenv("T2N_ALLOC_COUNT")) {
    fflush(NULL);
    _exit(status);
  }
#endif
  return status;
}
