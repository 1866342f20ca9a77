"""XLM-RoBERTa-style tokenisation from a tokenizer.json, as the Rust `tokenizers`
library runs it, re-implemented with the standard library only:

* Precompiled normalizer: a port of huggingface/spm_precompiled (src/lib.rs,
  `DoubleArray::common_prefix_search`, `Precompiled::transform`) and of
  tokenizers/src/normalizers/precompiled.rs (grapheme by grapheme: a grapheme
  under 6 UTF-8 bytes is replaced whole by the entry of the shortest trie key
  that prefixes it, else character by character). Graphemes are extended
  grapheme clusters (UAX #29 rules GB3–GB13) with the properties approximated
  from `unicodedata` categories and code point ranges (see `gcb`), enough for
  the texts the tests use; Python has no grapheme segmentation of its own;
* Replace / Strip normalizers;
* Metaspace pre-tokenizer (replace " " by the replacement, prepend it
  (`prepend_scheme` always / add_prefix_space), split before each replacement
  character — tokenizers/src/pre_tokenizers/metaspace.rs);
* Unigram model: `Unigram::encode_optimized` of tokenizers/src/models/unigram/model.rs
  (Viterbi over byte positions, unknown characters scored min_score − 10,
  consecutive unknowns fused);
* added tokens split out first (longest match, `lstrip` / `rstrip` eat
  neighbouring whitespace), then TemplateProcessing's single-sequence template;
  sentence-transformers' `str.strip()` and `truncation=True, max_length`.
"""
import base64
import json
import re
import struct
import unicodedata


# ---------------------------------------------------------------- darts-clone double array (spm_precompiled)
def has_leaf(unit):
    return (unit >> 8) & 1 == 1


def value(unit):
    return unit & ((1 << 31) - 1)


def label(unit):
    return unit & ((1 << 31) | 0xFF)


def offset(unit):
    return (unit >> 10) << ((unit & (1 << 9)) >> 6)


class Precompiled:
    def __init__(self, charsmap_bytes):
        (trie_size,) = struct.unpack_from("<I", charsmap_bytes, 0)
        self.array = list(struct.unpack_from(f"<{trie_size // 4}I", charsmap_bytes, 4))
        self.normalized = charsmap_bytes[4 + trie_size :]

    def common_prefix_search(self, key):
        node_pos = 0
        results = []
        unit = self.array[node_pos]
        node_pos ^= offset(unit)
        for c in key:
            if c == 0:
                break
            node_pos ^= c
            if node_pos >= len(self.array):
                return results
            unit = self.array[node_pos]
            if label(unit) != c:
                return results
            node_pos ^= offset(unit)
            if has_leaf(unit):
                results.append(value(self.array[node_pos]))
        return results

    def transform(self, chunk):
        results = self.common_prefix_search(chunk.encode("utf-8"))
        if not results:
            return None
        start = results[0]
        end = self.normalized.index(b"\0", start) if b"\0" in self.normalized[start:] else len(self.normalized)
        return self.normalized[start:end].decode("utf-8")

    def normalize(self, text):
        out = []
        for grapheme in graphemes(text):
            if len(grapheme.encode("utf-8")) < 6:
                norm = self.transform(grapheme)
                if norm is not None:
                    out.append(norm)
                    continue
            for char in grapheme:
                norm = self.transform(char)
                out.append(char if norm is None else norm)
        return "".join(out)

    def entries(self):
        """Every (key bytes, replacement) of the trie, by walking it."""
        found = []

        def walk(pos, prefix):
            base = pos ^ offset(self.array[pos])
            for c in range(1, 256):
                child = base ^ c
                if child >= len(self.array) or label(self.array[child]) != c:
                    continue
                key = prefix + bytes([c])
                unit = self.array[child]
                if has_leaf(unit):
                    start = value(self.array[child ^ offset(unit)])
                    end = self.normalized.index(b"\0", start)
                    found.append((key, self.normalized[start:end]))
                walk(child, key)

        walk(0, b"")
        return found


