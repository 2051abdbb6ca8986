// The exact check of the last query block (the CPU's last_block_check.h, on the device): exact key-block shares
// of the last block's queries, per query head; per kv head, whether the estimate's own selection of the last
// block holds at least checkRecall of every query head's exact mass; for a head that does not, the widened tau
// and the columns every row keeps (the blocks that hold tau of those shares, united over the group).
#pragma once
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <cstdint>

namespace unisparse::cuda {

struct LastBlockCheckParams {
  const __nv_bfloat16* q = nullptr;  // [heads, seqQ, headDim]
  const __nv_bfloat16* k = nullptr;  // [kvHeads, seqK, headDim], kv heads kHeadStride elements apart
  int64_t kHeadStride = 0;           // 0: seqK * headDim
  int heads = 0, kvHeads = 0, headDim = 0, seqQ = 0, seqK = 0, blockSize = 64;
  float scale = 0.f;
  int nKeyBlocks = 0, nQueryBlocks = 0;
  float tau = 0.95f, widenedTau = 0.95f, checkRecall = 0.95f;
  int minBlocks = 0, maxBlocks = 0;
  float neighbourShare = 0.f;        // the selection's neighbour expansion (block_selection.h), checked as made
  const float* scores = nullptr;     // the estimate A [kvHeads][nQueryBlocks][nKeyBlocks]
  // Scratch and outputs.
  float* blockLse = nullptr;         // [kvHeads][group * positions][nKeyBlocks]
  float* exactShares = nullptr;      // [kvHeads][group][nKeyBlocks]
  float* headTau = nullptr;          // [kvHeads]
  uint8_t* columns = nullptr;        // [kvHeads][nKeyBlocks]
};

// Rows of blockLse per kv head: every query position of the last block, for each query head of the group.
int lastBlockRows(int heads, int kvHeads, int seqQ, int seqK, int blockSize);

void launchLastBlockCheck(const LastBlockCheckParams& p, cudaStream_t stream);

}  // namespace unisparse::cuda
