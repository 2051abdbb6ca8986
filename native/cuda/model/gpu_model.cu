#include "gpu_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "../sparse_flash_attention.h"
#include "device_array.h"
#include "device_weights.h"
#include "../unisparse_plan.h"
#include "attention/copy_sources.h"
#include "common/error.h"
#include "decode_attention.h"
#include "decode_block_select.h"
#include "decode_gemv.h"
#include "embedding.h"
#include "gemm.h"
#include "head_layout.h"
#include "key_block_means.h"
#include "phase_clock.h"
#include "pinned_buffer.h"
#include "qkv_rope.h"
#include "question_attention.h"
#include "rms_norm.h"
#include "swiglu.h"

namespace unisparse::cuda {
namespace {

// Prefill chunk: large enough that the GEMMs run near peak and the attention grid fills the GPU, small enough
// that a 7B model's feed-forward activations (2 x 18944 bf16 per token) stay a few hundred MB.
constexpr int kChunkTokens = 8192;
// Twice that where its scratch is at most a sixteenth of free GPU memory (an H200 with a 7B model: 2.7 GB of 125):
// each chunk pools every earlier key for its plans and launches ~30 kernels per layer, so fewer chunks cost less
// (a 128K prefill, 1.5B shapes, H200: 1,633 ms instead of 1,684).
constexpr int kLongChunkTokens = 16384;
// Rows of logits computed per lm_head GEMM (152K-word vocabularies make each row 0.6 MB in fp32).
constexpr int kLogitRows = 64;
// Left free beyond what the runtime allocates: the plan's pooled scratch, cuBLAS workspaces, fragmentation.
constexpr size_t kHeadroomBytes = size_t(1536) << 20;

double gib(size_t bytes) { return double(bytes) / double(1ull << 30); }

}  // namespace

struct GpuModel::State {
  PhaseClock phases;  // UNISPARSE_GPU_PHASES=1: prefill GPU time by phase
  ModelConfig config;
  DeviceWeights weights;
  cudaStream_t stream = nullptr;
  std::unique_ptr<Gemm> gemm;
  int capacity = 0, chunk = 0, smCount = 132;
  std::string note;
  std::vector<DeviceArray<__nv_bfloat16>> kCache, vCache;
  DeviceArray<float> invFreq, cos, sin;
  bool adjacentPairs = false;
  int ropeDim = 0;
  // Chunk scratch, sized for `chunk` tokens at construction.
  DeviceArray<int32_t> tokens;
  DeviceArray<float> x;  // [T, hidden] residual stream
  DeviceArray<__nv_bfloat16> h, qkv, qHeads, attnHeads, attnTokens, gateUp, act;
  DeviceArray<float> partialOut, partialMax, partialSum;
  int maxSplits = 0;
  DeviceArray<__nv_bfloat16> normed;  // logits rows
  DeviceArray<float> logits;
  int lastN = 0;
  // Decode replays one captured CUDA graph of every layer: a step is ~300 small launches (plus cuBLAS's host
  // work), which otherwise bound decode on the host. The position lives on the device so the graph never changes.
  DeviceArray<int32_t> positionDev;
  cudaGraphExec_t decodeGraph = nullptr;
  bool useDecodeGraph = true;
  // One-token steps run their projections as fused matrix-vector kernels (decode_gemv.h); the cuBLAS path stays
  // for prefill, and for decode with UNISPARSE_DECODE_KERNELS=cublas (the side-by-side anchor).
  bool useDecodeGemv = true;
  // Question-conditioned attention (setQuestionRows): per layer and key block, layer l's sums at
  // questionMass + l * questionStride.
  int questionFrom = -1, questionTo = -1, questionBlockSize = 64;
  std::vector<std::vector<double>>* questionHost = nullptr;
  DeviceArray<double> questionMass;
  size_t questionStride = 0;
  // Sparse decode (UNISPARSE_SPARSE_DECODE=1; off by default): each decode step reads only the key blocks whose
  // estimated attention mass is within ln(1/eps) of the best block's (decode_block_select.h). Its state exists only
  // when it is on: per layer the means of every 128-key block, refreshed by each prefill chunk and decode step,
  // and one block list per kv head, rewritten per layer.
  bool sparseDecode = false;
  float sparseDelta = 0.f;
  std::vector<DeviceArray<float>> keyMeans;  // per layer [kvHeads, keyBlocksFor(capacity), D]
  DeviceArray<float> selectScores, selectPartMax;
  DeviceArray<unsigned> selectArrivals;
  DeviceArray<int32_t> blockList, blockCount;
  DeviceArray<unsigned long long> keptTotals;  // kept and candidate blocks over every step, layer and kv head
  // The chunk's copy sources (CSR over its query blocks), uploaded once and read by every layer's plan.
  DeviceArray<int32_t> copyRowPtr, copyBlocks;
  bool copyUploaded = false;
  void uploadCopySources(int n, int position, const AttentionOptions& a);

