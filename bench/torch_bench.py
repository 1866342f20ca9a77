"""PyTorch reference for `npm run bench`: the same computations as embedlab's
benchmark, written directly in torch (no transformers / sentence-transformers
needed, so Debian's python3-torch is enough).

- a BERT encoder as Hugging Face's BertModel computes it (post-LN, exact GELU,
  additive attention mask, dropout 0.1 while training), random init N(0, 0.02);
- mean pooling + L2 normalisation (all-MiniLM-L6-v2's modules);
- MatryoshkaLoss(MultipleNegativesRankingLoss): sum over dims of
  CrossEntropy(20 * cos(anchor[:, :d], positive[:, :d]), arange(B));
- torch.optim.AdamW (lr 2e-5, weight decay 0.01);
- IR evaluation: cosine top-k over 700 queries x 7,000 docs at five
  Matryoshka dims with the InformationRetrievalEvaluator metrics.

Prints one JSON object. Usage:
  /usr/bin/python3 bench/torch_bench.py --model minilm --what encode,train,eval
"""
import argparse
import json
import math
import os
import statistics
import time

import torch
import torch.nn.functional as F

STATIC = dict(vocab=30522, dim=128, dims=[128, 64, 32], batch=64, seq=64, lr=0.05)

MODELS = {
    "minilm": dict(layers=6, hidden=384, heads=12, intermediate=1536, vocab=30522, dims=[384, 256, 128, 64, 32]),
    "bge-small": dict(layers=12, hidden=384, heads=12, intermediate=1536, vocab=30522, dims=[384, 256, 128, 64, 32]),
    "bge-base": dict(layers=12, hidden=768, heads=12, intermediate=3072, vocab=30522, dims=[768, 512, 256, 128, 64]),
}


class Layer(torch.nn.Module):
    def __init__(self, h, heads, inter, dropout):
        super().__init__()
        self.heads = heads
        self.drop = torch.nn.Dropout(dropout)
        self.q = torch.nn.Linear(h, h)
        self.k = torch.nn.Linear(h, h)
        self.v = torch.nn.Linear(h, h)
        self.o = torch.nn.Linear(h, h)
        self.ln1 = torch.nn.LayerNorm(h, eps=1e-12)
        self.fc1 = torch.nn.Linear(h, inter)
        self.fc2 = torch.nn.Linear(inter, h)
        self.ln2 = torch.nn.LayerNorm(h, eps=1e-12)

    def forward(self, x, mask_add):
        b, s, h = x.shape
        d = h // self.heads

        def split(t):
            return t.view(b, s, self.heads, d).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + mask_add
        ctx = (self.drop(scores.softmax(-1)) @ v).transpose(1, 2).reshape(b, s, h)
        x = self.ln1(self.drop(self.o(ctx)) + x)
        return self.ln2(self.drop(self.fc2(F.gelu(self.fc1(x)))) + x)


class Bert(torch.nn.Module):
    def __init__(self, cfg, dropout):
        super().__init__()
        h = cfg["hidden"]
        self.drop = torch.nn.Dropout(dropout)
        self.words = torch.nn.Embedding(cfg["vocab"], h)
        self.positions = torch.nn.Embedding(512, h)
        self.types = torch.nn.Embedding(2, h)
        self.ln = torch.nn.LayerNorm(h, eps=1e-12)
        self.layers = torch.nn.ModuleList(Layer(h, cfg["heads"], cfg["intermediate"], dropout) for _ in range(cfg["layers"]))
        for m in self.modules():
            if isinstance(m, (torch.nn.Linear, torch.nn.Embedding)):
                torch.nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, torch.nn.Linear):
                torch.nn.init.zeros_(m.bias)

    def forward(self, ids, mask):
        s = ids.shape[1]
        x = self.words(ids) + self.types(torch.zeros_like(ids)) + self.positions.weight[:s]
        x = self.drop(self.ln(x))
        mask_add = (1.0 - mask[:, None, None, :].float()) * -1e9
        for layer in self.layers:
            x = layer(x, mask_add)
        m = mask[..., None].float()
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, dim=-1)


class Static(torch.nn.Module):
    """sentence-transformers' StaticEmbedding: the mean of the token rows (nn.EmbeddingBag, mode="mean")."""

    def __init__(self, vocab, dim):
        super().__init__()
        self.bag = torch.nn.EmbeddingBag(vocab, dim, mode="mean")  # weights N(0, 1), as torch initialises it

    def forward(self, ids, mask):
        lengths = mask.sum(1)
        flat = ids[mask.bool()]
        offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)[:-1]])
        return F.normalize(self.bag(flat, offsets), dim=-1)


def matryoshka_mnrl(a, p, dims, scale=20.0):
    labels = torch.arange(a.shape[0])
    total = 0.0
    for d in dims:
        sim = F.normalize(a[:, :d], dim=-1) @ F.normalize(p[:, :d], dim=-1).T
        total = total + F.cross_entropy(scale * sim, labels)
    return total


def forward_flops(cfg, seq):
    """Matmul FLOPs of one text through the encoder (the usual 2·m·k·n count)."""
    h, i, l = cfg["hidden"], cfg["intermediate"], cfg["layers"]
    return l * (2 * seq * h * (4 * h + 2 * i) + 2 * 2 * seq * seq * h)


