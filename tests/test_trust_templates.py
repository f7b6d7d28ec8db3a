"""Data text in HTML outputs is data: never a template source, never markup, never script.

Issue 11, class 1. A unit name, a title, a source or a ``missing:`` reason that reaches a map
used to be rendered a second time by branca/Jinja: ``{{ 7*7 }}`` showed ``49``, a
``{{ ...__import__('os').mkdir(...) }}`` name ran code, and ``{%`` crashed with a traceback.
geoplan now renders every map element through :class:`geoplan.maps._elements.SafeMacro`
(macro output placed verbatim, never compiled); the monitoring report is plain escaped
strings, and its charts escape matplotlib's mathtext.

Every hostile input here is SYNTHETIC (the bundle of tests/synthetic.py with hostile text put
into it). The tests check, for ``geoplan map``, ``geoplan run`` (index.html) and
``geoplan monitor`` (report HTML and progress map), through the CLI and the Python API:

* no crash (exit 0, no traceback), no file or folder created besides the outputs;
* every payload in every text field is shown literally, in headless Chromium (page text,
  popups, tooltips, layer control, attribution), with no script run and no dialog;
* a guard: no module of geoplan builds a branca ``Element``/Jinja ``Template`` from anything
  but a literal, instantiates a folium class directly, or derives from ``MacroElement``
  except through ``SafeMacro``; and every part of a rendered page is verbatim text.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from branca.element import Element

from geoplan.cli import main
from geoplan.layers import load_bundle
from geoplan.maps import map_bundle, map_run, save_map
from geoplan.maps._elements import (
    Panel,
    SafeFigure,
    Verbatim,
    escape_html,
    render_element,
)
from geoplan.maps._geo import script_json
from geoplan.monitor.charts import chart_text
from geoplan.workflows.monitor import monitor_recipe
from geoplan.workflows.run import run_recipe
from tests import synthetic
from tests._browser import BROWSER_MARKS, open_page

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "BAD_INPUTS.md"
SECTION = "## Data text in HTML outputs (templates, scripts)"
AS_OF = date(2026, 11, 24)
END = date(2025, 6, 30)

#: A folder the absolute-path payload would create (checked absent before and after).
PWNED_ABSOLUTE = Path("/tmp/geoplan-pwned-by-a-template")

#: Hostile texts: each is put into data fields and must come out literally.
PAYLOADS: dict[str, str] = {
    "jinja_expression": "{{ 7*7 }}",
    "jinja_statement": "Chỉ tiêu {% số 3",
    "jinja_comment": "Ghi chú {# mở",
    "jinja_raw_block": "{% raw %}x{% endraw %}",
    "jinja_code_quotes": "{{ self.__init__.__globals__.__builtins__.__import__('os')"
                         ".mkdir('PWNED-quotes') }}",
    "jinja_code_no_quotes": "{{ lipsum.__globals__.os.mkdir(lipsum.__name__) }}",
    "jinja_code_absolute": "{{ cycler.__init__.__globals__.os.mkdir("
                           f"'{PWNED_ABSOLUTE}') }}}}",
    "script_tag": "</script><script>window.__pwned=1,alert(1)</script>",
    "img_onerror": '<img src=x onerror="window.__pwned=2,alert(2)">',
    "javascript_url": "javascript:window.__pwned=3",
    "html_comment": "<!-- a comment opener",
    "style_break": "</style><style>body{display:none}</style>",
    "line_separators": "a\u2028b\u2029c",
    "format_fields": "{0} {title} %s %(x)d",
    "dollar_mathtext": "$x^2$ and $\\frac{1}{0}$",
}
#: Every payload at once (what each field of the full scenario holds, after a field tag).
ALL = " ".join(PAYLOADS.values())
#: Names a successful code-execution payload would create.
PWNED_NAMES = ("PWNED-quotes", "generate_lorem_ipsum")

#: Tag of each text field of the full scenario and the output(s) that must show it.
BUNDLE_FIELDS = ("bundle-title", "bundle-name", "unit-name", "unit-id", "unit-name-en",
                 "station-name", "line-name", "line-plan", "green-kind", "missing-reason",
                 "layer-attribution", "bundle-attribution", "land-use-class", "bus-stop-name")
RECIPE_FIELDS = ("recipe-title", "target-title", "target-section", "target-document",
                 "document-title", "document-issuer", "statistic-title", "target-note",
                 "reported-source")


#: The fields each output of a run and a monitoring shows (unit ids are in the popups of the
#: plain units layer, hidden under the choropleths; target notes and reported sources go to
#: the scorecard files only; the bundle's name is in the monitoring report's heading).
_MAP_FIELDS = (*(f for f in BUNDLE_FIELDS if f not in {"bundle-title", "bundle-name",
                                                      "unit-id"}),
               "recipe-title", "target-title", "target-section", "target-document",
               "statistic-title")
RUN_OUTPUT_FIELDS: dict[str, tuple[str, ...]] = {
    "index.html": _MAP_FIELDS,
    "progress.html": _MAP_FIELDS,
    "report.html": ("bundle-name", "recipe-title", "target-title", "target-section",
                    "target-document", "document-title", "document-issuer",
                    "statistic-title"),
}


def _value(tag: str) -> str:
    return f"[{tag}] {ALL}"


def _yaml(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (JSON strings are YAML)."""
    return json.dumps(text, ensure_ascii=True)


