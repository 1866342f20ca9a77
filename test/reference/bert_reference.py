"""Writes test/fixtures/bert-unseen.json (and, into the output folder, the model
files it describes): a random BERT of a shape the golden files do not use
(3 layers, hidden 48, 6 heads, intermediate 80, 40 positions, 2 token types,
layer_norm_eps 1e-7, exact GELU), stored as F32, F16 and BF16 safetensors with
Hugging Face names and torch Linear layout [out, in].

References, computed in float64 with torch:
* BertModel forward: an own implementation that follows huggingface/transformers
  src/transformers/models/bert/modeling_bert.py (BertEmbeddings, BertSelfAttention,
  BertSelfOutput, BertIntermediate, BertOutput, BertPooler; eager attention with
  the additive mask (1 - mask) * finfo.min) line by line;
* Pooling / Normalize: a line-by-line port of sentence-transformers
  sentence_transformers/models/Pooling.py and Normalize.py at
  UKPLab/sentence-transformers@85ec64559f4414aa536eca4bf53538291e0a333f
  (including max pooling's in-place write of -1e9 into the token embeddings);
* SentenceTransformer.encode: prompt prepended, prompt_length = tokens of the
  prompt minus the trailing [SEP], tokenisation by bert_tokenizer.py with
  max_seq_length.

Usage: python3 bert_reference.py <vocab.txt> <output folder>
"""
import hashlib
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from bert_tokenizer import encode, load_vocab
from common import rounded, uniform_tensors, write_json, write_safetensors

SEED = 20251127
CONFIG = {
    "architectures": ["BertModel"],
    "model_type": "bert",
    "vocab_size": 30522,
    "hidden_size": 48,
    "num_hidden_layers": 3,
    "num_attention_heads": 6,
    "intermediate_size": 80,
    "max_position_embeddings": 40,
    "type_vocab_size": 2,
    "layer_norm_eps": 1e-7,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "initializer_range": 0.02,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
}
MAX_SEQ_LENGTH = 24
HF_DEFAULT_EPS = 1e-12


def weight_specs(c):
    """(name, shape, scale, offset) in Hugging Face order. The embeddings are small, so the
    embedding LayerNorm's variance is ~1e-5 and layer_norm_eps visibly matters."""
    h, i = c["hidden_size"], c["intermediate_size"]
    specs = [
        ("embeddings.word_embeddings.weight", [c["vocab_size"], h], 0.006, 0.0),
        ("embeddings.position_embeddings.weight", [c["max_position_embeddings"], h], 0.004, 0.0),
        ("embeddings.token_type_embeddings.weight", [c["type_vocab_size"], h], 0.004, 0.0),
        ("embeddings.LayerNorm.weight", [h], 0.2, 1.0),
        ("embeddings.LayerNorm.bias", [h], 0.1, 0.0),
    ]
    for n in range(c["num_hidden_layers"]):
        p = f"encoder.layer.{n}"
        for name in ("query", "key", "value"):
            specs += [(f"{p}.attention.self.{name}.weight", [h, h], 0.3, 0.0), (f"{p}.attention.self.{name}.bias", [h], 0.1, 0.0)]
        specs += [
            (f"{p}.attention.output.dense.weight", [h, h], 0.25, 0.0),
            (f"{p}.attention.output.dense.bias", [h], 0.1, 0.0),
            (f"{p}.attention.output.LayerNorm.weight", [h], 0.2, 1.0),
            (f"{p}.attention.output.LayerNorm.bias", [h], 0.1, 0.0),
            (f"{p}.intermediate.dense.weight", [i, h], 0.3, 0.0),
            (f"{p}.intermediate.dense.bias", [i], 0.1, 0.0),
            (f"{p}.output.dense.weight", [h, i], 0.2, 0.0),
            (f"{p}.output.dense.bias", [h], 0.1, 0.0),
            (f"{p}.output.LayerNorm.weight", [h], 0.2, 1.0),
            (f"{p}.output.LayerNorm.bias", [h], 0.1, 0.0),
        ]
    specs += [("pooler.dense.weight", [h, h], 0.25, 0.0), ("pooler.dense.bias", [h], 0.1, 0.0)]
    return specs


