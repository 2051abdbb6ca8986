// The Llama-family forward pass behind unisparse::Model: token chunks run as batched matmuls against a KV cache,
// attention goes through attention_cpu (dense or UniSparse behind one call), and the plans it returns are
// summarised for the editor overlay.
#include <cstdlib>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/error.h"
#include "common/thread_pool.h"
#include "attention/copy_sources.h"
#include "attention/dense_attention.h"
#include "question_attention.h"
#include "rope.h"
#include "unisparse_model.h"
#include "weights.h"
#ifdef UNISPARSE_WITH_CUDA
#include "../../cuda/attention_cuda.h"
#include "../../cuda/model/gpu_model.h"
#endif

namespace unisparse {

// CPU prefill runs in chunks of 256 tokens per four threads, up to 1024: multiples of both block sizes (64, 128).
// One to seven threads keep 256, small enough that a chunk's activations stay in the L2 cache during the matmuls and
// a chunk at 4K context takes about a second on two cores. With more threads a 256-token chunk leaves them idle: on
// 16 cores a 4,096-token prefill took 5.2 s dense and 7.7 s UniSparse at 256 against 4.1 and 4.6 s at 1024 (the
// plan's exact check of each chunk's last block is then paid a quarter as often). UNISPARSE_CPU_CHUNK overrides it.
static int cpuChunkTokens(int threads) {
  if (const char* forced = std::getenv("UNISPARSE_CPU_CHUNK")) return std::max(64, std::atoi(forced) / 64 * 64);
  return 256 * std::clamp(threads / 4, 1, 4);
}

struct Model::Impl {
  std::unique_ptr<TensorSource> src;
  ModelConfig config;
  ModelWeights weights;
  ModelInfo info;
  ModelOptions opts;
  std::unique_ptr<ThreadPool> pool;
  std::unique_ptr<Rope> rope;
#ifdef UNISPARSE_WITH_CUDA
  std::unique_ptr<cuda::GpuModel> gpu;  // device 'cuda': the whole forward pass; the CPU members stay empty
#endif

  int capacity = 0;
  int position = 0;
  // The cached tokens' copy sources, for UniSparse plans (null when opts.copyRecent is 0).
  std::unique_ptr<CopySourceIndex> copySources;
  std::vector<std::unique_ptr<float[]>> kCache, vCache;  // per layer [capacity, kvHeads, headDim], untouched until used

  // Chunk scratch.
  std::vector<float> x, h, q, attn, gate, up, rowsOut;
  ActivationQ8 actScratch;

  AttentionReport report;
  std::vector<double> scoreSum;
  std::vector<int64_t> scoreCount;
  int64_t keptBlocks = 0, causalBlocks = 0;
  int heatDim = 0;  // side of report.heatmap
  std::vector<int> captureLayers;
  std::vector<CapturedQkv> captures;  // parallel to captureLayers
  // Query rows at positions >= questionFrom add their exact attention per key block to questionMass[layer] (both
  // devices); the report gives the sum over layers and each layer's own.
  int questionFrom = -1, questionTo = -1;  // questionTo -1: to the end of each eval
  std::vector<std::vector<double>> questionMass;

  int64_t qDim() const { return int64_t(config.nHeads) * config.headDim; }
  int64_t kvDim() const { return int64_t(config.nKvHeads) * config.headDim; }

  void rmsNorm(const float* in, const std::vector<float>& w, float* out, int n) const {
    const int H = config.hiddenSize;
    for (int t = 0; t < n; ++t) {
      const float* a = in + int64_t(t) * H;
      float* o = out + int64_t(t) * H;
      double ss = 0;
      for (int i = 0; i < H; ++i) ss += double(a[i]) * a[i];
      const float inv = float(1.0 / std::sqrt(ss / H + double(config.rmsEps)));
      for (int i = 0; i < H; ++i) o[i] = a[i] * inv * w[size_t(i)];
    }
  }

