/* Reading and writing IR text (lib/IR/lexer.l, parser.y, printer.c).
 * Three inputs are accepted and detected from their first word:
 *   graph(...)      one graph as torch's str(graph) prints it
 *   module Q { ...  a whole-module dump (ScriptModule._c.dump_to_str(True, False, False))
 *   t2n module 1    t2n's own module text (docs/ir-format.md) */
#ifndef T2N_TEXT_H
#define T2N_TEXT_H

#include "t2n/diag.h"
#include "t2n/ir.h"

/* Parses `len` bytes of `buf` (need not be NUL-terminated). `file` names the
 * input in messages. Returns NULL after reporting errors through `d`. */
t2n_module *t2n_parse(const char *buf, size_t len, const char *file, t2n_diag *d);
/* Reads a whole file ("-" is stdin). Reports an error and returns NULL on failure.
 * The caller frees *out with free(). */
int t2n_read_file(const char *path, char **out, size_t *len, t2n_diag *d);
t2n_module *t2n_parse_file(const char *path, t2n_diag *d);
/* t2n_parse, keeping a copy of the text (m->source) for later diagnostics. */
t2n_module *t2n_parse_text(const char *buf, size_t len, const char *name, t2n_diag *d);
/* The weights file t2n module text names (its `weights "..."` line), as a
 * path usable from the working directory: relative names are relative to
 * the folder of `input` (the text's own path; "-" or NULL: the working
 * directory). NULL when the module names none. malloc'ed. */
char *t2n_module_weights_path(const t2n_module *m, const char *input);
/* Does the data start with a zip signature (PK\3\4), as a TorchScript
 * archive does whatever its name? */
int t2n_is_zip(const char *buf, size_t len);
/* --split-input-file: calls fn on each "// -----" separated chunk of buf,
 * parsed on its own with the line numbers of the whole text (m is NULL when
 * the chunk did not parse; it is freed after fn returns). Goes on after a
 * failing chunk; returns 1 if any chunk failed (fn non-zero or m NULL).
 * Parsing time is added to *parse_secs when it is not NULL. */
typedef int (*t2n_chunk_fn)(t2n_module *m, int index, void *arg);
int t2n_parse_split(const char *buf, size_t len, const char *name, t2n_diag *d, t2n_chunk_fn fn, void *arg,
                    double *parse_secs);

/* The graph tools work on: the input graph, or method `method` (NULL:
 * forward) of the root module of a dump or t2n module text. Reports an
 * error and returns NULL when there is no such method. */
t2n_graph *t2n_module_target_graph(t2n_module *m, const char *method, t2n_diag *d);

/* Prints in the form the module was read in. */
void t2n_print_module(FILE *out, const t2n_module *m);
void t2n_print_graph(FILE *out, const t2n_graph *g, int indent);
void t2n_print_node(FILE *out, const t2n_node *n, int indent);
/* Prints to a malloc'ed string. */
char *t2n_module_to_string(const t2n_module *m, size_t *len);

#endif
