"""Keep the model in the asker's script. A small model answering a foreign question from Chinese sources
drifts into Chinese mid-sentence ("55场平行论坛"); a grammar that forbids Han characters makes that
impossible at sampling time for every language written without them (llama.cpp applies it per request)."""

from __future__ import annotations

# CJK Unified Ideographs, Extension A and the compatibility block: every Han character a model writes.
NO_HAN_GRAMMAR = r"root ::= [^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]*"
_HAN_WRITTEN = frozenset({"zh", "ja"})  # Japanese writes kanji beside kana


# Kana, Hangul, Cyrillic and Arabic: the asker's script, which a Chinese rendering for search must not keep
# ("2023年中关村论坛中並行フォーラム有多少个开催？"). Latin stays allowed: names such as Quafu or IEEE.
CHINESE_RENDERING_GRAMMAR = (
    r"root ::= [^\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff\u0400-\u04ff\u0600-\u06ff]*"
)


def script_grammar(language: str) -> str | None:
    """The GBNF grammar for an answer in `language`, or None when Han characters belong in it."""
    return None if language.split("-")[0].lower() in _HAN_WRITTEN else NO_HAN_GRAMMAR
