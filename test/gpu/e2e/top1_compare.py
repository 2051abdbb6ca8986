"""Next-token agreement of one run's logits with a reference run's, as engine_e2e writes them: the shared arithmetic of
top1_windows.sh and top1_cross_device.sh.

  OUT.f32       float32 [1024, vocab]: logits of the last 1,024 positions
  OUT.f32.top1  (E2E_ALL_TOP1=1) int32 [n] top tokens of every position, then float32 [n] margins"""
import os

import numpy as np


def log_softmax(path):
    x = np.fromfile(path, dtype=np.float32).reshape(1024, -1).astype(np.float64)
    x = x - x.max(1, keepdims=True)
    return x - np.log(np.exp(x).sum(1, keepdims=True))


def top_tokens(path):
    a = np.fromfile(path, dtype=np.int32)
    return a[: a.size // 2]


def agreement(reference_path, other_path, reference=None):
    """top1Agreement / flips / meanKl (nats, KL(reference || other)) over the last 1,024 positions, and over every
    position (flipsAll, top1AgreementAll) when both runs wrote their top tokens. `reference`: the reference's
    log_softmax when the caller already has it."""
    ref = log_softmax(reference_path) if reference is None else reference
    other = log_softmax(other_path)
    flips = ref.argmax(1) != other.argmax(1)
    row = {"top1Agreement": 1 - float(flips.mean()), "flips": int(flips.sum()),
           "meanKl": float(np.mean((np.exp(ref) * (ref - other)).sum(1)))}
    if os.path.exists(reference_path + ".top1") and os.path.exists(other_path + ".top1"):
        every = top_tokens(reference_path + ".top1") != top_tokens(other_path + ".top1")
        row.update({"positions": int(every.size), "flipsAll": int(every.sum()), "top1AgreementAll": 1 - float(every.mean())})
    return row
