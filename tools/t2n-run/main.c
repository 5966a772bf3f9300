/* t2n-run: run a graph through torch's interpreter (the libtorch backend) on
 * example inputs and print or write its outputs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t2n/diag.h"
#include "t2n/examples.h"
#include "t2n/options.h"
#include "t2n/output.h"
#include "t2n/pass.h"
#include "t2n/text.h"
#ifdef T2N_HAVE_TORCH
#include "t2n/torch.h"
#endif

static void usage(FILE *out) {
  fputs("usage: t2n-run INPUT [OPTIONS] [-o OUTPUTS.safetensors]\n"
        "\n"
        "Runs a graph through torch's interpreter (the libtorch backend) on example\n"
        "inputs and prints its outputs, or writes them as safetensors with -o.\n"
        "INPUT is a TorchScript archive (.jit, .pt, .pth), t2n module text, a module\n"
        "dump or graph text. For module text the weights file it names is read; method\n"
        "graphs that take the module object (self) need the archive (--jit).\n"
        "\n"
        "Options:\n", out);
  t2n_options_help(out, T2N_TOOL_RUN);
}

#ifdef T2N_HAVE_TORCH
#include "t2n/torch.h"
#endif

#ifdef T2N_HAVE_TORCH
static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
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
  if (!t2n_input_is_archive(input)) {
    t2n_report(d, T2N_ERROR, NULL, "--dump needs a TorchScript archive file (a zip: .jit, .pt, .pth)");
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
  t2n_output wo;
  int wopen = 0;
  t2n_torch *t = t2n_torch_open(input, submodule, d);
  if (!t) goto out;
  text = t2n_torch_export_text(t, wname, &len, d);
  if (!text) goto out;
  /* The weights first, the text last: text naming weights that were not
   * written is never left behind. */
  if (!t2n_output_open(&wo, wpath, d)) goto out;
  wopen = 1;
  t2n_output_close_file(&wo);
  if (t2n_torch_write_weights(t, wo.path, d)) goto out;
  wopen = 0;
  if (!t2n_output_commit(&wo, d)) goto out;
  if (!t2n_write_file(out, text, len, d)) goto out;
  rc = 0;
out:
  if (wopen) t2n_output_abort(&wo);
  free(text);
  free(wpath);
  t2n_torch_free(t);
  return rc;
}
#endif

