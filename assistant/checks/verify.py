"""Verification, not trust: each answer sentence is checked against the evidence it cites.

A sentence is removed when (first failing rule wins):
(a) a marker points to no evidence: "citation [5] points to no source";
(b) it has no marker but states a figure, date or name: "no citation". Sentences without any of these
    (connectives such as "The sources disagree." or "Here is what they say:") are kept uncited;
(c) a number, amount or date in it is not in the union of its cited quotes, compared as values across
    languages and scripts (3000 / 3,000 / 三千 / 超3000; "more than 100" / 100多; "March 25" / 3月25日).
    A year is also supported by the cited document's edition year or title, since quotes often say 今年;
(d) a name in it is not in the cited quotes: Latin capitalised names and quoted names (“…”, «…», 《…》),
    checked when answer and evidence share a script; a non-Chinese answer over Chinese evidence has its
    own-script names skipped (they are translations) but figures and Chinese quoted names still checked;
(e) with an `embed` function, the sentence is too far in meaning from its best cited quote.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from assistant.checks.sentences import MARKER, AnswerSentence, parse_markers, split_answer
from assistant.figures.numbers import (
    DateMention,
    Quantity,
    extract_dates,
    extract_quantities,
    month_number,
    normalize,
    regex,
)
from assistant.schema import Evidence, Removal

__all__ = [
    "MARKER",
    "AnswerSentence",
    "Embed",
    "parse_markers",
    "quoted_names",
    "split_answer",
    "verify_sentences",
]

Embed = Callable[[list[str]], Sequence[Sequence[float]]]

_CJK = r"[\u3400-\u9fff]"
_WORD = r"\w"
_KANA = r"[\u3040-\u30ff]"
_HANGUL = r"[\uac00-\ud7af]"
_LETTER = r"[A-Za-zÀ-ÿ\u0400-\u04ff]"
_QUOTED = r"[“«„「『《\"]\s*([^“”«»„「」『』《》\"\n]{1,60}?)\s*[”»“」』》\"]"
_CAP = r"[A-ZÀ-ÖØ-Þ][A-Za-zÀ-ÿ0-9'’&.-]*"
_CAPS = rf"(?<![A-Za-zÀ-ÿ0-9]){_CAP}(?:\s+(?:(?:of|the|de|la|du|des|von|van|der|del|for|and|&)\s+)*{_CAP})*"
_CONNECTORS = {"of", "the", "de", "la", "du", "des", "von", "van", "der", "del", "for", "and", "&"}
_COMMON_STARTS = set(
    "the a an this that these those it its in on at by for from with during after before according as there "  # noqa: SIM905
    "they he she we you i and but also however both each all some more over about nearly while when where "
    "here what which who how why yes no not only le la les l un une des il elle ils en au aux selon pendant "
    "cette ce der die das ein eine im am es er sie laut auch el los las una unos se lo según durante este "
    "esta il lo gli i dei della".split()
)
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


@dataclass
class Verification:
    """Kept sentences, removed ones with reasons, and the answer rebuilt from what was kept."""

    kept: list[AnswerSentence]
    removed: list[Removal]
    text: str
    support: list[float | None] = field(default_factory=list)  # best cosine per kept sentence, if measured


# ------------------------------------------------------------------------------------------------ facts
def _script(text: str) -> str:
    """zh, ja, ko or latin (any alphabet): what decides whether names can be compared literally."""
    if regex(_KANA).search(text):
        return "ja"
    if regex(_HANGUL).search(text):
        return "ko"
    return "zh" if len(regex(_CJK).findall(text)) > len(regex(_LETTER).findall(text)) else "latin"


def quoted_names(text: str) -> list[str]:
    """What `text` puts in quotation marks (“…”, «…», 《…》, 「…」, "…"), each stripped."""
    return [m.group(1).strip() for m in regex(_QUOTED).finditer(text)]


def _entities(claim: str) -> list[str]:
    names = quoted_names(claim)
    first_letter = re.search(r"[^\W\d_]", claim)
    for m in regex(_CAPS).finditer(claim):
        tokens = [t.strip(".'’-") for t in m.group().split()]
        if first_letter and m.start() == first_letter.start():
            while tokens and tokens[0].lower() in _COMMON_STARTS:
                tokens.pop(0)  # "The", "According" open sentences; they are not names
        while tokens and tokens[-1].lower() in _CONNECTORS:
            tokens.pop()
        tokens = [t for t in tokens if month_number(t) is None and t.lower() not in _WEEKDAYS]
        if tokens and (len(tokens) > 1 or len(tokens[0]) > 1):
            names.append(" ".join(tokens))
    return list(dict.fromkeys(n for n in names if n))


@dataclass
class _Facts:
    quantities: list[Quantity]
    dates: list[DateMention]
    entities: list[str]


def _answer_facts(claim: str) -> _Facts:
    dates = extract_dates(claim)
    quantities = [
        q
        for q in extract_quantities(claim)
        if not any(q.span[0] < d.span[1] and d.span[0] < q.span[1] for d in dates)
        and q.raw not in ("一", "壹")  # "一个重要平台": an article, not a count
    ]
    return _Facts(quantities, dates, _entities(claim))


@dataclass
class _Source:
    quantities: list[Quantity]
    dates: list[DateMention]
    years: set[int]
    text: str  # normalised, case-folded union of the quotes

    @classmethod
    def of(cls, items: list[Evidence]) -> _Source:
        quantities = [q for ev in items for q in extract_quantities(ev.quote)]
        dates = [d for ev in items for d in extract_dates(ev.quote)]
        years = {d.year for d in dates if d.year is not None}
        years |= {int(q.value) for q in quantities if q.value.is_integer() and 1800 <= q.value < 2200}
        years |= {ev.year for ev in items if ev.year is not None}
        years |= {d.year for ev in items for d in extract_dates(ev.title) if d.year is not None}
        text = normalize(" ".join(ev.quote for ev in items)).casefold()
        return cls(quantities, dates, years, text)


def _significant(value: float) -> int:
    return len(Decimal(repr(value)).normalize().as_tuple().digits)


def _rounds_to(claimed: Quantity, value: float) -> bool:
    """ "about 3,000" for 3120, "62 billion" for 61.991 billion: the claim is the source figure rounded."""
    digits = _significant(claimed.value)
    if not (claimed.approx or digits >= 3 or (digits >= 2 and claimed.value >= 10**6)) or value <= 0:
        return False
    exponent = Decimal(repr(value)).adjusted() - digits + 1
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    return math.isclose(float(rounded), claimed.value, rel_tol=1e-9)


def _number_supported(claimed: Quantity, source: _Source) -> bool:
    for q in source.quantities:
        if claimed.unit == "%" and q.unit != "%":
            continue  # "16%" needs a percentage, not 16 of something
        if any(math.isclose(a, b, rel_tol=1e-9) for a in claimed.values() for b in q.values()):
            return True
        if _rounds_to(claimed, q.value):
            return True
    return claimed.value.is_integer() and int(claimed.value) in source.years


def _date_supported(claimed: DateMention, source: _Source) -> bool:
    if claimed.month is None:
        return claimed.year is None or claimed.year in source.years
    candidates = [
        d for d in source.dates if d.month == claimed.month and (claimed.day is None or d.day == claimed.day)
    ]
    if claimed.year is None:
        return bool(candidates)
    return any(
        d.year == claimed.year or (d.year is None and claimed.year in source.years) for d in candidates
    )


def _entity_supported(name: str, source: _Source) -> bool:
    wanted = normalize(name).casefold()
    if wanted in source.text or re.sub(r"\s+", "", wanted) in re.sub(r"\s+", "", source.text):
        return True
    tokens = [t for t in wanted.split() if t not in _CONNECTORS and len(t) > 1]
    return bool(tokens) and all(t in source.text for t in tokens)


def _show(value: float, unit: str | None) -> str:
    text = format(Decimal(repr(value)).normalize(), "f")
    return text + ("%" if unit == "%" else "")


def _show_date(d: DateMention) -> str:
    if d.month is None:
        return f"year {d.year}"
    parts = [f"{d.year:04d}"] if d.year else []
    parts.append(f"{d.month:02d}")
    if d.day:
        parts.append(f"{d.day:02d}")
    return "date " + "-".join(parts)


def _missing(facts: _Facts, source: _Source, claim_script: str, source_script: str) -> list[str]:
    missing = [
        f"number {_show(q.value, q.unit)}" for q in facts.quantities if not _number_supported(q, source)
    ]
    missing += [_show_date(d) for d in facts.dates if not _date_supported(d, source)]
    for name in facts.entities:
        # Names in the answer's own script are translations when the evidence is in another script.
        comparable = claim_script == source_script or (
            _script(name) == source_script and claim_script == "latin"
        )
        if comparable and not _entity_supported(name, source):
            missing.append(f'name "{name}"')
    return list(dict.fromkeys(missing))


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def verify_sentences(
    sentences: list[AnswerSentence],
    evidence: list[Evidence],
    embed: Embed | None = None,
    min_support: float = 0.25,
) -> Verification:
    """Keep the sentences that their cited evidence supports; record why the others were removed.

    `embed` (texts -> normalised vectors, e.g. the index's embedder) turns on rule (e): a cited sentence
    whose best cosine similarity to its cited quotes is below `min_support` is removed. The default 0.25 is
    a placeholder: the engine lead calibrates it per embedder on the eval questions (e5 similarities sit
    high, roughly 0.75-0.92, so e5 needs a much higher threshold than mUSE).
    """
    sources: dict[tuple[int, ...], _Source] = {}
    verdicts: list[str | None] = []
    for sentence in sentences:
        claim = sentence.claim
        bad = [n for n in sentence.citations if not 1 <= n <= len(evidence)]
        facts = _answer_facts(claim)
        if bad:
            noun = "citation" if len(bad) == 1 else "citations"
            verb = "points" if len(bad) == 1 else "point"
            verdicts.append(f"{noun} {', '.join(f'[{n}]' for n in bad)} {verb} to no source")
        elif not sentence.citations:
            verdicts.append("no citation" if facts.quantities or facts.dates or facts.entities else None)
        else:
            key = tuple(sorted(sentence.citations))
            if key not in sources:
                sources[key] = _Source.of([evidence[n - 1] for n in key])
            source = sources[key]
            missing = _missing(facts, source, _script(claim), _script(source.text))
            verdicts.append("; ".join(f"{m} not in cited evidence" for m in missing) or None)

    support: list[float | None] = [None] * len(sentences)
    checked = [
        i
        for i, s in enumerate(sentences)
        if verdicts[i] is None and s.citations and regex(_WORD).search(s.claim)
    ]
    if embed is not None and checked:
        texts = list(dict.fromkeys([sentences[i].claim for i in checked] + [
            evidence[n - 1].quote for i in checked for n in sentences[i].citations
        ]))  # fmt: skip
        vectors = dict(zip(texts, embed(texts), strict=True))
        for i in checked:
            claim = sentences[i].claim
            best = max(
                _cosine(vectors[claim], vectors[evidence[n - 1].quote]) for n in sentences[i].citations
            )
            support[i] = best
            if best < min_support:
                verdicts[i] = (
                    f"not supported by the cited sentence (similarity {best:.2f} < {min_support:.2f})"
                )

    kept = [s for s, v in zip(sentences, verdicts, strict=True) if v is None]
    removed = [Removal(sentence=s.text, reason=v) for s, v in zip(sentences, verdicts, strict=True) if v]
    text = "".join(s.text + s.trailing for s in kept).strip()
    return Verification(kept, removed, text, [support[i] for i, v in enumerate(verdicts) if v is None])
