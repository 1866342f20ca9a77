"""Writes test/fixtures/distill-golden-bert.json: model2vec's distillation recipe
(MinishLab/model2vec model2vec/distill/distillation.py and inference.py: each
vocabulary token through the model, pooled; PCA; Zipf/SIF weights), computed
independently in float64 numpy on the golden BERT
(../shared/golden/bert_forward, 2 layers, hidden 64, bert-base-uncased vocab).

* vocabulary: vocab.txt in id order without the tokens the case's
  `token_remove_pattern` matches (`re.match`; model2vec's default is `\\[unused\\d+\\]`), then the extra words not already in it (lower-cased by the
  tokenizer's normaliser); a vocabulary token is fed as [CLS] token [SEP], an
  extra word as [CLS] its WordPiece pieces [SEP] (bert_tokenizer.py);
* forward: BertModel as huggingface/transformers modeling_bert.py computes it
  (embeddings + LayerNorm, self-attention, exact-erf GELU, post-LN), written
  here from the config and the F32 weights; sequences of one length run together,
  so there is no padding;
* pooling: mean over all positions (model2vec's default) or the first position;
* PCA: centre on the column means, SVD of the centred rows, the first k right
  singular vectors with the sign that makes each one's largest-magnitude entry
  positive (scikit-learn >= 1.5 `svd_flip(u_based_decision=False)`), project;
* weights: inv_rank = 1 / arange(2, n + 2); p = inv_rank / sum; SIF a / (a + p);
  or log(1 + arange(n)) (model2vec's first recipe).

The fixture keeps every 37th row, the extra words' rows and the first rows of
each case (9 significant digits), plus per-column sums of |value| over all rows.

Usage: python3 distill_reference.py <golden bert folder> <output folder>
"""
import json
import math
import os
import re
import struct
import sys
import unicodedata

import numpy as np

from bert_tokenizer import encode, load_vocab
from common import rounded, write_json

