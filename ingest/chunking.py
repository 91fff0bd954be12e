"""Sentence splitting and chunking with exact character offsets into the stored document text.

Invariants (tested with hypothesis): `text[s.start:s.end] == s.text` for every sentence and chunk, sentence
texts carry no surrounding whitespace, and every non-whitespace character belongs to exactly one sentence.
"""

from __future__ import annotations

import hashlib
import re

from ingest.cleaning import is_byline, is_credit_line, is_markdown_heading
from kernel.domain import Chunk, Document, Sentence

# Sentence ends: CJK and half-width enders, ellipses, then any closing quotes/brackets that belong to the
# sentence; half-width closing quotes only when whitespace follows (else they may open the next sentence).
# A Latin "." ends a sentence only before whitespace. Every line break is a boundary.
_BOUNDARY = re.compile(
    r"""
    (?:[。！？；!?;]|…+|\.{3,})+[”’」』）)》】〕\]]*(?:["']+(?=\s|$))?
    | \.[”’"')\]]*(?=\s|$)
    | [\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]
    """,
    re.VERBOSE,
)
# Abbreviations and list numbers before a "." that do not end a sentence.
_NO_END_BEFORE_DOT = re.compile(r"(?:^|\s)(?:\d{1,3}|[A-Za-z]|Mr|Mrs|Ms|Dr|Prof|St|vs|etc|e\.g|i\.e|No|Fig)$")
_CLAUSE_END = re.compile(r"[，,、：:；;]")
_PLAIN_HEADING_MAX = 24
_HEADING_PUNCTUATION = set("。！？；，、,.!?;:：“”\"'‘’（）()《》")


def _stripped(doc_id: str, text: str, start: int, end: int) -> Sentence | None:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece.rstrip())
    if trail <= lead:
        return None
    return Sentence(doc_id=doc_id, start=start + lead, end=start + trail, text=piece[lead:trail])


def split_sentences(doc_id: str, text: str) -> list[Sentence]:
    """Split text into sentences with exact offsets (`text[s.start:s.end] == s.text`).

    Boundaries: 。！？；… and half-width ! ? ; (with the closing quotes/brackets that follow them), a Latin
    "." before whitespace, and every line break, so a heading line is a sentence of its own.
    """
    sentences: list[Sentence] = []
    position = 0
    for match in _BOUNDARY.finditer(text):
        if match.group(0).startswith(".") and _NO_END_BEFORE_DOT.search(text[position : match.start()]):
            continue
        sentence = _stripped(doc_id, text, position, match.end())
        if sentence is not None:
            sentences.append(sentence)
        position = match.end()
    tail = _stripped(doc_id, text, position, len(text))
    if tail is not None:
        sentences.append(tail)
    return sentences


# Windows (in characters) looked at around a heading candidate; bounded so long documents stay linear.
_CONTEXT = 64
_NEXT_PARAGRAPH = 400


def _next_paragraph(text: str, end: int) -> str:
    rest = text[end : end + _NEXT_PARAGRAPH].lstrip()
    return rest.split("\n\n", 1)[0]


def _whole_paragraph(text: str, sentence: Sentence) -> bool:
    """True when blank lines (or the text's ends) surround the sentence."""
    window_start = max(0, sentence.start - _CONTEXT)
    before = text[window_start : sentence.start].rstrip(" \t")
    after = text[sentence.end : sentence.end + _CONTEXT].lstrip(" \t")
    before_ok = before.endswith("\n\n") or (not before and window_start == 0)
    after_ok = after.startswith("\n\n") or (not after and sentence.end + _CONTEXT >= len(text))
    return before_ok and after_ok


def is_heading(text: str, sentence: Sentence) -> bool:
    """A markdown heading, or a short unpunctuated paragraph above running text ("紧扣科技发展前沿")."""
    if is_markdown_heading(sentence.text):
        return True
    line = sentence.text
    if len(line) > _PLAIN_HEADING_MAX or _HEADING_PUNCTUATION.intersection(line):
        return False
    if is_credit_line(line) or is_byline(line) or not _whole_paragraph(text, sentence):
        return False
    # Running text follows a heading; a list of short items ("链接" / "中关村论坛 发展史") does not.
    following = _next_paragraph(text, sentence.end)
    return len(following) >= 15 and bool(re.search(r"[。！？!?][”’」』）)]*$", following))


