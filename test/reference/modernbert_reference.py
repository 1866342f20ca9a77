"""Writes test/fixtures/modernbert-unseen.json (and, into the output folder, the
weight files it describes): a random ModernBERT of a shape no real checkpoint
uses — 3 layers, hidden 60, 5 heads (head size 12), intermediate 44, global
attention every 2 layers (layer 1 local), a sliding window of 7 (3 tokens each
side, shorter than the texts), RoPE bases 500 (global) and 40 (local),
norm_eps 2e-6 — without biases (ModernBERT's default) as F32 and BF16
safetensors (BF16 under the `model.` prefix of ModernBertForMaskedLM
checkpoints), and with every bias (norm_bias, attention_bias, mlp_bias) as F32.
Hugging Face names, torch Linear layout [out, in]. The tokenizer is the BPE
fixture test/fixtures/modernbert-tokenizer, tokenised by bpe_tokenizer.py.

References, in float64 with torch:
* ModernBertModel forward: an own implementation that follows
  huggingface/transformers src/transformers/models/modernbert/modeling_modernbert.py
  (ModernBertEmbeddings, ModernBertRotaryEmbedding, eager_attention_forward,
  ModernBertAttention, ModernBertMLP, ModernBertEncoderLayer, ModernBertModel and
  its _update_attention_mask) statement by statement: the 4-D padding mask
  (1 - mask) * finfo.min, the sliding-window mask filled with finfo.min where
  |i - j| > local_attention // 2, RoPE cos/sin computed in float32 as there and
  then cast. The one change: the softmax stays float64 (transformers upcasts
  half precision to float32 there, a no-op for float32 models).
* Pooling / Normalize as in bert_reference.py (sentence-transformers' Pooling.py).
* MultipleNegativesRankingLoss (scale 20, cosine, cross-entropy over in-batch
  positives) on mean-pooled, normalised embeddings; weight gradients by autograd.

Usage: python3 modernbert_reference.py <repo root> <output folder>
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

from bpe_tokenizer import load
from common import rounded, uniform_tensors, write_json, write_safetensors

SEED = 20251130
GRAD_SEED = 777
TOKENIZER = "test/fixtures/modernbert-tokenizer"
MAX_SEQ_LENGTH = 24


def config(vocab_size, pad, cls, sep, biases):
    return {
        "architectures": ["ModernBertModel"],
        "model_type": "modernbert",
        "vocab_size": vocab_size,
        "hidden_size": 60,
        "intermediate_size": 44,
        "num_hidden_layers": 3,
        "num_attention_heads": 5,
        "hidden_activation": "gelu",
        "max_position_embeddings": 64,
        "initializer_range": 0.02,
        "initializer_cutoff_factor": 2.0,
        "norm_eps": 2e-06,
        "norm_bias": biases,
        "attention_bias": biases,
        "mlp_bias": biases,
        "global_attn_every_n_layers": 2,
        "local_attention": 7,
        "global_rope_theta": 500.0,
        "local_rope_theta": 40.0,
        "embedding_dropout": 0.0,
        "attention_dropout": 0.0,
        "mlp_dropout": 0.0,
        "pad_token_id": pad,
        "bos_token_id": cls,
        "cls_token_id": cls,
        "eos_token_id": sep,
        "sep_token_id": sep,
        "classifier_pooling": "mean",
    }


def weight_specs(c):
    """(name, shape, scale, offset) for the model with every bias, in module order. Token
    embeddings are small, so norm_eps visibly matters."""
    h, i = c["hidden_size"], c["intermediate_size"]
    specs = [("embeddings.tok_embeddings.weight", [c["vocab_size"], h], 0.01, 0.0)]
    norm = lambda p: [(f"{p}.weight", [h], 0.2, 1.0), (f"{p}.bias", [h], 0.1, 0.0)]
    specs += norm("embeddings.norm")
    for n in range(c["num_hidden_layers"]):
        p = f"layers.{n}"
        if n > 0:
            specs += norm(f"{p}.attn_norm")
        specs += [(f"{p}.attn.Wqkv.weight", [3 * h, h], 0.3, 0.0), (f"{p}.attn.Wqkv.bias", [3 * h], 0.1, 0.0)]
        specs += [(f"{p}.attn.Wo.weight", [h, h], 0.2, 0.0), (f"{p}.attn.Wo.bias", [h], 0.1, 0.0)]
        specs += norm(f"{p}.mlp_norm")
        specs += [(f"{p}.mlp.Wi.weight", [2 * i, h], 0.3, 0.0), (f"{p}.mlp.Wi.bias", [2 * i], 0.1, 0.0)]
        specs += [(f"{p}.mlp.Wo.weight", [h, i], 0.25, 0.0), (f"{p}.mlp.Wo.bias", [h], 0.1, 0.0)]
    specs += norm("final_norm")
    return specs


def without_biases(names):
    return [n for n in names if not n.endswith(".bias")]


# ---------------------------------------------------------------- ModernBertModel (modeling_modernbert.py, eager)
def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def rope(theta, head_dim, seq_len):
    """ModernBertRotaryEmbedding.forward (default rope type): float32, then cast to the model's dtype."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).to(dtype=torch.float) / head_dim))
    position_ids = torch.arange(seq_len).unsqueeze(0)
    inv_freq_expanded = inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1)
    position_ids_expanded = position_ids[:, None, :].float()
    freqs = (inv_freq_expanded.float() @ position_ids_expanded.float()).transpose(1, 2)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(torch.float64), emb.sin().to(torch.float64)


