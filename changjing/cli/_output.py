"""Output folders that are never half-written and never silently overwritten.

Commands write into a hidden staging folder beside the target and move it into place only
when everything has been written; a crash leaves the target untouched.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class OutputExistsError(Exception):
    pass


def check_target(out: Path, overwrite: bool) -> None:
    """Refuse a non-empty ``out`` unless ``overwrite`` (raised before any work is done)."""
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise OutputExistsError(
            f"{out}: folder is not empty; choose another --out or pass --overwrite"
        )


@contextlib.contextmanager
def staged_output_dir(out: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a staging folder; on success it replaces ``out`` atomically (same file system)."""
    out = Path(out)
    check_target(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if out.exists():
        trash = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        out.rename(trash / "old")
        stage.rename(out)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        stage.rename(out)


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Deterministic JSON (sorted keys, UTF-8, trailing newline) so equal inputs give equal bytes."""
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    path.write_text(text + "\n", encoding="utf-8")
