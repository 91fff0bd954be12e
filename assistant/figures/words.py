"""Numbers a guest's answer spells out, written as digits: "three years" → "3 years", "drei Jahre" → "3 Jahre".

Verification checks an answer's figures against the cited sources, and a figure in words is invisible to it:
a right "three years" looked like no answer at all, and a wrong "ten years" would pass unchecked. Written as
digits, the figure is checked like any other, and the reader sees the figure the source gives. The words are
read by ``text2num`` (English, French, Spanish, German among our languages); other languages are unchanged.
"""

from __future__ import annotations

import re

from text_to_num import alpha2digit

_READ_BY_TEXT2NUM = frozenset({"en", "fr", "es", "de"})
# A figure in digits with the word after it ("1.5 billion", "2,7 Millionen und drei") is left as written:
# text2num would read the scale word as a second number ("1.5 1000000000", "2,7 1000003").
_FIGURE_AND_WORD = re.compile(r"\d[\d.,]*(?:\s+[^\W\d_]+)?")


def digits_for_words(text: str, language: str) -> str:
    """`text` with its spelled-out numbers (three and up; "one" is mostly an article) written as digits."""
    if language not in _READ_BY_TEXT2NUM:
        return text
    pieces, last = [], 0
    for figure in _FIGURE_AND_WORD.finditer(text):
        pieces += [_read(text[last : figure.start()], language), figure.group()]
        last = figure.end()
    pieces.append(_read(text[last:], language))
    return "".join(pieces)


def _read(piece: str, language: str) -> str:
    return alpha2digit(piece, language) if piece else piece
