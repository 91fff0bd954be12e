"""Probe: can Gemma 3 270M translate the sources' rare words the 1.5B loses? (session 37)"""
import sys, time
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from kernel.settings import Settings
from assistant.llm.factory import make_llm

PHRASES = ["脊髓损伤患者", "多边合规评估协同机制", "常设展集中展示了560余项前沿成果", "首都医科大学附属北京天坛医院"]
LANGS = {"fr": "French", "es": "Spanish", "ru": "Russian", "ko": "Korean", "de": "German"}
model = sys.argv[1]
llm = make_llm(Settings(llm_model=model))
for p in PHRASES:
    for code, name in LANGS.items():
        msgs = [ChatMessage(role=MessageRole.USER, content=f"Translate into {name}. Reply with the translation only.\n{p}")]
        t = time.time()
        out = "".join(llm.stream_text(msgs, budget_s=60))
        print(f"{code} {time.time()-t:4.1f}s {p} -> {out.strip()[:100]}", flush=True)
