"""Writes test/fixtures/tokenizer-cases.json: the bert-base-uncased vocab
(all-MiniLM-L6-v2's tokenizer) applied by bert_tokenizer.py to texts that
exercise every rule of BertTokenizer. Usage:

    python3 test/reference/tokenizer_cases.py <path to vocab.txt> <output folder>
"""
import json
import os
import sys

from bert_tokenizer import encode, load_vocab

TEXTS = [
    "Hello, World!",
    "Café Déjà vu — naïve façade, Ångström, İstanbul, ΣΟΦΙΑ σοφός, Straße, ﬁne",
    "e\u0301clair n\u0303 a\u030a decomposed accents",
    "中文字符和日本語のテキスト，한국어 텍스트",
    "a\U00020000b ext-B, compat \u4e3d\U0002f800 \uf900 ideographs",
    "I \u2764\ufe0f NLP \U0001f600\U0001f44d\U0001f3fd \U0001f1fa\U0001f1f8 \U0001f468\u200d\U0001f469\u200d\U0001f467!",
    "tab\there\nnew\rline\x00nul\x0bvt\x0cff\x1fus\x7fdel\x85nel\ufeffbom\u200bzw\u200djoin\ufffdrepl\u2028ls\u2029ps\u00a0nbsp\u3000ideo\u2009thin",
    "a" * 100,
    "b" * 101 + " end",
    "supercalifragilisticexpialidocious" * 3 + " and unaffable",
    "\u00e9" * 100 + " accented-100",
    "$1,234.56 (+7.8%) vs. -0.5e-3; 10:30pm 2023-10-22 #42 @user 1/2 \u00bd \u2153 x\u00b2 3\u00b3 1st 2nd",
    "",
    "   \t\n  ",
    "\u00a0\u3000\u2003",
    "[CLS] hello [SEP] world [MASK] [mask] abc[SEP]def [UNK]x",
    "\u201cquotes\u201d \u2018single\u2019 \u00abguillemets\u00bb \u2014 \u2013 \u2026 \u00b7 \u2022 \u00bfqu\u00e9? \u00a1s\u00ed!",
    "Don't stop-believing: it's O'Neil's \"test\" (e.g., U.S.A.)",
    "\uff21\uff22\uff23\uff11\uff12\uff13 fullwidth",
    "x^2 + y_1 = z | a~b `code` <tag> {json: [1, 2]} \\ back",
    "\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd \u0928\u092e\u0938\u094d\u0924\u0947 \u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
    "THE QUICK BROWN FOX jumps over the lazy dog " * 6,
    "  leading and trailing spaces  ",
    "un\u0378assigned \ufdd0non\uffffcharacters \U000e0001tag \U0001d173beam \ue000private",
    "\U00020001\U0002a700\U0002b740\u3400 astral\U00020002ideographs",
]

# texts run again with sentence_bert_config do_lower_case true ("[MASK]" then stops being special)
LOWERCASED = [15, 1]


def main():
    vocab_path, out_path = sys.argv[1], os.path.join(sys.argv[2], 'tokenizer-cases.json')
    vocab = load_vocab(vocab_path)
    cases = []
    for max_length in (256, 16):
        for i, text in enumerate(TEXTS):
            tokens, ids = encode(text, vocab, max_length)
            cases.append({"text": i, "max_length": max_length, "do_lower_case": False, "tokens": tokens, "ids": ids})
    for i in LOWERCASED:
        tokens, ids = encode(TEXTS[i], vocab, 256, sbert_lower=True)
        cases.append({"text": i, "max_length": 256, "do_lower_case": True, "tokens": tokens, "ids": ids})
    fixture = {
        "generator": "test/reference/tokenizer_cases.py (bert_tokenizer.py: transformers tokenization_bert.py @ 0232d90c rules)",
        "texts": TEXTS,
        "cases": cases,
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=True, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
