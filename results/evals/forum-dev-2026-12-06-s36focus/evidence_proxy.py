"""Session 36 probe: gold sentences among the evidence on the dev split, with and without the topic-free dense run,
over the renderings pickled by renderings.py. Arguments: split, then weight pairs "chinese,foreign" (e.g. dev 1,1.5)."""
import os, sys, json, pickle, re, dataclasses
os.environ.setdefault("FORUM_DATA_DIR", "/tmp/s35/data")
os.environ.setdefault("FORUM_CORPUS_DIR", "/work/shared/corpus")
import logging; logging.disable(logging.WARNING)
import numpy as np
from kernel.settings import load_settings
from vectorstore.index import ForumIndex
import assistant.retrieval as RT
from assistant.retrieval import HybridRetriever
import assistant.evidence as E
from assistant.calibration import FUSION_WEIGHTS
from evals.dataset import items_for
settings = load_settings()
idx = ForumIndex.open(settings)
from assistant.engine import ForumEngine
eng = ForumEngine(settings, idx, None)
U = pickle.load(open("/tmp/s36/understood.pkl", "rb"))
qcache = {}
orig_sim = E._similarity
def sim(embedder, vecs, queries):
    qs = []
    for q in queries:
        if q not in qcache: qcache[q] = E._unit(np.asarray(embedder.get_query_embedding(q)))
        qs.append(qcache[q])
    return (vecs @ np.stack(qs).T).max(axis=1)
E._similarity = sim
norm = lambda t: re.sub(r"\s+", "", t)
split = sys.argv[1]
items = [(s, it) for s in ("parity", "forum") for it in items_for(split, s)]
def run(wz, wf):
    RT.FOREIGN_WEIGHTS["dense_focus"] = wf
    ret = HybridRetriever(idx, top_k=8, weights=dict(FUSION_WEIGHTS) | {"dense_focus": wz})
    out = {}
    for s, it in items:
        golds = [norm(q) for q in it.gold_quotes if q]
        if not golds: continue
        standalone, chinese, focus, lang = U[it.id]
        r = ret.search(standalone, chinese, focus=list(focus) if focus else None)
        inch = any(any(g[:20] in norm(h.chunk.text) for g in golds) for h in r.hits)
        ev = E.choose_evidence(r, idx, eng.sentences, limit=4)
        n = 4 if lang.startswith("zh") else 3
        inev = all(any(g[:12] in norm(e.quote) or norm(e.quote)[:12] in g for e in ev.evidence[:n]) for g in golds)
        first = bool(ev.evidence) and any(g[:12] in norm(ev.evidence[0].quote) or norm(ev.evidence[0].quote)[:12] in g for g in golds)
        out[it.id] = (inch, inev, first, lang.startswith("zh"))
    return out
base = run(0.0, 0.0)
def summ(o):
    z = [v for v in o.values() if v[3]]; f = [v for v in o.values() if not v[3]]
    return f"zh chunks {sum(v[0] for v in z)}/{len(z)} ev {sum(v[1] for v in z)} first {sum(v[2] for v in z)} | foreign chunks {sum(v[0] for v in f)}/{len(f)} ev {sum(v[1] for v in f)} first {sum(v[2] for v in f)}"
print("base", summ(base))
for wz, wf in [tuple(map(float, a.split(","))) for a in sys.argv[2:]]:
    o = run(wz, wf)
    print(wz, wf, summ(o))
    for k in o:
        if o[k][:3] != base[k][:3]: print("   ", k, base[k][:3], "->", o[k][:3])
