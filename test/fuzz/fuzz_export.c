/* libFuzzer target: t2n-export to a scratch folder, the way a user runs it.
 * The input is written to a scratch file and exported with every tensor
 * input given the example shape 2x3 (ints 1, floats 0.5, bools True), to a
 * .nnef.tgz beside it. t2n-export may refuse an input with an error, but it
 * must never crash, leak or trip a sanitizer, and it must keep its promise
 * about outputs: on success the archive is there; on failure nothing is, no
 * temporary is left behind, and nothing is written outside the folder. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "t2n/nnef.h"
#include "t2n/text.h"

static char dir[64], in[96], out[96];

/* Entries of the scratch folder other than the input. */
static int extra_entries(void) {
  DIR *d = opendir(dir);
  FUZZ_CHECK(d != NULL, "the scratch folder is gone");
  int n = 0;
  for (struct dirent *e; (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "in.t2n")) n++;
  closedir(d);
  return n;
}

/* --input-shape / --input-value for the target graph's inputs. */
enum { MaxArgs = 64 };
static int example_args(const uint8_t *data, size_t size, char **argv, int argc, char bufs[][160]) {
  t2n_diag d;
  fuzz_diag(&d);
  t2n_module *m = t2n_parse((const char *)data, size, "<fuzz>", &d);
  if (!m) return argc;
  t2n_graph *g = t2n_module_target_graph(m, NULL, &d);
  for (int i = 0; g && i < g->top->nparams && argc < MaxArgs - 2; i++) {
    const t2n_value *v = g->top->params[i];
    const t2n_type *t = v->type;
    const char *flag = "--input-value", *val = NULL;
    if (t2n_type_is_tensor(t)) flag = "--input-shape", val = "2x3";
    else if (t->kind == T2N_TY_SCALAR && strcmp(t->name, "int") == 0) val = "1";
    else if (t->kind == T2N_TY_SCALAR && strcmp(t->name, "float") == 0) val = "0.5";
    else if (t->kind == T2N_TY_SCALAR && strcmp(t->name, "bool") == 0) val = "True";
    if (!val || strlen(v->name) > 100 || strchr(v->name, '=')) continue;
    argv[argc++] = (char *)flag;
    snprintf(bufs[i], 160, "%s=%s", v->name, val);
    argv[argc++] = bufs[i];
  }
  t2n_module_free(m);
  return argc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/t2n-fuzz-export-XXXXXX");
    FUZZ_CHECK(mkdtemp(dir) != NULL, "cannot make a scratch folder");
    snprintf(in, sizeof in, "%s/in.t2n", dir);
    snprintf(out, sizeof out, "%s/out.nnef.tgz", dir);
  }
  FILE *f = fopen(in, "wb");
  FUZZ_CHECK(f && fwrite(data, 1, size, f) == size && fclose(f) == 0, "cannot write the input");
  char *argv[MaxArgs + 1] = {"t2n-export", in, "-o", out, "--quiet"};
  static char bufs[MaxArgs][160];
  int argc = example_args(data, size, argv, 5, bufs);
  argv[argc] = NULL;
  /* Its refusals go to stderr like a sanitizer's report would: not hidden,
   * so a finding reproduces with its message. */
  int rc = t2n_export_main(argc, argv);
  struct stat st;
  int exists = stat(out, &st) == 0;
  FUZZ_CHECK(rc == 0 || rc == 1, "t2n-export returned neither 0 nor 1");
  if (rc == 0) FUZZ_CHECK(exists && S_ISREG(st.st_mode), "t2n-export succeeded but wrote no archive");
  else FUZZ_CHECK(!exists, "t2n-export failed but left an archive");
  unlink(out);
  FUZZ_CHECK(extra_entries() == 0, "t2n-export left a temporary or another file");
  return 0;
}
