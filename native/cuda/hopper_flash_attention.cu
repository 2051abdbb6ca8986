// Block-sparse FlashAttention forward for Hopper (sm_90a): TMA tile loads, wgmma tensor-core MMAs and a
// producer/consumer split of the CTA. It runs the same FlashParams and visits the same key tiles
// (tile_walker.cuh) as the mma.sync kernel in sparse_flash_attention.cu, which stays the path of other GPUs and
// the reference this one is checked against.
//
// Persistent CTAs, one per SM, each taking work items (128 query rows of one head) from a counter in global
// memory until none is left, so an SM that drew short items draws more. Items run kv head by kv head, so the
// items in flight at one time read the K/V of one or two kv heads and L2 serves the re-reads (ordering all heads'
// longest rows first instead streams 32 heads' K/V at once and runs 15-20% slower at 128K); within a kv head, the
// longest causal rows first, and the q heads of a GQA group side by side on the same rows, so a K/V tile is
// fetched from memory once for the group. Staying resident lets the producer load the next item's Q and first K/V
// tiles while the consumers finish and store the current one.
//
// Three warpgroups per CTA:
//   - warpgroup 0, the producer: one thread walks the key tiles and issues TMA loads of K and V into a ring of
//     kStages shared-memory stages, each guarded by a 'full' mbarrier (TMA bytes landed) and an 'empty' one
//     (both consumers done with it); the ring runs on across items;
//   - warpgroups 1 and 2, the consumers: 64 query rows each (one 64-token plan row), S = Q K^T with Q and K from
//     shared memory, the online softmax in registers, then O += P V with P straight from registers. While one
//     consumer runs its softmax, the other's MMAs keep the tensor cores busy. Items alternate between two Q
//     buffers, each guarded by a 'qFull' and a 'qEmpty' mbarrier (the consumers release a buffer once their last S
//     of its item is computed) and holding the item's index in a slot beside them.
#include "hopper_flash_attention.h"
#include "cuda_check.h"
#include "hopper_primitives.cuh"
#include "mma_primitives.cuh"
#include "tile_walker.cuh"
#include <cudaTypedefs.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>

