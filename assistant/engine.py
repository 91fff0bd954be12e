"""The answer engine: one object that the CLI, the HTTP API, the chat page and the evals all share.

The answer path is seven stages, one function each (`stream` below reads as the list):
understand (language, instructions, follow-up, Chinese rendering) → retrieve → select evidence →
generate → check → decide (answer, fall back or refuse) → compose.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterator
from dataclasses import replace

from assistant.calibration import HIGH_CONFIDENCE
from assistant.checks.answer import Checked, check_draft
from assistant.checks.conflicts import find_conflicts
from assistant.checks.measures import CorpusMeasures
from assistant.clause import answer_for_reader, count_to_read_off, faithful_rendering
from assistant.compose import citation, compose
from assistant.decide import (
    NO_FAITHFUL_ANSWER,
    Decision,
    Thresholds,
    asks_about_a_person,
    confidence_of,
    decide,
    role_asked,
)
from assistant.evidence import (
    EvidenceSet,
    EvidenceSignals,
    SentenceEmbeddingCache,
    choose_evidence,
)
from assistant.figures.words import digits_for_words
from assistant.generate import Draft, draft_answer
from assistant.language.asking import asks_for_count
from assistant.language.detect import is_chinese
from assistant.language.gate import DraftGate
from assistant.language.kanji import for_reader
from assistant.llm.protocol import Budget, ChatModel
from assistant.retrieval import HybridRetriever, Retrieval, retrieve
from assistant.schema import Answer, Evidence, FactCheck, Question, Removal, StreamEvent
from assistant.understand import Understanding, understand
from kernel.errors import UnavailableError
from kernel.settings import Settings
from vectorstore.index import ForumIndex

log = logging.getLogger(__name__)


class ForumEngine:
    """Grounded question answering over the forum index. Thread-safe for concurrent `answer` calls."""

    def __init__(
        self,
        settings: Settings,
        index: ForumIndex,
        llm: ChatModel | None = None,
        *,
        retrieval_modes: tuple[str, ...] = ("dense", "keyword"),
        guest_llm: ChatModel | None = None,
    ) -> None:
        self.settings = settings
        self.index = index
        self.llm = llm  # writes the answers to Chinese questions
        # serves foreign guests: renders their question for search, writes their answer (see guest_model)
        self.guest_llm = guest_llm if guest_llm is not None else llm
        self.retrieval_modes = retrieval_modes
        self.retriever = HybridRetriever(index, top_k=settings.top_k, modes=retrieval_modes)
        self.sentences = SentenceEmbeddingCache(index.embedder, index=index)
        self.measures = CorpusMeasures(index)  # what the documents count: conflicts and fact-checks
        self.thresholds = Thresholds(
            refusal=settings.refusal_threshold,
            min_coverage=settings.min_coverage,
            min_coverage_rendered=settings.min_coverage_rendered,
        )

    @classmethod
    def build(cls, settings: Settings) -> ForumEngine:
        """Open the index and load the configured LLM, and the guests' one if it differs (seconds: models
        page in)."""
        from assistant.llm.factory import make_guest_llm, make_llm

        llm = make_llm(settings)
        return cls(settings, ForumIndex.open(settings), llm, guest_llm=make_guest_llm(settings, llm))

    # ----- the answer path --------------------------------------------------------------------------
    def answer(self, question: Question) -> Answer:
        """The verified answer object (what /api/chat returns)."""
        final: Answer | None = None
        for event in self.stream(question):
            if event.kind == "answer":
                final = event.answer
        assert final is not None  # stream always ends with an answer event
        return final

    def stream(self, question: Question) -> Iterator[StreamEvent]:
        """Events: `citations` (the evidence, early), `delta`s (answer text), then the final `answer`."""
        budget, timings = Budget(self.settings.llm_timeout_s), dict[str, float]()
        with _timed(timings, "rewrite"):
            understood = self._understand(question, budget)
        with _timed(timings, "retrieve"):
            found = self._find(understood)
        yield StreamEvent(kind="citations", citations=[citation(n, ev) for n, ev in _numbered(found)])
        with _timed(timings, "generate"):
            draft = yield from _deltas(
                self._generate(understood, found, budget), DraftGate(understood.language)
            )
        if not draft.used_llm:
            timings.pop("generate")
        with _timed(timings, "verify"):
            checked = self._check(understood, found, draft)
        decision = decide(understood, found, draft, checked, self.thresholds)
        with _timed(timings, "render"):
            decision, text = self._for_the_reader(understood, found, decision, checked, budget)
        answer = compose(understood, found, decision, text, _removed(checked), timings, self.measures.get())
        self._translate_quotes(answer, budget)
        answer.timings_ms["total"] = round((time.perf_counter() - budget.started) * 1000, 1)
        yield StreamEvent(kind="answer", answer=answer)

    def look_up(self, question: Question) -> tuple[Understanding, EvidenceSet]:
        """Stages 1–3 alone: what is asked and the evidence for it, without an answer (calibration, search)."""
        understood = self._understand(question, Budget(self.settings.llm_timeout_s))
        return understood, self._find(understood)

    # ----- stages, bound to this engine's parts ------------------------------------------------------
    def _understand(self, question: Question, budget: Budget) -> Understanding:
        return understand(
            question,
            self.guest_llm,
            budget,
            max_chars=self.settings.max_message_chars,
            llm_rewrite=self.settings.llm_rewrite,
            render_languages=self.settings.rendered_languages,
        )

    def _find(self, understood: Understanding) -> EvidenceSet:
        """Stages 2 and 3: retrieve, then select the evidence sentences."""
        if understood.nothing_asked:
            nothing = EvidenceSignals(coverage=0.0, dense=0.0)
            return EvidenceSet([], nothing, Retrieval(queries=[], hits=[], years=set()))
        retrieval = retrieve(
            self.retriever, understood.standalone, understood.chinese, understood.focus_queries
        )
        return choose_evidence(retrieval, self.index, self.sentences, limit=self.settings.evidence_sentences)

    def _generate(
        self, understood: Understanding, found: EvidenceSet, budget: Budget
    ) -> Generator[str, None, Draft]:
        mode, chinese = understood.question.mode, is_chinese(understood.language)
        if not chinese and count_to_read_off(found) is not None:
            mode = "extract"  # a foreign guest's count is read off its clause (stage 6b): no model call
        return draft_answer(
            self.llm if chinese else self.guest_llm,
            understood.focus,
            found.evidence if chinese else found.evidence[: self.settings.guest_sources],
            understood.language,
            mode=mode,
            budget=budget,
            context=understood.context,
        )

    def _check(self, understood: Understanding, found: EvidenceSet, draft: Draft) -> Checked | None:
        if not draft.used_llm or draft.fallback is not None or draft.not_found:
            return None
        embed = self.index.embedder.get_text_embedding_batch
        terms = list(found.signals.anchor_terms)  # what is asked now, not an earlier question's words
        text = digits_for_words(draft.text, understood.language)  # "three years" is checked as 3
        asked = " ".join(found.retrieval.asked)
        checked = check_draft(
            text,
            found.evidence,
            terms,
            embed,
            asks_person=asks_about_a_person(understood),
            role=role_asked(understood, found),
            counting=asked if asks_for_count(asked) else None,
        )
        # Checked against the Chinese sources as written, then in the asker's kanji (论坛 → 論壇).
        return replace(checked, text=for_reader(checked.text, understood.language))

    def _for_the_reader(
        self,
        understood: Understanding,
        found: EvidenceSet,
        decision: Decision,
        checked: Checked | None,
        budget: Budget,
    ) -> tuple[Decision, str]:
        """Stage 6b: the answer text. A foreign guest's quoted answer is rendered from its clause (read off,
        or by the model when no draft was rejected); when no faithful rendering exists the answer is a
        refusal in their language, never a bare Chinese sentence."""
        if decision.mode == "generate" or decision.refused:
            return decision, checked.text if checked else ""
        if is_chinese(understood.language):
            return decision, ""  # compose quotes the sources
        # After a rejected draft the same model is not asked again to render the clause: on parity dev those
        # renderings were right 3 times in 18 (XQuAD dev: 3 in 48) and invented names and places (docs/llm.md).
        renderer = None if decision.fallback else self.guest_llm
        text = answer_for_reader(renderer, understood.language, found, budget)
        if text is None:
            why = "No faithful answer could be written in the asker's language; refused in it instead."
            return (
                replace(
                    decision,
                    refused=True,
                    fallback=decision.fallback or why,
                    refusal_reason=NO_FAITHFUL_ANSWER,
                ),
                "",
            )
        return replace(decision, rendered=True), text

    def _translate_quotes(self, answer: Answer, budget: Budget) -> None:
        """FORUM_TRANSLATE_QUOTES: a quoted answer's first three sources with their translations."""
        if self.settings.translate_quotes and answer.mode == "extract" and not answer.refused:
            for cited in answer.citations[:3]:
                cited.translation = self.translate_quote(cited.quote, answer.language, budget)

    def translate_quote(self, quote: str, language: str, budget: Budget | None = None) -> str | None:
        """A machine translation of a source sentence for a reader of `language`, or None (Chinese, no model,
        no time, or no faithful rendering).

        A reading aid shown under the Chinese original, which stays the source: like a guest's quoted
        answer it must be in that language and state exactly the sentence's figures (`faithful`)."""
        if self.guest_llm is None or not self.translates_for(language):
            return None
        return faithful_rendering(
            self.guest_llm, quote, language, budget or Budget(self.settings.llm_timeout_s)
        )

    def translates_for(self, language: str) -> bool:
        """Whether `translate_quote` makes translations for a reader of `language` (a guest model is loaded
        and the reader does not read Chinese), so that callers know before asking."""
        return self.guest_llm is not None and not is_chinese(language)

    # ----- the other services -----------------------------------------------------------------------
    def fact_check(self, claim: str, language: str = "auto") -> FactCheck:
        """Supporting and contradicting source sentences for a claim, and a verdict."""
        from assistant.checks.factcheck import judge, verdict

        understood = self._understand(
            Question(message=claim, language=language), Budget(self.settings.llm_timeout_s)
        )
        found = self._find(understood)
        support_n, contra_n = judge(claim, understood.chinese, found.evidence, self.measures.get())
        by_n = {n: citation(n, ev) for n, ev in _numbered(found)}
        supporting = [by_n[n] for n in support_n]
        contradicting = [by_n[n] for n in contra_n]
        result = verdict(supporting, contradicting)
        if result == "not_found" and confidence_of(found, 1.0) >= HIGH_CONFIDENCE and found.evidence:
            # No figures to compare, but a sentence that says the same thing in other words.
            supporting, result = [by_n[1]], "supported"
        return FactCheck(
            claim=claim,
            language=understood.language,
            verdict=result,
            supporting=supporting,
            contradicting=contradicting,
            conflicts=find_conflicts(found.evidence, self.measures.get()),
        )

    def warm_up(self, max_sentences: int = 5000) -> int:
        """Embed every document sentence ahead of the first question (small corpora only); returns the count.

        Evidence scoring embeds candidate sentences on first sight, which costs seconds on two cores; doing it
        once at start keeps the first visitors' answers fast. A large corpus is left to warm as it is asked.
        """
        sentences = [s for doc in self.index.documents() for s in self.index.sentences_of(doc.doc_id)]
        if len(sentences) > max_sentences:
            return 0
        self.sentences.vectors(sentences)
        self.measures.get()
        for model in {id(m): m for m in (self.llm, self.guest_llm) if m is not None}.values():
            try:
                model.warm_up()
            except UnavailableError as exc:  # a slow start must not stop the service: answers fall back
                log.warning("LLM warm-up did not finish (%s); the first answers may be slow.", exc)
        return len(sentences)

    def health(self) -> dict[str, object]:
        """Readiness and what is loaded."""
        stats = self.index.stats()
        guest_model = self.settings.guest_model or self.settings.llm_model
        return {
            "ready": not self.index.is_empty(),
            "documents": stats.get("documents", 0),
            "chunks": stats.get("chunks", 0),
            "embedder": stats.get("embedder", self.settings.embed_backend),
            "llm": None if self.llm is None else self.settings.llm_model,
            "guest_model": guest_model if self.guest_llm is not None else None,
        }

    def refresh(self) -> None:
        """See documents added to or removed from the index since the engine was built (after an ingest)."""
        self.retriever = HybridRetriever(self.index, top_k=self.settings.top_k, modes=self.retrieval_modes)
        self.measures = CorpusMeasures(self.index)


class _timed:
    """Context manager that records a stage's milliseconds in `timings`."""

    def __init__(self, timings: dict[str, float], stage: str) -> None:
        self.timings, self.stage = timings, stage

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.stage] = round((time.perf_counter() - self.started) * 1000, 1)


def _deltas(draft: Generator[str, None, Draft], gate: DraftGate) -> Generator[StreamEvent, None, Draft]:
    """Relay a generation's text deltas, through the asker's-language gate, and return its `Draft`."""
    while True:
        try:
            shown = gate.feed(next(draft))
        except StopIteration as done:
            shown = gate.flush()
            if shown:
                yield StreamEvent(kind="delta", delta=shown)
            return done.value
        if shown:
            yield StreamEvent(kind="delta", delta=shown)


def _numbered(found: EvidenceSet) -> Iterator[tuple[int, Evidence]]:
    return enumerate(found.evidence, start=1)


def _removed(checked: Checked | None) -> list[Removal]:
    return list(checked.removed) if checked else []
