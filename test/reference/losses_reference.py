"""Writes test/fixtures/losses-unseen.json: loss values and input gradients (torch
autograd, float64) for MultipleNegativesRankingLoss, MatryoshkaLoss, CoSENTLoss and
CachedMultipleNegativesRankingLoss on batch sizes, widths, scales and column counts
the golden files do not use. The loss code follows, line by line,
sentence_transformers/losses/{MultipleNegativesRankingLoss,MatryoshkaLoss,CoSENTLoss,
CachedMultipleNegativesRankingLoss}.py and util/similarity.py at
UKPLab/sentence-transformers@85ec64559f4414aa536eca4bf53538291e0a333f
(MatryoshkaLoss: dims sorted largest first with their weights; the cached output
dict is shrunk in place per dim, so smaller dims re-normalise the previous prefix;
the cached losses go through CachedLossDecorator and calculate_loss's mini-batches).

Usage: python3 losses_reference.py <output folder>
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from common import rounded, write_json


def cos_sim(a, b):
    return torch.mm(F.normalize(a, p=2, dim=1), F.normalize(b, p=2, dim=1).transpose(0, 1))


def pairwise_cos_sim(a, b):
    return (F.normalize(a, p=2, dim=1) * F.normalize(b, p=2, dim=1)).sum(dim=-1)


def mnrl(embeddings, labels, scale):
    anchors = embeddings[0]
    candidates = torch.cat(embeddings[1:], dim=0)
    range_labels = torch.arange(0, anchors.size(0))
    scores = cos_sim(anchors, candidates) * scale
    return F.cross_entropy(scores, range_labels)


def cached_mnrl(embeddings, labels, scale, mini_batch_size):
    """calculate_loss: mini-batches of anchors against all candidates, each scaled by its share."""
    anchors = embeddings[0]
    candidates = torch.cat(embeddings[1:], dim=0)
    batch_size = len(anchors)
    range_labels = torch.arange(0, batch_size)
    losses = []
    for b in range(0, batch_size, mini_batch_size):
        e = b + mini_batch_size
        scores = cos_sim(anchors[b:e], candidates) * scale
        losses.append(F.cross_entropy(scores, range_labels[b:e]) * len(scores) / batch_size)
    return sum(losses)


def cosent(embeddings, labels, scale):
    scores = pairwise_cos_sim(embeddings[0], embeddings[1])
    scores = scores * scale
    scores = scores[:, None] - scores[None, :]
    labels = labels[:, None] < labels[None, :]
    labels = labels.to(scores.dtype)
    scores = scores - (1 - labels) * 1e12
    scores = torch.cat((torch.zeros(1, dtype=scores.dtype), scores.view(-1)), dim=0)
    return torch.logsumexp(scores, dim=0)


def shrink(tensor, dim):
    return F.normalize(tensor[..., :dim], p=2, dim=-1)


def matryoshka(inner, dims, weights, cached=False):
    """MatryoshkaLoss.forward with n_dims_per_step = -1 (every dim)."""
    weights = weights or [1] * len(dims)
    pairs = sorted(zip(dims, weights), key=lambda x: x[0], reverse=True)

    def loss(embeddings, labels):
        total = 0.0
        if cached:  # CachedLossDecorator: shrink the full embeddings per dim
            for dim, weight in pairs:
                total += weight * inner([shrink(e, dim) for e in embeddings], labels)
            return total
        cache = [e for e in embeddings]  # ForwardDecorator: the cached outputs, shrunk in place dim after dim
        for dim, weight in pairs:
            cache = [shrink(e, dim) for e in cache]
            total += weight * inner(cache, labels)
        return total

    return loss


def inputs(seed, batch, dim, columns):
    rng = np.random.default_rng(seed)
    anchor = rng.standard_normal((batch, dim))
    out = {"anchor": anchor, "positive": 0.4 * anchor + rng.standard_normal((batch, dim))}
    for n in range(1, columns - 1):
        out[f"negative_{n}"] = 0.25 * out["positive"] + rng.standard_normal((batch, dim))
    return {k: v.astype(np.float32) for k, v in out.items()}


CASES = [
    # name, loss description (for the TypeScript side), builder, input seed, batch, dim, columns, labels
    ("mnrl_3_negatives", {"loss": "mnrl", "scale": 7.5}, lambda: lambda e, l: mnrl(e, l, 7.5), 1, 5, 20, 5, None),
    ("mnrl_pairs_b9_d33", {"loss": "mnrl", "scale": 20}, lambda: lambda e, l: mnrl(e, l, 20), 2, 9, 33, 2, None),
    (
        "matryoshka_unsorted_weighted_3_negatives",
        {"loss": "matryoshka", "inner": {"loss": "mnrl", "scale": 20}, "dims": [5, 20, 3, 12], "weights": [2, 1, 0.5, 0.3]},
        lambda: matryoshka(lambda e, l: mnrl(e, l, 20), [5, 20, 3, 12], [2, 1, 0.5, 0.3]),
        1, 5, 20, 5, None,
    ),
    (
        "matryoshka_default_weights",
        {"loss": "matryoshka", "inner": {"loss": "mnrl", "scale": 20}, "dims": [33, 17, 8]},
        lambda: matryoshka(lambda e, l: mnrl(e, l, 20), [33, 17, 8], None),
        2, 9, 33, 2, None,
    ),
    ("cosent_b7_scale13", {"loss": "cosent", "scale": 13}, lambda: lambda e, l: cosent(e, l, 13), 3, 7, 16, 2, [0.0, 5.0, 2.5, 2.5, 4.0, 1.0, 5.0]),
    (
        "matryoshka_cosent",
        {"loss": "matryoshka", "inner": {"loss": "cosent", "scale": 20}, "dims": [16, 4], "weights": [1, 0.25]},
        lambda: matryoshka(lambda e, l: cosent(e, l, 20), [16, 4], [1, 0.25]),
        3, 7, 16, 2, [0.0, 5.0, 2.5, 2.5, 4.0, 1.0, 5.0],
    ),
    (
        "cached_mnrl_mini_batch_2",
        {"loss": "cached_mnrl", "scale": 20, "mini_batch_size": 2},
        lambda: lambda e, l: cached_mnrl(e, l, 20, 2),
        1, 5, 20, 5, None,
    ),
    (
        "matryoshka_cached_mnrl",
        {"loss": "matryoshka", "inner": {"loss": "cached_mnrl", "scale": 20, "mini_batch_size": 4}, "dims": [20, 6], "weights": [1, 0.5]},
        lambda: matryoshka(lambda e, l: cached_mnrl(e, l, 20, 4), [20, 6], [1, 0.5], cached=True),
        2, 9, 20, 3, None,
    ),
]


def main():
    out = sys.argv[1]
    cases, input_sets = [], {}
    for name, spec, build, seed, batch, dim, columns, labels in CASES:
        data = inputs(seed, batch, dim, columns)
        key = f"seed{seed}_b{batch}_d{dim}_c{columns}"
        input_sets[key] = {"columns": list(data.keys()), "values": [rounded(v) for v in data.values()]}
        leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in data.values()]
        label_tensor = torch.tensor(np.array(labels, dtype=np.float32), dtype=torch.float64) if labels else None
        loss = build()(leaves, label_tensor)
        loss.backward()
        reference = {"value": float(loss), "grads": [rounded(leaf.grad, 7) for leaf in leaves]}
        if spec["loss"] == "cached_mnrl":
            plain = [torch.tensor(v, dtype=torch.float64) for v in data.values()]
            reference["mnrl_value"] = float(mnrl(plain, None, spec["scale"]))
        cases.append({
            "name": name,
            "spec": spec,
            "inputs": key,
            "labels": labels,
            **reference,
        })
    write_json(os.path.join(out, "losses-unseen.json"), {"generator": "test/reference/losses_reference.py", "inputs": input_sets, "cases": cases})


if __name__ == "__main__":
    main()