namespace unisparse::cuda {
namespace {

constexpr int kConsumers = 2;                  // consumer warpgroups, 64 query rows each
constexpr int kThreads = 128 * (1 + kConsumers);
static_assert(kConsumers * 64 == kWalkCtaRows, "consumers cover the walker's CTA rows");

// Key tiles are 128 keys wide for the dense walk and 128-token plans, 64 for 64-token plans. Wider tiles halve the
// barrier round trips and softmax reductions per MMA and let S use m64n128 wgmma.
template <int D, int kTileKeys>
struct SmemLayout {
  static constexpr int kHalves = D / 64;                                   // 64-dim column regions per row
  static constexpr int kQRegionBytes = 64 * hopper::kSwizzleRowBytes;      // 64 query rows of one column region
  static constexpr int kKvRegionBytes = kTileKeys * hopper::kSwizzleRowBytes;
  static constexpr int kQBytes = kConsumers * kHalves * kQRegionBytes;
  static constexpr int kTileBytes = kHalves * kKvRegionBytes;              // K or V of one tile
  // K/V tiles in flight: two of the widest (128 keys, head dim 128), four otherwise, within 227 KB. The widest
  // tiles gave up a third stage for a second Q buffer: the same dense throughput and 0-3% more sparse efficiency
  // at 128K on the H200 (test/gpu/results/h200-2026-12-01-schedule/).
  static constexpr int kStages = kTileKeys == 128 && D == 128 ? 2 : 4;
  // Two Q buffers where they fit (all the shapes above): the next item's Q lands while the current item runs.
  static constexpr int kQBuffers = 2 * kQBytes + kStages * 2 * kTileBytes + 2048 <= 227 * 1024 ? 2 : 1;
  static constexpr int kKvOffset = kQBuffers * kQBytes;
  static constexpr int kBarrierOffset = kKvOffset + kStages * 2 * kTileBytes;
  // K/V stage barriers, then per Q buffer a full and an empty barrier and the item slot; + alignment slack.
  static constexpr int kBytes = kBarrierOffset + (2 * kStages + 3 * kQBuffers) * 8 + 1024;
};

// S = Q K^T for one consumer: 64 rows x kTileKeys keys, D / 16 MMAs stepping 32 bytes along the swizzled rows.
template <int D, int kTileKeys>
__device__ __forceinline__ void scoreTile(float (&s)[kTileKeys / 2], uint32_t qTile, uint32_t kTile) {
  using L = SmemLayout<D, kTileKeys>;
  hopper::wgmmaFence();
  #pragma unroll
  for (int kk = 0; kk < D / 16; ++kk) {
    const uint64_t qDesc = hopper::descriptor(qTile + (kk / 4) * L::kQRegionBytes + (kk % 4) * 32, 16,
                                              hopper::kRowGroupBytes);
    const uint64_t kDesc = hopper::descriptor(kTile + (kk / 4) * L::kKvRegionBytes + (kk % 4) * 32, 16,
                                              hopper::kRowGroupBytes);
    if constexpr (kTileKeys == 128) hopper::wgmmaSharedShared_n128(s, qDesc, kDesc, kk > 0);
    else hopper::wgmmaSharedShared_n64(s, qDesc, kDesc, kk > 0);
  }
  hopper::wgmmaCommit();
  hopper::wgmmaWait<0>();
  hopper::fenceRegisters(s);
}

// O += P V for one consumer: kTileKeys / 16 k-steps of 16 keys (two 8-row groups of V each); V is read N-major,
// its 64-dim column regions kKvRegionBytes apart.
template <int D, int kTileKeys>
__device__ __forceinline__ void accumulateTile(float (&o)[D / 2], const uint32_t (&pa)[kTileKeys / 16][4],
                                               uint32_t vTile) {
  using L = SmemLayout<D, kTileKeys>;
  hopper::wgmmaFence();
  #pragma unroll
  for (int kk = 0; kk < kTileKeys / 16; ++kk) {
    const uint64_t desc =
        hopper::descriptor(vTile + kk * 2 * hopper::kRowGroupBytes, L::kKvRegionBytes, hopper::kRowGroupBytes);
    if constexpr (D == 128) hopper::wgmmaRegisterShared_n128(o, pa[kk], desc);
    else hopper::wgmmaRegisterShared_n64(o, pa[kk], desc);
  }
  hopper::wgmmaCommit();
  hopper::wgmmaWait<0>();
  hopper::fenceRegisters(o);
}

template <int D, int kMode, int kTileKeys>
__global__ void __launch_bounds__(kThreads, 1)
    hopperFlashForward(const __grid_constant__ CUtensorMap qMap, const __grid_constant__ CUtensorMap kMap,
                       const __grid_constant__ CUtensorMap vMap, FlashParams p, int* itemCounter) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
  using L = SmemLayout<D, kTileKeys>;
  constexpr int kStages = L::kStages;
  constexpr int kGroups = kTileKeys / 8;  // 8-column accumulator groups of S
  extern __shared__ unsigned char smemRaw[];
  const uint32_t base = (mma::smemAddress(smemRaw) + 1023u) & ~1023u;  // swizzled regions need 1024 alignment
  constexpr int kQBuffers = L::kQBuffers;
  auto qSmem = [&](int b) { return base + b * L::kQBytes; };
  auto kSmem = [&](int s) { return base + L::kKvOffset + s * 2 * L::kTileBytes; };
  auto vSmem = [&](int s) { return kSmem(s) + L::kTileBytes; };
  auto fullBar = [&](int s) { return base + L::kBarrierOffset + 8 * s; };
  auto emptyBar = [&](int s) { return base + L::kBarrierOffset + 8 * (kStages + s); };
  // Item r uses Q buffer r % kQBuffers for the (r / kQBuffers)-th time: that use's barrier phases.
  auto qFullBar = [&](int b) { return base + L::kBarrierOffset + 16 * kStages + 24 * b; };
  auto qEmptyBar = [&](int b) { return qFullBar(b) + 8; };
  auto itemSlot = [&](int b) { return qFullBar(b) + 16; };

  const int queryOffset = p.seqK - p.seqQ;
  const int firstTile = queryOffset / kWalkCtaRows, lastTile = (p.seqK - 1) / kWalkCtaRows;
  const int items = (lastTile - firstTile + 1) * p.heads;
  const int ctas = gridDim.x;
  const int group = p.heads / p.kvHeads, rowTiles = lastTile - firstTile + 1;
  // The item each CTA works on: its first is its own index, the next ones come from the counter; the producer
  // publishes each in its Q buffer's slot before the item's Q arrives (the qFull barrier orders the two).
  auto itemHead = [&](int w) { return (w / (rowTiles * group)) * group + w % group; };
  auto itemRows = [&](int w) { return (lastTile - (w % (rowTiles * group)) / group) * kWalkCtaRows; };

