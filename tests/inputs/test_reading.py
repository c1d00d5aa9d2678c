"""The shared input reader: encodings, TOML syntax hints, key positions, strict types."""

from __future__ import annotations

import pytest
from changjing.simulate.errors import ConfigError
from changjing.simulate.inputs import StrictModel, decode, key_lines, load_toml, parse_toml


def test_key_lines_follow_tables_arrays_and_multiline_values():
    text = "\n".join([  # noqa: FLY002 - one numbered line each
        "# comment",                                  # 1
        "top = 1",                                    # 2
        "[a]",                                        # 3
        "x = 1",                                      # 4
        "s = '''",                                    # 5
        "fake = 3",                                   # 6  inside a multi-line string
        "'''",                                        # 7
        "arr = [",                                    # 8
        "  1, 2,",                                    # 9
        "]",                                          # 10
        "\"dotted.key\" = 2",                         # 11
        "b.c = 3",                                    # 12
        "[[m]]",                                      # 13
        "name = 'one'",                               # 14
        "[[m]]",                                      # 15
        "name = 'two'",                               # 16
        "[m.sub]",                                    # 17
        "k = { p = 1 }",                              # 18
    ])
    parse_toml(text, "t.toml", "test")               # the map assumes valid TOML
    lines = key_lines(text)
    assert lines[("top",)] == 2
    assert lines[("a",)] == 3 and lines[("a", "x")] == 4 and lines[("a", "s")] == 5
    assert ("a", "fake") not in lines
    assert lines[("a", "arr")] == 8
    assert lines[("a", "dotted.key")] == 11
    assert lines[("a", "b", "c")] == 12
    assert lines[("m", 0, "name")] == 14 and lines[("m", 1, "name")] == 16
    assert lines[("m", 1, "sub", "k")] == 18


@pytest.mark.parametrize("raw, words", [
    ("a = 1".encode("utf-16"), ["UTF-16", "save it as UTF-8"]),
    ("a = 1".encode("utf-32"), ["UTF-32", "save it as UTF-8"]),
    (b"PK\x03\x04rest", ["zip archive", "xlsx"]),
    (b"a = 1\x00\x01", ["binary", "NUL byte at offset 5"]),
    ("[meta]\nname = '青岛'".encode("gbk"), ["line 2", "GBK", "save it as UTF-8"]),
])
def test_encoding_problems_say_save_as_utf8(raw, words):
    with pytest.raises(ConfigError) as err:
        decode(raw, "f.toml", "configuration")
    for w in words:
        assert w in str(err.value)


def test_utf8_bom_is_accepted():
    assert decode(b"\xef\xbb\xbfa = 1", "f.toml", "x") == "a = 1"


@pytest.mark.parametrize("text, words", [
    ("名称 = 1\n", ["line 1", "quote", '"名称"']),
    ("[预算]\na = 1\n", ["line 1", '"预算"']),
    ("[run]\nmonths ＝ 3\n", ["line 2", "U+FF1D", "'='"]),
    ("[meta]\nname = “x”\n", ["line 2", "U+201C"]),
])
def test_syntax_errors_carry_line_and_hint(text, words):
    with pytest.raises(ConfigError) as err:
        parse_toml(text, "f.toml", "configuration")
    for w in words:
        assert w in str(err.value)


def test_empty_and_comment_only_files_are_refused(tmp_path):
    for text, word in (("", "is empty"), ("# nothing\n\n", "only comments")):
        p = tmp_path / "e.toml"
        p.write_text(text)
        with pytest.raises(ConfigError, match=word):
            load_toml(p, "configuration")


class _M(StrictModel):
    n: int = 1
    x: float = 0.0
    flag: bool = False
    shares: dict[str, float] = {}  # noqa: RUF012 - pydantic copies defaults
    pair: tuple[int, int] = (1, 2)
    maybe: int | None = None


@pytest.mark.parametrize("data, words", [
    ({"n": True}, ["integer", "true", "boolean"]),
    ({"n": "3"}, ["integer", "string '3'"]),
    ({"x": False}, ["number", "false"]),
    ({"x": "0.5"}, ["number", "'0.5'"]),
    ({"flag": 1}, ["true or false", "got 1"]),
    ({"flag": "yes"}, ["true or false"]),
    ({"shares": {"a": "1"}}, ["a: expected a number"]),
    ({"pair": [1, True]}, ["item 2"]),
    ({"maybe": "4"}, ["integer"]),
])
def test_strict_types_refuse_silent_coercions(data, words):
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as err:
        _M.model_validate(data)
    for w in words:
        assert w in str(err.value)


def test_strict_types_keep_valid_values():
    m = _M.model_validate({"n": 3, "x": 2, "flag": True, "shares": {"a": 1}, "pair": [3, 4],
                           "maybe": None})
    assert (m.n, m.x, m.flag, m.shares, m.pair, m.maybe) == (3, 2.0, True, {"a": 1.0}, (3, 4),
                                                             None)


def test_morris_levels_rule_matches_the_grid_arithmetic():
    """Even p <=> the Morris step p/(2(p-1)) is a whole number of grid intervals 1/(p-1), and
    then base levels 0..p/2-1 and their moves cover each of the p levels exactly once."""
    from fractions import Fraction

    from changjing.simulate.experiment import DesignSection

    for p in range(2, 13):
        steps = Fraction(p, 2 * (p - 1)) / Fraction(1, p - 1)        # in grid intervals
        on_grid = steps.denominator == 1
        if on_grid:
            base = range(p - int(steps))
            reached = sorted([*base, *(b + int(steps) for b in base)])
            assert reached == list(range(p))       # every level once: equal probability
        if on_grid:
            DesignSection(type="morris", levels=p)
        else:
            with pytest.raises(ValueError, match="even number of levels"):
                DesignSection(type="morris", levels=p)
        DesignSection(type="lhs", levels=p)        # the rule is Morris's only