def build_charsmap(entries):
    """A darts-clone double array for (key bytes, replacement bytes) entries, in the
    layout spm_precompiled reads: u32 trie size, the units, the NUL-terminated replacements."""
    blob, offsets = b"", {}
    for _, repl in entries:
        if repl not in offsets:
            offsets[repl] = len(blob)
            blob += repl + b"\0"
    root = {}
    for key, repl in entries:
        node = root
        for b in key:
            node = node.setdefault(b, {})
        node[None] = offsets[repl]
    units, used, bases = {0: 0}, {0}, set()

    def place(node, pos):
        labels = sorted(k for k in node if k is not None)
        slots = labels + ([0] if None in node else [])
        base = 1
        while base in bases or any((base ^ l) in used for l in slots):
            base += 1
        bases.add(base)
        off = pos ^ base
        assert off < (1 << 21)
        units[pos] = units.get(pos, 0) | (off << 10)
        if None in node:
            units[base] = node[None] | (1 << 31)
            used.add(base)
        for l in labels:
            child = base ^ l
            used.add(child)
            units[child] = l | ((1 << 8) if None in node[l] else 0)
        for l in labels:
            if any(k is not None for k in node[l]) or None in node[l]:
                place(node[l], base ^ l)

    place(root, 0)
    size = max(units) + 1
    array = [units.get(i, 0) for i in range(size)]
    return struct.pack("<I", 4 * size) + struct.pack(f"<{size}I", *array) + blob


# ---------------------------------------------------------------- extended grapheme clusters (approximate properties)
def _in(cp, ranges):
    return any(a <= cp <= b for a, b in ranges)


EXT_PICT = [(0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x203C, 0x203C), (0x2049, 0x2049), (0x2122, 0x2122), (0x2139, 0x2139),
            (0x2194, 0x2199), (0x21A9, 0x21AA), (0x231A, 0x231B), (0x2328, 0x2328), (0x23CF, 0x23CF), (0x23E9, 0x23F3),
            (0x23F8, 0x23FA), (0x24C2, 0x24C2), (0x25AA, 0x25AB), (0x25B6, 0x25B6), (0x25C0, 0x25C0), (0x25FB, 0x25FE),
            (0x2600, 0x27BF), (0x2934, 0x2935), (0x2B05, 0x2B07), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50), (0x2B55, 0x2B55),
            (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3297), (0x3299, 0x3299), (0x1F000, 0x1F0FF), (0x1F10D, 0x1F10F),
            (0x1F12F, 0x1F12F), (0x1F16C, 0x1F171), (0x1F17E, 0x1F17F), (0x1F18E, 0x1F18E), (0x1F191, 0x1F19A),
            (0x1F1AD, 0x1F1E5), (0x1F201, 0x1F20F), (0x1F21A, 0x1F21A), (0x1F22F, 0x1F22F), (0x1F232, 0x1F23A),
            (0x1F23C, 0x1F23F), (0x1F249, 0x1F3FA), (0x1F400, 0x1F53D), (0x1F546, 0x1F64F), (0x1F680, 0x1F6FF),
            (0x1F774, 0x1F77F), (0x1F7D5, 0x1F7FF), (0x1F80C, 0x1F80F), (0x1F848, 0x1F84F), (0x1F85A, 0x1F85F),
            (0x1F888, 0x1F88F), (0x1F8AE, 0x1F8FF), (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945), (0x1F947, 0x1FAFF),
            (0x1FC00, 0x1FFFD)]
# Grapheme_Cluster_Break=Extend beyond Mn/Me (Other_Grapheme_Extend and emoji modifiers)
OTHER_EXTEND = [(0x200C, 0x200C), (0xFF9E, 0xFF9F), (0x1F3FB, 0x1F3FF), (0xE0020, 0xE007F), (0x09BE, 0x09BE), (0x09D7, 0x09D7),
                (0x0B3E, 0x0B3E), (0x0B57, 0x0B57), (0x0BBE, 0x0BBE), (0x0BD7, 0x0BD7), (0x0CC2, 0x0CC2), (0x0CD5, 0x0CD6),
                (0x0D3E, 0x0D3E), (0x0D57, 0x0D57), (0x0DCF, 0x0DCF), (0x0DDF, 0x0DDF), (0x302E, 0x302F)]
