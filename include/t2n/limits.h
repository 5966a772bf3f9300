/* Limits t2n enforces, named once. Each is checked where input is read and
 * its refusal names the limit (docs/reliability.md lists them). */
#ifndef T2N_LIMITS_H
#define T2N_LIMITS_H

/* Dimensions of a tensor: tract's .dat header holds at most 8, and no model
 * t2n reads uses more. */
#define T2N_MAX_RANK 8

/* The safetensors reference library refuses headers above 100 MB. */
#define T2N_SAFETENSORS_MAX_HEADER 100000000u

/* Pieces one aten::split / chunk / unbind is lowered into: each is an NNEF
 * slice, and more would make graph.nnef grow out of proportion. */
#define T2N_MAX_SPLIT 4096

/* Blocks (of prim::If, prim::Loop, ...) nested inside each other. Passes,
 * the verifier and the printer walk blocks recursively; real models nest
 * fewer than 20 deep, and 1000 keeps the walks far from the stack's end
 * (even under AddressSanitizer). */
#define T2N_MAX_NESTING 1000

/* The parser's stack: types, tuples and lists nested in the text. bison's
 * YYMAXDEPTH; deeper input is refused naming this limit. */
#define T2N_MAX_PARSE_DEPTH 10000

/* Sweeps of a pass that repeats until nothing changes (fold-constant-ifs,
 * strip-assertion-ifs, unroll-loops): each sweep that changes something
 * removes or expands a node, so real graphs settle in a handful; a pass that
 * has not settled after this many is stopped with an error naming it. */
#define T2N_MAX_PASS_ROUNDS 100000
/* Rounds of a pipeline's repeated steps (T2N_REPEAT_FROM in passes.def):
 * -harden settles in 2 or 3 on the models of utils/check-harden-flat. */
#define T2N_MAX_PIPELINE_ROUNDS 8

/* A TorchScript archive's zip central directory (names of its records) is
 * read whole; real models have a few hundred entries, some kilobytes. */
#define T2N_JIT_MAX_DIRECTORY (64u * 1024 * 1024)

#endif