  static void addBias(float* y, const std::vector<float>& b, int n, int64_t stride) {
    if (b.empty()) return;
    for (int t = 0; t < n; ++t)
      for (size_t i = 0; i < b.size(); ++i) y[t * stride + int64_t(i)] += b[i];
  }

  AttentionOptions attentionOptions() const {
    AttentionOptions a;
    a.mode = opts.attention;
    a.causal = true;
    a.sparse.blockSize = opts.blockSize;
    a.sparse.tau = opts.tau;
    a.sparse.granularities = default_granularities(config.nHeads, config.nKvHeads, opts.blockSize);
    a.sparse.maxBlocks = opts.maxBlocks;
    a.sparse.neighbourShare = opts.neighbourShare;
    a.sparse.checkRecall = opts.checkRecall;
    a.sparse.copyRecent = opts.copyRecent;
    a.sparse.copyNgram = opts.copyNgram;
    a.copySources = copySources.get();
    return a;
  }

  void beginReport(bool prefill) {
    if (!prefill) return;
    report = AttentionReport{};
    report.mode = opts.attention;
    report.blockSize = opts.blockSize;
    report.heatmapLayer = config.nLayers / 2;
    report.heatmapHead = 0;
    scoreSum.clear();
    scoreCount.clear();
    keptBlocks = causalBlocks = 0;
    heatDim = 0;
  }

  // Folds one layer's plan for a chunk into the report. Plan rows are the query blocks covering the chunk's
  // absolute positions [seqK - seqQ, seqK), the first row being block (seqK - seqQ) / S.
  void recordPlan(const BlockPlan& ran, int layer, int seqQ, int seqK) {
    const int S = opts.blockSize;
    const int nKeyBlocks = (seqK + S - 1) / S;
    const int firstRow = (seqK - seqQ) / S;
    const int nRows = (seqK - 1) / S - firstRow + 1;
    const bool valid = ran.kvHeads == config.nKvHeads && ran.nQueryBlocks == nRows &&
                       ran.firstQueryBlock == firstRow &&
                       ran.rowPtr.size() == size_t(ran.kvHeads) * size_t(nRows) + 1;
    if (scoreSum.size() < size_t(nKeyBlocks)) {
      scoreSum.resize(size_t(nKeyBlocks), 0.0);
      scoreCount.resize(size_t(nKeyBlocks), 0);
    }
    const bool heat = layer == report.heatmapLayer;
    report.nBlocks = std::max(report.nBlocks, nKeyBlocks);
    if (heatDim < report.nBlocks) {
      // Grow the square map, keeping rows already drawn by earlier chunks.
      std::vector<uint8_t> grown(size_t(report.nBlocks) * report.nBlocks, 0);
      for (int r = 0; r < heatDim; ++r)
        for (int c = 0; c < heatDim; ++c) grown[size_t(r) * report.nBlocks + c] = report.heatmap[size_t(r) * heatDim + c];
      report.heatmap.swap(grown);
      heatDim = report.nBlocks;
    }
    // An implementation that returns no plan ran dense: fold in the full plan, the same one a dense run reports.
    BlockPlan full;
    if (!valid) {
      AttentionShape shape;
      shape.kvHeads = config.nKvHeads;
      shape.seqQ = seqQ;
      shape.seqK = seqK;
      detail::full_plan(shape, S, true, &full);
    }
    const BlockPlan& plan = valid ? ran : full;
    keptBlocks += plan.keptBlocks;
    causalBlocks += plan.causalBlocks;
    for (int kh = 0; kh < plan.kvHeads; ++kh)
      for (int r = 0; r < nRows; ++r) {
        const size_t row = size_t(kh) * nRows + r;
        for (int32_t i = plan.rowPtr[row]; i < plan.rowPtr[row + 1]; ++i) {
          const int bk = plan.keyBlocks[size_t(i)];
          if (bk < 0 || bk >= nKeyBlocks) continue;
          if (size_t(i) < plan.keyScores.size()) {
            scoreSum[size_t(bk)] += plan.keyScores[size_t(i)];
            ++scoreCount[size_t(bk)];
          }
          if (heat && kh == report.heatmapHead) report.heatmap[size_t(firstRow + r) * report.nBlocks + bk] = 1;
        }
      }
  }

