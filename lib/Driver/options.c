/* Parsing of the tools' command lines from include/t2n/options.def. */
#include "t2n/jit_archive.h"
#include "t2n/options.h"
#include "t2n/text.h"
#ifdef T2N_HAVE_TORCH
#include "t2n/torch.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t2n/examples.h"
#include "t2n/suggest.h"

static const t2n_option_info table[] = {
#define T2N_FLAG(id, name, arg, metavar, tools, help) {name, arg, metavar, tools, help},
#include "t2n/options.def"
};
#define NOPTIONS ((int)(sizeof table / sizeof table[0]))

const t2n_option_info *t2n_option_table(int *n) {
  *n = NOPTIONS;
  return table;
}

void t2n_args_init(t2n_args *a, int argc, char **argv, unsigned tool) {
  memset(a, 0, sizeof *a);
  a->argc = argc;
  a->argv = argv;
  a->i = 1;
  a->tool = tool;
  a->pipeline_option = -1;
}

/* Every option name the tool accepts, for suggestions. */
static int names(unsigned tool, const char **out, int cap) {
  int n = 0, npo;
  for (int i = 0; i < NOPTIONS && n < cap; i++)
    if (table[i].tools & tool) out[n++] = table[i].name;
  if (tool & T2N_TOOL_OPT) {
    const t2n_pipeline_option_info *po = t2n_pipeline_option_table(&npo);
    static char buf[16][64];
    for (int i = 0; i < npo && i < 16 && n < cap; i++) {
      snprintf(buf[i], sizeof buf[i], "--%s", po[i].name);
      out[n++] = buf[i];
    }
  }
  return n;
}

static t2n_option_id unknown(t2n_args *a, const char *arg, t2n_diag *d) {
  const char *cands[128];
  int n = names(a->tool, cands, 128);
  size_t len = strcspn(arg, "=");
  char word[128];
  snprintf(word, sizeof word, "%.*s", (int)(len < sizeof word ? len : sizeof word - 1), arg);
  const char *near = t2n_closest(word, cands, n);
  if (near) t2n_report(d, T2N_ERROR, NULL, "unknown option '%s'; did you mean %s?", word, near);
  else t2n_report(d, T2N_ERROR, NULL, "unknown option '%s' (see --help)", word);
  return T2N_O_ERROR;
}

t2n_option_id t2n_args_next(t2n_args *a, const char **val, t2n_diag *d) {
  *val = NULL;
  if (a->i >= a->argc) return T2N_O_END;
  const char *arg = a->argv[a->i++];
  if (arg[0] != '-' || arg[1] == 0) {
    *val = arg;
    return T2N_O_POSITIONAL;
  }
  if (strcmp(arg, "-h") == 0) return T2N_O_HELP;
  for (int k = 0; k < NOPTIONS; k++) {
    const t2n_option_info *o = &table[k];
    if (!(o->tools & a->tool)) continue;
    size_t n = strlen(o->name);
    if (strncmp(arg, o->name, n) != 0 || (arg[n] != 0 && arg[n] != '=')) continue;
    if (o->arg == T2N_ARG_NONE) {
      if (arg[n] == '=') {
        t2n_report(d, T2N_ERROR, NULL, "option '%s' takes no value", o->name);
        return T2N_O_ERROR;
      }
      return (t2n_option_id)k;
    }
    if (arg[n] == '=') {
      *val = arg + n + 1;
    } else if (o->arg == T2N_ARG_REQUIRED) {
      if (a->i >= a->argc) {
        t2n_report(d, T2N_ERROR, NULL, "option '%s' needs a value (%s)", o->name, o->metavar);
        return T2N_O_ERROR;
      }
      *val = a->argv[a->i++];
    }
    return (t2n_option_id)k;
  }
  if (arg[1] == '-') {
    if (a->tool & T2N_TOOL_OPT) {
      int npo;
      const t2n_pipeline_option_info *po = t2n_pipeline_option_table(&npo);
      for (int k = 0; k < npo; k++)
        if (strcmp(arg + 2, po[k].name) == 0) {
          a->pipeline_option = k;
          return T2N_O_PIPELINE_OPTION;
        }
    }
    return unknown(a, arg, d);
  }
  if (a->tool & T2N_TOOL_OPT) {
    *val = arg + 1;
    return T2N_O_PASS;
  }
  return unknown(a, arg, d);
}

int t2n_option_examples(t2n_option_id id, const char *val, t2n_pass_options *po) {
  switch (id) {
  case T2N_O_INPUT_SHAPE: t2n_example_add_spec(po, T2N_EXAMPLE_SHAPE, val); return 1;
  case T2N_O_INPUT_VALUE: t2n_example_add_spec(po, T2N_EXAMPLE_VALUE, val); return 1;
  case T2N_O_EXAMPLE_INPUTS: t2n_example_add_spec(po, T2N_EXAMPLE_FILE, val); return 1;
  default: return 0;
  }
}

#define HELP_COL 38
#define HELP_WIDTH 100

/* "  NAME METAVAR" then the help wrapped at word boundaries. */
static void help_row(FILE *out, const char *left, const char *help) {
  int col = fprintf(out, "  %s", left);
  if (col >= HELP_COL) {
    fputc('\n', out);
    col = 0;
  }
  fprintf(out, "%*s", HELP_COL - col, "");
  col = HELP_COL;
  const char *p = help;
  while (*p) {
    size_t w = strcspn(p, " ");
    if (col > HELP_COL && col + 1 + (int)w > HELP_WIDTH) {
      fprintf(out, "\n%*s", HELP_COL, "");
      col = HELP_COL;
    } else if (col > HELP_COL) {
      fputc(' ', out);
      col++;
    }
    fwrite(p, 1, w, out);
    col += (int)w;
    p += w;
    while (*p == ' ') p++;
  }
  fputc('\n', out);
}

