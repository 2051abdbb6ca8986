#include "device_weights.h"

#include <algorithm>
#include <map>

#include "common/error.h"
#include "model/tensor_lookup.h"

namespace unisparse::cuda {
namespace {

using namespace roles;

class Uploader : public TensorLookup {
 public:
  explicit Uploader(const TensorSource& src) : TensorLookup(src) {}

  // Copies a [out, in] matrix (GGML order [in, out]) into dst rows [0, out) as bf16.
  void matrix(const TensorInfo& t, int64_t in, int64_t out, __nv_bfloat16* dst) {
    if (t.ne.size() != 2 || t.ne[0] != in || t.ne[1] != out)
      fail(t.file, ": tensor ", t.name, " has shape ", shapeText(t.ne), " (innermost first) but the config needs [",
           in, ", ", out, "]; the weights do not match config/metadata.");
    count(t.type);
    if (t.type == TensorType::BF16) {
      check(cudaMemcpy(dst, t.data, size_t(in * out) * 2, cudaMemcpyHostToDevice), "copying weights to the GPU");
      return;
    }
    const size_t rb = rowBytes(t.type, in);
    if (rb == 0) fail(t.file, ": tensor ", t.name, " rows of ", in, " values are not whole quantisation blocks.");
    // Dequantise in slabs of rows: bounded host memory, few copies.
    const int64_t slabRows = std::max<int64_t>(1, (int64_t(32) << 20) / in);
    std::vector<float> row(static_cast<size_t>(in));
    std::vector<__nv_bfloat16> slab;
    for (int64_t r0 = 0; r0 < out; r0 += slabRows) {
      const int64_t n = std::min(slabRows, out - r0);
      slab.resize(size_t(n * in));
      for (int64_t r = 0; r < n; ++r) {
        dequantizeRow(t.type, t.data + size_t(r0 + r) * rb, row.data(), in);
        for (int64_t i = 0; i < in; ++i) slab[size_t(r * in + i)] = __float2bfloat16_rn(row[size_t(i)]);
      }
      check(cudaMemcpy(dst + r0 * in, slab.data(), slab.size() * 2, cudaMemcpyHostToDevice), "copying weights to the GPU");
    }
  }

  std::vector<float> hostVector(const TensorInfo& t, int64_t n) {
    if (t.elements() != n || t.ne[0] != n)
      fail(t.file, ": tensor ", t.name, " has shape ", shapeText(t.ne), " but the config needs [", n, "].");
    std::vector<float> v(static_cast<size_t>(n));
    dequantizeRow(t.type, t.data, v.data(), n);
    count(t.type);
    return v;
  }

  DeviceArray<float> vector(const RoleNames& role, int layer, int64_t n) {
    return upload(hostVector(require(role, layer), n), "allocating a norm weight on the GPU");
  }

  static DeviceArray<float> upload(const std::vector<float>& v, const char* what) {
    DeviceArray<float> d(v.size(), what);
    check(cudaMemcpy(d.get(), v.data(), v.size() * 4, cudaMemcpyHostToDevice), "copying weights to the GPU");
    return d;
  }

};

}  // namespace

size_t DeviceWeights::bytes() const {
  size_t n = embedding.bytes() + output.bytes() + outputNorm.bytes();
  for (const auto& l : layers)
    n += l.qkv.bytes() + l.o.bytes() + l.gateUp.bytes() + l.down.bytes() + l.qkvBias.bytes() + l.attnNorm.bytes() +
         l.ffnNorm.bytes();
  return n;
}

DeviceWeights loadDeviceWeights(const TensorSource& src, ModelConfig& c) {
  Uploader U(src);
  DeviceWeights w;
  const TensorInfo& emb = U.require(kEmbedding, 0);
  if (emb.ne.size() != 2 || emb.ne[0] != c.hiddenSize)
    fail(emb.file, ": tensor ", emb.name, " has shape ", TensorLookup::shapeText(emb.ne), " but the hidden size is ", c.hiddenSize, ".");
  if (c.vocabSize <= 0) c.vocabSize = int(emb.ne[1]);
  if (emb.ne[1] != c.vocabSize)
    fail(emb.file, ": tensor ", emb.name, " has ", emb.ne[1], " rows but the vocabulary size is ", c.vocabSize, ".");
  const int64_t H = c.hiddenSize, V = c.vocabSize, F = c.ffnSize;
  const int64_t Q = int64_t(c.nHeads) * c.headDim, KV = int64_t(c.nKvHeads) * c.headDim;
  w.embedding.allocate(size_t(V * H), "allocating the token embedding on the GPU");
  U.matrix(emb, H, V, w.embedding.get());
  const TensorInfo* out = c.tiedEmbeddings ? nullptr : U.find(kOutput, 0);
  if (out) {
    w.output.allocate(size_t(V * H), "allocating the output projection on the GPU");
    U.matrix(*out, H, V, w.output.get());
  }
  c.tiedEmbeddings = w.output.empty();
  w.outputNorm = U.vector(kOutputNorm, 0, H);
  if (src.format == "gguf") {
    auto it = src.tensors.find("rope_freqs.weight");
    if (it != src.tensors.end()) w.ropeFreqFactors = U.hostVector(it->second, c.ropeDim / 2);
  }
  for (int i = 0; i < c.nLayers; ++i) {
    DeviceLayer l;
    l.attnNorm = U.vector(kAttnNorm, i, H);
    l.ffnNorm = U.vector(kFfnNorm, i, H);
    l.qkv.allocate(size_t((Q + 2 * KV) * H), "allocating attention weights on the GPU");
    U.matrix(U.require(kQ, i), H, Q, l.qkv.get());
    U.matrix(U.require(kK, i), H, KV, l.qkv.get() + Q * H);
    U.matrix(U.require(kV, i), H, KV, l.qkv.get() + (Q + KV) * H);
    l.o.allocate(size_t(H * Q), "allocating attention weights on the GPU");
    U.matrix(U.require(kO, i), Q, H, l.o.get());
    const TensorInfo *bq = U.find(kQBias, i), *bk = U.find(kKBias, i), *bv = U.find(kVBias, i);
    if (bq || bk || bv) {
      std::vector<float> bias(size_t(Q + 2 * KV), 0.f);
      if (bq) { auto v = U.hostVector(*bq, Q); std::copy(v.begin(), v.end(), bias.begin()); }
      if (bk) { auto v = U.hostVector(*bk, KV); std::copy(v.begin(), v.end(), bias.begin() + Q); }
      if (bv) { auto v = U.hostVector(*bv, KV); std::copy(v.begin(), v.end(), bias.begin() + Q + KV); }
      l.qkvBias = Uploader::upload(bias, "allocating attention biases on the GPU");
    }
    l.gateUp.allocate(size_t(2 * F * H), "allocating feed-forward weights on the GPU");
    U.matrix(U.require(kGate, i), H, F, l.gateUp.get());
    U.matrix(U.require(kUp, i), H, F, l.gateUp.get() + F * H);
    l.down.allocate(size_t(H * F), "allocating feed-forward weights on the GPU");
    U.matrix(U.require(kDown, i), F, H, l.down.get());
    w.layers.push_back(std::move(l));
  }
  w.typeCounts = U.typeCounts();
  return w;
}

}  // namespace unisparse::cuda
