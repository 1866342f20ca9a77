"""BERT WordPiece tokenisation as Hugging Face's slow ``BertTokenizer`` does it.

An independent re-implementation (no transformers import) that follows, rule by
rule, huggingface/transformers ``src/transformers/models/bert/tokenization_bert.py``
@ 0232d90c (``BasicTokenizer``, ``WordpieceTokenizer``, ``whitespace_tokenize``) and
the ``_is_whitespace`` / ``_is_control`` / ``_is_punctuation`` helpers and the
special-token splitting of ``PreTrainedTokenizer.tokenize`` in
``tokenization_utils.py``. Around it sits what sentence-transformers'
``Transformer.tokenize`` adds: ``str.strip()``, optional lowercasing
(``do_lower_case`` of sentence_bert_config.json), ``truncation=True,
max_length=max_seq_length`` (the word pieces are cut to ``max_length - 2`` before
``[CLS]``/``[SEP]`` are added) and right padding with id 0.

Only the standard library is used, so this runs on any python3.
"""
import unicodedata

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def load_vocab(path):
    vocab = {}
    with open(path, "r", encoding="utf-8") as reader:
        for index, line in enumerate(reader.readlines()):
            token = line.rstrip("\n")
            vocab.setdefault(token, index)
    return vocab


def whitespace_tokenize(text):
    text = text.strip()
    return text.split() if text else []


def is_whitespace(char):
    if char in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(char) == "Zs"


def is_control(char):
    if char in ("\t", "\n", "\r"):
        return False
    return unicodedata.category(char).startswith("C")


def is_punctuation(char):
    cp = ord(char)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def is_chinese_char(cp):
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def clean_text(text):
    out = []
    for char in text:
        cp = ord(char)
        if cp == 0 or cp == 0xFFFD or is_control(char):
            continue
        out.append(" " if is_whitespace(char) else char)
    return "".join(out)


def tokenize_chinese_chars(text):
    return "".join(f" {c} " if is_chinese_char(ord(c)) else c for c in text)


def strip_accents(text):
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def split_on_punc(text):
    output = []
    start_new_word = True
    for char in text:
        if is_punctuation(char):
            output.append([char])
            start_new_word = True
        else:
            if start_new_word:
                output.append([])
            start_new_word = False
            output[-1].append(char)
    return ["".join(x) for x in output]


def basic_tokenize(text, do_lower_case=True, accents=None, chinese=True):
    text = clean_text(text)
    if chinese:
        text = tokenize_chinese_chars(text)
    split_tokens = []
    for token in whitespace_tokenize(text):
        if do_lower_case:
            token = token.lower()
            if accents is not False:
                token = strip_accents(token)
        elif accents:
            token = strip_accents(token)
        split_tokens.extend(split_on_punc(token))
    return whitespace_tokenize(" ".join(split_tokens))


def wordpiece(text, vocab, unk="[UNK]", max_chars=100):
    output = []
    for token in whitespace_tokenize(text):
        chars = list(token)
        if len(chars) > max_chars:
            output.append(unk)
            continue
        pieces, start, bad = [], 0, False
        while start < len(chars):
            end, found = len(chars), None
            while start < end:
                sub = "".join(chars[start:end])
                if start > 0:
                    sub = "##" + sub
                if sub in vocab:
                    found = sub
                    break
                end -= 1
            if found is None:
                bad = True
                break
            pieces.append(found)
            start = end
        output.extend([unk] if bad else pieces)
    return output


def split_on_special(text, specials=SPECIAL_TOKENS):
    """Cuts out exact occurrences of the special tokens (longest first), as the added-token trie does."""
    parts, i, start = [], 0, 0
    by_length = sorted(specials, key=len, reverse=True)
    while i < len(text):
        match = next((t for t in by_length if text.startswith(t, i)), None)
        if match:
            parts.append((text[start:i], False))
            parts.append((match, True))
            i += len(match)
            start = i
        else:
            i += 1
    parts.append((text[start:], False))
    return [(p, special) for p, special in parts if p]


def tokenize(text, vocab, do_lower_case=True, specials=SPECIAL_TOKENS):
    tokens = []
    for part, special in split_on_special(text, specials):
        if special:
            tokens.append(part)
        else:
            for word in basic_tokenize(part, do_lower_case=do_lower_case):
                tokens.extend(wordpiece(word, vocab))
    return tokens


def encode(text, vocab, max_length=None, sbert_lower=False, cls="[CLS]", sep="[SEP]", specials=SPECIAL_TOKENS):
    """One text as sentence-transformers' Transformer.tokenize feeds it to the model: (tokens, ids).
    MPNet's tokenizer is this one with cls "<s>", sep "</s>" and its own special tokens."""
    text = text.strip()
    if sbert_lower:
        text = text.lower()
    pieces = tokenize(text, vocab, specials=specials)
    if max_length is not None:
        pieces = pieces[: max_length - 2]
    tokens = [cls] + pieces + [sep]
    return tokens, [vocab[t] for t in tokens]


def encode_batch(texts, vocab, max_length=None, sbert_lower=False):
    """input_ids, attention_mask, token_type_ids padded on the right to the longest text."""
    ids = [encode(t, vocab, max_length, sbert_lower)[1] for t in texts]
    width = max((len(r) for r in ids), default=0)
    return {
        "input_ids": [r + [0] * (width - len(r)) for r in ids],
        "attention_mask": [[1] * len(r) + [0] * (width - len(r)) for r in ids],
        "token_type_ids": [[0] * width for _ in ids],
    }
