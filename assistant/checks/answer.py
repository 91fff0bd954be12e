"""Stage 5, check: every generated sentence is verified against the evidence it cites; what fails is
removed and listed with the reason (figures, dates and names not in the cited sentence, a figure about
something else, our own instructions repeated back, a phrase said over and over); a cited person's name
misspelt in Latin or Cyrillic letters is written as the source spells it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from assistant.checks.anchoring import miscounted_figure, unanchored_figure
from assistant.checks.guard import addresses_the_model, repeats_prompt
from assistant.checks.names import holds_role, names_a_person, unquoted_name
from assistant.checks.repair import repair_citations
from assistant.checks.romanized import names_no_cited_person, respell_names
from assistant.checks.verify import split_answer, verify_sentences
from assistant.language.loops import loops
from assistant.schema import Evidence, Removal

Embed = Callable[[list[str]], list[list[float]]]


@dataclass(frozen=True)
class Checked:
    """The generated text with unsupported sentences removed."""

    text: str
    removed: list[Removal] = field(default_factory=list)
    kept_ratio: float = 1.0  # share of sentences that survived


def check_draft(
    text: str,
    evidence: list[Evidence],
    terms: list[str],
    embed: Embed,
    *,
    asks_person: bool = False,
    role: str | None = None,
    counting: str | None = None,
) -> Checked:
    """Repair citation markers, verify each sentence against its sources, and drop what is not grounded.

    `asks_person`: the question asks who; a sentence whose cited sources name nobody invented its name, and
    one in letters that spells none of the Chinese names they hold named someone else (`names_no_cited_person`).
    `role`: the role the "who" question asks for (`asked_role`); a sentence whose cited sources do not name it
    answers with someone else.
    `counting`: the asked text of a "how many" question; a figure that counts something else is dropped."""
    sentences = repair_citations(split_answer(text), evidence, terms)
    result = verify_sentences(sentences, evidence, embed=embed)
    removed = [redacted(r) for r in result.removed]
    kept = []
    for sentence in result.kept:
        cited = [evidence[n - 1].quote for n in sentence.citations if 0 < n <= len(evidence)]
        sentence = replace(sentence, text=respell_names(sentence.text, cited))
        if repeats_prompt(sentence.text) or addresses_the_model(sentence.text):
            removed.append(redacted(Removal(sentence=sentence.text, reason="not an answer")))
            continue
        if loops(sentence.claim):
            removed.append(Removal(sentence=sentence.text, reason="says one phrase over and over"))
            continue
        if asks_person and not any(names_a_person(quote) for quote in cited):
            removed.append(Removal(sentence=sentence.text, reason="names a person no cited source names"))
            continue
        if asks_person and names_no_cited_person(sentence.claim, cited):
            removed.append(
                Removal(sentence=sentence.text, reason="names none of the people its cited sources name")
            )
            continue
        if role and not any(holds_role(quote, role) for quote in cited):
            removed.append(
                Removal(sentence=sentence.text, reason=f"no cited source names the {role} asked for")
            )
            continue
        if (name := unquoted_name(sentence.claim, cited)) is not None:
            removed.append(
                Removal(sentence=sentence.text, reason=f'quotes "{name}", which no cited source quotes')
            )
            continue
        figure = unanchored_figure(sentence, evidence, terms)
        miscount = miscounted_figure(sentence, evidence, counting) if counting else None
        if figure is not None:
            reason = f"figure {figure} in the cited source is not about {' / '.join(terms)}"
            removed.append(Removal(sentence=sentence.text, reason=reason))
        elif miscount is not None:
            reason = f"figure {miscount} in the cited source counts something the question does not ask about"
            removed.append(Removal(sentence=sentence.text, reason=reason))
        else:
            kept.append(sentence)
    total = len(kept) + len(removed)
    return Checked(
        text="".join(s.text + s.trailing for s in kept).strip(),
        removed=removed,
        kept_ratio=len(kept) / total if total else 0.0,
    )


def redacted(removal: Removal) -> Removal:
    """A removed sentence as the audit list shows it: never our own instructions repeated back."""
    if repeats_prompt(removal.sentence) or addresses_the_model(removal.sentence):
        return Removal(sentence="(withheld: the model repeated its instructions)", reason=removal.reason)
    return removal