# -- building the hostile inputs (SYNTHETIC) --------------------------------------------------
def _hostile_bundle(tmp: Path, *, text: str | None = None) -> Path:
    """The SYNTHETIC bundle with hostile text in every text field that reaches HTML
    (``text`` in all of them, else each field's tagged :data:`ALL`)."""
    def v(tag: str) -> str:
        return text if text is not None else _value(tag)

    layers = synthetic.layers()
    units = layers["admin_units"]
    units["name"] = [v("unit-name"), "Phường B", "Xã C", "Xã D"]
    units["unit_id"] = ["A", v("unit-id"), "C", "D"]
    units["name_en"] = [v("unit-name-en"), "Ward B", "Commune C", "Commune D"]
    stations = layers["stations"]
    stations["name"] = [v("station-name"), "S2", "S3", "S4"]
    lines = layers["metro_lines"]
    lines["name"] = [v("line-name"), "Line 2"]
    lines["plan"] = ["synthetic", v("line-plan")]
    green = layers["green_space"]
    green["kind"] = [v("green-kind")]
    # a land-use class (in the legend, off at first) and a bus stop's name (its tooltip)
    land = green[[green.geometry.name]].copy()
    land["land_use"] = [v("land-use-class")]
    layers["land_use"] = land
    layers["bus_stops"]["name"] = [v("bus-stop-name")]
    roles = ("admin_units", "city_boundary", "metro_lines", "stations", "green_space", "water",
             "land_use", "bus_stops")
    folder = synthetic.write_bundle(tmp / "bundle", roles=roles,
                                    replace={r: layers[r] for r in roles if r in layers},
                                    missing={"water": "placeholder-reason"})
    manifest = folder / "bundle.yaml"
    yaml = manifest.read_text(encoding="utf-8")
    yaml = yaml.replace("name: synthetic\n", f"name: {_yaml(v('bundle-name'))}\n", 1)
    yaml = yaml.replace("title: SYNTHETIC test bundle (not real data)",
                        f"title: {_yaml(v('bundle-title'))}\n"
                        f"attribution: {_yaml(v('bundle-attribution'))}")
    yaml = yaml.replace("missing: placeholder-reason", f"missing: {_yaml(v('missing-reason'))}")
    yaml = yaml.replace("    layer: stations\n    source: SYNTHETIC\n",
                        "    layer: stations\n    source: SYNTHETIC\n"
                        f"    attribution: {_yaml(v('layer-attribution'))}\n")
    manifest.write_text(yaml, encoding="utf-8")
    return folder


