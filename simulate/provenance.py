"""Provenance shared by runs, sweeps and calibrations: hashes, versions, git commit,
manifests, and output folders that resume the same job but refuse another one."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import SimulateError

MANIFEST = "manifest.json"
FLOAT_FORMAT = "%.10g"   # every CSV the simulator writes: 10 significant digits


def canonical_hash(data: Any) -> str:
    """SHA-256 of ``data`` as canonical JSON (sorted keys, no spaces, UTF-8)."""
    canon = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                       default=str)
    return hashlib.sha256(canon.encode("utf-8")).hexdigest()


def package_versions() -> dict[str, str | None]:
    """Versions of the packages a result depends on."""
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str | None] = {}
    for pkg in ("changjing", "mesa", "numpy", "scipy", "pandas", "pydantic", "SALib"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = None
    return versions


def git_commit() -> str | None:
    """The commit of the changjing checkout in use, when it is a git checkout."""
    import subprocess

    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"],
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def write_manifest(folder: Path, payload: dict[str, Any]) -> None:
    """Deterministic JSON (sorted keys, trailing newline), written atomically."""
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(folder / MANIFEST)


def read_manifest(path: str | Path) -> dict[str, Any]:
    """A result folder's manifest.json, or a clear error when it is not one."""
    from .inputs import read_text  # inputs imports errors only

    text = read_text(path, "manifest", SimulateError)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SimulateError(f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg}; the manifest was edited or is damaged") from None
    if not isinstance(data, dict):
        raise SimulateError(f"{path}: expected a JSON object; the manifest was edited or is "
                            "damaged")
    return data


def write_csv(frame: Any, path: Path) -> None:
    """A DataFrame as CSV with fixed float format and line ends, written atomically."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    frame.to_csv(tmp, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    tmp.replace(path)


def open_job_folder(folder: Path, overwrite: bool, *, what: str, hash_key: str,
                    hash_value: str, required: Sequence[str] = (),
                    keep: Sequence[str] = ()) -> bool:
    """Prepare ``folder`` for a resumable job; True if it already holds this same job.

    A non-empty folder is replaced with ``overwrite``; otherwise it must hold a manifest
    (and the ``required`` files) of a job with the same hash, which is then resumed.  Files
    named in ``keep`` (the job's own lock) are neither counted nor removed.
    """
    entries = [p for p in folder.iterdir() if p.name not in keep] if folder.exists() else []
    if entries:
        if overwrite:
            for entry in entries:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
        elif not all((folder / f).is_file() for f in (MANIFEST, *required)):
            raise SimulateError(f"{folder}: folder is not empty and holds no {what}; choose "
                                "another --out or pass --overwrite")
        else:
            old = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            if old.get(hash_key) != hash_value:
                raise SimulateError(
                    f"{folder}: holds a different {what} ({old.get('name')!r}, hash "
                    f"{str(old.get(hash_key))[:12]}); pass --overwrite to replace it or "
                    "choose another --out")
            return True
    folder.mkdir(parents=True, exist_ok=True)
    return False
