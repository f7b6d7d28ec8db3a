"""Map and report labels in Vietnamese (the default) and English.

Every fixed piece of text a map shows comes from :data:`LABELS`; text that comes from data
(unit names, target titles, sources) is shown as given, HTML-escaped. Numbers, quantities and
targets are worded by :mod:`geoplan.analyses.wording`.

>>> label("stations", "vi")
'Ga đường sắt đô thị'
>>> label("stations", "en")
'Urban rail stations'
"""

from __future__ import annotations

from typing import Any

from geoplan import _choices
from geoplan.analyses.evaluate import STATUS_LABELS, STATUSES
from geoplan.analyses.wording import check_lang, format_number

__all__ = [
    "LABELS",
    "LANGS",
    "OLD_DATA_MARK",
    "PARTIAL_MARK",
    "coverage_text",
    "label",
    "reader_notes",
]

#: Mark beside every value that rests on partial coverage (scorecards, map popups, legends).
PARTIAL_MARK = "◐"
#: Mark beside every value that rests on data older than its target year (status
#: ``data older than target``, :mod:`geoplan.analyses.evaluate`), with the data date.
OLD_DATA_MARK = "⏱"

#: Languages a map can be drawn in (the first is the default).
LANGS = _choices.LANGS

#: Fixed map text: key → {language → text}.
LABELS: dict[str, dict[str, str]] = {
    # layers
    "admin_units": {"vi": "Đơn vị hành chính (phường, xã)",
                    "en": "Administrative units (wards, communes)"},
    "city_boundary": {"vi": "Ranh giới thành phố", "en": "City boundary"},
    "river_axis": {"vi": "Trục sông Hồng", "en": "Red River axis"},
    "river_corridors": {"vi": "Hành lang sông", "en": "River corridors"},
    "water": {"vi": "Mặt nước", "en": "Water"},
    "green_space": {"vi": "Không gian xanh", "en": "Green space"},
    "metro_lines": {"vi": "Đường sắt đô thị", "en": "Urban rail lines"},
    "stations": {"vi": "Ga đường sắt đô thị", "en": "Urban rail stations"},
    "bus_stops": {"vi": "Điểm dừng xe buýt", "en": "Bus stops"},
    "street_network": {"vi": "Mạng lưới đường phố", "en": "Street network"},
    "land_use": {"vi": "Sử dụng đất", "en": "Land use"},
    "population_raster": {"vi": "Lưới dân số", "en": "Population grid"},
    "metro_built": {"vi": "Đường sắt đô thị đang khai thác, đang xây dựng",
                    "en": "Urban rail: operating, under construction"},
    "metro_planned": {"vi": "Đường sắt đô thị quy hoạch", "en": "Urban rail: planned"},
    "stations_built": {"vi": "Ga đang khai thác, đang xây dựng",
                       "en": "Stations: operating, under construction"},
    "stations_planned": {"vi": "Ga quy hoạch", "en": "Stations: planned"},
    "planned_colours": {
        "vi": "Tuyến quy hoạch: mỗi tuyến một màu, tên tuyến khi rê chuột.",
        "en": "Planned lines: one colour per line; hover for its name.",
    },
    "catchment_operating": {
        "vi": "Vùng phục vụ 1 km quanh ga đang khai thác (đường chim bay)",
        "en": "1 km catchment of operating stations (straight line)",
    },
    "catchment_network": {
        "vi": "Vùng đi bộ 1 km theo đường phố quanh ga đang khai thác",
        "en": "1 km walk along streets from operating stations",
    },
    "catchment_year": {
        "vi": "Vùng đi bộ 1 km quanh các ga vận hành đến năm {year}",
        "en": "1 km walk from the stations in service by {year}",
    },
    "catchment_plan": {
        "vi": "Vùng đi bộ 1 km khi hoàn thành {plan}",
        "en": "1 km walk at the build-out of {plan}",
    },
    "catchment_full": {
        "vi": "Vùng đi bộ 1 km khi hoàn thành mọi tuyến quy hoạch",
        "en": "1 km walk at the build-out of every planned line",
    },
    "catchment_scenario_code": {"vi": "Mã kịch bản", "en": "Scenario code"},
    "catchment_scenario_name": {"vi": "Kịch bản", "en": "Scenario"},
    "catchment_people": {"vi": "Số người trong vùng đi bộ", "en": "People within walking distance"},
    "catchment_distance": {"vi": "Quãng đường đi bộ (m)", "en": "Walking distance (m)"},
    "catchment_people_note": {
        "vi": "Vùng đi bộ: xem từng kịch bản (hiện nay, năm mục tiêu, hoàn thành từng quy "
              "hoạch) trong danh sách lớp, mỗi lần một kịch bản; số người là dân số trong "
              "vùng, tính ở các đơn vị có mạng lưới đường phố.",
        "en": "Walking catchments: one scenario at a time (now, the target year, the "
              "build-out of each plan) from the layer list; people are those inside, in "
              "units the street network covers.",
    },
    "catchment_all": {
        "vi": "Vùng phục vụ 1 km quanh mọi ga, kể cả quy hoạch (đường chim bay)",
        "en": "1 km catchment of all stations, incl. planned (straight line)",
    },
    "catchment_bus": {
        "vi": "Vùng phục vụ 500 m quanh điểm dừng xe buýt (đường chim bay)",
        "en": "500 m catchment of bus stops (straight line)",
    },
    "catchment": {"vi": "Vùng phục vụ giao thông công cộng", "en": "Transit catchment"},
    # statuses of lines and stations
    "operating": {"vi": "đang khai thác", "en": "operating"},
    "under_construction": {"vi": "đang xây dựng", "en": "under construction"},
    "planned": {"vi": "quy hoạch", "en": "planned"},
    # fields
    "name": {"vi": "Tên", "en": "Name"},
    "unit_id": {"vi": "Mã đơn vị", "en": "Unit code"},
    "unit_type": {"vi": "Loại", "en": "Type"},
    "kind": {"vi": "Loại", "en": "Kind"},
    "population": {"vi": "Dân số (2019)", "en": "Population (2019)"},
    "inner": {"vi": "Nội thành", "en": "Inner city"},
    "yes": {"vi": "có", "en": "yes"},
    "no": {"vi": "không", "en": "no"},
    "line": {"vi": "Tuyến", "en": "Line"},
    "status": {"vi": "Tình trạng", "en": "Status"},
    "plan": {"vi": "Quy hoạch", "en": "Plan"},
    "opening_date": {"vi": "Ngày khai thác", "en": "Opened"},
    "target_year": {"vi": "Năm dự kiến", "en": "Target year"},
    "length_km": {"vi": "Chiều dài (km)", "en": "Length (km)"},
    "approximate": {
        "vi": "Tuyến/vị trí gần đúng (theo sơ đồ quy hoạch)",
        "en": "Approximate alignment/location (from plan diagrams)",
    },
    # ranking of a plan's lines (geoplan scenarios --out)
    "ranking_title": {"vi": "Tuyến nào trước", "en": "Which line first"},
    "ranking_layer": {"vi": "Xếp hạng tuyến quy hoạch (dân số thêm / km)",
                      "en": "Planned lines ranked (people added per km)"},
    "ranking_subtitle": {
        "vi": "Dân số thêm trong phạm vi đi bộ {distance} m đến ga, so với các tuyến đang "
              "khai thác; mỗi tuyến được thêm riêng",
        "en": "People newly within {distance} m walking of a station, marginal to the lines "
              "in service; each line added alone",
    },
    "rank": {"vi": "Thứ hạng", "en": "Rank"},
    "added_population": {"vi": "Dân số thêm", "en": "People added"},
    "added_per_km": {"vi": "Dân số thêm / km", "en": "People added per km"},
    "stations_measured": {"vi": "Ga (đo được)", "en": "Stations (measured)"},
    "not_measured": {"vi": "Ga ngoài mạng đường phố (không đo)",
                     "en": "Stations beyond the mapped streets (not measured)"},
    "unranked": {"vi": "Không xếp hạng (không có ga đo được)",
                 "en": "Not ranked (no measured station)"},
    "in_service_covered": {"vi": "Dân số trong phạm vi các ga đang khai thác",
                           "en": "People within reach of the stations in service"},
    "indicator": {"vi": "Chỉ tiêu", "en": "Indicator"},
    "value": {"vi": "Giá trị", "en": "Value"},
    "target": {"vi": "Mục tiêu", "en": "Target"},
    "gap": {"vi": "Chênh lệch", "en": "Gap"},
    "year": {"vi": "Năm", "en": "Year"},
    "source": {"vi": "Nguồn", "en": "Source"},
    "method": {"vi": "Phương pháp", "en": "Method"},
    "units_met": {"vi": "Số đơn vị đạt", "en": "Units meeting the target"},
    "progress": {"vi": "Tiến độ", "en": "Progress"},
    "path_value": {"vi": "Theo lộ trình", "en": "On the path"},
    "baseline": {"vi": "Mốc cơ sở", "en": "Baseline"},
    "progress_per_unit": {"vi": "Tiến độ theo đơn vị", "en": "Progress per unit"},
    "progress_city": {
        "vi": "Chỉ tiêu toàn thành phố: các đơn vị không có đánh giá riêng; tiến độ là của "
              "cả thành phố.",
        "en": "City-wide target: units have no verdict of their own; the progress is the "
              "whole city's.",
    },
    "progress_inner": {
        "vi": "Chỉ tiêu nội thành: các đơn vị không có đánh giá riêng; tiến độ là của cả "
              "nội thành (các đơn vị viền đậm).",
        "en": "Inner-city target: units have no verdict of their own; the progress is the "
              "whole inner city's (units outlined).",
    },
    "in_scope": {"vi": "Trong phạm vi chỉ tiêu", "en": "Within the target's scope"},
    "whole_city": {"vi": "cả thành phố", "en": "whole city"},
    "inner_city": {"vi": "cả nội thành", "en": "whole inner city"},
    "outside_scope": {"vi": "Ngoài phạm vi chỉ tiêu", "en": "Outside the target's scope"},
    "progress_path": {
        "vi": "Lộ trình: đường thẳng từ mốc cơ sở đến mục tiêu vào cuối năm mục tiêu.",
        "en": "Path: straight line from the baseline to the target at the end of its year.",
    },
    # panels
    "map_title_bundle": {"vi": "Các lớp dữ liệu", "en": "Data layers"},
    "map_title_run": {"vi": "Đánh giá chỉ tiêu quy hoạch", "en": "Planning targets assessed"},
    "as_of": {"vi": "Ngày đánh giá", "en": "As of"},
    "scorecard": {"vi": "Bảng đánh giá chỉ tiêu", "en": "Scorecard"},
    "legend": {"vi": "Chú giải", "en": "Legend"},
    "zoom_in": {"vi": "Phóng to", "en": "Zoom in"},
    "timeline": {"vi": "Ngày theo dõi", "en": "Snapshot date"},
    "status_on": {"vi": "Tiến độ ngày", "en": "Progress on"},
    "zoom_out": {"vi": "Thu nhỏ", "en": "Zoom out"},
    "layers": {"vi": "Các lớp bản đồ", "en": "Map layers"},
    "unit_names": {"vi": "Tên phường, xã", "en": "Ward and commune names"},
    "streets_main": {
        "vi": "Chỉ vẽ đường trục chính ({shown} trong {total} đoạn đường): mạng lưới đầy đủ "
              "quá lớn cho một trang bản đồ.",
        "en": "Main roads only ({shown} of {total} street edges): the full network is too "
              "large for one map page.",
    },
    "land_use_other": {"vi": "loại khác", "en": "other uses"},
    "classes_quantiles": {"vi": "lớp phân vị (số đơn vị mỗi lớp gần bằng nhau)",
                          "en": "quantile classes (about as many units in each)"},
    "classes_natural_breaks": {"vi": "lớp ngắt tự nhiên (Fisher–Jenks)",
                               "en": "natural-break classes (Fisher–Jenks)"},
    "classes_equal_interval": {"vi": "lớp khoảng đều", "en": "equal-interval classes"},
    "classes_user": {"vi": "ngưỡng lớp do người dùng chọn", "en": "user-chosen class breaks"},
    "symbols_note": {
        "vi": "Số đếm vẽ bằng vòng tròn tỉ lệ (diện tích vòng tròn theo giá trị), "
              "không tô màu theo đơn vị.",
        "en": "Counts are drawn as proportional circles (circle area by value), not as "
              "coloured units.",
    },
    "missing_layers": {"vi": "Lớp không có dữ liệu", "en": "Layers with no data"},
    "value_classes": {"vi": "Giá trị theo đơn vị", "en": "Value per unit"},
    "city_target": {"vi": "Mục tiêu toàn thành phố", "en": "City-wide target"},
    "status_per_unit": {"vi": "Đánh giá theo đơn vị", "en": "Status per unit"},
    "no_tiles": {
        "vi": "Không dùng bản đồ nền: bản đồ hiển thị hoàn toàn ngoại tuyến.",
        "en": "No basemap: the map works fully offline.",
    },
    "tiles_osm": {"vi": "Bản đồ nền OpenStreetMap", "en": "OpenStreetMap basemap"},
    "tiles_carto": {"vi": "Bản đồ nền CARTO Positron", "en": "CARTO Positron basemap"},
    # coverage of the layers a value rests on
    "coverage": {"vi": "Độ phủ dữ liệu", "en": "Data coverage"},
    "coverage_full": {"vi": "đầy đủ", "en": "full"},
    "coverage_partial": {
        "vi": "◐ giá trị chỉ dựa trên {pct} {basis} (phần nằm trong vùng dữ liệu của {roles})",
        "en": "◐ the value rests on {pct} of the {basis} (inside the {roles} extent)",
    },
    "coverage_outside": {
        "vi": "không có giá trị: chỉ {pct} {basis} nằm trong vùng dữ liệu của {roles}",
        "en": "no value: only {pct} of the {basis} lies inside the {roles} extent",
    },
    "coverage_population": {"vi": "dân số", "en": "population"},
    "coverage_area": {"vi": "diện tích", "en": "area"},
    "data_extent": {"vi": "Vùng có dữ liệu", "en": "Data extent"},
    "data_extent_note": {
        "vi": "Đường nét đứt: ranh giới vùng có dữ liệu của lớp; ngoài đó không có giá trị "
              "(không phải bằng 0).",
        "en": "Dashed outline: the extent a layer's data cover; outside it there is no value "
              "(not zero).",
    },
    "data_date": {"vi": "Ngày dữ liệu", "en": "Data date"},
    # targets and the notes readers see (no English in Vietnamese, no commands, no paths)
    "note_missing_layer": {"vi": "không có dữ liệu: chưa có lớp {roles}",
                           "en": "no data: no {roles} layer"},
    "note_not_reported": {"vi": "chưa có số liệu báo cáo", "en": "not reported yet"},
    "note_no_value": {"vi": "không có giá trị", "en": "no value"},
    "note_estimate": {"vi": "giá trị ước tính (xem phương pháp)",
                      "en": "estimated value (see the method)"},
    "note_old_data": {
        "vi": "số liệu ngày {date} cũ hơn năm mục tiêu {year}: chưa thể cho biết mục tiêu "
              "đã đạt hay chưa",
        "en": "data of {date} are older than the target year {year}: they cannot show "
              "whether the target was met",
    },
    "note_reported": {"vi": "ghi chú của số liệu báo cáo: {note}",
                      "en": "note of the reported figure: {note}"},
    "layer_not_available": {"vi": "chưa có dữ liệu", "en": "no data yet"},
    # notes of the monitor's progress (geoplan.monitor.progress.progress_notes)
    "progress_no_value": {"vi": "chưa ghi nhận giá trị nào", "en": "no value recorded"},
    "progress_none_before": {"vi": "không có giá trị vào hoặc trước ngày {date}",
                             "en": "no value on or before {date}"},
    "progress_before_baseline": {"vi": "trước ngày gốc ({date}): chưa có lộ trình",
                                 "en": "before the baseline ({date}): no path yet"},
    "progress_first_value": {
        "vi": "chưa có giá trị vào ngày gốc; lộ trình bắt đầu từ giá trị đầu tiên ({date})",
        "en": "no value on the baseline date; the path starts from the first value ({date})",
    },
    "progress_old_data": {"vi": "số liệu ngày {date} cũ hơn năm mục tiêu {year}",
                          "en": "data of {date} are older than the target year {year}"},
    "progress_no_year": {"vi": "không có năm mục tiêu: không có lộ trình",
                         "en": "no target year: no path"},
    "progress_year_over": {"vi": "năm mục tiêu {year} đã qua",
                           "en": "target year {year} is over"},
    "display_note": {
        "vi": "Ranh giới được đơn giản hoá để hiển thị; số liệu tính trên hình học đầy đủ.",
        "en": "Boundaries simplified for display; figures computed on full geometry.",
    },
}
# target statuses: the one vocabulary of geoplan.analyses.evaluate, its labels
LABELS.update({status: {lang: STATUS_LABELS[lang][status] for lang in LANGS}
               for status in STATUSES})