SPACING_EXTRA = [(0x0E33, 0x0E33), (0x0EB3, 0x0EB3)]


def gcb(ch):
    cp = ord(ch)
    cat = unicodedata.category(ch)
    if cp == 0x0D:
        return "CR"
    if cp == 0x0A:
        return "LF"
    if cp == 0x200D:
        return "ZWJ"
    if 0x1F1E6 <= cp <= 0x1F1FF:
        return "RI"
    if _in(cp, OTHER_EXTEND) or cat in ("Mn", "Me"):
        return "Extend"
    if cat in ("Cc", "Zl", "Zp") or (cat == "Cf" and cp not in (0x200C, 0x200D)):
        return "Control"
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return "L"
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return "V"
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return "T"
    if 0xAC00 <= cp <= 0xD7A3:
        return "LV" if (cp - 0xAC00) % 28 == 0 else "LVT"
    if cat == "Mc" or _in(cp, SPACING_EXTRA):
        return "SpacingMark"
    if _in(cp, EXT_PICT):
        return "ExtPict"
    return "Other"


def graphemes(text):
    out, current, prev, ri_run, pict_zwj = [], "", None, 0, False
    in_pict = False
    for ch in text:
        b = gcb(ch)
        if prev is None:
            brk = False
        elif prev == "CR" and b == "LF":
            brk = False
        elif prev in ("Control", "CR", "LF") or b in ("Control", "CR", "LF"):
            brk = True
        elif prev == "L" and b in ("L", "V", "LV", "LVT"):
            brk = False
        elif prev in ("LV", "V") and b in ("V", "T"):
            brk = False
        elif prev in ("LVT", "T") and b == "T":
            brk = False
        elif b in ("Extend", "ZWJ", "SpacingMark"):
            brk = False
        elif prev == "ZWJ" and b == "ExtPict" and pict_zwj:
            brk = False
        elif prev == "RI" and b == "RI" and ri_run % 2 == 1:
            brk = False
        else:
            brk = True
        if brk:
            out.append(current)
            current = ""
        current += ch
        # GB11 state: ExtPict Extend* ZWJ
        if b == "ExtPict":
            in_pict = True
        elif b != "Extend" and b != "ZWJ":
            in_pict = False
        pict_zwj = in_pict and b == "ZWJ"
        ri_run = ri_run + 1 if b == "RI" else 0
        prev = b
    if current:
        out.append(current)
    return out


