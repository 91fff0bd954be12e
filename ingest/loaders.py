"""Finding and reading corpus files (.txt, .md, .html, .pdf, .docx) into cleaned Documents.

A bad file never crashes ingest: every failure becomes an UnreadableFileError whose message says what is
wrong with the file and what to do about it; the pipeline skips the file and reports the message.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

from ingest.cleaning import clean_text, is_markdown_heading
from ingest.metadata import extract_metadata, find_byline
from kernel.domain import Document
from kernel.errors import UnreadableFileError

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm", ".pdf", ".docx"})
_TEXT_SUFFIXES = frozenset({".txt", ".md"})
_HTML_SUFFIXES = frozenset({".html", ".htm"})
_BINARY_SNIFF = 8192
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "canvas", "object", "head")
_BLOCK_TAGS = (
    "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "blockquote", "pre",
    "ul", "ol", "li", "dl", "dt", "dd", "table", "tr", "figure", "figcaption", "hr", "address", "form",
)  # fmt: skip
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_PDF_LINE_END = "。！？!?；;:：”」』）)"


def iter_candidate_files(root: Path) -> list[Path]:
    """All regular files below root (recursive, sorted), skipping hidden files and hidden folders."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # prune hidden folders in place
        for name in files:
            path = Path(folder) / name
            if not name.startswith(".") and path.is_file():
                found.append(path)
    return sorted(found)


