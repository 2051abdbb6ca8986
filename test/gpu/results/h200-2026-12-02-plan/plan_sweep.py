import json, os, sys, time, torch
sys.path.insert(0, "test/gpu")
import reference as ref, unisparse_cuda as us
from bench_attention import WORKLOADS, timed
n = 131072
BLOCK = 128
for heads, kvh in ((32, 32), (32, 8)):
    q, k, v = ref.planted_qkv(heads, kvh, n, 128, seed=n + heads + kvh, **WORKLOADS["realistic"])
    out = torch.empty_like(q)
    for gr in [tuple(int(x) for x in g.split(",")) for g in os.environ.get("GRS", "4,16;4,8;8").split(";")]:
        if kvh == 8 and gr not in [tuple(int(x) for x in g.split(",")) for g in os.environ.get("GQA_GRS", "4,16").split(";")]:
            continue
        for check in (False, True):
            plans = []
            def mk():
                p = us.plan(q, k, block_size=BLOCK, tau=0.95, granularities=gr, fast=True, check=check)
                plans.append(p); return p
            pm = timed(mk, budget_ms=400)
            for p in plans[1:]: p.free()
            plan = plans[0]
            os.environ["UNISPARSE_PLAN_PROFILE"] = "1"
            print(f"[{heads}/{kvh} g={gr} check={check}] ", end="", flush=True)
            us.plan(q, k, block_size=BLOCK, tau=0.95, granularities=gr, fast=True, check=check).free()
            torch.cuda.synchronize(); os.environ.pop("UNISPARSE_PLAN_PROFILE")
            attn = timed(lambda: us.attention(q, k, v, out, device_plan=plan))
            rec = ref.attention_recall(q, k, plan.mask(), BLOCK, rows=128)
            print(json.dumps({"heads": heads, "kvh": kvh, "g": gr, "check": check, "planMs": round(pm, 3), "attnMs": round(attn, 3),
                              "share": round(pm / (pm + attn), 4), "density": round(plan.density, 4), "recall": round(rec, 4)}), flush=True)
            plan.free()
    del q, k, v, out; torch.cuda.empty_cache()
