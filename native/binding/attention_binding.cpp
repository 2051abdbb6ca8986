// JS-visible attention: attention(q, k, v, opts), attentionAsync (same, on a worker thread, returns a promise)
// and attentionPlan(q, k, opts) (DESIGN.md's interface).
// Inputs are head-major Float32Arrays ([heads, seq, headDim]; k and v with kvHeads). Every bad input becomes a
// TypeError/RangeError sentence naming the argument and the fix; nothing here may abort the process.
#include <napi.h>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include "attention/attention.h"
#include "attention/copy_sources.h"
#ifdef UNISPARSE_WITH_CUDA
#include "attention_cuda.h"
#endif

namespace unisparse::binding {

namespace {

struct ParsedCall {
  AttentionShape shape;
  AttentionOptions options;
  bool cuda = false;
  Napi::Float32Array q, k, v;
  std::shared_ptr<CopySourceIndex> copies;  // from opts.tokens; options.copySources points into it
};

[[noreturn]] void throwType(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }
[[noreturn]] void throwRange(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }

Napi::Float32Array requireFloat32(Napi::Env env, const Napi::Value& value, const char* name, const char* layout) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throwType(env, std::string("attention: ") + name + " must be a Float32Array laid out " + layout + ".");
  return value.As<Napi::Float32Array>();
}

int requireInt(Napi::Env env, const Napi::Object& opts, const char* key, bool required, int fallback) {
  Napi::Value value = opts.Get(key);
  if (value.IsUndefined()) {
    if (required) throwType(env, std::string("attention: opts.") + key + " is required (a positive integer).");
    return fallback;
  }
  if (!value.IsNumber()) throwType(env, std::string("attention: opts.") + key + " must be a number.");
  const double d = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || d < 0 || d > 1e9)
    throwRange(env, std::string("attention: opts.") + key + " must be a non-negative integer, got " +
                        std::to_string(d) + ".");
  return int(d);
}