RECIPE = """\
id: hostile-text
title: {{vi: {title}, en: {title}}}
bundle: {bundle}
baseline: 2021-01-01
document:
  number: {document}
  title: {{vi: {document_title}, en: {document_title}}}
  date: 2021-01-01
  issuer: {issuer}
targets:
  - id: t.rail
    title: {{vi: {target}, en: {target}}}
    indicator: rail_length
    comparator: ">="
    value: 3
    unit: km
    year: 2030
    note: {note}
    source: {{document: {document}, date: 2021-01-01, section: {section}}}
  - id: t.cover
    title: {{vi: {target}, en: {target}}}
    indicator: transit_coverage
    options: {{mode: rail, distance_m: 500}}
    scope: unit
    comparator: ">="
    value: 30
    unit: "%"
    year: 2030
    source: {{document: 99-NQ/TW, date: 2021-01-01, section: {section}}}
statistics:
  - id: s.housing
    title: {{vi: {statistic}, en: {statistic}}}
    comparator: ">="
    value: 30
    unit: m2/person
    year: 2030
    source: {{document: 99-NQ/TW, date: 2021-01-01, section: "3"}}
    reported:
      - {{value: 24, unit: m2/person, date: 2021, source: "SYNTHETIC report A"}}
      - {{value: 27, unit: m2/person, date: 2024-06-30, source: {reported}}}
"""


def _hostile_recipe(tmp: Path, bundle: Path, *, text: str | None = None) -> Path:
    def v(tag: str) -> str:
        return _yaml(text if text is not None else _value(tag))

    path = tmp / "hostile-text.yaml"
    path.write_text(RECIPE.format(
        title=v("recipe-title"), bundle=bundle, target=v("target-title"),
        note=v("target-note"), document=v("target-document"), section=v("target-section"),
        statistic=v("statistic-title"), document_title=v("document-title"),
        issuer=v("document-issuer"), reported=v("reported-source")), encoding="utf-8")
    return path


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty current folder (a relative ``mkdir`` payload would land here), and no
    folder at :data:`PWNED_ABSOLUTE`; after the test, no file a payload would create."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    assert not PWNED_ABSOLUTE.exists()
    repo_before = {p.name for p in ROOT.iterdir()}
    yield cwd
    assert not PWNED_ABSOLUTE.exists(), "a template payload created a folder"
    assert sorted(cwd.iterdir()) == [], "a template payload wrote into the current folder"
    created = [p for p in tmp_path.rglob("*") if p.name in PWNED_NAMES]
    assert created == [], f"a template payload created {created}"
    new = {p.name for p in ROOT.iterdir()} - repo_before
    assert {n for n in new if not n.startswith(".")} == set()  # (tool caches aside)


# -- each payload alone, every output, API and CLI ------------------------------------------
@pytest.mark.parametrize("case", list(PAYLOADS))
def test_payload_in_every_field_of_the_layers_map_is_literal(case: str, workdir: Path,
                                                            tmp_path: Path) -> None:
    text = PAYLOADS[case]
    folder = _hostile_bundle(tmp_path, text=text)
    page = save_map(map_bundle(load_bundle(folder), lang="en"), tmp_path / "api.html")
    html = page.read_text(encoding="utf-8")
    assert f"<h1>{escape_html(text)}</h1>" in html  # the bundle title, escaped once
    assert f"<title>{escape_html(text)}</title>" in html
    assert script_json(text)[1:-1] in html  # unit/station names as script-safe JSON
    assert main(["map", str(folder), "--lang", "en", "--out", str(tmp_path / "cli.html")]) == 0
    assert (tmp_path / "cli.html").read_text(encoding="utf-8") == html


