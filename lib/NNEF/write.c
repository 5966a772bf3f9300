/* Writing an NNEF graph: graph.nnef text, .dat tensor files, and the whole
 * export into a container (t2n/output.h). Lowering never prints; this file
 * never looks at t2n IR.
 *
 * Determinism: the text depends only on the graph (ops in order, numbers
 * printed with fixed formats), never on the host, user, date or paths;
 * variables are written in the order they were declared. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t2n/alloc.h"
#include "t2n/nnef.h"
#include "t2n/archive.h"
#include "t2n/safetensors.h"

static void print_value(FILE *out, const t2n_nnef_graph *g, const t2n_nnef_value *v) {
  switch (v->kind) {
  case T2N_NV_TENSOR: fputs(t2n_nnef_tensor_get(g, v->tensor)->name, out); break;
  case T2N_NV_INT: fprintf(out, "%lld", (long long)v->i); break;
  case T2N_NV_BOOL: fputs(v->i ? "true" : "false", out); break;
  case T2N_NV_FLOAT: {
    /* NNEF reads a number with '.' or 'e' as a scalar; 9 significant
     * digits round-trip an f32. tract has no literal for inf/nan: the
     * largest finite f32 stands in (what clamping bounds mean). */
    char buf[64];
    double f = v->f;
    if (isnan(f)) f = 0;
    if (isinf(f)) f = f > 0 ? 3.4028234663852886e38 : -3.4028234663852886e38;
    snprintf(buf, sizeof buf, "%.9g", f);
    if (!strpbrk(buf, ".eE")) strcat(buf, ".0");
    fputs(buf, out);
    break;
  }
  case T2N_NV_STRING: fprintf(out, "'%s'", v->s); break;
  case T2N_NV_EXPR: fputs(v->s, out); break;
  case T2N_NV_ARRAY:
  case T2N_NV_TUPLE:
    fputc(v->kind == T2N_NV_ARRAY ? '[' : '(', out);
    for (int i = 0; i < v->n; i++) {
      if (i) fputs(", ", out);
      print_value(out, g, &v->elems[i]);
    }
    fputc(v->kind == T2N_NV_ARRAY ? ']' : ')', out);
    break;
  }
}

static void print_op(FILE *out, const t2n_nnef_graph *g, const t2n_nnef_op *op) {
  fputs("  ", out);
  for (int i = 0; i < op->noutputs; i++) fprintf(out, "%s%s", i ? ", " : "", t2n_nnef_tensor_get(g, op->outputs[i])->name);
  fprintf(out, " = %s", op->kind);
  if (op->generic) fprintf(out, "<%s>", op->generic);
  fputc('(', out);
  for (int i = 0; i < op->nargs; i++) {
    if (i) fputs(", ", out);
    if (op->args[i].name) fprintf(out, "%s = ", op->args[i].name);
    print_value(out, g, &op->args[i].v);
  }
  fputs(");\n", out);
}

void t2n_nnef_print(FILE *out, const t2n_nnef_graph *g) {
  fputs("version 1.0;\n", out);
  for (int i = 0; i < g->ncomments; i++) fprintf(out, "# %s\n", g->comments[i]);
  if (g->nextensions) fputc('\n', out);
  for (int i = 0; i < g->nextensions; i++) fprintf(out, "extension %s;\n", g->extensions[i]);
  for (int i = 0; i < g->nfragments; i++) {
    const char *t = g->fragments[i].text;
    fprintf(out, "\n%s%s", t, t[0] && t[strlen(t) - 1] == '\n' ? "" : "\n");
  }
  fprintf(out, "\ngraph %s(", g->name);
  for (int i = 0; i < g->ninputs; i++) fprintf(out, "%s%s", i ? ", " : " ", t2n_nnef_tensor_get(g, g->inputs[i])->name);
  fputs(g->ninputs ? " ) -> (" : ") -> (", out);
  for (int i = 0; i < g->noutputs; i++) fprintf(out, "%s%s", i ? ", " : " ", t2n_nnef_tensor_get(g, g->outputs[i])->name);
  fputs(g->noutputs ? " )\n{\n" : ")\n{\n", out);
  for (int i = 0; i < g->nops; i++) print_op(out, g, &g->ops[i]);
  fputs("}\n", out);
}

char *t2n_nnef_print_string(const t2n_nnef_graph *g, size_t *len) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = t2n_xopen_memstream(&buf, &n);
  t2n_nnef_print(f, g);
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  if (len) *len = n;
  return buf;
}

static void put_u32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* Item type codes of the .dat header (Khronos NNEF): 0 float, 1 unsigned
 * integer, 4 signed integer, 5 logical. tract also reads 2/3. */
