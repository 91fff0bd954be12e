"""Foreign guests: answers in the asker's language, with the Chinese original in the citations.

Two kinds of test, both over the real corpus index and the real embedder:
- a scripted model (the one allowed fake) that writes its answer in the WRONG language (a French question
  answered in German, an English one in Chinese): the user must get text in their own language, a
  rendering or a refusal, never the wrong-language text (judged by `written_in`, the eval's own check);
- the real packaged models of the default configuration (marked llm; the 1.5B serves foreign guests): a
  French, a Japanese and an Arabic question, each answered in that language with the right figure, the
  citation quoting the Chinese sentence that holds the figure.
  The questions are written for these tests (not taken from the eval suites).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from assistant.decide import NO_FAITHFUL_ANSWER
from assistant.engine import ForumEngine
from assistant.language import messages
from assistant.language.written import written_in
from assistant.llm.local import LocalGGUFLLM
from assistant.schema import Answer, Question
from kernel.settings import Settings
from tests.support import ScriptedLLM
from vectorstore.index import ForumIndex


@dataclass(frozen=True)
class WrongLanguage:
    """A question, what the model renders it as for search, and the answer it writes in another language."""

    language: str  # the asker's
    question: str
    rendering: str  # the Chinese search rendering (the model's first call)
    wrong: str  # every later call: the answer, and any clause rendering, in `wrong_language`
    wrong_language: str

    def llm(self) -> ScriptedLLM:
        """A scripted model that writes everything after the search rendering in the wrong language.

        Its name is unique per case: the translation cache is keyed by model name, and a rendering cached
        by another test's scripted model must not stand in for this one's."""
        return ScriptedLLM(
            name=f"scripted-{self.language}-in-{self.wrong_language}",
            replies=[self.rendering],
            reply=self.wrong,
        )


# Questions the model must write an answer for (no figure to read off the source), so a draft exists.
WRONG_LANGUAGE = [
    WrongLanguage(
        language="fr",
        question="Où se trouvait le lieu principal du Forum de Zhongguancun 2023 ?",
        rendering="2023中关村论坛的主会场在哪里？",
        wrong="Der Hauptveranstaltungsort des Forums 2023 war das Ausstellungszentrum von Zhongguancun [1].",
        wrong_language="de",
    ),
    WrongLanguage(
        language="en",
        question="What was the annual theme of the 2023 Zhongguancun Forum?",
        rendering="2023中关村论坛的年度主题是什么？",
        wrong="2023中关村论坛的年度主题是“开放合作、共享未来”[1]。",
        wrong_language="zh",
    ),
]


def assert_in_the_askers_language(answer: Answer, case: WrongLanguage) -> None:
    """The answer object holds text in the asker's language (a rendering or a refusal), never `case.wrong`."""
    assert answer.language == case.language
    assert case.wrong not in answer.answer and case.wrong.rstrip(" [1].。") not in answer.answer
    assert written_in(answer.answer, case.language), answer.answer
    assert not written_in(answer.answer, case.wrong_language), answer.answer
    # Nor beside the quotes: a translation of a citation is text the user reads too.
    assert all(c.translation is None or written_in(c.translation, case.language) for c in answer.citations)


@pytest.mark.parametrize("case", WRONG_LANGUAGE, ids=lambda c: f"{c.language}-answered-in-{c.wrong_language}")
def test_an_answer_in_the_wrong_language_never_reaches_the_user(
    corpus_settings: Settings, corpus_index: ForumIndex, case: WrongLanguage
) -> None:
    engine = ForumEngine(corpus_settings, corpus_index, case.llm())
    answer = engine.answer(Question(message=case.question, mode="generate"))
    assert_in_the_askers_language(answer, case)
    assert answer.mode == "extract" and answer.fallback_reason, "the wrong-language draft is not shown"
    assert answer.citations, "a rendering or a refusal still lists its sources"


def test_a_rejected_draft_is_not_followed_by_a_rendering_from_the_same_model(
    corpus_settings: Settings, corpus_index: ForumIndex
) -> None:
    # The model that wrote a draft verification rejected is not asked to render the clause instead: on
    # parity dev those renderings were mostly wrong. With no figure to read off, the guest gets a refusal.
    case = WRONG_LANGUAGE[0]
    # A name of its own: the translation cache must not serve the search rendering another test cached.
    scripted = ScriptedLLM(name="scripted-rejected-then-silent", replies=[case.rendering], reply=case.wrong)
    answer = ForumEngine(corpus_settings, corpus_index, scripted).answer(
        Question(message=case.question, mode="generate")
    )
    assert_in_the_askers_language(answer, case)
    assert answer.refused and answer.refusal_reason == NO_FAITHFUL_ANSWER
    # The sources may hold the answer: the refusal says no reliable answer was written, not that they lack one.
    assert answer.answer == messages.UNWRITTEN[case.language] != messages.REFUSAL[case.language]
    assert scripted.calls == 2, scripted.prompts  # the search rendering and the draft, nothing after


