// The one-token decode kernels (decode_attention.h, decode_gemv.h) against float64 references computed on the host
// from the same bf16 inputs, then timed beside the kernels they replace (cuBLAS at T = 1 with the RMSNorm and
// SwiGLU kernels, as the prefill path runs them), each inside a CUDA graph as the decode step replays them.
//   decode_kernels_check [--no-time]        (GPU machine; test/gpu/model/decode_check.sh builds and runs it)
// Prints one JSON line per check and per timing; exit status 1 when any check fails.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "model/decode_attention.h"
#include "model/decode_gemv.h"
#include "model/gemm.h"
#include "model/rms_norm.h"
#include "model/swiglu.h"

using namespace unisparse::cuda;
using bf16 = __nv_bfloat16;

namespace {

int failures = 0;
std::mt19937 rng(1234);

void ck(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    std::fprintf(stderr, "CUDA error in %s: %s\n", what, cudaGetErrorString(e));
    std::exit(2);
  }
}

float roundBf16(float v) { return __bfloat162float(__float2bfloat16_rn(v)); }

// Uniform with standard deviation `scale`, from xorshift: a 7B lm head is 545M values, too many for std::normal.
std::vector<bf16> randomBf16(size_t n, float scale) {
  uint64_t x = rng() | (uint64_t(rng()) << 32) | 1;
  const float k = scale * 1.7320508f / 2147483648.f;
  std::vector<bf16> v(n);
  for (auto& e : v) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    e = __float2bfloat16_rn(float(int32_t(uint32_t(x >> 32))) * k);
  }
  return v;
}

template <typename T>
T* upload(const std::vector<T>& v) {
  T* d = nullptr;
  ck(cudaMalloc(&d, std::max<size_t>(1, v.size()) * sizeof(T)), "cudaMalloc");
  ck(cudaMemcpy(d, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice), "upload");
  return d;
}

template <typename T>
std::vector<T> download(const T* d, size_t n) {
  std::vector<T> v(n);
  ck(cudaMemcpy(v.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost), "download");
  return v;
}

// worst = max over elements of |got - ref| / tolerance; the check passes when worst <= 1.
void report(const std::string& name, double worst, double maxErr, size_t n) {
  const bool ok = std::isfinite(worst) && worst <= 1.0;
  if (!ok) ++failures;
  std::printf("{\"check\": \"%s\", \"values\": %zu, \"maxAbsErr\": %.3g, \"worstErrOverTolerance\": %.3f, \"pass\": %s}\n",
              name.c_str(), n, maxErr, worst, ok ? "true" : "false");
  std::fflush(stdout);
}

// Mean microseconds per call of `body` (one call per index), replayed from a CUDA graph of `reps` calls.
double timeGraph(cudaStream_t s, int reps, const std::function<void(int)>& body) {
  body(0);  // first use outside the capture (cuBLAS heuristics, occupancy queries)
  ck(cudaStreamSynchronize(s), "warm-up");
  cudaGraph_t g;
  cudaGraphExec_t ge;
  ck(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal), "capture");
  for (int i = 0; i < reps; ++i) body(i);
  ck(cudaStreamEndCapture(s, &g), "end capture");
  ck(cudaGraphInstantiate(&ge, g, 0), "instantiate");
  ck(cudaGraphLaunch(ge, s), "launch");
  ck(cudaStreamSynchronize(s), "warm replay");
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  const int replays = 5;
  cudaEventRecord(a, s);
  for (int r = 0; r < replays; ++r) cudaGraphLaunch(ge, s);
  cudaEventRecord(b, s);
  ck(cudaEventSynchronize(b), "timing");
  float ms = 0;
  cudaEventElapsedTime(&ms, a, b);
  cudaGraphExecDestroy(ge);
  cudaGraphDestroy(g);
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return 1000.0 * ms / (replays * reps);
}

