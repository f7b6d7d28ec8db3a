"""Reported statistics from a CSV file (``geoplan run RECIPE --statistics FILE``).

A statistics file reports the recipe's statistics by id (columns ``id,value,date,source,note``);
:func:`geoplan.analyses.statistics_file.read_reported_statistics` checks every row and merges
the reports into the recipe. The Hải Phòng recipe (analyses/haiphong-06-ctr.yaml, embedded
bundle) is judged on hand-made SYNTHETIC CSV files (the figures are invented); the statuses are
hand-computed from the recipe's targets:

* ``hp.housing@2025``: ``>= 29.2`` m²/person; ``hp.housing@2030``: ``>= 36.5``;
* ``hp.housing.inner@2025``: range 28 – ≥32 (open max);
* ``hp.digital.fibre_households@2025``: ``> 90`` % of households (strict).

docs/BAD_INPUTS.md, section "Reported statistics from a file", lists every hostile case;
:func:`test_every_case_is_documented` keeps it in step. Each case is refused with one error
through the CLI (exit 2, no traceback) and the API (:class:`RecipeError`), naming the file, row
and column.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from geoplan.analyses.evaluate import MET, NO_DATA, NOT_MET, PARTLY
from geoplan.analyses.recipe import load_recipe
from geoplan.analyses.statistics_file import FileReport, read_reported_statistics
from geoplan.errors import OutputError, RecipeError
from geoplan.io import sha256_file
from geoplan.workflows.batch import plan_batch
from geoplan.workflows.monitor import monitor_recipe
from geoplan.workflows.run import run_recipe
from tests._hostile import assert_refused, cli, flat

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "BAD_INPUTS.md"
SECTION = "## Reported statistics from a file (`geoplan run --statistics`)"
RECIPE = ROOT / "analyses" / "haiphong-06-ctr.yaml"
AS_OF = date(2026, 6, 30)
HEADER = "id,value,date,source,note\n"
#: Seconds a FIFO case may take before it counts as blocked (a watchdog, not a timing).
WATCHDOG_S = 120

CASES = [
    "stats_unknown_id", "stats_target_id", "stats_key_for_id", "stats_value_not_a_number",
    "stats_value_not_finite", "stats_bad_date", "stats_empty_source", "stats_missing_column",
    "stats_extra_column", "stats_duplicate_column", "stats_no_header", "stats_duplicate_row",
    "stats_empty_file", "stats_header_only", "stats_not_utf8", "stats_utf16",
    "stats_folder", "stats_fifo", "stats_huge_file", "stats_missing_file",
    "stats_every_problem_at_once", "stats_format_strings_in_data", "stats_output_over_input",
]


def _write(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _refused(tmp_path: Path, csv_path: Path, pattern: str,
             capsys: pytest.CaptureFixture[str]) -> str:
    """``geoplan run --statistics`` exits 2 and the API raises RecipeError, both matching;
    nothing is written and the CSV is unchanged."""
    before = csv_path.read_bytes() if csv_path.is_file() else None
    out = tmp_path / "out"
    recipe = load_recipe(RECIPE)
    err = assert_refused(
        ["run", str(RECIPE), "--statistics", str(csv_path), "--out", str(out),
         "--as-of", AS_OF.isoformat()],
        lambda: read_reported_statistics(csv_path, recipe), RecipeError, pattern, capsys)
    assert not out.exists()
    if before is not None:
        assert csv_path.read_bytes() == before
    return err


def _status(result_card: pd.DataFrame, key: str) -> tuple[str, float, float]:
    row = result_card.set_index("key").loc[key]
    return str(row["status"]), float(row["value"]), float(row["gap"])


# -- reports that work --------------------------------------------------------------------------
def test_reported_values_judged_as_hand_computed(tmp_path: Path) -> None:
    stats = _write(tmp_path / "stats.csv", HEADER + (
        "hp.housing,30.0,2025,SYNTHETIC yearbook 2025 (table 4.12),preliminary\n"
        "hp.housing.inner,29,2025,SYNTHETIC yearbook 2025 (table 4.13),\n"
        "hp.digital.fibre_households,90,2025-06,SYNTHETIC telecom office,\n"))
    card = run_recipe(RECIPE, as_of=AS_OF, statistics=stats).scorecard
    # 30.0 >= 29.2: met, gap 29.2 - 30.0 = -0.8; 30.0 < 36.5: not met, gap 6.5
    assert _status(card, "hp.housing@2025") == (MET, 30.0, pytest.approx(-0.8))
    assert _status(card, "hp.housing@2030") == (NOT_MET, 30.0, pytest.approx(6.5))
    # 28 <= 29 < 32 in an open-max range: partly, gap 32 - 29 = 3
    assert _status(card, "hp.housing.inner@2025") == (PARTLY, 29.0, pytest.approx(3.0))
    # "> 90" is strict: exactly 90 is not met, gap 0
    assert _status(card, "hp.digital.fibre_households@2025") == (NOT_MET, 90.0, 0.0)
    row = card.set_index("key").loc["hp.housing@2025"]
    assert row["source"] == ("CTrHĐ Thành ủy Hải Phòng (06-NQ/TW) (n.d.), II.2, footnote 8; "
                             "reported: SYNTHETIC yearbook 2025 (table 4.12) (stats.csv row 2)")
    assert row["method"] == "reported: SYNTHETIC yearbook 2025 (table 4.12) (2025; stats.csv row 2)"
    assert row["note"] == "preliminary"
    assert row["unit"] == "m2/person"
    # statistics the file does not name stay unreported
    assert _status(card, "hp.economy.digital@2025")[0] == NO_DATA
    # a report dated 2025 is known from 31 December 2025: not yet on 30 June 2025
    early = run_recipe(RECIPE, as_of=date(2025, 6, 30), statistics=stats).scorecard
    assert _status(early, "hp.housing@2025")[0] == NO_DATA


def test_series_latest_report_known_on_the_date(tmp_path: Path) -> None:
    stats = _write(tmp_path / "stats.csv", HEADER + (
        "hp.housing,37,2026-03,SYNTHETIC survey Q1 2026,\n"
        "hp.housing,30,2025,SYNTHETIC yearbook 2025,\n"))
    recipe = read_reported_statistics(stats, load_recipe(RECIPE))
    housing = [s for s in recipe.statistics if s.id == "hp.housing"]
    assert len(housing) == 2  # the 2025 and the 2030 goal both get the file's series
    assert [r.value for r in housing[1].reports] == [30.0, 37.0]  # oldest first
    assert all(isinstance(r, FileReport) and r.unit == "m2/person" for r in housing[1].reports)
    card = run_recipe(recipe, as_of=AS_OF).scorecard
    assert _status(card, "hp.housing@2030") == (MET, 37.0, pytest.approx(-0.5))
    card = run_recipe(recipe, as_of=date(2026, 3, 30)).scorecard
    assert _status(card, "hp.housing@2030") == (NOT_MET, 30.0, pytest.approx(6.5))


def test_file_report_replaces_the_recipe_report_of_the_same_date(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = RECIPE.read_text(encoding="utf-8")
    first = text.index("    reported: {}", text.index("  - id: hp.housing\n"))
    yaml = (text[:first] + "    reported:\n"
            "      - {value: 28.0, unit: m2/person, date: 2025, source: SYNTHETIC draft}\n"
            "      - {value: 27.0, unit: m2/person, date: 2024, source: SYNTHETIC 2024}"
            + text[first + len("    reported: {}"):])
    recipe_path = _write(tmp_path / "haiphong.yaml", yaml)
    recipe = load_recipe(recipe_path)
    assert _status(run_recipe(recipe, as_of=AS_OF).scorecard, "hp.housing@2025")[:2] == (
        NOT_MET, 28.0)
    stats = _write(tmp_path / "stats.csv", HEADER + "hp.housing,30,2025,SYNTHETIC revised,\n")
    merged = read_reported_statistics(stats, recipe)
    assert "replaces the report 28.0 (SYNTHETIC draft)" in caplog.text
    reports = merged.statistics[0].reports
    assert [(r.date, r.value) for r in reports] == [("2024", 27.0), ("2025", 30.0)]
    assert _status(run_recipe(merged, as_of=AS_OF).scorecard, "hp.housing@2025")[:2] == (
        MET, 30.0)
    assert merged.path == recipe_path and merged.statistics_files == (stats,)
    assert recipe.statistics[0].reports[-1].value == 28.0  # the recipe itself is unchanged


def test_bom_and_excel_semicolons(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + (HEADER + "hp.housing,30.5,2025,SYNTHETIC BOM,\r\n")
                    .replace("\n", "\r\n").encode("utf-8"))
    excel = _write(tmp_path / "excel.csv",
                   "\ufeffID;Value;Date;Source;Note\r\nhp.housing;30,5;2025;SYNTHETIC Excel;\r\n"
                   ";;;;\r\n")
    for path in (bom, excel):
        card = run_recipe(RECIPE, as_of=AS_OF, statistics=path).scorecard
        assert _status(card, "hp.housing@2025") == (MET, 30.5, pytest.approx(-1.3)), path


def test_note_column_may_be_left_out(tmp_path: Path) -> None:
    stats = _write(tmp_path / "s.csv", "source,date,id,value\nSYNTHETIC,2025,hp.housing,29.2\n")
    card = run_recipe(RECIPE, as_of=AS_OF, statistics=stats).scorecard
    assert _status(card, "hp.housing@2025") == (MET, 29.2, 0.0)  # 29.2 >= 29.2


def test_cli_run_provenance_and_protected_input(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "in").mkdir()
    stats = _write(tmp_path / "in" / "stats.csv",
                   HEADER + "hp.housing,30,2025,SYNTHETIC [/] yearbook,\n")
    before = stats.read_bytes()
    out = tmp_path / "out"
    code, err = cli(["run", str(RECIPE), "--statistics", str(stats), "--out", str(out),
                     "--as-of", AS_OF.isoformat(), "--lang", "en"], capsys)
    assert code == 0, err
    card = pd.read_csv(out / "scorecard.csv").set_index("key")
    assert card.loc["hp.housing@2025", "status"] == MET
    assert "reported: SYNTHETIC [/] yearbook (stats.csv row 2)" in card.loc[
        "hp.housing@2025", "source"]
    assert "SYNTHETIC \\[/\\] yearbook" in (out / "scorecard.md").read_text(encoding="utf-8")
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    rows = [r for r in prov["inputs"] if r["kind"] == "statistics"]
    assert rows == [{"kind": "statistics", "path": stats.as_posix(), "bytes": len(before),
                     "sha256": sha256_file(stats)}]
    assert stats.read_bytes() == before
    # the same file elsewhere (same name, same bytes): the same run checksum
    other = tmp_path / "elsewhere"
    other.mkdir()
    shutil.copy(stats, other / "stats.csv")
    first = run_recipe(RECIPE, as_of=AS_OF, statistics=stats).provenance["run_checksum"]
    moved = run_recipe(RECIPE, as_of=AS_OF, statistics=other / "stats.csv")
    assert moved.provenance["run_checksum"] == first
    changed = _write(other / "stats.csv", HEADER + "hp.housing,31,2025,SYNTHETIC,\n")
    assert run_recipe(RECIPE, as_of=AS_OF,
                      statistics=changed).provenance["run_checksum"] != first


def test_monitor_and_batch_take_the_file(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    bad = _write(tmp_path / "bad.csv", HEADER + "hp.nothing,1,2025,SYNTHETIC,\n")
    code, err = cli(["monitor", str(RECIPE), "--statistics", str(bad), "--to", "2026-06-30",
                     "--out", str(tmp_path / "m")], capsys)
    assert code == 2 and "bad.csv:2: row 2, column id: 'hp.nothing'" in err, err
    assert not (tmp_path / "m").exists()
    with pytest.raises(RecipeError, match=r"bad\.csv:2: row 2, column id"):
        plan_batch([str(RECIPE)], out=tmp_path / "b", statistics=bad)
    good = _write(tmp_path / "good.csv", HEADER + "hp.housing,30,2025,SYNTHETIC,\n")
    tasks = plan_batch([str(RECIPE)], out=tmp_path / "b", statistics=good, dates=[AS_OF])
    assert [t.statistics for t in tasks] == [str(good)]
    result = monitor_recipe(RECIPE, out=tmp_path / "m", start=date(2025, 1, 1), end=AS_OF,
                            statistics=good, write=False)
    rows = result.history
    housing = rows[rows["key"] == "hp.housing@2025"].sort_values("as_of")
    # the 2025 report is known from 31 December 2025: 30 (met) at both year ends evaluated
    assert [str(d)[:10] for d in housing["as_of"]] == ["2025-12-31", "2026-06-30"]
    assert housing["value"].tolist() == [30.0, 30.0]
    assert housing["status"].tolist() == [MET, MET]


# -- hostile files: one error, naming file, row and column ------------------------------------
def test_stats_unknown_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", HEADER + "hp.housng,30,2025,SYNTHETIC,\n")
    _refused(tmp_path, path, r"s\.csv:2: row 2, column id: 'hp\.housng' is not a statistic of "
                             r".*haiphong-06-ctr\.yaml; did you mean 'hp\.housing'\? known "
                             r"statistic ids: hp\.class\.smart_city, .*hp\.housing\.inner",
             capsys)


def test_stats_target_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", HEADER + "hp.green,12,2025,SYNTHETIC,\n")
    _refused(tmp_path, path, r"s\.csv:2: row 2, column id: 'hp\.green' is a target of .*: "
                             r"targets are computed, not reported; remove the row", capsys)


def test_stats_key_for_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", HEADER + "hp.housing@2030,30,2025,SYNTHETIC,\n")
    _refused(tmp_path, path, r"row 2, column id: 'hp\.housing@2030' is a key; give the "
                             r"statistic id 'hp\.housing'", capsys)


def test_stats_value_not_a_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", HEADER + "hp.housing,\"1,234.5\",2025,SYNTHETIC,\n"
                  "hp.housing.inner,29 m2,2025,SYNTHETIC,\n")
    err = _refused(tmp_path, path, r"s\.csv:2: row 2, column value: '1,234\.5' is not a number; "
                                   r"write the number alone, in m2/person, with '\.' for "
                                   r"decimals and no thousands separator", capsys)
    assert "s.csv:3: row 3, column value: '29 m2' is not a number" in err


def test_stats_value_not_finite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", HEADER + "hp.housing,NaN,2025,SYNTHETIC,\n"
                  "hp.housing.inner,-inf,2025,SYNTHETIC,\n"
                  "hp.economy.digital,1e999,2025,SYNTHETIC,\n")
    err = _refused(tmp_path, path, r"3 problems in statistics file .*s\.csv:2: row 2, column "
                                   r"value: 'NaN' is not a finite number", capsys)
    assert "row 3, column value: '-inf' is not a finite number" in err
    assert "row 4, column value: '1e999' is too large to be a number" in err


def test_stats_bad_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", HEADER + "hp.housing,30,30/06/2025,SYNTHETIC,\n"
                  "hp.housing.inner,29,2025-02-30,SYNTHETIC,\n"
                  "hp.economy.digital,29,,SYNTHETIC,\n")
    err = _refused(tmp_path, path, r"s\.csv:2: row 2, column date: date '30/06/2025' is not an "
                                   r"ISO date; write it as YYYY-MM-DD \(a real day\), YYYY-MM or "
                                   r"YYYY between 1900 and 2200, or 'n\.d\.' when undated",
                   capsys)
    assert "row 3, column date: date '2025-02-30' is not a real day" in err
    assert "row 4, column date: empty; give the date the figure is for" in err


def test_stats_empty_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", HEADER + "hp.housing,30,2025,   ,\n")
    _refused(tmp_path, path, r"s\.csv:2: row 2, column source: empty; cite where the figure "
                             r"comes from", capsys)


def test_stats_missing_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", "id,value,note\nhp.housing,30,\n")
    _refused(tmp_path, path, r"s\.csv:1: row 1: missing columns date, source; the header must "
                             r"hold id,value,date,source,note \(note may be left out\)", capsys)


def test_stats_extra_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", "id,value,date,source,note,unit\n"
                  "hp.housing,30,2025,SYNTHETIC,,m2/person\n")
    _refused(tmp_path, path, r"s\.csv:1: row 1, column 6: unknown header 'unit'; the columns "
                             r"are id,value,date,source,note: rename or remove it", capsys)


def test_stats_duplicate_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", "id,value,date,source,Value\nhp.housing,30,2025,S,31\n")
    _refused(tmp_path, path, r"s\.csv:1: row 1, column 5: header 'value' given twice \(columns "
                             r"2 and 5\); keep one", capsys)


def test_stats_no_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", "hp.housing,30,2025,SYNTHETIC,\n")
    _refused(tmp_path, path, r"s\.csv:1: row 1: the first row must be the header "
                             r"id,value,date,source,note \(found 'hp\.housing', '30', '2025', "
                             r"'SYNTHETIC', ''\); add the header line above the data", capsys)


def test_stats_duplicate_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", HEADER + "hp.housing,30,2025,SYNTHETIC a,\n"
                  "hp.housing.inner,29,2025,SYNTHETIC,\nhp.housing,31,2025,SYNTHETIC b,\n")
    _refused(tmp_path, path, r"s\.csv:4: row 4, columns id and date: 'hp\.housing' dated 2025 "
                             r"repeats row 2; keep one report per statistic and date", capsys)


def test_stats_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", "")
    _refused(tmp_path, path, r"s\.csv: the statistics file is empty; write the header "
                             r"id,value,date,source,note and one row per reported value", capsys)
    bom_only = _write(tmp_path / "s.csv", "\ufeff\r\n")
    with pytest.raises(RecipeError, match="the statistics file is empty"):
        read_reported_statistics(bom_only, load_recipe(RECIPE))


def test_stats_header_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", HEADER)
    _refused(tmp_path, path, r"s\.csv:1: row 1: the file has a header but no rows", capsys)


def test_stats_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", HEADER + "hp.housing,30,2025,Niên giám,\n",
                  encoding="cp1258")
    _refused(tmp_path, path, r"s\.csv:2: not UTF-8 text \(byte b'\\xea' at line 2 is not "
                             r"UTF-8: the file is in another encoding, e\.g\. Windows-1258 or "
                             r"Latin-1\); save the file as UTF-8 \(in Excel: 'CSV UTF-8 "
                             r"\(Comma delimited\)'", capsys)


def test_stats_utf16(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", HEADER + "hp.housing,30,2025,SYNTHETIC,\n",
                  encoding="utf-16")
    _refused(tmp_path, path, r"s\.csv: the file is UTF-16 text \(what Excel saves as 'Unicode "
                             r"Text'\), not UTF-8; save the file as UTF-8", capsys)


def test_stats_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.csv"
    path.mkdir()
    _refused(tmp_path, path, r"s\.csv: is a folder, not a regular file; give the path of a "
                             r"statistics \.csv file \(id,value,date,source,note\)", capsys)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_stats_fifo(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    os.mkfifo(path)
    box: dict[str, BaseException] = {}

    def call() -> None:
        try:
            read_reported_statistics(path, load_recipe(RECIPE))
        except BaseException as exc:  # handed to the test thread
            box["error"] = exc

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(WATCHDOG_S)
    assert not thread.is_alive(), "blocked: the FIFO was opened"
    assert isinstance(box.get("error"), RecipeError)
    assert "s.csv: is a FIFO (named pipe), not a regular file" in str(box["error"])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = "import sys; from geoplan.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", code, "--quiet", "run", str(RECIPE), "--statistics", str(path),
         "--out", str(tmp_path / "out")], env=env, capture_output=True, text=True,
        timeout=WATCHDOG_S, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "is a FIFO (named pipe), not a regular file" in flat(done.stderr)
    assert not (tmp_path / "out").exists()


def test_stats_huge_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from geoplan._yaml import MAX_BYTES

    row = "hp.housing,30,2025,SYNTHETIC padding,\n"
    path = _write(tmp_path / "s.csv", HEADER + row * (MAX_BYTES // len(row) + 1))
    assert path.stat().st_size > MAX_BYTES
    _refused(tmp_path, path, r"s\.csv: is larger than 5 MB; a statistics file is a few tens of "
                             r"kB: give the right file", capsys)


def test_stats_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _refused(tmp_path, tmp_path / "absent.csv",
             r"absent\.csv: no such statistics file; give the path of a CSV file with the "
             r"columns id,value,date,source,note", capsys)


def test_stats_every_problem_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", HEADER + (
        "hp.housing,30,2025,SYNTHETIC,\n"
        "hp.green,abc,2025-13,,\n"
        "hp.housing,31,2025,SYNTHETIC again,\n"))
    err = _refused(tmp_path, path, r"5 problems in statistics file .*s\.csv:", capsys)
    for part in ("s.csv:3: row 3, column id: 'hp.green' is a target",
                 "s.csv:3: row 3, column value: 'abc' is not a number",
                 "s.csv:3: row 3, column date: date '2025-13' has no month 13",
                 "s.csv:3: row 3, column source: empty",
                 "s.csv:4: row 4, columns id and date: 'hp.housing' dated 2025 repeats row 2"):
        assert part in err, part


def test_stats_format_strings_in_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "s.csv", HEADER + "{0.__class__}%s{recipe},{value},2025,x,\n"
                  "\x1b[2J[/]hp,1,2025,x,\n")
    err = _refused(tmp_path, path, r"row 2, column id: '\{0\.__class__\}%s\{recipe\}' is not a "
                                   r"statistic", capsys)
    assert "row 2, column value: '{value}' is not a number" in err
    assert "'\\x1b[2J[/]hp' is not a statistic" in err  # quoted: no raw ESC reaches the terminal
    assert "\x1b" not in err


def test_stats_output_over_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    stats = _write(out / "scorecard.csv", HEADER + "hp.housing,30,2025,SYNTHETIC,\n")
    before = stats.read_bytes()
    assert_refused(
        ["run", str(RECIPE), "--statistics", str(stats), "--out", str(out),
         "--as-of", AS_OF.isoformat()],
        lambda: run_recipe(RECIPE, as_of=AS_OF, statistics=stats, out=out), OutputError,
        r"cannot write into .*out: it holds .*out/scorecard\.csv, an input of this command; "
        r"give the outputs a folder of their own", capsys)
    assert stats.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["scorecard.csv"]
    # a hard link to the CSV where an output goes: refused as the input it is
    other = tmp_path / "other"
    other.mkdir()
    os.link(stats, other / "scorecard.csv")
    with pytest.raises(OutputError, match=r"scorecard\.csv"):
        run_recipe(RECIPE, as_of=AS_OF, statistics=stats, out=other)
    assert stats.read_bytes() == before


def test_every_case_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1].strip().strip("`") for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| case")]
    assert rows == CASES
    tested = sorted(name[5:] for name in globals() if name.startswith("test_stats_"))
    assert tested == sorted(CASES)
