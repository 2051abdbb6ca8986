#include "weights.h"

#include <map>

#include "common/error.h"
#include "tensor_lookup.h"

namespace unisparse {

namespace {

using namespace roles;

class Loader : public TensorLookup {
 public:
  Loader(const TensorSource& src, bool integerKernels) : TensorLookup(src), integerKernels_(integerKernels) {}

  // A weight matrix stored [in, out] in GGML order (HF's [out, in] reversed).
  Matrix matrix(const RoleNames& role, int layer, int64_t in, int64_t out) {
    const TensorInfo& t = require(role, layer);
    if (t.ne.size() != 2 || t.ne[0] != in || t.ne[1] != out)
      fail(t.file, ": tensor ", t.name, " has shape ", shapeText(t.ne), " (innermost first) but the config needs [",
           in, ", ", out, "]; the weights do not match config/metadata.");
    Matrix m;
    m.name = t.name;
    m.type = t.type;
    m.rows = out;
    m.cols = in;
    m.data = t.data;
    m.rowBytes = rowBytes(t.type, in);
    count(t.type);
    if (integerKernels_) packForKernels(m);
    // The packed copy is what the kernels read; the file's pages can go, except the embedding's, whose rows are
    // still looked up token by token.
    if (m.packed && role.gguf != kEmbedding.gguf) MappedFile::release(t.data, t.bytes);
    return m;
  }

  std::vector<float> vector(const TensorInfo& t, int64_t n) {
    if (t.elements() != n || t.ne[0] != n)
      fail(t.file, ": tensor ", t.name, " has shape ", shapeText(t.ne), " but the config needs [", n, "].");
    std::vector<float> v(static_cast<size_t>(n));
    dequantizeRow(t.type, t.data, v.data(), n);
    count(t.type);
    return v;
  }
  std::vector<float> vector(const RoleNames& role, int layer, int64_t n) { return vector(require(role, layer), n); }
  std::vector<float> optionalVector(const RoleNames& role, int layer, int64_t n) {
    const TensorInfo* t = find(role, layer);
    return t ? vector(*t, n) : std::vector<float>();
  }

 private:
  bool integerKernels_;
};

}  // namespace

size_t ModelWeights::nativeBytes() const {
  size_t n = tokenEmbedding.nativeBytes() + output.nativeBytes();
  for (const auto& l : layers)
    for (const Matrix* m : {&l.wq, &l.wk, &l.wv, &l.wo, &l.gate, &l.up, &l.down}) n += m->nativeBytes();
  return n;
}

ModelWeights loadWeights(const TensorSource& src, ModelConfig& c, bool integerKernels) {
  Loader L(src, integerKernels);
  ModelWeights w;
  const TensorInfo& emb = L.require(kEmbedding, 0);
  if (emb.ne.size() != 2 || emb.ne[0] != c.hiddenSize)
    fail(emb.file, ": tensor ", emb.name, " has shape ", Loader::shapeText(emb.ne), " but the hidden size is ",
         c.hiddenSize, ".");
  if (c.vocabSize <= 0) c.vocabSize = int(emb.ne[1]);
  if (emb.ne[1] != c.vocabSize)
    fail(emb.file, ": tensor ", emb.name, " has ", emb.ne[1], " rows but the vocabulary size is ", c.vocabSize, ".");
  w.tokenEmbedding = L.matrix(kEmbedding, 0, c.hiddenSize, c.vocabSize);
  if (!c.tiedEmbeddings && L.find(kOutput, 0)) w.output = L.matrix(kOutput, 0, c.hiddenSize, c.vocabSize);
  c.tiedEmbeddings = w.output.empty();
  w.outputNorm = L.vector(kOutputNorm, 0, c.hiddenSize);
  if (src.format == "gguf") {
    auto it = src.tensors.find("rope_freqs.weight");
    if (it != src.tensors.end()) w.ropeFreqFactors = L.vector(it->second, c.ropeDim / 2);
  }
  const int64_t qDim = int64_t(c.nHeads) * c.headDim, kvDim = int64_t(c.nKvHeads) * c.headDim;
  for (int i = 0; i < c.nLayers; ++i) {
    LayerWeights l;
    l.attnNorm = L.vector(kAttnNorm, i, c.hiddenSize);
    l.ffnNorm = L.vector(kFfnNorm, i, c.hiddenSize);
    l.wq = L.matrix(kQ, i, c.hiddenSize, qDim);
    l.wk = L.matrix(kK, i, c.hiddenSize, kvDim);
    l.wv = L.matrix(kV, i, c.hiddenSize, kvDim);
    l.wo = L.matrix(kO, i, qDim, c.hiddenSize);
    l.bq = L.optionalVector(kQBias, i, qDim);
    l.bk = L.optionalVector(kKBias, i, kvDim);
    l.bv = L.optionalVector(kVBias, i, kvDim);
    l.gate = L.matrix(kGate, i, c.hiddenSize, c.ffnSize);
    l.up = L.matrix(kUp, i, c.hiddenSize, c.ffnSize);
    l.down = L.matrix(kDown, i, c.ffnSize, c.hiddenSize);
    w.layers.push_back(std::move(l));
  }
  w.typeCounts = L.typeCounts();
  return w;
}

}  // namespace unisparse