# ---------------------------------------------------------------- BertModel (modeling_bert.py, eager)
def bert_forward(w, c, input_ids, attention_mask, token_type_ids, eps, act="gelu"):
    """last_hidden_state, pooler_output in float64 for LongTensor inputs [B, L]."""
    B, L = input_ids.shape
    h, heads = c["hidden_size"], c["num_attention_heads"]
    d = h // heads
    # BertEmbeddings: inputs_embeds + token_type_embeddings, then += position_embeddings, LayerNorm
    position_ids = torch.arange(L).unsqueeze(0)
    emb = F.embedding(input_ids, w["embeddings.word_embeddings.weight"]) + F.embedding(token_type_ids, w["embeddings.token_type_embeddings.weight"])
    emb = emb + F.embedding(position_ids, w["embeddings.position_embeddings.weight"])
    x = F.layer_norm(emb, (h,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    # get_extended_attention_mask: (1 - mask) * finfo(dtype).min, broadcast over heads and queries
    ext = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
    gelu = (lambda t: F.gelu(t)) if act == "gelu" else (lambda t: F.gelu(t, approximate="tanh"))
    for n in range(c["num_hidden_layers"]):
        p = f"encoder.layer.{n}"
        lin = lambda t, name: F.linear(t, w[f"{p}.{name}.weight"], w[f"{p}.{name}.bias"])
        split = lambda t: t.view(B, L, heads, d).permute(0, 2, 1, 3)
        q, k, v = split(lin(x, "attention.self.query")), split(lin(x, "attention.self.key")), split(lin(x, "attention.self.value"))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + ext
        probs = F.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous().view(B, L, h)
        a = F.layer_norm(lin(ctx, "attention.output.dense") + x, (h,), w[f"{p}.attention.output.LayerNorm.weight"], w[f"{p}.attention.output.LayerNorm.bias"], eps)
        inner = gelu(lin(a, "intermediate.dense"))
        x = F.layer_norm(lin(inner, "output.dense") + a, (h,), w[f"{p}.output.LayerNorm.weight"], w[f"{p}.output.LayerNorm.bias"], eps)
    pooled = torch.tanh(F.linear(x[:, 0], w["pooler.dense.weight"], w["pooler.dense.bias"]))
    return x, pooled


# ---------------------------------------------------------------- Pooling.py / Normalize.py port
MODE_KEYS = [
    ("cls", "pooling_mode_cls_token"),
    ("max", "pooling_mode_max_tokens"),
    ("mean", "pooling_mode_mean_tokens"),
    ("mean_sqrt_len_tokens", "pooling_mode_mean_sqrt_len_tokens"),
    ("weightedmean", "pooling_mode_weightedmean_tokens"),
    ("lasttoken", "pooling_mode_lasttoken"),
]


def pooling_config(dim, modes, include_prompt=True):
    cfg = {"word_embedding_dimension": dim}
    for mode, key in MODE_KEYS:
        cfg[key] = mode in modes
    cfg["include_prompt"] = include_prompt
    return cfg


def pooling_forward(cfg, features):
    """Pooling.forward, statement by statement."""
    token_embeddings = features["token_embeddings"]
    attention_mask = features["attention_mask"] if "attention_mask" in features else torch.ones(token_embeddings.shape[:-1], dtype=torch.int64)
    if not cfg["include_prompt"] and "prompt_length" in features:
        prompt_length = features["prompt_length"]
        if isinstance(prompt_length, torch.Tensor):
            prompt_length = prompt_length[0].item()
        attention_mask[:, :prompt_length] = 0

    output_vectors = []
    if cfg["pooling_mode_cls_token"]:
        cls_token = features.get("cls_token_embeddings", token_embeddings[:, 0])
        output_vectors.append(cls_token)
    if cfg["pooling_mode_max_tokens"]:
        input_mask_expanded = attention_mask.unsqueeze(-1).expand(token_embeddings.size()).to(token_embeddings.dtype)
        token_embeddings[input_mask_expanded == 0] = -1e9
        max_over_time = torch.max(token_embeddings, 1)[0]
        output_vectors.append(max_over_time)
    if cfg["pooling_mode_mean_tokens"] or cfg["pooling_mode_mean_sqrt_len_tokens"]:
        input_mask_expanded = attention_mask.unsqueeze(-1).expand(token_embeddings.size()).to(token_embeddings.dtype)
        sum_embeddings = torch.sum(token_embeddings * input_mask_expanded, 1)
        sum_mask = input_mask_expanded.sum(1)
        sum_mask = torch.clamp(sum_mask, min=1e-9)
        if cfg["pooling_mode_mean_tokens"]:
            output_vectors.append(sum_embeddings / sum_mask)
        if cfg["pooling_mode_mean_sqrt_len_tokens"]:
            output_vectors.append(sum_embeddings / torch.sqrt(sum_mask))
    if cfg["pooling_mode_weightedmean_tokens"]:
        input_mask_expanded = attention_mask.unsqueeze(-1).expand(token_embeddings.size()).to(token_embeddings.dtype)
        weights = (
            torch.arange(start=1, end=token_embeddings.shape[1] + 1)
            .unsqueeze(0)
            .unsqueeze(-1)
            .expand(token_embeddings.size())
            .to(token_embeddings.dtype)
        )
        input_mask_expanded = input_mask_expanded * weights
        sum_embeddings = torch.sum(token_embeddings * input_mask_expanded, 1)
        sum_mask = input_mask_expanded.sum(1)
        sum_mask = torch.clamp(sum_mask, min=1e-9)
        output_vectors.append(sum_embeddings / sum_mask)
    if cfg["pooling_mode_lasttoken"]:
        bs, seq_len, hidden_dim = token_embeddings.shape
        values, indices = attention_mask.flip(1).max(1)
        indices = torch.where(values == 0, seq_len - 1, indices)
        gather_indices = seq_len - indices - 1
        gather_indices = gather_indices.unsqueeze(-1).repeat(1, hidden_dim)
        gather_indices = gather_indices.unsqueeze(1)
        input_mask_expanded = attention_mask.unsqueeze(-1).expand(token_embeddings.size()).to(token_embeddings.dtype)
        embedding = torch.gather(token_embeddings * input_mask_expanded, 1, gather_indices).squeeze(dim=1)
        output_vectors.append(embedding)

    return torch.cat(output_vectors, 1)


def normalize(x):
    return F.normalize(x, p=2, dim=1)


# ---------------------------------------------------------------- fixture
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
PROMPT = "Represent this sentence for searching relevant passages: "
ENCODE_CASES = [
    # (name, modes, include_prompt, normalize, prompt, batch_size)
    ("mean_normalize", ["mean"], True, True, None, 3),
    ("cls_normalize", ["cls"], True, True, None, 2),
    ("max", ["max"], True, False, None, 3),
    ("mean_sqrt_len", ["mean_sqrt_len_tokens"], True, False, None, 4),
    ("weightedmean", ["weightedmean"], True, False, None, 3),
    ("lasttoken", ["lasttoken"], True, False, None, 3),
    ("all_modes_normalize", [m for m, _ in MODE_KEYS], True, True, None, 3),
    ("mean_prompt_included", ["mean"], True, True, "query: ", 3),
    ("mean_prompt_excluded", ["mean"], False, True, PROMPT, 3),
    ("weightedmean_prompt_excluded", ["weightedmean"], False, False, "query: ", 5),
    ("lasttoken_prompt_excluded", ["lasttoken"], False, False, "query: ", 3),
    ("cls_max_mean_prompt_excluded", ["cls", "max", "mean"], False, True, "query: ", 3),
]


def main():
    vocab_path, out = sys.argv[1], sys.argv[2]
    vocab = load_vocab(vocab_path)
    c = CONFIG
    specs = weight_specs(c)
    w32 = uniform_tensors(SEED, specs)

    # the three files; half precision rounds to nearest even (torch .to)
    files = {}
    halves = {
        "F32": {n: t for n, t in w32.items()},
        "F16": {n: torch.from_numpy(t).to(torch.float16).numpy() for n, t in w32.items()},
        "BF16": {n: torch.from_numpy(t).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16) for n, t in w32.items()},
    }
    upcast = {
        "F32": {n: torch.from_numpy(t).double() for n, t in w32.items()},
        "F16": {n: torch.from_numpy(t).to(torch.float16).double() for n, t in w32.items()},
        "BF16": {n: torch.from_numpy(t).to(torch.bfloat16).double() for n, t in w32.items()},
    }
    for dtype, tensors in halves.items():
        name = {"F32": "model.safetensors", "F16": "model.fp16.safetensors", "BF16": "model.bf16.safetensors"}[dtype]
        files[dtype] = {"file": name, "sha256": write_safetensors(os.path.join(out, name), tensors, dtype)}

    # ---- encoder batch: real tokenisation, right padding, token types 1 on the second half of each text
    batch_texts = [TEXTS[0], TEXTS[3], TEXTS[4], TEXTS[2]]
    ids = [encode(t, vocab, 16)[1] for t in batch_texts]
    L = max(len(r) for r in ids)
    input_ids = torch.tensor([r + [0] * (L - len(r)) for r in ids])
    attention_mask = torch.tensor([[1] * len(r) + [0] * (L - len(r)) for r in ids])
    token_type_ids = torch.tensor([[1 if len(r) // 2 <= j < len(r) else 0 for j in range(L)] for r in ids])
    with torch.no_grad():
        encoder = {}
        for dtype in ("F32", "F16", "BF16"):
            hidden, pooled = bert_forward(upcast[dtype], c, input_ids, attention_mask, token_type_ids, c["layer_norm_eps"])
            entry = {"pooler_output": rounded(pooled, 7), "cls": rounded(hidden[:, 0], 7)}
            if dtype == "F32":
                entry["last_hidden_state"] = rounded(hidden)
            encoder[dtype] = entry
        hidden_default_eps, _ = bert_forward(upcast["F32"], c, input_ids, attention_mask, token_type_ids, HF_DEFAULT_EPS)
        hidden_zero_types, _ = bert_forward(upcast["F32"], c, input_ids, attention_mask, torch.zeros_like(token_type_ids), c["layer_norm_eps"])
        hidden_tanh, pooled_tanh = bert_forward(upcast["F32"], c, input_ids, attention_mask, token_type_ids, c["layer_norm_eps"], act="tanh")
        # hidden_act "gelu_new" / "gelu_pytorch_tanh": the tanh approximation
        encoder["F32_gelu_new"] = {"pooler_output": rounded(pooled_tanh, 7), "cls": rounded(hidden_tanh[:, 0], 7)}
        hidden_f32 = torch.tensor(encoder["F32"]["last_hidden_state"], dtype=torch.float64)
        real = attention_mask.bool()
        sensitivity = {
            "layer_norm_eps_1e-12_vs_1e-7": float((hidden_default_eps - hidden_f32)[real].abs().max()),
            "token_types_zero": float((hidden_zero_types - hidden_f32)[real].abs().max()),
            "gelu_tanh": float((hidden_tanh - hidden_f32)[real].abs().max()),
        }

        # ---- pooling on the float32-rounded reference hidden states; row 3 all padding
        tokens32 = hidden_f32.float().double()
        pool_mask = attention_mask.clone()
        pool_mask[3] = 0
        pooling = []
        for modes, include_prompt in [([m], True) for m, _ in MODE_KEYS] + [([m], False) for m, _ in MODE_KEYS] + [
            ([m for m, _ in MODE_KEYS], True),
            ([m for m, _ in MODE_KEYS], False),
            (["cls", "max", "mean"], False),
            (["cls", "mean", "lasttoken"], False),
        ]:
            cfg = pooling_config(c["hidden_size"], modes, include_prompt)
            features = {"token_embeddings": tokens32.clone(), "attention_mask": pool_mask.clone(), "prompt_length": 3}
            pooled = pooling_forward(cfg, features)
            pooling.append({"config": cfg, "prompt_length": 3, "output": rounded(pooled, 7)})

        # ---- SentenceTransformer.encode, text by text (padding does not change real tokens' outputs)
        def embed(weights, text, cfg, norm, prompt, max_len, eps):
            features_extra = {}
            if prompt:
                text = prompt + text
                features_extra["prompt_length"] = len(encode(prompt, vocab, max_len)[1]) - 1
            tok = encode(text, vocab, max_len)[1]
            ids_t = torch.tensor([tok])
            hidden, _ = bert_forward(weights, c, ids_t, torch.ones_like(ids_t), torch.zeros_like(ids_t), eps)
            out = pooling_forward(cfg, {"token_embeddings": hidden, "attention_mask": torch.ones_like(ids_t), **features_extra})
            return (normalize(out) if norm else out)[0]

        encode_cases = []
        for name, modes, include_prompt, norm, prompt, batch_size in ENCODE_CASES:
            cfg = pooling_config(c["hidden_size"], modes, include_prompt)
            embs = torch.stack([embed(upcast["F32"], t, cfg, norm, prompt, MAX_SEQ_LENGTH, c["layer_norm_eps"]) for t in TEXTS])
            encode_cases.append({"name": name, "pooling": cfg, "normalize": norm, "prompt": prompt, "batch_size": batch_size, "embeddings": rounded(embs, 7)})
        mean_cfg = pooling_config(c["hidden_size"], ["mean"], True)
        by_dtype = {
            d: rounded(torch.stack([embed(upcast[d], t, mean_cfg, True, None, MAX_SEQ_LENGTH, c["layer_norm_eps"]) for t in TEXTS]), 7)
            for d in ("F16", "BF16")
        }
        # max_seq_length precedence for the longest text: sentence_bert_config (24); without it
        # min(max_position_embeddings 40, tokenizer model_max_length); an explicit 12
        long_text = TEXTS[3]
        max_seq = {str(n): rounded(embed(upcast["F32"], long_text, mean_cfg, True, None, n, c["layer_norm_eps"]), 7) for n in (12, 24, 40)}
        # a config.json without layer_norm_eps: transformers' BertConfig default 1e-12
        default_eps = rounded(torch.stack([embed(upcast["F32"], t, mean_cfg, True, None, MAX_SEQ_LENGTH, HF_DEFAULT_EPS) for t in TEXTS]), 7)

    fixture = {
        "generator": "test/reference/bert_reference.py",
        "config": c,
        "max_seq_length": MAX_SEQ_LENGTH,
        "seed": SEED,
        "weights": [{"name": n, "shape": s, "scale": sc, "offset": off} for n, s, sc, off in specs],
        "files": files,
        "encoder_batch": {
            "input_ids": input_ids.tolist(),
            "attention_mask": attention_mask.tolist(),
            "token_type_ids": token_type_ids.tolist(),
            "outputs": encoder,
            "sensitivity": sensitivity,
        },
        "pooling": {"attention_mask": pool_mask.tolist(), "cases": pooling},
        "texts": TEXTS,
        "token_ids": [encode(t, vocab, MAX_SEQ_LENGTH)[1] for t in TEXTS],
        "encode_cases": encode_cases,
        "encode_mean_by_dtype": by_dtype,
        "long_text_by_max_seq_length": max_seq,
        "encode_mean_default_eps": default_eps,
    }
    write_json(os.path.join(out, "bert-unseen.json"), fixture)


if __name__ == "__main__":
    main()
