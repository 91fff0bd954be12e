"""Prototype: a max-sentence dense run fused into retrieval; gold chunk in top 8 / gold sentence in top 3."""
import sys, collections, dataclasses
from pathlib import Path
import numpy as np
from kernel.settings import load_settings
from vectorstore.index import ForumIndex
from assistant.engine import ForumEngine
from assistant.evidence import choose_evidence
from assistant.llm.factory import make_guest_llm, make_llm
from assistant.schema import Question
from evals.dataset import items_for
from assistant.retrieval import RRF_K
import os
s = load_settings(chroma_host=None, data_dir=Path(os.environ.get("DD", "/tmp/s27/data")), corpus_dir=Path("/work/shared/corpus"), llm_timeout_s=600.0)
index = ForumIndex.open(s)
llm = make_llm(s); engine = ForumEngine(s, index, llm, guest_llm=make_guest_llm(s, llm))
r = engine.retriever; r.top_k = 60
norm = lambda t: "".join(t.split())
WS = [0.0, 2.0, 3.0, 5.0]
res = collections.Counter()
split = sys.argv[1]
def unit(v): v = np.asarray(v, dtype=np.float32); return v / np.linalg.norm(v)
for suite in sys.argv[2:]:
    if suite == "xquad":
        from evals.xquad_answers import xquad_items
        src = xquad_items(Path("/work/shared/benchmarks"), split, limit=int(os.environ.get("LIM", "40")))
    else:
        src = items_for(split, suite)
    items = [it for it in src if it.gold_quotes and it.kind != "followup"]
    if suite == "forum": items = [it for it in items if it.language != "zh" or True]
    for it in items:
        u, found = engine.look_up(Question(message=it.message))
        full = r.search(u.standalone, u.chinese, focus=list(u.focus_queries) if u.focus_queries else None)
        qs = [q for q in full.queries if q.strip()]
        qv = np.stack([unit(index.embedder.get_query_embedding(q)) for q in qs])
        best = []
        for h in full.hits:
            sv = engine.sentences.vectors(list(h.chunk.sentences)) if h.chunk.sentences else None
            best.append(float((sv @ qv.T).max()) if sv is not None else -1.0)
        order = np.argsort(-np.array(best))
        rank = {full.hits[i].chunk.chunk_id: rk for rk, i in enumerate(order)}
        row = []
        for w in WS:
            boost = lambda h: (r.year_boost if full.years and h.year in full.years else 1.0)
            scored = sorted(full.hits, key=lambda h: -(h.score + w / (RRF_K + rank[h.chunk.chunk_id] + 1) * boost(h)))
            top = scored[:8]
            ret = dataclasses.replace(full, hits=top)
            evs = choose_evidence(ret, index, engine.sentences, limit=4).evidence
            hc = all(any(norm(q)[:40] in norm(h.chunk.text) for h in top) for q in it.gold_quotes)
            he = any(any(norm(e.quote)[:30] in norm(q) or norm(q)[:30] in norm(e.quote) for e in evs[:3]) for q in it.gold_quotes)
            row.append((int(hc), int(he)))
        zh = it.language == "zh"
        for w, (hc, he) in zip(WS, row):
            res[(suite, "zh" if zh else "xx", w, "chunk")] += hc
            res[(suite, "zh" if zh else "xx", w, "ev3")] += he
        res[(suite, "zh" if zh else "xx", "n")] += 1
        if len(set(row)) > 1: print(it.id, row, flush=True)
for k, v in sorted(res.items(), key=str): print(k, v)
