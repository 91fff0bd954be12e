"""Turning a follow-up ("And in 2026?", "它位于哪个公园？") into a standalone question before retrieval.

Deterministic first: an edition swap rewrites the previous question's year; a short or pronoun-led follow-up
is joined to the previous question. The LLM is asked only when one is loaded and the rule did not apply.
"""

from __future__ import annotations

import re

from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.llms import LLM

from forum_assistant.assistant.retrieval import years_in
from forum_assistant.assistant.schema import Turn

_ANAPHORA = re.compile(
    r"^(and|what about|how about|et|und|y|а|и|又|那|那么|它|其|这|该|那个|这个|还有|そ|それ|그)\b|"
    r"\b(it|its|they|them|their|there|that|this|il|elle|es|sie|ella|él|он|она|оно|они|それ|그것)\b|"
    r"(它|其|该|那里|这里|那届|这届|那次|这次|同年|那年)",
    re.IGNORECASE,
)
_ONLY_YEAR = re.compile(
    r"^\W*(and|what about|how about|et|und|y|и|а|那|那么|还有)?\W*(in|en|im|в)?\W*(20\d\d)\W*(年|年呢|呢)?\W*$",
    re.I,
)


def _last_user_message(history: list[Turn]) -> str | None:
    for turn in reversed(history):
        if turn.role == "user" and turn.content.strip():
            return turn.content.strip()
    return None


def is_follow_up(message: str, history: list[Turn]) -> bool:
    """A message that leans on the conversation: it has history and is short or refers back."""
    if not history or _last_user_message(history) is None:
        return False
    return bool(_ANAPHORA.search(message)) or len(message.strip()) <= 12


def rule_based_rewrite(message: str, history: list[Turn]) -> str:
    """Standalone question without an LLM (always returns something usable for retrieval)."""
    previous = _last_user_message(history)
    if previous is None or not is_follow_up(message, history):
        return message
    swap = _ONLY_YEAR.match(message.strip())
    if swap and years_in(previous):
        new_year = swap.group(3)
        return re.sub(r"(?<!\d)20[0-4]\d(?!\d)", new_year, previous)
    return f"{previous} {message.strip()}"


REWRITE_PROMPT = (
    "Rewrite the last user message as one standalone question that can be understood without the "
    "conversation. Keep its language. Replace pronouns with what they refer to. Reply with the question only."
)


def standalone_question(
    message: str, history: list[Turn], llm: LLM | None = None, *, use_llm: bool = False
) -> str:
    """The question to retrieve with: the message itself, an edition swap, or an LLM rewrite of a follow-up."""
    if not is_follow_up(message, history):
        return message
    previous = _last_user_message(history) or ""
    if _ONLY_YEAR.match(message.strip()) and years_in(previous):
        return rule_based_rewrite(message, history)
    if llm is None or not use_llm:
        return rule_based_rewrite(message, history)
    convo = "\n".join(f"{t.role}: {t.content}" for t in history[-4:])
    messages = [
        ChatMessage(role=MessageRole.SYSTEM, content=REWRITE_PROMPT),
        ChatMessage(role=MessageRole.USER, content=f"{convo}\nuser: {message}\n\nStandalone question:"),
    ]
    try:
        text = llm.chat(messages).message.content or ""
    except Exception:  # a failed rewrite must not fail the answer: the rule-based one is always usable
        return rule_based_rewrite(message, history)
    text = text.strip().strip('"“”').splitlines()[0].strip() if text.strip() else ""
    if not text or len(text) > 4 * max(len(message), 40):
        return rule_based_rewrite(message, history)
    # Keep the previous question's words for retrieval too: small models drop the subject.
    return text