// Copies of a buffer so timed loops stream from HBM rather than the 50 MB L2: at least 256 MB in all.
int copiesFor(size_t bytes) { return int(std::min<size_t>(64, std::max<size_t>(1, (size_t(256) << 20) / bytes + 1))); }

// ---------------------------------------------------------------------------------------------------- attention

struct AttnCase { int D, heads, kvHeads, seqK, capacity; bool onDevice; };

void checkAttention(const AttnCase& c, cudaStream_t s) {
  const int G = c.heads / c.kvHeads, D = c.D;
  const size_t cacheN = size_t(c.kvHeads) * c.capacity * D;
  auto q = randomBf16(size_t(c.heads) * D, 1.5f);  // peaky enough that the max moves between slices
  auto k = randomBf16(cacheN, 1.f), v = randomBf16(cacheN, 1.f);
  // Rows past seqK hold NaN: the kernel must neither read them into the result nor multiply them by zero.
  const bf16 nan = __float2bfloat16_rn(NAN);
  for (int h = 0; h < c.kvHeads; ++h)
    for (size_t i = size_t(h) * c.capacity * D + size_t(c.seqK) * D; i < size_t(h + 1) * c.capacity * D; ++i)
      k[i] = v[i] = nan;
  const int maxSplits = 264;
  DecodeAttentionParams p;
  p.q = upload(q); p.kCache = upload(k); p.vCache = upload(v);
  ck(cudaMalloc(&p.out, size_t(c.heads) * D * 2), "out");
  ck(cudaMalloc(&p.partialOut, size_t(c.heads) * maxSplits * D * 4), "partials");
  ck(cudaMalloc(&p.partialMax, size_t(c.heads) * maxSplits * 4), "partials");
  ck(cudaMalloc(&p.partialSum, size_t(c.heads) * maxSplits * 4), "partials");
  int* posDev = nullptr;
  if (c.onDevice) {
    const int pos = c.seqK - 1;
    posDev = upload(std::vector<int>{pos});
    p.positionDev = posDev;
  }
  p.heads = c.heads; p.kvHeads = c.kvHeads; p.headDim = D; p.capacity = c.capacity; p.seqK = c.seqK;
  p.maxSplits = maxSplits; p.scale = 1.f / std::sqrt(float(D));
  cudaDeviceGetAttribute(&p.smCount, cudaDevAttrMultiProcessorCount, 0);
  launchDecodeAttention(p, s);
  ck(cudaStreamSynchronize(s), "decode attention");
  const auto got = download(p.out, size_t(c.heads) * D);
  double worst = 0, maxErr = 0;
  std::vector<double> sc(static_cast<size_t>(c.seqK)), ref(static_cast<size_t>(D));
  for (int h = 0; h < c.heads; ++h) {
    const int kv = h / G;
    double top = -1e300;
    for (int j = 0; j < c.seqK; ++j) {
      double dot = 0;
      for (int d = 0; d < D; ++d)
        dot += double(__bfloat162float(q[size_t(h) * D + d])) * __bfloat162float(k[(size_t(kv) * c.capacity + j) * D + d]);
      sc[size_t(j)] = dot * p.scale;
      top = std::max(top, sc[size_t(j)]);
    }
    double sum = 0;
    std::fill(ref.begin(), ref.end(), 0.0);
    for (int j = 0; j < c.seqK; ++j) {
      const double w = std::exp(sc[size_t(j)] - top);
      sum += w;
      for (int d = 0; d < D; ++d) ref[size_t(d)] += w * __bfloat162float(v[(size_t(kv) * c.capacity + j) * D + d]);
    }
    double scale = 0;
    for (int d = 0; d < D; ++d) scale = std::max(scale, std::fabs(ref[size_t(d)] / sum));
    for (int d = 0; d < D; ++d) {
      const double r = ref[size_t(d)] / sum, o = __bfloat162float(got[size_t(h) * D + d]);
      // bf16 output rounding (2^-9 relative) plus fp32 accumulation over the keys.
      const double tol = 5e-3 * std::fabs(r) + 1e-3 * scale + 1e-6;
      const double err = std::isfinite(o) ? std::fabs(o - r) : INFINITY;
      maxErr = std::max(maxErr, err);
      worst = std::max(worst, err / tol);
    }
  }
  char name[200];
  std::snprintf(name, sizeof name, "decode attention D=%d heads=%d kvHeads=%d seqK=%d capacity=%d %s", D, c.heads,
                c.kvHeads, c.seqK, c.capacity, c.onDevice ? "position on device (graph grid)" : "position on host");
  report(name, worst, maxErr, got.size());
  cudaFree((void*)p.q); cudaFree((void*)p.kCache); cudaFree((void*)p.vCache); cudaFree(p.out);
  cudaFree(p.partialOut); cudaFree(p.partialMax); cudaFree(p.partialSum); cudaFree(posDev);
}

