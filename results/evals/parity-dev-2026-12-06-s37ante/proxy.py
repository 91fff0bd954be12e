"""Session 37 probe: gold sentences among the evidence on a split, over session 36's pickled dev renderings.
Usage: proxy.py OUT.json  (run once per code state, compare with cmp_proxy.py). The pickle is the one
results/evals/forum-dev-2026-12-06-s36focus/renderings.py writes; the setup lines are that folder's
evidence_proxy.py's, kept apart because that script needs its session's patch to run."""
import os, sys, json, pickle, re
os.environ.setdefault("FORUM_DATA_DIR", "/tmp/s35/data")
os.environ.setdefault("FORUM_CORPUS_DIR", "/work/shared/corpus")
import logging; logging.disable(logging.WARNING)
from kernel.settings import load_settings
from vectorstore.index import ForumIndex
from assistant.retrieval import HybridRetriever
import assistant.evidence as E
from assistant.calibration import FUSION_WEIGHTS
from evals.dataset import items_for
from assistant.engine import ForumEngine
settings = load_settings()
idx = ForumIndex.open(settings)
eng = ForumEngine(settings, idx, None)
U = pickle.load(open("/tmp/s36/understood.pkl", "rb"))
norm = lambda t: re.sub(r"\s+", "", t)
ret = HybridRetriever(idx, top_k=8, weights=dict(FUSION_WEIGHTS))
out = {}
for s in ("parity", "forum"):
    for it in items_for("dev", s):
        golds = [norm(q) for q in it.gold_quotes if q]
        if not golds or it.id not in U: continue
        standalone, chinese, focus, lang = U[it.id]
        r = ret.search(standalone, chinese, focus=list(focus) if focus else None)
        ev = E.choose_evidence(r, idx, eng.sentences, limit=4)
        n = 4 if lang.startswith("zh") else 3
        hit = lambda e: lambda g: g[:12] in norm(e.quote) or norm(e.quote)[:12] in g
        inev = all(any(hit(e)(g) for e in ev.evidence[:n]) for g in golds)
        first = bool(ev.evidence) and any(hit(ev.evidence[0])(g) for g in golds)
        out[it.id] = [inev, first, lang.startswith("zh"), [e.quote[:30] for e in ev.evidence]]
json.dump(out, open(sys.argv[1], "w"), ensure_ascii=False, indent=0)
z = [v for v in out.values() if v[2]]; f = [v for v in out.values() if not v[2]]
print(f"zh ev {sum(v[0] for v in z)}/{len(z)} first {sum(v[1] for v in z)} | foreign ev {sum(v[0] for v in f)}/{len(f)} first {sum(v[1] for v in f)}")
