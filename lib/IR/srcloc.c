/* Source locations of nodes: see include/t2n/srcloc.h. */
#include "t2n/srcloc.h"

#include <stdlib.h>
#include <string.h>

/* "path/model.py:12:20" -> path, 12, 20; 0 if it does not read so. */
static int parse_recorded(const char *s, size_t *flen, int *line, int *col) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\n')) n--;
  size_t c2 = n, c1;
  while (c2 && s[c2 - 1] >= '0' && s[c2 - 1] <= '9') c2--;
  if (c2 == n || c2 < 2 || s[c2 - 1] != ':') return 0;
  c1 = c2 - 1;
  while (c1 && s[c1 - 1] >= '0' && s[c1 - 1] <= '9') c1--;
  if (c1 == c2 - 1 || c1 < 2 || s[c1 - 1] != ':') return 0;
  *flen = c1 - 1;
  *line = atoi(s + c1);
  *col = atoi(s + c2);
  return *line > 0;
}

t2n_srcloc *t2n_node_srcloc(t2n_module *m, const t2n_node *n, t2n_srcloc *l) {
  l->file = m->source_name ? m->source_name : "<input>";
  l->buf = m->source;
  l->len = m->source_len;
  l->line = n ? n->line : 0;
  l->col = n && n->line > 0 ? t2n_srcloc_column(m->source, m->source_len, n->line, n->kind) : 0;
  size_t flen;
  int line, col;
  if (!m->source && n && n->source && parse_recorded(n->source, &flen, &line, &col)) {
    l->file = t2n_intern_n(m, n->source, flen);
    l->buf = NULL; /* the Python file may not be here: no line quoted */
    l->len = 0;
    l->line = line;
    l->col = col + 1; /* torch's columns count from 0 */
  }
  return l;
}