void timeAttention(const char* shape, int D, int heads, int kvHeads, int seqK, cudaStream_t s) {
  const size_t cacheN = size_t(kvHeads) * seqK * D, bytes = cacheN * 2 * 2;
  const int copies = copiesFor(bytes);
  std::vector<bf16*> k(static_cast<size_t>(copies)), v(static_cast<size_t>(copies));
  for (int i = 0; i < copies; ++i) {
    ck(cudaMalloc(&k[size_t(i)], cacheN * 2), "cache");
    ck(cudaMalloc(&v[size_t(i)], cacheN * 2), "cache");
    cudaMemset(k[size_t(i)], 0, cacheN * 2);
    cudaMemset(v[size_t(i)], 0, cacheN * 2);
  }
  const int maxSplits = 264;
  DecodeAttentionParams p;
  bf16* q = upload(randomBf16(size_t(heads) * D, 1.f));
  p.q = q;
  ck(cudaMalloc(&p.out, size_t(heads) * D * 2), "out");
  ck(cudaMalloc(&p.partialOut, size_t(heads) * maxSplits * D * 4), "partials");
  ck(cudaMalloc(&p.partialMax, size_t(heads) * maxSplits * 4), "partials");
  ck(cudaMalloc(&p.partialSum, size_t(heads) * maxSplits * 4), "partials");
  int* posDev = upload(std::vector<int>{seqK - 1});
  p.positionDev = posDev;  // as the decode graph runs it: the grid sized for the capacity
  p.heads = heads; p.kvHeads = kvHeads; p.headDim = D; p.capacity = seqK; p.seqK = seqK;
  p.maxSplits = maxSplits; p.scale = 1.f / std::sqrt(float(D));
  cudaDeviceGetAttribute(&p.smCount, cudaDevAttrMultiProcessorCount, 0);
  const double us = timeGraph(s, 56, [&](int i) {
    DecodeAttentionParams r = p;
    r.kCache = k[size_t(i % copies)];
    r.vCache = v[size_t(i % copies)];
    launchDecodeAttention(r, s);
  });
  std::printf("{\"timing\": \"decode attention (slices + merge)\", \"shape\": \"%s\", \"seqK\": %d, \"us\": %.2f, "
              "\"GBps\": %.0f, \"msPer28Layers\": %.3f}\n",
              shape, seqK, us, bytes / us / 1e3, us * 28 / 1000);
  std::fflush(stdout);
  for (int i = 0; i < copies; ++i) { cudaFree(k[size_t(i)]); cudaFree(v[size_t(i)]); }
  cudaFree(q); cudaFree(p.out); cudaFree(p.partialOut); cudaFree(p.partialMax); cudaFree(p.partialSum); cudaFree(posDev);
}

// -------------------------------------------------------------------------------------------------------- GEMVs