  void finishReport(bool prefill) {
    if (!prefill) return;
    size_t blocks = 0;
    for (const auto& layer : questionMass) blocks = std::max(blocks, layer.size());
    report.questionBlockMass.assign(blocks, 0.f);
    report.questionLayerMass.assign(blocks ? questionMass.size() * blocks : 0, 0.f);
    for (size_t l = 0; l < questionMass.size(); ++l) {
      for (size_t b = 0; b < questionMass[l].size(); ++b) report.questionLayerMass[l * blocks + b] = float(questionMass[l][b]);
    }
    std::vector<double> sum(blocks, 0.0);
    for (const auto& layer : questionMass)
      for (size_t b = 0; b < layer.size(); ++b) sum[b] += layer[b];
    for (size_t b = 0; b < blocks; ++b) report.questionBlockMass[b] = float(sum[b]);
    report.density = causalBlocks ? double(keptBlocks) / double(causalBlocks) : 1.0;
    report.keyBlockScore.assign(size_t(report.nBlocks), 0.f);
    for (size_t b = 0; b < scoreSum.size() && b < report.keyBlockScore.size(); ++b)
      report.keyBlockScore[b] = scoreCount[b] ? float(scoreSum[b] / double(scoreCount[b])) : 0.f;
  }

  void prepareCaptures(int n) {
    for (auto& c : captures) {
      c.heads = config.nHeads;
      c.kvHeads = config.nKvHeads;
      c.headDim = config.headDim;
      c.seq = n;
      c.q.assign(size_t(c.heads) * n * c.headDim, 0.f);
      c.k.assign(size_t(c.kvHeads) * n * c.headDim, 0.f);
      c.v.assign(size_t(c.kvHeads) * n * c.headDim, 0.f);
    }
  }

  void capture(int layer, int offsetInEval, int n, const float* qChunk, const float* kChunk, const float* vChunk) {
    for (size_t i = 0; i < captureLayers.size(); ++i) {
      if (captureLayers[i] != layer) continue;
      CapturedQkv& c = captures[i];
      const int D = c.headDim;
      for (int t = 0; t < n; ++t) {
        for (int hh = 0; hh < c.heads; ++hh)
          std::memcpy(&c.q[(size_t(hh) * c.seq + offsetInEval + t) * D], qChunk + t * qDim() + hh * D, size_t(D) * 4);
        for (int hh = 0; hh < c.kvHeads; ++hh) {
          std::memcpy(&c.k[(size_t(hh) * c.seq + offsetInEval + t) * D], kChunk + t * kvDim() + hh * D, size_t(D) * 4);
          std::memcpy(&c.v[(size_t(hh) * c.seq + offsetInEval + t) * D], vChunk + t * kvDim() + hh * D, size_t(D) * 4);
        }
      }
    }
  }

