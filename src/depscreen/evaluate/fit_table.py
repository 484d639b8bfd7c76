"""Terminal tables that fit the console width without cutting a name or a number.

A rich :class:`~rich.table.Table` that is wider than the terminal squeezes its columns
until ``tfidf-lr`` becomes ``t…`` and ``0.620 ± 0.030`` becomes ``0.6…``.
:class:`FitTable` instead picks, at render time and for the width it is given, the first
layout that shows every cell whole:

1. one row per item, cells in their full format (``0.620 ± 0.030``);
2. the same with compact cells (``0.62±0.03``);
3. transposed: one row per column, one column per item (full, then compact cells);
4. the columns split over several stacked tables, each repeating the key column;
5. a plain list (``item`` then one ``column  value`` line per cell).

Nothing is dropped: every layout carries every cell. Files (markdown, JSON) carry the
full table independently of this.

Example
-------
>>> from rich.console import Console
>>> table = FitTable(["model", "f1"], [["tfidf-lr", Cell("0.620 ± 0.030", "0.62±0.03")]])
>>> console = Console(width=40, record=True)
>>> console.print(table)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence, Union

__all__ = ["Cell", "FitTable"]


@dataclass(frozen=True)
class Cell:
    """One table cell with its formats, longest (most precise) first.

    Parameters
    ----------
    full : str
        The text shown when there is room.
    compact : str, optional
        A shorter text with the same meaning (fewer digits, no spaces); ``full`` if absent.
    bold : bool
        Emphasise the cell (the best value of a column).
    """

    full: str
    compact: str | None = None
    bold: bool = False

    def text(self, compact: bool) -> str:
        return (self.compact or self.full) if compact else self.full


CellLike = Union[Cell, str]


def _cell(value: CellLike) -> Cell:
    return value if isinstance(value, Cell) else Cell(str(value))


class FitTable:
    """A table that renders itself in the first layout that fits the console width.

    Parameters
    ----------
    columns : sequence of str
        Column headers.
    rows : sequence of sequences
        One list of cells (``str`` or :class:`Cell`) per row, as many as ``columns``.
    key_columns : int
        The leading columns that name a row (such as the model). They are repeated in
        every part of a split layout and become the headers of the transposed layout.
    title, caption : str, optional
        Shown above / below the table (they wrap between words when narrow).
    right_align : bool
        Right-align the non-key columns (numbers).
    """

    def __init__(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[CellLike]],
        *,
        key_columns: int = 1,
        title: str | None = None,
        caption: str | None = None,
        right_align: bool = True,
    ) -> None:
        self.columns = [str(c) for c in columns]
        self.rows = [[_cell(v) for v in row] for row in rows]
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"row {i + 1} has {len(row)} cells for {len(self.columns)} columns")
        if not 0 <= key_columns <= len(self.columns):
            raise ValueError(f"key_columns must be between 0 and {len(self.columns)}, got {key_columns}")
        self.key_columns = key_columns
        self.title = title
        self.caption = caption
        self.right_align = right_align

    # -- the layouts ---------------------------------------------------------------
    def _text(self, cell: Cell, compact: bool):
        from rich.text import Text

        return Text(cell.text(compact), style="bold" if cell.bold else "")

    def _table(self, columns: list[int], compact: bool, *, title: bool = True, caption: bool = True):
        """Rows as rows, with the given column indices."""
        from rich.table import Table

        table = Table(title=self.title if title else None, caption=self.caption if caption else None)
        for j in columns:
            key = j < self.key_columns
            table.add_column(
                self.columns[j], style="cyan" if key else None,
                justify="right" if self.right_align and not key else "left",
            )
        for row in self.rows:
            table.add_row(*[self._text(row[j], compact) for j in columns])
        return table

    def _row_name(self, i: int) -> str:
        if self.key_columns:
            return " ".join(self.rows[i][j].full for j in range(self.key_columns))
        return "value" if len(self.rows) == 1 else f"#{i + 1}"

    def _transposed(self, compact: bool):
        """One row per (non-key) column, one column per row."""
        from rich.table import Table

        table = Table(title=self.title, caption=self.caption)
        table.add_column("", style="cyan")  # the former headers sit in this column
        for i in range(len(self.rows)):
            table.add_column(self._row_name(i), justify="right" if self.right_align else "left")
        for j in range(self.key_columns, len(self.columns)):
            table.add_row(self.columns[j], *[self._text(row[j], compact) for row in self.rows])
        return table

    def _stacked(self):
        """The last resort: a plain list, one line per cell."""
        from rich.console import Group
        from rich.text import Text

        parts = [Text(self.title, style="italic")] if self.title else []
        value_cols = range(self.key_columns, len(self.columns))
        for i, row in enumerate(self.rows):
            parts.append(Text(self._row_name(i), style="bold cyan"))
            for j in value_cols:
                line = Text(f"  {self.columns[j]}  ")
                line.append_text(self._text(row[j], True))
                parts.append(line)
        if self.caption:
            parts.append(Text(self.caption, style="dim"))
        return Group(*parts)

    def layouts(self) -> Iterable[tuple[str, object]]:
        """Every candidate layout, in order of preference, as (name, renderable) pairs."""
        all_cols = list(range(len(self.columns)))
        yield "wide", self._table(all_cols, False)
        yield "wide-compact", self._table(all_cols, True)
        yield "transposed", self._transposed(False)
        yield "transposed-compact", self._transposed(True)

    # -- rich protocol -------------------------------------------------------------
    def choose(self, console, width: int | None = None) -> tuple[str, object]:
        """The layout rendered at ``width`` (default: the console's width)."""
        width = console.width if width is None else width
        for name, renderable in self.layouts():
            if _natural_width(console, renderable) <= width:
                return name, renderable
        split = self._split(console, width)
        if split is not None:
            return "split", split
        return "stacked", self._stacked()

    def _split(self, console, width: int):
        """Compact tables with as many columns as fit, each repeating the key columns."""
        from rich.console import Group

        keys = list(range(self.key_columns))
        rest = list(range(self.key_columns, len(self.columns)))
        parts: list[list[int]] = []
        current: list[int] = []
        for j in rest:
            trial = self._table(keys + current + [j], True, title=False, caption=False)
            if _natural_width(console, trial) <= width:
                current.append(j)
                continue
            if not current:
                return None  # one value column next to the key does not fit
            parts.append(current)
            current = [j]
            alone = self._table(keys + current, True, title=False, caption=False)
            if _natural_width(console, alone) > width:
                return None
        if current:
            parts.append(current)
        tables = [
            self._table(keys + cols, True, title=i == 0, caption=i == len(parts) - 1)
            for i, cols in enumerate(parts)
        ]
        return Group(*tables)

    def __rich_console__(self, console, options):
        _, renderable = self.choose(console, options.max_width)
        yield renderable

    def __rich_measure__(self, console, options):
        from rich.measure import Measurement

        _, renderable = self.choose(console, options.max_width)
        return Measurement.get(console, options, renderable)


def _natural_width(console, renderable) -> int:
    """The width ``renderable`` takes when nothing constrains it (rich clamps a
    measurement to the width it is given, so measure against a very wide page)."""
    from rich.measure import Measurement

    return Measurement.get(console, console.options.update_width(100_000), renderable).maximum