  ~State() {
    freePending();
    if (decodeGraph) cudaGraphExecDestroy(decodeGraph);
    gemm.reset();
    if (stream) {
      cudaStreamSynchronize(stream);
      cudaStreamDestroy(stream);
    }
  }
  void attentionPrefill(int layer, int n, int position, const AttentionOptions& attention, const PlanSink& onPlan);
  struct PendingPlan { int layer; DevicePlan plan; };
  std::vector<PendingPlan> pending;  // this chunk's plans, on the device until reportPlans
  PinnedBuffer planStaging;          // where reportPlans copies them
  void reportPlans(const PlanSink& onPlan);
  void freePending();
  // Every layer for n tokens; with positionDev (decode only) the position is read on the device.
  void enqueueLayers(int n, int position, const int* positionDev, const AttentionOptions& attention,
                     const PlanSink& onPlan);
  void captureDecodeGraph(const AttentionOptions& attention);
  // The question rows inside [position, position + n), as [from, to); empty when from >= to.
  void questionRange(int n, int position, int& from, int& to) const {
    from = std::max(questionFrom, position);
    to = questionTo < 0 ? position + n : std::min(questionTo, position + n);
    if (questionFrom < 0 || !questionHost) to = from;
  }
  void copyQuestionMass(int rowTo);  // blocks up to the last question row, as the CPU path sizes them
};

GpuModel::GpuModel(const TensorSource& src, ModelConfig& config, int requestedContext) {
  s_ = std::make_unique<State>();
  State& S = *s_;
  check(cudaStreamCreateWithFlags(&S.stream, cudaStreamNonBlocking), "creating the model's CUDA stream");
  cudaDeviceGetAttribute(&S.smCount, cudaDevAttrMultiProcessorCount, 0);
  S.weights = loadDeviceWeights(src, config);
  S.config = config;
  S.gemm = std::make_unique<Gemm>(S.stream);
  const ModelConfig& c = S.config;
  if (c.headDim != 64 && c.headDim != 128)
    fail(src.path, ": head dimension ", c.headDim, " is not supported by the CUDA kernels (64 or 128); use device 'cpu'.");

  const int64_t H = c.hiddenSize, F = c.ffnSize, Q = int64_t(c.nHeads) * c.headDim, KV = int64_t(c.nKvHeads) * c.headDim;
  const int half = c.ropeDim / 2;
  const size_t perChunkToken = size_t(H) * 4 + size_t(H) * 2 + size_t(Q + 2 * KV) * 2 + size_t(Q) * 2 * 3 +
                               size_t(2 * F) * 2 + size_t(F) * 2 + size_t(half) * 8 + 4;
  size_t freeBytes = 0, totalBytes = 0;
  check(cudaMemGetInfo(&freeBytes, &totalBytes), "reading free GPU memory");
  const int chunkTokens = size_t(kLongChunkTokens) * perChunkToken * 16 <= freeBytes ? kLongChunkTokens : kChunkTokens;
  S.chunk = std::max(128, std::min(chunkTokens, (requestedContext + 127) / 128 * 128));
  // Tests force short chunks to check chunked prefill against one-shot references.
  if (const char* forced = std::getenv("UNISPARSE_GPU_CHUNK")) S.chunk = std::max(128, std::atoi(forced) / 128 * 128);
  S.maxSplits = 2 * S.smCount;
  const size_t fixedScratch = size_t(S.chunk) * perChunkToken + size_t(c.nHeads) * S.maxSplits * (c.headDim + 2) * 4 +
                              size_t(kLogitRows) * (size_t(c.vocabSize) * 4 + size_t(H) * 2);
  if (const char* on = std::getenv("UNISPARSE_SPARSE_DECODE")) S.sparseDecode = std::atoi(on) != 0;
  if (S.sparseDecode) {
    float eps = 1e-3f;
    if (const char* e = std::getenv("UNISPARSE_SPARSE_DECODE_EPS")) {
      char* end = nullptr;
      eps = std::strtof(e, &end);
      if (end == e || *end || !(eps > 0.f && eps < 1.f))
        fail("UNISPARSE_SPARSE_DECODE_EPS=", e, " is not a number between 0 and 1 (exclusive); try 1e-3.");
    }
    S.sparseDelta = std::log(1.f / eps);
  }
  // The block means add 4 bytes per 128 tokens per key element when sparse decode is on.
  const size_t meansPerToken = S.sparseDecode ? size_t(c.nLayers) * size_t(KV) * 4 / 128 : 0;
  const size_t kvPerToken = size_t(c.nLayers) * 2 * size_t(KV) * 2 + meansPerToken;

  const size_t reserve = fixedScratch + kHeadroomBytes;
  const int64_t fits = freeBytes > reserve ? int64_t((freeBytes - reserve) / kvPerToken) / 256 * 256 : 0;
  const int minimum = std::min(requestedContext, 1024);
  if (fits < minimum)
    fail("the model's weights take ", gib(S.weights.bytes()), " GiB on the GPU and leave ", gib(freeBytes),
         " GiB free, not enough for a ", minimum, "-token context (", gib(kvPerToken * size_t(minimum) + reserve),
         " GiB). Use device 'cpu', a smaller model, or free GPU memory.");
  S.capacity = int(std::min<int64_t>(requestedContext, fits));
  if (S.capacity < requestedContext) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "context reduced from %d to %d tokens to fit %.1f GiB of free GPU memory",
                  requestedContext, S.capacity, gib(freeBytes));
    S.note = buf;
  }
  S.chunk = std::min(S.chunk, std::max(128, (S.capacity + 127) / 128 * 128));

  for (int l = 0; l < c.nLayers; ++l) {
    S.kCache.emplace_back(size_t(S.capacity) * KV, "allocating the KV cache on the GPU");
    S.vCache.emplace_back(size_t(S.capacity) * KV, "allocating the KV cache on the GPU");
  }
  S.tokens.allocate(S.chunk, "allocating token ids on the GPU");
  S.x.allocate(size_t(S.chunk) * H, "allocating activations on the GPU");
  S.h.allocate(size_t(S.chunk) * H, "allocating activations on the GPU");
  S.qkv.allocate(size_t(S.chunk) * (Q + 2 * KV), "allocating activations on the GPU");
  S.qHeads.allocate(size_t(S.chunk) * Q, "allocating activations on the GPU");
  S.attnHeads.allocate(size_t(S.chunk) * Q, "allocating activations on the GPU");
  S.attnTokens.allocate(size_t(S.chunk) * Q, "allocating activations on the GPU");
  S.gateUp.allocate(size_t(S.chunk) * 2 * F, "allocating activations on the GPU");
  S.act.allocate(size_t(S.chunk) * F, "allocating activations on the GPU");
  S.cos.allocate(size_t(S.chunk) * half, "allocating RoPE tables on the GPU");
  S.sin.allocate(size_t(S.chunk) * half, "allocating RoPE tables on the GPU");
  S.partialOut.allocate(size_t(c.nHeads) * S.maxSplits * c.headDim, "allocating decode scratch on the GPU");
  S.partialMax.allocate(size_t(c.nHeads) * S.maxSplits, "allocating decode scratch on the GPU");
  S.partialSum.allocate(size_t(c.nHeads) * S.maxSplits, "allocating decode scratch on the GPU");
  S.normed.allocate(size_t(kLogitRows) * H, "allocating logits scratch on the GPU");
  S.logits.allocate(size_t(kLogitRows) * c.vocabSize, "allocating logits scratch on the GPU");
  S.positionDev.allocate(1, "allocating the decode position on the GPU");
  if (S.sparseDecode) {
    const size_t blocks = size_t(keyBlocksFor(S.capacity));
    for (int l = 0; l < c.nLayers; ++l)
      S.keyMeans.emplace_back(size_t(c.nKvHeads) * blocks * c.headDim, "allocating sparse decode key means on the GPU");
    S.selectScores.allocate(size_t(c.nHeads) * blocks, "allocating sparse decode scratch on the GPU");
    S.selectPartMax.allocate(size_t(c.nHeads) * decodeSelectParts(S.capacity),
                             "allocating sparse decode scratch on the GPU");
    S.selectArrivals.allocate(size_t(c.nKvHeads), "allocating sparse decode scratch on the GPU");
    S.blockList.allocate(size_t(c.nKvHeads) * blocks, "allocating sparse decode block lists on the GPU");
    S.blockCount.allocate(size_t(c.nKvHeads), "allocating sparse decode block lists on the GPU");
    S.keptTotals.allocate(2, "allocating sparse decode counters on the GPU");
    // On the model's stream (non-blocking, so a legacy-stream memset would not be ordered before its kernels).
    check(cudaMemsetAsync(S.selectArrivals.get(), 0, S.selectArrivals.bytes(), S.stream), "clearing sparse decode scratch");
    check(cudaMemsetAsync(S.keptTotals.get(), 0, S.keptTotals.bytes(), S.stream), "clearing sparse decode counters");
  }
  if (const char* graphs = std::getenv("UNISPARSE_DECODE_GRAPH")) S.useDecodeGraph = std::atoi(graphs) != 0;
  const char* kernels = std::getenv("UNISPARSE_DECODE_KERNELS");
  S.useDecodeGemv = !(kernels && std::string(kernels) == "cublas") && decodeGemvSupports(int(H)) &&
                    decodeGemvSupports(int(Q)) && decodeGemvSupports(int(F));
}

