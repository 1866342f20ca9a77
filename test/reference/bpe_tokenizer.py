"""A small byte-level BPE tokenizer written from the Hugging Face `tokenizers`
(Rust) semantics, independent of the JS library it checks:

* added tokens: those with `normalized: false` (the special ones) are split out
  of the raw text first, leftmost-longest; the normalizer then runs on each
  remaining piece, and tokens with `normalized: true` are split out of the
  normalized pieces (matched by their normalized content). `lstrip` / `rstrip`
  swallow the whitespace next to the token (Unicode White_Space);
* normalizer: NFC, or none;
* ByteLevel pre-tokenizer (add_prefix_space false, use_regex true): GPT-2's
  pattern `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+`
  as Oniguruma runs it (\\s is the Unicode White_Space property), matched by
  hand below (Python's `re` has no \\p{L} and a different \\s), then each UTF-8
  byte mapped to GPT-2's printable byte alphabet;
* BPE: repeatedly merge the adjacent pair of lowest merge rank (leftmost first);
* TemplateProcessing `[CLS] $A [SEP]`.

Also a tiny BPE trainer (most frequent pair, ties to the smallest pair) that
builds the merges of the test tokenizer.
"""
import json
import unicodedata
from collections import Counter

# Unicode White_Space (what Oniguruma's \s and Rust's char::is_whitespace match)
WHITE_SPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {chr(c) for c in range(0x2000, 0x200B)}


def is_space(ch):
    return ch in WHITE_SPACE


def is_letter(ch):
    return unicodedata.category(ch).startswith("L")


def is_number(ch):
    return unicodedata.category(ch).startswith("N")


CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"]


def _run(text, i, pred):
    j = i
    while j < len(text) and pred(text[j]):
        j += 1
    return j


def gpt2_split(text):
    """The pieces GPT-2's pre-tokenization pattern finds, alternative by alternative."""
    pieces, i, n = [], 0, len(text)
    other = lambda ch: not (is_space(ch) or is_letter(ch) or is_number(ch))
    while i < n:
        end = None
        for c in CONTRACTIONS:
            if text.startswith(c, i):
                end = i + len(c)
                break
        if end is None:
            for pred in (is_letter, is_number, other):
                # ` ?X+`: the optional space is taken when X+ follows it
                start = i + 1 if text[i] == " " and i + 1 < n and pred(text[i + 1]) else i
                j = _run(text, start, pred)
                if j > start:
                    end = j
                    break
        if end is None and is_space(text[i]):
            j = _run(text, i, is_space)
            # `\s+(?!\S)`: the longest run not followed by a non-space (back off one when it is)
            if j == n or is_space(text[j]):
                end = j
            elif j - 1 > i:
                end = j - 1
            else:
                end = j  # `\s+`
        if end is None:
            raise AssertionError(f"no alternative matches at {i} in {text!r}")
        pieces.append(text[i:end])
        i = end
    return pieces


