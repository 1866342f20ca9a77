"""Writes the ModernBERT-style test tokenizer (tokenizer.json, tokenizer_config.json,
special_tokens_map.json) and test/fixtures/bpe-cases.json: the token ids that
bpe_tokenizer.py (an independent byte-level BPE over the same tokenizer.json)
gives 25 varied texts.

The tokenizer has the layout of answerdotai/ModernBERT-base's (the GPT-NeoX /
OLMo tokenizer): NFC normalizer, ByteLevel pre-tokenizer, BPE without
byte fallback, `<|endoftext|>` / `<|padding|>` at ids 0 / 1, non-special added
tokens for runs of spaces and a PII placeholder (matched after normalization),
[UNK] [CLS] [SEP] [PAD] [MASK] last ([MASK] with lstrip), and the
`[CLS] $A [SEP]` template. Its 400 merges are learned here from the first
300 records of datasets/fictional-10k-qa/pairs.jsonl plus a few lines of
other scripts, so the vocabulary is small (≈ 680 ids).

Usage: python3 bpe_cases.py <repo root> <output folder>
"""
import json
import os
import sys

from bpe_tokenizer import BYTE_CHARS, ByteLevelBpe, train_merges

N_MERGES = 400
EXTRA_CORPUS = [
    "Café résumé naïve façade déjà vu, Ångström São Paulo Zürich",
    "中文字符和日本語のテキスト 東京 北京 한국어 텍스트",
    "Привет мир, Ελληνικά γράμματα, مرحبا بالعالم",
    "emoji 😀 👍🏽 🇺🇸 ❤️ done",
    "½ ¼ ¾ ± ° © ® § ¶ · × ÷ £ ¥ ¢",
    "ＡＢＣ ｄｅｆ １２３ ﬁ ﬂ",
]

TEXTS = [
    "What was the total revenue reported for fiscal year 2023?",
    "Café résumé naïve — déjà vu at the façade",
    "e\u0301clair n\u0303 a\u030a decomposed accents compose under NFC",
    "中文字符和日本語のテキスト，한국어 텍스트",
    "I \u2764\ufe0f NLP \U0001f600\U0001f44d\U0001f3fd \U0001f1fa\U0001f1f8 \U0001f468\u200d\U0001f469\u200d\U0001f467!",
    "supercalifragilisticexpialidocious" * 3 + " and antidisestablishmentarianism",
    "a  b   c    d        e                  f",
    "tabs\t\tand\nnewlines\n\n\nand\r\nwindows   ",
    "Don't stop: it's O'Neil's, we're sure they've, I'm, you'll, he'd",
    "DON'T SHOUT 'S 'T (quoted 'em) ''",
    "$1,234.56 (+7.8%) vs. -0.5e-3; 10:30pm 2023-10-22 #42 @user ½ ⅓ x² 3³",
    "[CLS] hello [SEP] world [MASK] [mask] abc[SEP]def [UNK]x [PAD]",
    "mail me at |||EMAIL_ADDRESS||| or x|||EMAIL_ADDRESS|||y",
    "<|endoftext|>second<|padding|> <|endoftext|>",
    "Привет мир, Ελληνικά γράμματα, مرحبا بالعالم, שלום, नमस्ते, สวัสดี",
    "\u00a0nbsp\u3000ideographic\u2009thin\u2028line sep\u202fnarrow",
    "x^2 + y_1 = z | a~b `code` <tag> {json: [1, 2]} \\ back",
    "ＡＢＣ１２３ fullwidth and ﬁ ligature",
    "zero\u200bwidth\u200djoiner soft\u00adhyphen",
    "Net income rose 12% to $4.3 billion, driven by services; operating margin widened to 31.5%.",
    "   leading and trailing   ",
    "",
    "🤗🤗🤗",
    "naïve\u0085next\ufeffbom: a \u0085b, a \ufeffb, \u00bd \ufeff\u00bd",
    "The company repurchased 10 million shares.\n\nDividends: $0.24 per share, paid quarterly.",
]
MAX_LENGTHS = [None, 12]


def tokenizer_files(repo):
    corpus = []
    with open(os.path.join(repo, "datasets/fictional-10k-qa/pairs.jsonl"), encoding="utf-8") as f:
        for k, line in enumerate(f):
            if k >= 300:
                break
            record = json.loads(line)
            corpus += [record["question"], record["context"]]
    corpus += EXTRA_CORPUS * 20
    merges = train_merges(corpus, N_MERGES)

    vocab = {"<|endoftext|>": 0, "<|padding|>": 1}
    for ch in sorted(BYTE_CHARS.values()):
        vocab[ch] = len(vocab)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))

    def added(content, special, normalized, lstrip=False):
        token_id = vocab.setdefault(content, len(vocab))
        return {"id": token_id, "content": content, "single_word": False, "lstrip": lstrip, "rstrip": False, "normalized": normalized, "special": special}

    added_tokens = [added("<|endoftext|>", True, False), added("<|padding|>", True, False)]
    added_tokens += [added(" " * n, False, True) for n in range(8, 1, -1)]
    added_tokens += [added("|||EMAIL_ADDRESS|||", False, True)]
    added_tokens += [added(t, True, False, lstrip=t == "[MASK]") for t in ("[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]")]
    cls_id, sep_id = vocab["[CLS]"], vocab["[SEP]"]
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added_tokens,
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 1}},
                {"SpecialToken": {"id": "[SEP]", "type_id": 1}},
            ],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [cls_id], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [sep_id], "tokens": ["[SEP]"]},
            },
        },
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": False,
            "vocab": vocab,
            "merges": [[a, b] for a, b in merges],
        },
    }
    config = {
        "clean_up_tokenization_spaces": True,
        "cls_token": "[CLS]",
        "mask_token": "[MASK]",
        "model_input_names": ["input_ids", "attention_mask"],
        "model_max_length": 8192,
        "pad_token": "[PAD]",
        "sep_token": "[SEP]",
        "tokenizer_class": "PreTrainedTokenizerFast",
        "unk_token": "[UNK]",
    }
    special = {t: {"content": t, "lstrip": t == "[MASK]", "normalized": False, "rstrip": False, "single_word": False} for t in ("[CLS]", "[MASK]", "[PAD]", "[SEP]", "[UNK]")}
    special_map = {"cls_token": special["[CLS]"], "mask_token": special["[MASK]"], "pad_token": special["[PAD]"], "sep_token": special["[SEP]"], "unk_token": special["[UNK]"]}
    return tokenizer, config, special_map


def main():
    repo, out = sys.argv[1], sys.argv[2]
    tokenizer, config, special_map = tokenizer_files(repo)
    folder = os.path.join(out, "modernbert-tokenizer")
    os.makedirs(folder, exist_ok=True)
    for name, obj in (("tokenizer.json", tokenizer), ("tokenizer_config.json", config), ("special_tokens_map.json", special_map)):
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            json.dump(obj, f, ensure_ascii=False, indent=1)
            f.write("\n")
    bpe = ByteLevelBpe(tokenizer)
    cases = []
    for max_length in MAX_LENGTHS:
        for text in TEXTS:
            # sentence-transformers strips the text first (Python str.strip)
            cases.append({"text": text, "max_length": max_length, "tokens": bpe.tokens(text.strip()), "ids": bpe.encode(text.strip(), max_length)})
    with open(os.path.join(out, "bpe-cases.json"), "w", encoding="utf-8") as f:
        json.dump({"generator": "test/reference/bpe_cases.py", "vocab_size": len(tokenizer["model"]["vocab"]), "cases": cases}, f, ensure_ascii=True, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()