ParsedCall parse(const Napi::CallbackInfo& info, bool needV) {
  Napi::Env env = info.Env();
  const size_t optsIndex = needV ? 3 : 2;
  const char* usage = needV ? "attention(q, k, v, opts)" : "attentionPlan(q, k, opts)";
  if (info.Length() <= optsIndex || !info[optsIndex].IsObject())
    throwType(env, std::string("attention: call ") + usage +
                       " with opts {heads, kvHeads, headDim, causal, mode, blockSize, tau, device}.");
  Napi::Object opts = info[optsIndex].As<Napi::Object>();
  ParsedCall call;
  AttentionShape& s = call.shape;
  AttentionOptions& o = call.options;
  s.heads = requireInt(env, opts, "heads", true, 0);
  s.kvHeads = requireInt(env, opts, "kvHeads", false, s.heads);
  s.headDim = requireInt(env, opts, "headDim", true, 0);
  if (s.heads == 0 || s.kvHeads == 0 || s.headDim == 0)
    throwRange(env, "attention: heads, kvHeads and headDim must be positive.");
  if (s.heads % s.kvHeads != 0)
    throwRange(env, "attention: heads (" + std::to_string(s.heads) + ") must be a multiple of kvHeads (" +
                        std::to_string(s.kvHeads) + ").");

  call.q = requireFloat32(env, info[0], "q", "[heads, seq, headDim]");
  call.k = requireFloat32(env, info[1], "k", "[kvHeads, seq, headDim]");
  const size_t qRow = size_t(s.heads) * s.headDim, kRow = size_t(s.kvHeads) * s.headDim;
  if (call.q.ElementLength() == 0 || call.q.ElementLength() % qRow != 0)
    throwRange(env, "attention: q has " + std::to_string(call.q.ElementLength()) +
                        " elements, which is not a positive multiple of heads*headDim = " + std::to_string(qRow) + ".");
  if (call.k.ElementLength() % kRow != 0)
    throwRange(env, "attention: k has " + std::to_string(call.k.ElementLength()) +
                        " elements, which is not a multiple of kvHeads*headDim = " + std::to_string(kRow) + ".");
  s.seqQ = int(call.q.ElementLength() / qRow);
  s.seqK = int(call.k.ElementLength() / kRow);
  if (s.seqK < s.seqQ)
    throwRange(env, "attention: k holds " + std::to_string(s.seqK) + " positions but q holds " +
                        std::to_string(s.seqQ) + "; k needs at least as many (q are the last positions of k).");
  if (needV) {
    call.v = requireFloat32(env, info[2], "v", "[kvHeads, seq, headDim]");
    if (call.v.ElementLength() != call.k.ElementLength())
      throwRange(env, "attention: v has " + std::to_string(call.v.ElementLength()) + " elements but k has " +
                          std::to_string(call.k.ElementLength()) + "; they must have the same shape.");
  }
  s.qHeadStride = int64_t(s.seqQ) * s.headDim;
  s.kHeadStride = s.vHeadStride = int64_t(s.seqK) * s.headDim;
  s.oHeadStride = s.qHeadStride;
  s.qSeqStride = s.kSeqStride = s.vSeqStride = s.oSeqStride = s.headDim;

  Napi::Value mode = opts.Get("mode");
  const std::string modeName = mode.IsUndefined() ? "dense" : mode.IsString() ? mode.As<Napi::String>().Utf8Value() : "?";
  if (modeName == "dense") o.mode = AttentionMode::Dense;
  else if (modeName == "unisparse") o.mode = AttentionMode::UniSparse;
  else throwRange(env, "attention: opts.mode must be 'dense' or 'unisparse'.");

  Napi::Value causal = opts.Get("causal");
  if (!causal.IsUndefined() && !causal.IsBoolean()) throwType(env, "attention: opts.causal must be a boolean.");
  o.causal = causal.IsUndefined() ? true : causal.As<Napi::Boolean>().Value();

  o.sparse.blockSize = requireInt(env, opts, "blockSize", false, o.sparse.blockSize);
  Napi::Value tau = opts.Get("tau");
  if (!tau.IsUndefined()) {
    if (!tau.IsNumber()) throwType(env, "attention: opts.tau must be a number in (0, 1].");
    const double t = tau.As<Napi::Number>().DoubleValue();
    if (!(t > 0 && t <= 1)) throwRange(env, "attention: opts.tau is " + std::to_string(t) + "; use a number in (0, 1].");
    o.sparse.tau = float(t);
  }
  Napi::Value scale = opts.Get("scale");
  if (!scale.IsUndefined()) {
    if (!scale.IsNumber()) throwType(env, "attention: opts.scale must be a number (0 means 1/sqrt(headDim)).");
    o.scale = float(scale.As<Napi::Number>().DoubleValue());
  }
  Napi::Value granularities = opts.Get("granularities");
  if (!granularities.IsUndefined()) {
    if (!granularities.IsArray()) throwType(env, "attention: opts.granularities must be an array such as [4, 16].");
    Napi::Array list = granularities.As<Napi::Array>();
    o.sparse.granularities.clear();
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Value g = list.Get(i);
      if (!g.IsNumber()) throwType(env, "attention: opts.granularities must hold integers such as 4 and 16.");
      o.sparse.granularities.push_back(g.As<Napi::Number>().Int32Value());
    }
  }
  Napi::Value check = opts.Get("lastBlockCheck");
  if (!check.IsUndefined()) {
    if (!check.IsBoolean()) throwType(env, "attention: opts.lastBlockCheck must be a boolean (default true).");
    o.sparse.lastBlockCheck = check.As<Napi::Boolean>().Value();
  }
  Napi::Value checkRecall = opts.Get("checkRecall");
  if (!checkRecall.IsUndefined()) {
    if (!checkRecall.IsNumber()) throwType(env, "attention: opts.checkRecall must be a number in [0, 1] (default 0.99).");
    const double r = checkRecall.As<Napi::Number>().DoubleValue();
    if (!(r >= 0 && r <= 1)) throwRange(env, "attention: opts.checkRecall is " + std::to_string(r) + "; use a number in [0, 1].");
    o.sparse.checkRecall = float(r);
  }
  Napi::Value neighbourShare = opts.Get("neighbourShare");
  if (!neighbourShare.IsUndefined()) {
    if (!neighbourShare.IsNumber())
      throwType(env, "attention: opts.neighbourShare must be a number in [0, 1] (0 turns neighbour expansion off).");
    const double s = neighbourShare.As<Napi::Number>().DoubleValue();
    if (!(s >= 0 && s <= 1))
      throwRange(env, "attention: opts.neighbourShare is " + std::to_string(s) + "; use a number in [0, 1].");
    o.sparse.neighbourShare = float(s);
  }
  o.sparse.copyNgram = requireInt(env, opts, "copyNgram", false, o.sparse.copyNgram);
  o.sparse.copyRecent = requireInt(env, opts, "copyRecent", false, o.sparse.copyRecent);
  // tokens: the sequence's token ids (Int32Array, one per key), so the plan keeps copy sources (copy_sources.h).
  Napi::Value tokens = opts.Get("tokens");
  if (!tokens.IsUndefined()) {
    if (!tokens.IsTypedArray() || tokens.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
      throwType(env, "attention: opts.tokens must be an Int32Array of token ids, one per key position.");
    Napi::Int32Array ids = tokens.As<Napi::Int32Array>();
    if (ids.ElementLength() != size_t(s.seqK))
      throwRange(env, "attention: opts.tokens has " + std::to_string(ids.ElementLength()) + " ids but there are " +
                          std::to_string(s.seqK) + " keys; pass one id per key position.");
    if (o.sparse.copyNgram < 1 || o.sparse.copyNgram > 3 || o.sparse.copyRecent < 1)
      throwRange(env, "attention: with opts.tokens, copyNgram must be 1, 2 or 3 and copyRecent at least 1.");
    try {
      call.copies = std::make_shared<CopySourceIndex>(o.sparse.blockSize, o.sparse.copyNgram, o.sparse.copyRecent);
    } catch (const std::invalid_argument& e) {
      throwRange(env, std::string("attention: ") + e.what());
    }
    call.copies->append(ids.Data(), int(ids.ElementLength()));
    o.copySources = call.copies.get();
  }
  o.sparse.minBlocks = requireInt(env, opts, "minBlocks", false, 0);
  o.sparse.maxBlocks = requireInt(env, opts, "maxBlocks", false, 0);
  o.threads = requireInt(env, opts, "threads", false, 0);

  Napi::Value device = opts.Get("device");
  const std::string deviceName = device.IsUndefined() ? "cpu" : device.IsString() ? device.As<Napi::String>().Utf8Value() : "?";
  if (deviceName == "cuda") call.cuda = true;
  else if (deviceName != "cpu") throwRange(env, "attention: opts.device must be 'cpu' or 'cuda'.");

  try {
    validate_attention(s, o);
  } catch (const std::invalid_argument& e) {
    throwRange(env, e.what());
  }
  return call;
}

