// Plan step of the plan/run split: composite pooling -> estimate -> selection -> BSR plan, all on the device.
// The plan lives in device memory until freePlan; attention kernels consume it, callers may copy it home.
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <cstdint>
#include <vector>

namespace unisparse::cuda {

struct PlanRequest {
  const __nv_bfloat16* q = nullptr;  // [heads, seqQ, headDim] on the device
  const __nv_bfloat16* k = nullptr;  // [kvHeads, seqK, headDim], kv heads kHeadStride elements apart
  int64_t kHeadStride = 0;           // 0: seqK * headDim
  int heads = 0, kvHeads = 0, headDim = 0, seqQ = 0, seqK = 0;
  float scale = 0.f;                 // resolved (never 0)
  int blockSize = 64;
  float tau = 0.995f;                // the same default as UniSparseConfig (attention.h)
  std::vector<int> granularities = {4, 16};
  int minBlocks = 0, maxBlocks = 0;
  bool lastBlockCheck = true;        // the exact check of the last query block (last_block_check.h)
  float neighbourShare = 0.05f;      // kDefaultNeighbourShare (attention.h); 0: off
  float checkRecall = 0.99f;
  // Copy sources (copy_sources.h) as device CSR over this plan's query blocks (nKeyBlocks - firstQueryBlock rows):
  // kept in every kv head's row beyond tau, like the check's columns; null: none. Ignored with maxBlocks.
  const int32_t* copyRowPtr = nullptr;
  const int32_t* copyBlocks = nullptr;
  bool splitPrecision = true;        // near-fp32 estimate (matches the CPU plan) or bf16 (faster)
  // Size the BSR arrays for every causal block instead of reading the kept count home: no stream sync, so a
  // prefill's layers queue without a host round trip per plan. keptBlocks is then -1 until readPlanSize.
  bool sizeForCausal = false;
};

struct DevicePlan {
  int kvHeads = 0, nQueryBlocks = 0, nKeyBlocks = 0, blockSize = 0, firstQueryBlock = 0;
  int32_t* rowPtr = nullptr;     // device
  int32_t* keyBlocks = nullptr;  // device
  float* keyScores = nullptr;    // device
  int64_t keptBlocks = 0, causalBlocks = 0;  // keptBlocks -1: not read yet (PlanRequest::sizeForCausal)
  int rows() const { return kvHeads * nQueryBlocks; }
};

// Throws std::runtime_error naming the bad argument; synchronises `stream` once to size the BSR arrays unless
// req.sizeForCausal.
void buildPlan(const PlanRequest& req, DevicePlan* plan, cudaStream_t stream);
void freePlan(DevicePlan* plan, cudaStream_t stream);

// Validation shared by the host and C APIs: throws on shapes the kernels do not run.
void validateShape(int heads, int kvHeads, int headDim, int seqQ, int seqK);
void validateSparse(int blockSize, const std::vector<int>& granularities, float tau);

}  // namespace unisparse::cuda