def timed(fn, repeats, warmup=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def bench_encode(model, cfg, batch, seq, repeats):
    gen = torch.Generator().manual_seed(1)
    ids = torch.randint(1000, cfg["vocab"], (batch, seq), generator=gen)
    mask = torch.ones(batch, seq, dtype=torch.long)
    model.eval()
    with torch.inference_mode():
        times = timed(lambda: model(ids, mask), repeats)
    median = statistics.median(times)
    return {"seconds": times, "median_s": median, "texts_per_s": batch / median,
            "gflops_per_s": forward_flops(cfg, seq) * batch / median / 1e9}


def bench_train(model, cfg, batch, seq, repeats):
    gen = torch.Generator().manual_seed(2)
    anchors = torch.randint(1000, cfg["vocab"], (batch, seq), generator=gen)
    positives = torch.randint(1000, cfg["vocab"], (batch, seq), generator=gen)
    mask = torch.ones(batch, seq, dtype=torch.long)
    model.train()  # dropout on, as in fine-tuning
    opt = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.01)
    losses = []

    def step():
        opt.zero_grad(set_to_none=True)
        loss = matryoshka_mnrl(model(anchors, mask), model(positives, mask), cfg["dims"])
        loss.backward()
        opt.step()
        losses.append(float(loss))

    times = timed(step, repeats)
    median = statistics.median(times)
    flops = 3 * forward_flops(cfg, seq) * 2 * batch  # forward + backward (2×) over both columns
    return {"seconds": times, "median_s": median, "examples_per_s": batch / median,
            "tokens_per_s": 2 * batch * seq / median, "gflops_per_s": flops / median / 1e9, "loss": losses[-1]}


def bench_static_train(repeats):
    """StaticEmbedding 128-d, Matryoshka(MNRL) over 3 dims, AdamW, batch 64 pairs of 64-token texts."""
    cfg = STATIC
    model = Static(cfg["vocab"], cfg["dim"])
    gen = torch.Generator().manual_seed(4)
    anchors = torch.randint(1000, cfg["vocab"], (cfg["batch"], cfg["seq"]), generator=gen)
    positives = torch.randint(1000, cfg["vocab"], (cfg["batch"], cfg["seq"]), generator=gen)
    mask = torch.ones(cfg["batch"], cfg["seq"], dtype=torch.long)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=0.01)
    losses = []

    def step():
        opt.zero_grad(set_to_none=True)
        loss = matryoshka_mnrl(model(anchors, mask), model(positives, mask), cfg["dims"])
        loss.backward()
        opt.step()
        losses.append(float(loss))

    times = timed(step, repeats, warmup=3)
    median = statistics.median(times)
    return {"seconds": times, "median_s": median, "examples_per_s": cfg["batch"] / median, "loss": losses[-1]}


def ir_metrics(top, relevant, k_values=(1, 3, 5, 10)):
    """InformationRetrievalEvaluator's metrics for one query (binary relevance)."""
    out = {}
    for k in k_values:
        hits = [1 if doc in relevant else 0 for doc in top[:k]]
        out[f"accuracy@{k}"] = 1.0 if any(hits) else 0.0
        out[f"precision@{k}"] = sum(hits) / k
        out[f"recall@{k}"] = sum(hits) / len(relevant)
    mrr = 0.0
    for rank, doc in enumerate(top[:10]):
        if doc in relevant:
            mrr = 1.0 / (rank + 1)
            break
    out["mrr@10"] = mrr
    dcg = sum(1.0 / math.log2(r + 2) for r, doc in enumerate(top[:10]) if doc in relevant)
    idcg = sum(1.0 / math.log2(r + 2) for r in range(min(10, len(relevant))))
    out["ndcg@10"] = dcg / idcg
    hits, ap = 0, 0.0
    for r, doc in enumerate(top[:100]):
        if doc in relevant:
            hits += 1
            ap += hits / (r + 1)
    out["map@100"] = ap / min(100, len(relevant))
    return out


def bench_eval(repeats, nq=700, nc=7000, d=768, dims=(768, 512, 256, 128, 64)):
    gen = torch.Generator().manual_seed(3)
    corpus = torch.randn(nc, d, generator=gen)
    queries = corpus[torch.arange(nq) * 10] + 1.5 * torch.randn(nq, d, generator=gen)
    relevant = [{10 * i} for i in range(nq)]
    result = {}

    def run():
        for dim in dims:
            q = F.normalize(queries[:, :dim], dim=-1)
            c = F.normalize(corpus[:, :dim], dim=-1)
            top = torch.topk(q @ c.T, 100, dim=1).indices.tolist()
            per_query = [ir_metrics(top[i], relevant[i]) for i in range(nq)]
            result[dim] = sum(m["ndcg@10"] for m in per_query) / nq

    times = timed(run, repeats)
    return {"seconds": times, "median_s": statistics.median(times), "dim_64_ndcg@10": result[64]}


def blas_library():
    """Which BLAS torch calls (Debian's torch uses the system libblas.so.3: the
    reference BLAS is ~10-20x slower than OpenBLAS)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
        return sorted(paths)
    except OSError:
        return []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="minilm", choices=sorted(MODELS) + ["static"])
    parser.add_argument("--what", default="encode,train,eval")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--dropout", type=float, default=0.1)
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    cfg = MODELS.get(args.model)
    what = args.what.split(",")
    out = {"engine": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(),
           "model": args.model, "batch": args.batch, "seq": args.seq, "dropout": args.dropout}
    torch.ones(2, 2) @ torch.ones(2, 2)  # load the BLAS before looking for it
    out["blas"] = blas_library()
    if args.model == "static":
        out.update(batch=STATIC["batch"], seq=STATIC["seq"], dropout=0.0)
        out["train"] = bench_static_train(args.repeats)
        print(json.dumps(out))
        return
    model = Bert(cfg, args.dropout) if ("encode" in what or "train" in what) else None
    if "encode" in what:
        out["encode"] = bench_encode(model, cfg, args.batch, args.seq, args.repeats)
    if "train" in what:
        out["train"] = bench_train(model, cfg, args.batch, args.seq, args.repeats)
    if "eval" in what:
        out["eval"] = bench_eval(args.repeats)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