def _decode_text(raw: bytes, source: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableFileError(
                f"{source} has a UTF-16 mark but is not valid UTF-16 text ({exc})."
            ) from exc
    if b"\x00" in raw[:_BINARY_SNIFF]:
        raise UnreadableFileError(
            f"{source} looks like a binary file (it contains NUL bytes), not text. "
            "Remove it from the corpus folder or export it as UTF-8 text."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            f"{source} is not valid UTF-8 text (bad byte at offset {exc.start}). Convert it to UTF-8, for "
            f"example `iconv -f GB18030 -t UTF-8 {source} > converted.txt`, and ingest again."
        ) from exc


def _html_text(raw: bytes, source: str) -> str:
    from bs4 import BeautifulSoup, NavigableString, Tag  # imported here: only HTML files need it

    declared = _CHARSET.search(raw[:4096])
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        try:
            markup = raw.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            markup = _decode_text(raw, source)
    else:
        markup = _decode_text(raw, source)
    soup = BeautifulSoup(markup, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup.find_all(list(_DROP_TAGS)):
        tag.decompose()
    for string in soup.find_all(string=True):
        if type(string) is not NavigableString:  # comments, doctype, CDATA, processing instructions
            string.extract()
        elif string.find_parent("pre") is None:
            # Source line breaks inside a paragraph are just spaces, as a browser shows them.
            string.replace_with(re.sub(r"\s+", " ", str(string)))
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(re.compile(r"^h[1-6]$")):
        if isinstance(tag, Tag):
            tag.insert_before(f"\n\n{'#' * int(tag.name[1])} ")
            tag.insert_after("\n\n")
    for tag in soup.find_all(["td", "th"]):
        if isinstance(tag, Tag) and tag.find_previous_sibling(["td", "th"]) is not None:
            tag.insert_before(" | ")
    for tag in soup.find_all(list(_BLOCK_TAGS)):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    text = soup.get_text()
    if title and not soup.find("h1"):
        text = f"# {title}\n\n{text}"
    return text


def _unwrap_pdf_page(page: str) -> str:
    """Join lines the PDF wrapped at the page width, so sentences are not cut at every line end."""
    lines = [line.rstrip() for line in page.split("\n")]
    width = max((len(line) for line in lines), default=0)
    if width < 20:
        return page
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        full = len(previous) >= 0.8 * width and previous[-1:] not in _PDF_LINE_END
        if out and line and previous and full and not is_markdown_heading(line):
            # Wide (CJK) scripts are written without spaces; other scripts wrap at a space.
            cjk = (
                unicodedata.east_asian_width(previous[-1]) in "WF"
                and unicodedata.east_asian_width(line[0]) in "WF"
            )
            out[-1] = previous + ("" if cjk else " ") + line.lstrip()
        else:
            out.append(line)
    return "\n".join(out)


def _pdf_text(raw: bytes, source: str) -> str:
    from pypdf import PdfReader  # imported here: only PDF files need it

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFileError(f"{source} is a password-protected PDF. Save an unprotected copy.")
        pages = [_unwrap_pdf_page(page.extract_text() or "") for page in reader.pages]
    except UnreadableFileError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise UnreadableFileError(
            f"{source} is not a readable PDF ({type(exc).__name__}: {exc}). Re-export or repair it."
        ) from exc
    text = "\n\n".join(pages)
    if not text.strip():
        raise UnreadableFileError(
            f"{source} is a PDF without extractable text (a scan?). Run OCR on it or supply a text version."
        )
    return text


def _docx_text(raw: bytes, source: str) -> str:
    import docx  # imported here: only Word files need it
    from docx.table import Table

    try:
        document: Any = docx.Document(io.BytesIO(raw))
        blocks: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                blocks.extend(" | ".join(cell.text.strip() for cell in row.cells) for row in item.rows)
                continue
            style = (item.style.name if item.style is not None else "") or ""
            level = re.match(r"Heading (\d)", style)
            prefix = "# " if style == "Title" else ("#" * int(level.group(1)) + " " if level else "")
            if item.text.strip():
                blocks.append(prefix + item.text)
    except Exception as exc:  # python-docx raises zip, XML and key errors on damaged files
        raise UnreadableFileError(
            f"{source} is not a readable Word document ({type(exc).__name__}: {exc}). Re-save it as .docx."
        ) from exc
    return "\n\n".join(blocks)


def _extract(raw: bytes, suffix: str, source: str) -> str:
    if suffix in _TEXT_SUFFIXES:
        return _decode_text(raw, source)
    if suffix in _HTML_SUFFIXES:
        try:
            return _html_text(raw, source)
        except UnreadableFileError:
            raise
        except Exception as exc:  # the HTML parser should not fail, but a bad file must not stop ingest
            raise UnreadableFileError(f"{source} is not readable HTML ({exc}). Fix or remove it.") from exc
    if suffix == ".pdf":
        return _pdf_text(raw, source)
    return _docx_text(raw, source)


def read_document(path: Path, root: Path) -> Document:
    """Read, decode, clean and describe one file; raise UnreadableFileError (with the reason) when it cannot.

    doc_id is the path relative to root without its extension (posix slashes); source keeps the extension;
    sha256 is taken over the raw bytes, so any change to the file changes it.
    """
    relative = path.relative_to(root)
    source = relative.as_posix()
    doc_id = relative.with_suffix("").as_posix()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnreadableFileError(
            f"{source} has an unsupported file type '{suffix or '(none)'}'; supported types are {supported}. "
            "Convert it or move it out of the corpus folder."
        )
    try:
        raw = path.read_bytes()
    except PermissionError as exc:
        raise UnreadableFileError(
            f"{source} cannot be read: permission denied. Check its permissions."
        ) from exc
    except OSError as exc:
        raise UnreadableFileError(f"{source} cannot be read ({exc.strerror or exc}).") from exc
    if not raw.strip():
        raise UnreadableFileError(
            f"{source} is empty{' (only whitespace)' if raw else ''}. Add text to it or remove it."
        )
    text = clean_text(_extract(raw, suffix, source))
    if not text.strip():
        raise UnreadableFileError(f"{source} contains no text after cleaning. Add text to it or remove it.")
    meta = extract_metadata(text, source)
    extra = {"file_name": path.name, "format": suffix.lstrip(".")}
    byline = find_byline(text)
    if byline:
        extra["byline"] = byline
    year = meta["year"]
    return Document(
        doc_id=doc_id,
        source=source,
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        title=str(meta["title"] or doc_id),
        date=meta["date"] if isinstance(meta["date"], str) else None,
        year=year if isinstance(year, int) else None,
        outlet=meta["outlet"] if isinstance(meta["outlet"], str) else None,
        extra=extra,
    )