def test_a_draft_that_hands_the_question_back_is_not_shown(
    corpus_settings: Settings, corpus_index: ForumIndex
) -> None:
    # The guest model restated an Arabic question as a question of its own, with a citation (parity dev):
    # the guest gets a refusal in Arabic, not a question.
    scripted = ScriptedLLM(
        name="scripted-ar-asks-back",
        replies=["2023中关村论坛的主会场在哪里？"],
        reply="كان المكان الرئيسي لمنتدى تشونغ قوان تسون 2023 في مركز المعارض، فأين يقع هذا المركز؟ [1]",
    )
    answer = ForumEngine(corpus_settings, corpus_index, scripted).answer(
        Question(message="أين كان المكان الرئيسي لمنتدى تشونغ قوان تسون 2023؟", mode="generate")
    )
    assert answer.language == "ar" and written_in(answer.answer, "ar"), answer.answer
    assert "؟" not in answer.answer and answer.refused, answer.answer
    assert answer.fallback_reason and "question" in answer.fallback_reason


def test_a_japanese_draft_keeps_its_answer_but_not_the_chinese_character_forms(
    corpus_settings: Settings, corpus_index: ForumIndex
) -> None:
    # The draft copies the source's simplified forms (中关村国家自主创新示范区展示中心); Japanese writes 関, 国, 範.
    scripted = ScriptedLLM(
        name="scripted-ja-chinese-forms",
        replies=["2023中关村论坛的主会场在哪里？"],
        reply="2023年のメイン会場は、中关村国家自主创新示范区展示中心という施設です[1]。",
    )
    engine = ForumEngine(corpus_settings, corpus_index, scripted)
    answer = engine.answer(
        Question(message="2023年の中関村フォーラムのメイン会場はどこですか？", mode="generate")
    )
    assert answer.mode == "generate" and not answer.refused, (
        answer.refusal_reason,
        answer.fallback_reason,
        [c.quote[:40] for c in answer.citations],
    )
    assert "中関村国家自主創新示範区展示中心" in answer.answer
    assert written_in(answer.answer, "ja")
    assert answer.citations and "中关村" in answer.citations[0].quote  # the original stays Chinese


def test_the_guest_model_serves_foreign_guests_and_the_answer_model_chinese_visitors(
    corpus_settings: Settings, corpus_index: ForumIndex
) -> None:
    # FORUM_GUEST_MODEL: a larger model serves foreign guests (renders, writes) while the small one answers
    # Chinese questions; each gets only its questions.
    guest = ScriptedLLM(
        name="scripted-guest",
        replies=["2023中关村论坛的主会场在哪里？"],
        reply="Le lieu principal était le centre d'exposition de Zhongguancun [1].",
    )
    writer = ScriptedLLM(name="scripted-writer", reply="主会场位于中关村国家自主创新示范区展示中心[1]。")
    engine = ForumEngine(corpus_settings, corpus_index, writer, guest_llm=guest)
    question = "Où se trouvait le lieu principal du Forum de Zhongguancun 2023 ?"
    answer = engine.answer(Question(message=question, mode="generate"))
    # It renders the question (reading the forum's name in Chinese) ...
    assert guest.prompts and "Où se trouvait le lieu principal du 中关村论坛 2023" in guest.prompts[0]
    assert "You translate" in guest.prompts[0]
    assert question in guest.prompts[-1] and "numbered sources" in guest.prompts[-1]  # it wrote the answer
    assert not writer.prompts  # the Chinese visitors' model saw nothing of the French question
    assert answer.language == "fr" and written_in(answer.answer, "fr"), answer.answer
    engine.answer(Question(message="2023年中关村论坛的主会场在哪里？", mode="generate"))
    assert writer.prompts and "numbered sources" in writer.prompts[-1]
    assert engine.health()["guest_model"] == corpus_settings.guest_model  # named by settings, not by object


# ----- the real packaged model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GuestQuestion:
    """A question in `language` whose answer is a figure one sentence of the corpus states."""

    language: str
    question: str
    figure: str  # as the answer writes it (Western digits; Arabic-Indic digits count too)
    quote_holds: str  # the figure in the Chinese sentence the citation must quote


