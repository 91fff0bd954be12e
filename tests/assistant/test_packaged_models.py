"""Packaged GGUF models: assembly from the installed wheel parts, pinned sha256, corrupt-file detection."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.llm.packaged import (
    PACKAGED_MODELS,
    ensure_packaged_model,
    find_parts,
    prepare_models,
    resolve_model_path,
    verify_model_file,
)
from kernel.errors import ModelError
from kernel.settings import Settings

SMALL = PACKAGED_MODELS["qwen-0.5b"]


@pytest.fixture(scope="module")
def assembled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 0.5B model assembled once from its six installed parts (the models extra) into a temp models dir."""
    return ensure_packaged_model(SMALL, tmp_path_factory.mktemp("models"))


def _copy(src: Path, folder: Path, *, with_stamp: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / src.name
    shutil.copy2(src, target)  # copy2 keeps the mtime, so a copied stamp still matches
    if with_stamp:
        shutil.copy2(src.with_name(src.name + ".sha256"), folder / (src.name + ".sha256"))
    return target


def _flip(path: Path, offset: int) -> None:
    """Flip the lowest bit of one byte in place."""
    with path.open("r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([byte[0] ^ 0x01]))


def test_parts_are_found_in_order() -> None:
    parts = find_parts(SMALL)
    assert parts is not None, f"the qwen-0.5b part packages are not installed: {SMALL.pip_command()}"
    assert [p.name for p in parts] == [f"part{i:02d}.bin" for i in range(1, 7)]
    assert sum(p.stat().st_size for p in parts) == SMALL.size


def test_assembles_to_the_pinned_size_and_sha(assembled: Path) -> None:
    assert assembled.name == "qwen-0.5b.gguf"
    assert assembled.stat().st_size == SMALL.size
    assert assembled.read_bytes()[:4] == b"GGUF"
    verify_model_file(assembled, SMALL, full=True)  # re-hashes the whole file against the pin
    assert not list(assembled.parent.glob("*.part")), "the temp file must be gone after the rename"


def test_cached_file_is_reused_without_reassembly(assembled: Path) -> None:
    before = assembled.stat().st_mtime_ns
    again = ensure_packaged_model(SMALL, assembled.parent)
    assert again == assembled
    assert assembled.stat().st_mtime_ns == before


def test_one_flipped_byte_is_a_model_error_naming_the_file(assembled: Path, tmp_path: Path) -> None:
    copy = _copy(assembled, tmp_path / "flipped")
    _flip(copy, SMALL.size // 2)
    with pytest.raises(ModelError) as info:
        ensure_packaged_model(SMALL, copy.parent)
    assert str(copy) in str(info.value)
    assert "forum-assistant models" in str(info.value)


def test_a_flip_after_the_stamp_was_written_is_still_caught(assembled: Path, tmp_path: Path) -> None:
    copy = _copy(assembled, tmp_path / "stamped", with_stamp=True)
    verify_model_file(copy, SMALL)  # the copied stamp matches: fast path
    _flip(copy, 1000)
    # Some filesystems keep coarse timestamps: make sure the edit is visible as a new mtime.
    os.utime(copy, ns=(copy.stat().st_atime_ns, copy.stat().st_mtime_ns + 1_000_000))
    with pytest.raises(ModelError, match="sha256"):
        verify_model_file(copy, SMALL)


def test_a_truncated_file_is_a_model_error_naming_the_file(assembled: Path, tmp_path: Path) -> None:
    copy = _copy(assembled, tmp_path / "truncated")
    with copy.open("r+b") as fh:
        fh.truncate(SMALL.size - 4096)
    with pytest.raises(ModelError) as info:
        verify_model_file(copy, SMALL)
    assert str(copy) in str(info.value)
    assert "bytes" in str(info.value)


def test_prepare_models_rebuilds_a_corrupt_copy(assembled: Path, tmp_path: Path) -> None:
    copy = _copy(assembled, tmp_path / "prepare")
    with copy.open("r+b") as fh:
        fh.truncate(100)
    lines = prepare_models(copy.parent, names=["qwen-0.5b"])
    assert any("Rebuilding" in line for line in lines)
    assert any("assembled" in line for line in lines)
    verify_model_file(copy, SMALL, full=True)


def test_resolve_model_path(assembled: Path, tmp_path: Path, make_settings: Callable[..., Settings]) -> None:
    assert resolve_model_path(make_settings(llm_model="none")) is None
    assert resolve_model_path(make_settings(llm_model=str(assembled))) == assembled
    packaged = make_settings(data_dir=tmp_path / "data", llm_model="qwen-0.5b")
    (packaged.models_dir).mkdir(parents=True)
    shutil.copy2(assembled, packaged.models_dir / "qwen-0.5b.gguf")
    assert resolve_model_path(packaged) == packaged.models_dir / "qwen-0.5b.gguf"

    not_gguf = tmp_path / "notes.gguf"
    not_gguf.write_text("not a model", encoding="utf-8")
    with pytest.raises(ModelError, match="not a GGUF file"):
        resolve_model_path(make_settings(llm_model=str(not_gguf)))
    with pytest.raises(ModelError, match="cannot be read"):
        resolve_model_path(make_settings(llm_model=str(tmp_path / "missing.gguf")))
    with pytest.raises(ModelError, match="Unknown model"):
        resolve_model_path(make_settings(llm_model="gpt-17"))
