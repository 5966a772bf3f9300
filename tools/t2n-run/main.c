/* t2n-run: run a graph through torch's interpreter (the libtorch backend) on
 * example inputs and print or write its outputs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "t2n/diag.h"
#include "t2n/examples.h"
#include "t2n/pass.h"
#include "t2n/text.h"
#ifdef T2N_HAVE_TORCH
#include "t2n/torch.h"
#endif

static const char usage[] =
    "usage: t2n-run INPUT [OPTIONS] [-o OUTPUTS.safetensors]\n"
    "\n"
    "Runs a graph through torch's interpreter (the libtorch backend) on example\n"
    "inputs and prints its outputs, or writes them as safetensors with -o.\n"
    "INPUT is a TorchScript archive (.jit, .pt, .pth), t2n module text, a module\n"
    "dump or graph text. For module text the weights file it names is read; method\n"
    "graphs that take the module object (self) need the archive (--jit).\n"
    "\n"
    "Options:\n"
    "  -o FILE                             write the outputs to FILE (safetensors)\n"
    "  --method NAME                       method of the root module to run (default forward)\n"
    "  --submodule PATH                    with a .jit: use this submodule (a.b.c) as the root\n"
    "  --jit FILE                          archive providing the module object for text input\n"
    "  --weights FILE                      safetensors weights (default: the text's weights line)\n"
    "  --input-shape NAME=1x576[:f32]      example tensor input, filled with seeded random values\n"
    "  --input-value NAME=VALUE            example scalar input (int or float)\n"
    "  --example-inputs FILE.safetensors   example inputs by name\n"
    "  --seed N                            seed for random example tensors (default 0)\n"
    "  --dump OUT.t2n                      with a .jit: only import it, writing OUT.t2n and\n"
    "                                      OUT.safetensors exactly as utils/t2n-dump -o does\n"
    "  --compare-torch                     also run the archive's own method and check that the\n"
    "                                      outputs agree (exit 1 if not)\n"
    "  --reference FILE.jit                like --compare-torch for text input, run without the\n"
    "                                      archive: compare with FILE.jit's own method\n"
    "  --atol X                            tolerance of --compare-torch (default 1e-6)\n"
    "  --help\n";

#ifdef T2N_HAVE_TORCH
static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

static int is_archive(const char *p) {
  return ends_with(p, ".jit") || ends_with(p, ".pt") || ends_with(p, ".pth");
}


/* The weights file named by module text, relative to the text's folder. */
static char *weights_path(const char *input, const char *weights) {
  const char *slash = strrchr(input, '/');
  size_t dir = slash ? (size_t)(slash - input + 1) : 0;
  if (weights[0] == '/') dir = 0;
  char *p = malloc(dir + strlen(weights) + 1);
  memcpy(p, input, dir);
  strcpy(p + dir, weights);
  return p;
}

/* mkdir -p of the folder holding `path`. */
static void make_parent_dirs(const char *path) {
  char *p = strdup(path);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir(p, 0777) != 0 && errno != EEXIST) break;
    *s = '/';
  }
  free(p);
}

/* --dump: OUT.t2n and OUT.safetensors, as `t2n-dump MODEL.jit -o OUT.t2n`
 * (folders made as needed). */
static int dump_archive(const char *input, const char *submodule, const char *out, t2n_diag *d) {
  if (!is_archive(input)) {
    t2n_report(d, T2N_ERROR, NULL, "--dump needs a TorchScript archive (.jit, .pt, .pth)");
    return 1;
  }
  size_t n = strlen(out);
  size_t stem = ends_with(out, ".t2n") ? n - 4 : n;
  char *wpath = malloc(stem + sizeof ".safetensors");
  memcpy(wpath, out, stem);
  strcpy(wpath + stem, ".safetensors");
  const char *wname = strrchr(wpath, '/');
  wname = wname ? wname + 1 : wpath;
  int rc = 1;
  char *text = NULL;
  size_t len = 0;
  make_parent_dirs(out);
  t2n_torch *t = t2n_torch_open(input, submodule, d);
  if (!t) goto out;
  text = t2n_torch_export_text(t, wname, &len, d);
  if (!text) goto out;
  if (t2n_torch_write_weights(t, wpath, d)) goto out;
  FILE *f = fopen(out, "wb");
  if (!f) {
    t2n_report(d, T2N_ERROR, NULL, "cannot write %s", out);
    goto out;
  }
  int bad = fwrite(text, 1, len, f) != len;
  bad |= fclose(f) != 0;
  if (bad) {
    t2n_report(d, T2N_ERROR, NULL, "cannot write %s", out);
    goto out;
  }
  rc = 0;
out:
  free(text);
  free(wpath);
  t2n_torch_free(t);
  return rc;
}
#endif

