"""Item 7: LSTM hidden 1024, batch 128, T 256 on a CUDA card, forward+backward tokens/s of
- bare PyTorch: `torch.nn.LSTM` (cuDNN) + a linear head, the loop anyone would write;
- rnnlab fused: `SequenceModel(backend="fused")` (the same cuDNN kernel behind rnnlab's model);
- rnnlab reference: `SequenceModel(backend="reference")` (hand-written BPTT in fp32; under bf16
  autocast it runs the step functions under autograd),
each in fp32 and under bf16 autocast, with the optimizer step (AdamW) and clipping included.

    .venv/bin/python benchmarks/gpu.py --out benchmarks/gpu_results.json     # ~2-4 minutes

Writes a JSON file and prints a Markdown table to paste into BENCHMARKS.md. Stops early (and
still writes what it has) once --budget seconds are used.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from rnnlab.models.sequence import SequenceModel  # noqa: E402

H, B, T, VOCAB = 1024, 128, 256, 128


class Bare(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(VOCAB, H)
        self.rnn = torch.nn.LSTM(H, H, batch_first=True)
        self.head = torch.nn.Linear(H, VOCAB)

    def forward(self, x, state=None):
        out, state = self.rnn(self.emb(x), state)
        return self.head(out), state


def make(variant: str) -> torch.nn.Module:
    if variant == "bare":
        return Bare()
    return SequenceModel("lstm", input_kind="tokens", input_size=VOCAB, output_size=VOCAB, hidden_size=H,
                         backend=variant)


def bench(variant: str, bf16: bool, iters: int, dev: torch.device) -> dict:
    torch.manual_seed(0)
    model = make(variant).to(dev).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randint(0, VOCAB, (B, T), device=dev)
    y = torch.randint(0, VOCAB, (B, T), device=dev)

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):
            out, _ = model(x)
            loss = torch.nn.functional.cross_entropy(out.reshape(-1, VOCAB).float(), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(2):
        step()
    torch.cuda.synchronize(dev)
    t = time.perf_counter()
    for _ in range(iters):
        step()
    torch.cuda.synchronize(dev)
    dt = (time.perf_counter() - t) / iters
    return {"variant": variant, "precision": "bf16 autocast" if bf16 else "fp32", "ms_per_step": dt * 1e3,
            "tokens_per_s": B * T / dt}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="benchmarks/gpu_results.json")
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--budget", type=float, default=420.0, help="seconds; stop starting new measurements after")
    args = p.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA device visible: nothing to measure", file=sys.stderr)
        return 2
    dev = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    start = time.perf_counter()
    res = {"card": torch.cuda.get_device_name(dev), "torch": torch.__version__, "cuda": torch.version.cuda,
           "cudnn": torch.backends.cudnn.version(), "shape": {"hidden": H, "batch": B, "T": T}, "rows": []}
    for bf16 in (False, True):
        for variant in ("bare", "fused", "reference"):
            if time.perf_counter() - start > args.budget:
                res["rows"].append({"variant": variant, "precision": "bf16" if bf16 else "fp32", "skipped": "budget"})
                continue
            iters = max(2, args.iters // 3) if variant == "reference" else args.iters
            row = bench(variant, bf16, iters, dev)
            res["rows"].append(row)
            print(row, flush=True)
            Path(args.out).write_text(json.dumps(res, indent=1))
            torch.cuda.empty_cache()
    bare = {r["precision"]: r["tokens_per_s"] for r in res["rows"] if r.get("variant") == "bare" and "tokens_per_s" in r}
    print(f"\n{res['card']}, torch {res['torch']}, CUDA {res['cuda']}, cuDNN {res['cudnn']}; LSTM H={H} B={B} T={T}\n")
    print("| variant | precision | ms/step | tokens/s | / bare PyTorch |\n|---|---|---|---|---|")
    for r in res["rows"]:
        if "tokens_per_s" in r:
            print(f"| {r['variant']} | {r['precision']} | {r['ms_per_step']:.1f} | {r['tokens_per_s']:,.0f} | "
                  f"{r['tokens_per_s'] / bare.get(r['precision'], float('nan')):.3f} |")
    Path(args.out).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