void runCuda(Napi::Env env, const ParsedCall& c, float* out, BlockPlan* plan) {
#ifdef UNISPARSE_WITH_CUDA
  std::string reason;
  if (!cuda::available(&reason))
    throw Napi::Error::New(env, "attention: device 'cuda' is not usable here: " + reason +
                                    " Use device: 'cpu', or run on a machine with an NVIDIA GPU and driver.");
  try {
    cuda::attention_host(c.shape, c.options, c.q.Data(), c.k.Data(), c.v.Data(), out, plan);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string("attention (cuda): ") + e.what());
  }
#else
  (void)c; (void)out; (void)plan;
  throw Napi::Error::New(env, "attention: this build has no CUDA backend (nvcc was not found when the addon was "
                              "built). Use device: 'cpu', or rebuild with `npm run build:native` on a machine "
                              "with the CUDA toolkit.");
#endif
}

// mask[h][bq][bk] = 1 where query head h's kv head kept key block bk for query block bq.
Napi::Uint8Array headMask(Napi::Env env, const AttentionShape& s, const BlockPlan& plan) {
  const size_t n = size_t(plan.nKeyBlocks);
  Napi::Uint8Array mask = Napi::Uint8Array::New(env, size_t(s.heads) * n * n);
  std::memset(mask.Data(), 0, mask.ElementLength());
  const int group = s.heads / s.kvHeads;
  for (int h = 0; h < s.heads; ++h) {
    const int kvHead = h / group;
    for (int row = 0; row < plan.nQueryBlocks; ++row) {
      const size_t r = size_t(kvHead) * plan.nQueryBlocks + row;
      uint8_t* dst = mask.Data() + (size_t(h) * n + size_t(plan.firstQueryBlock + row)) * n;
      for (int32_t i = plan.rowPtr[r]; i < plan.rowPtr[r + 1]; ++i) dst[plan.keyBlocks[i]] = 1;
    }
  }
  return mask;
}

Napi::Object attentionResult(Napi::Env env, const AttentionShape& shape, Napi::Float32Array out, const BlockPlan& plan) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("out", out);
  result.Set("density", Napi::Number::New(env, plan.density()));
  result.Set("mask", headMask(env, shape, plan));
  result.Set("nBlocks", Napi::Number::New(env, plan.nKeyBlocks));
  result.Set("blockSize", Napi::Number::New(env, plan.blockSize));
  return result;
}

// Runs the CPU attention; returns an empty string or the sentence to throw.
std::string runCpu(const ParsedCall& c, float* out, BlockPlan* plan) {
  try {
    attention_cpu(c.shape, c.options, c.q.Data(), c.k.Data(), c.v.Data(), out, plan);
    return {};
  } catch (const std::bad_alloc&) {
    return "attention: out of memory for this shape; use a shorter sequence or fewer heads.";
  } catch (const std::exception& e) {
    return e.what();
  }
}

