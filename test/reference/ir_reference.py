"""Writes test/fixtures/ir-unseen.json: InformationRetrievalEvaluator metrics for
random retrieval cases, from a line-by-line port of sentence-transformers'
``InformationRetrievalEvaluator`` (``__init__`` query filtering, ``compute_metrices``
retrieval, ``compute_metrics``, ``compute_dcg_at_k``) at
UKPLab/sentence-transformers@85ec64559f4414aa536eca4bf53538291e0a333f.
Scores are ``util.cos_sim`` in float32 (F.normalize, then mm) on embeddings sliced
to ``truncate_dim``. Ties are ordered by corpus id ascending (string order), the
rule embedlab documents: the hits are put in that order before upstream's stable
``sorted(..., key=score, reverse=True)``.

Usage: python3 ir_reference.py <output folder>
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from common import rounded, write_json

DEFAULT_K = {"accuracy_at_k": [1, 3, 5, 10], "precision_recall_at_k": [1, 3, 5, 10], "mrr_at_k": [10], "ndcg_at_k": [10], "map_at_k": [100]}


def compute_dcg_at_k(relevances, k):
    dcg = 0
    for i in range(min(len(relevances), k)):
        dcg += relevances[i] / np.log2(i + 2)
    return dcg


def compute_metrics(queries_ids, queries_result_list, relevant_docs, ks):
    accuracy_at_k, precision_recall_at_k = ks["accuracy_at_k"], ks["precision_recall_at_k"]
    mrr_at_k, ndcg_at_k, map_at_k = ks["mrr_at_k"], ks["ndcg_at_k"], ks["map_at_k"]
    num_hits_at_k = {k: 0 for k in accuracy_at_k}
    precisions_at_k = {k: [] for k in precision_recall_at_k}
    recall_at_k = {k: [] for k in precision_recall_at_k}
    MRR = {k: 0 for k in mrr_at_k}
    ndcg = {k: [] for k in ndcg_at_k}
    AveP_at_k = {k: [] for k in map_at_k}
    for query_itr in range(len(queries_result_list)):
        query_id = queries_ids[query_itr]
        top_hits = sorted(queries_result_list[query_itr], key=lambda x: x["score"], reverse=True)
        query_relevant_docs = relevant_docs[query_id]
        for k_val in accuracy_at_k:
            for hit in top_hits[0:k_val]:
                if hit["corpus_id"] in query_relevant_docs:
                    num_hits_at_k[k_val] += 1
                    break
        for k_val in precision_recall_at_k:
            num_correct = 0
            for hit in top_hits[0:k_val]:
                if hit["corpus_id"] in query_relevant_docs:
                    num_correct += 1
            precisions_at_k[k_val].append(num_correct / k_val)
            recall_at_k[k_val].append(num_correct / len(query_relevant_docs))
        for k_val in mrr_at_k:
            for rank, hit in enumerate(top_hits[0:k_val]):
                if hit["corpus_id"] in query_relevant_docs:
                    MRR[k_val] += 1.0 / (rank + 1)
                    break
        for k_val in ndcg_at_k:
            predicted_relevance = [1 if top_hit["corpus_id"] in query_relevant_docs else 0 for top_hit in top_hits[0:k_val]]
            true_relevances = [1] * len(query_relevant_docs)
            ndcg_value = compute_dcg_at_k(predicted_relevance, k_val) / compute_dcg_at_k(true_relevances, k_val)
            ndcg[k_val].append(ndcg_value)
        for k_val in map_at_k:
            num_correct = 0
            sum_precisions = 0
            for rank, hit in enumerate(top_hits[0:k_val]):
                if hit["corpus_id"] in query_relevant_docs:
                    num_correct += 1
                    sum_precisions += num_correct / (rank + 1)
            avg_precision = sum_precisions / min(k_val, len(query_relevant_docs))
            AveP_at_k[k_val].append(avg_precision)
    for k in num_hits_at_k:
        num_hits_at_k[k] /= len(queries_ids)
    for k in precisions_at_k:
        precisions_at_k[k] = np.mean(precisions_at_k[k])
    for k in recall_at_k:
        recall_at_k[k] = np.mean(recall_at_k[k])
    for k in ndcg:
        ndcg[k] = np.mean(ndcg[k])
    for k in MRR:
        MRR[k] /= len(queries_ids)
    for k in AveP_at_k:
        AveP_at_k[k] = np.mean(AveP_at_k[k])
    return {"accuracy@k": num_hits_at_k, "precision@k": precisions_at_k, "recall@k": recall_at_k, "ndcg@k": ndcg, "mrr@k": MRR, "map@k": AveP_at_k}


def evaluate(queries, corpus_ids, q_emb, c_emb, relevant_docs, ks, truncate_dim, name, similarity="cosine"):
    """Returns (metrics dict with upstream keys, ranked ids per evaluated query, smallest score gap)."""
    queries_ids = [qid for qid in queries if qid in relevant_docs and len(relevant_docs[qid]) > 0]
    rows = [queries.index(qid) for qid in queries_ids]
    max_k = max(max(ks["mrr_at_k"]), max(ks["ndcg_at_k"]), max(ks["accuracy_at_k"]), max(ks["precision_recall_at_k"]), max(ks["map_at_k"]))
    q = torch.from_numpy(q_emb[rows])[..., :truncate_dim]
    c = torch.from_numpy(c_emb)[..., :truncate_dim]
    if similarity == "cosine":
        scores = torch.mm(F.normalize(q, p=2, dim=1), F.normalize(c, p=2, dim=1).transpose(0, 1))  # util.cos_sim, float32
    else:
        scores = torch.mm(q, c.transpose(0, 1))  # util.dot_score, float32
    by_id = sorted(range(len(corpus_ids)), key=lambda i: corpus_ids[i])
    results, ranked, gap, tied = [], [], np.inf, 0
    for qi in range(len(queries_ids)):
        hits = [{"corpus_id": corpus_ids[i], "score": float(scores[qi, i])} for i in by_id]
        top = sorted(hits, key=lambda x: x["score"], reverse=True)[:max_k]
        results.append(top)
        ranked.append([h["corpus_id"] for h in top[:10]])
        tied += sum(a["score"] == b["score"] for a, b in zip(top, top[1:]))
        # smallest gap between different scores down to the cut-off (exact ties are handled by the tie rule)
        s = sorted({h["score"] for h in hits}, reverse=True)[: max_k + 1]
        gap = min([gap] + [a - b for a, b in zip(s, s[1:])])
    scores_out = compute_metrics(queries_ids, results, relevant_docs, ks)
    # SentenceEvaluator prefixing: f"{name}_{score_function}_{metric}@{k}" in the order of
    # accuracy, precision, recall, ndcg, mrr, map
    prefix = (f"{name}_" if name else "") + similarity
    metrics = {}
    for family in ("accuracy@k", "precision@k", "recall@k", "ndcg@k", "mrr@k", "map@k"):
        for k, v in scores_out[family].items():
            metrics[f"{prefix}_{family.replace('@k', '')}@{k}"] = float(v)
    return metrics, queries_ids, ranked, float(gap), tied


def make_case(seed, n_docs, n_queries, dim, tie_groups, odd_ids):
    rng = np.random.default_rng(seed)
    ids = [f"d{i}" for i in range(n_docs)]
    # ids whose string order differs from numeric and insertion order, non-ASCII and astral ones
    for i, special in enumerate(odd_ids):
        ids[i * 7 % n_docs] = special
    order = rng.permutation(n_docs)
    corpus_ids = [ids[i] for i in order]
    c_emb = rng.standard_normal((n_docs, dim)).astype(np.float32)
    # bit-identical vectors: exact score ties
    groups = []
    for size in tie_groups:
        members = rng.choice(n_docs, size, replace=False)
        c_emb[members[1:]] = c_emb[members[0]]
        groups.append(members)
    queries, q_rows, relevant = [], [], {}
    for qi in range(n_queries):
        qid = f"q{qi}"
        queries.append(qid)
        kind = qi % 6
        n_rel = int(rng.integers(1, 5))
        rel_rows = rng.choice(n_docs, n_rel, replace=False)
        if kind == 0:  # one member of a tie group is relevant: the whole group ties near the top
            group = groups[(qi // 6) % len(groups)]
            rel_rows = group[int(rng.integers(len(group))) :][:1]
        rel = {corpus_ids[r] for r in rel_rows}
        base = c_emb[rel_rows].mean(0)
        noise = rng.uniform(0.2, 1.5)
        q_rows.append(base + noise * rng.standard_normal(dim))
        if kind == 4:
            rel.add(f"missing-{qi}")  # never retrievable, still counts in |R|
        if kind == 5 and qi % 12 == 5:
            relevant[qid] = set()  # present but empty: dropped
            continue
        if kind == 5:
            continue  # no qrels at all: dropped
        relevant[qid] = rel
    return queries, corpus_ids, np.array(q_rows, dtype=np.float32), c_emb, relevant


CASES = [
    # name, seed, docs, queries, dim, tie groups, k lists, dims (None = full width, no prefix)
    ("custom_k", 11, 60, 30, 24, [4, 3, 2], {"accuracy_at_k": [1, 2, 7], "precision_recall_at_k": [50, 1, 4], "mrr_at_k": [3, 20], "ndcg_at_k": [3, 20], "map_at_k": [5, 200]}, [24, 10, 3]),
    ("defaults", 12, 60, 24, 16, [5, 2], DEFAULT_K, [16, 6]),
    ("tiny_corpus", 13, 7, 9, 8, [3], DEFAULT_K, None),
    ("dot_product", 14, 50, 18, 12, [3, 2], {"accuracy_at_k": [1, 5], "precision_recall_at_k": [3], "mrr_at_k": [10], "ndcg_at_k": [10], "map_at_k": [20]}, [12, 4]),
]
ODD_IDS = ["10", "9", "B", "a", "\u00e9t\u00e9", "\uff5e", "\U0001d518", "d1 ", "D1"]


def main():
    out = sys.argv[1]
    cases = []
    for name, seed, n_docs, n_queries, dim, ties, ks, dims in CASES:
        # redraw until every score gap down to the cut-off is far above float32 rounding differences
        for attempt in range(200):
            queries, corpus_ids, q_emb, c_emb, relevant = make_case(seed * 1000 + attempt, n_docs, n_queries, dim, ties, ODD_IDS[: max(1, n_docs // 7)])
            similarity = "dot" if name.startswith("dot") else "cosine"
            runs = [evaluate(queries, corpus_ids, q_emb, c_emb, relevant, ks, d, f"dim_{d}" if dims else None, similarity) for d in (dims or [dim])]
            if min(r[3] for r in runs) > 2e-6:
                break
        else:
            raise RuntimeError(f"{name}: no draw with clear score gaps")
        cases.append({
            "name": name,
            "query_ids": queries,
            "corpus_ids": corpus_ids,
            "query_embeddings": rounded(q_emb),
            "corpus_embeddings": rounded(c_emb),
            "relevant_docs": {q: sorted(r) for q, r in relevant.items()},
            "k": {k: v for k, v in ks.items()},
            "dims": dims,
            "similarity": similarity,
            "runs": [{"dim": d, "metrics": m, "evaluated_query_ids": qids, "top10": rk, "smallest_score_gap": g, "tied_adjacent_hits": t}
                     for d, (m, qids, rk, g, t) in zip(dims or [dim], runs)],
        })
    write_json(os.path.join(out, "ir-unseen.json"), {"generator": "test/reference/ir_reference.py", "cases": cases})


if __name__ == "__main__":
    main()
