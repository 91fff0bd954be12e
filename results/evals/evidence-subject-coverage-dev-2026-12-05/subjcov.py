"""Paired: evidence coverage over all content terms (today) vs over subject words only (no verbs/figures).
Gold sentence at evidence[0], in evidence[:3], for dev fact items (same rendering for both)."""
import sys, os, collections
from pathlib import Path
from kernel.settings import load_settings
from vectorstore.index import ForumIndex
from assistant.engine import ForumEngine
from assistant.evidence import choose_evidence
import assistant.evidence as E
from assistant.language.terms import subject_words
from assistant.llm.factory import make_guest_llm, make_llm
from assistant.schema import Question
from evals.dataset import items_for
s = load_settings(chroma_host=None, data_dir=Path(os.environ.get("DD", "/tmp/s27/data")), corpus_dir=Path("/work/shared/corpus"), llm_timeout_s=600.0)
index = ForumIndex.open(s)
llm = make_llm(s); engine = ForumEngine(s, index, llm, guest_llm=make_guest_llm(s, llm))
norm = lambda t: "".join(t.split())
orig = E.distinguishing
def subj(terms, texts): return [t for t in orig(terms, texts) if t.isdigit() or t in set(subject_words([t]))]
res = collections.Counter()
split = sys.argv[1]
for suite in sys.argv[2:]:
    if suite == "xquad":
        from evals.xquad_answers import xquad_items
        src = xquad_items(Path("/work/shared/benchmarks"), split, limit=int(os.environ.get("LIM", "40")))
    else:
        src = items_for(split, suite)
    for it in [it for it in src if it.gold_quotes and it.kind != "followup"]:
        u, found = engine.look_up(Question(message=it.message))
        row = []
        for variant in (orig, subj):
            E.distinguishing = variant
            evs = choose_evidence(found.retrieval, index, engine.sentences, limit=4).evidence
            hit = lambda e: any(norm(e.quote)[:30] in norm(q) or norm(q)[:30] in norm(e.quote) for q in it.gold_quotes)
            row.append((int(bool(evs) and hit(evs[0])), int(any(hit(e) for e in evs[:3]))))
        E.distinguishing = orig
        k = "zh" if it.language == "zh" else "xx"
        for name, (a1, a3) in zip(("today", "subject"), row):
            res[(suite, k, name, "at1")] += a1; res[(suite, k, name, "in3")] += a3
        res[(suite, k, "n")] += 1
        if row[0] != row[1]: print(it.id, row, u.chinese, flush=True)
for k, v in sorted(res.items(), key=str): print(k, v)
