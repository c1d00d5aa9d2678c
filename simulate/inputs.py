"""Reading input files: text encoding, TOML syntax with hints, key positions, strict types.

Every file the simulator reads (model configs, experiments, calibrations, targets, sweep
manifests) goes through :func:`read_text` and :func:`load_toml`, so that the same mistakes
get the same clear message whatever the command:

* a missing file, a folder, an unreadable file;
* a binary file, a spreadsheet, a UTF-16 file (byte-order mark) or a GBK file: "save as UTF-8"
  (a UTF-8 byte-order mark, as Windows Notepad writes it, is accepted);
* a TOML syntax error, with its line and column, the offending line, and a hint for the usual
  causes: a bare key with Chinese (non-ASCII) characters, which TOML only allows quoted, and
  full-width punctuation typed with a Chinese input method (＝ “ ” ，);
* an empty file (or one holding only comments), which is refused: an empty model config would
  silently run every default.

:func:`key_lines` maps every dotted key of a parsed TOML text to its line, because tomllib
reports positions for syntax errors only; validation messages use it to point at the line.

:class:`StrictModel` is the base of every file schema: unknown keys are refused, and so are
values of the wrong TOML type that pydantic would otherwise coerce — ``true`` where a number
is expected, ``"12"`` (a string) where a number is expected, ``1`` or ``"yes"`` where
``true``/``false`` is expected.
"""

from __future__ import annotations

import re
import tomllib
import types
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from .errors import ConfigError, SimulateError
from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

KeyPath = tuple[str | int, ...]

