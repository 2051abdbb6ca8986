// GPU plan vs CPU plan on the same inputs: links the CPU attention_cpu (native/src/attention) and
// the CUDA host API, runs both in UniSparse mode on bf16-representable float inputs with planted structure,
// and compares the plans row by row and the outputs element by element. Also feeds bad shapes to the CUDA API
// and checks that each comes back as an exception with a sentence. Exit code 1 on any mismatch.
#include "attention/attention.h"
#include "attention/copy_sources.h"
#include "attention_cuda.h"
#include <cuda_bf16.h>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace unisparse;

namespace {

float roundBf16(float x) { return __bfloat162float(__float2bfloat16_rn(x)); }

// A smaller cousin of test/gpu/reference.py planted_qkv (local direction, sink, needles, noise; no topics).
void planted(int heads, int kvHeads, int n, int d, unsigned seed, std::vector<float>& q, std::vector<float>& k,
             std::vector<float>& v) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> gauss(0.f, 1.f);
  const float scale = 1.f / std::sqrt(float(d));
  const int dl = d / 2, group = heads / kvHeads, every = 32;
  q.assign(size_t(heads) * n * d, 0.f); k.assign(size_t(kvHeads) * n * d, 0.f); v.assign(k.size(), 0.f);
  for (auto& x : q) x = 0.3f * gauss(rng);
  for (auto& x : k) x = 0.3f * gauss(rng);
  for (auto& x : v) x = gauss(rng);
  const float alpha = std::sqrt(16.f / scale), sink = std::sqrt(12.f / scale), amp = std::sqrt(15.f / scale);
  for (int h = 0; h < kvHeads; ++h) {
    std::vector<float> anchors(size_t(n / every + 2) * dl);
    for (auto& x : anchors) x = gauss(rng);
    for (int t = 0; t < n; ++t) {
      const float f = float(t % every) / every;
      std::vector<float> z(dl);
      float norm = 0;
      for (int i = 0; i < dl; ++i) {
        z[i] = (1 - f) * anchors[size_t(t / every) * dl + i] + f * anchors[size_t(t / every + 1) * dl + i];
        norm += z[i] * z[i];
      }
      for (int i = 0; i < dl; ++i) {
        const float zi = z[i] / std::sqrt(norm) * alpha;
        k[(size_t(h) * n + t) * d + i] += zi;
        for (int g = 0; g < group; ++g) q[(size_t(h * group + g) * n + t) * d + i] += zi;
      }
      if (t < 4) k[(size_t(h) * n + t) * d + dl] += sink;
      for (int g = 0; g < group; ++g) q[(size_t(h * group + g) * n + t) * d + dl] += sink;
    }
    for (int needle = 0; needle < 3; ++needle) {
      const int start = int(0.05 * n) + int(rng() % unsigned(std::max(1, int(0.75 * n))));
      std::vector<float> w(d - dl - 1);
      float norm = 0;
      for (auto& x : w) { x = gauss(rng); norm += x * x; }
      for (int t = start; t < std::min(n, start + 48); ++t)
        for (size_t i = 0; i < w.size(); ++i) k[(size_t(h) * n + t) * d + dl + 1 + i] += w[i] / std::sqrt(norm) * amp;
      for (int t = start + 48; t < n; ++t)
        for (int g = 0; g < group; ++g)
          for (size_t i = 0; i < w.size(); ++i) q[(size_t(h * group + g) * n + t) * d + dl + 1 + i] += w[i] / std::sqrt(norm) * amp;
    }
  }
  for (auto* a : {&q, &k, &v})
    for (auto& x : *a) x = roundBf16(x);
}

int failures = 0;