  if (threadIdx.x == 0) {
    for (int s = 0; s < kStages; ++s) {
      hopper::mbarrierInit(fullBar(s), 1);
      hopper::mbarrierInit(emptyBar(s), kConsumers * 4);  // one arrival per consumer warp
    }
    for (int b = 0; b < kQBuffers; ++b) {
      hopper::mbarrierInit(qFullBar(b), 1);
      hopper::mbarrierInit(qEmptyBar(b), kConsumers * 4);
    }
    hopper::fenceBarrierInit();
  }
  __syncthreads();

  const int warpgroup = threadIdx.x / 128;
  if (warpgroup == 0) {
    // The producer needs few registers; hand them to the consumers (accumulators, scores and P of a wide tile).
    asm volatile("setmaxnreg.dec.sync.aligned.u32 40;\n" ::: "memory");
    if (threadIdx.x != 0) return;
    // Q rows before the chunk (negative coordinates) arrive as zeros; so do K/V rows past seqK. A Q buffer is
    // refilled once the consumers are done with the item before in it. With one buffer that is the previous item,
    // so its first K/V tiles go first: they only need ring stages, which free up as the previous item's last tiles
    // are consumed. With two, the item before last, long finished: Q goes first.
    auto publish = [&](int r, int w) {
      const int b = r % kQBuffers, use = r / kQBuffers;
      if (use > 0) hopper::mbarrierWait(qEmptyBar(b), (use - 1) & 1);
      asm volatile("st.shared.u32 [%0], %1;\n" ::"r"(itemSlot(b)), "r"(w) : "memory");
    };
    auto loadQ = [&](int r, int w, int qStart, int head) {
      publish(r, w);
      const int b = r % kQBuffers;
      hopper::mbarrierArriveExpectBytes(qFullBar(b), L::kQBytes);
      #pragma unroll
      for (int c = 0; c < kConsumers; ++c)
        #pragma unroll
        for (int h = 0; h < L::kHalves; ++h)
          hopper::tmaLoad3d(qSmem(b) + (c * L::kHalves + h) * L::kQRegionBytes, &qMap, qFullBar(b), h * 64,
                            qStart - queryOffset + 64 * c, head);
    };
    constexpr int kQAfterTiles = kQBuffers > 1 ? 0 : kStages;
    int j = 0;  // tiles issued over all items: stage j % kStages, ring round j / kStages
    for (int r = 0;; ++r) {
      const int w = r == 0 ? (int)blockIdx.x : itemCounter ? ctas + atomicAdd(itemCounter, 1) : items;
      if (w >= items) {  // no work left: tell the consumers
        publish(r, items);
        hopper::mbarrierArrive(qFullBar(r % kQBuffers));
        break;
      }
      const int head = itemHead(w), kvHead = head / group, qStart = itemRows(w);
      TileWalker<kMode, kTileKeys> walk =
          startWalk<kMode, kTileKeys>(p, qStart, min(qStart + kWalkCtaRows, p.seqK), kvHead);
      bool qLoaded = false;
      int keyStart = 0, want = 0;
      for (int t = 0; walk.next(keyStart, want); ++t, ++j) {
        if (t == kQAfterTiles) { loadQ(r, w, qStart, head); qLoaded = true; }
        const int s = j % kStages;
        if (j >= kStages) hopper::mbarrierWait(emptyBar(s), ((j / kStages) - 1) & 1);
        hopper::mbarrierArriveExpectBytes(fullBar(s), 2 * L::kTileBytes);
        #pragma unroll
        for (int h = 0; h < L::kHalves; ++h) {
          hopper::tmaLoad3d(kSmem(s) + h * L::kKvRegionBytes, &kMap, fullBar(s), h * 64, keyStart, kvHead);
          hopper::tmaLoad3d(vSmem(s) + h * L::kKvRegionBytes, &vMap, fullBar(s), h * 64, keyStart, kvHead);
        }
      }
      if (!qLoaded) loadQ(r, w, qStart, head);
    }
    return;
  }