  // Runs n tokens at the current position through every layer; leaves the final hidden states in x (or on the
  // GPU).
  void forwardChunk(const int32_t* tokens, int n, int offsetInEval) {
    if (copySources) {
      copySources->truncate(position);  // drops what a failed chunk appended
      copySources->append(tokens, n);
    }
#ifdef UNISPARSE_WITH_CUDA
    if (gpu) {
      const int seqK = position + n;
      questionMass.resize(size_t(config.nLayers));
      gpu->setQuestionRows(questionFrom, questionTo, opts.blockSize, &questionMass);
      gpu->forward(tokens, n, position, attentionOptions(),
                   [&](int layer, const BlockPlan& plan) { recordPlan(plan, layer, n, seqK); });
      position += n;
      return;
    }
#endif
    const ModelConfig& c = config;
    const int H = c.hiddenSize, F = c.ffnSize;
    const int64_t Q = qDim(), KV = kvDim();
    x.resize(size_t(n) * H);
    h.resize(size_t(n) * H);
    q.resize(size_t(n) * Q);
    attn.resize(size_t(n) * Q);
    gate.resize(size_t(n) * F);
    up.resize(size_t(n) * F);
    for (int t = 0; t < n; ++t) weights.tokenEmbedding.dequantizeRowTo(tokens[t], x.data() + int64_t(t) * H);
    rope->prepare(position, n);
    const AttentionOptions aopts = attentionOptions();

    for (int l = 0; l < c.nLayers; ++l) {
      const LayerWeights& L = weights.layers[size_t(l)];
      float* kDst = kCache[size_t(l)].get() + int64_t(position) * KV;
      float* vDst = vCache[size_t(l)].get() + int64_t(position) * KV;
      rmsNorm(x.data(), L.attnNorm, h.data(), n);
      matmulShared({{&L.wq, q.data(), Q}, {&L.wk, kDst, KV}, {&L.wv, vDst, KV}},  // k, v straight into the cache
                   h.data(), n, *pool, actScratch);
      addBias(q.data(), L.bq, n, Q);
      addBias(kDst, L.bk, n, KV);
      addBias(vDst, L.bv, n, KV);
      rope->apply(q.data(), n, c.nHeads, Q);
      rope->apply(kDst, n, c.nKvHeads, KV);
      if (!captures.empty()) capture(l, offsetInEval, n, q.data(), kDst, vDst);

      AttentionShape s;
      s.heads = c.nHeads;
      s.kvHeads = c.nKvHeads;
      s.headDim = c.headDim;
      s.seqQ = n;
      s.seqK = position + n;
      s.qHeadStride = s.kHeadStride = s.vHeadStride = s.oHeadStride = c.headDim;
      s.qSeqStride = s.oSeqStride = Q;
      s.kSeqStride = s.vSeqStride = KV;
      BlockPlan plan;
      const bool prefill = n > 1;
      attention_cpu(s, aopts, q.data(), kCache[size_t(l)].get(), vCache[size_t(l)].get(), attn.data(),
                    prefill ? &plan : nullptr);
      if (prefill) recordPlan(plan, l, n, position + n);
      const int questionEnd = questionTo < 0 ? position + n : std::min(questionTo, position + n);
      if (questionFrom >= 0 && questionEnd > std::max(questionFrom, position)) {
        QuestionAttentionShape qs;
        qs.heads = c.nHeads;
        qs.kvHeads = c.nKvHeads;
        qs.headDim = c.headDim;
        qs.blockSize = opts.blockSize;
        qs.qRowStride = Q;
        qs.kRowStride = KV;
        questionMass.resize(size_t(c.nLayers));
        accumulateQuestionAttention(qs, q.data(), position, kCache[size_t(l)].get(), std::max(questionFrom, position),
                                    questionEnd, questionMass[size_t(l)], *pool);
      }

      matmul(L.wo, attn.data(), n, h.data(), H, *pool, actScratch);
      for (int64_t i = 0; i < int64_t(n) * H; ++i) x[size_t(i)] += h[size_t(i)];

      rmsNorm(x.data(), L.ffnNorm, h.data(), n);
      matmulShared({{&L.gate, gate.data(), F}, {&L.up, up.data(), F}}, h.data(), n, *pool, actScratch);
      for (int64_t i = 0; i < int64_t(n) * F; ++i) {
        const float g = gate[size_t(i)];
        gate[size_t(i)] = g / (1.f + std::exp(-g)) * up[size_t(i)];
      }
      matmul(L.down, gate.data(), n, h.data(), H, *pool, actScratch);
      for (int64_t i = 0; i < int64_t(n) * H; ++i) x[size_t(i)] += h[size_t(i)];
    }
    position += n;
  }