void compareCase(const char* name, int heads, int kvHeads, int d, int seqK, int seqQ, int blockSize, float tau,
                 bool lastBlockCheck = true, float neighbourShare = UniSparseConfig{}.neighbourShare,
                 int copyVocab = 0) {
  std::vector<float> q, k, v;
  planted(heads, kvHeads, seqK, d, 1234u + seqK, q, k, v);
  const size_t qOffset = size_t(seqK - seqQ) * d;  // queries are the last seqQ positions
  AttentionShape s;
  s.heads = heads; s.kvHeads = kvHeads; s.headDim = d; s.seqQ = seqQ; s.seqK = seqK;
  s.qHeadStride = int64_t(seqK) * d; s.qSeqStride = d;  // q stays [heads, seqK, d]; we pass a pointer offset
  s.kHeadStride = s.vHeadStride = int64_t(seqK) * d; s.kSeqStride = s.vSeqStride = d;
  s.oHeadStride = int64_t(seqQ) * d; s.oSeqStride = d;
  AttentionOptions o;
  o.mode = AttentionMode::UniSparse; o.sparse.blockSize = blockSize; o.sparse.tau = tau;
  o.sparse.lastBlockCheck = lastBlockCheck;
  o.sparse.neighbourShare = neighbourShare;
  // copyVocab > 0: token ids drawn from that many values, so 3-token repeats (copy sources) are common.
  CopySourceIndex copies(blockSize, o.sparse.copyNgram, o.sparse.copyRecent);
  if (copyVocab > 0) {
    std::mt19937 rng(99u + seqK);
    std::vector<int32_t> tokens(seqK);
    for (auto& t : tokens) t = int32_t(rng() % unsigned(copyVocab));
    copies.append(tokens.data(), seqK);
    o.copySources = &copies;
  }
  std::vector<float> outCpu(size_t(heads) * seqQ * d), outGpu(outCpu.size());
  BlockPlan cpu, gpu;
  attention_cpu(s, o, q.data() + qOffset, k.data(), v.data(), outCpu.data(), &cpu);
  cuda::attention_host(s, o, q.data() + qOffset, k.data(), v.data(), outGpu.data(), &gpu);
  double maxAbs = 0, num = 0, den = 0;
  for (size_t i = 0; i < outCpu.size(); ++i) {
    const double e = std::fabs(double(outCpu[i]) - outGpu[i]);
    maxAbs = std::max(maxAbs, e); num += e * e; den += double(outCpu[i]) * outCpu[i];
  }
  const double rel = std::sqrt(num / std::max(den, 1e-30));
  std::printf("%s: GPU density %.4f", name, gpu.density());
  if (cpu.rowPtr.size() != gpu.rowPtr.size()) {
    std::printf(" | CPU plan has %zu row pointers, GPU %zu: the CPU planner is not there yet or differs in layout\n",
                cpu.rowPtr.size(), gpu.rowPtr.size());
    ++failures;
    return;
  }
  int rows = int(gpu.rowPtr.size()) - 1, sameRows = 0;
  int64_t onlyCpu = 0, onlyGpu = 0;
  for (int r = 0; r < rows; ++r) {
    std::set<int> a(cpu.keyBlocks.begin() + cpu.rowPtr[r], cpu.keyBlocks.begin() + cpu.rowPtr[r + 1]);
    std::set<int> b(gpu.keyBlocks.begin() + gpu.rowPtr[r], gpu.keyBlocks.begin() + gpu.rowPtr[r + 1]);
    if (a == b) { ++sameRows; continue; }
    for (int x : a) onlyCpu += !b.count(x);
    for (int x : b) onlyGpu += !a.count(x);
  }
  const double share = rows ? double(sameRows) / rows : 1.0;
  // Every copy source is kept in every kv head's row, on both devices.
  int64_t missingCopies = 0, copiesWanted = 0;
  if (copyVocab > 0)
    for (const BlockPlan* p : {&cpu, &gpu})
      for (int r = 0; r < rows; ++r) {
        std::set<int> kept(p->keyBlocks.begin() + p->rowPtr[r], p->keyBlocks.begin() + p->rowPtr[r + 1]);
        for (int b : copies.blocks(p->firstQueryBlock + r % p->nQueryBlocks)) { ++copiesWanted; missingCopies += !kept.count(b); }
      }
  if (copyVocab > 0) {
    std::printf(" copy sources %lld, missing %lld |", (long long)copiesWanted, (long long)missingCopies);
    if (copiesWanted == 0 || missingCopies > 0) ++failures;
  }
  std::printf(" CPU density %.4f | rows equal %d/%d (%.4f), blocks only CPU %lld, only GPU %lld | out max abs %.3e rel %.3e\n",
              cpu.density(), sameRows, rows, share, (long long)onlyCpu, (long long)onlyGpu, maxAbs, rel);
  // Ties aside: allow 1% of rows to differ (a block whose share sits at the tau boundary to ~1e-6).
  if (share < 0.99) ++failures;
  if (maxAbs > 2e-2 || rel > 1e-2) ++failures;
}

