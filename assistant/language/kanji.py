"""Chinese characters written the way a Japanese reader writes them: 论坛 → 論壇, 中关村 → 中関村.

A small model answering a Japanese question copies Chinese terms from the sources in simplified forms that
Japanese does not use (多边合规评估协同机制). OpenCC's dictionaries turn them into traditional forms and
those into the Japanese ones (s2t, then t2jp): 多辺合規評估協同機制, which a Japanese reader can read.
Kana, Latin letters, digits and Japanese kanji pass unchanged.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _converter(config: str) -> Any:
    import opencc  # the packaged dictionaries load once per direction, on first use

    return opencc.OpenCC(config)


def japanese_forms(text: str) -> str:
    """`text` with its simplified Chinese characters in the forms Japanese writes."""
    return str(_converter("t2jp").convert(_converter("s2t").convert(text)))


def chinese_forms(text: str) -> str:
    """`text` with Japanese (and traditional) kanji in simplified forms, the forms jieba's dictionary knows:
    評価協同 → 评价协同. Kana and other scripts pass unchanged."""
    return str(_converter("t2s").convert(_converter("jp2t").convert(text)))


def for_reader(text: str, language: str) -> str:
    """The text as the asker's script writes it: Japanese kanji forms for a Japanese asker, else unchanged."""
    return japanese_forms(text) if language.split("-")[0].lower() == "ja" else text
