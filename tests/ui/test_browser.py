"""The chat page in a real browser: Debian chromium driven by Playwright against the live server.

Run `bash scripts/install-browser.sh` once (make setup and .ci/run do) for chromium and CJK fonts.
The README's screenshots are written here (results/screenshots/): source-panel.png (a Chinese visitor),
chat-en.png and chat-ja.png (English and Japanese guests, each with the source panel open; the Japanese
page is opened with a Japanese browser locale) and fact-check.png. Most answers come from the real engine in
extractive mode (these tests check what the page does with them); the English and Japanese guests ask the
default configuration with the real 0.5B (`guest_server`), and their answers must be right: the dates and
the figure, in the guest's language, with the Chinese original beside them.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from assistant.engine import ForumEngine
from kernel.settings import Settings
from tests.support import LiveServer
from tests.ui.conftest import SCREENSHOTS
from ui.commands import build_app
from ui.labels import examples, label

pytestmark = [pytest.mark.browser, pytest.mark.server]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 90_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `bash scripts/install-browser.sh` (apt-get install chromium)."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


class PageWatch:
    """A page plus what it tried to load from anywhere but the test server, and any dialogs it opened."""

    def __init__(self, browser: Any, url: str, locale: str = "zh-CN") -> None:
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale=locale)
        self.page.set_default_timeout(WAIT_MS)
        host = urlparse(url).netloc
        self.page.on("request", self._request(host))
        self.page.on("dialog", self._dismiss)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(f"{url}/")
        self.page.wait_for_selector("#fa-message textarea")

    def expect_page_in(self, lang: str) -> None:
        """The page's own words are `lang`'s: tabs, button, placeholder, examples, header, source panel."""
        from playwright.sync_api import expect

        page = self.page
        expect(page.locator("#fa-send")).to_have_text(label(lang, "send"))
        expect(page.get_by_role("tab", name=label(lang, "tab_ask"), exact=True)).to_be_visible()
        expect(page.get_by_role("tab", name=label(lang, "tab_fact"), exact=True)).to_be_visible()
        expect(page.locator("#fa-message textarea")).to_have_attribute(
            "placeholder", label(lang, "placeholder")
        )
        expect(page.locator("#fa-examples button").first).to_have_text(examples(lang)[0])
        expect(page.locator("#fa-header h1")).to_have_text(label(lang, "title"))
        expect(page).to_have_title(label(lang, "title"))

    def _dismiss(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _request(self, host: str) -> Any:
        def record(request: Any) -> None:
            parsed = urlparse(request.url)
            if parsed.scheme in ("http", "https", "ws", "wss") and parsed.netloc != host:
                self.outside.append(request.url)

        return record

    def ask(self, question: str) -> Any:
        """Type a question, send it, and return the locator of the finished answer."""
        turns_before = self.page.locator(".fa-turn").count()
        self.page.fill("#fa-message textarea", question)
        self.page.click("#fa-send")
        turn = self.page.locator(".fa-turn").nth(turns_before)
        answer = turn.locator(".fa-answer:not(.fa-drafting)")
        answer.wait_for(state="visible")
        return turn


def _save(page: Any, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    page.screenshot(path=str(target))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(target, SCREENSHOTS / name)  # the README shows these
    return target


def _claims(answer: Any) -> str:
    """The answer's own words: its claim cells (beside the originals), or its whole text without a grid."""
    claims = answer.locator(".fa-claim")
    if claims.count():
        return "\n".join(claims.all_inner_texts())
    return str(answer.locator(".fa-text").inner_text())


def _open_citation(watch: PageWatch, turn: Any, n: int) -> Any:
    turn.locator(f'button.fa-cite[data-cite="{n}"]').first.click()
    mark = watch.page.locator("#fa-source mark.fa-hl")
    mark.wait_for(state="visible")
    return mark


def _open_first_source(watch: PageWatch, turn: Any) -> Any:
    """Open the answer's first source (its first [n], or for a refusal the closest source's card)."""
    from playwright.sync_api import expect

    cite = turn.locator(".fa-text button.fa-cite").first
    if cite.count():
        return _open_citation(watch, turn, int(cite.get_attribute("data-cite") or "0"))
    turn.locator(".fa-src").first.click()
    mark = watch.page.locator("#fa-source mark.fa-hl")
    mark.wait_for(state="visible")
    expect(mark).to_be_in_viewport()
    return mark