# Issue 14 is open: the French question is not answered yet. Remove the mark when the engine answers it;
# an XPASS in the test output says it does.
_FRENCH_OPEN = pytest.mark.xfail(
    strict=False,
    reason="Issue 14 (session 23): the reply is French but a refusal. The 1.5B renders 'l'exposition permanente' "
    "and 'réalisations de pointe' as 永久展览 and 重要作品, the source says 常设展 and 前沿成果: the chunk with 560余项 "
    "ranks 19th, below eight chunks of one long 2026 article, so it is not among the evidence. (Session 22's "
    "rendering also lost the count; it keeps it now, 有多少件重要作品.)",
)
GUESTS = [
    pytest.param(
        GuestQuestion(
            "fr",
            "Combien de réalisations de pointe l'exposition permanente du Forum de Zhongguancun 2026 a-t-elle "
            "présentées ?",
            "560",
            "560余项",
        ),
        id="fr",
        marks=_FRENCH_OPEN,
    ),
    pytest.param(
        GuestQuestion("ja", "2023年の中関村フォーラムは何日間にわたって開かれましたか？", "6", "为期6天"),
        id="ja",
    ),
    pytest.param(
        GuestQuestion(
            "ar", "كم عدد الفعاليات التي أقيمت خلال منتدى تشونغ قوان تسون لعام 2023؟", "150", "150场活动"
        ),
        id="ar",
    ),
]
_ARABIC_INDIC = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def _digits(text: str) -> str:
    """Digits as Western digits, thousands separators dropped ("١٥٠" and "1,500" are read as figures)."""
    return text.translate(_ARABIC_INDIC).replace(",", "").replace("٬", "")


@pytest.fixture(scope="module")
def generative(
    corpus_settings: Settings, corpus_index: ForumIndex, llm: LocalGGUFLLM, guest_llm: LocalGGUFLLM
) -> ForumEngine:
    """The engine in its default configuration (the real packaged 0.5B for Chinese questions, the 1.5B for
    foreign guests), with a generous time limit: these tests are about the language, the figure and the
    citation; the bench measures the time, and on a shared 2-core machine the default limit turns a slow
    answer into quotes or a refusal."""
    settings = corpus_settings.model_copy(update={"llm_model": "qwen-0.5b", "llm_timeout_s": 600.0})
    return ForumEngine(settings, corpus_index, llm, guest_llm=guest_llm)


@pytest.mark.llm
@pytest.mark.parametrize("guest", GUESTS)
def test_a_foreign_guest_gets_the_figure_in_their_language_with_the_chinese_original(
    generative: ForumEngine, guest: GuestQuestion
) -> None:
    answer = generative.answer(Question(message=guest.question))
    summary = (
        f"{answer.mode}, refused={answer.refused} ({answer.refusal_reason}), fallback={answer.fallback_reason!r}, "
        f"searched {answer.standalone_question!r}: {answer.answer!r}; "
        f"quotes {[c.quote[:60] for c in answer.citations]}"
    )
    assert answer.language == guest.language, summary
    assert not answer.refused, summary
    assert written_in(answer.answer, guest.language), summary
    assert guest.figure in _digits(answer.answer), summary
    # The claim's [n] points at the Chinese sentence that states the figure, and the quote is the source's.
    cited = [c for c in answer.citations if f"[{c.n}]" in answer.answer]
    assert any(guest.quote_holds in c.quote for c in cited), [c.quote for c in cited]
    for c in answer.citations:
        assert generative.index.document(c.doc_id).text[c.start : c.end] == c.quote


# ----- a source sentence translated for the reader (the source panel's reading aid) -------------------------

_FIFTY_FIVE = (
    "此外，今年中关村论坛还举办了55场平行论坛，围绕人工智能、生命科学、清洁能源等前沿领域展开探讨，"
    "为来自全球的专家学者搭建交流对话的高端平台。"
)


@pytest.mark.parametrize(
    "reply",
    [
        "The forum also held 65 parallel forums on AI, life sciences and clean energy.",  # another figure
        "The forum also held parallel forums on AI, life sciences and clean energy.",  # the figure dropped
        "Le forum a aussi tenu 55 forums parallèles sur l'IA et l'énergie propre.",  # another language
    ],
)
def test_an_unfaithful_translation_of_a_source_is_not_shown(
    corpus_settings: Settings, corpus_index: ForumIndex, reply: str
) -> None:
    engine = ForumEngine(corpus_settings, corpus_index, None, guest_llm=ScriptedLLM(reply=reply))
    assert engine.translate_quote(_FIFTY_FIVE, "en") is None


def test_a_chinese_reader_gets_no_translation(corpus_settings: Settings, corpus_index: ForumIndex) -> None:
    scripted = ScriptedLLM(reply="The forum also held 55 parallel forums.")
    engine = ForumEngine(corpus_settings, corpus_index, None, guest_llm=scripted)
    assert engine.translate_quote(_FIFTY_FIVE, "zh") is None and scripted.calls == 0


@pytest.mark.llm
@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_guest_model_translates_a_source_for_the_reader(
    corpus_settings: Settings, corpus_index: ForumIndex, guest_llm: LocalGGUFLLM, language: str
) -> None:
    engine = ForumEngine(corpus_settings, corpus_index, None, guest_llm=guest_llm)
    text = engine.translate_quote(_FIFTY_FIVE, language)
    assert text and written_in(text, language) and "55" in text.translate(_ARABIC_INDIC), text
