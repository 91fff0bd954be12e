"""Probe: Korean guests' prompt with the Sino-Korean readings (hanja package) of the sources' rare words."""
import os, sys, json, re, time
sys.path.insert(0, "/tmp/s36/hj")
os.environ.setdefault("FORUM_DATA_DIR", "/tmp/s35/data")
os.environ.setdefault("FORUM_CORPUS_DIR", "/work/shared/corpus")
import logging; logging.disable(logging.WARNING)
import hanja, jieba
import assistant.generate as G
from kernel.settings import load_settings
from assistant.engine import ForumEngine
from evals.dataset import items_for
from evals.metrics import answer_correct, in_language
HAN = re.compile(r"^[\u4e00-\u9fff]{2,}$")
def readings(quotes, limit=8):
    jieba.initialize(); freq = jieba.dt.FREQ
    out = []
    for q in quotes:
        for w in jieba.lcut(q):
            if HAN.match(w) and freq.get(w, 0) < int(os.environ.get("RARE", "1000")) and w not in [o[0] for o in out]:
                k = hanja.translate(w, "substitution")
                if not re.search(r"[\u4e00-\u9fff]", k): out.append((w, k))
    return out[:limit]
orig_build = G.build_messages
def build(question, evidence, language, *, context=None):
    msgs = orig_build(question, evidence, language, context=context)
    if language == "ko" and os.environ.get("GLOSS"):
        pairs = readings([ev.quote for ev in evidence])
        if pairs:
            line = "한자어 읽기: " + ", ".join(f"{w} = {k}" for w, k in pairs)
            last = msgs[-1]
            msgs[-1] = type(last)(role=last.role, content=last.content.replace("\n\nQuestion:", f"\n{line}\n\nQuestion:", 1))
            if os.environ.get("SHOW"): print("   ", line)
    return msgs
G.build_messages = build
eng = ForumEngine.build(load_settings())
for suite, basedir in (("parity", "parity-dev-2026-12-06-s35rerun"), ("forum", "forum-dev-2026-12-06-s34restated")):
    base = {json.loads(l)["id"]: json.loads(l) for l in open(f"/work/main/results/evals/{basedir}/records.jsonl")}
    for it in items_for("dev", suite):
        if it.language != "ko": continue
        t = time.time(); a = eng.answer(it.to_question())
        ok = answer_correct(a, it.kind, it.answers, "ko") and (a.refused or in_language(a.answer, "ko"))
        print(it.id, int(str(base[it.id]["correct_in_language"]) == "True"), "->", int(ok), round(time.time() - t, 1), "|", a.answer[:100], flush=True)