  asm volatile("setmaxnreg.inc.sync.aligned.u32 232;\n" ::: "memory");
  const int consumer = warpgroup - 1, warp = (threadIdx.x / 32) % 4, lane = threadIdx.x & 31;
  const int wantBit = 1 << consumer;  // the walker's half bits: rows 0-63 bit 0, rows 64-127 bit 1
  const float scaleLog2 = p.scale * 1.4426950408889634f;
  int j = 0;  // tiles consumed over all items, in the producer's order
  for (int r = 0;; ++r) {
    const int qBuffer = r % kQBuffers;
    hopper::mbarrierWait(qFullBar(qBuffer), (r / kQBuffers) & 1);
    int w;
    asm volatile("ld.shared.u32 %0, [%1];\n" : "=r"(w) : "r"(itemSlot(qBuffer)) : "memory");
    if (w >= items) break;
    const uint32_t qTile = qSmem(qBuffer) + consumer * L::kHalves * L::kQRegionBytes;
    const int head = itemHead(w), kvHead = head / group, qStart = itemRows(w);
    TileWalker<kMode, kTileKeys> walk =
        startWalk<kMode, kTileKeys>(p, qStart, min(qStart + kWalkCtaRows, p.seqK), kvHead);
    const int groupFirstPos = qStart + 64 * consumer, groupLastPos = groupFirstPos + 63;
    const int pos0 = groupFirstPos + 16 * warp + (lane >> 2);  // this thread's two rows: pos0 and pos0 + 8
    float o[D / 2];
    #pragma unroll
    for (int i = 0; i < D / 2; ++i) o[i] = 0.f;
    float rowMax[2] = {-INFINITY, -INFINITY}, rowSum[2] = {0.f, 0.f};

    int keyStart = 0, want = 0;
    for (; walk.next(keyStart, want); ++j) {
      const int stage = j % kStages;
      hopper::mbarrierWait(fullBar(stage), (j / kStages) & 1);
      if ((want & wantBit) && keyStart <= groupLastPos) {  // uniform over the warpgroup, as wgmma needs
        float s[kTileKeys / 2];
        scoreTile<D, kTileKeys>(s, qTile, kSmem(stage));
        const bool needMask = keyStart + kTileKeys - 1 > groupFirstPos || keyStart + kTileKeys > p.seqK;
        if (needMask) {
          #pragma unroll
          for (int i = 0; i < kGroups; ++i)
            #pragma unroll
            for (int e = 0; e < 4; ++e) {
              const int key = keyStart + 8 * i + 2 * (lane & 3) + (e & 1);
              const int pos = pos0 + (e >> 1) * 8;
              if (key > pos || key >= p.seqK) s[4 * i + e] = -INFINITY;
            }
        }
        // Online softmax, two rows per thread (a row's scores sit in the four lanes of a quad).
        float corr[2];
        #pragma unroll
        for (int h = 0; h < 2; ++h) {
          float mx = -INFINITY;
          #pragma unroll
          for (int i = 0; i < kGroups; ++i) mx = fmaxf(mx, fmaxf(s[4 * i + 2 * h], s[4 * i + 2 * h + 1]));
          mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
          mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
          const float newMax = fmaxf(rowMax[h], mx * scaleLog2);
          const float shift = newMax == -INFINITY ? 0.f : newMax;  // nothing visible yet: stay at 0
          corr[h] = exp2f(rowMax[h] - shift);
          rowMax[h] = newMax;
          float sum = 0.f;
          #pragma unroll
          for (int i = 0; i < kGroups; ++i) {
            s[4 * i + 2 * h] = exp2f(fmaf(s[4 * i + 2 * h], scaleLog2, -shift));
            s[4 * i + 2 * h + 1] = exp2f(fmaf(s[4 * i + 2 * h + 1], scaleLog2, -shift));
            sum += s[4 * i + 2 * h] + s[4 * i + 2 * h + 1];
          }
          rowSum[h] = rowSum[h] * corr[h] + sum;
        }
        if (corr[0] != 1.f || corr[1] != 1.f) {
          #pragma unroll
          for (int i = 0; i < D / 8; ++i) {
            o[4 * i] *= corr[0];
            o[4 * i + 1] *= corr[0];
            o[4 * i + 2] *= corr[1];
            o[4 * i + 3] *= corr[1];
          }
        }
        // P as the register A operand: k-step kk covers keys 16kk..16kk+15, accumulator groups 2kk and 2kk+1.
        uint32_t pa[kTileKeys / 16][4];
        #pragma unroll
        for (int kk = 0; kk < kTileKeys / 16; ++kk) {
          pa[kk][0] = mma::packBf16(s[8 * kk], s[8 * kk + 1]);
          pa[kk][1] = mma::packBf16(s[8 * kk + 2], s[8 * kk + 3]);
          pa[kk][2] = mma::packBf16(s[8 * kk + 4], s[8 * kk + 5]);
          pa[kk][3] = mma::packBf16(s[8 * kk + 6], s[8 * kk + 7]);
        }
        accumulateTile<D, kTileKeys>(o, pa, vSmem(stage));
      }
      if (lane == 0) hopper::mbarrierArrive(emptyBar(stage));
    }
    // Every S of this item is computed and its slot read: the producer may load the next item's Q while this
    // one is stored.
    if (lane == 0) hopper::mbarrierArrive(qEmptyBar(qBuffer));

    // Normalise and store the rows this thread owns (positions in [queryOffset, seqK)).
    #pragma unroll
    for (int h = 0; h < 2; ++h) {
      float sum = rowSum[h];
      sum += __shfl_xor_sync(0xffffffffu, sum, 1);
      sum += __shfl_xor_sync(0xffffffffu, sum, 2);
      const float inv = sum > 0.f ? 1.f / sum : 0.f;
      const int pos = pos0 + 8 * h;
      if (pos < queryOffset || pos >= p.seqK) continue;
      __nv_bfloat16* dst = p.out + ((int64_t)head * p.seqQ + (pos - queryOffset)) * D + 2 * (lane & 3);
      #pragma unroll
      for (int i = 0; i < D / 8; ++i)
        *reinterpret_cast<__nv_bfloat162*>(dst + 8 * i) =
            __floats2bfloat162_rn(o[4 * i + 2 * h] * inv, o[4 * i + 2 * h + 1] * inv);
    }
  }
#endif
}

// cuTensorMapEncodeTiled through the runtime's driver entry point, so the library needs no -lcuda.
PFN_cuTensorMapEncodeTiled_v12000 tensorMapEncoder() {
  static PFN_cuTensorMapEncodeTiled_v12000 encode = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    void* fn = nullptr;
    cudaDriverEntryPointQueryResult found{};
    if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &fn, 12000, cudaEnableDefault, &found) ==
            cudaSuccess && found == cudaDriverEntryPointSuccess)
      encode = reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(fn);
    cudaGetLastError();
  });
  return encode;
}

