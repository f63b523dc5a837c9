"""Writing Arrow tables in the three file formats of ``docs/data-format.md``.

* Parquet keeps native types (lists, nested prior trades, dates, booleans).
* CSV follows the cell conventions: lists joined by ``;``, prior trades as a JSON array in
  the cell, booleans ``true``/``false``, dates ISO, empty cells for nulls.
* JSON Lines uses JSON arrays and nested objects, ISO date strings and ``null``.

All conversions are Arrow compute kernels (or pandas' C JSON writer), so a million rows are
written in seconds, and the bytes depend only on the table: same table, same file.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

_JSONL_CHUNK_ROWS = 200_000


class FileFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    PARQUET = "parquet"


def _json_string(values: pa.Array) -> pa.Array:
    """Quote and escape strings as JSON literals (``null`` for nulls).

    Generated text has no control characters, so escaping backslashes and quotes suffices;
    anything else is refused rather than written as invalid JSON.
    """
    if pc.any(pc.match_substring_regex(values, r"[\x00-\x1f]")).as_py():
        raise ValueError("a text value contains a control character; cannot write it as JSON")
    escaped = pc.replace_substring(pc.replace_substring(values, "\\", "\\\\"), '"', '\\"')
    quoted = pc.binary_join_element_wise('"', escaped, '"', "")
    return pc.if_else(pc.is_null(values), "null", quoted)


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _struct_list_json(column: pa.ChunkedArray) -> pa.Array:
    """A ``list<struct>`` column as JSON array text, keys in field order."""
    lists = column.combine_chunks()
    structs = lists.flatten()
    pieces: list[pa.Array | str] = ["{"]
    for i, struct_field in enumerate(structs.type):
        values = structs.field(i)
        rendered = (_json_string(values) if pa.types.is_string(struct_field.type)
                    else pc.if_else(pc.is_null(values), "null", pc.cast(values, pa.string())))
        pieces += [("" if i == 0 else ", ") + f'"{struct_field.name}": ', rendered]
    pieces.append("}")
    objects = _join(*pieces) if len(structs) else pa.array([], pa.string())
    rebuilt = pa.ListArray.from_arrays(lists.offsets, objects)
    return _join("[", pc.binary_join(rebuilt, ", "), "]")


def csv_cells(table: pa.Table) -> pa.Table:
    """The table with every list column rendered as a CSV cell (``;`` list or JSON array)."""
    columns = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_list(column.type) and pa.types.is_struct(column.type.value_type):
            column = _struct_list_json(column)
        elif pa.types.is_list(column.type):
            column = pc.binary_join(column, ";")
        columns.append((name, column))
    return pa.table(dict(columns))


def write_csv(table: pa.Table, path: Path) -> None:
    options = pa_csv.WriteOptions(include_header=True, quoting_style="needed")
    pa_csv.write_csv(csv_cells(table), path, write_options=options)


def write_jsonl(table: pa.Table, path: Path) -> None:
    """One JSON object per line; written in chunks to bound memory."""
    dated = pa.table({
        name: pc.cast(column, pa.string()) if pa.types.is_date(column.type) else column
        for name, column in zip(table.column_names, table.columns, strict=True)
    })
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for start in range(0, dated.num_rows, _JSONL_CHUNK_ROWS):
            frame = dated.slice(start, _JSONL_CHUNK_ROWS).to_pandas()
            out.write(frame.to_json(orient="records", lines=True, force_ascii=False,
                                    double_precision=10))


def write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd")


_WRITERS = {
    FileFormat.CSV: write_csv,
    FileFormat.JSONL: write_jsonl,
    FileFormat.PARQUET: write_parquet,
}


def write_table(table: pa.Table, path: Path, fmt: FileFormat) -> None:
    """Write ``table`` to ``path`` in ``fmt``."""
    _WRITERS[fmt](table, path)
