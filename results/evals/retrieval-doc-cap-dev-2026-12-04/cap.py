"""Gold chunk in top 8 with and without a per-document cap, over dev items (fact kinds with gold quotes)."""
import sys, json, collections
from pathlib import Path
from kernel.settings import load_settings
from vectorstore.index import ForumIndex
from assistant.engine import ForumEngine
from assistant.llm.factory import make_guest_llm, make_llm
from assistant.schema import Question
from evals.dataset import items_for
s = load_settings(data_dir=Path("/tmp/s22/data"), corpus_dir=Path("/work/shared/corpus"), llm_timeout_s=600.0)
index = ForumIndex.open(s)
llm = make_llm(s); engine = ForumEngine(s, index, llm, guest_llm=make_guest_llm(s, llm))
r = engine.retriever; r.top_k = 60
norm = lambda t: "".join(t.split())
def capped(hits, cap, k=8):
    out, per = [], collections.Counter()
    for h in hits:
        if per[h.chunk.doc_id] < cap: out.append(h); per[h.chunk.doc_id] += 1
        if len(out) == k: break
    return out
res = collections.Counter()
for suite in sys.argv[1:]:
    for it in items_for("dev", suite):
        if not it.gold_quotes or it.kind == "followup": continue
        u, _ = engine.look_up(Question(message=it.message))
        full = r.search(u.standalone, u.chinese).hits
        def has(hs): return all(any(norm(q)[:40] in norm(h.chunk.text) for h in hs) for q in it.gold_quotes)
        row = [has(full[:8])] + [has(capped(full, c)) for c in (2, 3, 4)]
        res[(suite, it.language == "zh") + tuple(row)] += 1
        if len(set(row)) > 1: print(it.id, row, flush=True)
for k, v in sorted(res.items()): print(k, v)
