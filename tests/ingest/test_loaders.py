"""Loaders: every supported format from real files in tmp_path, and every kind of bad file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import docx
import pytest

from ingest.loaders import SUPPORTED_SUFFIXES, iter_candidate_files, read_document
from kernel.errors import IngestError, UnreadableFileError

CORPUS = Path("/work/shared/corpus")


def _pdf_bytes(lines: list[str]) -> bytes:
    """A minimal one-page PDF with Helvetica text, one PDF text line per entry."""
    shown = " ".join(f"({line}) Tj T*" for line in lines)
    content = f"BT /F1 11 Tf 72 720 Td 14 TL {shown} ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        "/Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_supported_suffixes() -> None:
    assert frozenset({".txt", ".md", ".html", ".htm", ".pdf", ".docx"}) == SUPPORTED_SUFFIXES


def test_iter_candidate_files_is_recursive_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for name in ["b.txt", "a/z.md", "a/b/c.pdf", ".hidden.txt", ".git/config", "a/.cache/x.txt", "notes.xyz"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_candidate_files(tmp_path)]
    assert found == ["a/b/c.pdf", "a/z.md", "b.txt", "notes.xyz"]


def test_txt_with_bom_and_subfolder_ids(tmp_path: Path) -> None:
    raw = "\ufeff# 标题\r\n\r\n正文第一句。第二句！\r\n".encode()
    path = tmp_path / "news" / "2026" / "a.b.txt"
    path.parent.mkdir(parents=True)
    path.write_bytes(raw)
    doc = read_document(path, tmp_path)
    assert doc.doc_id == "news/2026/a.b" and doc.source == "news/2026/a.b.txt"
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()
    assert doc.text == "# 标题\n\n正文第一句。第二句！"
    assert doc.title == "标题" and doc.extra["format"] == "txt" and doc.extra["file_name"] == "a.b.txt"


def test_markdown(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text(
        "# 2026 论坛速览\n\n> 引用的一句话。\n\n## 小节\n\n3月25日至29日，2026论坛举行。\n", "utf-8"
    )
    doc = read_document(path, tmp_path)
    assert doc.text == "# 2026 论坛速览\n\n引用的一句话。\n\n## 小节\n\n3月25日至29日，2026论坛举行。"
    assert (doc.title, doc.year, doc.date) == ("2026 论坛速览", 2026, "2026-03-25")


def test_html_drops_scripts_and_keeps_block_breaks(tmp_path: Path) -> None:
    html = """<!DOCTYPE html><html><head><title>页面标题</title><style>p {color: red}</style>
    <script>var secret = "SCRIPT_TEXT";</script></head>
    <body><!-- a comment --><h1>论坛新闻</h1><p>第一段
       文字。<b>加粗</b>部分。</p><div>第二段<br>换行。</div>
    <script>document.write("MORE_SCRIPT")</script><noscript>NOSCRIPT_TEXT</noscript>
    <table><tr><td>甲</td><td>乙</td></tr></table><h2>小节</h2><ul><li>一项</li><li>二项</li></ul></body></html>"""
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    doc = read_document(path, tmp_path)
    for hidden in ("SCRIPT_TEXT", "MORE_SCRIPT", "NOSCRIPT_TEXT", "color", "comment", "页面标题"):
        assert hidden not in doc.text
    assert (
        doc.text
        == "# 论坛新闻\n\n第一段 文字。加粗部分。\n\n第二段\n换行。\n\n甲 | 乙\n\n## 小节\n\n一项\n\n二项"
    )
    assert doc.title == "论坛新闻" and doc.doc_id == "page"


def test_htm_uses_the_title_when_there_is_no_h1_and_its_declared_charset(tmp_path: Path) -> None:
    html = '<html><head><meta charset="gb18030"><title>旧页面</title></head><body><p>正文。</p></body></html>'
    path = tmp_path / "old.htm"
    path.write_bytes(html.encode("gb18030"))
    doc = read_document(path, tmp_path)
    assert doc.text == "# 旧页面\n\n正文。" and doc.title == "旧页面"


def test_pdf_text_and_wrapped_lines(tmp_path: Path) -> None:
    lines = [
        "Zhongguancun Forum 2026",
        "",
        "The annual meeting of the forum took place in Beijing from",
        "March 25 to 29 and drew guests from many countries.",
        "A second paragraph follows here.",
    ]
    path = tmp_path / "report.pdf"
    path.write_bytes(_pdf_bytes(lines))
    doc = read_document(path, tmp_path)
    assert "from March 25 to 29 and drew guests" in doc.text  # the wrapped line is joined
    assert doc.text.startswith("Zhongguancun Forum 2026")
    assert doc.title == "Zhongguancun Forum 2026" and doc.year == 2026 and doc.extra["format"] == "pdf"


def test_docx_paragraphs_headings_and_tables(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("2023 中关村论坛纪要", level=1)
    document.add_paragraph("5月25日到30日，2023中关村论坛在京举行。")
    document.add_heading("活动", level=2)
    document.add_paragraph("举办了55场平行论坛。")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "平行论坛"
    table.rows[0].cells[1].text = "55"
    path = tmp_path / "minutes.docx"
    document.save(str(path))
    doc = read_document(path, tmp_path)
    assert doc.text == (
        "# 2023 中关村论坛纪要\n\n5月25日到30日，2023中关村论坛在京举行。\n\n## 活动\n\n举办了55场平行论坛。"
        "\n\n平行论坛 | 55"
    )
    assert (doc.title, doc.year, doc.date) == ("2023 中关村论坛纪要", 2023, "2023-05-25")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.txt", b"", "is empty"),
        ("blank.md", b" \n\t\r\n  ", "is empty (only whitespace)"),
        ("binary.txt", b"\x00\x01\x02\x03PK\x00\x00binary", "binary file"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "not a readable PDF"),
        ("junk.pdf", b"this is not a pdf at all", "not a readable PDF"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "not a readable Word document"),
        ("gbk.txt", "中关村论坛年会在北京举办。".encode("gb18030"), "iconv -f GB18030 -t UTF-8"),
        ("image.png", b"\x89PNG\r\n\x1a\n", "unsupported file type '.png'"),
        ("scan.pdf", _pdf_bytes([]), "without extractable text"),
    ],
)
def test_bad_files_raise_unreadable_file_error(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFileError) as caught:
        read_document(path, tmp_path)
    message = str(caught.value)
    assert expected in message and message.startswith(name) and message.endswith(".")
    assert isinstance(caught.value, IngestError)


def test_non_utf8_message_says_to_convert(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes("论坛".encode("gb18030"))
    with pytest.raises(UnreadableFileError, match=r"is not valid UTF-8 text .* Convert it to UTF-8"):
        read_document(path, tmp_path)


def test_a_folder_named_like_a_file_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "folder.txt").mkdir()
    with pytest.raises(UnreadableFileError, match="cannot be read"):
        read_document(tmp_path / "folder.txt", tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read any file")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("正文。", encoding="utf-8")
    path.chmod(0)
    try:
        with pytest.raises(UnreadableFileError, match="permission denied"):
            read_document(path, tmp_path)
    finally:
        path.chmod(0o644)


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes("论坛正文。".encode("utf-16"))
    assert read_document(path, tmp_path).text == "论坛正文。"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not on this machine")
def test_real_corpus_files_load() -> None:
    files = iter_candidate_files(CORPUS)
    assert [p.name for p in files] == [
        "000_f953bc0272d12e83.txt", "001_ac7e4f98f3743c27.txt", "004_ee9741430f072f91.txt",
    ]  # fmt: skip
    for path in files:
        doc = read_document(path, CORPUS)
        assert doc.source == path.name and doc.doc_id == path.stem
        assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert len(doc.text) > 3000
