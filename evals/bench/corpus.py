"""The scale corpus: the forum articles plus as many crud-news articles as a target chunk count needs.

News articles become `news/nNNNNN.txt` files beside copies of the forum articles, so the normal ingest
pipeline indexes them and each larger scale only adds files (ingest is incremental). Chunk counts are
worked out with the real chunker before anything is embedded, so a scale lands close to its target.
crud-news holds ~11,600 distinct articles, ~29,600 chunks at the default settings; a larger target is
reached only with `allow_copies`, by adding second copies under other names (recorded as such).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from evals.news import news_articles
from ingest.chunking import chunk_document
from ingest.loaders import read_document
from kernel.settings import Settings


@dataclass
class ScaleCorpus:
    """A corpus folder that grows scale by scale; `chunks` counts what the chunker will produce."""

    folder: Path
    settings: Settings
    articles: list[str]
    allow_copies: bool = False
    files: int = 0  # news files written so far
    copies: int = 0  # of which duplicates of an earlier article
    chunks: int = 0
    forum_chunks: int = 0
    _counted: dict[str, int] = field(default_factory=dict)

    @classmethod
    def create(
        cls, folder: Path, forum_corpus: Path, settings: Settings, *, allow_copies: bool = False
    ) -> ScaleCorpus:
        """Copy the forum articles into `folder` and load the news articles (not yet written)."""
        (folder / "news").mkdir(parents=True, exist_ok=True)
        corpus = cls(folder, settings, news_articles(settings.benchmarks_dir), allow_copies)
        for src in sorted(forum_corpus.iterdir()):
            if src.is_file():
                shutil.copyfile(src, folder / src.name)
                corpus.forum_chunks += corpus._count(folder / src.name)
        corpus.chunks = corpus.forum_chunks
        return corpus

    @property
    def capacity(self) -> int:
        """How many news files can be written: every article once, or twice with copies allowed."""
        return len(self.articles) * (2 if self.allow_copies else 1)

    def _count(self, path: Path) -> int:
        doc = read_document(path, self.folder)
        count = len(chunk_document(doc, self.settings.chunk_size, self.settings.chunk_overlap_sentences))
        self._counted[doc.doc_id] = count
        return count

    def grow_to(self, target_chunks: int) -> int:
        """Write news files until the corpus would produce about `target_chunks`; returns the chunk count.

        Stops early (below the target) when the articles run out.
        """
        while self.chunks < target_chunks and self.files < self.capacity:
            n = self.files
            text = self.articles[n % len(self.articles)]
            if n >= len(self.articles):
                self.copies += 1
            path = self.folder / "news" / f"n{n:05d}.txt"
            path.write_text(text + "\n", encoding="utf-8")
            self.files += 1
            self.chunks += self._count(path)
        return self.chunks

    @property
    def documents(self) -> int:
        """Documents in the corpus (forum articles included)."""
        return len(self._counted)