// A [depth][rows][D] bf16 tensor (row stride D, depth stride depthStride elements) read in swizzled boxes of
// boxRows rows x 64 dims.
CUtensorMap tileMap(const void* data, int d, int rows, int depth, int64_t depthStride, int boxRows, const char* what) {
  CUtensorMap map;
  const cuuint64_t dims[3] = {cuuint64_t(d), cuuint64_t(rows), cuuint64_t(depth)};
  const cuuint64_t strides[2] = {cuuint64_t(d) * 2, cuuint64_t(depthStride) * 2};
  const cuuint32_t box[3] = {64, cuuint32_t(boxRows), 1};
  const cuuint32_t elementStrides[3] = {1, 1, 1};
  const CUresult status = tensorMapEncoder()(&map, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 3, const_cast<void*>(data), dims,
                                             strides, box, elementStrides, CU_TENSOR_MAP_INTERLEAVE_NONE,
                                             CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                                             CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (status != CUDA_SUCCESS)
    throw std::runtime_error(std::string("CUDA attention: describing ") + what + " for TMA failed (CUresult " +
                             std::to_string(int(status)) + ").");
  return map;
}

// One resident CTA per SM (the kernel's shared memory allows one), or, with UNISPARSE_HOPPER_PERSISTENT=0, one
// CTA per item in the order the hardware picks (kept to measure what persistence buys). Returns 0 for the latter.
int persistentCtas() {
  static int ctas = -1;
  static std::once_flag once;
  std::call_once(once, [] {
    const char* choice = std::getenv("UNISPARSE_HOPPER_PERSISTENT");
    int device = 0, sms = 0;
    if (choice && std::strcmp(choice, "0") == 0) ctas = 0;
    else if (cudaGetDevice(&device) == cudaSuccess &&
             cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device) == cudaSuccess && sms > 0)
      ctas = sms;
    else ctas = 132;
    cudaGetLastError();
  });
  return ctas;
}

