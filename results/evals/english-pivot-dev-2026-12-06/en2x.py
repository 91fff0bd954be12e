"""Probe step 2: the English answers of english.py translated into the guest's language by the guest model."""
import os, sys, json, time
os.environ.setdefault("FORUM_DATA_DIR", "/tmp/s35/data")
import logging; logging.disable(logging.WARNING)
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from kernel.settings import load_settings
from assistant.llm.factory import make_guest_llm, make_llm
from assistant.llm.protocol import complete_text
from assistant.language.gate import script_grammar
from assistant.language.detect import language_name
from assistant.language.kanji import for_reader
from evals.dataset import items_for
from evals.metrics import answer_correct, answer_matches, in_language
settings = load_settings()
llm = make_guest_llm(settings, make_llm(settings))
items = {it.id: it for it in items_for("dev", sys.argv[1])}
SYSTEM = ("You translate short English answers about the Zhongguancun Forum into {language}. Keep every number, "
          "date and name, and keep each source marker such as [1] exactly where it is. Output only the translation.")
n = ok = 0; times = []
for l in open(f"/tmp/s36/english-{sys.argv[1]}.jsonl"):
    r = json.loads(l); it = items[r["id"]]; lang = it.language
    if r["answer"].startswith("Sorry"):
        ok += r["en_ok"]; n += 1; continue  # a refusal stays a refusal (in the guest's language)
    t = time.time()
    reply = complete_text(llm, [ChatMessage(role=MessageRole.SYSTEM, content=SYSTEM.format(language=language_name(lang))),
                                ChatMessage(role=MessageRole.USER, content=r["answer"])],
                          budget_s=60, max_tokens=256, grammar=script_grammar(lang))
    reply = for_reader(reply.strip(), lang)
    times.append(time.time() - t)
    good = answer_matches(reply, it.answers, lang) and in_language(reply, lang)
    n += 1; ok += good
    print(r["id"], int(r["base_ok"]), int(r["en_ok"]), "->", int(good), round(times[-1], 1), "|", reply[:110], flush=True)
import statistics
print("items", n, "correct after translation", ok, "translation p50 s", round(statistics.median(times), 1))
