// The Hopper (sm_90a) attention kernel: TMA + wgmma, warp-specialised. launchSparseFlashAttention picks it on
// H100/H200-class GPUs and falls back to the mma.sync kernel elsewhere (or when UNISPARSE_ATTENTION_KERNEL=mma).
#pragma once
#include "sparse_flash_attention.h"

namespace unisparse::cuda {

// True when this GPU is sm_90, the library carries sm_90a code of the kernel, the driver can describe TMA tensors,
// the head dim is 64 or 128, and UNISPARSE_ATTENTION_KERNEL is not 'mma'.
bool hopperAttentionUsable(const FlashParams& p);

// Launches on `stream`; the caller has validated the shape (launchSparseFlashAttention does).
void launchHopperFlashAttention(const FlashParams& p, cudaStream_t stream);

}  // namespace unisparse::cuda