void expectError(const char* name, int heads, int kvHeads, int d, int seqK, int seqQ, int blockSize) {
  AttentionShape s;
  s.heads = heads; s.kvHeads = kvHeads; s.headDim = d; s.seqQ = seqQ; s.seqK = seqK;
  s.qHeadStride = int64_t(seqQ) * d; s.qSeqStride = d; s.kHeadStride = s.vHeadStride = int64_t(seqK) * d;
  s.kSeqStride = s.vSeqStride = d; s.oHeadStride = int64_t(seqQ) * d; s.oSeqStride = d;
  AttentionOptions o;
  o.mode = AttentionMode::UniSparse; o.sparse.blockSize = blockSize;
  std::vector<float> q(size_t(std::max(heads, 1)) * std::max(seqQ, 1) * std::max(d, 1), 0.5f);
  std::vector<float> k(size_t(std::max(kvHeads, 1)) * std::max(seqK, 1) * std::max(d, 1), 0.25f), out(q.size());
  try {
    cuda::attention_host(s, o, q.data(), k.data(), k.data(), out.data(), nullptr);
    std::printf("bad input '%s' was accepted\n", name);
    ++failures;
  } catch (const std::runtime_error& e) {
    std::printf("bad input '%s': %s\n", name, e.what());
  }
}

}  // namespace

int main() {
  std::string reason;
  if (!cuda::available(&reason)) { std::printf("no GPU: %s\n", reason.c_str()); return 1; }
  compareCase("12q/2kv d128 N=1000 S64 tau0.9", 12, 2, 128, 1000, 1000, 64, 0.9f);
  compareCase("4q/4kv d64 N=2085 S128 tau0.95", 4, 4, 64, 2085, 2085, 128, 0.95f);
  compareCase("8q/2kv d128 seqK=1500 seqQ=300 S64 tau0.9", 8, 2, 128, 1500, 300, 64, 0.9f);
  compareCase("12q/2kv d128 N=4096 S64 tau0.95", 12, 2, 128, 4096, 4096, 64, 0.95f);
  compareCase("12q/2kv d128 N=4096 S64 tau0.95, estimate only", 12, 2, 128, 4096, 4096, 64, 0.95f, false);
  compareCase("32q/8kv d64 N=8192 S64 tau0.985", 32, 8, 64, 8192, 8192, 64, 0.985f);
  compareCase("12q/2kv d128 N=4096 S64 tau0.95, neighbour expansion 0.02", 12, 2, 128, 4096, 4096, 64, 0.95f, true, 0.02f);
  compareCase("32q/8kv d64 N=8192 S64 tau0.985, no neighbour expansion", 32, 8, 64, 8192, 8192, 64, 0.985f, true, 0.f);
  compareCase("8q/8kv d128 seqK=5000 seqQ=777 S128 tau0.95", 8, 8, 128, 5000, 777, 128, 0.95f);
  compareCase("32q/8kv d64 N=8192 S64 tau0.985, copy sources", 32, 8, 64, 8192, 8192, 64, 0.985f, true,
              UniSparseConfig{}.neighbourShare, 40);
  compareCase("8q/2kv d128 seqK=5000 seqQ=777 S128 tau0.95, copy sources", 8, 2, 128, 5000, 777, 128, 0.95f, true,
              UniSparseConfig{}.neighbourShare, 40);
  // The runtime's defaults (tau 0.995, check recall 0.99), chunk-shaped: the last 1,024 rows of 8,192 keys.
  compareCase("32q/8kv d64 seqK=8192 seqQ=1024 S64 default tau and check, copy sources", 32, 8, 64, 8192, 1024, 64,
              UniSparseConfig{}.tau, true, UniSparseConfig{}.neighbourShare, 40);
  expectError("head dim 80", 4, 2, 80, 256, 256, 64);
  expectError("heads 5 / kvHeads 2", 5, 2, 64, 256, 256, 64);
  expectError("seqQ 300 > seqK 200", 4, 2, 64, 200, 300, 64);
  expectError("blockSize 32", 4, 2, 64, 256, 256, 32);
  std::printf("PLAN CHECK %s (%d failures)\n", failures ? "FAILED" : "PASSED", failures);
  return failures ? 1 : 0;
}
