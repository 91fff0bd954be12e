"""The page's fixed text (header, tab names, buttons, placeholders, example questions) in one language.

The words are `ui.labels`' tables. They reach the page twice: as `gr.I18n` keys, which Gradio's frontend
translates to the browser's locale before the first paint, and as component updates from Python, sent on
page load (the browser's Accept-Language) and whenever the language of the conversation changes (the
language of the question just asked). Gradio's i18n only translates component properties, so the HTML
the page renders itself (`ui.render`, `ui.render_sources`) takes the language as an argument instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from ui.labels import LANGUAGES, RTL, TABLES, claim_examples, examples, label
from ui.render import direction_of, esc
from ui.render_sources import source_placeholder

# The answer-language menu: "auto" in the page's language, then each language by its own name.
LANGUAGE_NAMES = [
    ("中文", "zh"),
    ("English", "en"),
    ("Français", "fr"),
    ("Español", "es"),
    ("Deutsch", "de"),
    ("日本語", "ja"),
    ("한국어", "ko"),
    ("Русский", "ru"),
    ("العربية", "ar"),
]


def i18n() -> gr.I18n:
    """The label tables as Gradio translations, for the first paint in the browser's language."""
    return gr.I18n(**{lang: dict(TABLES[lang]) for lang in LANGUAGES})


def language_choices(auto: Any) -> list[tuple[Any, str]]:
    """The answer-language menu: "auto" shown as `auto` (a label or an i18n key), then the nine languages."""
    return [(auto, "auto"), *LANGUAGE_NAMES]


def header(lang: str) -> str:
    """The title band; `data-title` becomes the browser tab's title."""
    title = esc(label(lang, "title"))
    return (
        f'<div class="fa-header" lang="{esc(lang)}"{direction_of(lang)} data-title="{title}"><div><h1>{title}</h1>'
        f"<p>{esc(label(lang, 'tagline'))}</p></div>"
        f'<span class="fa-pill">{esc(label(lang, "offline"))}</span></div>'
    )


@dataclass
class Chrome:
    """The components whose text follows the page language, and their updates for a language."""

    header: gr.HTML
    ask_tab: gr.Tab
    fact_tab: gr.Tab
    message: gr.Textbox
    language: gr.Dropdown
    send: gr.Button
    chips: list[gr.Button]
    comment: gr.Textbox
    clear: gr.Button
    claim: gr.Textbox
    fc_language: gr.Dropdown
    check: gr.Button
    fc_chips: list[gr.Button]
    source: gr.HTML

    def outputs(self) -> list[Any]:
        """The components, in the order of `updates`."""
        return [
            self.header,
            self.ask_tab,
            self.fact_tab,
            self.message,
            self.language,
            self.send,
            *self.chips,
            self.comment,
            self.clear,
            self.claim,
            self.fc_language,
            self.check,
            *self.fc_chips,
            self.source,
        ]

    def updates(self, lang: str, source_open: bool = False) -> list[Any]:
        """Every component's text in `lang` (the source panel only while it shows no source)."""
        choices = language_choices(label(lang, "auto"))
        rtl = lang in RTL  # text boxes are typed in the page's direction
        return [
            header(lang),
            gr.Tab(label=label(lang, "tab_ask")),
            gr.Tab(label=label(lang, "tab_fact")),
            gr.Textbox(placeholder=label(lang, "placeholder"), rtl=rtl),
            gr.Dropdown(choices=choices),
            gr.Button(value=label(lang, "send")),
            *[gr.Button(value=text) for text in examples(lang)],
            gr.Textbox(placeholder=label(lang, "comment"), rtl=rtl),
            gr.Button(value=label(lang, "new_chat")),
            gr.Textbox(
                label=label(lang, "claim_label"), placeholder=label(lang, "claim_placeholder"), rtl=rtl
            ),
            gr.Dropdown(choices=choices, label=label(lang, "language")),
            gr.Button(value=label(lang, "check")),
            *[gr.Button(value=text) for text in claim_examples(lang)],
            gr.skip() if source_open else source_placeholder(lang),
        ]

    def skips(self) -> list[Any]:
        """No change to any of them."""
        return [gr.skip() for _ in self.outputs()]

    def follow(self, before: str | None, view: dict[str, Any]) -> list[Any]:
        """Updates when the page language in `view` differs from `before`, else no change."""
        if view.get("lang") == before:
            return self.skips()
        return self.updates(view["lang"], bool(view.get("source_open")))
