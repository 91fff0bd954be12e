"""The text an OpenAI-compatible streaming client sees: the draft as it is written, then what verification kept.

The engine streams the model's draft (`delta` events) and only then verifies it: unsupported sentences are
removed, and an answer with nothing left falls back to quotes or a refusal. The final answer object is
authoritative, but the OpenAI chunk protocol can only append: a client cannot be told to take text back.
So the stream is built in two steps (`ContentRelay`):

1. While the model writes, the draft is sent as it passes the engine's language gate, cut after whole
   words and sentences (a half-written word is never shown, and the model's "no answer" signal,
   NOT_FOUND, is never sent as text). A client such as Open WebUI shows the answer growing a second or
   so after generation starts.
2. When the verified answer arrives: if it begins with exactly what was sent (the common case: nothing
   removed; at most a note appended, such as "the sources disagree"), only the rest is sent, and the
   client's text equals the answer. Otherwise the draft was changed, and the stream appends a rule, a
   short note in the answer's language ("Corrected after checking the sources:") and the whole verified
   answer. The client keeps the draft on screen, but what it reads last, and what it keeps as the
   message's end, is the verified answer under a visible correction; nothing unverified is left looking
   final. The last chunk says which case it was (`forum_draft_replaced`) and carries the whole answer
   object (`forum_answer`) beside the `citations`.

Answers without a draft (quotes, refusals, no LLM) are sent sentence by sentence when they are ready.
"""

from __future__ import annotations

import re

from assistant.generate import NOT_FOUND, is_not_found
from ui.labels import label, page_language

# Where a piece may end while the draft streams: CJK end punctuation, a line break, ASCII end punctuation
# before a space or, at the end of what has arrived, after anything but a digit (so 6.5 stays whole), and
# after a space (whole words: the engine's gate has already judged their language).
_DRAFT_END = re.compile(r"[。！？；]|\n|[.!?;](?=\s)|(?<!\d)[.!?;]$|\s")
_SIGNAL = NOT_FOUND.replace("_", "")  # as `_may_become_the_signal` compares it
# Where the finished answer is cut into pieces.
_SENTENCE_END = re.compile(r"(?<=[。！？!?.;；])")
RULE = "\n\n---\n\n"


def pieces(text: str) -> list[str]:
    """A finished text cut after each sentence, as content deltas."""
    return [p for p in _SENTENCE_END.split(text) if p] or [""]


class ContentRelay:
    """Turns draft deltas and the final answer into the content deltas of one streamed completion."""

    def __init__(self) -> None:
        self.sent = ""  # draft text already sent to the client
        self.pending = ""  # draft text waiting for its sentence to end
        self.held = False  # the draft said NOT_FOUND: nothing more of it is shown

    def draft(self, delta: str) -> str:
        """The draft text to send now (whole words and sentences); "" when there is nothing yet."""
        self.pending += delta
        if self.held or (not self.sent and _may_become_the_signal(self.pending)):
            return ""
        ends = [m.end() for m in _DRAFT_END.finditer(self.pending)]
        if not ends:
            return ""
        piece, self.pending = self.pending[: ends[-1]], self.pending[ends[-1] :]
        if is_not_found(piece):
            self.held = True
            return ""
        self.sent += piece
        return piece

    def final(self, answer: str, language: str) -> tuple[list[str], bool]:
        """The content deltas that end the stream, and whether the streamed draft had to be replaced."""
        shown = self.sent.strip()
        if not shown:
            return pieces(answer), False
        if answer.startswith(shown):
            rest = answer[len(shown) :]
            return ([rest] if rest else []), False
        note = label(page_language(language), "corrected")
        return [f"{RULE}{note}\n\n", *pieces(answer)], True


def _may_become_the_signal(text: str) -> bool:
    """True while the start of a draft could still turn out to be NOT_FOUND ("NOT", "NOT_", "NOT FOUND")."""
    letters = re.sub(r"[\s_]", "", text).upper()
    return bool(letters) and _SIGNAL.startswith(letters[: len(_SIGNAL)])