def bytes_to_unicode():
    """GPT-2's map from bytes to printable characters."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1)) + list(range(ord("\xae"), ord("\xff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


BYTE_CHARS = bytes_to_unicode()


def byte_level(piece):
    return "".join(BYTE_CHARS[b] for b in piece.encode("utf-8"))


def bpe(word, ranks):
    """Merge the lowest-ranked adjacent pair (leftmost on ties) until none is in `ranks`."""
    parts = list(word)
    while len(parts) > 1:
        best, at = None, -1
        for k in range(len(parts) - 1):
            r = ranks.get((parts[k], parts[k + 1]))
            if r is not None and (best is None or r < best):
                best, at = r, k
        if best is None:
            break
        parts[at : at + 2] = [parts[at] + parts[at + 1]]
    return parts


# ---------------------------------------------------------------- training
def train_merges(texts, n_merges):
    words = Counter()
    for t in texts:
        for piece in gpt2_split(t):
            words[tuple(byte_level(piece))] += 1
    words = dict(words)
    merges = []
    for _ in range(n_merges):
        pairs = Counter()
        for w, f in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += f
        if not pairs:
            break
        top = max(pairs.values())
        pair = min(p for p, c in pairs.items() if c == top)
        merges.append(pair)
        merged = {}
        for w, f in words.items():
            out, k = [], 0
            while k < len(w):
                if k + 1 < len(w) and (w[k], w[k + 1]) == pair:
                    out.append(w[k] + w[k + 1])
                    k += 2
                else:
                    out.append(w[k])
                    k += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + f
        words = merged
    return merges


# ---------------------------------------------------------------- encoding
class ByteLevelBpe:
    def __init__(self, tokenizer_json):
        tj = tokenizer_json
        model = tj["model"]
        assert model["type"] == "BPE" and not model.get("byte_fallback") and model.get("dropout") is None
        self.vocab = dict(model["vocab"])
        merges = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in model["merges"]]
        self.ranks = {m: r for r, m in enumerate(merges)}
        norm = tj.get("normalizer")
        assert norm is None or norm["type"] == "NFC", norm
        self.nfc = norm is not None
        pre = tj["pre_tokenizer"]
        assert pre["type"] == "ByteLevel" and not pre.get("add_prefix_space") and pre.get("use_regex", True)
        self.added = {t["content"]: t for t in tj["added_tokens"]}
        for t in tj["added_tokens"]:
            assert not t.get("single_word"), "single_word is not modelled"
        self.raw_tokens = [t["content"] for t in tj["added_tokens"] if not t["normalized"]]
        self.norm_tokens = {self.normalize(t["content"]): t for t in tj["added_tokens"] if t["normalized"]}
        post = tj["post_processor"]
        assert post["type"] == "TemplateProcessing"
        self.single = post["single"]
        self.special_ids = {k: v["ids"] for k, v in post["special_tokens"].items()}

    def normalize(self, text):
        return unicodedata.normalize("NFC", text) if self.nfc else text

    @staticmethod
    def split_added(text, contents):
        """[(piece, added token content or None)], leftmost-longest matches of `contents`."""
        out, i, start = [], 0, 0
        while i < len(text):
            match = max((c for c in contents if text.startswith(c, i)), key=len, default=None)
            if match is None:
                i += 1
                continue
            if i > start:
                out.append([text[start:i], None])
            out.append([match, match])
            i += len(match)
            start = i
        if start < len(text):
            out.append([text[start:], None])
        return out

    def strip_around(self, parts, token_of):
        for k, (_, content) in enumerate(parts):
            if content is None:
                continue
            tok = token_of(content)
            if tok.get("lstrip") and k > 0 and parts[k - 1][1] is None:
                s = parts[k - 1][0]
                while s and is_space(s[-1]):
                    s = s[:-1]
                parts[k - 1][0] = s
            if tok.get("rstrip") and k + 1 < len(parts) and parts[k + 1][1] is None:
                s = parts[k + 1][0]
                while s and is_space(s[0]):
                    s = s[1:]
                parts[k + 1][0] = s
        return parts

    def tokens(self, text):
        """Token strings of `text`, without special tokens."""
        out = []
        for piece, content in self.strip_around(self.split_added(text, self.raw_tokens), lambda c: self.added[c]):
            if content is not None:
                out.append(content)
                continue
            if not piece:
                continue
            normalized = self.normalize(piece)
            sub = self.strip_around(self.split_added(normalized, list(self.norm_tokens)), lambda c: self.norm_tokens[c])
            for p, c in sub:
                if c is not None:
                    out.append(self.norm_tokens[c]["content"])
                elif p:
                    for word in gpt2_split(p):
                        out.extend(bpe(byte_level(word), self.ranks))
        return out

    def token_id(self, token):
        if token in self.added:
            return self.added[token]["id"]
        return self.vocab[token]

    def encode(self, text, max_length=None):
        """ids with the template's special tokens, truncated to max_length (special tokens included)."""
        body = [self.token_id(t) for t in self.tokens(text)]
        prefix, suffix, seen = [], [], False
        for item in self.single:
            if "Sequence" in item:
                seen = True
            else:
                (suffix if seen else prefix).extend(self.special_ids[item["SpecialToken"]["id"]])
        if max_length is not None:
            body = body[: max(0, max_length - len(prefix) - len(suffix))]
        return prefix + body + suffix


def load(path):
    with open(path, encoding="utf-8") as f:
        return ByteLevelBpe(json.load(f))
