"""Prototype: a logit bias against the question's own words in the guest's draft (restating), paired."""
import sys, os, json, re, collections
from pathlib import Path
from kernel.settings import load_settings
from vectorstore.index import ForumIndex
from assistant.engine import ForumEngine
from assistant.llm.factory import make_guest_llm, make_llm
from assistant.schema import Question
from assistant.generate import build_messages, restates_question, _answer_function_words
from assistant.language.gate import script_grammar
from evals.dataset import items_for
from evals.metrics import answer_matches, in_language
import assistant.llm.local as L
s = load_settings(chroma_host=None, data_dir=Path("/tmp/s29/data"), corpus_dir=Path("/work/shared/corpus"), llm_timeout_s=600.0)
index = ForumIndex.open(s)
llm = make_llm(s); g = make_guest_llm(s, llm)
engine = ForumEngine(s, index, llm, guest_llm=g)
BIAS = {"v": None}
orig = L.LocalGGUFLLM._submit
def _submit(self, messages, kwargs):
    job = orig(self, messages, kwargs)
    return job
# inject before queueing: wrap Job creation by patching payload through kwargs hook
orig_job = L.Job
def Job(payload, deadline, **kw):
    if BIAS["v"]:
        payload["logit_bias"] = BIAS["v"]
    return orig_job(payload=payload, deadline=deadline, **kw)
L.Job = Job
FW = _answer_function_words()
WORD = re.compile(r"[^\W\d_]+")
import httpx
BASE, KEY = g.http_endpoint
BASE = BASE[: -len("/v1")]
def first_token(text):
    r = httpx.post(BASE + "/tokenize", json={"content": text, "add_special": False}, headers={"Authorization": "Bearer " + KEY}, timeout=10)
    toks = r.json()["tokens"]
    return toks[0] if toks else None
MODE = os.environ.get("MODE", "first")
def bias_for(question, strength):
    words = {w for w in WORD.findall(question) if w.lower() not in FW and len(w) > 2}
    pairs = []
    for w in words:
        for form in {w, " " + w, w.lower(), " " + w.lower()}:
            if MODE == "first":
                t = first_token(form)
                if t is not None: pairs.append([t, strength])
            else:
                pairs.append([form, strength])
    return pairs
def run(messages, grammar):
    return "".join(g.stream_text(messages, budget_s=300, grammar=grammar))
STR = [float(x) for x in os.environ.get("STR", "-1.5").split(",")]
c = collections.Counter()
items = [it for it in items_for("dev", "parity") if it.language not in ("zh",) and it.kind == "fact"]
if len(sys.argv) > 1: items = items[: int(sys.argv[1])]
for it in items:
    u, found = engine.look_up(Question(message=it.message))
    ev = found.evidence[:3]
    if not ev: continue
    m = build_messages(u.focus, ev, u.language)
    gr = script_grammar(u.language)
    row = {"id": it.id}
    for st in [0.0] + STR:
        BIAS["v"] = bias_for(u.focus, st) if st else None
        a = run(m, gr)
        ok = answer_matches(a, it.answers, it.language) and not restates_question(a, [it.message]) and in_language(a, it.language)
        c[(st, "ok")] += ok; c[(st, "restates")] += restates_question(a, [it.message])
        row[st] = (ok, a[:140])
    c["n"] += 1
    print(json.dumps(row, ensure_ascii=False), flush=True)
print({str(k): v for k, v in c.items()})
