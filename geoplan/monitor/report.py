"""The monitoring report: a summary table and one chart per target, in Markdown and HTML.

The HTML page is self-contained: its charts are PNG ``data:`` URIs, its style is inline, it
has no script, and a Content-Security-Policy forbids any other source, so it opens offline
and never reaches the network. Every data-derived text (titles, notes, sources, unit names)
is HTML-escaped; Markdown cells are escaped the same way as the run's scorecard. Fixed text
is Vietnamese (default) or English, as in :mod:`geoplan.maps.i18n`.

>>> html_text = report_html(monitor_result)  # doctest: +SKIP
>>> "data:image/png;base64," in html_text  # doctest: +SKIP
True
"""

from __future__ import annotations

import base64
import logging
import math
from typing import TYPE_CHECKING, Any

from geoplan._safetext import markdown_code as _code
from geoplan._safetext import markdown_text as _md
from geoplan.analyses.evaluate import NO_DATA, STATUSES, status_label
from geoplan.analyses.wording import check_lang, describe_goal, format_number, format_quantity
from geoplan.maps._elements import escape_html
from geoplan.maps._style import STATUS_COLOURS
from geoplan.maps.i18n import label as map_label
from geoplan.monitor.progress import progress_notes
from geoplan.monitor.trajectory import Trajectory

if TYPE_CHECKING:
    from geoplan.monitor.result import MonitorResult

__all__ = ["REPORT_LABELS", "chart_name", "report_html", "report_markdown"]

logger = logging.getLogger(__name__)

#: Fixed text of the report: key → {language → text}.
REPORT_LABELS: dict[str, dict[str, str]] = {
    "title": {"vi": "Theo dõi tiến độ thực hiện", "en": "Progress monitoring"},
    "review": {"vi": "Đánh giá kết quả đến năm {year}", "en": "Review {year}"},
    "review_note": {
        "vi": "Thay đổi so với mốc cơ sở, tính đến ngày {date}.",
        "en": "Change since the baseline, as of {date}.",
    },
    "document": {"vi": "Văn bản", "en": "Document"},
    "bundle": {"vi": "Bộ dữ liệu", "en": "Bundle"},
    "baseline": {"vi": "Mốc cơ sở", "en": "Baseline"},
    "period": {"vi": "Kỳ theo dõi", "en": "Period"},
    "month": {"vi": "tháng", "en": "month"},
    "quarter": {"vi": "quý", "en": "quarter"},
    "year": {"vi": "năm", "en": "year"},
    "span": {"vi": "từ {start} đến {end}", "en": "from {start} to {end}"},
    "snapshots": {"vi": "Số lần đo (ngày)", "en": "Snapshots (dates)"},
    "summary": {"vi": "Tổng hợp", "en": "Summary"},
    "targets": {"vi": "Chi tiết từng chỉ tiêu", "en": "Targets in detail"},
    "target_col": {"vi": "Chỉ tiêu", "en": "Target"},
    "latest": {"vi": "Giá trị mới nhất", "en": "Latest value"},
    "path_value": {"vi": "Theo lộ trình", "en": "On the path"},
    "goal": {"vi": "Mục tiêu", "en": "Target value"},
    "year_col": {"vi": "Năm", "en": "Year"},
    "status": {"vi": "Tiến độ", "en": "Progress"},
    "change": {"vi": "Thay đổi", "en": "Change"},
    "share_done": {"vi": "% quãng đường", "en": "% of the way"},
    "value_at": {"vi": "Giá trị tại kỳ đánh giá", "en": "Value at review"},
    "date": {"vi": "Ngày", "en": "Date"},
    "value": {"vi": "Giá trị", "en": "Value"},
    "run_status": {"vi": "Đánh giá", "en": "Assessment"},
    "source": {"vi": "Nguồn", "en": "Source"},
    "units": {"vi": "Đơn vị hành chính", "en": "Administrative units"},
    "no_values": {"vi": "Chưa có số liệu", "en": "No values yet"},
    "chart_alt": {"vi": "Biểu đồ: {title}", "en": "Chart: {title}"},
    "notes": {"vi": "Ghi chú", "en": "Notes"},
    "generated": {"vi": "Tạo bởi geoplan {version} từ {history}",
                  "en": "Made by geoplan {version} from {history}"},
    "definitions": {
        "vi": ("Lộ trình: đường thẳng từ giá trị tại mốc cơ sở đến giá trị mục tiêu vào "
               "31/12 của năm mục tiêu. Đạt: giá trị mới nhất đáp ứng mục tiêu. Đúng tiến "
               "độ: chưa đạt nhưng giá trị mới nhất không kém giá trị của lộ trình tại ngày "
               "đo. Chậm tiến độ: kém lộ trình. Chưa đạt: đã qua năm mục tiêu mà chưa đạt. "
               "Dữ liệu cũ hơn năm mục tiêu: giá trị dựa trên dữ liệu trước năm mục tiêu "
               "(đã bắt đầu), nên không cho biết kết quả. Không có dữ liệu: chưa có giá trị. "
               "Theo dõi: văn bản không nêu con số."),
        "en": ("Path: the straight line from the value on the baseline date to the target "
               "value on 31 December of the target year. Met: the latest value meets the "
               "target. On track: not yet, but the latest value is at least the path's value "
               "on its date. Behind: short of the path. Not met: the target year is over "
               "without the target met. Data older than target: the value rests on data from "
               "before the target year, which has begun, so it cannot show the outcome. No "
               "data: no value yet. Monitoring: the text sets no number."),
    },
}


