"""Writes test/fixtures/{xlm-roberta,distilbert,mpnet}-unseen.json (and, into the
output folder, the F32 and BF16 weight files they describe): for each
architecture a random checkpoint of a shape no released model has (odd head
counts, few positions, non-default eps, MPNet with more bias buckets than the
32 it reads), with Hugging Face names and torch Linear layout [out, in].

References, computed in float64 with torch, each an own port that follows the
`transformers` modeling file statement by statement (eager attention):
* XLM-RoBERTa: src/transformers/models/xlm_roberta/modeling_xlm_roberta.py —
  XLMRobertaEmbeddings (position ids create_position_ids_from_input_ids:
  cumsum(ids != padding_idx) * mask + padding_idx, token type ids all 0), then
  BERT's self-attention / output / intermediate layers and the tanh pooler;
* DistilBERT: src/transformers/models/distilbert/modeling_distilbert.py —
  Embeddings (word + arange positions, LayerNorm eps 1e-12), TransformerBlock
  (q / sqrt(dim_per_head) before q·kᵀ, masked_fill(finfo.min), sa_layer_norm,
  FFN lin1 → gelu → lin2, output_layer_norm, all eps 1e-12);
* MPNet: src/transformers/models/mpnet/modeling_mpnet.py — MPNetEmbeddings
  (padding_idx 1), MPNetEncoder.compute_position_bias with its default 32
  buckets and relative_position_bucket (float32 log, as upstream), shared by all
  layers, MPNetSelfAttention (scores / sqrt(d) + bias + mask), MPNetAttention,
  intermediate / output, pooler.
Sentence embeddings: sentence-transformers Pooling (mean over the mask, clamp
1e-9; CLS) and Normalize. MultipleNegativesRankingLoss (scale 20, cosine):
cross-entropy of 20·cos(anchor_i, positive_j) with target i, mean over
anchors; weight gradients by torch autograd in float64.

Usage: python3 architectures_reference.py <output folder>
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from common import rounded, uniform_tensors, write_json, write_safetensors

torch.set_default_dtype(torch.float64)
MIN = torch.finfo(torch.float64).min

XLM_ROBERTA = {
    "architectures": ["XLMRobertaModel"],
    "model_type": "xlm-roberta",
    "vocab_size": 37,
    "hidden_size": 20,
    "num_hidden_layers": 2,
    "num_attention_heads": 5,
    "intermediate_size": 28,
    "max_position_embeddings": 24,
    "type_vocab_size": 1,
    "layer_norm_eps": 1e-6,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "initializer_range": 0.02,
    "pad_token_id": 1,
    "bos_token_id": 0,
    "eos_token_id": 2,
    "position_embedding_type": "absolute",
}
DISTILBERT = {
    "architectures": ["DistilBertModel"],
    "model_type": "distilbert",
    "vocab_size": 41,
    "dim": 15,
    "n_layers": 2,
    "n_heads": 3,
    "hidden_dim": 26,
    "max_position_embeddings": 22,
    "activation": "gelu",
    "dropout": 0.1,
    "attention_dropout": 0.1,
    "sinusoidal_pos_embds": False,
    "initializer_range": 0.02,
    "pad_token_id": 0,
}
MPNET = {
    "architectures": ["MPNetModel"],
    "model_type": "mpnet",
    "vocab_size": 39,
    "hidden_size": 18,
    "num_hidden_layers": 2,
    "num_attention_heads": 3,
    "intermediate_size": 26,
    "max_position_embeddings": 26,
    "relative_attention_num_buckets": 34,
    "layer_norm_eps": 1e-7,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "initializer_range": 0.02,
    "pad_token_id": 1,
    "bos_token_id": 0,
    "eos_token_id": 2,
}
SEEDS = {"xlm-roberta": 20261130, "distilbert": 20261131, "mpnet": 20261132}


# ---------------------------------------------------------------- weights (name, shape, scale, offset), HF order
def dense(name, out, inp, scale=0.3):
    return [(f"{name}.weight", [out, inp], scale, 0.0), (f"{name}.bias", [out], 0.1, 0.0)]


def norm(name, h):
    return [(f"{name}.weight", [h], 0.2, 1.0), (f"{name}.bias", [h], 0.1, 0.0)]


def embeddings(c, h, types):
    # small embeddings: the LayerNorm's variance is ~1e-5, so its eps visibly matters
    specs = [
        ("embeddings.word_embeddings.weight", [c["vocab_size"], h], 0.006, 0.0),
        ("embeddings.position_embeddings.weight", [c["max_position_embeddings"], h], 0.004, 0.0),
    ]
    if types:
        specs.append(("embeddings.token_type_embeddings.weight", [c["type_vocab_size"], h], 0.004, 0.0))
    return specs + norm("embeddings.LayerNorm", h)


def xlmr_specs(c):
    h, i = c["hidden_size"], c["intermediate_size"]
    specs = embeddings(c, h, True)
    for n in range(c["num_hidden_layers"]):
        p = f"encoder.layer.{n}"
        for name in ("query", "key", "value"):
            specs += dense(f"{p}.attention.self.{name}", h, h)
        specs += dense(f"{p}.attention.output.dense", h, h, 0.25) + norm(f"{p}.attention.output.LayerNorm", h)
        specs += dense(f"{p}.intermediate.dense", i, h) + dense(f"{p}.output.dense", h, i, 0.2) + norm(f"{p}.output.LayerNorm", h)
    return specs + dense("pooler.dense", h, h, 0.25)


def distilbert_specs(c):
    h, i = c["dim"], c["hidden_dim"]
    specs = embeddings(c, h, False)
    for n in range(c["n_layers"]):
        p = f"transformer.layer.{n}"
        for name in ("q_lin", "k_lin", "v_lin"):
            specs += dense(f"{p}.attention.{name}", h, h)
        specs += dense(f"{p}.attention.out_lin", h, h, 0.25) + norm(f"{p}.sa_layer_norm", h)
        specs += dense(f"{p}.ffn.lin1", i, h) + dense(f"{p}.ffn.lin2", h, i, 0.2) + norm(f"{p}.output_layer_norm", h)
    return specs


def mpnet_specs(c):
    h, i = c["hidden_size"], c["intermediate_size"]
    specs = embeddings(c, h, False)
    for n in range(c["num_hidden_layers"]):
        p = f"encoder.layer.{n}"
        for name in ("q", "k", "v"):
            specs += dense(f"{p}.attention.attn.{name}", h, h)
        specs += dense(f"{p}.attention.attn.o", h, h, 0.25) + norm(f"{p}.attention.LayerNorm", h)
        specs += dense(f"{p}.intermediate.dense", i, h) + dense(f"{p}.output.dense", h, i, 0.2) + norm(f"{p}.output.LayerNorm", h)
    specs.append(("encoder.relative_attention_bias.weight", [c["relative_attention_num_buckets"], c["num_attention_heads"]], 0.8, 0.0))
    return specs + dense("pooler.dense", h, h, 0.25)


# ---------------------------------------------------------------- shared pieces of the modeling files
def gelu(t):
    return F.gelu(t)  # ACT2FN["gelu"]: exact erf GELU


def create_position_ids_from_input_ids(input_ids, padding_idx):
    mask = input_ids.ne(padding_idx).int()
    incremental_indices = torch.cumsum(mask, dim=1).type_as(mask) * mask
    return incremental_indices.long() + padding_idx


def extended_mask(attention_mask):
    # get_extended_attention_mask: (1 - mask) * finfo(dtype).min, broadcast over heads and queries
    return (1.0 - attention_mask[:, None, None, :].to(torch.float64)) * MIN


def split_heads(t, B, heads, d):
    return t.view(B, -1, heads, d).transpose(1, 2)


def pooler(w, x):
    return torch.tanh(F.linear(x[:, 0], w["pooler.dense.weight"], w["pooler.dense.bias"]))


# ---------------------------------------------------------------- XLMRobertaModel
def xlmr_forward(w, c, input_ids, attention_mask, positions="roberta"):
    B, L = input_ids.shape
    h, heads = c["hidden_size"], c["num_attention_heads"]
    d, eps = h // heads, c["layer_norm_eps"]
    if positions == "roberta":
        position_ids = create_position_ids_from_input_ids(input_ids, c["pad_token_id"])
    else:  # BERT's arange, only to show the fixture tells the two apart
        position_ids = torch.arange(L).unsqueeze(0).expand(B, L)
    token_type_ids = torch.zeros_like(input_ids)
    emb = F.embedding(input_ids, w["embeddings.word_embeddings.weight"]) + F.embedding(token_type_ids, w["embeddings.token_type_embeddings.weight"])
    emb = emb + F.embedding(position_ids, w["embeddings.position_embeddings.weight"])
    x = F.layer_norm(emb, (h,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    ext = extended_mask(attention_mask)
    for n in range(c["num_hidden_layers"]):
        p = f"encoder.layer.{n}"
        lin = lambda t, name: F.linear(t, w[f"{p}.{name}.weight"], w[f"{p}.{name}.bias"])
        q, k, v = (split_heads(lin(x, f"attention.self.{m}"), B, heads, d) for m in ("query", "key", "value"))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + ext
        ctx = torch.matmul(F.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).contiguous().view(B, L, h)
        a = F.layer_norm(lin(ctx, "attention.output.dense") + x, (h,), w[f"{p}.attention.output.LayerNorm.weight"], w[f"{p}.attention.output.LayerNorm.bias"], eps)
        x = F.layer_norm(lin(gelu(lin(a, "intermediate.dense")), "output.dense") + a, (h,), w[f"{p}.output.LayerNorm.weight"], w[f"{p}.output.LayerNorm.bias"], eps)
    return x, pooler(w, x)


# ---------------------------------------------------------------- DistilBertModel
def distilbert_forward(w, c, input_ids, attention_mask, eps=1e-12):
    B, L = input_ids.shape
    h, heads = c["dim"], c["n_heads"]
    d = h // heads
    position_ids = torch.arange(L).unsqueeze(0)
    emb = F.embedding(input_ids, w["embeddings.word_embeddings.weight"]) + F.embedding(position_ids, w["embeddings.position_embeddings.weight"])
    x = F.layer_norm(emb, (h,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    for n in range(c["n_layers"]):
        p = f"transformer.layer.{n}"
        lin = lambda t, name: F.linear(t, w[f"{p}.{name}.weight"], w[f"{p}.{name}.bias"])
        q = split_heads(lin(x, "attention.q_lin"), B, heads, d)
        k = split_heads(lin(x, "attention.k_lin"), B, heads, d)
        v = split_heads(lin(x, "attention.v_lin"), B, heads, d)
        q = q / math.sqrt(d)
        scores = torch.matmul(q, k.transpose(2, 3))
        mask = (attention_mask == 0).view(B, 1, 1, L).expand_as(scores)
        scores = scores.masked_fill(mask, torch.tensor(MIN))
        ctx = torch.matmul(F.softmax(scores, dim=-1), v).transpose(1, 2).contiguous().view(B, -1, heads * d)
        sa = F.layer_norm(lin(ctx, "attention.out_lin") + x, (h,), w[f"{p}.sa_layer_norm.weight"], w[f"{p}.sa_layer_norm.bias"], eps)
        ffn = lin(gelu(lin(sa, "ffn.lin1")), "ffn.lin2")
        x = F.layer_norm(ffn + sa, (h,), w[f"{p}.output_layer_norm.weight"], w[f"{p}.output_layer_norm.bias"], eps)
    return x, None


# ---------------------------------------------------------------- MPNetModel
def relative_position_bucket(relative_position, num_buckets=32, max_distance=128):
    ret = 0
    n = -relative_position
    num_buckets //= 2
    ret += (n < 0).to(torch.long) * num_buckets
    n = torch.abs(n)
    max_exact = num_buckets // 2
    is_small = n < max_exact
    val_if_large = max_exact + (
        torch.log(n.float() / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact)
    ).to(torch.long)
    val_if_large = torch.min(val_if_large, torch.full_like(val_if_large, num_buckets - 1))
    ret += torch.where(is_small, n, val_if_large)
    return ret


def mpnet_forward(w, c, input_ids, attention_mask, bias=True, num_buckets=32):
    B, L = input_ids.shape
    h, heads = c["hidden_size"], c["num_attention_heads"]
    d, eps = h // heads, c["layer_norm_eps"]
    position_ids = create_position_ids_from_input_ids(input_ids, 1)
    emb = F.embedding(input_ids, w["embeddings.word_embeddings.weight"]) + F.embedding(position_ids, w["embeddings.position_embeddings.weight"])
    x = F.layer_norm(emb, (h,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    ext = extended_mask(attention_mask)
    # compute_position_bias(x): called without num_buckets, so 32 whatever the config says
    context_position = torch.arange(L, dtype=torch.long)[:, None]
    memory_position = torch.arange(L, dtype=torch.long)[None, :]
    rp_bucket = relative_position_bucket(memory_position - context_position, num_buckets=num_buckets)
    position_bias = F.embedding(rp_bucket, w["encoder.relative_attention_bias.weight"]).permute([2, 0, 1]).unsqueeze(0).expand((B, -1, L, L))
    for n in range(c["num_hidden_layers"]):
        p = f"encoder.layer.{n}"
        lin = lambda t, name: F.linear(t, w[f"{p}.{name}.weight"], w[f"{p}.{name}.bias"])
        q, k, v = (split_heads(lin(x, f"attention.attn.{m}"), B, heads, d) for m in ("q", "k", "v"))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d)
        if bias:
            scores = scores + position_bias
        scores = scores + ext
        ctx = torch.matmul(F.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).contiguous().view(B, L, h)
        a = F.layer_norm(lin(ctx, "attention.attn.o") + x, (h,), w[f"{p}.attention.LayerNorm.weight"], w[f"{p}.attention.LayerNorm.bias"], eps)
        x = F.layer_norm(lin(gelu(lin(a, "intermediate.dense")), "output.dense") + a, (h,), w[f"{p}.output.LayerNorm.weight"], w[f"{p}.output.LayerNorm.bias"], eps)
    return x, pooler(w, x)


# ---------------------------------------------------------------- pooling, loss
def mean_pool(x, mask):
    m = mask.unsqueeze(-1).expand(x.size()).to(x.dtype)
    return torch.sum(x * m, 1) / torch.clamp(m.sum(1), min=1e-9)


def mnrl(a, p, scale=20.0):
    scores = F.normalize(a, p=2, dim=1) @ F.normalize(p, p=2, dim=1).T * scale
    return F.cross_entropy(scores, torch.arange(a.shape[0]))


# ---------------------------------------------------------------- batches
def id_batch(gen, lengths, vocab, bos, eos, pad):
    """Rows <bos> random ids <eos>, right-padded with `pad`; random ids avoid the special ids."""
    L = max(lengths)
    specials = {bos, eos, pad}
    pool = [i for i in range(vocab) if i not in specials]
    ids, mask = [], []
    for n in lengths:
        body = [pool[int(j)] for j in gen.integers(0, len(pool), n - 2)]
        row = [bos] + body + [eos]
        ids.append(row + [pad] * (L - n))
        mask.append([1] * n + [0] * (L - n))
    return torch.tensor(ids), torch.tensor(mask)


ARCHS = {
    # name: (config, specs, forward, (bos, eos, pad), hidden key)
    "xlm-roberta": (XLM_ROBERTA, xlmr_specs, xlmr_forward, (0, 2, 1), "hidden_size"),
    "distilbert": (DISTILBERT, distilbert_specs, distilbert_forward, (2, 3, 0), "dim"),
    "mpnet": (MPNET, mpnet_specs, mpnet_forward, (0, 2, 1), "hidden_size"),
}


def build(name, out):
    c, spec_fn, forward, (bos, eos, pad), hidden_key = ARCHS[name]
    seed = SEEDS[name]
    specs = spec_fn(c)
    w32 = uniform_tensors(seed, specs)
    files = {}
    halves = {
        "F32": dict(w32),
        "BF16": {n: torch.from_numpy(t).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16) for n, t in w32.items()},
    }
    upcast = {
        "F32": {n: torch.from_numpy(t).double() for n, t in w32.items()},
        "BF16": {n: torch.from_numpy(t).to(torch.bfloat16).double() for n, t in w32.items()},
    }
    for dtype, tensors in halves.items():
        file = f"{name}.{dtype.lower()}.safetensors"
        files[dtype] = {"file": file, "sha256": write_safetensors(os.path.join(out, file), tensors, dtype)}

    gen = np.random.default_rng(seed)
    vocab = c["vocab_size"]
    input_ids, attention_mask = id_batch(gen, [20, 13, 3, 17], vocab, bos, eos, pad)
    outputs = {}
    with torch.no_grad():
        for dtype in ("F32", "BF16"):
            hidden, pooled = forward(upcast[dtype], c, input_ids, attention_mask)
            real = attention_mask.bool()
            entry = {
                # padded positions of the last hidden state are not compared (their values depend on masking details only)
                "last_hidden_state": rounded(hidden[real], 8),
                "mean": rounded(F.normalize(mean_pool(hidden, attention_mask), p=2, dim=1)),
                "cls": rounded(hidden[:, 0]),
            }
            if pooled is not None:
                entry["pooler_output"] = rounded(pooled)
            outputs[dtype] = entry
        hidden_f32 = forward(upcast["F32"], c, input_ids, attention_mask)[0]
        real = attention_mask.bool()
        sensitivity = {}
        if name == "xlm-roberta":
            sensitivity["arange_positions"] = float((xlmr_forward(upcast["F32"], c, input_ids, attention_mask, positions="arange")[0] - hidden_f32)[real].abs().max())
            sensitivity["layer_norm_eps_1e-12"] = float((xlmr_forward(upcast["F32"], {**c, "layer_norm_eps": 1e-12}, input_ids, attention_mask)[0] - hidden_f32)[real].abs().max())
        if name == "distilbert":
            sensitivity["layer_norm_eps_1e-5"] = float((distilbert_forward(upcast["F32"], c, input_ids, attention_mask, eps=1e-5)[0] - hidden_f32)[real].abs().max())
        if name == "mpnet":
            sensitivity["no_relative_bias"] = float((mpnet_forward(upcast["F32"], c, input_ids, attention_mask, bias=False)[0] - hidden_f32)[real].abs().max())
            sensitivity["buckets_from_config"] = float(
                (mpnet_forward(upcast["F32"], c, input_ids, attention_mask, num_buckets=c["relative_attention_num_buckets"])[0] - hidden_f32)[real].abs().max()
            )

    # MNRL: 3 anchors and 3 positives of different lengths, mean pooling, gradients of every weight
    anchors = id_batch(gen, [9, 20, 5], vocab, bos, eos, pad)
    positives = id_batch(gen, [14, 4, 18], vocab, bos, eos, pad)
    weights = {n: t.clone().requires_grad_(True) for n, t in upcast["F32"].items()}
    embed = lambda ids_mask: mean_pool(forward(weights, c, *ids_mask)[0], ids_mask[1])
    loss = mnrl(embed(anchors), embed(positives))
    loss.backward()
    grads = {n: rounded(t.grad, 7) for n, t in weights.items() if t.grad is not None}

    fixture = {
        "generator": "test/reference/architectures_reference.py",
        "config": c,
        "seed": seed,
        "weights": [{"name": n, "shape": s, "scale": sc, "offset": off} for n, s, sc, off in specs],
        "files": files,
        "batch": {"input_ids": input_ids.tolist(), "attention_mask": attention_mask.tolist()},
        "outputs": outputs,
        "sensitivity": sensitivity,
        "mnrl": {
            "anchors": {"input_ids": anchors[0].tolist(), "attention_mask": anchors[1].tolist()},
            "positives": {"input_ids": positives[0].tolist(), "attention_mask": positives[1].tolist()},
            "loss": float(loss),
            "grads": grads,
        },
    }
    if name == "mpnet":
        rel = torch.arange(-600, 601)
        fixture["relative_position_buckets"] = {"from": -600, "buckets": relative_position_bucket(rel).tolist()}
    write_json(os.path.join(out, f"{name}-unseen.json"), fixture)


def main():
    out = sys.argv[1]
    for name in ARCHS:
        build(name, out)


if __name__ == "__main__":
    main()