def label(key: str, lang: str) -> str:
    """Return the fixed text ``key`` in ``lang`` (the key itself when it has no entry).

    Parameters
    ----------
    key
        A key of :data:`LABELS`.
    lang
        ``"vi"`` or ``"en"``.

    Returns
    -------
    str

    Examples
    --------
    >>> label("met", "vi")
    'đạt'
    """
    entry = LABELS.get(key)
    if entry is None:
        return key
    return entry.get(check_lang(lang), entry["en"])


def coverage_text(share: float, basis: str, roles: str, lang: str, *,
                  outside: bool = False) -> str:
    """The sentence flagging a value that rests on partial coverage, in ``lang``.

    Parameters
    ----------
    share
        Share (0–1) of the population or area the value rests on.
    basis
        ``"population"`` or ``"area"``.
    roles
        The layers whose extents set the coverage (``"bus_stops"``, several joined by
        ``/``); shown by their label in ``lang``.
    lang
        ``"vi"`` or ``"en"``.
    outside
        The unit has no value (mostly outside the extent).

    Returns
    -------
    str

    Examples
    --------
    >>> coverage_text(0.6955, "population", "bus_stops", "en")
    '◐ the value rests on 69.5 % of the population (inside the Bus stops extent)'
    >>> coverage_text(0.6955, "population", "bus_stops", "vi")
    '◐ giá trị chỉ dựa trên 69,5 % dân số (phần nằm trong vùng dữ liệu của Điểm dừng xe buýt)'
    """
    pct = f"{format_number(100.0 * share, lang, digits=1)} %"
    word = label(f"coverage_{basis}" if basis in ("population", "area")
                 else "coverage_population", lang)
    key = "coverage_outside" if outside else "coverage_partial"
    names = " / ".join(label(r, lang) for r in roles.split("/") if r) or "?"
    return label(key, lang).format(pct=pct, basis=word, roles=names)