@pytest.mark.parametrize("case", list(PAYLOADS))
def test_payload_in_every_field_of_a_run_and_a_monitoring(
        case: str, workdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = PAYLOADS[case]
    folder = _hostile_bundle(tmp_path, text=text)
    recipe = _hostile_recipe(tmp_path, folder, text=text)
    code = main(["run", str(recipe), "--out", str(tmp_path / "run"), "--as-of",
                 AS_OF.isoformat(), "--lang", "en"])
    code_monitor = main(["monitor", str(recipe), "--out", str(tmp_path / "mon"),
                         "--from", "2025-01-01", "--to", END.isoformat(), "--lang", "en"])
    printed = capsys.readouterr()
    assert (code, code_monitor) == (0, 0), printed.err
    assert "Traceback" not in printed.out + printed.err
    index = (tmp_path / "run" / "index.html").read_text(encoding="utf-8")
    assert f"<h1>{escape_html(text)}</h1>" in index  # recipe title
    assert f"<td>{escape_html(text)}<br>" in index  # target title in the scorecard
    reports = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "mon").rglob("*.html")}
    assert sorted(reports) == ["progress.html", "report.html"]
    assert f"{escape_html(text)}</h3>" in reports["report.html"]  # target title
    assert f"<h1>{escape_html(text)}</h1>" in reports["progress.html"]
    for page in (index, *reports.values()):
        assert "<script>window.__pwned" not in page
        assert "<img src=x" not in page


def test_api_run_and_monitor_take_hostile_text(workdir: Path, tmp_path: Path) -> None:
    folder = _hostile_bundle(tmp_path)
    recipe = _hostile_recipe(tmp_path, folder)
    result = run_recipe(recipe, out=tmp_path / "run", as_of=AS_OF, lang="en")
    assert result.recipe.title.en == _value("recipe-title")
    monitored = monitor_recipe(recipe, out=tmp_path / "mon", end=END, lang="en")
    assert {t.goal.title.en for t in monitored.trajectories} >= {_value("target-title")}
    page = save_map(map_run(result, lang="vi"), tmp_path / "again.html")
    assert escape_html(_value("recipe-title")) in page.read_text(encoding="utf-8")


# -- the guard ---------------------------------------------------------------------------
_TEMPLATE_SOURCES = {"Element", "Template", "from_string", "Environment", "JavascriptLink",
                     "CssLink"}


def _literal(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def test_no_geoplan_module_builds_a_template_from_data() -> None:
    """AST scan: ``Element(...)``/``Template(...)`` only with a literal string; no folium or
    branca class instantiated directly (only geoplan's SafeMacro subclasses); no Jinja
    environment; no class derives from ``MacroElement`` except ``SafeMacro``."""
    problems = []
    for path in sorted((ROOT / "geoplan").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = (func.id if isinstance(func, ast.Name)
                        else func.attr if isinstance(func, ast.Attribute) else "")
                if name in _TEMPLATE_SOURCES and not (
                        len(node.args) == 1 and _literal(node.args[0]) and not node.keywords):
                    problems.append(f"{where}:{node.lineno}: {name}(...) of a non-literal")
                if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                        and func.value.id in {"folium", "branca"} and func.attr[:1].isupper()):
                    problems.append(f"{where}:{node.lineno}: folium.{func.attr}(...) used "
                                    "directly (use a SafeMacro subclass)")
            if isinstance(node, ast.ClassDef):
                bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                         for b in node.bases}
                if "MacroElement" in bases and node.name != "SafeMacro":
                    problems.append(f"{where}:{node.lineno}: class {node.name} derives from "
                                    "MacroElement (derive from SafeMacro)")
    assert problems == []


def test_the_guard_sees_a_template_built_from_data(tmp_path: Path) -> None:
    # the scan above must be able to fail: the old Panel.render line is found
    tree = ast.parse("figure.html.add_child(Element(text))\nTemplate(f'<b>{x}</b>')\n")
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
             and getattr(n.func, "id", "") in _TEMPLATE_SOURCES
             and not (len(n.args) == 1 and _literal(n.args[0]))]
    assert len(calls) == 2


def test_every_part_of_a_rendered_map_is_verbatim(workdir: Path, tmp_path: Path) -> None:
    folder = _hostile_bundle(tmp_path)
    fmap = map_bundle(load_bundle(folder), lang="en")
    root = fmap.get_root()
    assert isinstance(root, SafeFigure)
    root.render()
    parts = [*root.header._children.values(), *root.html._children.values(),
             *root.script._children.values()]
    assert len(parts) > 10
    assert [type(p).__name__ for p in parts if not isinstance(p, Verbatim)] == []


