"""The one YAML reader of geoplan (recipes, bundle manifests): bounded and with line numbers.

Every YAML text geoplan reads goes through :func:`read_yaml_file` (the file: a regular file of
at most :data:`MAX_BYTES`) and :func:`load_yaml` (the text). Both refuse what would make a
small file cost unbounded time or memory, or end in a traceback:

- nesting deeper than :data:`MAX_DEPTH` (PyYAML's composer recurses once per level);
- anchors and aliases (``&a`` / ``*a``) that expand to more than :data:`MAX_NODES` values
  ("billion laughs": ten lines of nested aliases stand for 10⁹ values), and an alias inside
  the node it names (a recursive structure);
- integers longer than :data:`MAX_DIGITS` digits (Python refuses to convert 4,300 digits and
  more, and no figure of a plan has more than a few);
- scalars that look like numbers or dates but are none (``2021-02-30``, ``!!int abc``,
  ``!!bool maybe``);
- every tag but the YAML core ones geoplan reads (:data:`ALLOWED_TAGS`: text, integer, number,
  boolean, null, date, sequence, mapping and the merge key ``<<``): ``!!binary`` would smuggle
  bytes in as text, ``!!set`` / ``!!omap`` / ``!!pairs`` build values no schema expects,
  ``!!python/...`` and local tags (``!foo``) name constructors that do not exist.

Each problem is reported with its line and key, all of a text together, as
:class:`YAMLContentError` (every scalar of an allowed tag is built once on its own first, and
any failure of the final construction is one too, never a traceback); the callers
(:func:`geoplan.analyses.recipe.parse_recipe`,
:func:`geoplan.layers.manifest.read_manifest`) turn it into their own error with the file
name. Malformed YAML (syntax) stays a ``yaml.YAMLError`` for the callers to report.

The text is parsed once as events (iteratively, counting depth and expanded size), then
composed and constructed once; the line-number walk visits each expanded node once, so the
work is linear in a size that is capped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ALLOWED_TAGS",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_NODES",
    "PathKey",
    "YAMLContentError",
    "YAMLDocument",
    "YAMLFileError",
    "dotted",
    "load_yaml",
    "read_small_file",
    "read_yaml_file",
]

#: Largest YAML file geoplan reads (recipes and manifests are a few tens of kB).
MAX_BYTES = 5_000_000
#: Deepest nesting of mappings and sequences (recipes and manifests use fewer than 10).
MAX_DEPTH = 64
#: Most values a document may hold once its aliases are expanded.
MAX_NODES = 200_000
#: Most digits of an integer.
MAX_DIGITS = 30

#: A key's place in the document: mapping keys and sequence indices from the root.
PathKey = tuple[str | int, ...]

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_BOOL = "tag:yaml.org,2002:bool"
_MERGE = "tag:yaml.org,2002:merge"
_CORE = "tag:yaml.org,2002:"
#: The tags a node may carry (resolved from plain YAML or written as ``!!int`` …); any other
#: tag is refused with its line and key.
ALLOWED_TAGS: frozenset[str] = frozenset(
    _CORE + name for name in ("str", "int", "float", "bool", "null", "timestamp", "seq",
                              "map", "merge"))
_COLLECTION_TAGS = {yaml.ScalarNode: frozenset(ALLOWED_TAGS - {_CORE + "seq", _CORE + "map"}),
                    yaml.SequenceNode: frozenset({_CORE + "seq"}),
                    yaml.MappingNode: frozenset({_CORE + "map"})}
_NODE_KIND = {yaml.ScalarNode: "a single value", yaml.SequenceNode: "a list",
              yaml.MappingNode: "a mapping"}
_KIND = {_INT: "an integer", _FLOAT: "a number", _BOOL: "a boolean"}
_DATE_FIX = "write dates as YYYY-MM-DD with a real day (quote a date that is not one)"


class YAMLFileError(ValueError):
    """A path that cannot be read as a YAML file (a folder, a FIFO, too large).

    ``str(error)`` says what the path is and the fix, without the path (the caller adds it).
    """


class YAMLContentError(ValueError):
    """A YAML text that parses but holds values geoplan refuses to load.

    Parameters
    ----------
    problems
        ``(line, message)`` pairs; each message names the key and the fix.
    """

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"line {line}: {msg}" for line, msg in problems))


@dataclass
class YAMLDocument:
    """A loaded YAML document with the line of every key.

    Attributes
    ----------
    data
        The constructed value (``None`` for an empty text).
    lines
        Line (1-based) of each key path (``("targets", 0, "value")``).
    duplicates
        Key paths given twice in one mapping, with the line of the repetition.
    """

    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)
    duplicates: list[tuple[PathKey, int]] = field(default_factory=list)


def dotted(path: PathKey) -> str:
    """A key path as ``targets[0].value`` (``""`` for the root).

    Examples
    --------
    >>> dotted(("targets", 0, "value"))
    'targets[0].value'
    """
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_yaml_file(path: Path, *, what: str) -> str:
    """The UTF-8 text of the YAML file ``path`` (a regular file of at most :data:`MAX_BYTES`).

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages (``"recipe"``, ``"manifest"``).

    Returns
    -------
    str

    Raises
    ------
    YAMLFileError
        If ``path`` is a folder, not a regular file (a FIFO would block the read, a device
        never end) or larger than :data:`MAX_BYTES`.
    FileNotFoundError, UnicodeDecodeError, OSError
        As ``open`` and ``bytes.decode`` raise them (the callers name the file and the fix).
    """
    return read_small_file(path, what=what, kind=f"{what} .yaml file").decode("utf-8")


def read_small_file(path: Path, *, what: str, kind: str) -> bytes:
    """The bytes of the small input file ``path``: a regular file of at most :data:`MAX_BYTES`.

    The one bounded read of the files a user writes by hand: recipes and manifests
    (:func:`read_yaml_file`) and statistics CSV files
    (:func:`geoplan.analyses.statistics_file.read_reported_statistics`).

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages (``"recipe"``, ``"statistics file"``).
    kind
        What to give instead, for messages (``"recipe .yaml file"``).

    Returns
    -------
    bytes

    Raises
    ------
    YAMLFileError
        If ``path`` is a folder, not a regular file (a FIFO would block the read, a device
        never end) or larger than :data:`MAX_BYTES`; the message leaves out the path.
    FileNotFoundError, OSError
        As ``open`` raises them (the callers name the file and the fix).
    """
    from geoplan.io import file_kind

    found = file_kind(path)  # by stat alone: a FIFO or a device is never opened
    if found == "missing":
        raise FileNotFoundError(2, "No such file or directory", str(path))
    if found is not None:
        message = f"is {found}, not a regular file; give the path of a {kind}"
        raise YAMLFileError(message)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        message = (f"is larger than {MAX_BYTES // 1_000_000} MB; a {what} is a few tens of kB: "
                   f"give the right file")
        raise YAMLFileError(message)
    return data


def _check_events(text: str) -> None:
    """Refuse deep nesting and alias bombs from the event stream (no recursion, no tree)."""
    sizes: dict[str, int] = {}
    stack: list[tuple[str | None, int]] = []  # (anchor, expanded size so far) per collection
    total = 0
    open_anchors: set[str] = set()

    def add(n: int, mark: Any) -> None:
        nonlocal total
        total += n
        if stack:
            anchor, size = stack[-1]
            stack[-1] = (anchor, size + n)
        if total > MAX_NODES:
            message = (f"the document expands to more than {MAX_NODES:,} values through "
                       "anchors and aliases (&name / *name); write the values out instead "
                       "of nesting aliases")
            raise YAMLContentError([(mark.line + 1, message)])

    for event in yaml.parse(text, Loader=_LOADER):
        mark: Any = event.start_mark
        if isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                sizes[event.anchor] = 1
            add(1, mark)
        elif isinstance(event, yaml.AliasEvent):
            anchor = str(event.anchor)
            if anchor in open_anchors:
                message = (f"alias *{anchor} is inside the node &{anchor} it names (a "
                           "recursive structure); write the value out")
                raise YAMLContentError([(mark.line + 1, message)])
            add(sizes.get(anchor, 1), mark)
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                message = (f"nesting deeper than {MAX_DEPTH} levels; a recipe or manifest "
                           "needs fewer than 10: fix the brackets or indentation")
                raise YAMLContentError([(mark.line + 1, message)])
            add(1, mark)
            stack.append((event.anchor, 1))
            if event.anchor is not None:
                open_anchors.add(event.anchor)
        elif isinstance(event, yaml.CollectionEndEvent):
            named, size = stack.pop()
            if named is not None:
                sizes[named] = size
                open_anchors.discard(named)
            if stack:  # the parent holds the whole collection (its start was counted)
                parent, parent_size = stack[-1]
                stack[-1] = (parent, parent_size + size - 1)


def _short_tag(tag: str) -> str:
    """A tag as written: ``!!binary`` for the core ones, ``!foo`` / ``!<uri>`` otherwise."""
    if tag.startswith(_CORE):
        return "!!" + tag.removeprefix(_CORE)
    return tag if tag.startswith("!") else f"!<{tag}>"


def _tag_problem(node: yaml.Node, where: str) -> str | None:
    """Why the tag of ``node`` is refused (``None`` for an allowed tag)."""
    tag = str(node.tag)
    if tag in _COLLECTION_TAGS[type(node)]:
        return None
    if tag in ALLOWED_TAGS:  # e.g. !!int on a list, !!map on a text
        return (f"{where}: the YAML tag {_short_tag(tag)} cannot be put on "
                f"{_NODE_KIND[type(node)]}; remove the tag")
    return (f"{where}: the YAML tag {_short_tag(tag)[:60]} is not allowed (geoplan reads plain "
            "text, numbers, booleans, dates, lists and mappings only); remove the tag, or "
            "quote the value to keep it as text")


def _scalar_problem(loader: yaml.SafeLoader, node: yaml.ScalarNode, where: str) -> str | None:
    """Why a scalar cannot be constructed (``None`` when it can): tag, digits, value."""
    tag_problem = _tag_problem(node, where)
    if tag_problem is not None:
        return tag_problem
    value = str(node.value)
    if node.tag == _INT:
        digits = sum(c.isalnum() for c in value)  # hex digits too (and the x of 0x)
        if digits > MAX_DIGITS:
            return (f"{where}: an integer of {digits:,} digits ({value[:12]}…); numbers have "
                    f"at most {MAX_DIGITS} digits: fix the value")
    if node.tag == _MERGE:  # ``<<``: merged by the mapping that holds it
        return None
    try:  # every allowed scalar tag, once on its own: a failure is this key's problem
        loader.construct_object(node)
    except Exception as exc:  # any constructor failure is a problem, not a crash
        reason = f" ({exc})" if isinstance(exc, ValueError | OverflowError) else ""
        if node.tag == _TIMESTAMP:
            return f"{where}: {value[:40]!r} is not a real date{reason}; {_DATE_FIX}"
        if node.tag == _BOOL:
            return f"{where}: {value[:40]!r} is not a boolean; write true or false"
        kind = _KIND.get(str(node.tag), f"a {_short_tag(str(node.tag))} value")
        return f"{where}: {value[:40]!r} is not {kind}{reason}; fix the value"
    return None


def _walk(loader: yaml.SafeLoader, root: yaml.Node, doc: YAMLDocument) -> list[tuple[int, str]]:
    """Lines and duplicate keys of every path; refused tags and scalars that cannot be built.

    Iterative; aliases are visited once per use, which :func:`_check_events` has bounded.
    """
    problems: list[tuple[int, str]] = []
    lines = doc.lines
    stack: list[tuple[yaml.Node, PathKey]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            where = dotted(path) or "document root"
            problem = (f"{where}: the YAML tag !!merge belongs on a << key only; remove the tag"
                       if node.tag == _MERGE else _scalar_problem(loader, node, where))
            if problem is not None:
                problems.append((node.start_mark.line + 1, problem))
            continue
        problem = _tag_problem(node, dotted(path) or "document root")
        if problem is not None:
            problems.append((node.start_mark.line + 1, problem))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            children: list[tuple[yaml.Node, PathKey]] = []
            for key_node, value_node in node.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                child = (*path, key)
                if isinstance(key_node, yaml.ScalarNode):
                    problem = _scalar_problem(loader, key_node, f"key {dotted(child)}")
                else:  # a list or mapping as key: its tag here, PyYAML refuses it as a key
                    problem = _tag_problem(key_node, f"key {dotted(child)}")
                if problem is not None:
                    problems.append((key_node.start_mark.line + 1, problem))
                if key in seen:
                    doc.duplicates.append((child, key_node.start_mark.line + 1))
                seen.add(key)
                lines[child] = key_node.start_mark.line + 1
                children.append((value_node, child))
            stack.extend(reversed(children))
        elif isinstance(node, yaml.SequenceNode):
            children = []
            for i, item in enumerate(node.value):
                lines[(*path, i)] = item.start_mark.line + 1
                children.append((item, (*path, i)))
            stack.extend(reversed(children))
    return problems


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """The document of ``node``; a constructor failure the walk did not foresee is a problem.

    PyYAML's own ``ConstructorError`` (an unhashable key, a merge of a non-mapping) keeps its
    mark and stays a ``yaml.YAMLError`` (malformed YAML for the callers); any other exception
    of a constructor becomes a :class:`YAMLContentError` with the line of the document, not a
    traceback.
    """
    try:
        return loader.construct_document(node)
    except (yaml.YAMLError, RecursionError):
        raise
    except Exception as exc:  # last resort: a problem, never a traceback
        message = (f"a value cannot be read ({type(exc).__name__}: {str(exc)[:80]}); fix the "
                   "value or remove its YAML tag")
        raise YAMLContentError([(node.start_mark.line + 1, message)]) from None


def load_yaml(text: str) -> YAMLDocument:
    """Load one YAML document safely, with the line of every key.

    Parameters
    ----------
    text
        The YAML text (at most :data:`MAX_BYTES` characters are sensible; the callers read
        files through :func:`read_yaml_file`).

    Returns
    -------
    YAMLDocument

    Raises
    ------
    yaml.YAMLError
        For malformed YAML (with ``problem_mark`` when PyYAML knows the place).
    YAMLContentError
        For nesting, alias expansion, integers or dates beyond the limits of the module
        docstring; every scalar problem of the text is listed.

    Examples
    --------
    >>> load_yaml("a: {b: 2030}").data
    {'a': {'b': 2030}}
    >>> load_yaml("date: 2021-02-30")
    Traceback (most recent call last):
    geoplan._yaml.YAMLContentError: line 1: date: '2021-02-30' is not a real date ...
    """
    if len(text) > MAX_BYTES:
        message = f"the text is longer than {MAX_BYTES:,} characters; give the right file"
        raise YAMLContentError([(1, message)])
    _check_events(text)
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        doc = YAMLDocument(None)
        if node is None:
            return doc
        problems = _walk(loader, node, doc)
        if problems:
            raise YAMLContentError(sorted(problems))
        loader.constructed_objects.clear()  # built once more, as a whole, below
        doc.data = _construct(loader, node)
        return doc
    except RecursionError:  # pragma: no cover - bounded by MAX_DEPTH above
        message = f"nesting too deep; a recipe or manifest needs fewer than {MAX_DEPTH} levels"
        raise YAMLContentError([(1, message)]) from None
    finally:
        loader.dispose()