  // Final norm + lm_head for the listed rows of the chunk's hidden states, written to out rows outRows.
  void logitsFor(const std::vector<int>& chunkRows, const std::vector<size_t>& outRows, float* out) {
    if (chunkRows.empty()) return;
#ifdef UNISPARSE_WITH_CUDA
    if (gpu) return gpu->logits(chunkRows, outRows, out);
#endif
    const int H = config.hiddenSize, V = config.vocabSize;
    std::vector<float> gathered(chunkRows.size() * size_t(H)), normed(chunkRows.size() * size_t(H));
    for (size_t i = 0; i < chunkRows.size(); ++i)
      std::memcpy(&gathered[i * H], &x[size_t(chunkRows[i]) * H], size_t(H) * 4);
    rmsNorm(gathered.data(), weights.outputNorm, normed.data(), int(chunkRows.size()));
    rowsOut.resize(chunkRows.size() * size_t(V));
    matmul(weights.lmHead(), normed.data(), int(chunkRows.size()), rowsOut.data(), V, *pool, actScratch);
    for (size_t i = 0; i < chunkRows.size(); ++i)
      std::memcpy(out + outRows[i] * V, &rowsOut[i * V], size_t(V) * 4);
  }
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

std::unique_ptr<Model> Model::load(const std::string& path, const ModelOptions& opts) {
  if (opts.device != "cpu" && opts.device != "cuda") fail("device '", opts.device, "' is not known; use 'cpu' or 'cuda'.");
  if (opts.device == "cuda" && opts.exactMatmul)
    fail("exactMatmul works on device 'cpu' only (the GPU runtime computes in bf16); load the model with device 'cpu'.");
  if (opts.device == "cuda") {
#ifdef UNISPARSE_WITH_CUDA
    std::string reason;
    if (!cuda::available(&reason))
      fail("device 'cuda': no usable GPU (", reason, "). Use device 'cpu'.");
#else
    fail("device 'cuda': this build of the native addon has no CUDA kernels (nvcc was not found when it was built). "
         "Rebuild with `npm run build:native` on a machine with the CUDA toolkit, or use device 'cpu'.");
#endif
  }
  if (opts.blockSize != 64 && opts.blockSize != 128)
    fail("blockSize ", opts.blockSize, " is not supported; use 64 or 128.");
  if (!(opts.tau > 0.f) || opts.tau > 1.f) fail("tau ", opts.tau, " must be in (0, 1].");
  if (opts.threads < 0 || opts.threads > 1024) fail("threads ", opts.threads, " must be between 0 (auto) and 1024.");

  if (!(opts.checkRecall >= 0.f && opts.checkRecall <= 1.f))
    fail("checkRecall ", opts.checkRecall, " must be in [0, 1] (0 never widens a head, 1 always does).");
  if (opts.maxBlocks < 0) fail("maxBlocks ", opts.maxBlocks, " must be 0 (no budget) or a positive block count.");
  if (opts.copyRecent < 0 || opts.copyNgram < 1 || opts.copyNgram > 3)
    fail("copyNgram ", opts.copyNgram, " must be 1, 2 or 3 and copyRecent ", opts.copyRecent, " >= 0 (0 = off).");
  if (opts.device == "cuda" && !opts.captureLayers.empty())
    fail("captureLayers works on device 'cpu' only; load the model with device 'cpu' to capture Q/K/V.");

  auto impl = std::make_unique<Impl>();
  impl->opts = opts;
  if (opts.copyRecent > 0)
    impl->copySources = std::make_unique<CopySourceIndex>(opts.blockSize, opts.copyNgram, opts.copyRecent);
  struct stat st {};
  const bool isDir = ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  impl->src = isDir ? readSafetensorsDir(path) : readGguf(path);
  impl->config = readModelConfig(*impl->src);
  const ModelConfig& c = impl->config;
  const int modelContext = c.contextLength > 0 ? c.contextLength : 8192;
  if (opts.maxContext > (1 << 22)) fail("maxContext ", opts.maxContext, " is larger than this runtime allows (4194304).");
  impl->pool = std::make_unique<ThreadPool>(opts.device == "cuda" ? 1 : opts.threads);
#ifdef UNISPARSE_WITH_CUDA
  if (opts.device == "cuda") {
    // The GPU holds a longer context by default: prefill there is fast enough for repository-sized prompts.
    const int requested = opts.maxContext > 0 ? opts.maxContext : std::min(modelContext, 32768);
    impl->gpu = std::make_unique<cuda::GpuModel>(*impl->src, impl->config, requested);
    impl->rope = std::make_unique<Rope>(c, impl->gpu->ropeFreqFactors());
    impl->gpu->setRope(*impl->rope);
    impl->capacity = impl->gpu->capacity();
  }
#endif
  if (opts.device != "cuda") {
    impl->weights = loadWeights(*impl->src, impl->config, !opts.exactMatmul);
    impl->rope = std::make_unique<Rope>(c, impl->weights.ropeFreqFactors);
    impl->capacity = opts.maxContext > 0 ? opts.maxContext : std::min(modelContext, 8192);
    for (int l = 0; l < c.nLayers; ++l) {
      const size_t n = size_t(impl->capacity) * size_t(impl->kvDim());
      impl->kCache.emplace_back(new float[n]);
      impl->vCache.emplace_back(new float[n]);
    }
  }
  for (int layer : opts.captureLayers) {
    if (layer < 0 || layer >= c.nLayers)
      fail("captureLayers lists layer ", layer, " but the model has layers 0 to ", c.nLayers - 1, ".");
    impl->captureLayers.push_back(layer);
  }
  impl->captures.resize(impl->captureLayers.size());

  ModelInfo& i = impl->info;
  i.architecture = c.architecture;
  i.format = c.format;
  i.nLayers = c.nLayers;
  i.nHeads = c.nHeads;
  i.nKvHeads = c.nKvHeads;
  i.headDim = c.headDim;
  i.hiddenSize = c.hiddenSize;
  i.vocabSize = c.vocabSize;
  i.contextLength = c.contextLength;
  i.ropeTheta = c.ropeTheta;
  i.tiedEmbeddings = c.tiedEmbeddings;
  i.weightTypes = impl->weights.typeCounts;
  i.device = opts.device;
  i.capacity = impl->capacity;
  i.prefillChunk = cpuChunkTokens(impl->pool->size());
#ifdef UNISPARSE_WITH_CUDA
  if (impl->gpu) {
    i.weightTypes = impl->gpu->typeCounts();
    i.deviceNote = impl->gpu->note();
    i.deviceBytes = impl->gpu->deviceBytes();
    i.deviceWeightBytes = impl->gpu->weightBytes();
    i.prefillChunk = impl->gpu->chunkTokens();
  }
#endif
  impl->report.mode = opts.attention;
  impl->report.blockSize = opts.blockSize;
  return std::unique_ptr<Model>(new Model(std::move(impl)));
}

const ModelInfo& Model::info() const { return impl_->info; }

const MetaValue* Model::metadata(const std::string& key) const {
  auto it = impl_->src->metadata.find(key);
  return it == impl_->src->metadata.end() ? nullptr : &it->second;
}

std::vector<float> Model::eval(const int32_t* tokens, size_t n, const LogitsRequest& request) {
  Impl& m = *impl_;
  const int V = m.config.vocabSize;
  for (size_t i = 0; i < n; ++i)
    if (tokens[i] < 0 || tokens[i] >= V)
      fail("token ", tokens[i], " at index ", i, " is outside the vocabulary (0 to ", V - 1, "); nothing was evaluated.");
  if (size_t(m.position) + n > size_t(m.capacity))
    fail("the KV cache holds ", m.capacity, " tokens; ", m.position, " are cached and ", n,
         " more do not fit. Call truncate()/reset(), or load the model with a larger maxContext.");
  std::vector<int> wanted;  // eval-relative rows whose logits are returned, in output order
  switch (request.mode) {
    case LogitsMode::Last: if (n) wanted.push_back(int(n) - 1); break;
    case LogitsMode::All: for (size_t i = 0; i < n; ++i) wanted.push_back(int(i)); break;
    case LogitsMode::None: break;
    case LogitsMode::Rows:
      for (int r : request.rows) {
        if (r < 0 || size_t(r) >= n)
          fail("logits row ", r, " is outside this eval's ", n, " tokens (rows are 0 to ", int(n) - 1, ").");
        wanted.push_back(r);
      }
      break;
  }
  std::vector<float> out(wanted.size() * size_t(V));
  if (n == 0) return out;
  const bool prefill = n > 1;
  m.beginReport(prefill);
  m.prepareCaptures(int(n));
  const size_t chunk = size_t(m.info.prefillChunk);
  for (size_t start = 0; start < n; start += chunk) {
    const int len = int(std::min<size_t>(chunk, n - start));
    m.forwardChunk(tokens + start, len, int(start));
    std::vector<int> rows;
    std::vector<size_t> outRows;
    for (size_t i = 0; i < wanted.size(); ++i)
      if (size_t(wanted[i]) >= start && size_t(wanted[i]) < start + size_t(len)) {
        rows.push_back(wanted[i] - int(start));
        outRows.push_back(i);
      }
    m.logitsFor(rows, outRows, out.data());
  }
  m.finishReport(prefill);
  return out;
}

int Model::position() const { return impl_->position; }
int Model::capacity() const { return impl_->capacity; }

double Model::sparseDecodeKeptShare() const {
#ifdef UNISPARSE_WITH_CUDA
  if (impl_->gpu) return impl_->gpu->sparseDecodeKeptShare();
#endif
  return -1;
}

void Model::truncate(int n) {
  if (n < 0 || n > impl_->position)
    fail("truncate(", n, "): the cache holds ", impl_->position, " tokens; pass a count between 0 and that.");
  impl_->position = n;
  if (impl_->copySources) impl_->copySources->truncate(n);
}

void Model::reset() { truncate(0); }

void Model::setAttention(AttentionMode mode, float tau, int blockSize, int maxBlocks) {
  if (blockSize != 64 && blockSize != 128) fail("blockSize ", blockSize, " is not supported; use 64 or 128.");
  if (!(tau > 0.f) || tau > 1.f) fail("tau ", tau, " must be in (0, 1].");
  if (maxBlocks < 0) fail("maxBlocks ", maxBlocks, " must be 0 (no budget) or a positive block count.");
  impl_->opts.maxBlocks = maxBlocks;
  impl_->opts.attention = mode;
  impl_->opts.tau = tau;
  impl_->opts.blockSize = blockSize;
  if (impl_->copySources) impl_->copySources->setBlockSize(blockSize);
}

void Model::setQuestionRows(int from, int to) {
  impl_->questionFrom = from;
  impl_->questionTo = to;
  impl_->questionMass.clear();
}

const AttentionReport& Model::lastAttention() const { return impl_->report; }

const CapturedQkv* Model::captured(int layer) const {
  for (size_t i = 0; i < impl_->captureLayers.size(); ++i)
    if (impl_->captureLayers[i] == layer) return &impl_->captures[i];
  return nullptr;
}

size_t Model::nativeBytes() const {
  // The KV cache is reserved up front but only the pages of cached positions are touched.
  if (impl_->kCache.empty()) return 0;  // on the GPU: host memory is the mapped file only
  return impl_->weights.nativeBytes() + size_t(impl_->position) * size_t(impl_->kvDim()) * 8 * size_t(impl_->config.nLayers);
}

}  // namespace unisparse
