/* Entry points of the parser: set up one scanner and one parser state per
 * input, run bison's parser, and hand back the module or NULL. */
#include <errno.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse_state.h"
#include "t2n/alloc.h"
#include "parser.h"
#define YYSTYPE T2N_YYSTYPE
#define YYLTYPE T2N_YYLTYPE
#include "lexer.h"
#include "t2n/text.h"
#include "t2n/utf8.h"

int t2n_yyparse(void *scanner, t2n_pstate *ps);
void t2n_lexer_reset(yyscan_t scanner, t2n_pstate *ps, YY_BUFFER_STATE *bs, char *base,
                     size_t size);

/* What one parse leaves for the next on the same thread: the scanner, the
 * copy of the input it scans, and the parser's scratch lists. Parsing many
 * small graphs in a row (a corpus, a benchmark, a pass pipeline that
 * re-reads text) then costs no allocations beyond the module's own. */
typedef struct reuse {
  yyscan_t scanner;
  YY_BUFFER_STATE buffer;
  char *copy;
  size_t copycap;
  struct t2n_out *outs;
  int capouts;
  t2n_value **args;
  int capargs;
  char *raw;
  size_t rawcap;
} reuse;
static _Thread_local reuse kept;

t2n_module *t2n_parse(const char *buf, size_t len, const char *file, t2n_diag *d) {
  t2n_pstate ps;
  memset(&ps, 0, sizeof ps);
  ps.mod = t2n_module_new();
  ps.diag = d;
  ps.file = file;
  ps.buf = buf;
  ps.len = len;
  ps.line = 1;
  if (len >= (size_t)INT32_MAX) {
    t2n_srcloc l = {file, NULL, 0, 0, 0};
    t2n_report(d, T2N_ERROR, &l, "input too large");
    t2n_module_free(ps.mod);
    return NULL;
  }
  if (t2n_is_zip(buf, len)) {
    /* A TorchScript archive given where text is read: say what it is
     * instead of quoting its binary bytes. */
    t2n_srcloc l = {file, NULL, 0, 0, 0};
    t2n_report(d, T2N_ERROR, &l, "this is a zip archive (a TorchScript .jit?), not IR text");
    t2n_module_free(ps.mod);
    return NULL;
  }
  const char *z = memchr(buf, 0, len);
  size_t bad = t2n_utf8_check(buf, z ? (size_t)(z - buf) : len);
  if (z || bad < len) {
    const char *at = bad < len ? buf + bad : z;
    int line = 1, col = 1;
    for (const char *p = buf; p < at; p++) {
      if (*p == '\n') line++, col = 1;
      else col++;
    }
    /* Early NUL: binary data, whose "line" would print garbage on the
     * terminal. A late one in text is quoted as usual. */
    int binary = at == z && z - buf < 4096;
    t2n_srcloc l = {file, binary ? NULL : buf, binary ? 0 : len, line, col};
    if (binary) t2n_report(d, T2N_ERROR, &l, "binary data (a NUL byte), not IR text nor a zip archive");
    else if (at == z) t2n_report(d, T2N_ERROR, &l, "unexpected NUL byte");
    else t2n_report(d, T2N_ERROR, &l, "invalid UTF-8 (byte 0x%02x); names and strings must be UTF-8", (unsigned char)*at);
    t2n_module_free(ps.mod);
    return NULL;
  }
  reuse *r = &kept;
  if (!r->scanner) t2n_yylex_init_extra(&ps, &r->scanner);
  /* flex scans in place a buffer that ends in two NULs; one memcpy is much
   * cheaper than yy_scan_bytes's byte-by-byte copy. */
  if (r->copycap < len + 2) {
    free(r->copy);
    r->copycap = len + 2 > 4096 ? len + 2 : 4096;
    r->copy = t2n_xmalloc(r->copycap);
  }
  memcpy(r->copy, buf, len);
  r->copy[len] = r->copy[len + 1] = 0;
  ps.outs = r->outs, ps.capouts = r->capouts;
  ps.args = r->args, ps.capargs = r->capargs;
  ps.raw = r->raw, ps.rawcap = r->rawcap;
  t2n_lexer_reset(r->scanner, &ps, &r->buffer, r->copy, len + 2);
  int rc = t2n_yyparse(r->scanner, &ps);
  r->outs = ps.outs, r->capouts = ps.capouts;
  r->args = ps.args, r->capargs = ps.capargs;
  r->raw = ps.raw, r->rawcap = ps.rawcap;
  free(ps.cont);
  if (rc || ps.failed) {
    if (!ps.failed) {
      t2n_srcloc l = {file, NULL, 0, 0, 0};
      t2n_report(d, T2N_ERROR, &l, "parse failed");
    }
    t2n_module_free(ps.mod);
    return NULL;
  }
  if (len && buf[len - 1] != '\n') ps.mod->no_final_newline = 1;
  ps.mod->parsed_len = len;
  return ps.mod;
}