GpuModel::~GpuModel() = default;

const std::vector<float>& GpuModel::ropeFreqFactors() const { return s_->weights.ropeFreqFactors; }
const std::vector<std::pair<std::string, int>>& GpuModel::typeCounts() const { return s_->weights.typeCounts; }
int GpuModel::capacity() const { return s_->capacity; }
int GpuModel::chunkTokens() const { return s_->chunk; }
const std::string& GpuModel::note() const { return s_->note; }
size_t GpuModel::weightBytes() const { return s_->weights.bytes(); }

void GpuModel::setRope(const Rope& rope) {
  State& S = *s_;
  const std::vector<float>& f = rope.inverseFrequencies();
  S.invFreq.allocate(f.size(), "allocating RoPE frequencies on the GPU");
  check(cudaMemcpy(S.invFreq.get(), f.data(), f.size() * 4, cudaMemcpyHostToDevice), "copying RoPE frequencies");
  S.adjacentPairs = rope.style() == RopeStyle::AdjacentPairs;
  S.ropeDim = rope.ropeDim();
}

size_t GpuModel::deviceBytes() const {
  State& S = *s_;
  size_t n = S.weights.bytes();
  for (const auto& k : S.kCache) n += k.bytes();
  for (const auto& v : S.vCache) n += v.bytes();
  for (size_t b : {S.x.bytes(), S.h.bytes(), S.qkv.bytes(), S.qHeads.bytes(), S.attnHeads.bytes(), S.attnTokens.bytes(),
                   S.gateUp.bytes(), S.act.bytes(), S.cos.bytes(), S.sin.bytes(), S.partialOut.bytes(), S.normed.bytes(),
                   S.logits.bytes(), S.selectScores.bytes(), S.selectPartMax.bytes(), S.blockList.bytes()})
    n += b;
  for (const auto& m : S.keyMeans) n += m.bytes();
  return n;
}

