"""Micro-benchmark: the 1.5B's answer to foreign questions with and without speculative decoding."""
import os, sys, time, json
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import xllamacpp
from kernel.settings import Settings
from assistant.engine import ForumEngine
from assistant.generate import build_messages
from assistant.llm.xllama import to_openai
from assistant.schema import Question
M = os.path.expanduser("~/.local/share/forum-assistant/models/")
s = Settings(data_dir=os.path.expanduser("~/.local/share/forum-assistant/evals/forum"), llm_model="qwen-0.5b")
eng = ForumEngine.build(s)
qs = ["How many parallel forums were held at the 2023 Zhongguancun Forum?",
      "Combien de forums parallèles ont eu lieu lors du Forum de Zhongguancun 2023 ?",
      "Wie viele Gäste kamen zum Zhongguancun-Forum 2023?",
      "2023年の中関村フォーラムは何日間開かれましたか？",
      "Какова была тема Форума Чжунгуаньцунь 2023 года?",
      "ما هو موضوع منتدى تشونغ قوان تسون لعام 2023؟"]
prompts = []
for q in qs:
    u, found = eng.look_up(Question(message=q))
    prompts.append([to_openai(m) for m in build_messages(u.focus, found.evidence, u.language)])
eng.llm.close()
T = xllamacpp.common_speculative_type
def run(kind):
    p = xllamacpp.CommonParams(); p.model.path = M + "qwen-1.5b.gguf"; p.n_ctx = 4096; p.n_parallel = 1
    p.cpuparams.n_threads = 2; p.cpuparams_batch.n_threads = 2; p.n_batch = 128; p.n_ubatch = 128
    p.cache_ram_mib = 256; p.verbosity = -1; p.ui = False
    if kind == "draft":
        p.speculative.types = [T.COMMON_SPECULATIVE_TYPE_DRAFT_SIMPLE]
        p.speculative.draft.mparams.path = M + "qwen-0.5b.gguf"
        p.speculative.draft.cpuparams.n_threads = 2; p.speculative.draft.cpuparams_batch.n_threads = 2
    elif kind != "none":
        p.speculative.types = [getattr(T, "COMMON_SPECULATIVE_TYPE_" + kind)]
    srv = xllamacpp.Server(p)
    out = []
    for msgs in [prompts[0]] + prompts:  # the first one warms the cache
        info = {}
        text = []
        def cb(chunk):
            for c in chunk.get("choices") or []:
                d = (c.get("delta") or {}).get("content")
                if d: text.append(d)
            if "timings" in chunk: info.update(chunk["timings"])
            return False
        t = time.perf_counter()
        srv.handle_chat_completions({"messages": msgs, "max_tokens": 128, "temperature": 0, "stream": True}, cb)
        out.append((round(time.perf_counter() - t, 2), info.get("prompt_n"), info.get("predicted_n"), round(info.get("predicted_ms", 0)), info.get("draft_n"), info.get("draft_n_accepted"), "".join(text)[:70]))
    del srv
    return out[1:]
for kind in sys.argv[1:]:
    res = run(kind)
    print(kind, "total", round(sum(r[0] for r in res), 1), "gen_ms", sum(r[3] for r in res))
    for r in res: print("  ", r)
