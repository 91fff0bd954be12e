"""Session 36 probe: the dev items' renderings, computed once by the engine's own stage 1 and pickled for evidence_proxy.py.
Run from the repository with FORUM_DATA_DIR pointing at an ingested data dir (models linked in)."""
import os, sys, json, pickle, re
os.environ.setdefault("FORUM_DATA_DIR", "/tmp/s35/data")
os.environ.setdefault("FORUM_CORPUS_DIR", "/work/shared/corpus")
from kernel.settings import load_settings
from assistant.engine import ForumEngine
from assistant.llm.protocol import Budget
from evals.dataset import items_for
cache = "/tmp/s36/understood.pkl"
eng = ForumEngine.build(load_settings(llm_timeout_s=600.0))
try: U = pickle.load(open(cache, "rb"))
except Exception: U = {}
items = [(s, it) for s in ("parity", "forum") for it in items_for(sys.argv[1] if len(sys.argv)>1 else "dev", s)]
for s, it in items:
    if it.id not in U:
        u = eng._understand(it.to_question(), Budget(600.0))
        U[it.id] = (u.standalone, u.chinese, u.focus_queries, u.language)
pickle.dump(U, open(cache, "wb"))
print("understood", len(U))
