"""Dev split only: the refusal calibration's `won` and refusal accuracy at the current settings, for the
old hand-written GENERIC_WORDS and for the new generic words (stopwords-iso + corpus common terms), on the
same understood questions (one LLM rendering per item, shared by both)."""
import json, sys, time
import assistant.evidence as evidence_module
from assistant.language.terms import subject_words as nouns_only
def figures_out(terms):
    return [t for t in terms if not t.isdigit()]
from collections import Counter
from dataclasses import asdict, replace

from assistant.decide import Thresholds, confidence_of, refusal_reason
from assistant.engine import ForumEngine
from assistant.language.terms import GenericWords
from assistant.llm.protocol import Budget
from assistant.retrieval import HybridRetriever
from evals import metrics
from evals.calibrate import Observed, score, sweep
from evals.configs import LLMPool, open_eval_index
from evals.dataset import items_for
from kernel.settings import load_settings

OLD = frozenset(
    """中关村 论坛 中关村论坛 年会 举办 举行 召开 多少 什么 哪些 哪个 哪 几 几个 是 的 了 吗 呢 在 有 和 与 及
    年 届 本届 今年 这 那 它 其 该 请问 一共 共 总共 个 场 名 位 次 为 被 将 从 到 对 于 上 中 谁 如何 怎么
    怎样 时候 何时 哪天 哪几天 期间 当时 时间 多久 多长 多长时间 the of and a an in on at to for is are was were what
    which who how many much when where did does do forum zhongguancun""".split()
)

class NoVerbs(GenericWords):
    """Experiment: also drop the question's verbs (jieba dictionary tag v*, not vn)."""
    def __contains__(self, word):
        import jieba.posseg
        tag = jieba.posseg.dt.word_tag_tab.get(word)
        return super().__contains__(word) or (tag is not None and tag.startswith("v") and tag != "vn")


def observed(item, understood, found):
    quotes = " ".join(ev.quote for ev in found.evidence[:2])
    open_limits = Thresholds(refusal=0.0, min_coverage=0.0, min_coverage_rendered=0.0)
    return Observed(id=item.id, kind=item.kind, language=item.language, should_refuse=item.kind == "unanswerable",
        evidence_holds_answer=bool(item.answers) and metrics.answer_matches(quotes, item.answers, "zh"),
        coverage=found.signals.coverage, rendered=understood.rendered, confidence=confidence_of(found, 1.0),
        fixed_rule=refusal_reason(understood, found, 1.0, open_limits), understood=understood, found=found)

def main(out):
    settings = load_settings()
    items = [i for suite in ("forum", "parity") for i in items_for("dev", suite)]
    index, _ = open_eval_index(settings, "forum", settings.corpus_dir)
    pool = LLMPool(settings)
    engine = ForumEngine(settings, index, pool.get(settings.llm_model))
    new_generic = engine.retriever.generic
    old = HybridRetriever(index, top_k=settings.top_k, generic=GenericWords(function=OLD))
    new = engine.retriever
    noverbs = HybridRetriever(index, top_k=settings.top_k, generic=NoVerbs(new_generic.function, new_generic.corpus))
    print("corpus common terms:", sorted(new_generic.corpus), file=sys.stderr)
    rows = {"old": [], "new": [], "subject_nouns": []}
    terms = []
    t0 = time.perf_counter()
    for n, item in enumerate(items):
        understood = engine._understand(item.to_question(), Budget(settings.llm_timeout_s))
        for name, retriever, subject in (("old", old, figures_out), ("new", new, figures_out), ("subject_nouns", new, nouns_only)):
            engine.retriever = retriever
            evidence_module.subject_words = subject
            found = engine._find(understood)
            rows[name].append(observed(item, understood, found))
        terms.append({"id": item.id, "lang": item.language, "standalone": understood.standalone, "chinese": understood.chinese,
                      **{k: list(rows[k][-1].found.signals.terms) for k in rows}, **{k + "_cov": rows[k][-1].coverage for k in rows},
                      **{k + "_refused": score([rows[k][-1]], Thresholds(settings.refusal_threshold, settings.min_coverage, settings.min_coverage_rendered))["refusal_accuracy"] for k in rows}})
        json.dump(terms, open(f"{out}/terms.json", "w"), ensure_ascii=False, indent=1)
        if n % 20 == 0:
            print(n, len(items), round(time.perf_counter() - t0), file=sys.stderr, flush=True)
    current = Thresholds(settings.refusal_threshold, settings.min_coverage, settings.min_coverage_rendered)
    report = {"items": len(items), "current_settings": asdict(current)}
    for name, obs in rows.items():
        report[name] = {"current": score(obs, current), "best": sweep(obs)[0],
                        "fixed_rules": dict(Counter(s.fixed_rule for s in obs if s.fixed_rule)),
                        "answerable_refused_now": [{"id": s.id, "rule": refusal_reason(s.understood, s.found, s.confidence, current)}
                                                    for s in obs if not s.should_refuse and (s.fixed_rule or (s.coverage is not None and s.coverage < (current.min_coverage_rendered if s.rendered else current.min_coverage)) or s.confidence < current.refusal)]}
    json.dump(report, open(f"{out}/report.json", "w"), ensure_ascii=False, indent=1)
    json.dump(terms, open(f"{out}/terms.json", "w"), ensure_ascii=False, indent=1)
    for name in rows:
        print(name, report[name]["current"], "best:", report[name]["best"])
    pool.close(); index.close()

main(sys.argv[1])