enum class Kind { NormBf16, NormF32, NormSwiGlu, AddResidual };
const char* kindName(Kind k) {
  switch (k) {
    case Kind::NormBf16: return "RMSNorm + GEMV -> bf16 (QKV)";
    case Kind::NormF32: return "RMSNorm + GEMV -> fp32 (lm head)";
    case Kind::NormSwiGlu: return "RMSNorm + gate/up GEMV + SwiGLU";
    default: return "GEMV + residual add (O, down)";
  }
}

struct GemvCase {
  Kind kind;
  int out, in;  // NormSwiGlu: out = F (the matrix has 2F rows)
  const char* label;
};

struct GemvBuffers {
  float *residual = nullptr, *norm = nullptr, *yF = nullptr;
  bf16 *x = nullptr, *yB = nullptr, *h = nullptr, *gateUp = nullptr;
  std::vector<bf16*> W;
};

void runNew(const GemvCase& c, const GemvBuffers& b, const bf16* W, cudaStream_t s) {
  const float eps = 1e-6f;
  switch (c.kind) {
    case Kind::NormBf16: launchNormGemvBf16(b.residual, b.norm, eps, W, b.yB, c.out, c.in, s); break;
    case Kind::NormF32: launchNormGemvF32(b.residual, b.norm, eps, W, b.yF, c.out, c.in, s); break;
    case Kind::NormSwiGlu: launchNormGemvSwiGlu(b.residual, b.norm, eps, W, b.yB, c.out, c.in, s); break;
    case Kind::AddResidual: launchGemvAddResidual(b.x, W, b.yF, c.out, c.in, s); break;
  }
}

// What the decode step ran before: RMSNorm kernel, cuBLAS at T = 1, SwiGLU kernel.
void runOld(const GemvCase& c, const GemvBuffers& b, const bf16* W, Gemm& gemm, cudaStream_t s) {
  const float eps = 1e-6f;
  switch (c.kind) {
    case Kind::NormBf16:
      launchRmsNorm(b.residual, c.in, b.norm, b.h, 1, c.in, eps, s);
      gemm.bf16Out(W, b.h, b.yB, c.out, c.in, 1);
      break;
    case Kind::NormF32:
      launchRmsNorm(b.residual, c.in, b.norm, b.h, 1, c.in, eps, s);
      gemm.fp32Out(W, b.h, b.yF, c.out, c.in, 1, 0.f);
      break;
    case Kind::NormSwiGlu:
      launchRmsNorm(b.residual, c.in, b.norm, b.h, 1, c.in, eps, s);
      gemm.bf16Out(W, b.h, b.gateUp, 2 * c.out, c.in, 1);
      launchSwiGlu(b.gateUp, b.yB, 1, c.out, s);
      break;
    case Kind::AddResidual: gemm.fp32Out(W, b.x, b.yF, c.out, c.in, 1, 1.f); break;
  }
}

