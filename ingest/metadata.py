"""Per-document metadata read from the cleaned text: title, date, year, outlet.

General rules, not per-file ones: a level-1 heading or the title line of the article header; the
publication date when the header states one, otherwise the start of the event the article reports; the
year in the title (the edition it is about); the outlet from an author or reporter line.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import PurePosixPath

from ingest.cleaning import is_byline, is_credit_line, is_markdown_heading

_HEADER_LINES = 15  # title, byline and publication date live in the first lines of an article

_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?![\d.%])")
_ISO_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_CJK_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_DAY_RANGE = re.compile(
    r"(?<![\d年])(\d{1,2})月(\d{1,2})[日号]?\s*(?:至|到|—|–|-|~|～)\s*(?:\d{1,2}月)?\d{1,2}[日号]"
)
_MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})[日号]")
_SENTENCE = re.compile(r"[^。！？!?\n]*[。！？!?]?")
_AUTHOR_LINE = re.compile(r"^(?:作者|来源|出处|撰文|文|Author|Source|By)\s*[:：]?\s*(\S.*)$", re.IGNORECASE)
_REPORTER = re.compile(r"^[■●◆▲□◇\-—\s(（]*(\S{1,20}?)记者")
# "本报" (this paper), "本刊"…: the line does not name the outlet, so there is none to report.
_SELF_REFERENCE = {"本报", "本刊", "本台", "本网", "本社", "本站"}
_SENTENCE_END = "。！？!?；;，,"
_QUOTES = ("“”", "「」", "『』", '""', "《》")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _strip_heading(line: str) -> str:
    return line.lstrip("#").strip() if is_markdown_heading(line) else line


def _is_date_line(line: str) -> bool:
    return len(line) <= 40 and bool(_ISO_DATE.search(line) or _CJK_DATE.search(line))


def _is_title_candidate(line: str) -> bool:
    line = _strip_heading(line)
    if not 6 <= len(line) <= 100 or line[-1] in _SENTENCE_END:
        return False
    if is_credit_line(line) or is_byline(line) or _is_date_line(line):
        return False
    # A line wholly in quotes is a slogan or kicker above the title ("“开放合作·共享未来”").
    return not any(line[0] == pair[0] and line[-1] == pair[1] for pair in _QUOTES)


def _title(text: str, source: str) -> str:
    lines = _lines(text)
    header = lines[:_HEADER_LINES]
    for line in lines[:30]:
        if re.match(r"^#\s+\S", line):
            return _strip_heading(line)
    # Scraped pages repeat the title (page title + article title); a repeated line is the title.
    counts = Counter(line for line in header if _is_title_candidate(line))
    repeated = [line for line in header if counts[line] > 1]
    if repeated:
        return _strip_heading(repeated[0])
    for line in header:
        if _is_title_candidate(line):
            return _strip_heading(line)
    return _strip_heading(lines[0])[:100] if lines else PurePosixPath(source).stem


def _body_paragraphs(text: str) -> list[str]:
    """Paragraphs without photo captions (a caption is a paragraph ending in a credit line)."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return [p for p in paragraphs if not is_credit_line(p.split("\n")[-1])]


def _iso(year: int, month: int, day: int) -> str | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def _year(title: str, text: str) -> int | None:
    found = _YEAR.search(title)
    if found:
        return int(found.group(1))
    counts = Counter(int(y) for y in _YEAR.findall(text))
    return counts.most_common(1)[0][0] if counts else None


def _sentence_year(paragraph: str, position: int) -> int | None:
    """The year written in the same sentence as a month-day date, if any."""
    for match in _SENTENCE.finditer(paragraph):
        if match.start() <= position < max(match.end(), match.start() + 1):
            found = _YEAR.search(match.group(0))
            return int(found.group(1)) if found else None
    return None


def _date(text: str, year: int | None) -> str | None:
    # 1. A publication date standing on its own line in the header ("2026-03-19", "发布时间：2026年3月19日").
    for line in _lines(text)[:_HEADER_LINES]:
        if _is_date_line(line) and not is_credit_line(line):
            found = _ISO_DATE.search(line) or _CJK_DATE.search(line)
            assert found is not None
            iso = _iso(int(found.group(1)), int(found.group(2)), int(found.group(3)))
            if iso:
                return iso
    body = _body_paragraphs(text)
    # 2. The start of the event span the article reports ("3月25日至29日"), 3. a full date in the text,
    # 4. the first month-day, the year taken from its sentence or from the document.
    for paragraph in body:
        found = _DAY_RANGE.search(paragraph)
        if found:
            in_year = _sentence_year(paragraph, found.start()) or year
            if in_year:
                return _iso(in_year, int(found.group(1)), int(found.group(2)))
    for paragraph in body:
        full = _CJK_DATE.search(paragraph) or _ISO_DATE.search(paragraph)
        if full:
            return _iso(int(full.group(1)), int(full.group(2)), int(full.group(3)))
    for paragraph in body:
        found = _MONTH_DAY.search(paragraph)
        if found:
            in_year = _sentence_year(paragraph, found.start()) or year
            if in_year:
                return _iso(in_year, int(found.group(1)), int(found.group(2)))
    return None


def find_byline(text: str) -> str | None:
    """The author/reporter line of the article header ("本报记者 李贞"), if there is one."""
    return next((line for line in _lines(text)[:_HEADER_LINES] if is_byline(line)), None)


def _outlet(text: str) -> str | None:
    for line in _lines(text)[:_HEADER_LINES]:
        if not is_byline(line):
            continue
        author = _AUTHOR_LINE.match(line)
        if author:
            return author.group(1).strip() or None
        reporter = _REPORTER.match(line)
        if reporter:
            name = reporter.group(1).strip()
            return None if name in _SELF_REFERENCE else name
    return None


def extract_metadata(text: str, source: str) -> dict[str, str | int | None]:
    """Title, date (ISO), year (the edition the document is about) and outlet of a cleaned document.

    Keys: "title" (never empty: falls back to the file name), "date", "year", "outlet" (None when unknown).
    """
    title = _title(text, source)
    year = _year(title, text)
    date = _date(text, year)
    if year is None and date is not None:
        year = int(date[:4])
    return {"title": title, "date": date, "year": year, "outlet": _outlet(text)}