EXTRA_WORDS = ["Amortisation", "Bancassurance", "AGENTIC", "absolutely", "Bürgerschaft", "EBITDA"]
# model2vec's default removes only [unusedN]; these cases keep ~2,000 tokens (the special
# tokens, words of 7+ letters starting with a or b, continuations of 6+ letters) so the
# TypeScript side runs them in seconds
SUBSET = r"\[unused\d+\]|(?!\[UNK\]$|\[CLS\]$|\[SEP\]$|\[PAD\]$|\[MASK\]$|[a-b][a-z]{6,}$|##[a-z]{6,}$)"
CASES = [
    {"name": "pca32_sif", "pcaDims": 32, "zipf": "sif", "sifCoefficient": 1e-4, "pooling": "mean", "vocabulary": EXTRA_WORDS, "tokenRemovePattern": SUBSET},
    {"name": "nopca_log_first", "pcaDims": None, "zipf": "log", "pooling": "first", "vocabulary": [], "tokenRemovePattern": SUBSET},
]


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info["dtype"]
        start, end = info["data_offsets"]
        out[name] = np.frombuffer(blob[base + start : base + end], dtype="<f4").astype(np.float64).reshape(info["shape"])
    return out


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def erf(x):
    try:  # vectorised; math.erf element by element gives the same float64 values, slowly
        import torch

        return torch.erf(torch.from_numpy(x)).numpy()
    except ImportError:
        return np.vectorize(math.erf)(x)


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def bert_last_hidden(weights, config, ids):
    """ids: [batch, length] without padding -> [batch, length, hidden] float64."""
    b, length = ids.shape
    h = config["hidden_size"]
    heads = config["num_attention_heads"]
    dh = h // heads
    eps = config["layer_norm_eps"]
    w = lambda name: weights[name]
    x = w("embeddings.word_embeddings.weight")[ids] + w("embeddings.position_embeddings.weight")[np.arange(length)][None] + w("embeddings.token_type_embeddings.weight")[0][None, None]
    x = layer_norm(x, w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"), eps)
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        lin = lambda t, name: t @ w(p + name + ".weight").T + w(p + name + ".bias")
        split = lambda t: t.reshape(b, length, heads, dh).transpose(0, 2, 1, 3)
        q, k, v = (split(lin(x, f"attention.self.{n}")) for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(dh)
        scores = scores - scores.max(-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(b, length, h)
        x = layer_norm(lin(context, "attention.output.dense") + x, w(p + "attention.output.LayerNorm.weight"), w(p + "attention.output.LayerNorm.bias"), eps)
        inner = gelu(lin(x, "intermediate.dense"))
        x = layer_norm(lin(inner, "output.dense") + x, w(p + "output.LayerNorm.weight"), w(p + "output.LayerNorm.bias"), eps)
    return x


def distill(weights, config, vocab, case):
    unused = re.compile(case["tokenRemovePattern"])
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1]) if not unused.match(t)]
    sequences = [[vocab["[CLS]"], vocab[t], vocab["[SEP]"]] for t in tokens]
    seen = set(tokens)
    for word in case["vocabulary"]:
        pieces, ids = encode(word, vocab)
        # the tokenizer's normaliser lower-cases and strips accents
        normalized = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if unicodedata.category(c) != "Mn")
        if normalized in seen or unused.match(normalized):
            continue
        seen.add(normalized)
        tokens.append(normalized)
        sequences.append(ids)
    pooled = np.zeros((len(tokens), config["hidden_size"]))
    by_length = {}
    for i, s in enumerate(sequences):
        by_length.setdefault(len(s), []).append(i)
    for length, rows in by_length.items():
        for start in range(0, len(rows), 2048):
            chunk = rows[start : start + 2048]
            hidden = bert_last_hidden(weights, config, np.array([sequences[i] for i in chunk]))
            pooled[chunk] = hidden.mean(1) if case["pooling"] == "mean" else hidden[:, 0]
    n, width = pooled.shape
    x = pooled
    if case["pcaDims"] is not None:
        k = min(case["pcaDims"], width)
        if k < n:
            centred = x - x.mean(0)
            _, _, vt = np.linalg.svd(centred, full_matrices=False)
            vt = vt[:k]
            signs = np.sign(vt[np.arange(k), np.abs(vt).argmax(1)])
            x = centred @ (vt * signs[:, None]).T
    if case["zipf"] == "sif":
        inv_rank = 1.0 / np.arange(2, n + 2)
        proba = inv_rank / np.sum(inv_rank)
        weight = case["sifCoefficient"] / (case["sifCoefficient"] + proba)
    elif case["zipf"] == "log":
        weight = np.log(1 + np.arange(n))
    else:
        weight = np.ones(n)
    return tokens, x * weight[:, None]


def main():
    golden, out = sys.argv[1], sys.argv[2]
    config = json.load(open(os.path.join(golden, "config.json")))
    weights = read_safetensors(os.path.join(golden, "model.safetensors"))
    vocab = load_vocab(os.path.join(golden, "vocab.txt"))
    cases = []
    for case in CASES:
        tokens, table = distill(weights, config, vocab, case)
        n = len(tokens)
        first_extra = n - sum(1 for t in tokens if t not in vocab)
        rows = sorted(set(range(0, n, 37)) | set(range(8)) | set(range(first_extra, n)))
        cases.append(
            {
                **case,
                "rows": n,
                "dim": int(table.shape[1]),
                "sample_rows": rows,
                "sample_tokens": [tokens[i] for i in rows],
                "sample_values": rounded(table[rows]),
                "column_abs_sums": rounded(np.abs(table).sum(0), 12),
            }
        )
    write_json(os.path.join(out, "distill-golden-bert.json"), {"model": "golden/bert_forward", "cases": cases})


if __name__ == "__main__":
    main()