void GpuModel::State::attentionPrefill(int l, int n, int position, const AttentionOptions& a, const PlanSink& onPlan) {
  const ModelConfig& c = config;
  const int D = c.headDim;
  const bool sparse = a.mode == AttentionMode::UniSparse;
  const float scale = a.scale > 0 ? a.scale : 1.f / std::sqrt(float(D));
  // One plan and one kernel launch for every head: the cache keeps each kv head's rows contiguous over the whole
  // capacity, so kv heads are capacity * D elements apart. (One call per kv head halved the planning kernels' and
  // the attention grid's parallelism and doubled the launches.)
  FlashParams fp;
  fp.q = qHeads.get();
  fp.k = kCache[size_t(l)].get();
  fp.v = vCache[size_t(l)].get();
  fp.kvHeadStride = int64_t(capacity) * D;
  fp.out = attnHeads.get();
  fp.heads = c.nHeads; fp.kvHeads = c.nKvHeads; fp.headDim = D; fp.seqQ = n; fp.seqK = position + n; fp.scale = scale;
  if (sparse) {
    PlanRequest req;
    req.q = fp.q; req.k = fp.k; req.kHeadStride = fp.kvHeadStride; req.heads = c.nHeads; req.kvHeads = c.nKvHeads;
    req.headDim = D; req.seqQ = n; req.seqK = fp.seqK;
    req.scale = scale; req.blockSize = a.sparse.blockSize; req.tau = a.sparse.tau;
    req.granularities = a.sparse.granularities; req.minBlocks = a.sparse.minBlocks; req.maxBlocks = a.sparse.maxBlocks;
    req.lastBlockCheck = a.sparse.lastBlockCheck; req.checkRecall = a.sparse.checkRecall;
    req.neighbourShare = a.sparse.neighbourShare;
    if (copyUploaded) { req.copyRowPtr = copyRowPtr.get(); req.copyBlocks = copyBlocks.get(); }
    // The one-MMA bf16 estimate: 1.5-7x cheaper than the split-bf16 one and the same plan on 99.2-100% of rows
    // (test/gpu/README.md); the plan is an estimate either way.
    req.splitPrecision = false;
    req.sizeForCausal = true;  // no host round trip per plan; reportPlans reads the sizes once per chunk
    pending.push_back({l, DevicePlan{}});
    phases.enter(stream, "plan");
    buildPlan(req, &pending.back().plan, stream);
    const DevicePlan& plan = pending.back().plan;
    fp.rowPtr = plan.rowPtr; fp.keyBlocks = plan.keyBlocks; fp.blockSize = plan.blockSize;
    fp.nQueryBlocks = plan.nQueryBlocks; fp.firstQueryBlock = plan.firstQueryBlock;
  }
  phases.enter(stream, sparse ? "attention (block-sparse)" : "attention (dense)");
  launchSparseFlashAttention(fp, stream);
  phases.enter(stream, "other");
  launchHeadsToTokens(attnHeads.get(), attnTokens.get(), c.nHeads, n, D, stream);
  if (!sparse && onPlan) onPlan(l, BlockPlan{});  // an empty plan (dense) is reported as every causal block kept
}

