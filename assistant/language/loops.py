"""A small model caught in a loop: one word, or one phrase, over and over until its token limit.

Two shapes, two remedies. One word said again and again ("공유 공유 공유 …") is cut from the draft while it
streams, keeping the word once (`loop_start`). A phrase said three times in a row ("주차선을 넘어가서 주차를
하면 주차선을 주차하고, " …) is no sentence anyone should read: verification removes the sentence that holds
it, clause renderings that hold one are not faithful (`loops`), and generation stops there
(`draft_loop`).
"""

from __future__ import annotations

import re

# One word (a run of up to 16 non-spaces) five times or more at the end of the text.
_WORD_LOOP = re.compile(r"(\S{1,16}?)(?:\s*\1){4,}\s*$")
_WORD_LOOP_TAIL = 200  # characters searched: a loop shows within them, and the draft can be long
_ONE_WORD = re.compile(r"\S{1,16}")  # the unit `_WORD_LOOP` repeats
# One phrase of six characters or more, three times or more in a row.
_PHRASE_LOOP = re.compile(r"(\S.{5,119}?)\1{2,}", re.DOTALL)
_PHRASE_LOOP_TAIL = 400  # three times the longest phrase `_PHRASE_LOOP` looks for, and a little more


def loop_start(text: str) -> int | None:
    """Where `text` starts looping on one word (the end of the word's first occurrence), else None."""
    match = _WORD_LOOP.search(text, max(0, len(text) - _WORD_LOOP_TAIL))
    if match is None or not re.search(r"[^\W\d_]", match.group(1)):
        return None  # 0000 or ...... are no loop
    return match.end(1)


def loops(text: str) -> bool:
    """True when `text` says one phrase of six characters or more three times in a row. Verification keeps
    a sentence without figures or names uncited, so such a loop would otherwise reach the reader."""
    return looping_phrase(text) is not None


def looping_phrase(text: str) -> str | None:
    """The phrase that `text` says three times in a row (see `loops`), else None."""
    match = _PHRASE_LOOP.search(text)
    return match.group(1) if match else None


def draft_loop(text: str) -> str | None:
    """The phrase that the end of a streaming draft says three times in a row, else None. Only the last
    characters are read, so a look costs the same however long the draft grows (about 1.5 ms); one word
    said over and over is left to `loop_start`, which cuts it keeping the word once."""
    phrase = looping_phrase(text[-_PHRASE_LOOP_TAIL:])
    return None if phrase is None or _ONE_WORD.fullmatch(phrase.strip()) else phrase