void checkGemv(const GemvCase& c, bool timeIt, Gemm& gemm, cudaStream_t s) {
  const bool swiglu = c.kind == Kind::NormSwiGlu, norm = c.kind != Kind::AddResidual;
  const int rows = swiglu ? 2 * c.out : c.out;
  const size_t wN = size_t(rows) * c.in;
  const auto W = randomBf16(wN, 1.f / std::sqrt(float(c.in)));
  std::normal_distribution<float> nd(0.f, 1.f);
  std::uniform_real_distribution<float> ud(0.5f, 1.5f);
  std::vector<float> residual(size_t(c.in)), normW(size_t(c.in)), y0(size_t(c.out));
  for (auto& v : residual) v = 3.f * nd(rng);
  for (auto& v : normW) v = ud(rng);
  for (auto& v : y0) v = nd(rng);
  const auto x = randomBf16(size_t(c.in), 1.f);

  GemvBuffers b;
  b.residual = upload(residual); b.norm = upload(normW); b.x = upload(x);
  b.yF = upload(y0);
  ck(cudaMalloc(&b.yB, size_t(c.out) * 2), "y");
  ck(cudaMalloc(&b.h, size_t(c.in) * 2), "h");
  ck(cudaMalloc(&b.gateUp, size_t(rows) * 2), "gateUp");
  b.W.push_back(upload(W));
  runNew(c, b, b.W[0], s);
  ck(cudaStreamSynchronize(s), "gemv");

  // The input as the kernel must see it: bf16(x * inv * w) with the fp32 inverse RMS.
  std::vector<double> in(size_t(c.in));
  if (norm) {
    double ss = 0;
    for (float v : residual) ss += double(v) * v;
    const float inv = float(1.0 / std::sqrt(ss / c.in + 1e-6));
    for (int i = 0; i < c.in; ++i) in[size_t(i)] = roundBf16(residual[size_t(i)] * inv * normW[size_t(i)]);
  } else {
    for (int i = 0; i < c.in; ++i) in[size_t(i)] = __bfloat162float(x[size_t(i)]);
  }
  auto dotRow = [&](int row, double& absSum) {
    double acc = 0;
    absSum = 0;
    const bf16* w = W.data() + size_t(row) * c.in;
    for (int i = 0; i < c.in; ++i) {
      const double t = double(__bfloat162float(w[i])) * in[size_t(i)];
      acc += t;
      absSum += std::fabs(t);
    }
    return acc;
  };
  double worst = 0, maxErr = 0;
  if (c.kind == Kind::NormF32 || c.kind == Kind::AddResidual) {
    const auto got = download(b.yF, size_t(c.out));
    for (int r = 0; r < c.out; ++r) {
      double a;
      const double ref = dotRow(r, a) + (c.kind == Kind::AddResidual ? y0[size_t(r)] : 0.0);
      // fp32 accumulation; rare one-ulp differences in a bf16-rounded normalised input.
      const double tol = 2e-5 * a + 2e-3 * (norm ? a / std::sqrt(double(c.in)) : 0.0) + 1e-6 * std::fabs(ref) + 1e-6;
      const double err = std::isfinite(got[size_t(r)]) ? std::fabs(got[size_t(r)] - ref) : INFINITY;
      maxErr = std::max(maxErr, err);
      worst = std::max(worst, err / tol);
    }
  } else {
    const auto got = download(b.yB, size_t(c.out));
    for (int r = 0; r < c.out; ++r) {
      double a, au = 0;
      double ref = dotRow(r, a);
      if (swiglu) {
        const double g = roundBf16(float(ref)), u = roundBf16(float(dotRow(c.out + r, au)));
        ref = g / (1.0 + std::exp(-g)) * u;
        a = (a + au) * (1.0 + std::fabs(g) + std::fabs(u));  // how far a one-ulp flip of g or u moves the product
      }
      // bf16 output (2^-9) and, for SwiGLU, bf16 gate/up rounding that fp32 noise can flip by one ulp.
      const double tol = (swiglu ? 1.2e-2 : 5e-3) * std::fabs(ref) + 2e-5 * a +
                         (norm ? 2e-3 * a / std::sqrt(double(c.in)) : 0.0) + 1e-6;
      const double o = __bfloat162float(got[size_t(r)]);
      const double err = std::isfinite(o) ? std::fabs(o - ref) : INFINITY;
      maxErr = std::max(maxErr, err);
      worst = std::max(worst, err / tol);
    }
  }
  char name[200];
  std::snprintf(name, sizeof name, "%s %s out=%d in=%d", kindName(c.kind), c.label, c.out, c.in);
  report(name, worst, maxErr, size_t(c.out));

  if (timeIt) {
    const int copies = copiesFor(wN * 2);
    for (int i = 1; i < copies; ++i) b.W.push_back(upload(W));
    const double usNew = timeGraph(s, 64, [&](int i) { runNew(c, b, b.W[size_t(i % copies)], s); });
    const double usOld = timeGraph(s, 64, [&](int i) { runOld(c, b, b.W[size_t(i % copies)], gemm, s); });
    std::printf("{\"timing\": \"%s\", \"shape\": \"%s\", \"out\": %d, \"in\": %d, \"weightMB\": %.1f, \"usNew\": %.2f, "
                "\"GBpsNew\": %.0f, \"usCublasPath\": %.2f, \"GBpsCublasPath\": %.0f, \"speedup\": %.2f}\n",
                kindName(c.kind), c.label, c.out, c.in, wN * 2 / 1e6, usNew, wN * 2 / usNew / 1e3, usOld,
                wN * 2 / usOld / 1e3, usOld / usNew);
    std::fflush(stdout);
  }
  for (bf16* w : b.W) cudaFree(w);
  cudaFree(b.residual); cudaFree(b.norm); cudaFree(b.x); cudaFree(b.yF); cudaFree(b.yB); cudaFree(b.h);
  cudaFree(b.gateUp);
}

}  // namespace