// The plans of a prefill chunk, copied home once its layers are queued, merged over kv heads as the CPU attention
// returns them (one plan per layer holds every kv head today; the merge also takes one per kv head), then freed. Two waits per chunk, not one per plan: every plan's row pointers come home together
// (they give the kept counts), then every plan's blocks and scores, all into page-locked staging.
void GpuModel::State::reportPlans(const PlanSink& onPlan) {
  if (pending.empty()) return;
  if (!onPlan) {
    freePending();
    return;
  }
  size_t rowInts = 0;
  for (const PendingPlan& p : pending) rowInts += size_t(p.plan.rows()) + 1;
  auto* rowPtrs = static_cast<int32_t*>(planStaging.reserve(rowInts * 4, "allocating page-locked plan staging"));
  size_t at = 0;
  for (const PendingPlan& p : pending) {
    check(cudaMemcpyAsync(rowPtrs + at, p.plan.rowPtr, (size_t(p.plan.rows()) + 1) * 4, cudaMemcpyDeviceToHost, stream),
          "copying the plan");
    at += size_t(p.plan.rows()) + 1;
  }
  check(cudaStreamSynchronize(stream), "running the prefill on the GPU");
  std::vector<std::vector<int32_t>> rowPtrOf;
  size_t kept = 0;
  at = 0;
  for (PendingPlan& p : pending) {
    rowPtrOf.emplace_back(rowPtrs + at, rowPtrs + at + p.plan.rows() + 1);
    at += size_t(p.plan.rows()) + 1;
    p.plan.keptBlocks = rowPtrOf.back().back();
    kept += size_t(p.plan.keptBlocks);
  }
  auto* staged = static_cast<int32_t*>(planStaging.reserve(kept * 8, "allocating page-locked plan staging"));
  int32_t* blocksAt = staged;
  auto* scoresAt = reinterpret_cast<float*>(staged + kept);
  for (const PendingPlan& p : pending) {
    const size_t n = size_t(p.plan.keptBlocks);
    check(cudaMemcpyAsync(blocksAt, p.plan.keyBlocks, n * 4, cudaMemcpyDeviceToHost, stream), "copying the plan");
    check(cudaMemcpyAsync(scoresAt, p.plan.keyScores, n * 4, cudaMemcpyDeviceToHost, stream), "copying the plan");
    blocksAt += n;
    scoresAt += n;
  }
  check(cudaStreamSynchronize(stream), "copying the plans from the GPU");
  blocksAt = staged;
  scoresAt = reinterpret_cast<float*>(staged + kept);
  for (size_t i = 0; i < pending.size();) {
    const int layer = pending[i].layer;
    BlockPlan merged;
    merged.rowPtr.assign(1, 0);
    for (; i < pending.size() && pending[i].layer == layer; ++i) {
      const DevicePlan& p = pending[i].plan;
      const std::vector<int32_t>& rowPtr = rowPtrOf[i];
      const size_t n = size_t(p.keptBlocks);
      const int32_t base = merged.rowPtr.back();
      for (int r = 0; r < p.rows(); ++r) merged.rowPtr.push_back(base + rowPtr[size_t(r) + 1]);
      merged.keyBlocks.insert(merged.keyBlocks.end(), blocksAt, blocksAt + n);
      merged.keyScores.insert(merged.keyScores.end(), scoresAt, scoresAt + n);
      blocksAt += n;
      scoresAt += n;
      merged.kvHeads += p.kvHeads;
      merged.nQueryBlocks = p.nQueryBlocks;
      merged.firstQueryBlock = p.firstQueryBlock;
      merged.nKeyBlocks = p.nKeyBlocks;
      merged.blockSize = p.blockSize;
      merged.keptBlocks += p.keptBlocks;
      merged.causalBlocks += p.causalBlocks;
    }
    onPlan(layer, merged);
  }
  freePending();
}

void GpuModel::State::freePending() {
  for (auto& p : pending) freePlan(&p.plan, stream);
  pending.clear();
}

