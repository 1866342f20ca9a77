"""Writes test/fixtures/tokenizers-unseen.json: token ids of 25 varied texts
(accents composed and decomposed, CJK, halfwidth kana, Hangul jamo, emoji
sequences, long words, whitespace runs, control characters, special tokens in
the text, characters newer than SentencePiece's charsmap) for two tokenizer
types, each from an independent re-implementation:

* XLM-RoBERTa (Unigram, Precompiled charsmap, Metaspace): the committed
  test/fixtures/tokenizers/xlm-roberta/tokenizer.json run by
  sentencepiece_tokenizer.py (a port of the Rust tokenizers pipeline);
* MPNet (WordPiece with <s> … </s>): the bert-base-uncased vocab of
  all-MiniLM-L6-v2 with MPNet's specials (<s> <pad> </s> <unk> first, <mask>
  last, as all-mpnet-base-v2's vocab is laid out), run by bert_tokenizer.py
  (a port of transformers' slow tokenizer, which MPNetTokenizer shares with
  BertTokenizer) with cls <s> and sep </s>.

Usage: python3 tokenizers_reference.py <all-MiniLM-L6-v2 vocab.txt> <output folder>
"""
import json
import os
import sys

from bert_tokenizer import encode as wordpiece_encode, load_vocab
from common import write_json
from sentencepiece_tokenizer import SentencePieceTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
XLMR_TOKENIZER = os.path.join(HERE, "..", "fixtures", "tokenizers", "xlm-roberta", "tokenizer.json")

TEXTS = [
    "Hello, World! How are you?",
    "Café Déjà vu — naïve façade, Ångström, İstanbul, ΣΟΦΙΑ σοφός, Straße",
    "e\u0301clair n\u0303 a\u030a decomposed accents",
    "中文字符和日本語のテキスト，한국어 텍스트",
    "\uff8a\uff9d\uff76\uff78 \uff76\uff80\uff76\uff85 \uff76\uff9e\uff77\uff9e\uff78\uff9e \uff8a\uff9f\uff8b\uff9f halfwidth kana",
    "\u1100\u1161\u11a8 \u1112\u1161\u11ab jamo sequences",
    "I \u2764\ufe0f NLP \U0001f600\U0001f44d\U0001f3fd \U0001f1fa\U0001f1f8\U0001f1eb\U0001f1f7 \U0001f468\u200d\U0001f469\u200d\U0001f467!",
    "tab\there  two   spaces\n\nnewlines\r\nand\u00a0nbsp\u3000ideo\u2009thin",
    "supercalifragilisticexpialidocious" * 3 + " pneumonoultramicroscopicsilicovolcanoconiosis",
    "\u2460\u0301 \u2075\u0301 \ufb01\u0301 \u00bd\u0301 \u210c\u0301 graphemes whose first character maps",
    "\uff21\uff22\uff23\uff11\uff12\uff13 \uff46\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48 \uff5e tilde \u337f \u3314 \u2121 \u2026",
    "\u32ff \U0001fbf1\U0001fbf2 \U0001f16c \ua7f2 newer characters",
    "$1,234.56 (+7.8%) vs. -0.5e-3; 10:30pm 2023-10-22 #42 @user",
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645 \u05e9\u05dc\u05d5\u05dd \u0928\u092e\u0938\u094d\u0924\u0947 \u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
    "THE QUICK BROWN FOX jumps over the lazy dog " * 4,
    "Fill the <mask> here and <mask>there, not <s> or </s>",
    "ctrl\x00nul\x07bel\x1besc\x7fdel\u200bzw\ufeffbom\u00adshy end",
    "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u03ba\u03b5\u03af\u03bc\u03b5\u03bd\u03b1 and \u0440\u0443\u0441\u0441\u043a\u0438\u0439 \u0442\u0435\u043a\u0441\u0442 \u0441 \u0451\u043b\u043a\u043e\u0439",
    "a" * 100,
    "\u306f\u309a \u304b\u3099 decomposed kana, \u1e9b\u0323 a\u0323\u0308 reordering",
    "\u201cquotes\u201d \u2018single\u2019 \u00abguillemets\u00bb \u2014 \u2013 \u2026 \u00b7 \u2022 \u00bfqu\u00e9? \u00a1s\u00ed!",
    "Don't stop-believing: it's O'Neil's \"test\" (e.g., U.S.A.) [UNK] [MASK]",
    "x^2 + y_1 = z | a~b `code` <tag> {json: [1, 2]} \\ back",
    "  leading and trailing spaces  ",
    "\U0001f99c\U0001f9a9\U0001fabf unknown emoji in a row, and \U00020000\U00020001 rare ideographs",
]

MPNET_SPECIALS = ["<s>", "<pad>", "</s>", "[UNK]", "<mask>"]  # its special tokens (unk_token is "[UNK]"; "<unk>" is a plain vocab entry)


def mpnet_vocab(minilm_vocab_path):
    """all-mpnet-base-v2's layout: <s> <pad> </s> <unk>, the bert-base-uncased vocab, <mask>."""
    with open(minilm_vocab_path, encoding="utf-8") as f:
        bert = [line.rstrip("\n") for line in f]
    tokens = ["<s>", "<pad>", "</s>", "<unk>"] + bert + ["<mask>"]
    vocab = {}
    for i, t in enumerate(tokens):
        vocab.setdefault(t, i)
    return vocab


def main():
    vocab_path, out = sys.argv[1], sys.argv[2]
    with open(XLMR_TOKENIZER, encoding="utf-8") as f:
        xlmr = SentencePieceTokenizer(json.load(f))
    mpnet = mpnet_vocab(vocab_path)
    cases = {"xlm-roberta": [], "mpnet": []}
    for max_length in (512, 16):
        for i, text in enumerate(TEXTS):
            cases["xlm-roberta"].append({"text": i, "max_length": max_length, "ids": xlmr.encode(text, max_length)})
            _, ids = wordpiece_encode(text, mpnet, max_length, cls="<s>", sep="</s>", specials=MPNET_SPECIALS)
            cases["mpnet"].append({"text": i, "max_length": max_length, "ids": ids})
    write_json(
        os.path.join(out, "tokenizers-unseen.json"),
        {"generator": "test/reference/tokenizers_reference.py", "texts": TEXTS, "cases": cases},
    )


if __name__ == "__main__":
    main()
