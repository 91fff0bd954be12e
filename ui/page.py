"""The chat page: Gradio Blocks over the same engine as the HTTP API, mounted at `/`.

The conversation and the source panel are `gr.HTML` components rendered by `ui.render` and `ui.render_sources`
(all text escaped there). Clicks on `[n]` markers and thumbs are sent to Python with the HTML component's
`trigger`; nothing on the page loads from outside the machine (system fonts, no analytics, no CDN).

The page speaks one of nine languages (`ui.labels`): the browser's (Accept-Language) when it opens, then
the language of each question asked. `ui.chrome` carries the fixed text; the rendered HTML takes the
language as an argument.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import gradio as gr
from fastapi import FastAPI

from ui import render, render_sources
from ui.chrome import Chrome, header, i18n, language_choices
from ui.feedback import FeedbackStore
from ui.handlers import ChatPage, new_view
from ui.labels import CLAIM_KEYS, DEFAULT, EXAMPLE_KEYS, claim_examples, examples, from_accept_language

if TYPE_CHECKING:
    from assistant.engine import ForumEngine

log = logging.getLogger(__name__)

# Keep the browser tab's title in the page language (the header carries it in `data-title`).
HEADER_JS = """
const retitle = () => {
  const html = document.createElement('template');
  html.innerHTML = props.value || '';
  const band = html.content.querySelector('[data-title]');
  if (band) document.title = band.dataset.title;
};
retitle();
watch('value', retitle);
"""

# Click delegation on the conversation: [n] opens the source panel, thumbs send feedback.
TRANSCRIPT_JS = """
const send = (target) => {
  const cite = target.closest('[data-cite]');
  if (cite) {
    element.querySelectorAll('.fa-active').forEach((b) => b.classList.remove('fa-active'));
    const btn = cite.matches('button') ? cite : cite.querySelector('.fa-cite');
    if (btn) btn.classList.add('fa-active');
    trigger('click', {action: 'cite', turn: Number(cite.dataset.turn), n: Number(cite.dataset.cite)});
    return true;
  }
  const rate = target.closest('[data-rate]');
  if (rate) {
    trigger('click', {action: 'rate', turn: Number(rate.dataset.turn), rating: rate.dataset.rate});
    return true;
  }
  return false;
};
element.addEventListener('click', (ev) => { if (send(ev.target)) ev.preventDefault(); });
element.addEventListener('keydown', (ev) => {
  if ((ev.key === 'Enter' || ev.key === ' ') && send(ev.target)) ev.preventDefault();
});
watch('value', () => {
  // Keep the newest turn in view, its question at the top when the answer is taller than the box.
  const box = element.querySelector('.fa-chat');
  const turns = element.querySelectorAll('.fa-turn');
  if (!box || !turns.length) return;
  const last = turns[turns.length - 1];
  box.scrollTop = Math.min(last.offsetTop - 8, box.scrollHeight - box.clientHeight);
});
"""

# Bring the highlighted sentence into view inside the document box.
SOURCE_JS = """
watch('value', () => {
  const box = element.querySelector('.fa-doc');
  const mark = element.querySelector('#fa-hl');
  if (box && mark) box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
});
"""


def page_theme() -> gr.themes.Base:
    """A theme with system fonts only (the stock themes name web fonts)."""
    fonts = [
        "Noto Sans CJK SC",
        "Noto Sans SC",
        "PingFang SC",
        "Microsoft YaHei",
        "Segoe UI",
        "Arial",
        "sans-serif",
    ]
    return gr.themes.Base(
        primary_hue="blue",
        neutral_hue="slate",
        radius_size="lg",
        font=fonts,
        font_mono=["Noto Sans Mono CJK SC", "DejaVu Sans Mono", "monospace"],
    )


def page_css() -> str:
    """The page's stylesheet (shipped in the package)."""
    return files("ui").joinpath("static/page.css").read_text(encoding="utf-8")


