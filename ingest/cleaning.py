"""Text cleaning: the cleaned text is what is stored, served and quoted, so it must read well.

Offsets are taken on the cleaned text only (sentences and chunks are cut after cleaning), so cleaning may
change the text freely; what it must not do is invent words or glue unrelated paragraphs together.
"""

from __future__ import annotations

import re
import unicodedata

# Line breaks other than "\n" that editors and PDF extractors produce.
_LINE_BREAKS = re.compile(r"\r\n?|[\x0b\x1c\x1d\x1e\x85\u2028\u2029]")
_PAGE_BREAK = "\x0c"
_SPACES = str.maketrans({"\t": " ", "\xa0": " ", "\u202f": " ", "\u2007": " "})
# BOMs, zero-width spaces and word joiners carry no meaning in stored text (ZWJ/ZWNJ and bidi marks do).
_INVISIBLE = re.compile(r"[\ufeff\u200b\u2060]")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")

_MD_HEADING = re.compile(r"^#{1,6}\s+\S")
_INLINE_HEADING = re.compile(r"(?<=\s)(?:>\s*)?#{1,6}\s+(?=\S)")
_INLINE_QUOTE = re.compile(r"\s+>\s+")
_LEADING_QUOTE = re.compile(r"^(?:>\s?)+(?=\S)")
# In ordinary lines only a single "> " quote marker is dropped (">>> " prompts and "a > b" stay).
_QUOTE_MARKER = re.compile(r"^> (?=[^>\s])")
# "### 1.1 标题 正文…": the marker, an optional section number, then one title token.
_HEADING_THEN_BODY = re.compile(r"^(#{1,6}\s+(?:\d+(?:\.\d+)*\.?\s+)?\S+)\s+(\S.*)$")

_SENTENCE_END = re.compile(r"[。！？!?]")
# A photo credit starts with "摄影：" or ends in 摄 ("新华社记者 张玉薇摄", "（本报记者 叶子摄）").
_CREDIT_START = re.compile(r"^[(（]?(?:摄影|图片?|图片来源)\s*[:：]")
_CREDIT_END = re.compile(r"(?<!拍)摄(?:影)?[)）]?$")
# An article byline: "本报记者 李贞", "■中国城市报记者 孙雪霏文", "作者: 万维易源".
_BYLINE = re.compile(r"^[■●◆▲□◇\-—\s(（]*\S{0,20}记者\s*\S+|^(?:作者|来源|文|撰文|By)\s*[:：\s]")
_CLOSED = "。！？!?；;…”’」』）)》】.,，、：:"


def is_markdown_heading(line: str) -> bool:
    """True for a markdown heading line such as "## 一、论坛概况"."""
    return bool(_MD_HEADING.match(line.strip()))


def is_credit_line(line: str) -> bool:
    """True for a photo credit line such as "新华社记者 张玉薇摄" (short, ends in 摄)."""
    line = line.strip()
    if not 0 < len(line) <= 40 or _SENTENCE_END.search(line):
        return False
    return bool(_CREDIT_START.match(line) or _CREDIT_END.search(line))


def is_byline(line: str) -> bool:
    """True for an author/outlet line such as "本报记者 李贞" or "作者: 万维易源" (not a photo credit)."""
    line = line.strip()
    if not 0 < len(line) <= 60 or _SENTENCE_END.search(line):
        return False
    return bool(_BYLINE.match(line)) and not is_credit_line(line)


def _is_cjk(char: str) -> bool:
    return unicodedata.name(char, "").startswith(("CJK UNIFIED", "CJK COMPATIBILITY IDEOGRAPH"))


def _normalise(raw: str) -> str:
    text = _INVISIBLE.sub("", raw)
    text = _LINE_BREAKS.sub("\n", text).replace(_PAGE_BREAK, "\n\n").translate(_SPACES)
    # Drop the remaining control characters (category Cc: they cannot be displayed) but keep newlines.
    return _CONTROL.sub("", text)