int t2n_nnef_dat_header(unsigned char hdr[128], t2n_dtype dt, int rank, const int64_t *sizes, size_t nbytes) {
  unsigned bits, code;
  switch (dt) {
  case T2N_DT_FLOAT16: bits = 16, code = 0; break;
  case T2N_DT_FLOAT32: bits = 32, code = 0; break;
  case T2N_DT_FLOAT64: bits = 64, code = 0; break;
  case T2N_DT_INT8: bits = 8, code = 4; break;
  case T2N_DT_INT16: bits = 16, code = 4; break;
  case T2N_DT_INT32: bits = 32, code = 4; break;
  case T2N_DT_INT64: bits = 64, code = 4; break;
  case T2N_DT_UINT8: bits = 8, code = 1; break;
  case T2N_DT_UINT16: bits = 16, code = 1; break;
  case T2N_DT_UINT32: bits = 32, code = 1; break;
  case T2N_DT_UINT64: bits = 64, code = 1; break;
  case T2N_DT_BOOL: bits = 8, code = 5; break; /* torch's bools are bytes 0/1 */
  default: return 0;
  }
  if (rank < 0 || rank > T2N_MAX_RANK || nbytes > UINT32_MAX) return 0;
  memset(hdr, 0, 128);
  hdr[0] = 0x4E;
  hdr[1] = 0xEF;
  hdr[2] = 1;
  hdr[3] = 0;
  put_u32(hdr + 4, (uint32_t)nbytes);
  put_u32(hdr + 8, (uint32_t)rank);
  for (int i = 0; i < rank; i++) put_u32(hdr + 12 + 4 * i, (uint32_t)sizes[i]);
  put_u32(hdr + 44, bits);
  hdr[48] = (unsigned char)code; /* u16 item type, u16 vendor 0 */
  return 1;
}

static void progress(int on, int i, int n, size_t done, size_t total) {
  if (!on) return;
  fprintf(stderr, "\rt2n-export: writing weights %d/%d (%.1f of %.1f MB)", i, n, (double)done / 1e6,
          (double)total / 1e6);
  if (i == n) fputc('\n', stderr);
  fflush(stderr);
}

/* Bytes of a weight written between two releases of its source pages:
 * large enough that the writes stay big, small against any memory budget. */
#define CHUNK ((size_t)8 << 20)

/* Streams nbytes of data into the open entry of c chunk by chunk, telling
 * the mapping each chunk is used (t2n_safetensors_release) so that its
 * pages leave the process: a weight of gigabytes costs a chunk of memory. */
static int stream(t2n_container *c, const unsigned char *data, size_t nbytes) {
  for (size_t at = 0; at < nbytes; at += CHUNK) {
    size_t k = nbytes - at < CHUNK ? nbytes - at : CHUNK;
    if (t2n_container_write(c, data + at, k)) return 1;
    t2n_safetensors_release(data + at, k);
  }
  return 0;
}

int t2n_nnef_write(const t2n_nnef_graph *g, const char *path, int show_progress, int level, t2n_diag *d) {
  size_t len;
  char *text = t2n_nnef_print_string(g, &len);
  if (!text) {
    t2n_report(d, T2N_ERROR, NULL, "out of memory printing graph.nnef");
    return 1;
  }
  t2n_container *c = t2n_container_open(path, d);
  if (!c) {
    free(text);
    return 1;
  }
  t2n_container_set_compression(c, level);
  int bad = t2n_container_add(c, "graph.nnef", text, len) != 0;
  free(text);
  size_t total = 0, done = 0;
  for (int i = 0; i < g->nvars; i++) total += g->vars[i].nbytes + 128;
  show_progress = show_progress && g->nvars && isatty(2);
  for (int i = 0; i < g->nvars && !bad; i++) {
    const t2n_nnef_variable *v = &g->vars[i];
    const t2n_nnef_tensor *t = t2n_nnef_tensor_get(g, v->tensor);
    unsigned char hdr[128];
    if (!t2n_nnef_dat_header(hdr, t->dtype, t->rank, t->sizes, v->nbytes)) {
      t2n_report(d, T2N_ERROR, NULL, "variable '%s': dtype %s has no .dat form", v->label, t2n_dtype_name(t->dtype));
      bad = 1;
      break;
    }
    char name[4096];
    snprintf(name, sizeof name, "%s.dat", v->label);
    /* One tensor at a time, straight from its source (the mapped weights). */
    bad = t2n_container_begin(c, name, 128 + v->nbytes) || t2n_container_write(c, hdr, 128) ||
          stream(c, v->data, v->nbytes) || t2n_container_end(c);
    done += 128 + v->nbytes;
    progress(show_progress, i + 1, g->nvars, done, total);
  }
  if (bad) {
    t2n_container_abort(c);
    return 1;
  }
  return t2n_container_commit(c) ? 1 : 0;
}