# ---------------------------------------------------------------- the pipeline
class SentencePieceTokenizer:
    def __init__(self, tokenizer_json):
        self.json = tokenizer_json
        model = tokenizer_json["model"]
        assert model["type"] == "Unigram"
        self.pieces = [p for p, _ in model["vocab"]]
        self.scores = [s for _, s in model["vocab"]]
        self.ids = {p: i for i, p in enumerate(self.pieces)}
        self.unk_id = model["unk_id"]
        self.min_score = min(self.scores)
        self.added = sorted(tokenizer_json.get("added_tokens", []), key=lambda t: -len(t["content"]))
        normalizer = tokenizer_json.get("normalizer")
        self.normalizers = normalizer["normalizers"] if normalizer and normalizer["type"] == "Sequence" else ([normalizer] if normalizer else [])
        self.precompiled = [Precompiled(base64.b64decode(n["precompiled_charsmap"])) if n["type"] == "Precompiled" else None for n in self.normalizers]

    def normalize(self, text):
        for n, pre in zip(self.normalizers, self.precompiled):
            if n["type"] == "Precompiled":
                text = pre.normalize(text)
            elif n["type"] == "Replace":
                pattern = n["pattern"]
                text = re.sub(pattern["Regex"], n["content"], text) if "Regex" in pattern else text.replace(pattern["String"], n["content"])
            elif n["type"] == "Strip":
                if n.get("strip_left"):
                    text = text.lstrip()
                if n.get("strip_right"):
                    text = text.rstrip()
            else:
                raise ValueError(f"normalizer {n['type']} not ported")
        return text

    def pre_tokenize(self, text):
        pre = self.json["pre_tokenizer"]
        assert pre["type"] == "Metaspace"
        rep = pre["replacement"]
        text = text.replace(" ", rep)
        if pre.get("prepend_scheme", "always" if pre.get("add_prefix_space", True) else "never") == "always" and not text.startswith(rep):
            text = rep + text
        if not pre.get("split", True):
            return [text] if text else []
        words, start = [], 0
        for i, ch in enumerate(text):
            if ch == rep and i > start:
                words.append(text[start:i])
                start = i
        words.append(text[start:])
        return [w for w in words if w]

    def unigram(self, word):
        """encode_optimized over byte positions; returns ids (consecutive unknowns fused)."""
        data = word.encode("utf-8")
        size = len(data)
        unk_score = self.min_score - 10.0
        best = [None] * (size + 1)  # (score, starts_at, id)
        best[0] = (0.0, None, 0)
        # char start offsets and lengths
        starts, i = {}, 0
        for ch in word:
            starts[i] = len(ch.encode("utf-8"))
            i += starts[i]
        pos = 0
        while pos < size:
            till_here = best[pos][0]
            mblen = starts[pos]
            has_single = False
            # the trie's common prefix search, shortest first
            for end in range(pos + 1, size + 1):
                piece = data[pos:end]
                try:
                    token = piece.decode("utf-8")
                except UnicodeDecodeError:
                    continue
                if token not in self.ids:
                    continue
                pid = self.ids[token]
                candidate = self.scores[pid] + till_here
                node = best[end]
                if node is None or candidate > node[0]:
                    best[end] = (candidate, pos, pid)
                if end - pos == mblen:
                    has_single = True
            if not has_single:
                end = pos + mblen
                candidate = unk_score + till_here
                node = best[end]
                if node is None or candidate > node[0]:
                    best[end] = (candidate, pos, self.unk_id)
            pos += mblen
        out, end = [], size
        while end > 0:
            _, start, pid = best[end]
            out.append(pid)
            end = start
        out.reverse()
        fused = []
        for pid in out:
            if pid == self.unk_id and fused and fused[-1] == self.unk_id:
                continue
            fused.append(pid)
        return fused

    def split_added(self, text):
        """(segment, is_added) parts: added tokens matched longest first; lstrip/rstrip take the whitespace beside them."""
        parts, i, start = [], 0, 0
        while i < len(text):
            match = next((t for t in self.added if text.startswith(t["content"], i)), None)
            if not match:
                i += 1
                continue
            left, right = i, i + len(match["content"])
            if match.get("lstrip"):
                while left > start and text[left - 1].isspace():
                    left -= 1
            if match.get("rstrip"):
                while right < len(text) and text[right].isspace():
                    right += 1
            parts.append((text[start:left], None))
            parts.append((match["content"], match["id"]))
            start = i = right
        parts.append((text[start:], None))
        return [(p, tid) for p, tid in parts if p or tid is not None]

    def encode(self, text, max_length=None):
        """One text as sentence-transformers feeds it to the model: str.strip(), special tokens, truncation."""
        ids = []
        for part, tid in self.split_added(text.strip()):
            if tid is not None:
                ids.append(tid)
                continue
            for word in self.pre_tokenize(self.normalize(part)):
                ids.extend(self.unigram(word))
        template = self.json["post_processor"]["single"]
        specials = self.json["post_processor"]["special_tokens"]
        frame = [(specials[t["SpecialToken"]["id"]]["ids"][0] if "SpecialToken" in t else None) for t in template]
        n_special = sum(1 for f in frame if f is not None)
        if max_length is not None:
            ids = ids[: max_length - n_special]
        out = []
        for f in frame:
            out.extend(ids if f is None else [f])
        return out