_BOMS = ((b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe\x00\x00", "UTF-32"),
         (b"\xfe\xff", "UTF-16"), (b"\xff\xfe", "UTF-16"))
_SIGNATURES = ((b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook is one)"),
               (b"\xd0\xcf\x11\xe0", "an old Office document (.xls/.doc)"),
               (b"%PDF", "a PDF document"),
               (b"SQLite format 3\x00", "an SQLite database"),
               (b"\x89PNG", "a PNG image"))
SAVE_AS_UTF8 = "save it as UTF-8 text (in Notepad: Save as → Encoding: UTF-8)"


# ------------------------------------------------------------------ reading text

def read_text(path: str | Path, what: str, error: type[SimulateError] = ConfigError) -> str:
    """The text of a UTF-8 file, or ``error`` naming the file and what is wrong with it.

    ``what`` names the kind of file in messages ("configuration", "experiment", ...).
    """
    p = Path(path)
    if p.is_dir():
        raise error(f"{p}: is a folder; expected a {what} file")
    if not p.is_file():
        raise error(f"{p}: {what} file not found")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise error(f"{p}: cannot read the {what} file ({exc.strerror or exc})") from None
    return decode(raw, p, what, error)


def decode(raw: bytes, path: str | Path, what: str,
           error: type[SimulateError] = ConfigError) -> str:
    """Decode the bytes of a text file as UTF-8, with a clear message when they are not."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raise error(f"{path}: the {what} file is saved as {name} (it starts with a "
                        f"byte-order mark), not UTF-8; {SAVE_AS_UTF8}")
    for sig, name in _SIGNATURES:
        if raw.startswith(sig):
            a = "an" if what[:1] in "aeiou" else "a"
            raise error(f"{path}: this is {name}, not {a} {what} text file; {a} {what} file "
                        f"is UTF-8 text (TOML)")
    raw = raw.removeprefix(b"\xef\xbb\xbf")   # a UTF-8 byte-order mark is still UTF-8
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise error(f"{path}: binary data, not text (a NUL byte at offset {nul}; a UTF-16 file "
                    f"without byte-order mark looks like this too); a {what} file is UTF-8 "
                    f"text — {SAVE_AS_UTF8}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        guess = (" — it looks like GBK/GB18030 (the Chinese Windows encoding)"
                 if _decodes(raw, "gb18030") else "")
        raise error(f"{path}, line {line}, column {col}: not UTF-8 text (byte "
                    f"0x{raw[exc.start]:02x}){guess}; {SAVE_AS_UTF8}") from None


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


# ------------------------------------------------------------------ TOML

_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_FULL_WIDTH = {"＝": "=", "“": '"', "”": '"', "‘": "'", "’": "'", "，": ",", "：": ":",
               "［": "[", "］": "]", "｛": "{", "｝": "}", "＃": "#", "　": "a space"}


def syntax_hint(line: str) -> str:
    """A hint for the usual causes of a TOML syntax error on ``line``."""
    for ch, ascii_ in _FULL_WIDTH.items():
        if ch in line:
            return (f"; the line holds the full-width character {ch!r} "
                    f"(U+{ord(ch):04X} {unicodedata.name(ch, '')}): type the ASCII {ascii_!r}")
    stripped = line.strip()
    head = stripped.strip("[] ") if stripped.startswith("[") else stripped.split("=", 1)[0]
    head = head.strip()
    if head and not head.startswith(('"', "'")) and any(ord(c) > 127 for c in head):
        parts = [p.strip() for p in head.split(".")]
        bad = next(p for p in parts if any(ord(c) > 127 for c in p))
        return (f"; TOML bare keys may use only A-Z a-z 0-9 _ -: quote a key with other "
                f"characters, e.g. \"{bad}\"")
    return ""


def parse_toml(text: str, path: str | Path, what: str,
               error: type[SimulateError] = ConfigError) -> dict[str, Any]:
    """Parse TOML text; a syntax error names file, line and column and gives a hint."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _POSITION.search(msg)
        if not m:
            raise error(f"{path}: not valid TOML: {msg}") from None
        line_no, col = int(m.group(1)), int(m.group(2))
        lines = text.splitlines()
        line = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
        reason = _POSITION.sub("", msg).strip()
        shown = f"\n    {line_no} | {line.rstrip()}" if line.strip() else ""
        raise error(f"{path}: not valid TOML at line {line_no}, column {col}: {reason}"
                    f"{syntax_hint(line)}{shown}") from None


def load_toml(path: str | Path, what: str, *, empty_hint: str = "",
              error: type[SimulateError] = ConfigError) -> tuple[dict[str, Any], str]:
    """(data, text) of a TOML file; an empty file (or comments only) is refused."""
    text = read_text(path, what, error)
    data = parse_toml(text, path, what, error)
    if not data:
        kind = "empty" if not text.strip() else "holds only comments"
        raise error(f"{path}: the {what} file is {kind} (no keys, no tables)"
                    + (f"; {empty_hint}" if empty_hint else ""))
    return data, text


# ------------------------------------------------------------------ key -> line map

def _scan_value(s: str, i: int, ml: str | None, depth: int) -> tuple[str | None, int]:
    """Walk a value from ``s[i]``: the open multi-line string delimiter and bracket depth."""
    n = len(s)
    while i < n:
        if ml is not None:
            j = s.find(ml, i)
            if j < 0:
                return ml, depth
            if ml == '"""' and j > 0 and s[j - 1] == "\\" and s[j - 2:j] != "\\\\":
                i = j + 1
                continue
            while s.startswith(ml[0], j + 3):   # """" closes with a quote inside the string
                j += 1
            i, ml = j + 3, None
            continue
        c = s[i]
        if c == "#":
            return None, depth
        if s.startswith('"""', i) or s.startswith("'''", i):
            ml, i = s[i:i + 3], i + 3
            continue
        if c == '"':
            i += 1
            while i < n and s[i] != '"':
                i += 2 if s[i] == "\\" else 1
        elif c == "'":
            j = s.find("'", i + 1)
            i = n if j < 0 else j
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        i += 1
    return ml, depth


def _parse_key(s: str) -> tuple[list[str], int]:
    """Parts of the (dotted, possibly quoted) key at the start of ``s``, and where it ends."""
    parts: list[str] = []
    i, n = 0, len(s)
    while i < n:
        while i < n and s[i] in " \t":
            i += 1
        if i < n and s[i] == '"':
            j, buf = i + 1, []
            while j < n and s[j] != '"':
                if s[j] == "\\" and j + 1 < n:
                    buf.append(s[j:j + 2])
                    j += 2
                    continue
                buf.append(s[j])
                j += 1
            raw = "".join(buf)
            try:
                parts.append(tomllib.loads(f'k = "{raw}"')["k"])
            except tomllib.TOMLDecodeError:
                parts.append(raw)
            i = j + 1
        elif i < n and s[i] == "'":
            j = s.find("'", i + 1)
            parts.append(s[i + 1:j])
            i = j + 1
        else:
            j = i
            while j < n and (s[j].isalnum() or s[j] in "_-"):
                j += 1
            parts.append(s[i:j])
            i = j
        while i < n and s[i] in " \t":
            i += 1
        if i < n and s[i] == ".":
            i += 1
            continue
        break
    return parts, i


def key_lines(text: str) -> dict[KeyPath, int]:
    """Line (1-based) of every table header and key of a TOML text, by dotted key path.

    Arrays of tables get their element index in the path (``("moment", 2, "value")``), as in
    validation error locations.  Keys inside inline tables take the line of their outer key.
    The text must be valid TOML (parse it first).
    """
    out: dict[KeyPath, int] = {}
    counts: dict[KeyPath, int] = {}         # array-of-tables path -> elements seen
    current: KeyPath = ()
    ml: str | None = None
    depth = 0

    def resolve(parts: list[str]) -> KeyPath:
        path: KeyPath = ()
        for part in parts:
            path = (*path, part)
            if path in counts:                   # inside the last element of an array
                path = (*path, counts[path] - 1)
        return path

    for no, line in enumerate(text.splitlines(), start=1):
        if ml is not None or depth > 0:
            ml, depth = _scan_value(line, 0, ml, depth)
            continue
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("[["):
            parts, _ = _parse_key(s[2:])
            base = resolve(parts[:-1]) + (parts[-1],)
            counts[base] = counts.get(base, 0) + 1
            current = (*base, counts[base] - 1)
            out.setdefault(base, no)
            out[current] = no
            continue
        if s.startswith("["):
            parts, _ = _parse_key(s[1:])
            current = resolve(parts)
            for k in range(1, len(current) + 1):      # [a.b] also opens a (implicitly)
                out.setdefault(current[:k], no)
            continue
        parts, end = _parse_key(s)
        for k in range(1, len(parts) + 1):
            out.setdefault((*current, *parts[:k]), no)
        eq = s.find("=", end)
        ml, depth = _scan_value(s, eq + 1 if eq >= 0 else len(s), None, 0)
    return out


def line_of(lines: Mapping[KeyPath, int] | None, loc: tuple[object, ...]) -> int | None:
    """Line of the longest prefix of ``loc`` that the map knows (None without a map)."""
    if not lines:
        return None
    path = tuple(int(p) if isinstance(p, int) else str(p) for p in loc)
    for k in range(len(path), 0, -1):
        if path[:k] in lines:
            return lines[path[:k]]
    return None


def where(source: str, lines: Mapping[KeyPath, int] | None, key: str) -> str:
    """'file, line N: key' (or 'file: key' when the line is unknown), for one-off messages."""
    n = line_of(lines, tuple(_split_dotted(key)))
    return f"{source}, line {n}: {key}" if n else f"{source}: {key}"


def _split_dotted(key: str) -> list[str | int]:
    parts: list[str | int] = []
    for p in re.split(r"\.(?![^\[]*\])", key):
        m = re.fullmatch(r"(.*?)\[(\d+)\]", p)
        if m:
            parts += [m.group(1), int(m.group(2))]
        else:
            parts.append(p)
    return parts


# ------------------------------------------------------------------ strict types

def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _type_problem(value: Any, annotation: Any) -> str | None:
    """Why ``value`` (as read from TOML) is the wrong type for ``annotation``, or None.

    Only the coercions pydantic would make silently are refused here (bool ↔ number, string →
    number or bool); everything else is left to pydantic's own checks.
    """
    if annotation is Any or annotation is None:
        return None
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = get_args(annotation)
        if value is None and type(None) in args:
            return None
        problems = [_type_problem(value, a) for a in args if a is not type(None)]
        return None if any(p is None for p in problems) else problems[0]
    if origin is Literal:
        return None
    if annotation is bool:
        if not isinstance(value, bool):
            return f"expected true or false, got {_toml(value)}"
        return None
    if annotation in (int, float):
        want = "an integer" if annotation is int else "a number"
        if isinstance(value, bool):
            return f"expected {want}, got {_toml(value)} (a boolean)"
        if isinstance(value, str):
            return f"expected {want}, got the string {value!r} (write it without quotes)"
        return None
    if origin is dict and isinstance(value, dict):
        vt = get_args(annotation)[1] if len(get_args(annotation)) == 2 else Any
        for k, v in value.items():
            p = _type_problem(v, vt)
            if p:
                return f"{k}: {p}"
        return None
    if origin in (list, tuple) and isinstance(value, list | tuple):
        args = get_args(annotation)
        for i, v in enumerate(value):
            if origin is tuple and args and args[-1] is not Ellipsis:
                t = args[i] if i < len(args) else Any
            else:
                t = args[0] if args else Any
            p = _type_problem(v, t)
            if p:
                return f"item {i + 1}: {p}"
        return None
    return None


class StrictModel(BaseModel):
    """Base of every input schema: unknown keys and silently coerced TOML types are refused."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _strict_types(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None:
            problem = _type_problem(value, field.annotation)
            if problem:
                raise ValueError(problem)
        return value