int main(int argc, char **argv) {
  t2n_diag diag;
  t2n_diag_init(&diag);
  t2n_diag *d = &diag;
  const char *input = NULL, *out = NULL, *method = NULL, *submodule = NULL, *jit = NULL,
             *weights = NULL, *dump = NULL, *reference = NULL;
  unsigned long long seed = 0;
  int compare = 0;
  double atol = 1e-6;
  t2n_pass_options po;
  memset(&po, 0, sizeof po);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = NULL;
#define OPT(name)                                                                   \
  ((strcmp(a, name) == 0 && i + 1 < argc && (val = argv[++i])) ||                   \
   (strncmp(a, name "=", strlen(name) + 1) == 0 && (val = a + strlen(name) + 1)))
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage, stdout);
      return 0;
    } else if (OPT("-o")) {
      out = val;
    } else if (OPT("--method")) {
      method = val;
    } else if (OPT("--submodule")) {
      submodule = val;
    } else if (OPT("--jit")) {
      jit = val;
    } else if (OPT("--reference")) {
      reference = val;
    } else if (OPT("--dump")) {
      dump = val;
    } else if (OPT("--weights")) {
      weights = val;
    } else if (OPT("--input-shape")) {
      if (!t2n_example_parse_shape(&po, val, d)) return 1;
    } else if (OPT("--input-value")) {
      if (!t2n_example_parse_value(&po, val, d)) return 1;
    } else if (OPT("--example-inputs")) {
      if (!t2n_example_load_safetensors(&po, val, d)) return 1;
    } else if (OPT("--seed")) {
      seed = strtoull(val, NULL, 10);
    } else if (OPT("--atol")) {
      atol = strtod(val, NULL);
    } else if (strcmp(a, "--compare-torch") == 0) {
      compare = 1;
    } else if (a[0] == '-' && a[1]) {
      t2n_report(d, T2N_ERROR, NULL, "unknown option '%s' (see --help)", a);
      return 1;
    } else if (input) {
      t2n_report(d, T2N_ERROR, NULL, "more than one input ('%s' and '%s')", input, a);
      return 1;
    } else {
      input = a;
    }
#undef OPT
  }
  if (!input) {
    t2n_report(d, T2N_ERROR, NULL, "no input file (see --help)");
    return 1;
  }
#ifndef T2N_HAVE_TORCH
  (void)out; (void)method; (void)submodule; (void)jit; (void)weights; (void)seed;
  (void)compare; (void)atol; (void)dump; (void)reference;
  t2n_report(d, T2N_ERROR, NULL, "t2n-run needs the libtorch backend; this t2n was built without it");
  t2n_examples_free(&po);
  return 1;
#else
  int rc = 1;
  t2n_torch *t = NULL, *rt = NULL;
  t2n_module *m = NULL;
  t2n_torch_values *in = NULL, *res = NULL, *ref = NULL;
  if (dump) {
    rc = dump_archive(input, submodule, dump, d);
    goto done;
  }
  if (is_archive(input)) {
    if (jit) {
      t2n_report(d, T2N_ERROR, NULL, "--jit applies to text inputs only");
      goto done;
    }
    m = t2n_torch_load(input, submodule, NULL, d, &t);
    if (!m) goto done;
  } else {
    m = t2n_parse_file(input, d);
    if (!m) goto done;
    t = jit ? t2n_torch_open(jit, submodule, d) : t2n_torch_new_empty();
    if (!t) goto done;
    if (weights) {
      if (t2n_torch_read_weights(t, weights, d)) goto done;
    } else if (m->kind == T2N_TEXT_T2N && m->weights && !jit) {
      char *wp = weights_path(input, m->weights);
      FILE *f = fopen(wp, "rb");
      if (f) {
        fclose(f);
        if (t2n_torch_read_weights(t, wp, d)) {
          free(wp);
          goto done;
        }
      }
      free(wp);
    }
  }
  if (compare && !is_archive(input) && !jit) {
    t2n_report(d, T2N_ERROR, NULL, "--compare-torch needs the archive (a .jit input or --jit)");
    goto done;
  }
  t2n_graph *g = t2n_module_target_graph(m, method, d);
  if (!g) goto done;
  in = t2n_torch_make_inputs(t, g, po.examples, po.nexamples, seed, d);
  if (!in) goto done;
  res = t2n_torch_run(t, m, g, in, d);
  if (!res) goto done;
  if (reference) {
    rt = t2n_torch_open(reference, submodule, d);
    if (!rt) goto done;
  }
  if (compare || reference) {
    ref = t2n_torch_run_method(rt ? rt : t, method ? method : "forward", in, d);
    if (!ref) goto done;
    double md = 0;
    char why[512] = "";
    if (!t2n_torch_values_compare(res, ref, atol, &md, why, sizeof why)) {
      t2n_report(d, T2N_ERROR, NULL, "the graph's outputs differ from torch's own method: %s", why);
      goto done;
    }
    fprintf(stderr, "t2n-run: outputs agree with torch (max abs diff %g)\n", md);
  }
  if (out) {
    if (t2n_torch_values_write(res, out, d)) goto done;
  } else {
    t2n_torch_values_print(stdout, res);
  }
  rc = 0;
done:
  t2n_torch_values_free(in);
  t2n_torch_values_free(res);
  t2n_torch_values_free(ref);
  if (m) t2n_module_free(m);
  t2n_torch_free(t);
  t2n_torch_free(rt);
  t2n_examples_free(&po);
  return rc || d->nerrors ? 1 : 0;
#endif
}
