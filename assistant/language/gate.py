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
_LAST_SPACE = re.compile(r"^.*\s", re.DOTALL)
# Words of a sentence judged before any of it is shown word by word: fewer read as several languages.
EARLY_WORDS = 4


class DraftGate:
    """Lets a streamed draft through while it is in the asker's language.

    The draft is checked only after generation (stage 5); without this gate a draft the model wrote in the
    wrong language would be shown live and replaced at the end. A sentence that fails `written_in` closes
    the gate: the rest is shown only as the verified final answer. Chinese askers get every delta at once.

    In the languages whose grammar forbids Han characters (`script_grammar`: all but Chinese and Japanese)
    a sentence is shown word by word once its first `EARLY_WORDS` words are in the asker's language: the
    drift the whole-sentence check is for (into Chinese, mid-sentence) cannot be sampled there, and a guest's
    answer is mostly one sentence, which would otherwise appear only when complete. A Japanese sentence is
    shown when complete.
    """

    def __init__(self, language: str) -> None:
        self.language = language
        self.checks = language in LANGUAGES and language != "zh"
        self.by_word = self.checks and script_grammar(language) is not None
        self.pending = ""
        self.shown = ""  # the part of the current sentence already shown
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
        if not self.closed and self.by_word:
            shown += self._words()
        return shown

    def flush(self) -> str:
        """What is left once the model has finished: its last sentence, if in the asker's language."""
        if not self.checks or self.closed:
            return ""
        rest, self.pending = self.pending, ""
        return self._pass(rest) if rest.strip() or self.shown else ""

    def _pass(self, rest: str) -> str:
        """The end of a sentence: shown when the whole sentence is in the asker's language."""
        whole, self.shown = self.shown + rest, ""
        # A Japanese draft's 论坛 is shown as 論壇; "[1]" alone has no language.
        if not _LETTER.search(whole) or written_in(for_reader(whole, self.language), self.language):
            return for_reader(rest, self.language)
        self.closed = True  # what was shown of it stays until the verified answer replaces the text
        return ""

    def _words(self) -> str:
        """The whole words of the current sentence that may be shown before it ends."""
        complete = _LAST_SPACE.match(self.pending)
        if complete is None:
            return ""
        words = complete.group(0)
        so_far = self.shown + words
        if len(so_far.split()) < EARLY_WORDS or not written_in(so_far, self.language):
            return ""  # not yet, or not clearly the asker's language: the sentence's end decides
        self.shown, self.pending = so_far, self.pending[len(words) :]
        return words
