"""Builds test/fixtures/tokenizers/xlm-roberta/ (tokenizer.json,
tokenizer_config.json): an XLM-RoBERTa-layout tokenizer small enough to
commit — the pipeline of multilingual-e5 / bge-m3 (Sequence[Precompiled,
Replace(" {2,}" → " ")], Metaspace "▁" prepended always and split, Unigram with
<s> <pad> </s> <unk> first and <mask> last, `<s> $A </s>`) with

* a Unigram vocabulary drawn (seeded) from the texts of tokenizers_reference.py:
  every printable ASCII character and every character of the normalised
  texts except the last text's emoji and ideographs (so unknown runs occur),
  whole words and random substrings, random scores favouring longer pieces;
* the real SentencePiece nmt_nfkc charsmap reduced to the entries the texts
  reach (every key that prefixes a grapheme or character of a text), rebuilt as
  a darts-clone double array — the lookups of the texts give what the full
  charsmap gives.

Run once, by hand, with the full charsmap (the `precompiled_charsmap` of any
XLM-RoBERTa tokenizer.json, decoded, or spm_precompiled's src/nmt_nfkc.bin):

    python3 xlmr_tokenizer_fixture.py <nmt_nfkc.bin> <output folder>
"""
import base64
import json
import os
import random
import sys

from sentencepiece_tokenizer import Precompiled, SentencePieceTokenizer, build_charsmap, graphemes
from tokenizers_reference import TEXTS

SEED = 20261130
SPACE = "\u2581"


def main():
    charsmap_path, out = sys.argv[1], sys.argv[2]
    full = Precompiled(open(charsmap_path, "rb").read())
    entries = dict(full.entries())
    reached = set()
    for text in TEXTS:
        text = text.strip()
        for g in graphemes(text):
            chunks = ([g] if len(g.encode("utf-8")) < 6 else []) + list(g)
            for chunk in chunks:
                data = chunk.encode("utf-8")
                reached.update(data[:i] for i in range(1, len(data) + 1) if data[:i] in entries)
    charsmap = build_charsmap(sorted((k, entries[k]) for k in reached))
    small = Precompiled(charsmap)
    for text in TEXTS:
        assert small.normalize(text.strip()) == full.normalize(text.strip()), text

    normalizer = {
        "type": "Sequence",
        "normalizers": [
            {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(charsmap).decode()},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
        ],
    }
    probe = SentencePieceTokenizer({"normalizer": normalizer, "pre_tokenizer": {"type": "Metaspace", "replacement": SPACE, "prepend_scheme": "always", "split": True},
                                    "model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]]}})
    rng = random.Random(SEED)
    words = []
    for i, text in enumerate(TEXTS):
        for part in text.strip().replace("<mask>", " ").replace("</s>", " ").replace("<s>", " ").split(" "):
            words += probe.pre_tokenize(probe.normalize(part))
    excluded = set(probe.normalize(TEXTS[-1])) - set(probe.normalize(" ".join(TEXTS[:-1]))) - set(chr(c) for c in range(32, 127))
    chars = sorted({c for w in words for c in w if c not in excluded} | {chr(c) for c in range(33, 127)} | {SPACE})
    pieces = {}
    for c in chars:
        pieces[c] = -rng.uniform(8.0, 11.0)
    for w in sorted(set(words)):
        if any(c in excluded for c in w):
            continue
        if len(w) <= 12 and rng.random() < 0.5:
            pieces.setdefault(w, -rng.uniform(4.0, 9.0) + 0.3 * len(w))
        for _ in range(4):
            if len(w) < 3:
                break
            start = rng.randrange(0, len(w) - 1)
            sub = w[start : start + rng.randint(2, 4)]
            pieces.setdefault(sub, -rng.uniform(5.0, 10.0) + 0.4 * len(sub))
    vocab = [["<s>", 0.0], ["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0]]
    vocab += [[p, round(s, 4)] for p, s in sorted(pieces.items(), key=lambda kv: -kv[1])]
    vocab.append(["<mask>", 0.0])
    mask_id = len(vocab) - 1

    def added(i, content, lstrip=False):
        return {"id": i, "content": content, "single_word": False, "lstrip": lstrip, "rstrip": False, "normalized": False, "special": True}

    special = lambda t: {"SpecialToken": {"id": t, "type_id": 0}}
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(0, "<s>"), added(1, "<pad>"), added(2, "</s>"), added(3, "<unk>"), added(mask_id, "<mask>", lstrip=True)],
        "normalizer": normalizer,
        "pre_tokenizer": {"type": "Metaspace", "replacement": SPACE, "prepend_scheme": "always", "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special("<s>"), {"Sequence": {"id": "A", "type_id": 0}}, special("</s>")],
            "pair": [special("<s>"), {"Sequence": {"id": "A", "type_id": 0}}, special("</s>"), special("</s>"), {"Sequence": {"id": "B", "type_id": 0}}, special("</s>")],
            "special_tokens": {
                "<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]},
                "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]},
            },
        },
        "decoder": {"type": "Metaspace", "replacement": SPACE, "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": 3, "vocab": vocab, "byte_fallback": False},
    }
    config = {
        "bos_token": "<s>", "cls_token": "<s>", "eos_token": "</s>", "mask_token": "<mask>", "pad_token": "<pad>",
        "sep_token": "</s>", "unk_token": "<unk>", "model_max_length": 512, "tokenizer_class": "XLMRobertaTokenizer",
    }
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer, f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open(os.path.join(out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    print(f"{len(vocab)} pieces, {len(reached)} charsmap entries ({len(charsmap)} bytes), excluded {sorted(excluded)}")


if __name__ == "__main__":
    main()
