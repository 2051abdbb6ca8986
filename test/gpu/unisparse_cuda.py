"""ctypes binding of native/cuda/unisparse_capi.h for the GPU tests and benchmark (torch tensors in, out).

Tensors are contiguous bf16 [heads, seq, headDim] on the GPU. Errors come back as RuntimeError carrying the
library's own sentence (never a crash)."""
import ctypes
import math
import os

import torch


class Shape(ctypes.Structure):
    _fields_ = [("heads", ctypes.c_int), ("kvHeads", ctypes.c_int), ("headDim", ctypes.c_int),
                ("seqQ", ctypes.c_int), ("seqK", ctypes.c_int), ("scale", ctypes.c_float)]


class SparseConfig(ctypes.Structure):
    _fields_ = [("blockSize", ctypes.c_int), ("tau", ctypes.c_float), ("granularities", ctypes.c_int * 4),
                ("minBlocks", ctypes.c_int), ("maxBlocks", ctypes.c_int), ("fastEstimate", ctypes.c_int),
                ("skipLastBlockCheck", ctypes.c_int), ("checkRecall", ctypes.c_float),
                ("neighbourShare", ctypes.c_float)]


class Plan(ctypes.Structure):
    _fields_ = [("kvHeads", ctypes.c_int), ("nQueryBlocks", ctypes.c_int), ("nKeyBlocks", ctypes.c_int),
                ("blockSize", ctypes.c_int), ("firstQueryBlock", ctypes.c_int),
                ("rowPtr", ctypes.c_void_p), ("keyBlocks", ctypes.c_void_p), ("keyScores", ctypes.c_void_p),
                ("keptBlocks", ctypes.c_int64), ("causalBlocks", ctypes.c_int64)]


_lib = None


def lib():
    global _lib
    if _lib is None:
        path = os.environ.get("UNISPARSE_CUDA_LIB", os.path.join(os.path.dirname(__file__), "..", "..", "build-gpu",
                                                                   "libunisparse_cuda.so"))
        _lib = ctypes.CDLL(os.path.abspath(path))
        _lib.unisparse_cuda_last_error.restype = ctypes.c_char_p
        _lib.unisparse_cuda_plan.argtypes = [ctypes.POINTER(Shape), ctypes.POINTER(SparseConfig), ctypes.c_void_p,
                                             ctypes.c_void_p, ctypes.POINTER(Plan), ctypes.c_void_p]
        _lib.unisparse_cuda_plan_free.argtypes = [ctypes.POINTER(Plan)]
        _lib.unisparse_cuda_plan_copy.argtypes = [ctypes.POINTER(Plan), ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        _lib.unisparse_cuda_attention.argtypes = [ctypes.POINTER(Shape), ctypes.c_void_p, ctypes.c_void_p,
                                                  ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(Plan),
                                                  ctypes.c_int, ctypes.c_void_p]
    return _lib


def _raise(rc):
    if rc != 0:
        raise RuntimeError(lib().unisparse_cuda_last_error().decode())


def shape_of(q, k, scale=0.0):
    return Shape(q.shape[0], k.shape[0], q.shape[2], q.shape[1], k.shape[1], scale)


def _stream():
    return ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)


class DevicePlan:
    """A plan owned by the library; .mask() gives the dense [kvHeads, nQB, nKB] bool block mask."""

    def __init__(self, plan):
        self.c = plan

    @property
    def density(self):
        return self.c.keptBlocks / max(1, self.c.causalBlocks)

    def arrays(self):
        p = self.c
        rows = p.kvHeads * p.nQueryBlocks
        row_ptr = torch.empty(rows + 1, dtype=torch.int32, device="cuda")
        blocks = torch.empty(max(1, p.keptBlocks), dtype=torch.int32, device="cuda")
        scores = torch.empty(max(1, p.keptBlocks), dtype=torch.float32, device="cuda")
        _raise(lib().unisparse_cuda_plan_copy(ctypes.byref(p), ctypes.c_void_p(row_ptr.data_ptr()),
                                              ctypes.c_void_p(blocks.data_ptr()), ctypes.c_void_p(scores.data_ptr())))
        return row_ptr, blocks[:p.keptBlocks], scores[:p.keptBlocks]

    def mask(self):
        p = self.c
        row_ptr, blocks, _ = self.arrays()
        rows = p.kvHeads * p.nQueryBlocks
        counts = (row_ptr[1:] - row_ptr[:-1]).long()
        row_of = torch.repeat_interleave(torch.arange(rows, device="cuda"), counts)
        m = torch.zeros(rows, p.nKeyBlocks, dtype=torch.bool, device="cuda")
        m[row_of, blocks.long()] = True
        return m.view(p.kvHeads, p.nQueryBlocks, p.nKeyBlocks)

    def free(self):
        lib().unisparse_cuda_plan_free(ctypes.byref(self.c))


def plan(q, k, block_size=64, tau=0.95, granularities=(4, 16), min_blocks=0, max_blocks=0, fast=False, scale=0.0,
         check=True, neighbour_share=0.0):
    """neighbour_share: 0 = the library's default, < 0 = no neighbour expansion, > 0 = that threshold.
    granularities=None: the library's default for the shape ({4, 16} for GQA, one of block_size / 16 for MHA)."""
    cfg = SparseConfig()
    cfg.blockSize, cfg.tau, cfg.minBlocks, cfg.maxBlocks, cfg.fastEstimate = block_size, tau, min_blocks, max_blocks, int(fast)
    cfg.skipLastBlockCheck, cfg.checkRecall, cfg.neighbourShare = int(not check), 0.0, neighbour_share
    for i, g in enumerate((granularities or ())[:4]):
        cfg.granularities[i] = g
    out = Plan()
    _raise(lib().unisparse_cuda_plan(ctypes.byref(shape_of(q, k, scale)), ctypes.byref(cfg), q.data_ptr(), k.data_ptr(),
                                     ctypes.byref(out), _stream()))
    return DevicePlan(out)


def attention(q, k, v, out=None, device_plan=None, scale=0.0):
    if out is None:
        out = torch.empty_like(q)
    p = ctypes.byref(device_plan.c) if device_plan is not None else None
    _raise(lib().unisparse_cuda_attention(ctypes.byref(shape_of(q, k, scale)), q.data_ptr(), k.data_ptr(), v.data_ptr(),
                                          out.data_ptr(), p, 64, _stream()))
    return out
