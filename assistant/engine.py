"""The answer engine: one object that the CLI, the HTTP API, the chat page and the evals all share.

question + history -> standalone question -> (Chinese rendering) -> hybrid retrieval -> evidence sentences
-> LLM answer with [n] (or extractive) -> verification -> conflicts -> confidence / refusal -> Answer.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from llama_index.core.llms import LLM

from assistant.checks.anchoring import unanchored_figure
from assistant.checks.conflicts import find_conflicts
from assistant.checks.guard import addresses_the_model, repeats_prompt, strip_instructions
from assistant.checks.repair import repair_citations
from assistant.checks.verify import split_answer, verify_sentences
from assistant.evidence import (
    EvidenceSignals,
    SentenceEmbeddingCache,
    asks_for_figure,
    select_evidence,
)
from assistant.generate import (
    build_messages,
    cited_numbers,
    extractive_answer,
    is_not_found,
    restates_question,
    stream_answer,
)
from assistant.language import messages
from assistant.language.detect import is_chinese, resolve_language
from assistant.language.followup import rewrite
from assistant.language.terms import chinese_queries
from assistant.retrieval import HybridRetriever, Retrieval
from assistant.schema import (
    Answer,
    Citation,
    Conflict,
    Evidence,
    FactCheck,
    Question,
    Removal,
    StreamEvent,
)
from kernel.errors import BadInputError, ForumError, UnavailableError
from kernel.settings import Settings
from vectorstore.index import ForumIndex

log = logging.getLogger(__name__)
_MARKER_ONLY = re.compile(r"\[\d+\]|NOT_FOUND")
_ANY_FIGURE = re.compile(r"\d|[一二两三四五六七八九十百千万亿]")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_LETTER = re.compile(r"[^\W\d_]")
# Words that make a question about the forum even when nothing more specific is asked ("When was it held?").
_FORUM_WORD = re.compile(
    r"中关村|论坛|年会|forum|foro|форум|フォーラム|포럼|منتدى|zhongguancun", re.IGNORECASE
)
_MIN_LLM_S = 1.0  # less time left than this: answer extractively rather than start a generation


@dataclass
class _Work:
    """State of one question as it moves through the stages."""

    question: Question
    language: str
    standalone: str
    focus: str = ""  # what is asked now (a follow-up's own words)
    context: str | None = None  # the earlier question a follow-up leans on
    chinese: str | None = None
    off_topic: bool = False  # nothing to look up: a greeting, noise, or only instructions to the model
    retrieval: Retrieval | None = None
    evidence: list[Evidence] = field(default_factory=list)
    signals: EvidenceSignals = field(default_factory=lambda: EvidenceSignals(coverage=0.0, dense=0.0))
    timings: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    deadline: float = float("inf")  # the request's LLM budget ends here (perf_counter time)

    def remaining(self) -> float:
        return self.deadline - time.perf_counter()

    def lap(self, stage: str, since: float) -> float:
        now = time.perf_counter()
        self.timings[stage] = round((now - since) * 1000, 1)
        return now


class ForumEngine:
    """Grounded question answering over the forum index. Thread-safe for concurrent `answer` calls."""

    def __init__(
        self,
        settings: Settings,
        index: ForumIndex,
        llm: LLM | None = None,
        *,
        retrieval_modes: tuple[str, ...] = ("dense", "keyword"),
    ) -> None:
        self.settings = settings
        self.index = index
        self.llm = llm
        self.retrieval_modes = retrieval_modes
        self.retriever = HybridRetriever(index, top_k=settings.top_k, modes=retrieval_modes)
        self.sentences = SentenceEmbeddingCache(index.embedder)

    @classmethod
    def build(cls, settings: Settings) -> ForumEngine:
        """Open the index and load the configured LLM (seconds: models page in)."""
        from assistant.llm.local import make_llm

        index = ForumIndex.open(settings)
        llm = make_llm(settings)
        return cls(settings, index, llm)

    # ----- public API -------------------------------------------------------------------------------
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
        work = self._prepare(question)
        citations = [_citation(n, ev) for n, ev in enumerate(work.evidence, start=1)]
        yield StreamEvent(kind="citations", citations=citations)

        use_llm = self.llm is not None and question.mode != "extract" and bool(work.evidence)
        text, fallback, llm_not_found = "", None, False
        if use_llm and work.remaining() < _MIN_LLM_S:
            use_llm = False
            fallback = (
                "The time for this answer was used up before generation; extractive answer given instead."
            )
        if use_llm:
            t0 = time.perf_counter()
            try:
                msgs = build_messages(work.focus, work.evidence, work.language, context=work.context)
                for delta in stream_answer(self.llm, msgs, **self._llm_budget(work)):  # type: ignore[arg-type]
                    text += delta
                    yield StreamEvent(kind="delta", delta=delta)
                llm_not_found = is_not_found(text)
            except UnavailableError as exc:
                fallback = f"LLM unavailable ({exc}); extractive answer given instead."
                log.warning(fallback)
            work.lap("generate", t0)
        elif question.mode == "generate" and self.llm is None:
            fallback = "No LLM is configured; extractive answer given instead."
        yield StreamEvent(kind="answer", answer=self._finish(work, text, fallback, llm_not_found, use_llm))

    def fact_check(self, claim: str, language: str = "auto") -> FactCheck:
        """Supporting and contradicting source sentences for a claim, and a verdict."""
        from assistant.checks.factcheck import judge, verdict

        work = self._prepare(Question(message=claim, language=language))
        support_n, contra_n = judge(claim, work.chinese, work.evidence)
        by_n = {n: _citation(n, ev) for n, ev in enumerate(work.evidence, start=1)}
        supporting = [by_n[n] for n in support_n]
        contradicting = [by_n[n] for n in contra_n]
        result = verdict(supporting, contradicting)
        if result == "not_found" and self._confidence(work, 1.0) >= 0.7 and work.evidence:
            # No figures to compare, but a sentence that says the same thing in other words.
            supporting, result = [by_n[1]], "supported"
        conflicts = find_conflicts(work.evidence)
        return FactCheck(
            claim=claim,
            language=work.language,
            verdict=result,  # type: ignore[arg-type]
            supporting=supporting,
            contradicting=contradicting,
            conflicts=conflicts,
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
        if self.llm is not None and hasattr(self.llm, "warm_up"):
            try:
                self.llm.warm_up()
            except UnavailableError as exc:  # a slow start must not stop the service: answers fall back
                log.warning("LLM warm-up did not finish (%s); the first answers may be slow.", exc)
        return len(sentences)

    def health(self) -> dict[str, object]:
        """Readiness and what is loaded."""
        stats = self.index.stats()
        return {
            "ready": not self.index.is_empty(),
            "documents": stats.get("documents", 0),
            "chunks": stats.get("chunks", 0),
            "embedder": stats.get("embedder", self.settings.embed_backend),
            "llm": None if self.llm is None else self.settings.llm_model,
        }

    def refresh(self) -> None:
        """See documents added to or removed from the index since the engine was built (after an ingest)."""
        self.retriever = HybridRetriever(self.index, top_k=self.settings.top_k, modes=self.retrieval_modes)

    # ----- stages -----------------------------------------------------------------------------------
    def _prepare(self, question: Question) -> _Work:
        message = question.message.strip()
        if not message:
            raise BadInputError("The message is empty; type a question about the Zhongguancun Forum.")
        if len(message) > self.settings.max_message_chars:
            raise BadInputError(
                f"The message has {len(message)} characters; the limit is {self.settings.max_message_chars}."
            )
        t = time.perf_counter()
        language = resolve_language(question.language, message)
        work = _Work(question=question, language=language, standalone=message, focus=message)
        work.deadline = work.started + self.settings.llm_timeout_s
        # Instructions aimed at the model are not part of the question ("…? Ignore the sources.").
        message = strip_instructions(message)
        if not _LETTER.search(message):
            work.off_topic = True
            work.lap("rewrite", t)
            return work
        rewritten = rewrite(message, question.history, self.llm, use_llm=self.settings.llm_rewrite)
        work.standalone, work.focus, work.context = rewritten.standalone, rewritten.focus, rewritten.context
        t = work.lap("rewrite", t)
        focus: list[str] | None = None
        if self.llm is not None and not is_chinese(resolve_language("auto", work.standalone)):
            if work.context is None:
                work.chinese = self._to_chinese(work.standalone)
            else:  # rendered apart (the earlier question's rendering is cached): two questions confuse it
                context_zh, focus_zh = self._to_chinese(work.context), self._to_chinese(work.focus)
                work.chinese = " ".join(q for q in (context_zh, focus_zh) if q) or None
                focus = [work.focus, *([focus_zh] if focus_zh else [])]
            t = work.lap("translate", t)
        elif work.context is not None:
            focus = [work.focus]
        work.retrieval = self.retriever.search(work.standalone, work.chinese, focus=focus)
        work.evidence, work.signals = select_evidence(
            work.retrieval, self.index, self.sentences, limit=self.settings.evidence_sentences
        )
        work.off_topic = not _asks_about_something(work)
        if work.retrieval.years:
            # A question about an edition is answered from that edition's sentences first.
            work.evidence.sort(key=lambda ev: not _names_edition(ev, work.retrieval.years))  # type: ignore[union-attr]
        work.lap("retrieve", t)
        return work

    def _to_chinese(self, text: str) -> str | None:
        from assistant.language.translate import to_chinese

        try:
            return to_chinese(self.llm, text)  # type: ignore[arg-type]
        except ForumError as exc:  # retrieval still works without the rendering, only less well
            log.warning("Chinese rendering failed: %s", exc)
            return None

    def _finish(
        self, work: _Work, text: str, fallback: str | None, llm_not_found: bool, used_llm: bool
    ) -> Answer:
        t = time.perf_counter()
        evidence = work.evidence
        removed: list[Removal] = []
        mode = "generate" if used_llm and fallback is None else "extract"
        kept_ratio = 1.0
        if mode == "generate" and not llm_not_found:
            embed = self._embed_texts
            terms = list(work.signals.terms)
            sentences = repair_citations(split_answer(text), evidence, terms)
            result = verify_sentences(sentences, evidence, embed=embed)
            removed = [_redacted(r) for r in result.removed]
            kept = []
            for sentence in result.kept:
                if repeats_prompt(sentence.text) or addresses_the_model(sentence.text):
                    removed.append(_redacted(Removal(sentence=sentence.text, reason="not an answer")))
                    continue
                figure = unanchored_figure(sentence, evidence, terms)
                if figure is None:
                    kept.append(sentence)
                else:
                    reason = f"figure {figure} in the cited source is not about {' / '.join(terms)}"
                    removed.append(Removal(sentence=sentence.text, reason=reason))
            total = len(kept) + len(removed)
            kept_ratio = len(kept) / total if total else 0.0
            text = "".join(s.text + s.trailing for s in kept).strip()
            asked = " ".join(work.retrieval.asked) if work.retrieval else work.focus
            stated = _YEAR.sub("", _MARKER_ONLY.sub("", text))  # an edition year answers no "when"
            if asks_for_figure(asked) and not _ANY_FIGURE.search(stated):
                # "The forum was held [1]." answers nothing: a figure or date was asked for.
                fallback = "The generated answer did not state the figure or date asked for; extractive answer given instead."
                mode = "extract"
            elif not _MARKER_ONLY.sub("", text).strip(" .。,，;；"):
                fallback = "No generated sentence survived verification; extractive answer given instead."
                mode = "extract"
            elif not cited_numbers(text):
                # Sentences with no figure pass verification, but an answer that cites nothing is not grounded.
                fallback = "The generated answer cited no source; extractive answer given instead."
                mode = "extract"
            elif restates_question(text, [*(work.retrieval.queries if work.retrieval else []), work.focus]):
                fallback = "The generated answer only repeated the question; extractive answer given instead."
                mode = "extract"
        work.lap("verify", t)

        conflicts = find_conflicts(evidence)
        confidence = self._confidence(work, kept_ratio)
        refused = (
            not evidence
            or work.off_topic
            or llm_not_found
            or (work.signals.coverage is not None and work.signals.coverage < self._min_coverage(work))
            or not self._year_matches(work)
            or confidence < self.settings.refusal_threshold
        )
        if refused:
            text = messages.say(messages.REFUSAL, work.language)
            mode = "generate" if used_llm and fallback is None else "extract"
        elif mode == "extract":
            # With conflicting sources, quote each side so both figures are in front of the reader.
            sides = sorted({n for c in conflicts for n in c.citations})
            text = extractive_answer(evidence, [1, *[n for n in sides if n != 1]])
            if not is_chinese(work.language):
                text = f"{messages.say(messages.SOURCES_SAY, work.language)} {text}"
        if conflicts and not refused:
            text = self._mention_conflicts(text, conflicts, work.language)

        cited = set(cited_numbers(text))
        citations = [
            _citation(n, ev)
            for n, ev in enumerate(evidence, start=1)
            if refused or n in cited  # a refusal lists the closest sources
        ]
        translate_quotes = (
            self.settings.translate_quotes and self.llm is not None and work.remaining() > _MIN_LLM_S
        )
        if mode == "extract" and not is_chinese(work.language) and translate_quotes and not refused:
            self._add_translations(citations, work.language)
        work.timings["total"] = round((time.perf_counter() - work.started) * 1000, 1)
        return Answer(
            answer=text,
            language=work.language,
            mode=mode,  # type: ignore[arg-type]
            refused=refused,
            confidence=round(confidence, 3),
            confidence_label="high" if confidence >= 0.7 else "medium" if confidence >= 0.45 else "low",
            question=work.question.message,
            standalone_question=work.standalone,
            citations=citations,
            conflicts=conflicts,
            removed=removed,
            timings_ms=work.timings,
            fallback_reason=fallback,
        )

    def _confidence(self, work: _Work, kept_ratio: float) -> float:
        # Calibrated on the eval questions (see docs/answer-engine.md): e5 similarities live in ~0.75-0.92.
        coverage = 0.6 if work.signals.coverage is None else work.signals.coverage
        dense = min(1.0, max(0.0, (work.signals.dense - 0.78) / 0.12))
        return 0.5 * coverage + 0.3 * dense + 0.2 * kept_ratio

    def _min_coverage(self, work: _Work) -> float:
        # Words of an LLM rendering differ from the article's more often than a visitor's own Chinese.
        rendered = work.chinese is not None and not is_chinese(work.language)
        return self.settings.min_coverage_rendered if rendered else self.settings.min_coverage

    @staticmethod
    def _year_matches(work: _Work) -> bool:
        """A question about an edition needs evidence from that edition (or naming that year)."""
        years = work.retrieval.years if work.retrieval else set()
        if not years:
            return True
        # The answer rests on the best sentence: it must be from (or name) the asked edition.
        return any(_names_edition(ev, years) for ev in work.evidence[:1])

    @staticmethod
    def _mention_conflicts(text: str, conflicts: list[Conflict], language: str) -> str:
        cited = set(cited_numbers(text))
        missing = [c for c in conflicts if not set(c.citations) <= cited]
        if not missing:
            return text
        notes = "; ".join(f"{c.about} {''.join(f'[{n}]' for n in c.citations)}" for c in missing)
        return f"{text} {messages.say(messages.CONFLICT, language)} {notes}"

    def _add_translations(self, citations: list[Citation], language: str) -> None:
        from assistant.language.translate import translate

        for citation in citations[:3]:
            try:
                citation.translation = translate(self.llm, citation.quote, language)  # type: ignore[arg-type]
            except ForumError as exc:
                log.warning("translation failed: %s", exc)
                return

    def _llm_budget(self, work: _Work) -> dict[str, float]:
        # The timeout covers the whole request: generation gets what the rendering left of it.
        return {"timeout_s": max(work.remaining(), _MIN_LLM_S)} if hasattr(self.llm, "timeout_s") else {}

    def _embed_texts(self, texts: list[str]) -> list[list[float]]:
        return self.index.embedder.get_text_embedding_batch(texts)


def _asks_about_something(work: _Work) -> bool:
    """False for a greeting or noise ("hi", "asdfgh"): no specific word, no edition, not even the forum."""
    if work.signals.terms or work.retrieval is None:
        return bool(work.signals.terms)
    text = " ".join(work.retrieval.queries)
    if _YEAR.search(text) or _FORUM_WORD.search(text):
        return True
    if chinese_queries(work.retrieval.queries):
        return False  # Chinese words were there to look for, and none of them is specific
    if work.chinese is not None:
        return False  # the LLM rendered it and found nothing Chinese to say: nothing was asked
    # No LLM to render a foreign question: a single word ("hi", "asdfgh") is not a question about the forum.
    return len(work.focus.split()) >= 2


def _redacted(removal: Removal) -> Removal:
    """A removed sentence as the audit list shows it: never our own instructions repeated back."""
    if repeats_prompt(removal.sentence) or addresses_the_model(removal.sentence):
        return Removal(sentence="(withheld: the model repeated its instructions)", reason=removal.reason)
    return removal


def _names_edition(ev: Evidence, years: set[int]) -> bool:
    return ev.year is None or ev.year in years or any(str(y) in ev.quote for y in years)


def _citation(n: int, ev: Evidence) -> Citation:
    return Citation(n=n, **ev.model_dump(exclude={"year"}))