def test_a_compiling_macro_element_is_refused_before_rendering() -> None:
    from branca.element import MacroElement

    class Compiling(MacroElement):
        def render(self, **kwargs: Any) -> str:
            return "compiled"

    figure = SafeFigure()
    figure.add_child(Compiling())
    with pytest.raises(TypeError, match=r"Compiling renders its macros through branca"):
        figure.render()


def test_a_plain_element_in_the_page_is_emitted_as_its_text() -> None:
    figure = SafeFigure()
    figure.html.add_child(Element("{{ 7*7 }}"))  # branca compiles it; it is never rendered
    page = figure.render()
    assert "{{ 7*7 }}" in page
    assert "49" not in page


def test_panel_text_is_never_compiled() -> None:
    figure = SafeFigure()
    panel = Panel(lambda: f"<p>{escape_html(ALL)}</p>", key="t")
    figure.add_child(panel)
    render_element(panel)
    page = figure.render()
    assert f"<p>{escape_html(ALL)}</p>" in page
    assert "&lt;/script&gt;&lt;script&gt;" in page


# -- escaping helpers ------------------------------------------------------------------------
def test_escape_html_keeps_template_syntax_and_makes_markup_text() -> None:
    assert escape_html("{{ 7*7 }} {% x %} {# c #}") == "{{ 7*7 }} {% x %} {# c #}"
    assert escape_html("</script><!--") == "&lt;/script&gt;&lt;!--"
    assert escape_html("a\u2028b\u2029c") == "a\u2028b\u2029c"
    assert escape_html("a\x00b") == "a\ufffdb"  # what a browser would show, made explicit
    assert escape_html("'\"&") == "&#x27;&quot;&amp;"
    assert escape_html(None) == ""


def test_script_json_cannot_end_the_script_or_the_line() -> None:
    text = script_json(["</script><!-- \u2028\u2029 \x00"])
    assert "<" not in text and "\u2028" not in text and "\x00" not in text
    assert json.loads(text) == ["</script><!-- \u2028\u2029 \x00"]


def test_chart_text_is_never_mathtext() -> None:
    from matplotlib.text import Text

    for raw in ("$x^2$", "GRDP $113 bn and $5", "\\$ $a$", "$$", PAYLOADS["dollar_mathtext"],
                ALL):
        shown, math = Text(text=chart_text(raw))._preprocess_math(chart_text(raw))
        assert math is False, raw
        assert shown == raw


# -- the full scenario: every field, every output, in Chromium --------------------------------
_COLLECT = """() => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const tag = n.parentElement ? n.parentElement.tagName : "";
    if (tag !== "SCRIPT" && tag !== "STYLE") { texts.push(n.textContent); }
  }
  const cards = [];
  const m = Object.values(window).find(v => window.L && v instanceof L.Map);
  if (m) {
    m.eachLayer(l => {
      for (const bound of [l.getPopup && l.getPopup(), l.getTooltip && l.getTooltip()]) {
        if (bound && typeof bound._content === "function") {
          cards.push(bound._content(l).textContent);
          bound._content(l).querySelectorAll("*").forEach(e => {
            if (!e.children.length) { cards.push(e.textContent); } });
        }
      }
    });
  }
  return {title: document.title, texts: texts, cards: cards,
          pwned: window.__pwned === undefined ? null : window.__pwned,
          scripts: Array.from(document.scripts).filter(
            s => s.text.trim().startsWith("window.__pwned")).length,
          imgs: Array.from(document.images).filter(i => !i.classList.contains("gp-chart")).length,
          handlers: Array.from(document.querySelectorAll("*")).filter(
            e => Array.from(e.attributes).some(a => a.name.startsWith("on"))).length};
}"""