void t2n_options_help(FILE *out, unsigned tool) {
  char left[128];
  for (int k = 0; k < NOPTIONS; k++) {
    const t2n_option_info *o = &table[k];
    if (!(o->tools & tool)) continue;
    if (k == T2N_O_HELP && (tool & T2N_TOOL_OPT)) { /* the pipeline options, before --help */
      int npo;
      const t2n_pipeline_option_info *po = t2n_pipeline_option_table(&npo);
      for (int i = 0; i < npo; i++) {
        snprintf(left, sizeof left, "--%s", po[i].name);
        help_row(out, left, po[i].summary);
      }
    }
    if (!o->metavar) snprintf(left, sizeof left, "%s", o->name);
    else if (o->arg == T2N_ARG_OPTIONAL) snprintf(left, sizeof left, "%s[=%s]", o->name, o->metavar);
    else snprintf(left, sizeof left, "%s %s", o->name, o->metavar);
    help_row(out, left, o->help);
  }
}

void t2n_print_version(FILE *out, const char *prog) {
#ifdef T2N_HAVE_TORCH
  fprintf(out, "%s %s (libtorch backend: built, loaded on first use)\n", prog, T2N_VERSION);
#else
  fprintf(out, "%s %s (libtorch backend: not built)\n", prog, T2N_VERSION);
#endif
}

/* By content, not by name: a renamed archive is still one, and a text
 * file called model.jit is text. */
int t2n_input_is_archive(const char *p) {
  if (strcmp(p, "-") == 0) return 0; /* stdin is sniffed once read */
  FILE *f = fopen(p, "rb");
  if (!f) return 0;
  char sig[4];
  size_t n = fread(sig, 1, sizeof sig, f);
  fclose(f);
  return t2n_is_zip(sig, n);
}

#ifdef T2N_HAVE_TORCH
static t2n_module *load_archive(const char *path, const char *submodule, const char *weights_name,
                                t2n_pass_manager *pm, void **torch, t2n_diag *d) {
  t2n_torch *t = NULL;
  t2n_module *m = t2n_torch_load(path, submodule, weights_name, d, &t);
  if (t) {
    if (torch) *torch = t;
    if (pm) t2n_pm_set_torch(pm, t);
    else if (!torch) t2n_torch_free(t);
  }
  return m;
}
#endif

/* An archive piped on stdin: torch reads archives from files, so it goes
 * through a private temporary file, removed as soon as torch has read it. */
static t2n_module *load_stdin(const char *submodule, t2n_pass_manager *pm, void **torch, const char *hint,
                              t2n_diag *d) {
  char *buf;
  size_t len;
  if (!t2n_read_file("-", &buf, &len, d)) return NULL;
  t2n_module *m = NULL;
  if (!t2n_is_zip(buf, len)) {
    if (submodule) t2n_report(d, T2N_ERROR, NULL, "--submodule applies to .jit inputs only");
    else m = t2n_parse_text(buf, len, "<stdin>", d);
    free(buf);
    return m;
  }
#ifdef T2N_HAVE_TORCH
  const char *dir = getenv("TMPDIR");
  char tmpl[4096];
  snprintf(tmpl, sizeof tmpl, "%s/t2n-stdin-XXXXXX", dir && *dir ? dir : "/tmp");
  int fd = mkstemp(tmpl);
  if (fd < 0) {
    t2n_report(d, T2N_ERROR, NULL, "cannot create a temporary file for the archive on stdin: %s", strerror(errno));
    free(buf);
    return NULL;
  }
  size_t done = 0;
  while (done < len) {
    ssize_t w = write(fd, buf + done, len - done);
    if (w <= 0) break;
    done += (size_t)w;
  }
  close(fd);
  if (done == len) m = load_archive(tmpl, submodule, "stdin.safetensors", pm, torch, d);
  else t2n_report(d, T2N_ERROR, NULL, "cannot write a temporary file for the archive on stdin: %s", strerror(errno));
  unlink(tmpl);
#else
  (void)pm;
  (void)torch;
  (void)submodule;
  t2n_report(d, T2N_ERROR, NULL,
             "<stdin> is a zip archive (a TorchScript .jit); reading it needs the libtorch backend, and this t2n "
             "was built without it (%s)", hint);
#endif
  free(buf);
  return m;
}

t2n_module *t2n_load_input(const char *path, const char *submodule, t2n_pass_manager *pm, void **torch,
                           const char *hint, t2n_diag *d) {
  struct stat st;
  if (strcmp(path, "-") == 0) return load_stdin(submodule, pm, torch, hint, d);
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    t2n_report(d, T2N_ERROR, NULL, "cannot read '%s': is a directory", path);
    return NULL;
  }
  if (t2n_input_is_archive(path)) {
    if (!t2n_check_jit_archive(path, d)) return NULL;
#ifdef T2N_HAVE_TORCH
    return load_archive(path, submodule, NULL, pm, torch, d);
#else
    (void)pm;
    (void)torch;
    t2n_report(d, T2N_ERROR, NULL,
               "'%s' is a zip archive (a TorchScript .jit); reading it needs the libtorch backend, and this t2n "
               "was built without it (%s)", path, hint);
    return NULL;
#endif
  }
  if (submodule) {
    t2n_report(d, T2N_ERROR, NULL, "--submodule applies to .jit inputs only");
    return NULL;
  }
  return t2n_parse_file(path, d);
}
