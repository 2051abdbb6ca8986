"""Float references for the GPU checks: the UniSparse plan (float64, the algorithm as DESIGN.md states it), masked
attention in float32, attention recall, and inputs with planted structure (sinks, local windows, needles)."""
import math

import torch


def planted_qkv(heads, kv_heads, n, d, seed=0, device="cuda", local_logit=12.0, sink_logit=10.0,
                topic_logit=8.0, topics=16, needle_logit=12.0, needles=4, noise=0.3, anchor_every=64, query_span=2048):
    """bf16 q [heads, n, d], k/v [kv_heads, n, d] with planted structure, per KV group:
    - local: a quarter of the dims carry a smoothly drifting random direction shared by nearby queries and keys;
    - sink: keys 0..3 share a direction every query has;
    - topics: each 64-token key segment (random phase, so not block-aligned) belongs to one of `topics` topics and
      each 2048-token query span asks for one topic, so mass spreads over ~1/topics of the distant blocks;
    - needles: a few 48-token key spans that every later query looks for;
    - Gaussian noise everywhere (never zeros). With 16 topics the exact attention needs ~5-6% of the 64-token
      blocks to hold 95% of its mass at 32K-128K (oracle density, measured with numpy on sampled rows)."""
    g = torch.Generator(device=device).manual_seed(seed)
    scale = d ** -0.5
    dl = d // 4
    group = heads // kv_heads
    q = torch.randn(heads, n, d, generator=g, device=device) * noise
    k = torch.randn(kv_heads, n, d, generator=g, device=device) * noise
    v = torch.randn(kv_heads, n, d, generator=g, device=device)
    pos = torch.arange(n, device=device)
    frac = ((pos % anchor_every).float() / anchor_every)[:, None]
    for h in range(kv_heads):
        qs = slice(h * group, (h + 1) * group)
        anchors = torch.randn(n // anchor_every + 2, dl, generator=g, device=device)
        anchors = anchors / anchors.norm(dim=1, keepdim=True)
        z = (1 - frac) * anchors[pos // anchor_every] + frac * anchors[pos // anchor_every + 1]
        z = z / z.norm(dim=1, keepdim=True) * math.sqrt(local_logit / scale)
        k[h, :, :dl] += z
        q[qs, :, :dl] += z[None]
        sink = math.sqrt(sink_logit / scale)
        k[h, :4, dl] += sink
        q[qs, :, dl] += sink
        rest = d - dl - 1
        units = torch.randn(topics, rest, generator=g, device=device)
        units = units / units.norm(dim=1, keepdim=True) * math.sqrt(topic_logit / scale)
        phase = int(torch.randint(0, 64, (1,), generator=g, device=device))
        segment = (pos + phase) // 64
        key_topic = torch.randint(0, topics, (int(segment.max()) + 1,), generator=g, device=device)[segment]
        query_topic = torch.randint(0, topics, (n // query_span + 1,), generator=g, device=device)[pos // query_span]
        k[h, :, dl + 1:] += units[key_topic]
        q[qs, :, dl + 1:] += units[query_topic][None]
        amp = math.sqrt(needle_logit / scale)
        for _ in range(needles):
            lo = int(0.05 * n)
            start = int(torch.randint(lo, max(lo + 1, int(0.8 * n)), (1,), generator=g, device=device))
            w = torch.randn(rest, generator=g, device=device)
            w = w / w.norm() * amp
            k[h, start:start + 48, dl + 1:] += w
            q[qs, start + 48:, dl + 1:] += w
    return q.bfloat16(), k.bfloat16(), v.bfloat16()


def random_qkv(heads, kv_heads, n, d, seed=0, device="cuda"):
    g = torch.Generator(device=device).manual_seed(seed)
    return tuple(torch.randn(h, n, d, generator=g, device=device).bfloat16() for h in (heads, kv_heads, kv_heads))


def reference_plan(q, k, block_size, granularities, tau, scale=None, neighbour_share=0.05):
    """Returns (A [kvH, nQB, nKB] float64, kept mask bool) for q [H, Nq, D], k [kvH, Nk, D] (any float dtype).
    neighbour_share: a block taken by the tau rule whose share reaches it also keeps its two neighbours (the
    library's default 0.05; <= 0 turns it off), so a needle straddling a block boundary keeps both halves."""
    heads, nq, d = q.shape
    kvh, nk, _ = k.shape
    scale = scale or d ** -0.5
    S = block_size
    p0 = nk - nq
    nkb = (nk + S - 1) // S
    fqb = p0 // S
    nqb = nkb - fqb
    qa = torch.zeros(kvh, nkb * S, d, dtype=torch.float64, device=q.device)
    qa[:, p0:nk] = q.double().view(kvh, heads // kvh, nq, d).mean(1)
    qcount = torch.zeros(nkb * S, dtype=torch.float64, device=q.device)
    qcount[p0:nk] = 1
    ka = torch.zeros(kvh, nkb * S, d, dtype=torch.float64, device=q.device)
    ka[:, :nk] = k.double()
    kcount = torch.zeros(nkb * S, dtype=torch.float64, device=q.device)
    kcount[:nk] = 1
    total = torch.zeros(kvh, nqb, nkb, dtype=torch.float64, device=q.device)
    for gr in granularities:
        c = S // gr
        nc = nkb * gr
        qn = qcount.view(nc, c).sum(1)
        kn = kcount.view(nc, c).sum(1)
        qc = qa.view(kvh, nc, c, d).sum(2) / qn.clamp(min=1)[None, :, None]
        kc = ka.view(kvh, nc, c, d).sum(2) / kn.clamp(min=1)[None, :, None]
        qc, qn = qc[:, fqb * gr:], qn[fqb * gr:]
        logits = qc @ kc.transpose(1, 2) * scale
        qi = torch.arange(fqb * gr, nc, device=q.device)[:, None]
        ki = torch.arange(nc, device=q.device)[None, :]
        visible = (ki <= qi) & (kn[None, :] > 0)
        logits = logits.masked_fill(~visible[None], float("-inf"))
        p = torch.softmax(logits, dim=-1)
        p = p.view(kvh, nqb * gr, nkb, gr).sum(-1)  # [kvh, rows, nkb]
        present = (qn > 0).double()
        p = p * present[None, :, None]
        a = p.view(kvh, nqb, gr, nkb).sum(2) / present.view(nqb, gr).sum(1).clamp(min=1)[None, :, None]
        total += a
    A = total / len(granularities)
    bq = torch.arange(fqb, nkb, device=q.device)
    bk = torch.arange(nkb, device=q.device)
    cand = (bk[None, :] >= 1) & (bk[None, :] < bq[:, None])  # [nqb, nkb]
    keep = (bk[None, :] == 0) | (bk[None, :] == bq[:, None])
    keep = keep[None].expand(kvh, nqb, nkb).clone()
    if tau >= 1:
        keep |= cand[None]
        return A, keep
    base = A[:, :, 0] + torch.where(bq > 0, A.gather(2, bq.view(1, -1, 1).expand(kvh, nqb, 1))[..., 0], torch.zeros_like(A[:, :, 0]))
    sortable = torch.where(cand[None], A, torch.full_like(A, -1.0))
    vals, order = torch.sort(sortable, dim=-1, descending=True, stable=True)
    vals = vals.clamp(min=0)
    excl = torch.cumsum(vals, -1) - vals
    take = ((base[..., None] + excl) < tau) & (torch.gather(cand[None].expand(kvh, nqb, nkb), 2, order))
    keep.scatter_(2, order, take | torch.gather(keep, 2, order))
    if neighbour_share > 0:
        taken = torch.zeros_like(keep).scatter_(2, order, take)
        strong = taken & (A >= neighbour_share)
        keep[..., :-1] |= strong[..., 1:]
        keep[..., 1:] |= strong[..., :-1]
    return A, keep


def masked_attention(q, k, v, block_mask=None, block_size=64, scale=None):
    """float32 reference: causal attention, restricted to the kept blocks when block_mask [kvH, nQB, nKB] is given."""
    heads, nq, d = q.shape
    kvh, nk, _ = k.shape
    scale = scale or d ** -0.5
    group = heads // kvh
    p0 = nk - nq
    out = torch.empty(heads, nq, d, dtype=torch.float32, device=q.device)
    qi = torch.arange(p0, nk, device=q.device)[:, None]
    ki = torch.arange(nk, device=q.device)[None, :]
    causal = ki <= qi
    for h in range(heads):
        s = (q[h].float() @ k[h // group].float().T) * scale
        allowed = causal
        if block_mask is not None:
            m = block_mask[h // group]  # [nQB, nKB]
            fqb = p0 // block_size
            allowed = allowed & m[(qi // block_size - fqb).expand(nq, nk), (ki // block_size).expand(nq, nk)]
        s = s.masked_fill(~allowed, float("-inf"))
        out[h] = torch.softmax(s, -1) @ v[h // group].float()
    return out


def attention_recall(q, k, block_mask, block_size, rows=128, seed=0, scale=None):
    """Mean over heads and sampled query rows of the exact softmax mass inside the kept blocks."""
    heads, nq, d = q.shape
    kvh, nk, _ = k.shape
    scale = scale or d ** -0.5
    group = heads // kvh
    p0 = nk - nq
    g = torch.Generator(device="cpu").manual_seed(seed)
    sample = torch.randint(0, nq, (rows,), generator=g).to(q.device)
    pos = sample + p0
    fqb = p0 // block_size
    ki = torch.arange(nk, device=q.device)
    total = 0.0
    for h in range(heads):
        s = (q[h, sample].float() @ k[h // group].float().T) * scale
        s = s.masked_fill(ki[None, :] > pos[:, None], float("-inf"))
        p = torch.softmax(s, -1)
        kept = block_mask[h // group][(pos // block_size - fqb)[:, None], (ki // block_size)[None, :]]
        total += (p * kept).sum(-1).mean().item()
    return total / heads