int t2n_read_file(const char *path, char **out, size_t *len, t2n_diag *d) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) {
    t2n_report(d, T2N_ERROR, NULL, "cannot open '%s': %s", path, strerror(errno));
    return 0;
  }
  struct stat st;
  if (f != stdin && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    t2n_report(d, T2N_ERROR, NULL, "cannot read '%s': is a directory", path);
    return 0;
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = t2n_xmalloc(cap);
  for (;;) {
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (n < cap) break;
    cap *= 2;
    buf = t2n_xrealloc(buf, cap);
  }
  int err = ferror(f);
  if (f != stdin) fclose(f);
  if (err) {
    free(buf);
    t2n_report(d, T2N_ERROR, NULL, "cannot read '%s'", path);
    return 0;
  }
  *out = buf;
  *len = n;
  return 1;
}

int t2n_is_zip(const char *buf, size_t len) {
  return len >= 4 && memcmp(buf, "PK\003\004", 4) == 0;
}

t2n_module *t2n_parse_text(const char *buf, size_t len, const char *name, t2n_diag *d) {
  t2n_module *m = t2n_parse(buf, len, name, d);
  if (m) {
    /* Diagnostics from later stages quote source lines: keep the text. */
    m->source = t2n_arena_strndup(m->arena, buf, len);
    m->source_len = len;
    m->source_name = t2n_intern(m, name);
  }
  return m;
}

char *t2n_module_weights_path(const t2n_module *m, const char *input) {
  if (!m || m->kind != T2N_TEXT_T2N || !m->weights) return NULL;
  /* Relative to the text's folder; text read from stdin names it relative
   * to the working directory. */
  const char *slash = input && strcmp(input, "-") != 0 ? strrchr(input, '/') : NULL;
  size_t dl = slash && m->weights[0] != '/' ? (size_t)(slash - input + 1) : 0;
  char *p = t2n_xmalloc(dl + strlen(m->weights) + 1);
  if (!p) abort();
  memcpy(p, input, dl);
  strcpy(p + dl, m->weights);
  return p;
}

t2n_module *t2n_parse_file(const char *path, t2n_diag *d) {
  char *buf;
  size_t len;
  if (!t2n_read_file(path, &buf, &len, d)) return NULL;
  t2n_module *m = t2n_parse_text(buf, len, strcmp(path, "-") == 0 ? "<stdin>" : path, d);
  free(buf);
  return m;
}

/* --split-input-file: each chunk between lines starting "// -----" is
 * parsed on its own; the other chunks are blanked (newlines kept) so that
 * line numbers in messages are those of the whole file. */
int t2n_parse_split(const char *buf, size_t len, const char *name, t2n_diag *d, t2n_chunk_fn fn, void *arg,
                    double *parse_secs) {
  int rc = 0, index = 0;
  size_t start = 0;
  while (start <= len) {
    size_t end = start;
    for (;;) { /* find the next separator line */
      const char *nl = memchr(buf + end, '\n', len - end);
      size_t lend = nl ? (size_t)(nl - buf) : len;
      if (lend - end >= 8 && strncmp(buf + end, "// -----", 8) == 0) break;
      if (!nl) { end = len; break; }
      end = lend + 1;
    }
    char *chunk = t2n_xmalloc(len + 1);
    for (size_t i = 0; i < len; i++) chunk[i] = (i >= start && i < end) || buf[i] == '\n' ? buf[i] : ' ';
    chunk[len] = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    t2n_module *m = t2n_parse(chunk, len, name, d);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (parse_secs) *parse_secs += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (m) {
      m->source = t2n_arena_strndup(m->arena, chunk, len);
      m->source_len = len;
      m->source_name = t2n_intern(m, name);
    }
    rc |= fn(m, index++, arg) != 0;
    if (m) t2n_module_free(m);
    free(chunk);
    if (end >= len) break;
    const char *nl = memchr(buf + end, '\n', len - end);
    start = nl ? (size_t)(nl - buf) + 1 : len + 1;
  }
  return rc;
}
