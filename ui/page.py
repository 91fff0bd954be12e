"""The chat page: Gradio Blocks over the same engine as the HTTP API, mounted at `/`.

The conversation and the source panel are `gr.HTML` components rendered by `ui.render` and `ui.render_sources`
(all text escaped there). Clicks on `[n]` markers and thumbs are sent to Python with the HTML component's
`trigger`; nothing on the page loads from outside the machine (system fonts, no analytics, no CDN).
"""

from __future__ import annotations

import logging
import os
from importlib.resources import files
from typing import TYPE_CHECKING

import gradio as gr
from fastapi import FastAPI

from ui import render, render_sources
from ui.feedback import FeedbackStore
from ui.handlers import ChatPage

if TYPE_CHECKING:
    from assistant.engine import ForumEngine

log = logging.getLogger(__name__)

LANGUAGES = [
    ("自动 Auto", "auto"),
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
# Written for the page, not taken from the eval questions (a test checks that no product text copies them).
EXAMPLES = [
    "2026年的中关村论坛年会从哪天开到哪天？",
    "2023年的论坛一共办了几场平行论坛？",
    "How many parallel sessions did the 2023 Zhongguancun Forum hold?",
    "Which theme did the forum choose for 2026?",
]
FACT_EXAMPLES = [
    "In 2026 the annual meeting welcomed 3,000 guests from 50 countries.",
    "2023中关村论坛的会期是5月25日至30日。",
]


HEADER = """
<div class="fa-header">
  <div><h1>中关村论坛 AI 助手 <span class="fa-h1-en">Forum Assistant</span></h1>
  <p>Answers only from the forum's own articles, each with a source you can check<br>
  只根据论坛资料作答，句句有出处，点击即可核对原文</p></div>
  <span class="fa-pill">本地运行 Runs offline</span>
</div>
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
    with gr.Blocks(title="中关村论坛 AI 助手 Forum Assistant", analytics_enabled=False) as blocks:
        turns = gr.State([])
        gr.HTML(HEADER, apply_default_css=False, js_on_load=None)
        with gr.Tabs():
            with gr.Tab("问答 Ask", id="ask"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=380):
                    transcript = gr.HTML(
                        render.render_transcript([]),
                        js_on_load=TRANSCRIPT_JS,
                        apply_default_css=False,
                        elem_id="fa-transcript",
                    )
                    with gr.Row(equal_height=False, elem_classes="fa-input-row"):
                        message = gr.Textbox(
                            placeholder="输入问题 Ask in any language…",
                            show_label=False,
                            lines=1,
                            max_lines=4,
                            scale=6,
                            elem_id="fa-message",
                            container=False,
                        )
                        language = gr.Dropdown(
                            LANGUAGES,
                            value="auto",
                            show_label=False,
                            scale=2,
                            min_width=120,
                            elem_id="fa-language",
                            container=False,
                        )
                        send = gr.Button(
                            "提问 Ask", variant="primary", scale=1, min_width=110, elem_id="fa-send"
                        )
                    with gr.Row():
                        chips = [gr.Button(q, size="sm", variant="secondary", min_width=60) for q in EXAMPLES]
                    with gr.Row(equal_height=True):
                        comment = gr.Textbox(
                            placeholder="可选：评价时附上意见 Optional comment for your rating",
                            show_label=False,
                            scale=5,
                            container=False,
                            elem_id="fa-comment",
                        )
                        clear = gr.Button("新对话 New chat", size="sm", scale=1, min_width=130)
                with gr.Column(scale=2, min_width=340):
                    source = gr.HTML(
                        render_sources.source_placeholder(),
                        js_on_load=SOURCE_JS,
                        apply_default_css=False,
                        elem_id="fa-source",
                    )
            with gr.Tab("核查 Fact check", id="fact-check"):
                with gr.Row(equal_height=True):
                    claim = gr.Textbox(
                        label="待核查的说法 Claim to check",
                        placeholder="e.g. In 2026 the annual meeting welcomed 3,000 guests from 50 countries.",
                        lines=2,
                        scale=6,
                        elem_id="fa-claim",
                    )
                    fc_language = gr.Dropdown(
                        LANGUAGES, value="auto", label="语言 Language", scale=1, min_width=120
                    )
                with gr.Row():
                    check = gr.Button("核查 Check against the sources", variant="primary", elem_id="fa-check")
                    fc_chips = [gr.Button(c, size="sm", variant="secondary") for c in FACT_EXAMPLES]
                verdict = gr.HTML("", apply_default_css=False, elem_id="fa-verdict")

        ask_outputs = [transcript, turns, message]
        gr.on(
            triggers=[send.click, message.submit],
            fn=page.ask,
            inputs=[message, language, turns],
            outputs=ask_outputs,
            concurrency_limit=limit,
            api_visibility="private",
        )
        for chip, text in zip(chips, EXAMPLES, strict=True):
            chip.click(lambda t=text: t, None, message, queue=False, api_visibility="private").then(
                page.ask,
                [message, language, turns],
                ask_outputs,
                concurrency_limit=limit,
                api_visibility="private",
            )
        transcript.click(
            page.on_click,
            inputs=[turns, comment],
            outputs=[source, transcript, turns, comment],
            api_visibility="private",
        )
        clear.click(
            lambda: (render.render_transcript([]), [], render_sources.source_placeholder()),
            None,
            [transcript, turns, source],
            queue=False,
            api_visibility="private",
        )
        check.click(
            page.fact_check, [claim, fc_language], verdict, concurrency_limit=limit, api_visibility="private"
        )
        claim.submit(
            page.fact_check, [claim, fc_language], verdict, concurrency_limit=limit, api_visibility="private"
        )
        for chip, text in zip(fc_chips, FACT_EXAMPLES, strict=True):
            chip.click(lambda t=text: t, None, claim, queue=False, api_visibility="private").then(
                page.fact_check,
                [claim, fc_language],
                verdict,
                concurrency_limit=limit,
                api_visibility="private",
            )
        gr.api(page.answer_api, api_name="answer", concurrency_limit=limit)
    return blocks


def mount_chat(app: FastAPI, engine: ForumEngine, feedback: FeedbackStore | None = None) -> FastAPI:
    """Mount the page at `/` of `app` (after the API routes, which therefore take precedence)."""
    blocks = build_chat(engine, feedback or getattr(app.state, "feedback", None))
    return gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        theme=page_theme(),
        css=page_css(),
        footer_links=[],
        run_history=False,
        ssr_mode=False,
        show_error=False,
        mcp_server=False,
    )
