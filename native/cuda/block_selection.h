// Selection: per (kv head, query block) row, keep the sink and diagonal blocks, then blocks by descending
// estimated share until the kept share reaches tau, then apply min/max budgets, then add the columns of the
// last-block check and the copy sources; emit a BSR plan.
#pragma once
#include <cuda_runtime.h>
#include <cstdint>

namespace unisparse::cuda {

struct SelectParams {
  const float* scores = nullptr;  // A [kvHeads][nQueryBlocks][nKeyBlocks]
  int kvHeads = 0, nQueryBlocks = 0, firstQueryBlock = 0, nKeyBlocks = 0;
  float tau = 0.95f;
  int minBlocks = 0, maxBlocks = 0;
  float neighbourShare = 0.f;  // taken blocks with at least this share also keep b-1 and b+1 (0: off)
  const float* headTau = nullptr;   // [kvHeads] tau per kv head (the last-block check may widen it), or null
  const uint8_t* columns = nullptr; // [kvHeads][nKeyBlocks] blocks every causal row keeps, or null
  const int32_t* copyRowPtr = nullptr;  // [nQueryBlocks + 1] copy sources per query block (CSR), or null
  const int32_t* copyBlocks = nullptr;  // their key blocks, each <= its query block
  // Padded output, one row of nKeyBlocks slots per (kv head, query block), then compacted into BSR.
  int32_t* rowCount = nullptr;      // [rows]
  int32_t* paddedBlocks = nullptr;  // [rows][nKeyBlocks]
  float* paddedScores = nullptr;    // [rows][nKeyBlocks]
};

// Largest nKeyBlocks the one-CTA-per-row sort handles (its keys live in shared memory).
constexpr int kMaxSelectKeyBlocks = 8192;

void launchBlockSelect(const SelectParams& p, cudaStream_t stream);

// rowPtr[0] = 0, rowPtr[i+1] = rowPtr[i] + rowCount[i] (one CTA; rows are at most a few hundred thousand).
void launchRowPtrScan(const int32_t* rowCount, int rows, int32_t* rowPtr, cudaStream_t stream);

// Copies each padded row into its BSR slot.
void launchCompactPlan(const SelectParams& p, const int32_t* rowPtr, int32_t* keyBlocks, float* keyScores,
                       cudaStream_t stream);

}  // namespace unisparse::cuda