void GpuModel::State::uploadCopySources(int n, int position, const AttentionOptions& a) {
  copyUploaded = false;
  const CopySourceIndex* index = a.copySources;
  if (n <= 1 || a.mode != AttentionMode::UniSparse || !index || a.sparse.copyRecent <= 0 || a.sparse.maxBlocks > 0)
    return;
  const int S = a.sparse.blockSize;
  const int firstQB = position / S, nQB = (position + n + S - 1) / S - firstQB;
  std::vector<int32_t> rowPtr, blocks;
  index->csr(firstQB, nQB, &rowPtr, &blocks);
  copyRowPtr.reserve(rowPtr.size(), "allocating copy sources on the GPU");
  copyBlocks.reserve(std::max<size_t>(blocks.size(), 1), "allocating copy sources on the GPU");
  // From pageable memory: staged before the calls return, so the vectors may go out of scope.
  check(cudaMemcpyAsync(copyRowPtr.get(), rowPtr.data(), rowPtr.size() * 4, cudaMemcpyHostToDevice, stream),
        "copying copy sources");
  if (!blocks.empty())
    check(cudaMemcpyAsync(copyBlocks.get(), blocks.data(), blocks.size() * 4, cudaMemcpyHostToDevice, stream),
          "copying copy sources");
  copyUploaded = true;
}

void GpuModel::State::enqueueLayers(int n, int position, const int* posDev, const AttentionOptions& a,
                                    const PlanSink& onPlan) {
  const ModelConfig& c = config;
  const int H = c.hiddenSize, F = c.ffnSize, D = c.headDim;
  const int Q = c.nHeads * D, KV = c.nKvHeads * D;
  phases.enter(stream, "other");
  launchRopeTable(invFreq.get(), ropeDim / 2, position, n, cos.get(), sin.get(), stream, posDev);
  launchEmbedding(tokens.get(), weights.embedding.get(), x.get(), n, H, stream);
  const bool gemv = n == 1 && useDecodeGemv;
  for (int l = 0; l < c.nLayers; ++l) {
    const DeviceLayer& L = weights.layers[size_t(l)];
    if (gemv) {
      phases.enter(stream, "gemv");
      launchNormGemvBf16(x.get(), L.attnNorm.get(), c.rmsEps, L.qkv.get(), qkv.get(), Q + 2 * KV, H, stream);
    } else {
      launchRmsNorm(x.get(), H, L.attnNorm.get(), h.get(), n, H, c.rmsEps, stream);
      phases.enter(stream, "gemm");
      gemm->bf16Out(L.qkv.get(), h.get(), qkv.get(), Q + 2 * KV, H, n);
    }
    phases.enter(stream, "other");
    QkvRopeParams r;
    r.qkv = qkv.get(); r.bias = L.qkvBias.empty() ? nullptr : L.qkvBias.get();
    r.cosTable = cos.get(); r.sinTable = sin.get(); r.q = qHeads.get();
    r.kCache = kCache[size_t(l)].get(); r.vCache = vCache[size_t(l)].get();
    r.T = n; r.heads = c.nHeads; r.kvHeads = c.nKvHeads; r.headDim = D; r.ropeDim = ropeDim;
    r.capacity = capacity; r.position = position; r.positionDev = posDev; r.adjacentPairs = adjacentPairs;
    launchQkvRope(r, stream);
    if (sparseDecode && n > 1) {  // the chunk's blocks, for the decode steps that follow
      KeyBlockMeansParams mp;
      mp.kCache = kCache[size_t(l)].get(); mp.means = keyMeans[size_t(l)].get();
      mp.kvHeads = c.nKvHeads; mp.headDim = D; mp.capacity = capacity; mp.position = position; mp.n = n;
      launchKeyBlockMeans(mp, stream);
    }
    if (n == 1) {
      DecodeAttentionParams d;
      d.q = qHeads.get(); d.kCache = kCache[size_t(l)].get(); d.vCache = vCache[size_t(l)].get();
      d.out = attnTokens.get(); d.partialOut = partialOut.get(); d.partialMax = partialMax.get();
      d.partialSum = partialSum.get(); d.heads = c.nHeads; d.kvHeads = c.nKvHeads; d.headDim = D;
      d.capacity = capacity; d.seqK = position + 1; d.positionDev = posDev; d.maxSplits = maxSplits;
      d.scale = a.scale > 0 ? a.scale : 1.f / std::sqrt(float(D)); d.smCount = smCount;
      if (sparseDecode) {
        DecodeBlockSelectParams sp;
        sp.q = qHeads.get(); sp.kCache = kCache[size_t(l)].get(); sp.means = keyMeans[size_t(l)].get();
        sp.scores = selectScores.get(); sp.partMax = selectPartMax.get(); sp.arrivals = selectArrivals.get();
        sp.blockList = blockList.get(); sp.blockCount = blockCount.get(); sp.keptTotals = keptTotals.get();
        sp.heads = c.nHeads; sp.kvHeads = c.nKvHeads; sp.headDim = D; sp.capacity = capacity;
        sp.seqK = position + 1; sp.positionDev = posDev; sp.scale = d.scale; sp.delta = sparseDelta;
        phases.enter(stream, "block select (decode)");
        launchDecodeBlockSelect(sp, stream);
        d.blockList = blockList.get(); d.blockCount = blockCount.get(); d.listStride = keyBlocksFor(capacity);
      }
      phases.enter(stream, "attention (decode)");
      launchDecodeAttention(d, stream);
    } else {
      attentionPrefill(l, n, position, a, onPlan);
    }
    int qFrom = 0, qTo = 0;
    if (!posDev) questionRange(n, position, qFrom, qTo);
    phases.enter(stream, "other");
    if (qFrom < qTo) {
      QuestionAttentionParams qa;
      qa.q = qHeads.get(); qa.k = kCache[size_t(l)].get(); qa.mass = questionMass.get() + size_t(l) * questionStride;
      qa.heads = c.nHeads; qa.kvHeads = c.nKvHeads; qa.headDim = D; qa.T = n; qa.capacity = capacity;
      qa.blockSize = questionBlockSize; qa.position = position; qa.rowFrom = qFrom; qa.rowTo = qTo;
      launchQuestionAttention(qa, stream);
    }
    if (gemv) {
      phases.enter(stream, "gemv");
      launchGemvAddResidual(attnTokens.get(), L.o.get(), x.get(), H, Q, stream);
      launchNormGemvSwiGlu(x.get(), L.ffnNorm.get(), c.rmsEps, L.gateUp.get(), act.get(), F, H, stream);
      launchGemvAddResidual(act.get(), L.down.get(), x.get(), H, F, stream);
      continue;
    }
    phases.enter(stream, "gemm");
    gemm->fp32Out(L.o.get(), attnTokens.get(), x.get(), H, Q, n, 1.f);
    phases.enter(stream, "other");
    launchRmsNorm(x.get(), H, L.ffnNorm.get(), h.get(), n, H, c.rmsEps, stream);
    phases.enter(stream, "gemm");
    gemm->bf16Out(L.gateUp.get(), h.get(), gateUp.get(), 2 * F, H, n);
    phases.enter(stream, "other");
    launchSwiGlu(gateUp.get(), act.get(), n, F, stream);
    phases.enter(stream, "gemm");
    gemm->fp32Out(L.down.get(), act.get(), x.get(), H, F, n, 1.f);
  }
}

