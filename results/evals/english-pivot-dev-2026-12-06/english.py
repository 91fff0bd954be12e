"""Probe: guests' questions answered in English (the engine with language='en'), scored as the eval scores."""
import os, sys, json, time
os.environ.setdefault("FORUM_DATA_DIR", "/tmp/s35/data")
os.environ.setdefault("FORUM_CORPUS_DIR", "/work/shared/corpus")
import logging; logging.disable(logging.WARNING)
from kernel.settings import load_settings
from assistant.engine import ForumEngine
from evals.dataset import items_for
from evals.metrics import answer_correct, in_language
eng = ForumEngine.build(load_settings())
suite = sys.argv[1]
base = {json.loads(l)["id"]: json.loads(l) for l in open(f"/work/main/results/evals/{sys.argv[2]}/records.jsonl")}
out = open(f"/tmp/s36/english-{suite}.jsonl", "w")
n = ok_en = ok_base = 0
for it in items_for("dev", suite):
    if it.language in ("zh", "en"): continue
    t = time.time()
    a = eng.answer(it.to_question(language="en"))
    ok = answer_correct(a, it.kind, it.answers, "en") and (a.refused or in_language(a.answer, "en"))
    b = str(base[it.id]["correct_in_language"]) == "True"
    n += 1; ok_en += ok; ok_base += b
    rec = {"id": it.id, "en_ok": ok, "base_ok": b, "answer": a.answer, "s": round(time.time() - t, 1)}
    out.write(json.dumps(rec, ensure_ascii=False) + "\n"); out.flush()
    print(it.id, int(b), "->", int(ok), "|", a.answer[:100], flush=True)
print("items", n, "base correct in language", ok_base, "english answers correct", ok_en)