Napi::Value Attention(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ParsedCall c = parse(info, true);
  Napi::Float32Array out = Napi::Float32Array::New(env, c.q.ElementLength());
  BlockPlan plan;
  if (c.cuda) {
    runCuda(env, c, out.Data(), &plan);
  } else {
    const std::string error = runCpu(c, out.Data(), &plan);
    if (!error.empty()) throw Napi::Error::New(env, error);
  }
  return attentionResult(env, c.shape, out, plan);
}

// attentionAsync: the same call on a libuv worker thread, so a long prefill-sized attention does not block the
// event loop. The inputs are held by references until it settles; do not transfer or detach their buffers meanwhile.
class AttentionWorker : public Napi::AsyncWorker {
 public:
  AttentionWorker(Napi::Env env, ParsedCall call)
      : Napi::AsyncWorker(env, "unisparse.attention"), deferred_(Napi::Promise::Deferred::New(env)),
        call_(std::move(call)) {
    inputs_ = Napi::Persistent(Napi::Object::New(env));
    inputs_.Value().Set("q", call_.q);
    inputs_.Value().Set("k", call_.k);
    inputs_.Value().Set("v", call_.v);
    out_ = Napi::Persistent(Napi::Float32Array::New(env, call_.q.ElementLength()));
    outData_ = out_.Value().Data();
  }
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    const std::string error = runCpu(call_, outData_, &plan_);
    if (!error.empty()) SetError(error);
  }
  void OnOK() override { deferred_.Resolve(attentionResult(Env(), call_.shape, out_.Value(), plan_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  ParsedCall call_;
  Napi::ObjectReference inputs_;
  Napi::Reference<Napi::Float32Array> out_;
  float* outData_ = nullptr;
  BlockPlan plan_;
};

Napi::Value AttentionAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ParsedCall c = parse(info, true);
  if (c.cuda) {
    // The CUDA path is already asynchronous on the device; run it synchronously and settle at once.
    Napi::Float32Array out = Napi::Float32Array::New(env, c.q.ElementLength());
    BlockPlan plan;
    auto deferred = Napi::Promise::Deferred::New(env);
    try {
      runCuda(env, c, out.Data(), &plan);
      deferred.Resolve(attentionResult(env, c.shape, out, plan));
    } catch (const Napi::Error& e) {
      deferred.Reject(e.Value());
    }
    return deferred.Promise();
  }
  auto* worker = new AttentionWorker(env, std::move(c));
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

Napi::Value AttentionPlan(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ParsedCall c = parse(info, false);
  BlockPlan plan;
  if (c.cuda) throwRange(env, "attentionPlan: runs on the CPU only; omit device or pass device: 'cpu'.");
  try {
    attention_plan_cpu(c.shape, c.options, c.q.Data(), c.k.Data(), &plan);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
  auto rowPtr = Napi::Int32Array::New(env, plan.rowPtr.size());
  std::memcpy(rowPtr.Data(), plan.rowPtr.data(), plan.rowPtr.size() * sizeof(int32_t));
  auto keyBlocks = Napi::Int32Array::New(env, plan.keyBlocks.size());
  std::memcpy(keyBlocks.Data(), plan.keyBlocks.data(), plan.keyBlocks.size() * sizeof(int32_t));
  auto keyScores = Napi::Float32Array::New(env, plan.keyScores.size());
  std::memcpy(keyScores.Data(), plan.keyScores.data(), plan.keyScores.size() * sizeof(float));
  Napi::Object result = Napi::Object::New(env);
  result.Set("rowPtr", rowPtr);
  result.Set("keyBlocks", keyBlocks);
  result.Set("keyScores", keyScores);
  result.Set("density", Napi::Number::New(env, plan.density()));
  result.Set("nBlocks", Napi::Number::New(env, plan.nKeyBlocks));
  result.Set("firstQueryBlock", Napi::Number::New(env, plan.firstQueryBlock));
  result.Set("nQueryBlocks", Napi::Number::New(env, plan.nQueryBlocks));
  result.Set("kvHeads", Napi::Number::New(env, plan.kvHeads));
  result.Set("blockSize", Napi::Number::New(env, plan.blockSize));
  return result;
}

}  // namespace

void RegisterAttention(Napi::Env env, Napi::Object exports) {
  exports.Set("attention", Napi::Function::New(env, Attention, "attention"));
  exports.Set("attentionAsync", Napi::Function::New(env, AttentionAsync, "attentionAsync"));
  exports.Set("attentionPlan", Napi::Function::New(env, AttentionPlan, "attentionPlan"));
}

}  // namespace unisparse::binding
