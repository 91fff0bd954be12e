"""Keep the model in the asker's script. A small model answering a foreign question from Chinese sources
drifts into Chinese mid-sentence ("55场平行论坛"); a grammar that forbids Han characters makes that
impossible at sampling time for every language written without them (llama.cpp applies it per request)."""

from __future__ import annotations

import re

from assistant.language.asking import asks_for_count
from assistant.language.kanji import for_reader
from assistant.language.written import LANGUAGES, written_in

# CJK Unified Ideographs, Extension A and the compatibility block: every Han character a model writes.
NO_HAN_GRAMMAR = r"root ::= [^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]*"
_HAN_WRITTEN = frozenset({"zh", "ja"})  # Japanese writes kanji beside kana


# Kana, Hangul, Cyrillic and Arabic: the asker's script, which a Chinese rendering for search must not keep
# ("2023年中关村论坛中並行フォーラム有多少个开催？"). Latin stays allowed: names such as Quafu or IEEE.
CHINESE_RENDERING_GRAMMAR = (
    r"root ::= [^\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff\u0400-\u04ff\u0600-\u06ff]*"
)
# A "how many" rendered as "which" or "when" loses what is asked (Combien de réalisations … → 有哪些亮点,
# and the count sentence is never sought): the rendering of a count question may not use Chinese's other
# question words (哪 which, 什么 what, 何时 when). Forcing 多少 in instead made the model append a second
# question after the first; forbidding the others lets it choose 多少 or 几 where it would have asked "which".
COUNT_RENDERING_GRAMMAR = CHINESE_RENDERING_GRAMMAR.replace("[^", "[^哪什何", 1)


def rendering_grammar(question: str) -> str:
    """The grammar of a question's Chinese rendering for search: a count question keeps asking a count."""
    return COUNT_RENDERING_GRAMMAR if asks_for_count(question) else CHINESE_RENDERING_GRAMMAR


def script_grammar(language: str) -> str | None:
    """The GBNF grammar for an answer in `language`, or None when Han characters belong in it."""
    return None if language.split("-")[0].lower() in _HAN_WRITTEN else NO_HAN_GRAMMAR


# The end of a sentence in a streamed draft: Western punctuation once a space follows (so 3.5 stays whole),
# CJK punctuation at once.
_SENTENCE_END = re.compile(r"[.!?](?=\s)\s*|[。！？]\s*")
_LETTER = re.compile(r"[^\W\d_]")


class DraftGate:
    """Lets a streamed draft through sentence by sentence while each sentence is in the asker's language.

    The draft is checked only after generation (stage 5); without this gate a draft the model wrote in the
    wrong language would be shown live and replaced at the end. A sentence that fails `written_in` closes
    the gate: the rest is shown only as the verified final answer. Chinese askers get every delta at once.
    """

    def __init__(self, language: str) -> None:
        self.language = language
        self.checks = language in LANGUAGES and language != "zh"
        self.pending = ""
        self.closed = False

    def feed(self, delta: str) -> str:
        """The text that may be shown now (possibly empty)."""
        if not self.checks:
            return delta
        if self.closed:
            return ""
        self.pending += delta
        shown = ""
        while not self.closed and (end := _SENTENCE_END.search(self.pending)):
            sentence, self.pending = self.pending[: end.end()], self.pending[end.end() :]
            shown += self._pass(sentence)
        return shown

    def flush(self) -> str:
        """What is left once the model has finished: its last sentence, if in the asker's language."""
        if not self.checks or self.closed:
            return ""
        rest, self.pending = self.pending, ""
        return self._pass(rest) if rest.strip() else ""

    def _pass(self, sentence: str) -> str:
        sentence = for_reader(sentence, self.language)  # a Japanese draft's 论坛 is shown as 論壇
        if not _LETTER.search(sentence) or written_in(sentence, self.language):  # "[1]" has no language
            return sentence
        self.closed = True
        return ""