def heading_text(sentence: Sentence) -> str:
    """The heading without its markdown markers."""
    return sentence.text.lstrip("#").strip() if is_markdown_heading(sentence.text) else sentence.text


def _hard_pieces(doc_id: str, text: str, start: int, end: int, size: int) -> list[Sentence]:
    pieces = []
    for cut in range(start, end, size):
        piece = _stripped(doc_id, text, cut, min(cut + size, end))
        if piece is not None:
            pieces.append(piece)
    return pieces


def _split_long(doc_id: str, text: str, sentence: Sentence, chunk_size: int) -> list[Sentence]:
    """Cut a sentence over 2*chunk_size at clause marks (commas); hard-cut what is still too long."""
    if len(sentence.text) <= 2 * chunk_size:
        return [sentence]
    clauses: list[Sentence] = []
    position = sentence.start
    cuts = [sentence.start + m.end() for m in _CLAUSE_END.finditer(sentence.text)] + [sentence.end]
    for cut in cuts:
        clause = _stripped(doc_id, text, position, cut)
        position = cut
        if clause is None:
            continue
        if len(clause.text) > chunk_size:
            clauses.extend(_hard_pieces(doc_id, text, clause.start, clause.end, chunk_size))
        else:
            clauses.append(clause)
    packed: list[Sentence] = []
    for clause in clauses:
        if packed and clause.end - packed[-1].start <= chunk_size:
            merged = _stripped(doc_id, text, packed[-1].start, clause.end)
            assert merged is not None
            packed[-1] = merged
        else:
            packed.append(clause)
    return packed


def _sections(text: str, sentences: list[Sentence]) -> list[tuple[str, list[Sentence]]]:
    """Group sentences under headings; consecutive headings open one section named by the last of them."""
    sections: list[tuple[str, list[Sentence]]] = []
    heading, in_heading_run = "", False
    current: list[Sentence] = []
    for sentence in sentences:
        if is_heading(text, sentence):
            if current and not in_heading_run:
                sections.append((heading, current))
                current = []
            current.append(sentence)
            heading, in_heading_run = heading_text(sentence), True
        else:
            current.append(sentence)
            in_heading_run = False
    if current:
        sections.append((heading, current))
    return sections


def _pack(units: list[Sentence], chunk_size: int, overlap: int) -> list[list[Sentence]]:
    """Greedy packing of whole units up to chunk_size characters, carrying the last `overlap` units over."""
    groups: list[list[Sentence]] = []
    current: list[Sentence] = []
    for unit in units:
        if current and unit.end - current[0].start > chunk_size:
            groups.append(current)
            carried = current[-overlap:] if overlap else []
            # Carry over only what still fits next to the new unit, so chunks stay within chunk_size.
            while carried and unit.end - carried[0].start > chunk_size:
                carried = carried[1:]
            current = [*carried, unit]
        else:
            current.append(unit)
    if current:
        groups.append(current)
    return groups


def chunk_document(doc: Document, chunk_size: int = 400, overlap_sentences: int = 1) -> list[Chunk]:
    """Cut a document into chunks of whole sentences, each at most chunk_size characters when possible.

    A sentence longer than chunk_size is a chunk of its own (cut at commas when over 2*chunk_size);
    chunks never cross a heading, the heading starts its section's first chunk and is `Chunk.heading` of
    every chunk in the section; the last `overlap_sentences` sentences are repeated in the next chunk.
    `chunk.text == doc.text[chunk.start:chunk.end]`; chunk ids are deterministic.
    """
    if chunk_size < 1 or overlap_sentences < 0:
        raise ValueError("chunk_size must be positive and overlap_sentences must not be negative.")
    text = doc.text
    chunks: list[Chunk] = []
    for heading, sentences in _sections(text, split_sentences(doc.doc_id, text)):
        units = [piece for s in sentences for piece in _split_long(doc.doc_id, text, s, chunk_size)]
        for group in _pack(units, chunk_size, overlap_sentences):
            start, end = group[0].start, group[-1].end
            chunk_text = text[start:end]
            digest = hashlib.sha1(chunk_text.encode("utf-8")).hexdigest()[:8]
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.doc_id}#{len(chunks):04d}-{digest}",
                    doc_id=doc.doc_id,
                    start=start,
                    end=end,
                    text=chunk_text,
                    heading=heading,
                    sentences=tuple(group),
                )
            )
    return chunks