def modernbert_forward(w, c, input_ids, attention_mask, eps=None, window=None, thetas=None):
    """last_hidden_state [B, L, H] in float64. `eps`, `window`, `thetas` override the config (sensitivity checks)."""
    B, L = input_ids.shape
    h, heads = c["hidden_size"], c["num_attention_heads"]
    d = h // heads
    eps = c["norm_eps"] if eps is None else eps
    window = c["local_attention"] if window is None else window
    theta_global, theta_local = thetas or (c["global_rope_theta"], c["local_rope_theta"])
    dtype = torch.float64
    ln = lambda x, p: F.layer_norm(x, (h,), w[f"{p}.weight"], w.get(f"{p}.bias") if c["norm_bias"] else None, eps)
    lin = lambda x, p, bias: F.linear(x, w[f"{p}.weight"], w.get(f"{p}.bias") if bias else None)

    # ModernBertEmbeddings: drop(norm(tok_embeddings(input_ids)))
    x = ln(F.embedding(input_ids, w["embeddings.tok_embeddings.weight"]), "embeddings.norm")
    # _update_attention_mask: _prepare_4d_attention_mask, then the sliding window filled with finfo.min
    expanded = attention_mask[:, None, None, :].expand(B, 1, L, L).to(dtype)
    inverted = 1.0 - expanded
    global_mask = inverted.masked_fill(inverted.to(torch.bool), torch.finfo(dtype).min)
    rows = torch.arange(L).unsqueeze(0)
    distance = torch.abs(rows - rows.T)
    window_mask = (distance <= window // 2).unsqueeze(0).unsqueeze(0)
    sliding_mask = global_mask.masked_fill(window_mask.logical_not(), torch.finfo(dtype).min)
    every = c["global_attn_every_n_layers"]
    layer_types = ["sliding_attention" if i % every else "full_attention" for i in range(c["num_hidden_layers"])]
    position_embeddings = {"full_attention": rope(theta_global, d, L), "sliding_attention": rope(theta_local, d, L)}

    for i in range(c["num_hidden_layers"]):
        p = f"layers.{i}"
        # ModernBertEncoderLayer: attn_norm is the identity in layer 0
        attn_in = x if i == 0 else ln(x, f"{p}.attn_norm")
        qkv = lin(attn_in, f"{p}.attn.Wqkv", c["attention_bias"]).view(B, -1, 3, heads, d)
        cos, sin = position_embeddings[layer_types[i]]
        query, key, value = qkv.transpose(3, 1).unbind(dim=2)
        cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
        query, key = (query * cos) + (rotate_half(query) * sin), (key * cos) + (rotate_half(key) * sin)
        attn_weights = torch.matmul(query, key.transpose(2, 3)) * d**-0.5
        local = i % every != 0
        attn_weights = attn_weights + (sliding_mask if local else global_mask)
        attn_weights = F.softmax(attn_weights, dim=-1)
        attn_output = torch.matmul(attn_weights, value).transpose(1, 2).contiguous().view(B, -1, h)
        x = x + lin(attn_output, f"{p}.attn.Wo", c["attention_bias"])
        # ModernBertMLP: Wo(drop(act(input) * gate))
        inp, gate = lin(ln(x, f"{p}.mlp_norm"), f"{p}.mlp.Wi", c["mlp_bias"]).chunk(2, dim=-1)
        x = x + lin(F.gelu(inp) * gate, f"{p}.mlp.Wo", c["mlp_bias"])
    return ln(x, "final_norm")


def mean_pool(hidden, mask):
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / torch.clamp(m.sum(1), min=1e-9)


def padded(rows, pad):
    L = max(len(r) for r in rows)
    ids = torch.tensor([r + [pad] * (L - len(r)) for r in rows])
    mask = torch.tensor([[1] * len(r) + [0] * (L - len(r)) for r in rows])
    return ids, mask


TEXTS = [
    "What was the total revenue reported for fiscal year 2023?",
    "",
    "a",
    "Net income rose 12% to $4.3 billion, driven by services; operating margin widened to 31.5% while "
    "research and development expenses grew faster than sales for the third consecutive year.",
    "Café résumé naïve",
    "Liquidity",
    "The company repurchased 10 million shares. Dividends: $0.24 per share, paid quarterly.",
    "中文 and English mixed 😀 text",
]
ANCHORS = ["How much revenue in 2023?", "Who is the CEO?", "dividends per share", "What drove margin growth in the services segment this year?"]
POSITIVES = [
    "Total revenue reported for fiscal year 2023 was $4.3 billion.",
    "The chief executive officer is Jane Doe.",
    "Dividends: $0.24 per share, paid quarterly.",
    "Services drove margin.",
]


def main():
    repo, out = sys.argv[1], sys.argv[2]
    bpe = load(os.path.join(repo, TOKENIZER, "tokenizer.json"))
    vocab_size = 1 + max(max(bpe.vocab.values()), max(t["id"] for t in bpe.added.values()))
    pad, cls, sep = bpe.token_id("[PAD]"), bpe.token_id("[CLS]"), bpe.token_id("[SEP]")
    c_bias = config(vocab_size, pad, cls, sep, True)
    c = config(vocab_size, pad, cls, sep, False)
    specs = weight_specs(c_bias)
    w32 = uniform_tensors(SEED, specs)
    plain = without_biases(list(w32))
    torch_f64 = lambda t: torch.from_numpy(t).double()
    weights = {
        "F32": {n: torch_f64(w32[n]) for n in plain},
        "BF16": {n: torch.from_numpy(w32[n]).to(torch.bfloat16).double() for n in plain},
        "F32_biases": {n: torch_f64(t) for n, t in w32.items()},
    }
    files = {
        "F32": {"file": "model.safetensors", "sha256": write_safetensors(os.path.join(out, "model.safetensors"), {n: w32[n] for n in plain}, "F32")},
        "BF16": {
            "file": "model.bf16.safetensors",
            "sha256": write_safetensors(
                os.path.join(out, "model.bf16.safetensors"),
                {f"model.{n}": torch.from_numpy(w32[n]).to(torch.bfloat16).view(torch.int16).numpy().view("uint16") for n in plain},
                "BF16",
            ),
        },
        "F32_biases": {"file": "model.biases.safetensors", "sha256": write_safetensors(os.path.join(out, "model.biases.safetensors"), w32, "F32")},
    }

    tok = lambda t: bpe.encode(t.strip(), MAX_SEQ_LENGTH)
    batch_texts = [TEXTS[3], TEXTS[0], TEXTS[4], TEXTS[2]]
    input_ids, attention_mask = padded([tok(t) for t in batch_texts], pad)
    real = attention_mask.bool()
    with torch.no_grad():
        outputs = {}
        for variant, wt in weights.items():
            cfg = c_bias if variant == "F32_biases" else c
            hidden = modernbert_forward(wt, cfg, input_ids, attention_mask)
            outputs[variant] = {
                "mean_normalized": rounded(F.normalize(mean_pool(hidden, attention_mask), dim=1)),
                "cls": rounded(hidden[:, 0]),
            }
            if variant != "F32_biases":
                outputs[variant]["last_hidden_state"] = rounded(hidden)
        base = modernbert_forward(weights["F32"], c, input_ids, attention_mask)
        diff = lambda other: float((other - base)[real].abs().max())
        sensitivity = {
            "all_layers_global": diff(modernbert_forward(weights["F32"], c, input_ids, attention_mask, window=10**6)),
            "window_one_wider": diff(modernbert_forward(weights["F32"], c, input_ids, attention_mask, window=9)),
            "local_theta_as_global": diff(modernbert_forward(weights["F32"], c, input_ids, attention_mask, thetas=(500.0, 500.0))),
            "norm_eps_default_1e-5": diff(modernbert_forward(weights["F32"], c, input_ids, attention_mask, eps=1e-5)),
        }

        # SentenceTransformer.encode, text by text (unpadded): mean pooling + Normalize
        def embed(wt, cfg, text):
            ids = torch.tensor([tok(text)])
            return F.normalize(mean_pool(modernbert_forward(wt, cfg, ids, torch.ones_like(ids)), torch.ones_like(ids)), dim=1)[0]

        encode = {v: rounded(torch.stack([embed(weights[v], c_bias if v == "F32_biases" else c, t) for t in TEXTS])) for v in weights}

    # MNRL (scale 20) on mean-pooled, normalised embeddings; gradients of every weight by autograd
    wt = {n: t.clone().requires_grad_(True) for n, t in weights["F32"].items()}
    (a_ids, a_mask), (p_ids, p_mask) = padded([tok(t) for t in ANCHORS], pad), padded([tok(t) for t in POSITIVES], pad)
    a = F.normalize(mean_pool(modernbert_forward(wt, c, a_ids, a_mask), a_mask), dim=1)
    p = F.normalize(mean_pool(modernbert_forward(wt, c, p_ids, p_mask), p_mask), dim=1)
    loss = F.cross_entropy(20.0 * a @ p.T, torch.arange(len(ANCHORS)))
    loss.backward()
    probes = uniform_tensors(GRAD_SEED, [(n, list(wt[n].shape), 1.0, 0.0) for n in plain])
    gradients = {}
    for n in plain:
        g = wt[n].grad
        entry = {"projection": float((g * torch.from_numpy(probes[n]).double()).sum()), "norm": float(g.norm())}
        if g.dim() == 1:
            entry["values"] = rounded(g)
        gradients[n] = entry

    fixture = {
        "generator": "test/reference/modernbert_reference.py",
        "config": c,
        "config_biases": c_bias,
        "max_seq_length": MAX_SEQ_LENGTH,
        "seed": SEED,
        "weights": [{"name": n, "shape": s, "scale": sc, "offset": off} for n, s, sc, off in specs],
        "files": files,
        "batch": {"texts": batch_texts, "input_ids": input_ids.tolist(), "attention_mask": attention_mask.tolist(), "outputs": outputs, "sensitivity": sensitivity},
        "texts": TEXTS,
        "encode_mean_normalized": encode,
        "mnrl": {"anchors": ANCHORS, "positives": POSITIVES, "loss": float(loss), "gradient_seed": GRAD_SEED, "gradients": gradients},
    }
    write_json(os.path.join(out, "modernbert-unseen.json"), fixture)


if __name__ == "__main__":
    main()
