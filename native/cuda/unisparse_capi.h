/* Device-pointer C API of the UniSparse CUDA kernels, for callers that own their GPU memory
 * (the Python/torch benchmark through ctypes, a future CUDA model runtime).
 * Tensors are contiguous bf16 [heads, seq, headDim] (k and v with kvHeads). Every call returns 0 on success,
 * or -1 with a sentence in unisparse_cuda_last_error(). Nothing here aborts the process. */
#ifndef UNISPARSE_CAPI_H
#define UNISPARSE_CAPI_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct UnisparseShape {
  int heads, kvHeads, headDim;
  int seqQ, seqK;     /* queries are the last seqQ of seqK positions */
  float scale;        /* 0 = 1/sqrt(headDim) */
} UnisparseShape;

typedef struct UnisparseSparseConfig {
  int blockSize;          /* 64 or 128 */
  float tau;              /* cumulative estimated share kept per row; >= 1 keeps all causal blocks */
  int granularities[4];   /* composite tokens per block, e.g. {4, 16}; unused entries 0; all 0: by shape
                             (unisparse::default_granularities: {4, 16} for GQA, one of blockSize / 16 for MHA) */
  int minBlocks, maxBlocks;
  int fastEstimate;       /* 1: bf16 estimate (one MMA); 0: split-bf16 estimate (three MMAs, ~fp32 exact) */
  int skipLastBlockCheck; /* 0 (default): exact check of the last query block (widened tau + columns where the estimate misses); 1: estimate only */
  float checkRecall;      /* the check's threshold; 0 = 0.95 */
  float neighbourShare;   /* neighbour expansion threshold (attention.h); 0 = the default, < 0 = off */
} UnisparseSparseConfig;

/* A BSR block plan in device memory, owned by the library until unisparse_cuda_plan_free. */
typedef struct UnisparsePlan {
  int kvHeads, nQueryBlocks, nKeyBlocks, blockSize, firstQueryBlock;
  int32_t* rowPtr;      /* device, kvHeads*nQueryBlocks + 1 */
  int32_t* keyBlocks;   /* device, rowPtr[last] entries, ascending within a row */
  float* keyScores;     /* device, parallel to keyBlocks: estimated share of each kept block */
  int64_t keptBlocks, causalBlocks;
} UnisparsePlan;

const char* unisparse_cuda_last_error(void);

/* Estimate + select: builds the plan on `stream` (a cudaStream_t, 0 for the default stream).
 * Synchronises once at the end to read the kept-block count. */
int unisparse_cuda_plan(const UnisparseShape* shape, const UnisparseSparseConfig* cfg, const void* q,
                        const void* k, UnisparsePlan* plan, void* stream);
void unisparse_cuda_plan_free(UnisparsePlan* plan);
/* Copies the plan's arrays into caller memory (host or device; sizes as in UnisparsePlan). Synchronous. */
int unisparse_cuda_plan_copy(const UnisparsePlan* plan, int32_t* rowPtr, int32_t* keyBlocks, float* keyScores);

/* Block-sparse flash attention forward over `plan`; plan == NULL runs the dense causal path.
 * out is bf16 [heads, seqQ, headDim]. Asynchronous on `stream`. */
int unisparse_cuda_attention(const UnisparseShape* shape, const void* q, const void* k, const void* v, void* out,
                             const UnisparsePlan* plan, int blockSize, void* stream);

#ifdef __cplusplus
}
#endif
#endif