def test_questions_answers_and_the_source_panel(
    browser: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    watch = PageWatch(browser, live_server.url, locale="zh-CN")
    page = watch.page
    watch.expect_page_in("zh")

    # A visitor asks in Chinese and opens the first citation.
    turn = watch.ask("2026中关村论坛年会是哪几天举办的？")
    expect(turn.locator(".fa-answer")).not_to_have_class("fa-refused")
    cite = turn.locator("button.fa-cite").first
    n = int(cite.get_attribute("data-cite") or "0")
    quote = turn.locator(f'.fa-src[data-cite="{n}"] .fa-quote').inner_text()
    mark = _open_citation(watch, turn, n)
    expect(mark).to_be_in_viewport()
    assert mark.inner_text() == quote
    assert "3月25日" in page.locator("#fa-source").inner_text()
    expect(turn.locator(".fa-sources-title")).to_have_text(label("zh", "sources"))
    _save(page, tmp_path, "source-panel.png")

    # Thumbs up is stored and acknowledged.
    turn.locator('button.fa-rate[data-rate="up"]').click()
    expect(turn.locator(".fa-thanks")).to_have_text(label("zh", "thanks"))

    assert watch.outside == [], f"the page tried to reach other hosts: {watch.outside}"
    assert watch.dialogs == [] and watch.errors == []


def test_an_english_guest_sees_the_chinese_original_beside_the_claim(
    browser: Any, guest_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    watch = PageWatch(browser, guest_server.url, locale="en-US")
    page = watch.page
    watch.expect_page_in("en")
    turn = watch.ask("When did the 2026 Zhongguancun Forum annual meeting take place?")
    answer = turn.locator(".fa-answer")
    assert answer.get_attribute("lang") == "en"
    assert "fa-refused" not in (answer.get_attribute("class") or ""), answer.inner_text()
    # The meeting's dates (3月25日至29日 in the source), written for an English reader.
    text = _claims(answer)
    assert re.search(r"March 25\D{1,6}29", text) and not re.search(r"[\u4e00-\u9fff]", text), text
    originals = turn.locator(".fa-originals [lang=zh]")
    assert originals.count() >= 1, "an English answer shows the Chinese original beside its claim"
    expect(originals.first).to_contain_text("3月25日至29日")
    _open_first_source(watch, turn)
    expect(page.locator("#fa-source .fa-quote-box .fa-pair-label")).to_have_text(
        label("en", "quoted_sentence")
    )
    # The quoted sentence's machine translation follows, under the original and labelled as one.
    translation = page.locator("#fa-source .fa-translation")
    expect(translation).to_contain_text(label("en", "translating"))
    expect(translation.locator(".fa-translation-label")).to_have_text(
        label("en", "machine_translation"), timeout=120_000
    )
    assert re.search(r"\b(?:25|29)\b", translation.inner_text()), translation.inner_text()
    _save(page, tmp_path, "chat-en.png")
    assert watch.outside == [] and watch.dialogs == [] and watch.errors == []


def test_a_japanese_browser_gets_a_japanese_page(
    browser: Any, guest_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    watch = PageWatch(browser, guest_server.url, locale="ja-JP")
    page = watch.page
    watch.expect_page_in("ja")  # before anything is asked: the browser's locale
    expect(page.locator(".fa-welcome-title")).to_have_text(label("ja", "welcome_title"))
    expect(page.locator("#fa-source .fa-panel-title")).to_have_text(label("ja", "source_title"))

    turn = watch.ask("2023年の中関村フォーラムでは平行フォーラムがいくつ開催されましたか？")
    answer = turn.locator(".fa-answer")
    assert answer.get_attribute("lang") == "ja", "the answer is labelled in the question's language"
    assert "fa-refused" not in (answer.get_attribute("class") or ""), answer.inner_text()
    text = _claims(answer)
    assert "55" in text and re.search(r"[\u3040-\u30ff]", text), text  # the figure, in Japanese (kana)
    expect(answer.locator(".fa-sources-title")).to_have_text(label("ja", "sources"))
    _open_first_source(watch, turn)
    expect(page.locator("#fa-source .fa-quote-box")).to_contain_text("55场平行论坛")
    expect(page.locator("#fa-source .fa-quote-box .fa-pair-label")).to_have_text(
        label("ja", "quoted_sentence")
    )
    watch.expect_page_in("ja")
    expect(page.locator("#fa-source .fa-translation-label")).to_have_text(
        label("ja", "machine_translation"), timeout=120_000
    )
    _save(page, tmp_path, "chat-ja.png")
    assert watch.outside == [] and watch.dialogs == [] and watch.errors == []


def test_the_page_follows_the_language_of_the_question(browser: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    watch = PageWatch(browser, live_server.url, locale="en-US")
    watch.expect_page_in("en")
    turn = watch.ask("Сколько параллельных форумов прошло в 2023 году?")
    expect(turn.locator(".fa-answer")).to_have_attribute("lang", "ru")
    watch.expect_page_in("ru")
    # An example question is asked in the page's language, and the page stays in it.
    watch.page.locator("#fa-examples button").nth(1).click()
    expect(watch.page.locator(".fa-turn")).to_have_count(2)
    expect(watch.page.locator(".fa-turn").nth(1).locator(".fa-q")).to_have_text(examples("ru")[1])
    watch.page.locator(".fa-turn").nth(1).locator(".fa-answer:not(.fa-drafting)").wait_for(state="visible")
    watch.expect_page_in("ru")
    assert watch.errors == []


def test_refusal_is_shown_as_not_in_the_sources(
    browser: Any, engine: ForumEngine, ui_settings: Settings
) -> None:
    # The strictest threshold makes the real engine refuse, so the page's refusal state is what is tested.
    strict = ui_settings.model_copy(update={"refusal_threshold": 1.0})
    with LiveServer(build_app(ForumEngine(strict, engine.index, None), strict)) as server:
        watch = PageWatch(browser, server.url)
        turn = watch.ask("What is the Wi-Fi password at the venue?")
        answer = turn.locator(".fa-answer")
        assert "fa-refused" in (answer.get_attribute("class") or "")
        assert label("en", "refused") in answer.inner_text()
        assert turn.locator(".fa-src").count() >= 1  # the closest sources are still offered


def test_fact_check_tab(browser: Any, live_server: LiveServer, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    watch = PageWatch(browser, live_server.url, locale="zh-CN")
    page = watch.page
    page.get_by_role("tab", name=label("zh", "tab_fact"), exact=True).click()
    page.fill("#fa-claim textarea", "The 2026 meeting drew 3,000 people from 50 countries.")
    page.click("#fa-check")
    verdict = page.locator("#fa-verdict .fa-verdict")
    verdict.wait_for(state="visible")
    assert page.locator("#fa-verdict .fa-fc-card mark.fa-hl").count() >= 1
    # The claim is English: its verdict, and from now on the page, speak English.
    expect(page.locator("#fa-verdict .fa-sources-title").first).to_have_text(label("en", "supporting"))
    expect(page.locator("#fa-check")).to_have_text(label("en", "check"))
    _save(page, tmp_path, "fact-check.png")


def test_planted_script_in_a_document_never_runs(browser: Any, planted: ForumEngine) -> None:
    with LiveServer(build_app(planted, planted.settings)) as server:
        watch = PageWatch(browser, server.url)
        page = watch.page
        turn = watch.ask('论坛设置了几个安检口？<img src=x onerror="window.__pwned = 3">')
        assert "<img src=x" in turn.locator(".fa-q").inner_text()  # the question shows as text
        card = turn.locator(".fa-src", has_text="notice.txt").first
        card.click()
        panel = page.locator("#fa-source")
        panel.locator("mark.fa-hl").wait_for(state="visible")
        text = panel.inner_text()
        assert "<script>window.__pwned = 1;" in text  # shown as text …
        assert '<img src=x onerror="window.__pwned = 2">' in text
        assert panel.locator("script, img, b").count() == 0  # … never as elements
        assert page.evaluate("window.__pwned") is None
        assert page.title() != "PWNED"
        assert watch.dialogs == [] and watch.outside == []