static int run(int argc, char **argv) {
  t2n_diag diag;
  t2n_diag_init(&diag);
  diag.prog = "t2n-run";
  t2n_diag *d = &diag;
  const char *input = NULL, *out = NULL, *method = NULL, *submodule = NULL, *jit = NULL,
             *weights = NULL, *dump = NULL, *reference = NULL;
  unsigned long long seed = 0;
  int compare = 0;
  double atol = 1e-6;
  t2n_pass_options po;
  memset(&po, 0, sizeof po);
  t2n_args args;
  t2n_args_init(&args, argc, argv, T2N_TOOL_RUN);
  for (;;) {
    const char *val;
    t2n_option_id id = t2n_args_next(&args, &val, d);
    if (id == T2N_O_END) break;
    if (t2n_option_examples(id, val, &po)) continue;
    char *end = NULL;
    switch (id) {
    case T2N_O_HELP: usage(stdout); t2n_examples_free(&po); return 0;
    case T2N_O_VERSION: t2n_print_version(stdout, "t2n-run"); t2n_examples_free(&po); return 0;
    case T2N_O_OUTPUT: out = val; break;
    case T2N_O_METHOD: method = val; break;
    case T2N_O_SUBMODULE: submodule = val; break;
    case T2N_O_JIT: jit = val; break;
    case T2N_O_REFERENCE: reference = val; break;
    case T2N_O_DUMP: dump = val; break;
    case T2N_O_WEIGHTS: weights = val; break;
    case T2N_O_SEED:
      seed = strtoull(val, &end, 10);
      if (!*val || *end) {
        t2n_report(d, T2N_ERROR, NULL, "--seed expects a non-negative integer, not '%s'", val);
        t2n_examples_free(&po);
        return 1;
      }
      break;
    case T2N_O_ATOL:
      atol = strtod(val, &end);
      if (!*val || *end || !(atol >= 0)) {
        t2n_report(d, T2N_ERROR, NULL, "--atol expects a non-negative number, not '%s'", val);
        t2n_examples_free(&po);
        return 1;
      }
      break;
    case T2N_O_COMPARE_TORCH: compare = 1; break;
    case T2N_O_POSITIONAL:
      if (input) {
        t2n_report(d, T2N_ERROR, NULL, "more than one input ('%s' and '%s')", input, val);
        t2n_examples_free(&po);
        return 1;
      }
      input = val;
      break;
    default:
      t2n_examples_free(&po);
      return 1;
    }
  }
  if (!input) {
    t2n_report(d, T2N_ERROR, NULL, "no input file (see --help)");
    t2n_examples_free(&po);
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
  if (jit && t2n_input_is_archive(input)) {
    t2n_report(d, T2N_ERROR, NULL, "--jit applies to text inputs only");
    goto done;
  }
  /* The archive is recognised by its content (on stdin too); its backend
   * handle comes back in t. */
  /* With text input, --submodule names the root in --jit / --reference. */
  const char *sub = t2n_input_is_archive(input) || (!jit && !reference) ? submodule : NULL;
  m = t2n_load_input(input, sub, NULL, (void **)&t, "", d);
  if (!m) goto done;
  int from_archive = t != NULL;
  if (!from_archive) {
    t = jit ? t2n_torch_open(jit, submodule, d) : t2n_torch_new_empty();
    if (!t) goto done;
    char *wp = weights ? strdup(weights) : jit ? NULL : t2n_module_weights_path(m, input);
    if (wp && access(wp, R_OK) != 0) {
      /* Without it every weight would be "no tensor ... in the weights". */
      t2n_report(d, T2N_ERROR, NULL, "cannot read the weights file '%s' %s: %s", wp,
                 weights ? "(--weights)" : "that the module text names", strerror(errno));
      free(wp);
      goto done;
    }
    if (wp && t2n_torch_read_weights(t, wp, d)) {
      free(wp);
      goto done;
    }
    free(wp);
  }
  if (compare && !from_archive && !jit) {
    t2n_report(d, T2N_ERROR, NULL, "--compare-torch needs the archive (a .jit input or --jit)");
    goto done;
  }
  t2n_graph *g = t2n_module_target_graph(m, method, d);
  if (!g) goto done;
  if (!t2n_examples_apply(&po, g, 0, d)) goto done;
  in = t2n_torch_make_inputs(t, g, po.examples, po.nexamples, seed, d);
  if (!in) goto done;
  res = t2n_torch_run(t, m, g, in, d);
  if (!res) goto done;
  if (reference) {
    rt = t2n_torch_open(reference, submodule, d);
    if (!rt) goto done;
  }
  if (compare || reference) {
    /* -lift-state made module state graph inputs (%self.n): the archive's
     * own method keeps that state inside the module and takes fewer
     * arguments, so torch would only say "expected N arguments". */
    for (int i = 0; i < t2n_graph_ninputs(g); i++) {
      const t2n_value *v = t2n_graph_input(g, i);
      /* "%self.1" is the module itself; "%self._state" lifted state. */
      if (v->name && strncmp(v->name, "self.", 5) == 0 && !(v->name[5] >= '0' && v->name[5] <= '9')) {
        t2n_report(d, T2N_ERROR, NULL,
                   "the graph takes lifted module state (input %%%s, made by -lift-state), which %s's own method "
                   "keeps inside the module: it cannot be called with these inputs; compare the graph from before "
                   "-lift-state, or run the lifted graph without %s", v->name, reference ? reference : input,
                   reference ? "--reference" : "--compare-torch");
        goto done;
      }
    }
    ref = t2n_torch_run_method(rt ? rt : t, method ? method : "forward", in, d);
    if (!ref) goto done;
    double md = 0;
    char why[512] = "";
    if (!t2n_torch_values_compare(res, ref, atol, &md, why, sizeof why)) {
      t2n_report(d, T2N_ERROR, NULL, "the graph's outputs differ from torch's own method: %s", why);
      goto done;
    }
    t2n_say(d, "outputs agree with torch (max abs diff %g)", md);
  }
  if (out) {
    /* Through a temporary beside the target (or directly to a device), so
     * a failed write leaves an older file as it was. */
    t2n_output o;
    if (!t2n_output_open(&o, out, d)) goto done;
    t2n_output_close_file(&o);
    if (t2n_torch_values_write(res, o.is_stdout ? "/dev/stdout" : o.path, d)) {
      t2n_output_abort(&o);
      goto done;
    }
    if (!t2n_output_commit(&o, d)) goto done;
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

int main(int argc, char **argv) { return t2n_tool_exit(run(argc, argv)); }
