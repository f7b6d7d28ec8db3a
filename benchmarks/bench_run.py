"""Benchmark: the whole ``geoplan run``, ``map``, ``monitor`` and ``--help`` as processes,
this checkout against a baseline commit checked out in a temporary git worktree.

What is timed: wall time of a fresh ``python -m geoplan ...`` process (cold start: imports,
reading the embedded Hà Nội bundle from its files, computing, writing every output), the
same interpreter and packages for both trees (``PYTHONPATH`` selects the tree), runs of the
two trees interleaved so that machine load hits both alike. Prints the median of
``--repeat`` runs per command and tree and the ratio baseline / current (> 1: faster now), and
whether the scorecards and GeoPackages of ``run`` are byte-identical (``provenance.json``
holds times and is not compared). The current tree is timed three ways:

* ``current``: the cache off (``GEOPLAN_CACHE=off``): every process builds the graph, the
  snapping and the catchments and computes every result;
* ``warm``: the cache filled by an earlier, untimed process on the same files, each timed
  command computing (``--recompute``, a new output folder): the routing and sub-result
  entries are read back, every target is evaluated and every output written;
* ``reused``: the same command line as an earlier one into the same folder (what a user
  re-running it does): ``run`` and ``monitor`` check every input by SHA-256 and write the
  earlier outputs again (:mod:`geoplan._replay`); ``map`` and ``--help`` are as ``warm``.

The baseline's recipe has fewer targets (no SDG 11.2.1 walking catchments) and its
GeoPackage fewer layers, so its outputs differ from the current ones; the current tree's
outputs are compared with each other (cache off, warm, reused).

Usage::

    .venv/bin/python benchmarks/bench_run.py [--baseline 7348181] [--repeat 3]

The default baseline is the commit before the start-up, map and catchment work of the
"Speed where users wait" issue.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The commit before the speed work (main at the start of that issue).
DEFAULT_BASELINE = "7348181"
RECIPE = "analyses/hanoi-02-nq-tw.yaml"


def _commands(out: Path, *extra: str) -> dict[str, list[str]]:
    """The timed command lines; ``extra`` goes to ``run`` and ``monitor``."""
    return {
        "--help": ["--help"],
        "run": ["run", RECIPE, "--out", str(out / "run"), "--no-snapshot", *extra],
        "map": ["map", "hanoi", "--out", str(out / "map.html")],
        "monitor": ["monitor", RECIPE, "--period", "year", "--from", "2024-01-01",
                    "--to", "2026-06-30", "--out", str(out / "monitor"), *extra],
    }


def _time(tree: Path, argv: list[str], *, layers: Path, cache: str = "off") -> float:
    env = dict(os.environ, PYTHONPATH=str(tree), GEOPLAN_LAYERS=str(layers),
               GEOPLAN_CACHE=cache)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "geoplan", "--quiet", *argv], cwd=tree,
                          env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        message = f"{tree}: geoplan {' '.join(argv)} failed:\n{done.stderr[-2000:]}"
        raise SystemExit(message)
    return seconds


def _same(a: Path, b: Path) -> str:
    names = ("scorecard.csv", "results.gpkg")
    same = [n for n in names if (a / n).is_file() and (a / n).read_bytes() == (b / n).read_bytes()]
    return "byte-identical" if len(same) == len(names) else \
        f"DIFFER ({', '.join(n for n in names if n not in same)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="commit to compare with")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="geoplan-bench-run-") as tmp:
        base = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base),
                        args.baseline], check=True)
        cache = Path(tmp) / "routing-cache"
        # label -> tree, cache, whether each repeat writes into the same folder, extra options
        trees = (("baseline", base, "off", False, ()), ("current", ROOT, "off", False, ()),
                 ("warm", ROOT, str(cache), False, ("--recompute",)),
                 ("reused", ROOT, str(cache), True, ()))
        same = Path(tmp) / "reused"
        for _ in range(2):  # fills the cache; the second monitor adds no snapshot: stored
            for argv in _commands(same).values():
                _time(ROOT, argv, layers=ROOT / "layers", cache=str(cache))
        try:
            times: dict[tuple[str, str], list[float]] = {}
            for i in range(args.repeat):
                for label, tree, cached, again, extra in trees:
                    out = same if again else Path(tmp) / f"{label}-{i}"
                    for name, argv in _commands(out, *extra).items():
                        seconds = _time(tree, argv, layers=tree / "layers", cache=cached)
                        times.setdefault((name, label), []).append(seconds)
            print(f"baseline {args.baseline} vs current, median of {args.repeat} "
                  "(wall seconds, fresh process; current: cache off; warm: cache filled by "
                  "an earlier process, computing; reused: an identical earlier command)")
            print(f"{'command':10} {'baseline':>9} {'current':>9} {'ratio':>7} "
                  f"{'warm':>9} {'ratio':>7} {'reused':>9} {'ratio':>7}")
            for name in _commands(Path(tmp)):
                b = statistics.median(times[(name, "baseline")])
                row = f"{name:10} {b:9.2f}"
                for label in ("current", "warm", "reused"):
                    t = statistics.median(times[(name, label)])
                    row += f" {t:9.2f} {b / t:6.2f}×"
                print(row)
            ref = Path(tmp) / "current-0" / "run"
            print("run outputs, baseline vs current:", _same(Path(tmp) / "baseline-0" / "run",
                                                             ref), "(the recipe gained targets)")
            for label, folder in (("warm", Path(tmp) / "warm-0" / "run"),
                                  ("reused", same / "run")):
                print(f"run outputs, current vs {label}:", _same(ref, folder))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                           check=False)


if __name__ == "__main__":
    main()
