"""Outputs that must not be written: inputs, devices, FIFOs, sockets, links, outside paths.

Issue 11, class 2 ("trust the files"). Every writer of geoplan goes through
:func:`geoplan.io.check_output` (``atomic_path``, ``staging_dir``, ``commit_staged``,
``exclusive_lock``), with the command's inputs registered by :func:`geoplan.io.protect_inputs`;
``--city`` goes through :func:`geoplan.io.check_name`. Each hostile case below is fed twice,
through ``geoplan.cli.main`` (exit 2, no traceback, the message) and through the Python API
(:class:`~geoplan.errors.OutputError`), and the whole temporary folder (every file's type,
bytes, device number and link target) must be exactly as it was after both. The tests run as
root, whom permission bits do not stop, so only the checks protect the inputs. All data is
SYNTHETIC (tests/synthetic.py and the tiny OSM file of tests/test_import_osm.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from geoplan.cli import main
from geoplan.errors import GeoplanError, OutputError
from geoplan.io import check_name, check_output, commit_staged, protect_inputs, staging_dir
from geoplan.layers import load_bundle
from geoplan.layers.build import build_bundle
from geoplan.layers.manifest import read_manifest
from geoplan.layers.osm import import_osm
from geoplan.maps import map_bundle, save_map
from geoplan.monitor.history import HistoryError, read_history, record_snapshot
from geoplan.workflows.monitor import monitor_recipe
from geoplan.workflows.run import OUTPUT_FILES, run_recipe
from tests import synthetic
from tests._hostile import flat
from tests.test_bad_inputs import AS_OF, TRANSIT, _recipe
from tests.test_import_osm import _OSM

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "BAD_INPUTS.md"
SECTION = "## Outputs that must not be written (inputs, devices, links, outside paths)"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


# -- the witness: the whole folder, byte for byte ---------------------------------------------
def _tree(top: Path) -> dict[str, tuple[Any, ...]]:
    """Every path under ``top``: its type and its bytes' SHA-256, device number or link."""
    seen: dict[str, tuple[Any, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath, name)
            info = path.lstat()
            key = path.relative_to(top).as_posix()
            if stat.S_ISLNK(info.st_mode):
                seen[key] = ("link", str(path.readlink()))
            elif stat.S_ISREG(info.st_mode):
                seen[key] = ("file", hashlib.sha256(path.read_bytes()).hexdigest(), info.st_ino)
            elif stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
                seen[key] = ("device", stat.S_IFMT(info.st_mode), info.st_rdev)
            else:
                seen[key] = (stat.S_IFMT(info.st_mode),)
    return seen


def _char_device(path: Path) -> Path:
    """A character device like /dev/null (1, 3), made in the test folder (needs root)."""
    if not IS_ROOT:
        pytest.skip("making a device node needs root")
    os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    return path


def _block_device(path: Path) -> Path:
    if not IS_ROOT:
        pytest.skip("making a device node needs root")
    os.mknod(path, stat.S_IFBLK | 0o600, os.makedev(7, 250))
    return path


# -- hostile inputs -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Hostile:
    """CLI arguments and the equivalent API call of one hostile case."""

    argv: list[str]
    call: Callable[[], object]


@dataclass(frozen=True)
class Case:
    id: str
    match: str  # regex on the message (whitespace normalised): what, where and the fix
    build: Callable[[Path], Hostile]
    cli: str = ""  # the command line's own usage error, when it answers before geoplan


def _recipe_and_bundle(tmp: Path) -> tuple[Path, Path]:
    """SYNTHETIC: the quick rail-only recipe on a small transit bundle (tmp/bundle)."""
    recipe = _recipe(tmp, roles=TRANSIT, rail_only=True)
    return recipe, tmp / "bundle"


def _run(out: Callable[[Path, Path, Path], Path]) -> Callable[[Path], Hostile]:
    def build(tmp: Path) -> Hostile:
        recipe, bundle = _recipe_and_bundle(tmp)
        folder = out(tmp, recipe, bundle)
        return Hostile(["run", str(recipe), "--out", str(folder), "--as-of", AS_OF.isoformat()],
                       lambda: run_recipe(recipe, out=folder, as_of=AS_OF))
    return build


def _map(out: Callable[[Path, Path], Path]) -> Callable[[Path], Hostile]:
    def build(tmp: Path) -> Hostile:
        bundle = synthetic.write_bundle(tmp / "bundle", roles=("admin_units", "city_boundary"))
        target = out(tmp, bundle)
        return Hostile(["map", str(bundle), "--out", str(target)],
                       lambda: save_map(map_bundle(load_bundle(bundle)), target))
    return build


def _monitor(out: Callable[[Path, Path], Path]) -> Callable[[Path], Hostile]:
    def build(tmp: Path) -> Hostile:
        recipe, bundle = _recipe_and_bundle(tmp)
        folder = out(tmp, bundle)
        return Hostile(["monitor", str(recipe), "--out", str(folder), "--to", AS_OF.isoformat()],
                       lambda: monitor_recipe(recipe, out=folder, end=AS_OF))
    return build


def _default_out_bundle(tmp: Path) -> Hostile:
    """SYNTHETIC: a bundle whose name would put the default map outside maps/."""
    bundle = synthetic.write_bundle(tmp / "bundle", name="../../escaped",
                                    roles=("admin_units", "city_boundary"))
    return Hostile(["map", str(bundle)], lambda: check_name(
        load_bundle(bundle).name, option="bundle.yaml: key name"))


def _fetch(city: str) -> Callable[[Path], Hostile]:
    def build(tmp: Path) -> Hostile:
        from geoplan.layers.osm import fetch_osm

        layers = tmp / "layers"
        return Hostile(["fetch", "Phường Hoàn Kiếm", "--city", city, "--layers-dir",
                        str(layers)],
                       lambda: fetch_osm("Phường Hoàn Kiếm", city=city, layers_dir=layers))
    return build


def _osm_file(tmp: Path) -> Path:
    path = tmp / "extract.osm"
    path.write_text(_OSM, encoding="utf-8")
    return path


def _import(city: str, prepare: Callable[[Path], None] = lambda layers: None,
            *extra: str) -> Callable[[Path], Hostile]:
    def build(tmp: Path) -> Hostile:
        osm, layers = _osm_file(tmp), tmp / "layers"
        layers.mkdir()
        prepare(layers)
        return Hostile(["import-osm", str(osm), "--city", city, "--layers-dir", str(layers),
                        *extra],
                       lambda: import_osm(osm, city=city, layers_dir=layers))
    return build


def _build(prepare: Callable[[Path], tuple[Path, Path]]) -> Callable[[Path], Hostile]:
    def build(tmp: Path) -> Hostile:
        source, layers = prepare(tmp)
        return Hostile(["layers", "build", "hanoi", "--source", str(source), "--layers-dir",
                        str(layers)],
                       lambda: build_bundle("hanoi", source=source, layers_dir=layers))
    return build


def _link(path: Path, to: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(to)
    return path


def _hard_link(path: Path, to: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.link(to, path)
    return path


def _fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def _user_file(path: Path, text: str = "a planner's own notes, not geoplan's") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _full_bundle(layers: Path) -> None:
    """SYNTHETIC: bundle 'synth' holding every vector role (streets, green, bus stops...)."""
    synthetic.write_bundle(layers / "synth", name="synth")


def _linked_bundle_folder(layers: Path) -> None:
    _user_file(layers.parent / "elsewhere" / "x.txt")
    _link(layers / "synth", layers.parent / "elsewhere")


def _linked_manifest(layers: Path) -> None:
    _user_file(layers.parent / "other.yaml", "name: x\n")
    _link(layers / "synth" / "bundle.yaml", layers.parent / "other.yaml")


def _source_inside_target(tmp: Path) -> tuple[Path, Path]:
    source = tmp / "layers" / "hanoi" / "raw"
    _user_file(source / "SOURCES.md", "SYNTHETIC raw sources")
    _user_file(tmp / "layers" / "hanoi" / "bundle.yaml", "name: hanoi\n")
    return source, tmp / "layers"


def _target_inside_source(tmp: Path) -> tuple[Path, Path]:
    source = tmp / "shared"
    _user_file(source / "SOURCES.md", "SYNTHETIC raw sources")
    return source, source


def _target_not_a_bundle(tmp: Path) -> tuple[Path, Path]:
    source = tmp / "shared"
    _user_file(source / "SOURCES.md", "SYNTHETIC raw sources")
    _user_file(tmp / "layers" / "hanoi" / "thesis.docx", "someone's thesis")
    return source, tmp / "layers"


def _target_is_a_link(tmp: Path) -> tuple[Path, Path]:
    source = tmp / "shared"
    _user_file(source / "SOURCES.md", "SYNTHETIC raw sources")
    _user_file(tmp / "elsewhere" / "bundle.yaml", "name: elsewhere\n")
    _link(tmp / "layers" / "hanoi", tmp / "elsewhere")
    return source, tmp / "layers"


def _socket(path: Path) -> Path:
    """A Unix socket file (it stays on disk, a socket, after the socket is closed)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(str(path))
    return path


def _recipe_apart(tmp: Path) -> Hostile:
    """SYNTHETIC: the recipe in its own folder (tmp/analyses), apart from the bundle."""
    recipe, _ = _recipe_and_bundle(tmp)
    moved = tmp / "analyses" / recipe.name
    moved.parent.mkdir()
    recipe.replace(moved)
    return Hostile(["run", str(moved), "--out", str(moved.parent), "--as-of",
                    AS_OF.isoformat()],
                   lambda: run_recipe(moved, out=moved.parent, as_of=AS_OF))


def _provenance_fifo(tmp: Path) -> Hostile:
    from geoplan.provenance import write_record

    bundle = synthetic.write_bundle(tmp / "bundle", roles=("admin_units", "city_boundary"))
    prov = _fifo(tmp / "map.provenance.json")
    return Hostile(["map", str(bundle), "--out", str(tmp / "map.html")],
                   lambda: write_record({"command": "map"}, prov))

def _not_a_bundle(layers: Path) -> None:
    """A folder of the city's name holding a user's notes and a file of an output's name."""
    _user_file(layers / "synth" / "notes.txt", "notes")
    _user_file(layers / "synth" / "osm_street_network.parquet", "mine")


def _unlisted_file(layers: Path) -> None:
    """SYNTHETIC: a units-only bundle 'synth' and a user's file its bundle.yaml does not list."""
    synthetic.write_bundle(layers / "synth", name="synth", roles=("admin_units", "city_boundary"))
    _user_file(layers / "synth" / "osm_street_network.parquet", "mine")


def _map_user_record(tmp: Path) -> Hostile:
    """A user's own notes.provenance.json beside ``--out notes.html`` (never named by them)."""
    from geoplan.provenance import write_record

    bundle = synthetic.write_bundle(tmp / "bundle", roles=("admin_units", "city_boundary"))
    prov = _user_file(tmp / "notes.provenance.json", '{"mine": 1}\n')
    return Hostile(["map", str(bundle), "--out", str(tmp / "notes.html")],
                   lambda: write_record({"geoplan_version": "0", "outputs": {"notes.html": ""}},
                                        prov))


def _map_other_record(tmp: Path) -> Hostile:
    """geoplan's record of ANOTHER map (other.html) where notes.html's record would go."""
    from geoplan.provenance import check_record_target

    bundle = synthetic.write_bundle(tmp / "bundle", roles=("admin_units", "city_boundary"))
    prov = _user_file(tmp / "notes.provenance.json",
                      json.dumps({"geoplan_version": "0", "outputs": {"other.html": "x"}}))
    return Hostile(["map", str(bundle), "--out", str(tmp / "notes.html")],
                   lambda: check_record_target(prov, ["notes.html"]))


def _history_lock_hard_link(tmp: Path) -> Hostile:
    """``ln B/bundle.yaml out/.history.parquet.lock``; ``run R --out out`` (snapshot on)."""
    recipe, bundle = _recipe_and_bundle(tmp)
    out = tmp / "out"
    _hard_link(out / ".history.parquet.lock", bundle / "bundle.yaml")
    return Hostile(["run", str(recipe), "--out", str(out), "--as-of", AS_OF.isoformat()],
                   lambda: record_snapshot(run_recipe(recipe, as_of=AS_OF),
                                           out / "history.parquet"))


CASES: list[Case] = [
    # geoplan run --out
    Case("run_out_char_device", r"cannot write into .*/null: it is a character device, not a "
         r"folder; choose another path with --out",
         _run(lambda t, r, b: _char_device(t / "null"))),
    Case("run_out_below_char_device", r"cannot write .*/null/out: .*/null is a character "
         r"device, not a folder; choose a writable folder with --out",
         _run(lambda t, r, b: _char_device(t / "null") / "out")),
    Case("run_out_fifo", r"cannot write into .*/pipe: it is a FIFO \(named pipe\), not a folder",
         _run(lambda t, r, b: _fifo(t / "pipe"))),
    Case("run_out_is_bundle_folder", r"cannot write .*/bundle: it is the input folder "
         r".*/bundle of this command; geoplan never writes into its inputs: choose another "
         r"path with --out outside it",
         _run(lambda t, r, b: b)),
    Case("run_out_inside_bundle_folder", r"cannot write .*/bundle/maps: it is inside the input "
         r"folder .*/bundle",
         _run(lambda t, r, b: b / "maps")),
    Case("run_out_link_to_bundle", r"cannot write .*/out: it is a symbolic link to .*/bundle; "
         r"geoplan does not write through or replace a link it did not create",
         _run(lambda t, r, b: _link(t / "out", b))),
    Case("run_out_recipe_folder", r"cannot write into .*/analyses: it holds "
         r".*/analyses/hostile\.yaml, an input of this command; give the outputs a folder of "
         r"their own", _recipe_apart),
    Case("run_out_filesystem_root", r"cannot write /: it contains the input folder .*/bundle "
         r"of this command",
         _run(lambda t, r, b: Path("/"))),
    Case("run_out_parent_of_inputs", r"cannot write .*: it contains the input folder .*/bundle",
         _run(lambda t, r, b: t.parent)),
    Case("run_output_name_is_fifo", r"cannot write .*/out/scorecard\.csv: it is a FIFO \(named "
         r"pipe\), not a regular file; geoplan writes only regular files",
         _run(lambda t, r, b: _fifo(t / "out" / "scorecard.csv").parent)),
    Case("run_output_name_links_to_input", r"cannot write .*/out/results\.gpkg: it is a "
         r"symbolic link to .*/bundle/synthetic\.gpkg",
         _run(lambda t, r, b: _link(t / "out" / "results.gpkg", b / "synthetic.gpkg").parent)),
    Case("run_output_name_hard_link_to_input", r"cannot write .*/out/index\.html \(a link to "
         r".*/bundle/synthetic\.gpkg\): the command reads it as an input; geoplan never "
         r"replaces its inputs",
         _run(lambda t, r, b: _hard_link(t / "out" / "index.html",
                                         b / "synthetic.gpkg").parent)),
    Case("run_out_user_file", r"cannot write .*/out/scorecard\.csv: a file of that name is "
         r"already there and the folder holds no provenance\.json of an earlier geoplan run; "
         r"geoplan never replaces files it did not write",
         _run(lambda t, r, b: _user_file(t / "out" / "scorecard.csv").parent)),
    Case("run_out_through_link_into_bundle", r"cannot write .*/link/sub: it is inside the "
         r"input folder .*/bundle of this command",
         _run(lambda t, r, b: _link(t / "link", b) / "sub")),
    Case("run_history_lock_hard_link_to_input", r"cannot write .*/out/\.history\.parquet\.lock "
         r"\(a link to .*/bundle/bundle\.yaml\): the command reads it as an input; geoplan "
         r"never replaces its inputs", _history_lock_hard_link),
    # geoplan map --out
    Case("bundle_name_escapes_maps", r"bundle\.yaml: key name '\.\./\.\./escaped' holds a path "
         r"separator", _default_out_bundle),
    Case("map_out_char_device", r"cannot write .*/null: it is a character device, not a "
         r"regular file; geoplan writes only regular files and never replaces a device, FIFO "
         r"or socket: choose another path with --out",
         _map(lambda t, b: _char_device(t / "null"))),
    Case("map_out_block_device", r"cannot write .*/disk: it is a block device, not a regular "
         r"file", _map(lambda t, b: _block_device(t / "disk"))),
    Case("map_out_fifo", r"cannot write .*/map\.html: it is a FIFO \(named pipe\), not a "
         r"regular file", _map(lambda t, b: _fifo(t / "map.html"))),
    Case("map_out_socket", r"cannot write .*/map\.sock: it is a socket, not a regular file",
         _map(lambda t, b: _socket(t / "map.sock"))),
    Case("map_out_is_bundle_data_file", r"cannot write .*/bundle/synthetic\.gpkg: it is inside "
         r"the input folder .*/bundle of this command",
         _map(lambda t, b: b / "synthetic.gpkg")),
    Case("map_out_in_bundle_folder", r"cannot write .*/bundle/layers\.html: it is inside the "
         r"input folder", _map(lambda t, b: b / "layers.html")),
    Case("map_out_hard_link_to_input", r"cannot write .*/copy\.html \(a link to "
         r".*/bundle/synthetic\.gpkg\): the command reads it as an input",
         _map(lambda t, b: _hard_link(t / "copy.html", b / "synthetic.gpkg"))),
    Case("map_out_symlink_to_input", r"cannot write .*/map\.html: it is a symbolic link to "
         r".*/bundle/bundle\.yaml",
         _map(lambda t, b: _link(t / "map.html", b / "bundle.yaml"))),
    Case("map_out_dangling_symlink", r"cannot write .*/map\.html: it is a symbolic link to "
         r".*/nowhere\.html; geoplan does not write through or replace a link",
         _map(lambda t, b: _link(t / "map.html", t / "nowhere.html"))),
    Case("map_provenance_is_fifo", r"cannot write .*/map\.provenance\.json: it is a FIFO",
         _provenance_fifo),
    Case("map_out_nul_in_path", r"cannot write '.*/m\\x00ap\.html': the path holds a NUL "
         r"character", _map(lambda t, b: t / "m\0ap.html"),
         cli=r"Invalid value for '--out': .*embedded null byte"),
    Case("map_provenance_user_file", r"cannot write .*/notes\.provenance\.json: a file of "
         r"that name is already there and it is not geoplan's provenance record of "
         r"notes\.html; geoplan never replaces files it did not write: move it or choose "
         r"another name with --out", _map_user_record),
    Case("map_provenance_of_another_map", r"cannot write .*/notes\.provenance\.json: a file "
         r"of that name is already there and it is not geoplan's provenance record of "
         r"notes\.html", _map_other_record),
    # geoplan monitor --out (and the history of run/monitor)
    Case("monitor_report_user_file", r"cannot write .*/out/monitor/report\.md: a file of that "
         r"name is already there and the folder holds no provenance\.json of an earlier "
         r"geoplan run; geoplan never replaces files it did not write: move it or choose "
         r"another folder with --out",
         _monitor(lambda t, b: _user_file(t / "out" / "monitor" / "report.md").parent.parent)),
    Case("monitor_report_html_user_file", r"cannot write .*/out/monitor/report\.html: a file "
         r"of that name is already there",
         _monitor(lambda t, b: _user_file(t / "out" / "monitor" / "report.html").parent.parent)),
    Case("monitor_progress_user_file", r"cannot write .*/out/monitor/progress\.html: a file "
         r"of that name is already there",
         _monitor(lambda t, b: _user_file(t / "out" / "monitor" / "progress.html")
                  .parent.parent)),
    Case("monitor_out_is_bundle_folder", r"cannot write .*/bundle: it is the input "
         r"folder .*/bundle", _monitor(lambda t, b: b)),
    Case("monitor_folder_is_a_link", r"cannot write .*/out/monitor: it is a symbolic link to "
         r".*/bundle", _monitor(lambda t, b: _link(t / "out" / "monitor", b).parent)),
    Case("history_is_fifo", r"cannot write .*/out/history\.parquet: it is a FIFO",
         _monitor(lambda t, b: _fifo(t / "out" / "history.parquet").parent)),
    Case("history_lock_planted_link", r"cannot write .*/out/\.history\.parquet\.lock: it is a "
         r"symbolic link to .*/bundle/bundle\.yaml",
         _monitor(lambda t, b: _link(t / "out" / ".history.parquet.lock",
                                     b / "bundle.yaml").parent)),
    # geoplan import-osm --city (fetch shares the writer)
    Case("city_dot_dot", r"--city '\.\./escaped' holds a path separator \(it would write outside "
         r"the folder it names\); give a plain folder name such as 'hanoi'",
         _import("../escaped")),
    Case("city_absolute", r"--city '/tmp/geoplan-absolute' holds a path separator",
         _import("/tmp/geoplan-absolute")),
    Case("city_parent", r"--city '\.\.' holds '\.\.' \(it would write outside the folder it "
         r"names\)", _import("..")),
    Case("city_dot", r"--city '\.' is not a plain name", _import(".")),
    Case("city_hidden", r"--city '\.synth' is not a plain name", _import(".synth")),
    Case("city_nul", r"--city 'a\\x00b' is not a plain name", _import("a\0b")),
    Case("city_reserved", r"--city 'NUL' is a name Windows reserves for devices", _import("NUL")),
    Case("city_empty", r"--city '' is empty", _import("")),
    Case("fetch_city_dot_dot", r"--city '\.\./escaped' holds a path separator",
         _fetch("../escaped")),
    Case("city_folder_is_a_link", r"cannot write .*/layers/synth: it is a symbolic link to "
         r".*/elsewhere; .*choose another --city \(or --layers-dir\)",
         _import("synth", _linked_bundle_folder)),
    Case("city_manifest_is_a_link", r"cannot write .*/layers/synth/bundle\.yaml: it is a "
         r"symbolic link",
         _import("synth", _linked_manifest)),
    Case("import_osm_replaces_layers", r"layers/synth/bundle\.yaml: the import would replace "
         r"data the bundle already holds: street_network holds synthetic\.gpkg:street_network, "
         r"\d+ features \(the import has 4\); green_space holds synthetic\.gpkg:green_space, 1 "
         r"features \(the import has 1\)\. Nothing was written\. To keep it, leave those roles "
         r"out \(e\.g\. --only water\) or import into a new bundle \(--city synth-new\); to "
         r"replace it, pass --replace street_network,green_space",
         _import("synth", _full_bundle)),
    Case("import_osm_into_a_folder_not_a_bundle", r"cannot import into .*/layers/synth: the "
         r"folder exists, holds files and is not a bundle \(no bundle\.yaml\); geoplan never "
         r"replaces files it did not write: move them or choose another --city \(or "
         r"--layers-dir\)", _import("synth", _not_a_bundle)),
    Case("import_osm_unlisted_file", r"cannot write .*/layers/synth/osm_street_network\.parquet: "
         r"a file of that name is already there and no earlier geoplan run recorded writing it "
         r"in bundle\.yaml; geoplan never replaces files it did not write: move it or choose "
         r"another --city \(or --layers-dir\)", _import("synth", _unlisted_file)),
    # geoplan layers build --layers-dir
    Case("build_target_holds_source", r"cannot write .*/layers/hanoi: it contains the input "
         r"folder .*/layers/hanoi/raw of this command; .*choose another --layers-dir",
         _build(_source_inside_target)),
    Case("build_target_inside_source", r"cannot write .*/shared/hanoi: it is inside the input "
         r"folder .*/shared", _build(_target_inside_source)),
    Case("build_target_not_a_bundle", r"cannot build into .*/layers/hanoi: the folder exists, "
         r"holds files and is not a bundle \(no bundle\.yaml\); a build replaces the whole "
         r"folder and would delete them", _build(_target_not_a_bundle)),
    Case("build_target_is_a_link", r"cannot write into .*/layers/hanoi: it is a symbolic link|"
         r"cannot write .*/layers/hanoi: it is a symbolic link to .*/elsewhere",
         _build(_target_is_a_link)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_forbidden_output_is_refused_and_nothing_changes(
        case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # default output folders (maps/...) would land here
    hostile = case.build(tmp_path)
    before = _tree(tmp_path)
    capsys.readouterr()
    code = main(["--quiet", *hostile.argv])
    captured = capsys.readouterr()
    err = flat(captured.err)
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    assert code == 2, err
    if case.cli:
        assert re.search(case.cli, err), err
    else:
        assert err.startswith("error: "), err
        assert re.search(case.match, err), err
    assert _tree(tmp_path) == before  # nothing written, replaced or removed
    with pytest.raises(OutputError) as info:
        hostile.call()
    assert isinstance(info.value, GeoplanError) and isinstance(info.value, OSError)
    assert re.search(case.match, flat(str(info.value))), str(info.value)
    assert _tree(tmp_path) == before
    assert not Path("/tmp/geoplan-absolute").exists()
    assert not (tmp_path / "escaped").exists()


def test_devices_stay_devices(tmp_path: Path) -> None:
    """The char device of ``--out`` is still the same device (major 1, minor 3) afterwards."""
    device = _char_device(tmp_path / "null")
    bundle = synthetic.write_bundle(tmp_path / "bundle", roles=("admin_units", "city_boundary"))
    assert main(["--quiet", "map", str(bundle), "--out", str(device)]) == 2
    info = device.lstat()
    assert stat.S_ISCHR(info.st_mode) and info.st_rdev == os.makedev(1, 3)
    assert not list(tmp_path.glob(".null.*"))  # no temporary file left beside it


# -- what a run may and may not touch in its --out folder --------------------------------------
def test_run_never_removes_files_it_did_not_write(tmp_path: Path) -> None:
    recipe, _ = _recipe_and_bundle(tmp_path)
    out = tmp_path / "out"
    notes = _user_file(out / "notes.txt")
    old_stage = _user_file(out / ".geoplan-run-planted" / "keep.txt", "planted staging folder")
    first = run_recipe(recipe, out=out, as_of=AS_OF)
    assert set(first.outputs) <= set(OUTPUT_FILES)
    # the same folder again: the earlier outputs are geoplan's (provenance.json lists them)
    run_recipe(recipe, out=out, as_of=AS_OF)
    assert notes.read_text(encoding="utf-8") == "a planner's own notes, not geoplan's"
    assert old_stage.read_text(encoding="utf-8") == "planted staging folder"
    recorded = json.loads((out / "provenance.json").read_text(encoding="utf-8"))["outputs"]
    assert sorted(recorded) == sorted(n for n in first.outputs if n != "provenance.json")


def test_stale_outputs_removed_only_with_the_recorded_bytes(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    ours = _user_file(folder / "results.gpkg", "written by an earlier run")
    edited = _user_file(folder / "index.html", "written by an earlier run")
    recorded = hashlib.sha256(b"written by an earlier run").hexdigest()
    edited.write_text("edited by hand since", encoding="utf-8")
    with staging_dir(folder, prefix=".t-") as stage:
        (stage / "scorecard.csv").write_text("key\n", encoding="utf-8")
        written = commit_staged(stage, folder, ["scorecard.csv"],
                                stale={"results.gpkg": recorded, "index.html": recorded})
    assert list(written) == ["scorecard.csv"]
    assert not ours.exists()  # geoplan's own stale output, unchanged since: removed
    assert edited.read_text(encoding="utf-8") == "edited by hand since"  # kept
    assert sorted(p.name for p in folder.iterdir()) == ["index.html", "scorecard.csv"]


def test_history_api_refuses_a_fifo_and_a_planted_lock(tmp_path: Path) -> None:
    fifo = _fifo(tmp_path / "h" / "history.parquet")
    with pytest.raises(HistoryError, match=r"history\.parquet is a FIFO \(named pipe\), not a "
                                           r"regular file"):
        read_history(fifo)  # would hang on open() if it were read
    victim = _user_file(tmp_path / "victim.txt", "must stay")
    history = tmp_path / "k" / "history.parquet"
    _link(history.with_name(".history.parquet.lock"), victim)
    rows = pd.DataFrame([{"recipe_id": "r", "as_of": "2026-01-01", "key": "k",
                          "run_checksum": "c", "value": 1.0}])
    with pytest.raises(OutputError, match=r"\.history\.parquet\.lock: it is a symbolic link"):
        record_snapshot(rows.reindex(columns=list(read_history(history).columns)), history)
    assert victim.read_text(encoding="utf-8") == "must stay"
    assert not history.exists()


def test_outputs_may_not_replace_protected_inputs_through_any_writer(tmp_path: Path) -> None:
    from geoplan.io import atomic_write_text, exclusive_lock

    data = _user_file(tmp_path / "in" / "data.gpkg", "SYNTHETIC input")
    alias = _hard_link(tmp_path / "alias.gpkg", data)
    with protect_inputs([data], folders=[tmp_path / "in"]):
        for attempt in (lambda: atomic_write_text(alias, "x"),
                        lambda: atomic_write_text(tmp_path / "in" / "new.txt", "x"),
                        lambda: exclusive_lock(tmp_path / "in" / ".lock").__enter__(),
                        lambda: check_output(tmp_path, folder=True)):
            with pytest.raises(OutputError):
                attempt()
        assert check_output(tmp_path / "out" / "x.csv") == tmp_path / "out" / "x.csv"
    atomic_write_text(tmp_path / "out" / "x.csv", "fine outside the block")  # nests and ends
    assert data.read_text(encoding="utf-8") == "SYNTHETIC input"
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == ["data.gpkg"]


def test_api_writers_know_their_inputs(tmp_path: Path) -> None:
    """A run's map, a monitoring report and a snapshot refuse the run's recipe and bundle."""
    from geoplan.maps import map_run
    from geoplan.workflows.monitor import write_report

    recipe, bundle = _recipe_and_bundle(tmp_path)
    result = run_recipe(recipe, as_of=AS_OF)
    before = _tree(tmp_path)
    with pytest.raises(OutputError, match=r"hostile\.yaml: the command reads it as an input"):
        save_map(map_run(result), recipe)
    with pytest.raises(OutputError, match=r"bundle/history\.parquet: it is inside the input "
                                          r"folder"):
        record_snapshot(result, bundle / "history.parquet")
    monitored = monitor_recipe(recipe, out=tmp_path / "out", end=AS_OF, write=False)
    with pytest.raises(OutputError, match=r"bundle/monitor: it is inside the input folder"):
        write_report(monitored, bundle / "monitor")
    after = _tree(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("out")} == before


@pytest.mark.parametrize("name", ["hanoi", "hà-nội", "tuyen_quang", "city.v2", "HN2025"])
def test_plain_names_pass(name: str) -> None:
    assert check_name(name) == name


# -- import-osm: never replace a layer silently ----------------------------------------------------
def test_import_osm_refuses_then_replaces_on_purpose_with_a_backup(tmp_path: Path) -> None:
    osm, layers = _osm_file(tmp_path), tmp_path / "layers"
    folder = import_osm(osm, city="new", layers_dir=layers, roles=["street_network"])
    first = (folder / "osm_street_network.parquet").read_bytes()
    before = _tree(tmp_path)
    with pytest.raises(OutputError, match=r"street_network holds 4 features in "
                                          r"osm_street_network\.parquet; the import has 4: "
                                          r"--replace street_network would drop 0 of them"):
        import_osm(osm, city="new", layers_dir=layers, roles=["street_network"])
    assert _tree(tmp_path) == before
    # a role that was missing is filled without --replace; a held one only with it
    code = main(["--quiet", "import-osm", str(osm), "--city", "new", "--layers-dir",
                 str(layers), "--replace", "street_network"])
    assert code == 0
    backups = sorted(folder.glob("osm_street_network.replaced-*.parquet"))
    assert len(backups) == 1 and backups[0].read_bytes() == first
    entry = read_manifest(folder / "bundle.yaml").layers["street_network"]
    assert "replaced osm_street_network.parquet, 4 features" in entry.method
    assert f"kept as {backups[0].name}" in entry.method
    assert set(read_manifest(folder / "bundle.yaml").layers) == {"street_network",
                                                                  "green_space", "water"}
    load_bundle(folder).validate()


def test_import_osm_into_an_existing_bundle_keeps_the_other_file(tmp_path: Path) -> None:
    osm, layers = _osm_file(tmp_path), tmp_path / "layers"
    _full_bundle(layers)
    gpkg = layers / "synth" / "synthetic.gpkg"
    digest = hashlib.sha256(gpkg.read_bytes()).hexdigest()
    import_osm(osm, city="synth", layers_dir=layers, roles=["water", "green_space"],
               replace=["green_space"])
    manifest = read_manifest(layers / "synth" / "bundle.yaml")
    assert manifest.layers["water"].file == "osm_water.parquet"  # was missing: filled
    assert "replaced synthetic.gpkg:green_space, 1 features" in manifest.layers[
        "green_space"].method
    assert manifest.layers["street_network"].file == "synthetic.gpkg"  # untouched
    assert hashlib.sha256(gpkg.read_bytes()).hexdigest() == digest


def test_import_osm_help_documents_the_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-osm", "--help"]) == 0
    text = flat(capsys.readouterr().out)
    assert "--replace" in text and "never replaced silently" in text
    readme = flat((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "never replace a layer the bundle already holds" in readme


# -- a set of outputs is committed whole or not at all, and the message says which ---------------
def test_monitor_records_its_report_and_replaces_only_that(tmp_path: Path) -> None:
    recipe, _ = _recipe_and_bundle(tmp_path)
    out = tmp_path / "out"
    notes = _user_file(out / "monitor" / "notes.txt")
    first = monitor_recipe(recipe, out=out, end=AS_OF)
    record = json.loads((out / "monitor" / "provenance.json").read_text(encoding="utf-8"))
    assert "geoplan_version" in record and record["command"] == "monitor"
    assert set(record["outputs"]) == set(first.outputs) - {"provenance.json"}
    for name, digest in record["outputs"].items():
        assert hashlib.sha256((out / "monitor" / name).read_bytes()).hexdigest() == digest
    again = monitor_recipe(recipe, out=out, end=AS_OF)  # its own files: replaced, no error
    assert set(again.outputs) == set(first.outputs)
    assert notes.read_text(encoding="utf-8") == "a planner's own notes, not geoplan's"
    # the shared commit step refuses what the record does not list, whoever calls it
    stage = out / "monitor" / ".t-stage"
    _user_file(stage / "notes.txt", "new")
    with pytest.raises(OutputError, match=r"monitor/notes\.txt: a file of that name is already "
                       r"there and no earlier geoplan run recorded writing it in "
                       r"provenance\.json"):
        commit_staged(stage, out / "monitor", ["notes.txt"],
                      ours=[*record["outputs"], "provenance.json"])
    assert notes.read_text(encoding="utf-8") == "a planner's own notes, not geoplan's"


def test_map_replaces_its_own_record(tmp_path: Path) -> None:
    bundle = synthetic.write_bundle(tmp_path / "bundle", roles=("admin_units", "city_boundary"))
    target = tmp_path / "m.html"
    for _ in range(2):  # the second time its own record (naming m.html) is replaced
        assert main(["--quiet", "map", str(bundle), "--out", str(target)]) == 0
        record = json.loads((tmp_path / "m.provenance.json").read_text(encoding="utf-8"))
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        assert record["outputs"] == {"m.html": digest}
    assert not list(tmp_path.glob(".geoplan-map-*"))


def test_map_and_record_are_one_set(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC on the record: neither the map nor its record is there, as the message says."""
    import errno

    import geoplan.provenance

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    bundle = synthetic.write_bundle(tmp_path / "bundle", roles=("admin_units", "city_boundary"))
    monkeypatch.setattr(geoplan.provenance, "atomic_write_text", full)
    code = main(["--quiet", "map", str(bundle), "--out", str(tmp_path / "m" / "m.html")])
    err = flat(capsys.readouterr().err)
    assert code == 2, err
    assert re.search(r"No space left on device; free some space .* nothing was written", err)
    assert not (tmp_path / "m").exists()  # the folder made for the map is not left behind


def test_run_history_full_disk_says_the_outputs_are_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The outputs are committed, the snapshot is not: the message says exactly that."""
    import errno

    recipe, _ = _recipe_and_bundle(tmp_path)
    out = tmp_path / "outf"

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    code = main(["--quiet", "run", str(recipe), "--out", str(out), "--as-of",
                 AS_OF.isoformat()])
    err = flat(capsys.readouterr().err)
    assert code == 2, err
    assert "nothing was written" not in err
    assert re.search(r"cannot write .*/outf/history\.parquet: No space left on device; the "
                     r"run's outputs were written to .*/outf \(.*scorecard\.csv.*\), only its "
                     r"snapshot of 2026-11-24 was not added to .*/outf/history\.parquet: .* run "
                     r"again with the same --as-of to add it", err), err
    assert (out / "scorecard.csv").is_file() and not (out / "history.parquet").exists()
    monkeypatch.undo()
    assert main(["--quiet", "run", str(recipe), "--out", str(out), "--as-of",
                 AS_OF.isoformat()]) == 0
    assert len(read_history(out / "history.parquet")) > 0


def test_recipe_ids_have_a_length_limit(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """A 260-character target id (a file name too long for a chart) is refused at loading."""
    from geoplan.analyses.recipe import load_recipe
    from geoplan.errors import RecipeError
    from tests._hostile import assert_refused

    recipe = _recipe(tmp_path, (("id: t.rail", "id: t." + "r" * 258),), roles=TRANSIT,
                     rail_only=True)
    out = tmp_path / "out"
    pattern = (r"hostile\.yaml:10: targets\[0\]: id 't\.r+'\.\.\. is 260 characters long; "
               r"shorten it to at most 64")
    for argv in (["run", str(recipe), "--out", str(out), "--as-of", AS_OF.isoformat()],
                 ["monitor", str(recipe), "--out", str(out), "--to", AS_OF.isoformat()]):
        assert_refused(argv, lambda: load_recipe(recipe), RecipeError, pattern, capsys)
    assert not out.exists()  # no history appended, nothing written
    long_id = _recipe(tmp_path, (("id: hostile", "id: " + "h" * 65),), roles=TRANSIT,
                      rail_only=True)
    with pytest.raises(RecipeError, match=r"id 'h+'\.\.\. is 65 characters long; shorten it "
                                          r"to at most 64 \(it names the output folder"):
        load_recipe(long_id)


# -- docs ------------------------------------------------------------------------------------
SEPARATE_CASES = (
    "api_writers_know_their_inputs", "devices_stay_devices",
    "run_never_removes_files_it_did_not_write",
    "stale_outputs_removed_only_with_the_recorded_bytes", "import_osm_replace_with_backup",
    "import_osm_fills_missing_roles", "monitor_records_its_report",
    "map_replaces_its_own_record", "map_and_record_one_set",
    "run_history_full_disk_after_outputs", "recipe_id_too_long",
)


def test_every_case_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip().strip("`"): line for line in section.splitlines()
            if line.startswith("| `")}
    ours = {c.id for c in CASES} | set(SEPARATE_CASES)
    assert ours == set(rows), (sorted(ours - set(rows)), sorted(set(rows) - ours))
    for case in CASES:
        assert "`OutputError`" in rows[case.id], case.id
    assert len(CASES) >= 35