void GpuModel::State::captureDecodeGraph(const AttentionOptions& a) {
  cudaGraph_t graph = nullptr;
  std::string why;
  check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "starting the decode graph capture");
  phases.pause(true);
  try {
    enqueueLayers(1, 0, positionDev.get(), a, nullptr);
  } catch (const std::exception& e) {
    why = e.what();
  }
  phases.pause(false);
  const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
  if (why.empty() && ended != cudaSuccess) why = cudaGetErrorString(ended);
  if (why.empty() && cudaGraphInstantiate(&decodeGraph, graph, 0) != cudaSuccess) {
    why = "instantiating the graph failed";
    decodeGraph = nullptr;
  }
  if (graph) cudaGraphDestroy(graph);
  if (!why.empty()) {
    cudaGetLastError();
    useDecodeGraph = false;  // decode still runs, launched kernel by kernel
    std::fprintf(stderr, "unisparse: decode runs without a CUDA graph (%s).\n", why.c_str());
  }
}

void GpuModel::forward(const int32_t* tokens, int n, int position, const AttentionOptions& a, const PlanSink& onPlan) {
  State& S = *s_;
  if (n <= 0) return;
  if (n > S.chunk) fail("internal: a GPU chunk of ", n, " tokens exceeds the scratch for ", S.chunk, ".");
  if (position + n > S.capacity) fail("the GPU KV cache holds ", S.capacity, " tokens; ", position + n, " do not fit.");
  // From pageable memory: the values are staged before the call returns, so the caller's buffers may change.
  check(cudaMemcpyAsync(S.tokens.get(), tokens, size_t(n) * 4, cudaMemcpyHostToDevice, S.stream), "copying token ids");
  S.lastN = n;
  int qFrom = 0, qTo = 0;
  S.questionRange(n, position, qFrom, qTo);
  if (qFrom < qTo) {  // zeroed per call: the host sums calls, the device sums one call's layers
    S.questionStride = size_t(S.capacity) / 64 + 1;
    S.questionMass.reserve(S.questionStride * size_t(S.config.nLayers), "allocating question attention sums on the GPU");
    check(cudaMemsetAsync(S.questionMass.get(), 0, S.questionMass.bytes(), S.stream), "clearing question sums");
  }
  if (n == 1 && S.useDecodeGraph && qFrom >= qTo) {  // the graph has no question kernel in it
    const int32_t pos = position;
    check(cudaMemcpyAsync(S.positionDev.get(), &pos, 4, cudaMemcpyHostToDevice, S.stream), "copying the position");
    if (!S.decodeGraph) S.captureDecodeGraph(a);
    if (S.decodeGraph) {
      check(cudaGraphLaunch(S.decodeGraph, S.stream), "launching the decode graph");
      return;
    }
  }
  try {
    S.phases.scope(n == 1 ? "decode" : "prefill");
    S.uploadCopySources(n, position, a);
    S.enqueueLayers(n, position, nullptr, a, onPlan);
    S.phases.enter(S.stream, "plan export");
    S.reportPlans(onPlan);
    S.phases.settle(S.stream);
    if (qFrom < qTo) S.copyQuestionMass(qTo);
  } catch (...) {
    S.freePending();
    throw;
  }
}

