"""Errors raised for bad input to the simulator (config files, parameters), and the message
every validated file gets."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError


class SimulateError(ValueError):
    """A user-facing problem with simulator input; the message names file, key and fix."""


class ConfigError(SimulateError):
    """A configuration file or mapping failed validation."""


def suggest(word: object, options: Iterable[object]) -> str:
    """' (did you mean 'x'?)' for the closest option, or ''."""
    hits = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean {hits[0]!r}?)" if hits else ""


def _inner_model(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model class inside an annotation, and whether it sits under a free key or index
    (``dict[str, Model]``, ``list[Model]``, possibly inside a union)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = get_origin(annotation)
    for arg in get_args(annotation):
        model, keyed = _inner_model(arg)
        if model is not None:
            return model, keyed or origin in (dict, list)
    return None, False


def fields_at(root: type[BaseModel], loc: Sequence[object]) -> list[str]:
    """Names of the keys valid where the last element of ``loc`` was found."""
    model: type[BaseModel] | None = root
    free_key = False
    for part in loc[:-1]:
        if free_key:            # a lever's name, a list index: the model stays the same
            free_key = False
            continue
        fields = model.model_fields if model is not None else {}
        if part not in fields:
            return []
        model, free_key = _inner_model(fields[str(part)].annotation)
    return list(model.model_fields) if model is not None and not free_key else []


_SCALAR_TAGS = {"str", "int", "float", "bool"}


def _is_tag(part: object) -> bool:
    """pydantic's names of validators and union branches inside an error location."""
    text = str(part)
    return "[" in text or text.startswith("function-") or text in _SCALAR_TAGS


def _branch(loc: Sequence[object]) -> str | None:
    tags = [str(p) for p in loc if _is_tag(p)]
    if any(t in _SCALAR_TAGS for t in tags):
        return "scalar"
    return "table" if any(t.startswith(("dict[", "list[")) for t in tags) else None


def _tables_with(root: type[BaseModel], name: str) -> list[str]:
    """Dotted paths of the tables (below ``root``) that have a key called ``name``."""
    found: list[str] = []

    def walk(model: type[BaseModel], prefix: str, depth: int) -> None:
        if depth > 4:
            return
        for fname, f in model.model_fields.items():
            if fname == name and prefix:
                found.append(prefix)
            inner, _ = _inner_model(f.annotation)
            if inner is not None:
                walk(inner, f"{prefix}.{fname}" if prefix else fname, depth + 1)

    walk(root, "", 0)
    return found


def _element_names(data: object, prefix: tuple[object, ...] = ()) -> dict[tuple[object, ...], str]:
    """(path of an array element) -> its ``name`` (or ``id``), for readable key paths."""
    out: dict[tuple[object, ...], str] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            out |= _element_names(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            if isinstance(v, dict):
                label = v.get("name", v.get("id"))
                if isinstance(label, str) and label:
                    out[(*prefix, i)] = label
                out |= _element_names(v, (*prefix, i))
    return out


def render_path(loc: Sequence[object], names: dict[tuple[object, ...], str] | None = None
                ) -> str:
    """``moment 'labs_certified'.value`` for ("moment", 1, "value"); ``moment[1].value``
    when the element has no name."""
    out = ""
    for k, part in enumerate(loc):
        if isinstance(part, int):
            label = (names or {}).get(tuple(loc[:k + 1]))
            out += f" {label!r}" if label else f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def format_validation_error(exc: ValidationError, source: str, root: type[BaseModel],
                            what: str, text: str | None = None,
                            hints: dict[str, str] | None = None) -> str:
    """Every problem of a file at once, one line each: the dotted key path, its line in
    ``text`` (when given), and for an unknown key the table it was found in, a did-you-mean
    and, when the key exists in another table, the table it belongs in.

    ``hints`` maps top-level names that belong to another kind of file to an explanation.
    """
    import tomllib

    from .inputs import key_lines, line_of

    lines_map = key_lines(text) if text else None
    names = _element_names(tomllib.loads(text)) if text else None
    lines: list[tuple[int, str]] = []
    errors = [(tuple(p for p in e["loc"] if not _is_tag(p)), e, _branch(e["loc"]))
              for e in exc.errors()]
    # Where a key accepts several forms (a table or a string), report the form that came
    # closest: drop the "should be a string" line when the table form has its own errors.
    tables = {loc[:1] for loc, _, branch in errors if branch == "table"}
    for loc, err, branch in errors:
        if branch == "scalar" and loc[:1] in tables:
            continue
        path = render_path(loc, names)
        n = line_of(lines_map, loc)
        # A table-level check that names one of the table's keys ("funding.split must sum to
        # 1") points at that key's line.
        dotted = ".".join(str(p) for p in loc)
        for key in re.findall(r"[A-Za-z_][\w.]*", str(err.get("msg", ""))):
            inner = tuple(key.split("."))
            if lines_map and inner in lines_map and (
                    key.startswith(dotted + ".") if dotted else True):
                n = lines_map[inner]
                break
        at = f"line {n}: {path}" if n else path

        def add(line: str, n: int | None = n) -> None:
            lines.append((n if n is not None else 1 << 30, line))

        if err["type"] == "extra_forbidden":
            name = str(loc[-1]) if loc else ""
            table = ".".join(str(p) for p in loc[:-1])
            if hints and len(loc) == 1 and name in hints:
                hint = f" — [{name}] {hints[name]}"
            elif len(loc) > 1 and name in root.model_fields:
                hint = (f" ({name!r} is a top-level key: in TOML it must come before the "
                        "first [table])")
            else:
                hint = suggest(name, fields_at(root, loc))
                homes = [t for t in _tables_with(root, name) if t != table]
                if homes and not hint:
                    hint = (f" ({name!r} belongs in "
                            + " or ".join(f"[{t}]" for t in homes[:3]) + ")")
            add(f"  {at}: unknown key{hint}")
        elif err["type"] == "missing":
            add(f"  {at}: required key missing")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            got = err.get("input")
            shown = "" if isinstance(got, dict | list) or ", got " in msg or \
                msg.startswith("got ") else f" (got {_shown(got)})"
            add(f"  {at}: {msg}{shown}")
    # In file order (problems without a known line last), as an editor shows them.
    ordered = [text for _, text in sorted(lines, key=lambda t: t[0])]
    return f"{source}: invalid {what}:\n" + "\n".join(ordered)
