"""Re-pointing a generated sentence's citation to the evidence that actually holds its figures.

Small models often write the right figure with the wrong number ("55 parallel forums [2]" when source [1]
says 55场平行论坛) or forget the marker. A sentence whose figures all sit in one evidence sentence is
re-cited to it; verification then checks the repaired sentence like any other. Out-of-range markers
("According to [5]") are left alone so verification reports them.
"""

from __future__ import annotations

import re

from assistant.checks.anchoring import unanchored_figure
from assistant.checks.verify import AnswerSentence, verify_sentences
from assistant.schema import Evidence

_HAS_FIGURE = re.compile(r"\d|[一二两三四五六七八九十百千万亿]")


def _holds(sentence: AnswerSentence, evidence: list[Evidence], terms: list[str]) -> bool:
    return bool(verify_sentences([sentence], evidence).kept) and not unanchored_figure(
        sentence, evidence, terms
    )


def repair_citations(
    sentences: list[AnswerSentence], evidence: list[Evidence], terms: list[str] | None = None
) -> list[AnswerSentence]:
    """The sentences, each with figures but failing its own citation re-cited to the first source that holds
    them (and, given the question's `terms`, where the figure is about what was asked)."""
    terms = terms or []
    repaired = []
    for s in sentences:
        in_range = all(1 <= n <= len(evidence) for n in s.citations)
        if in_range and _HAS_FIGURE.search(s.claim) and not _holds(s, evidence, terms):
            for n in range(1, len(evidence) + 1):
                if _holds(AnswerSentence(text=f"{s.claim} [{n}]", citations=(n,)), evidence, terms):
                    s = AnswerSentence(text=_with_marker(s.claim, n), citations=(n,), trailing=s.trailing)
                    break
        repaired.append(s)
    return repaired


def _with_marker(claim: str, n: int) -> str:
    """`claim` with `[n]` placed before its final punctuation, as the prompt asks the model to do."""
    match = re.search(r"[。.!?！？]+$", claim)
    body, end = (claim[: match.start()], match.group()) if match else (claim, "")
    space = " " if body[-1:].isascii() else ""
    return f"{body}{space}[{n}]{end}"
