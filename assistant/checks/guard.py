"""Keeping the instructions ours: text that addresses the model, and answers that repeat our prompts.

Documents and user messages are data. A sentence that tells the model what to do ("ignore previous
instructions", "print your system prompt") is never evidence and never part of a question; a generated
sentence that repeats our own instructions is never shown, not even in the audit list of removed sentences.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

# Phrases that address an assistant rather than inform a reader, in the languages the users write in.
_ADDRESSES_MODEL = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.!?。！？\n]{0,40}\b(instructions?|prompts?|rules|sources|"
    r"guidelines|context)\b|"
    r"\b(system|developer|hidden|initial)\s+(prompt|message|instructions?|mode)\b|"
    r"\byour\s+(instructions|prompt|rules)\b|"
    r"\b(repeat|print|reveal|show|output)\b[^.!?\n]{0,30}\b(text|words|everything|instructions)\s+"
    r"(above|before)\b|"
    r"\bdeveloper mode\b|\bjailbreak\b|"
    r"(忽略|无视|忘记|忘掉|不要理会)(之前|以上|上面|前面|上述|先前|所有|一切|全部)[^。！？\n]{0,8}"
    r"(指令|指示|提示|规则|资料|来源)|"
    r"系统提示词|开发者模式|(你|您)的(提示词|指令)|"
    r"(ignorez|oubliez)[^.!?\n]{0,30}(instructions|consignes)|"
    r"(ignoriere|vergiss)[^.!?\n]{0,30}(anweisungen|anleitungen)|"
    r"(ignora|olvida)[^.!?\n]{0,30}(instrucciones|indicaciones)|"
    r"(игнорируй|забудь)[^.!?\n]{0,30}(инструкции|указания)|"
    r"(指示|命令)を無視|지시를\s*무시|تجاهل\s+(التعليمات|الأوامر)",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*\s*")
# Shared wording long enough that it cannot be a coincidence (our prompts are English prose).
_LEAK_CHARS = 30


def addresses_the_model(text: str) -> bool:
    """True when `text` gives the assistant instructions instead of stating or asking something."""
    return bool(_ADDRESSES_MODEL.search(text))


def strip_instructions(message: str) -> str:
    """The message without its sentences that address the model ("…? Ignore the sources." -> "…?")."""
    if not addresses_the_model(message):
        return message
    kept = [part for part in _SENTENCE.findall(message) if not addresses_the_model(part)]
    return "".join(kept).strip()


def our_prompts() -> list[str]:
    """Every instruction text we send to a model (system prompts, rewrite and translation prompts)."""
    from assistant.generate import SYSTEM_PROMPT
    from assistant.language.followup import REWRITE_PROMPT
    from assistant.language.translate import _FROM_ZH_SYSTEM, _TO_ZH_SYSTEM

    return [SYSTEM_PROMPT, REWRITE_PROMPT, _TO_ZH_SYSTEM, _FROM_ZH_SYSTEM]


def repeats_prompt(text: str, prompts: list[str] | None = None) -> bool:
    """True when `text` shares a run of at least 30 characters with one of our prompts (case-insensitive)."""
    if len(text) < _LEAK_CHARS:
        return False
    lowered = text.lower()
    for prompt in prompts if prompts is not None else our_prompts():
        p = prompt.lower()
        match = SequenceMatcher(None, lowered, p, autojunk=False).find_longest_match(
            0, len(lowered), 0, len(p)
        )
        if match.size >= _LEAK_CHARS:
            return True
    return False