def _unflatten(line: str) -> list[str]:
    """Break a markdown page flattened onto one line ("> ### 摘要 > … ## 一、… ### 1.1 标题 正文") apart.

    Only lines that carry inline heading markers are touched, so a plain "a > b" stays as it is.
    """
    markers = list(_INLINE_HEADING.finditer(line))
    if not markers:
        return [line]
    if len(markers) == 1:
        # One inline "##" alone is flattened markdown only when a CJK title follows ("… ## 一、论坛概况 …").
        title = line[markers[0].end() :].split()[:2]
        if "##" not in markers[0].group(0) or not any(_is_cjk(c) for c in "".join(title)):
            return [line]
    line = _LEADING_QUOTE.sub("", line)
    line = _INLINE_QUOTE.sub("\n", line)
    line = re.sub(r"\s+(?=#{1,6}\s)", "\n", line)
    pieces: list[str] = []
    for piece in line.split("\n"):
        piece = _LEADING_QUOTE.sub("", piece.strip())
        match = _HEADING_THEN_BODY.match(piece)
        # A CJK title is one token; for Latin we cannot tell where the title ends, so leave it whole.
        if match and any(_is_cjk(c) for c in match.group(1)):
            pieces.extend([match.group(1), match.group(2)])
        elif piece:
            pieces.append(piece)
    return pieces


def _paragraphs(text: str) -> list[list[str]]:
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if not line:
            if current:
                paragraphs.append(current)
            current = []
            continue
        pieces = _unflatten(line)
        if len(pieces) == 1:
            current.append(_QUOTE_MARKER.sub("", line))
            continue
        # Pieces of a flattened page become paragraphs of their own (headings stand alone).
        if current:
            paragraphs.append(current)
        paragraphs.extend([piece] for piece in pieces)
        current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def _is_body(lines: list[str]) -> bool:
    """Running text, as opposed to a heading, title, list item or credit."""
    joined = "".join(lines)
    return bool(_SENTENCE_END.search(joined)) or len(joined) >= 40


def _is_caption(lines: list[str]) -> bool:
    return len(lines) >= 2 and is_credit_line(lines[-1])


def _special(lines: list[str]) -> bool:
    first, last = lines[0], lines[-1]
    return (
        is_markdown_heading(first)
        or is_credit_line(last)
        or is_byline(first)
        or _is_caption(lines)
        or is_markdown_heading(last)
    )


def _is_page_break(before: list[str], after: list[str]) -> bool:
    """A word split across a blank line: "…通用智" / "能人…" (both sides running text, no punctuation)."""
    end, start = before[-1][-1], after[0][0]
    if end in _CLOSED or not (_is_cjk(end) and _is_cjk(start)):
        return False
    if _special(before) or _special(after):
        return False
    return _is_body(before) and _is_body(after)


def clean_text(raw: str) -> str:
    """Clean extracted text for storage and quoting.

    Normalises newlines and spaces, strips line ends, breaks flattened markdown (inline "##" headings and
    ">" quote markers) onto their own lines, keeps a photo credit with its caption, joins words split across
    a page break ("通用智\\n\\n能人" -> "通用智能人") and separates paragraphs by exactly one blank line.
    """
    paragraphs: list[list[str]] = []
    for lines in _paragraphs(_normalise(raw)):
        previous = paragraphs[-1] if paragraphs else None
        credit = len(lines) == 1 and is_credit_line(lines[0])
        if previous is not None and credit and len("".join(previous)) <= 150 and not _special(previous):
            previous.append(lines[0])  # the credit belongs to the caption above it
            continue
        if previous is not None and _is_page_break(previous, lines):
            previous[-1] += lines[0]
            previous.extend(lines[1:])
            continue
        paragraphs.append(list(lines))
    return "\n\n".join("\n".join(lines) for lines in paragraphs)