def build_chat(engine: ForumEngine, feedback: FeedbackStore | None = None) -> gr.Blocks:
    """The chat page (Ask tab with source panel, Fact-check tab) over `engine`."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # the page must never call home
    page = ChatPage(engine, feedback or FeedbackStore.in_data_dir(engine.settings.data_dir))
    limit = engine.settings.llm_queue_size
    words = i18n()  # Gradio translates these keys to the browser's locale before the first paint
    with gr.Blocks(title="Forum Assistant", analytics_enabled=False) as blocks:
        turns = gr.State([])
        view = gr.State(new_view())
        band = gr.HTML(header(DEFAULT), apply_default_css=False, js_on_load=HEADER_JS, elem_id="fa-header")
        with gr.Tabs():
            with gr.Tab(words("tab_ask"), id="ask") as ask_tab, gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=380):
                    transcript = gr.HTML(
                        render.render_transcript([], DEFAULT),
                        js_on_load=TRANSCRIPT_JS,
                        apply_default_css=False,
                        elem_id="fa-transcript",
                    )
                    with gr.Row(equal_height=False, elem_classes="fa-input-row"):
                        message = gr.Textbox(
                            placeholder=words("placeholder"),
                            show_label=False,
                            lines=1,
                            max_lines=4,
                            scale=6,
                            elem_id="fa-message",
                            container=False,
                        )
                        language = gr.Dropdown(
                            language_choices(words("auto")),
                            value="auto",
                            show_label=False,
                            scale=2,
                            min_width=120,
                            elem_id="fa-language",
                            container=False,
                        )
                        send = gr.Button(
                            words("send"), variant="primary", scale=1, min_width=110, elem_id="fa-send"
                        )
                    with gr.Row(elem_id="fa-examples"):
                        chips = [
                            gr.Button(words(key), size="sm", variant="secondary", min_width=60)
                            for key in EXAMPLE_KEYS
                        ]
                    with gr.Row(equal_height=True):
                        comment = gr.Textbox(
                            placeholder=words("comment"),
                            show_label=False,
                            scale=5,
                            container=False,
                            elem_id="fa-comment",
                        )
                        clear = gr.Button(words("new_chat"), size="sm", scale=1, min_width=130)
                with gr.Column(scale=2, min_width=340):
                    source = gr.HTML(
                        render_sources.source_placeholder(DEFAULT),
                        js_on_load=SOURCE_JS,
                        apply_default_css=False,
                        elem_id="fa-source",
                    )
            with gr.Tab(words("tab_fact"), id="fact-check") as fact_tab:
                with gr.Row(equal_height=True):
                    claim = gr.Textbox(
                        label=words("claim_label"),
                        placeholder=words("claim_placeholder"),
                        lines=2,
                        scale=6,
                        elem_id="fa-claim",
                    )
                    fc_language = gr.Dropdown(
                        language_choices(words("auto")),
                        value="auto",
                        label=words("language"),
                        scale=1,
                        min_width=120,
                    )
                with gr.Row():
                    check = gr.Button(words("check"), variant="primary", elem_id="fa-check")
                    fc_chips = [gr.Button(words(key), size="sm", variant="secondary") for key in CLAIM_KEYS]
                verdict = gr.HTML("", apply_default_css=False, elem_id="fa-verdict")

        chrome = Chrome(
            band,
            ask_tab,
            fact_tab,
            message,
            language,
            send,
            chips,
            comment,
            clear,
            claim,
            fc_language,
            check,
            fc_chips,
            source,
        )
        _wire(blocks, page, limit, chrome, (view, turns, transcript, verdict))
        gr.api(page.answer_api, api_name="answer", concurrency_limit=limit)
    return blocks


def _wire(
    blocks: gr.Blocks,
    page: ChatPage,
    limit: int,
    chrome: Chrome,
    parts: tuple[gr.State, gr.State, gr.HTML, gr.HTML],
) -> None:
    """Connect the events: load, ask (button, Enter, examples), clicks, new chat, fact check."""
    view, turns, transcript, verdict = parts
    words = chrome.outputs()

    def load(request: gr.Request) -> tuple[Any, ...]:
        lang = from_accept_language(request.headers.get("accept-language") if request else None)
        return (new_view(lang), render.render_transcript([], lang), *chrome.updates(lang))

    blocks.load(load, None, [view, transcript, *words], queue=False, api_visibility="private")

    def ask(message: str, language: str, history: list[Any], state: dict[str, Any]) -> Iterator[Any]:
        before = (state or {}).get("lang")
        for out in page.ask(message, language, history, state):
            yield (*out, *chrome.follow(before, out[-1]))
            before = out[-1]["lang"]

    ask_inputs = [chrome.message, chrome.language, turns, view]
    ask_outputs = [transcript, turns, chrome.message, view, *words]
    gr.on(
        triggers=[chrome.send.click, chrome.message.submit],
        fn=ask,
        inputs=ask_inputs,
        outputs=ask_outputs,
        concurrency_limit=limit,
        api_visibility="private",
    )
    for i, chip in enumerate(chrome.chips):
        chip.click(
            lambda state, i=i: examples((state or {}).get("lang", DEFAULT))[i],
            view,
            chrome.message,
            queue=False,
            api_visibility="private",
        ).then(ask, ask_inputs, ask_outputs, concurrency_limit=limit, api_visibility="private")
    transcript.click(
        page.on_click,
        inputs=[turns, chrome.comment, view],
        outputs=[chrome.source, transcript, turns, chrome.comment, view],
        api_visibility="private",
    )

    def clear(state: dict[str, Any]) -> tuple[Any, ...]:
        lang = (state or {}).get("lang", DEFAULT)
        return render.render_transcript([], lang), [], render_sources.source_placeholder(lang), new_view(lang)

    chrome.clear.click(
        clear, view, [transcript, turns, chrome.source, view], queue=False, api_visibility="private"
    )

    def fact_check(claim: str, language: str, state: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
        before = (state or {}).get("lang")
        for html, after in page.fact_check(claim, language, state):
            yield (html, after, *chrome.follow(before, after))
            before = after.get("lang")  # the page's words follow the claim once, not at every update

    fc_inputs = [chrome.claim, chrome.fc_language, view]
    fc_outputs = [verdict, view, *words]
    for trigger in (chrome.check.click, chrome.claim.submit):
        trigger(fact_check, fc_inputs, fc_outputs, concurrency_limit=limit, api_visibility="private")
    for i, chip in enumerate(chrome.fc_chips):
        chip.click(
            lambda state, i=i: claim_examples((state or {}).get("lang", DEFAULT))[i],
            view,
            chrome.claim,
            queue=False,
            api_visibility="private",
        ).then(fact_check, fc_inputs, fc_outputs, concurrency_limit=limit, api_visibility="private")


def mount_chat(app: FastAPI, engine: ForumEngine, feedback: FeedbackStore | None = None) -> FastAPI:
    """Mount the page at `/` of `app` (after the API routes, which therefore take precedence)."""
    blocks = build_chat(engine, feedback or getattr(app.state, "feedback", None))
    return gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        i18n=i18n(),
        theme=page_theme(),
        css=page_css(),
        footer_links=[],
        run_history=False,
        ssr_mode=False,
        show_error=False,
        mcp_server=False,
    )
