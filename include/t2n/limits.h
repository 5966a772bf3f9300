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

#endif
