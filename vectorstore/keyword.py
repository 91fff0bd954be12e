"""BM25 keyword search over jieba tokens (Chinese word segmentation; Latin words pass through).

Tokens are stored per chunk in the catalog at ingest time; the BM25 matrix is rebuilt from them when
the index opens and after every ingest, so it always matches the Chroma collection.
Tokenizer choice: on the 1190 Chinese XQuAD questions `jieba.lcut_for_search` (words plus their
sub-words) and `jieba.lcut` tie (hit@1 0.922 vs 0.925, hit@5 0.990 vs 0.987; docs/embeddings.md); we
use `lcut_for_search` because a question's short word still meets a document's compound word.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np


def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" chatter on stderr
    return jieba


def dictionary_words(text: str) -> list[str]:
    """jieba's cut of `text` into dictionary words, punctuation included, in order (HMM off: no guessed
    words, so a word ends where the dictionary says)."""
    return list(_jieba().lcut(text, HMM=False))


def word_tags() -> dict[str, str]:
    """jieba's dictionary part-of-speech tag of each word it knows (n noun, v verb, nr person …)."""
    _jieba()
    import jieba.posseg

    return jieba.posseg.dt.word_tag_tab


def tagged_words(text: str) -> list[tuple[str, str]]:
    """`text` cut and tagged by jieba's tagger, with its HMM on: words it has never seen (a new person's
    name) are guessed and tagged too."""
    _jieba()
    import jieba.posseg

    return [(pair.word, pair.flag) for pair in jieba.posseg.cut(text)]


def _is_word(token: str) -> bool:
    # Drop punctuation and whitespace tokens: they carry no meaning and inflate document lengths.
    return any(ch.isalnum() for ch in token)


def tokenize(text: str, *, for_search: bool = True) -> list[str]:
    """Lowercased jieba tokens of `text` without punctuation or whitespace tokens."""
    jieba = _jieba()
    cut = jieba.lcut_for_search if for_search else jieba.lcut
    return [tok for tok in (t.strip().lower() for t in cut(text)) if tok and _is_word(tok)]


class KeywordIndex:
    """An in-memory BM25 index over pre-tokenised chunks."""

    def __init__(self, ids: list[str], tokens: list[list[str]]) -> None:
        if len(ids) != len(tokens):
            raise ValueError("ids and tokens must have the same length")
        self.ids = list(ids)
        self._bm25: Any = None
        self._common: frozenset[str] | None = None
        if self.ids:
            import bm25s

            self._bm25 = bm25s.BM25()
            self._bm25.index(tokens, show_progress=False)

    def __len__(self) -> int:
        return len(self.ids)

    def common_terms(self) -> frozenset[str]:
        """Tokens found in more than half of the indexed passages (and in at least two).

        Such a token is more likely to occur in a passage that does not answer than in one that does: its
        Robertson-Sparck Jones weight, log((N - df + 0.5) / (df + 0.5)), is negative. Document frequencies
        are read from the BM25 matrix (one stored score per passage holding the token), computed once.
        """
        if self._common is None:
            common: frozenset[str] = frozenset()
            if self._bm25 is not None:
                df = np.diff(self._bm25.scores["indptr"])
                n = len(self.ids)
                common = frozenset(
                    token
                    for token, i in self._bm25.vocab_dict.items()
                    if token and i < len(df) and df[i] * 2 > n and df[i] >= 2
                )
            self._common = common
        return self._common

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Top-k chunk ids by BM25 score (only scores > 0), best first."""
        return self.search_tokens(tokenize(query), k)

    def search_tokens(self, query_tokens: list[str], k: int) -> list[tuple[str, float]]:
        """Like `search`, with the query already tokenised."""
        if self._bm25 is None or k <= 0:
            return []
        token_ids = self._bm25.get_tokens_ids(query_tokens)
        if not token_ids:
            return []
        scores = self._bm25.get_scores_from_ids(token_ids)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]