int main(int argc, char** argv) {
  const bool timeIt = !(argc > 1 && std::strcmp(argv[1], "--no-time") == 0);
  cudaStream_t s;
  ck(cudaStreamCreate(&s), "stream");
  Gemm gemm(s);

  // Shapes of the models in use (1.5B: G = 6, 7B: G = 7), the largest group (16, split over two CTAs), uneven
  // groups (9 -> 5 + 4), no grouping, head dim 64; lengths from one key to past a slice boundary to 32K.
  const AttnCase attn[] = {
      {128, 12, 2, 1, 64, false},      {128, 12, 2, 37, 4096, true},   {128, 12, 2, 1000, 1000, false},
      {128, 12, 2, 32768, 40000, true}, {128, 12, 2, 32768, 32768, false}, {128, 28, 4, 4097, 8192, true},
      {64, 32, 2, 5000, 6000, true},    {128, 16, 1, 3000, 3000, false}, {64, 9, 1, 300, 512, true},
      {128, 16, 16, 777, 1024, true},   {64, 4, 4, 65, 128, false},
  };
  for (const AttnCase& c : attn) checkAttention(c, s);

  const GemvCase gemv[] = {
      {Kind::NormBf16, 2048, 1536, "1.5b qkv"},     {Kind::AddResidual, 1536, 1536, "1.5b o"},
      {Kind::NormSwiGlu, 8960, 1536, "1.5b gate/up"}, {Kind::AddResidual, 1536, 8960, "1.5b down"},
      {Kind::NormF32, 151936, 1536, "1.5b lm head"},  {Kind::NormBf16, 4608, 3584, "7b qkv"},
      {Kind::AddResidual, 3584, 3584, "7b o"},       {Kind::NormSwiGlu, 18944, 3584, "7b gate/up"},
      {Kind::AddResidual, 3584, 18944, "7b down"},   {Kind::NormF32, 152064, 3584, "7b lm head"},
      // Remainders: rows not a multiple of the rows per warp, short rows, odd F.
      {Kind::NormBf16, 1000, 264, "odd"},           {Kind::NormF32, 10001, 136, "odd (4 rows per warp)"},
      {Kind::NormSwiGlu, 77, 264, "odd"},            {Kind::NormSwiGlu, 8451, 40, "odd (2 pairs per warp)"},
      {Kind::AddResidual, 50, 8, "odd"},
  };
  for (const GemvCase& c : gemv) checkGemv(c, timeIt && std::strcmp(c.label, "odd") != 0 && std::strstr(c.label, "odd") == nullptr, gemm, s);

  if (timeIt) {
    for (int seqK : {32768, 131072}) {
      timeAttention("1.5b (12 q / 2 kv heads, D 128)", 128, 12, 2, seqK, s);
      timeAttention("7b (28 q / 4 kv heads, D 128)", 128, 28, 4, seqK, s);
    }
  }
  std::printf("{\"decodeKernelChecks\": \"%s\", \"failures\": %d}\n", failures ? "FAIL" : "pass", failures);
  return failures ? 1 : 0;
}
