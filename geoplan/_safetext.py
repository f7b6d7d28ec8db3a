"""Data text made safe for the reader it goes to: a terminal, Markdown, a spreadsheet.

Names, titles and notes come from files that geoplan's users exchange (a ward's GeoPackage, a
recipe, a history), so they may hold text that attacks whoever reads the output: escape
sequences that rewrite a terminal, Markdown that turns into a ``javascript:`` link, a CSV cell
that a spreadsheet runs as a formula. Every writer of such an output passes data text through
one of the functions here, and nowhere else is this done:

* :func:`terminal_text`: C0/C1 control characters (ESC, CR, BEL, ...) and bidirectional
  overrides shown as visible escapes (``\\x1b``, ``\\u202e``) instead of being sent raw.
* :func:`markdown_text` and :func:`markdown_code`: text for Markdown paragraphs, headings and
  table cells (HTML escaped, Markdown punctuation escaped, one line) and for code spans.
* :func:`spreadsheet_text` and :func:`neutralise_formulas`: a cell that a spreadsheet would
  read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) gets a leading apostrophe, the
  convention spreadsheet tools expect; numbers stay numbers.

HTML outputs escape with :func:`html.escape` at the point where text enters markup (see
:mod:`geoplan.maps._elements`).
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "markdown_code",
    "markdown_text",
    "neutralise_formulas",
    "spreadsheet_text",
    "terminal_text",
    "undecodable_text",
]

#: C0 controls except tab and line feed, DEL, C1 controls, and the Unicode bidirectional
#: embeddings, overrides and isolates (which reorder what a reader sees).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                      "\u2028\u2029]")
_CONTROL_OR_BREAK = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                               "\u2028\u2029]")
#: Characters that start Markdown inline constructs (links, emphasis, code, tables, strike);
#: ``<``, ``>`` and ``&`` are HTML-escaped instead.
#: (``_`` inside a word, as in ``admin_units``, is no emphasis in CommonMark and stays.)
_MARKDOWN_PUNCT = re.compile(r"([\\`*\[\]|~]|(?<!\w)_|_(?!\w))")
#: A block marker at the start of a line (heading, list, quote, numbered list).
_MARKDOWN_BLOCK = re.compile(r"^(#{1,6}(?=\s|$)|[-+](?=\s|$)|-{3,}|\d{1,9}(?=[.)](?:\s|$)))")
#: What a spreadsheet takes as the start of a formula (OWASP's list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(value: object, *, newlines: bool = True) -> str:
    """``value`` as text that cannot control a terminal.

    Parameters
    ----------
    value
        Any value; ``None`` gives ``""``.
    newlines
        Keep line feeds (and tabs) as they are; with ``False`` they are shown as ``\\x0a``.

    Returns
    -------
    str
        The text with every other control character shown as a visible escape.

    Examples
    --------
    >>> terminal_text("Ph\\u01b0\\u1eddng \\x1b[2J\\x07A")
    'Phường \\\\x1b[2J\\\\x07A'
    """
    text = "" if value is None else str(value)
    pattern = _CONTROL if newlines else _CONTROL_OR_BREAK
    return pattern.sub(_visible, text)


def undecodable_text(text: str) -> str:
    r"""``text`` with the bytes of a non-UTF-8 name shown as ``\xNN`` escapes.

    A file name that is not UTF-8 reaches Python decoded with ``surrogateescape`` (lone
    surrogates that cannot be printed or written); this shows the original bytes instead.

    Examples
    --------
    >>> print(undecodable_text(b"H\xe0 N\xf4i".decode("utf-8", "surrogateescape")))
    H\xe0 N\xf4i
    """
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def markdown_text(value: object) -> str:
    """``value`` as literal Markdown inline text: one line, nothing it could turn into.

    HTML is escaped (no raw tags, no ``<javascript:...>`` autolinks) and every character with
    a Markdown meaning is backslash-escaped, so ``[x](javascript:alert(1))`` is no link,
    ``**`` no emphasis and ``|`` no table column; line breaks become spaces and other control
    characters visible escapes.

    Parameters
    ----------
    value
        Any value; ``None`` gives ``""``.

    Returns
    -------
    str
        Text for a Markdown paragraph, heading, list item or table cell.

    Examples
    --------
    >>> print(markdown_text("[x](javascript:alert(1)) | <b>"))
    \\[x\\](javascript:alert(1)) \\| &lt;b&gt;
    """
    text = terminal_text(_one_line(value))
    text = _MARKDOWN_PUNCT.sub(r"\\\1", text)
    block = _MARKDOWN_BLOCK.match(text)
    if block:  # "- x", "# x", "1. x" would start a list or a heading
        cut = block.end() if block.group()[0].isdigit() else 0
        text = f"{text[:cut]}\\{text[cut:]}"
    return html.escape(text, quote=False)


def markdown_code(value: object) -> str:
    """``value`` as a Markdown code span, whatever backticks it holds.

    The fence is one backtick longer than the longest run inside (CommonMark's rule), with a
    space on each side; pipes are escaped for table cells.

    Examples
    --------
    >>> markdown_code("hn.rail_km@2030")
    '`hn.rail_km@2030`'
    >>> markdown_code("a`b")
    '`` a`b ``'
    """
    text = terminal_text(_one_line(value))
    text = text.replace("|", "\\|")
    runs = [len(r) for r in re.findall(r"`+", text)]
    if not runs:
        return f"`{text}`" if text else "` `"
    fence = "`" * (max(runs) + 1)
    return f"{fence} {text} {fence}"


def _one_line(value: object) -> str:
    return " ".join(("" if value is None else str(value)).split())


def spreadsheet_text(value: str) -> str:
    """Text that a spreadsheet shows as text, never runs as a formula.

    Examples
    --------
    >>> spreadsheet_text('=HYPERLINK("http://x","y")'), spreadsheet_text("Hà Nội")
    ('\\'=HYPERLINK("http://x","y")', 'Hà Nội')
    >>> spreadsheet_text("  @SUM(A1)")
    "'  @SUM(A1)"
    """
    if value.lstrip(" ").startswith(_FORMULA_START) or value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells pass :func:`spreadsheet_text` (numbers unchanged).

    Parameters
    ----------
    frame
        A table about to be written as CSV.

    Returns
    -------
    pandas.DataFrame
        The same table; only text cells that a spreadsheet would evaluate are changed.

    Examples
    --------
    >>> import pandas as pd
    >>> neutralise_formulas(pd.DataFrame({"t": ["+cmd|' /C calc'!A0", "ok"], "v": [-1.5, 2]}))
                         t    v
    0  '+cmd|' /C calc'!A0 -1.5
    1                   ok  2.0
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or str(out[column].dtype) in ("string", "str"):
            out[column] = out[column].map(_cell)
    out.columns = [_cell(c) for c in out.columns]
    return out


def _cell(value: Any) -> Any:
    return spreadsheet_text(value) if isinstance(value, str) else value