def reader_notes(evaluation: Any, lang: str) -> list[str]:
    """The notes a reader of ``lang`` sees on one evaluated target, in ``lang`` only.

    Built from the evaluation's fields, not from its English ``note`` (which, with the
    commands that fill a missing layer and the recipe's path, stays in ``scorecard.csv``,
    ``provenance.json`` and the API): missing layers by their label, partial coverage,
    old data with its date, an estimate, a statistic not reported yet. Data text (a
    statistics file's own note) is returned as given; callers escape it for their format.

    Parameters
    ----------
    evaluation
        A :class:`~geoplan.analyses.evaluate.TargetEvaluation`.
    lang
        ``"vi"`` or ``"en"``.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from geoplan.analyses.scorecard import evaluate_recipe
    >>> run = evaluate_recipe("hanoi-02-nq-tw")
    >>> ev = {e.goal.key: e for e in run.evaluations}["hn.public_green"]
    >>> reader_notes(ev, "vi")
    ['không có dữ liệu: chưa có lớp Không gian xanh']
    """
    from geoplan.analyses.evaluate import NO_DATA
    from geoplan.analyses.recipe import Statistic

    lang = check_lang(lang)
    notes: list[str] = []
    if evaluation.missing_roles:
        roles = ", ".join(label(role, lang) for role in evaluation.missing_roles)
        notes.append(label("note_missing_layer", lang).format(roles=roles))
    elif evaluation.status == NO_DATA and isinstance(evaluation.goal, Statistic):
        notes.append(label("note_not_reported", lang))
    elif evaluation.status == NO_DATA and evaluation.value is None:
        notes.append(label("note_no_value", lang))
    if evaluation.is_partial and evaluation.value is not None:
        notes.append(coverage_text(evaluation.coverage or 0.0, evaluation.coverage_basis,
                                   "/".join(evaluation.coverage_roles), lang))
    if evaluation.is_stale:
        notes.append(label("note_old_data", lang).format(date=evaluation.data_date,
                                                          year=evaluation.goal.year))
    if evaluation.estimate:
        notes.append(label("note_estimate", lang))
    if evaluation.reported_note:
        notes.append(label("note_reported", lang).format(note=evaluation.reported_note))
    return notes