double GpuModel::sparseDecodeKeptShare() const {
  State& S = *s_;
  if (!S.sparseDecode) return -1;
  unsigned long long totals[2] = {0, 0};
  check(cudaMemcpyAsync(totals, S.keptTotals.get(), sizeof totals, cudaMemcpyDeviceToHost, S.stream),
        "copying sparse decode counters");
  check(cudaStreamSynchronize(S.stream), "running the model on the GPU");
  return totals[1] ? double(totals[0]) / double(totals[1]) : -1;
}

void GpuModel::State::copyQuestionMass(int rowTo) {
  const size_t blocks = size_t(rowTo - 1) / size_t(questionBlockSize) + 1;
  const size_t layers = size_t(config.nLayers);
  std::vector<double> sums(layers * blocks);
  check(cudaMemcpy2DAsync(sums.data(), blocks * sizeof(double), questionMass.get(), questionStride * sizeof(double),
                          blocks * sizeof(double), layers, cudaMemcpyDeviceToHost, stream),
        "copying question attention sums");
  check(cudaStreamSynchronize(stream), "computing question attention on the GPU");
  std::vector<std::vector<double>>& mass = *questionHost;
  if (mass.size() < layers) mass.resize(layers);
  for (size_t l = 0; l < layers; ++l) {
    if (mass[l].size() < blocks) mass[l].resize(blocks, 0.0);
    for (size_t b = 0; b < blocks; ++b) mass[l][b] += sums[l * blocks + b];
  }
}

void GpuModel::setQuestionRows(int from, int to, int blockSize, std::vector<std::vector<double>>* mass) {
  State& S = *s_;
  S.questionFrom = from;
  S.questionTo = to;
  S.questionBlockSize = blockSize;
  S.questionHost = mass;
}

void GpuModel::logits(const std::vector<int>& rows, const std::vector<size_t>& outRows, float* out) {
  State& S = *s_;
  const int H = S.config.hiddenSize, V = S.config.vocabSize;
  for (size_t i = 0; i < rows.size();) {
    // A run of consecutive chunk rows (all of them for logits 'all', one for 'last') in batches of kLogitRows.
    size_t j = i + 1;
    while (j < rows.size() && j - i < size_t(kLogitRows) && rows[j] == rows[j - 1] + 1) ++j;
    const int count = int(j - i);
    if (rows[i] < 0 || rows[i] + count > S.lastN) fail("internal: logits row outside the last GPU chunk.");
    S.phases.enter(S.stream, "lm head");
    if (count == 1 && S.useDecodeGemv) {  // a decode step's one row: a matrix-vector pass
      launchNormGemvF32(S.x.get() + size_t(rows[i]) * H, S.weights.outputNorm.get(), S.config.rmsEps,
                        S.weights.lmHead(), S.logits.get(), V, H, S.stream);
    } else {
      launchRmsNorm(S.x.get() + size_t(rows[i]) * H, H, S.weights.outputNorm.get(), S.normed.get(), count, H,
                    S.config.rmsEps, S.stream);
      S.gemm->fp32Out(S.weights.lmHead(), S.normed.get(), S.logits.get(), V, H, count, 0.f);
    }
    for (int k = 0; k < count; ++k)
      check(cudaMemcpyAsync(out + outRows[i + size_t(k)] * size_t(V), S.logits.get() + size_t(k) * V, size_t(V) * 4,
                            cudaMemcpyDeviceToHost, S.stream),
            "copying logits from the GPU");
    check(cudaStreamSynchronize(S.stream), "computing logits on the GPU");
    S.phases.settle(S.stream);
    i = j;
  }
  check(cudaStreamSynchronize(S.stream), "running the model on the GPU");
}

}  // namespace unisparse::cuda
