"""An answer cut into sentences, each with the `[n]` citation markers it carries (Chinese, Japanese or
Latin-script punctuation; markers before or after the full stop; abbreviations and decimals kept whole)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.figures.numbers import month_number, regex

MARKER = r"[\[【［]\s*([0-9]+(?:\s*(?:[,，、;；]|[-–])\s*[0-9]+)*)\s*[\]】］]"
_MARKER_AFTER = r"\s*" + MARKER
_TERMINATORS = "。！？!?"
_CLOSERS = "”’」』》)）\"'»"
_ABBREVIATIONS = set(
    "mr mrs ms dr prof st no nr vs e.g i.e approx ca u.s inc ltd co jr sr fig z.b bzw usw d.h env av".split()  # noqa: SIM905
)
_CJK = r"[\u3400-\u9fff]"


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of a generated answer, with the `[n]` numbers it cites (1-based, in order)."""

    text: str
    citations: tuple[int, ...] = ()
    trailing: str = ""  # whitespace that followed it in the answer, kept when the answer is rebuilt

    @property
    def claim(self) -> str:
        """The sentence without its citation markers."""
        return re.sub(r"\s+([.。!?！？,，])", r"\1", regex(MARKER).sub("", self.text)).strip()


def parse_markers(text: str) -> list[int]:
    """The citation numbers in `text`: [1], [1][2], [1, 2], [1-3], 【1】, in order of first use."""
    numbers: list[int] = []
    for m in regex(MARKER).finditer(text):
        for part in re.split(r"[,，、;；]", m.group(1)):
            bounds = [int(x) for x in re.split(r"[-–]", part)]
            low, high = bounds[0], bounds[-1]
            numbers.extend(range(low, high + 1) if 0 <= high - low <= 20 else bounds)
    return list(dict.fromkeys(numbers))


def _period_ends_sentence(text: str, i: int) -> bool:
    after = text[i + 1 : i + 2]
    if after and not (after.isspace() or after in _CLOSERS or after in "[【" or regex(_CJK).match(after)):
        return False  # 6.5, U.S., e.g.x
    rest = text[i + 1 :].lstrip()
    if rest[:1].islower():
        return False  # sentences start with a capital letter; "approx. 3" or "25. bis" do not end one
    word = re.search(r"([A-Za-z.]+|[0-9]{1,2})$", text[:i])
    if word and (word.group(1).lower() in _ABBREVIATIONS or re.fullmatch(r"[A-Z]", word.group(1))):
        return False
    next_word = re.match(r"[^\W\d_]+", rest)
    return not (
        word and word.group(1).isdigit() and next_word and month_number(next_word.group())
    )  # 25. März


def _cuts(text: str) -> list[int]:
    """Offsets where sentences end; citation markers right after a terminator stay with its sentence."""
    cuts, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\n":
            cuts.append(i)
        elif ch in _TERMINATORS or (ch == "." and _period_ends_sentence(text, i)):
            j = i + 1
            while j < len(text) and (text[j] in _TERMINATORS or text[j] == "." or text[j] in _CLOSERS):
                j += 1
            while m := regex(_MARKER_AFTER).match(text, j):
                j = m.end()
            cuts.append(j)
            i = j
            continue
        i += 1
    return cuts


def split_answer(answer_text: str) -> list[AnswerSentence]:
    """Split an answer (Chinese, Japanese or Latin-script) into sentences with their citation numbers.

    Markers belong to the sentence they end, before or after its full stop ("… forums [1]." and
    "…举办。[1]"). A piece without words (a stray "[2]") joins the sentence before it.
    """
    pieces: list[list[str]] = []  # [text, trailing whitespace]
    prev = 0
    for cut in [*_cuts(answer_text), len(answer_text)]:
        segment, prev = answer_text[prev:cut], cut
        body = segment.strip()
        if not body:
            if pieces:
                pieces[-1][1] += segment
            continue
        lead, tail = segment[: len(segment) - len(segment.lstrip())], segment[len(segment.rstrip()) :]
        if pieces and not re.search(r"\w", regex(MARKER).sub("", body)):
            pieces[-1][0] += body
            pieces[-1][1] = tail
            continue
        if pieces:
            pieces[-1][1] += lead
        pieces.append([body, tail])
    if pieces:
        pieces[-1][1] = ""
    return [AnswerSentence(text, tuple(parse_markers(text)), trailing) for text, trailing in pieces]
