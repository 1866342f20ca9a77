"""Helpers shared by the reference scripts: the seeded uniform stream the
TypeScript tests regenerate bit for bit, a safetensors writer, compact JSON."""
import hashlib
import json
import struct

import numpy as np

M32 = 0xFFFFFFFF


def mulberry32(seed, n):
    """n uniforms in [0, 1) from mulberry32 (the generator of embedlab's Random), as float64."""
    state = (seed + 0x6D2B79F5 * np.arange(1, n + 1, dtype=np.uint64)) & M32
    t = state.astype(np.uint64)
    t = ((t ^ (t >> 15)) * (t | 1)) & M32
    t = (t ^ ((t + (((t ^ (t >> 7)) * (t | 61)) & M32)) & M32)) & M32
    return ((t ^ (t >> 14)) & M32).astype(np.float64) / 4294967296.0


def uniform_tensors(seed, specs):
    """One float32 array per (name, shape, scale, offset), drawn from one stream in order:
    offset + scale * (2u - 1), each rounded to float32."""
    total = sum(int(np.prod(shape)) for _, shape, _, _ in specs)
    u = mulberry32(seed, total)
    out, at = {}, 0
    for name, shape, scale, offset in specs:
        n = int(np.prod(shape))
        out[name] = (offset + scale * (2.0 * u[at : at + n] - 1.0)).astype(np.float32).reshape(shape)
        at += n
    return out


def write_safetensors(path, tensors, dtype_name):
    """tensors: name -> numpy array already in the file dtype (float32 / float16 / bfloat16 bits as uint16).
    Layout: u64 header length, compact JSON header ("__metadata__" first, then names in sorted order),
    padded with spaces to a multiple of 8, then the data in the same order. Returns the file's sha256."""
    names = sorted(tensors)
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name in names:
        nbytes = tensors[name].nbytes
        header[name] = {"dtype": dtype_name, "shape": list(tensors[name].shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text.encode()) % 8) % 8)
    blob = struct.pack("<Q", len(text.encode())) + text.encode() + b"".join(
        np.ascontiguousarray(tensors[n]).astype(tensors[n].dtype.newbyteorder("<")).tobytes() for n in names
    )
    with open(path, "wb") as f:
        f.write(blob)
    return hashlib.sha256(blob).hexdigest()


def rounded(x, digits=9):
    """Nested lists of floats with `digits` significant digits (9 round-trips float32 exactly)."""
    a = np.asarray(x, dtype=np.float64)
    fmt = f"%.{digits}g"
    flat = [float(fmt % v) for v in a.reshape(-1)]
    return np.array(flat).reshape(a.shape).tolist()


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=True, separators=(",", ":"))
        f.write("\n")