def _shown(browser: Any, path: Path) -> dict[str, Any]:
    opened = open_page(browser, path)
    shown = opened.page.evaluate(_COLLECT)
    opened.page.close()
    assert opened.errors == [], opened.errors  # no dialog, no script error
    assert opened.blocked == []
    assert shown["pwned"] is None
    assert (shown["scripts"], shown["imgs"], shown["handlers"]) == (0, 0, 0)
    return dict(shown)


def _literal_in(shown: dict[str, Any], tags: tuple[str, ...], *, where: str) -> None:
    texts = [*shown["texts"], *shown["cards"]]
    joined = "\n".join(texts)
    missing = [tag for tag in tags if _value(tag) not in joined]
    assert missing == [], f"{where}: not shown literally: {missing}"
    assert re.search(r"\] 49 ", joined) is None  # {{ 7*7 }} never evaluated


class TestInChromium:
    """Every output opened in headless Chromium, a tagged payload in every text field."""

    pytestmark = BROWSER_MARKS

    def test_layers_map(self, browser: Any, workdir: Path, tmp_path: Path) -> None:
        folder = _hostile_bundle(tmp_path)
        assert main(["map", str(folder), "--lang", "en",
                     "--out", str(tmp_path / "layers.html")]) == 0
        shown = _shown(browser, tmp_path / "layers.html")
        assert shown["title"] == _value("bundle-title")
        # a popup cell is exactly the text: unit B's id, the station's name (its title)
        assert _value("unit-id") in shown["cards"]
        assert _value("station-name") in shown["cards"]
        _literal_in(shown, tuple(f for f in BUNDLE_FIELDS if f != "bundle-name"),
                    where="geoplan map")

    def test_layers_map_titled_by_the_bundle_name(self, browser: Any, workdir: Path,
                                                  tmp_path: Path) -> None:
        folder = _hostile_bundle(tmp_path)
        manifest = folder / "bundle.yaml"
        text = manifest.read_text(encoding="utf-8")
        manifest.write_text(re.sub(r"(?m)^title: .*\n", "", text), encoding="utf-8")
        page = save_map(map_bundle(folder, lang="vi"), tmp_path / "named.html")
        shown = _shown(browser, page)
        assert shown["title"] == _value("bundle-name")
        _literal_in(shown, ("bundle-name", "unit-name", "unit-id"), where="untitled bundle")

    def test_run_index_and_monitor_outputs(self, browser: Any, workdir: Path,
                                           tmp_path: Path) -> None:
        folder = _hostile_bundle(tmp_path)
        recipe = _hostile_recipe(tmp_path, folder)
        before = _tree(tmp_path)
        assert main(["run", str(recipe), "--out", str(tmp_path / "run"),
                     "--as-of", AS_OF.isoformat(), "--lang", "en"]) == 0
        assert main(["monitor", str(recipe), "--out", str(tmp_path / "mon"), "--from",
                     "2025-01-01", "--to", END.isoformat(), "--lang", "en"]) == 0
        new = _tree(tmp_path) - before
        assert all(p.startswith(("run", "mon")) for p in new), sorted(new)
        pages = {"index.html": tmp_path / "run" / "index.html",
                 **{p.name: p for p in (tmp_path / "mon").rglob("*.html")}}
        assert sorted(pages) == sorted(RUN_OUTPUT_FIELDS)
        for name, fields in RUN_OUTPUT_FIELDS.items():
            shown = _shown(browser, pages[name])
            assert shown["title"].startswith(_value("recipe-title")), name
            _literal_in(shown, fields, where=name)


# -- documentation -------------------------------------------------------------------------
CASE_IDS = ("template_in_names", "template_statement_in_titles", "template_code_execution",
            "script_in_html_outputs", "format_fields_in_text", "separators_and_nul_in_text",
            "mathtext_in_chart_labels", "template_guard")


def test_every_case_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert SECTION in text
    section = text[text.index(SECTION):]
    section = section[: section.find("\n## ", 1)] if "\n## " in section[1:] else section
    listed = re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE)
    assert sorted(listed) == sorted(CASE_IDS)