// The work counter of the persistent CTAs, one int per device, allocated on first use and zeroed before each
// launch on the launch's stream. Null while the stream is being captured into a graph (no allocation is allowed
// then): that launch runs one CTA per item, which needs no counter.
int* itemCounter(cudaStream_t stream) {
  cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
  if (cudaStreamIsCapturing(stream, &capture) != cudaSuccess || capture != cudaStreamCaptureStatusNone) {
    cudaGetLastError();
    return nullptr;
  }
  static int* counters[64] = {};
  static std::mutex lock;
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess || device < 0 || device >= 64) { cudaGetLastError(); return nullptr; }
  std::lock_guard<std::mutex> guard(lock);
  if (!counters[device] && cudaMalloc(&counters[device], sizeof(int)) != cudaSuccess) {
    cudaGetLastError();
    counters[device] = nullptr;
    return nullptr;
  }
  check(cudaMemsetAsync(counters[device], 0, sizeof(int), stream), "zeroing the attention kernel's work counter");
  return counters[device];
}

template <int D, int kMode, int kTileKeys>
void launchMode(const FlashParams& p, cudaStream_t stream) {
  const int smemBytes = SmemLayout<D, kTileKeys>::kBytes;
  check(cudaFuncSetAttribute(hopperFlashForward<D, kMode, kTileKeys>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                             smemBytes),
        "raising the Hopper attention kernel's shared-memory limit");
  const int64_t kvStride = p.kvHeadStride ? p.kvHeadStride : (int64_t)p.seqK * D;
  const CUtensorMap qMap = tileMap(p.q, D, p.seqQ, p.heads, (int64_t)p.seqQ * D, 64, "the queries");
  const CUtensorMap kMap = tileMap(p.k, D, p.seqK, p.kvHeads, kvStride, kTileKeys, "the keys");
  const CUtensorMap vMap = tileMap(p.v, D, p.seqK, p.kvHeads, kvStride, kTileKeys, "the values");
  const int queryTiles = (p.seqK - 1) / kWalkCtaRows - (p.seqK - p.seqQ) / kWalkCtaRows + 1;
  const int items = queryTiles * p.heads;
  int* counter = persistentCtas() > 0 && items > persistentCtas() ? itemCounter(stream) : nullptr;
  // Without a counter every CTA takes one item (its first) and finds no second.
  const int ctas = counter ? persistentCtas() : items;
  hopperFlashForward<D, kMode, kTileKeys><<<ctas, kThreads, smemBytes, stream>>>(qMap, kMap, vMap, p, counter);
  checkLaunch("the Hopper block-sparse flash attention kernel");
}

template <int D>
void launchForHeadDim(const FlashParams& p, cudaStream_t stream) {
  if (!p.rowPtr) return launchMode<D, kDenseWalk, 128>(p, stream);
  if (p.blockSize == 64) return launchMode<D, kPlan64, 64>(p, stream);
  return launchMode<D, kPlan128, 128>(p, stream);
}

// Whether this build holds sm_90a machine code of the kernel (a compute_80 PTX-only build compiles it empty).
bool builtForHopper() {
  cudaFuncAttributes attr{};
  const bool ok = cudaFuncGetAttributes(&attr, hopperFlashForward<128, kDenseWalk, 128>) == cudaSuccess;
  cudaGetLastError();
  return ok && attr.ptxVersion >= 90 && attr.binaryVersion == 90;
}

}  // namespace

bool hopperAttentionUsable(const FlashParams& p) {
  if (p.headDim != 64 && p.headDim != 128) return false;
  const char* choice = std::getenv("UNISPARSE_ATTENTION_KERNEL");
  if (choice && std::strcmp(choice, "mma") == 0) return false;
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess) { cudaGetLastError(); return false; }
  static int known[64];  // per device: 0 unknown, 1 usable, 2 not
  if (device < 0 || device >= 64) return false;
  if (known[device] == 0) {
    cudaDeviceProp prop{};
    const bool hopper = cudaGetDeviceProperties(&prop, device) == cudaSuccess && prop.major == 9 && prop.minor == 0;
    cudaGetLastError();
    known[device] = hopper && builtForHopper() && tensorMapEncoder() ? 1 : 2;
  }
  return known[device] == 1;
}

void launchHopperFlashAttention(const FlashParams& p, cudaStream_t stream) {
  if (p.headDim == 64) return launchForHeadDim<64>(p, stream);
  return launchForHeadDim<128>(p, stream);
}

}  // namespace unisparse::cuda
