"""The runs a user starts: a recipe's run, its monitoring, a batch and the national scorecard.

Everything here orchestrates the layers below it and none of them imports it back:
:mod:`geoplan.analyses` computes indicators and evaluates targets
(:func:`geoplan.analyses.scorecard.evaluate_recipe`, the one evaluation every output reads),
:mod:`geoplan.maps` draws, :mod:`geoplan.monitor` keeps the history and writes reports.

:mod:`geoplan.workflows.run`
    :func:`run_recipe`: evaluate a recipe and write its scorecard, GeoPackage, map and
    provenance as one atomic set.
:mod:`geoplan.workflows.monitor`
    :func:`monitor_recipe`: evaluate a recipe at each period end, record the snapshots,
    write the report and the progress map.
:mod:`geoplan.workflows.batch`
    :func:`run_batch`: many (recipe, bundle, date) runs as tasks on dask.distributed.
:mod:`geoplan.workflows.national`
    :func:`national_scorecard`: one row per province from a batch's runs.

>>> from geoplan.workflows import run_recipe
>>> result = run_recipe("analyses/hanoi-02-nq-tw.yaml")  # doctest: +SKIP
"""

from geoplan.workflows.batch import BatchResult, BatchTask, plan_batch, run_batch
from geoplan.workflows.monitor import monitor_dates, monitor_recipe
from geoplan.workflows.national import national_scorecard, write_national
from geoplan.workflows.run import protected_inputs, run_recipe, write_outputs

__all__ = [
    "BatchResult",
    "BatchTask",
    "monitor_dates",
    "monitor_recipe",
    "national_scorecard",
    "plan_batch",
    "protected_inputs",
    "run_batch",
    "run_recipe",
    "write_national",
    "write_outputs",
]
