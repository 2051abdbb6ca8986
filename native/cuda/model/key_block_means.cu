#include "key_block_means.h"

#include <stdexcept>
#include <string>

#include "../cuda_check.h"
#include "key_block_mean.cuh"

namespace unisparse::cuda {
namespace {

// Grid (blocks touched, kvHeads): one CTA per block and kv head, so a 16K-token chunk refreshes 128 x kvHeads
// blocks at once.
template <int D>
__global__ void __launch_bounds__(kKeyMeanThreads) keyBlockMeansKernel(KeyBlockMeansParams p, int firstBlock) {
  __shared__ KeyMeanScratch<D> scratch;
  const int block = firstBlock + int(blockIdx.x), kvHead = int(blockIdx.y);
  const int end = p.position + p.n, rowBegin = block * kKeyBlock;
  const int rowEnd = rowBegin + kKeyBlock < end ? rowBegin + kKeyBlock : end;
  const __nv_bfloat16* kHead = p.kCache + int64_t(kvHead) * p.capacity * D;
  float* out = p.means + (int64_t(kvHead) * keyBlocksOf(p.capacity) + block) * D;
  keyBlockMean<D>(kHead, rowBegin, rowEnd, out, scratch);
}

}  // namespace

int keyBlocksFor(int capacity) { return keyBlocksOf(capacity); }

void launchKeyBlockMeans(const KeyBlockMeansParams& p, cudaStream_t stream) {
  if (p.n <= 0) return;
  if (p.headDim != 64 && p.headDim != 128)
    throw std::runtime_error("key block means support head dims 64 and 128; got " + std::to_string(p.headDim) + ".");
  const int first = p.position / kKeyBlock, last = (p.position + p.n - 1) / kKeyBlock;
  const dim3 grid(unsigned(last - first + 1), unsigned(p.kvHeads));
  if (p.headDim == 128) keyBlockMeansKernel<128><<<grid, kKeyMeanThreads, 0, stream>>>(p, first);
  else keyBlockMeansKernel<64><<<grid, kKeyMeanThreads, 0, stream>>>(p, first);
  checkLaunch("the key block means kernel");
}

}  // namespace unisparse::cuda
