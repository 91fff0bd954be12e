"""Every threshold and weight of the answer path, named, in one place, with where it was measured.

The operator-facing ones (refusal threshold, minimum coverage) are settings (`kernel/settings.py`); the
ones here are the engine's internals. All were calibrated in sessions 1–2 on the 156 forum eval questions
(before the dev/test split existed), so they are fitted to questions they are also scored on; re-calibrate
them on the dev split only (`evals/data/split.json`) and report the test split.
"""

from __future__ import annotations

# --- time -----------------------------------------------------------------------------------------------
# Less LLM budget left than this: answer extractively rather than start a generation that cannot finish.
MIN_LLM_SECONDS = 1.0

# --- retrieval (assistant/retrieval.py): weighted reciprocal-rank fusion ------------------------------------
# Keyword search on the Chinese rendering was the strongest single signal on the forum questions.
FUSION_WEIGHTS: dict[str, float] = {
    "dense": 1.0,
    "keyword": 1.0,
    "dense_zh": 1.0,
    "keyword_zh": 1.5,
    "keyword_terms": 2.0,
}
YEAR_BOOST = 1.5  # a chunk from the edition the question names
RETRIEVAL_CANDIDATES = 30  # per search, before fusion

# --- evidence (assistant/evidence.py): a sentence's score ----------------------------------------------------
EVIDENCE_WEIGHT_DENSE = 0.4  # cosine to the question
EVIDENCE_WEIGHT_COVERAGE = 0.4  # share of the question's subject words in the sentence
EVIDENCE_WEIGHT_PRIOR = 0.1  # its chunk's retrieval score, signed by edition fit
EVIDENCE_WEIGHT_KIND = 0.2  # it holds the kind of thing asked for (a year, a date, a figure)
EVIDENCE_WEIGHT_COUNTED = 0.2  # for a "how many": it counts the asked thing in the asked measure word
FOLLOW_UP_FOCUS_WEIGHT = 0.7  # a follow-up's own words ...
FOLLOW_UP_CONTEXT_WEIGHT = 0.3  # ... against the whole conversation's

# --- confidence (assistant/decide.py) -------------------------------------------------------------------------
# multilingual-e5 similarities of a question to a true answer sentence lived in ~0.78–0.90 on the forum
# questions: dense confidence is that range stretched to 0–1.
DENSE_FLOOR = 0.78
DENSE_SPAN = 0.12
CONFIDENCE_WEIGHT_COVERAGE = 0.5
CONFIDENCE_WEIGHT_DENSE = 0.3
CONFIDENCE_WEIGHT_KEPT = 0.2  # share of generated sentences that survived verification
COVERAGE_WHEN_NO_SUBJECT = 0.6  # "When was it held?" has no subject words to look for
HIGH_CONFIDENCE = 0.7
MEDIUM_CONFIDENCE = 0.45