def _t(key: str, lang: str, **fmt: Any) -> str:
    entry = REPORT_LABELS.get(key)
    text = map_label(key, lang) if entry is None else entry.get(lang, entry["en"])
    return text.format(**fmt) if fmt else text


_esc = escape_html


def _number(x: float | None, lang: str, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if not unit:
        return format_number(float(x), lang)
    return format_quantity(float(x), unit, lang)


def _status(status: str, lang: str, data_date: str = "") -> str:
    return status_label(status, lang, data_date=data_date)


def _notes(t: Trajectory, lang: str) -> str:
    """A target's notes in ``lang``: the progress notes, and the run's own note in English.

    The run's note (stored in the history, with the command that fills a missing layer) is
    English; a Vietnamese report leaves it out (its status already says ``không có dữ liệu``)
    rather than mix languages: it stays in ``history.csv`` and the English report.
    """
    parts = progress_notes(t.progress, lang)
    if lang == "en" and t.note:
        parts.append(t.note)
    return "; ".join(parts)


def chart_name(key: str) -> str:
    """File name of a target's chart: ``charts/<slug>.png``.

    Examples
    --------
    >>> chart_name("hn.rail_km@2030")
    'charts/hn_rail_km_2030.png'
    """
    from geoplan.analyses.recipe import slugify

    return f"charts/{slugify(key)}.png"


def _units_text(t: Trajectory, lang: str) -> str:
    counts = t.units_count()
    if not counts:
        return ""
    parts = [f"{_status(s, lang)}: {counts[s]}" for s in STATUSES if s in counts]
    return f"{_t('units', lang)}: " + ", ".join(parts)


def _heading(result: MonitorResult) -> tuple[str, list[tuple[str, str]]]:
    lang = result.lang
    recipe = result.recipe
    title = f"{recipe.title.get(lang)} — {_t('title', lang)}"
    if result.review_year is not None:
        title = f"{recipe.title.get(lang)} — {_t('review', lang, year=result.review_year)}"
    doc = recipe.document
    meta = [
        (_t("document", lang), f"{doc.number or ''} — {doc.title.get(lang)} "
                               f"({doc.issuer}, {doc.date or 'n.d.'})"),
        (_t("bundle", lang), result.bundle.name),
        (_t("baseline", lang), result.baseline.isoformat() if result.baseline else "–"),
        (_t("period", lang), f"{_t(result.period, lang)}; "
                             + _t("span", lang, start=result.start.isoformat(),
                                  end=result.end.isoformat())),
        (_t("snapshots", lang), ", ".join(d.isoformat() for d in result.snapshot_dates)),
    ]
    return title, meta


def _summary_rows(result: MonitorResult) -> list[list[str]]:
    lang = result.lang
    rows = []
    for t in result.trajectories:
        p = t.progress
        unit = t.goal.unit
        latest = _number(p.value, lang, unit)
        if p.value_date is not None:
            latest += f" ({p.value_date.isoformat()})"
        baseline = _number(p.baseline_value, lang, unit)
        if p.baseline_date is not None and p.baseline_value is not None:
            baseline += f" ({p.baseline_date.isoformat()})"
        rows.append([t.key, t.goal.title.get(lang), baseline, latest,
                     _number(p.path_value, lang, unit), describe_goal(t.goal, lang),
                     "" if t.goal.year is None else str(t.goal.year), p.status,
                     _units_text(t, lang), t.data_date])
    return rows


def _review_rows(result: MonitorResult) -> list[list[str]]:
    lang = result.lang
    frame = result.review
    rows: list[list[str]] = []
    if frame is None:
        return rows
    for row in frame.to_dict("records"):
        unit = str(row["unit"])
        share = row["share_done"]
        rows.append([str(row["key"]), str(row["title"]),
                     _number(row["baseline_value"], lang, unit)
                     + (f" ({row['baseline_date']})" if row["baseline_date"] else ""),
                     _number(row["value"], lang, unit)
                     + (f" ({row['value_date']})" if row["value_date"] else ""),
                     _number(row["change"], lang, unit),
                     "–" if share != share else f"{format_number(float(share), lang)}%",
                     _number(row["path_value"], lang, unit), str(row["status"])])
    return rows


def _series_rows(t: Trajectory, lang: str) -> list[list[str]]:
    rows = []
    for when, value in zip(t.values.index, t.values.to_numpy(), strict=True):
        status = str(t.statuses.get(when, "")) if len(t.statuses) else ""
        rows.append([str(when), _number(float(value), lang, t.goal.unit),
                     _status(status, lang) if status else ""])
    return rows


# -- Markdown -------------------------------------------------------------------------------
def report_markdown(result: MonitorResult) -> str:
    """The report as Markdown; charts are linked as ``charts/<slug>.png``.

    Parameters
    ----------
    result
        A monitoring result (:func:`geoplan.monitor.monitor_recipe`).

    Returns
    -------
    str

    Examples
    --------
    >>> report_markdown(result).splitlines()[0]  # doctest: +SKIP
    '# Hà Nội — Nghị quyết 02-NQ/TW: chỉ tiêu không gian — Theo dõi tiến độ thực hiện'
    """
    lang = check_lang(result.lang)
    title, meta = _heading(result)
    lines = [f"# {_md(title)}", ""]
    lines += [f"- {_md(k)}: {_md(v)}" for k, v in meta]
    lines += ["", _md(_t("definitions", lang)), ""]
    if result.review is not None and result.review_date is not None:
        lines += [f"## {_md(_t('review', lang, year=result.review_year))}", "",
                  _md(_t("review_note", lang, date=result.review_date.isoformat())), "",
                  f"| {_t('target_col', lang)} | {_t('baseline', lang)} | "
                  f"{_t('value_at', lang)} | {_t('change', lang)} | {_t('share_done', lang)} | "
                  f"{_t('path_value', lang)} | {_t('status', lang)} |",
                  "|---|---:|---:|---:|---:|---:|---|"]
        for r in _review_rows(result):
            lines.append(f"| {_code(r[0])} {_md(r[1])} | {_md(r[2])} | {_md(r[3])} | "
                         f"{_md(r[4])} | {_md(r[5])} | {_md(r[6])} | "
                         f"{_md(_status(r[7], lang))} |")
        lines.append("")
    lines += [f"## {_md(_t('summary', lang))}", "",
              f"| {_t('target_col', lang)} | {_t('baseline', lang)} | {_t('latest', lang)} | "
              f"{_t('path_value', lang)} | {_t('goal', lang)} | {_t('year_col', lang)} | "
              f"{_t('status', lang)} |",
              "|---|---:|---:|---:|---|---:|---|"]
    for r in _summary_rows(result):
        status = _status(r[7], lang, r[9]) + (f" ({r[8]})" if r[8] else "")
        lines.append(f"| {_code(r[0])} {_md(r[1])} | {_md(r[2])} | {_md(r[3])} | {_md(r[4])} "
                     f"| {_md(r[5])} | {_md(r[6])} | {_md(status)} |")
    lines += ["", f"## {_md(_t('targets', lang))}", ""]
    for t in result.trajectories:
        if t.values.dropna().empty:
            continue
        lines += [f"### {_code(t.key)} {_md(t.goal.title.get(lang))}", "",
                  f"- {_md(_t('goal', lang))}: {_md(describe_goal(t.goal, lang))}"
                  + (f" ({t.goal.year})" if t.goal.year is not None else ""),
                  f"- {_md(_t('status', lang))}: {_md(_status(t.status, lang, t.data_date))}",
                  f"- {_md(_t('source', lang))}: {_md(t.goal.source.cite())}"]
        if _units_text(t, lang):
            lines.append(f"- {_md(_units_text(t, lang))}")
        note = _notes(t, lang)
        if note:
            lines.append(f"- {_md(_t('notes', lang))}: {_md(note)}")
        if t.key in result.charts:
            lines += ["", f"![{_md(t.goal.title.get(lang))}]({chart_name(t.key)})"]
        lines += ["", f"| {_t('date', lang)} | {_t('value', lang)} | {_t('run_status', lang)} |",
                  "|---|---:|---|"]
        lines += [f"| {r[0]} | {_md(r[1])} | {_md(r[2])} |" for r in _series_rows(t, lang)]
        lines.append("")
    empty = [t for t in result.trajectories if t.values.dropna().empty]
    if empty:
        lines += [f"### {_md(_t('no_values', lang))}", ""]
        for t in empty:
            note = _notes(t, lang)
            lines.append(f"- {_code(t.key)} {_md(t.goal.title.get(lang))}"
                         + (f": {_md(note)}" if note else ""))
        lines.append("")
    lines.append(_md(_t("generated", lang, version=result.geoplan_version,
                        history=result.history_path.name)))
    return "\n".join(lines) + "\n"


# -- HTML -----------------------------------------------------------------------------------
_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial,
  sans-serif; color: #222; margin: 24px auto; max-width: 1000px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 8px 0; }
h2 { font-size: 18px; margin: 28px 0 8px 0; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 22px 0 6px 0; }
code { font-size: 12px; color: #555; }
ul.gp-meta { padding-left: 18px; color: #444; }
p.gp-def { color: #555; font-size: 12.5px; }
table { border-collapse: collapse; margin: 6px 0 12px 0; max-width: 100%; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 3px 8px; text-align: left;
  vertical-align: top; font-size: 13px; }
td.gp-num { text-align: right; white-space: nowrap; }
.gp-badge { display: inline-block; padding: 0 7px; border-radius: 9px; color: #111;
  white-space: nowrap; }
article { margin-bottom: 18px; }
img.gp-chart { display: block; max-width: 100%; height: auto; border: 1px solid #eee; }
.gp-note { color: #666; font-size: 12.5px; }
footer { margin-top: 30px; color: #777; font-size: 12px; }
"""


def _badge(status: str, lang: str, data_date: str = "") -> str:
    colour = STATUS_COLOURS.get(status, STATUS_COLOURS[NO_DATA])
    return (f'<span class="gp-badge gp-status" data-status="{_esc(status)}" '
            f'style="background:{colour}">{_esc(_status(status, lang, data_date))}</span>')


def _table(head: list[str], rows: list[list[str]], *, numeric: set[int], cls: str) -> str:
    parts = [f'<table class="{cls}"><thead><tr>']
    parts += [f"<th>{_esc(h)}</th>" for h in head]
    parts.append("</tr></thead><tbody>")
    for row in rows:
        parts.append("<tr>")
        for i, cell in enumerate(row):
            klass = ' class="gp-num"' if i in numeric else ""
            parts.append(f"<td{klass}>{cell}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def report_html(result: MonitorResult) -> str:
    """The report as one self-contained HTML page (charts embedded as PNG data URIs).

    Parameters
    ----------
    result
        A monitoring result (:func:`geoplan.monitor.monitor_recipe`).

    Returns
    -------
    str

    Examples
    --------
    >>> report_html(result).startswith("<!DOCTYPE html>")  # doctest: +SKIP
    True
    """
    lang = check_lang(result.lang)
    title, meta = _heading(result)
    csp = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{_esc(title)}</h1><ul class=\"gp-meta\">",
        *(f"<li>{_esc(k)}: {_esc(v)}</li>" for k, v in meta),
        f'</ul><p class="gp-def">{_esc(_t("definitions", lang))}</p></header>',
    ]
    if result.review is not None and result.review_date is not None:
        rows = [[f"<code>{_esc(r[0])}</code><br>{_esc(r[1])}", _esc(r[2]), _esc(r[3]),
                 _esc(r[4]), _esc(r[5]), _esc(r[6]), _badge(r[7], lang)]
                for r in _review_rows(result)]
        head = [_t(k, lang) for k in ("target_col", "baseline", "value_at", "change",
                                      "share_done", "path_value", "status")]
        parts += [f'<section class="gp-review"><h2>'
                  f"{_esc(_t('review', lang, year=result.review_year))}</h2>",
                  f'<p class="gp-note">'
                  f"{_esc(_t('review_note', lang, date=result.review_date.isoformat()))}</p>",
                  _table(head, rows, numeric={1, 2, 3, 4, 5}, cls="gp-review-table"),
                  "</section>"]
    rows = []
    for r in _summary_rows(result):
        anchor = _esc(chart_name(r[0]).removeprefix("charts/").removesuffix(".png"))
        rows.append([f'<a href="#t-{anchor}"><code>{_esc(r[0])}</code></a><br>{_esc(r[1])}',
                     _esc(r[2]), _esc(r[3]), _esc(r[4]), _esc(r[5]), _esc(r[6]),
                     _badge(r[7], lang, r[9]) + (f'<br><span class="gp-note">{_esc(r[8])}</span>'
                                           if r[8] else "")])
    head = [_t(k, lang) for k in ("target_col", "baseline", "latest", "path_value", "goal",
                                  "year_col", "status")]
    parts += ['<section class="gp-summary">', f"<h2>{_esc(_t('summary', lang))}</h2>",
              _table(head, rows, numeric={1, 2, 3}, cls="gp-summary-table"), "</section>",
              '<section class="gp-targets">', f"<h2>{_esc(_t('targets', lang))}</h2>"]
    for t in result.trajectories:
        anchor = _esc(chart_name(t.key).removeprefix("charts/").removesuffix(".png"))
        head_html = (f'<article class="gp-target" id="t-{anchor}"><h3>'
                     f"<code>{_esc(t.key)}</code> {_esc(t.goal.title.get(lang))}</h3>")
        facts = [f"{_esc(_t('goal', lang))}: {_esc(describe_goal(t.goal, lang))}"
                 + (f" ({t.goal.year})" if t.goal.year is not None else ""),
                 f"{_esc(_t('status', lang))}: {_badge(t.status, lang, t.data_date)}",
                 f"{_esc(_t('source', lang))}: {_esc(t.goal.source.cite())}"]
        if _units_text(t, lang):
            facts.append(_esc(_units_text(t, lang)))
        note = _notes(t, lang)
        if note:
            facts.append(f'<span class="gp-note">{_esc(_t("notes", lang))}: {_esc(note)}</span>')
        parts.append(head_html + "<p>" + "<br>".join(facts) + "</p>")
        png = result.charts.get(t.key)
        if png is not None:
            data = base64.b64encode(png).decode("ascii")
            alt = _t("chart_alt", lang, title=t.goal.title.get(lang))
            parts.append(f'<img class="gp-chart" alt="{_esc(alt)}" width="640" height="280" '
                         f'src="data:image/png;base64,{data}">')
        series = _series_rows(t, lang)
        if series:
            head = [_t("date", lang), _t("value", lang), _t("run_status", lang)]
            parts.append(_table(head, [[_esc(c) for c in r] for r in series], numeric={1},
                                cls="gp-series"))
        else:
            parts.append(f'<p class="gp-note">{_esc(_t("no_values", lang))}</p>')
        parts.append("</article>")
    parts += ["</section>", "<footer>",
              _esc(_t("generated", lang, version=result.geoplan_version,
                      history=result.history_path.name)),
              "</footer></body></html>"]
    return "\n".join(parts) + "\n"
