"""The built-in sources, on the :class:`ftcore.api.Source` contract.

Each reader ``read_x(args, ctx)`` yields a :class:`~ftcore.api.SourceRow` for every row: its
location (``path:line`` for line-based files — jsonl, csv, text — and ``path#index`` for
row-indexed ones — json, parquet, saved and hub datasets), the row as JSON object text, or why
the row could not be read (invalid JSON, not valid UTF-8...). Reading problems that concern a
whole file (it is empty, it is not JSON at all) raise :class:`RunError`. A file parameter is
declared with ``FilePath``: the reader finds its absolute path in ``ctx.paths`` and shows the
path as the recipe wrote it. The classes at the end are the ``impl`` each source registers.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional

from ftcore.api import RunError, Source, SourceContext, SourceRow

Row = SourceRow


def _decode(raw: bytes, where: str) -> tuple[str, str]:
    """Decode UTF-8; return (text, error). The error names the character column of the bad byte."""
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError as exc:
        column = len(raw[: exc.start].decode("utf-8", errors="replace")) + 1
        return "", f"not valid UTF-8: byte 0x{raw[exc.start]:02x} at column {column}"


def _json_problem(exc: json.JSONDecodeError) -> str:
    """``invalid JSON: <what> at column N`` without doubling json's own trailing "at"."""
    what = exc.msg[:-3] if exc.msg.endswith(" at") else exc.msg
    return f"invalid JSON: {what} at column {exc.colno}"


def _physical_lines(raw: bytes) -> list[bytes]:
    """Split one ``\n``-ended chunk further at lone ``\r`` (old Mac line ends), keeping every line end."""
    if b"\r" not in raw.rstrip(b"\r\n"):
        return [raw]
    return [piece for piece in re.split(rb"(?<=\r)(?!\n)", raw) if piece]


DEEP = "nested too deeply to read (more levels of [ and { than Python can follow)"
MAX_LINE_BYTES = 1 << 20  # a longer line is a row error: it would be cut to max_length tokens anyway


def _bounded_lines(f) -> Iterator[tuple[Optional[bytes], int]]:
    """``(line, size)`` for each line of a binary file; a line over :data:`MAX_LINE_BYTES` (its end not
    counted) comes as ``(None, size)`` and is skipped without being held in memory whole."""
    while True:
        raw = f.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        if len(raw) <= MAX_LINE_BYTES or (raw.endswith(b"\n") and len(raw) == MAX_LINE_BYTES + 1):
            yield raw, len(raw)
            continue
        size = len(raw)
        while not raw.endswith(b"\n"):
            raw = f.readline(MAX_LINE_BYTES)
            if not raw:
                break
            size += len(raw)
        yield None, size


def _too_long(size: int) -> str:
    return (f"the line has {size:,} bytes; a row may have at most {MAX_LINE_BYTES:,} (1 MiB): split the text, "
            "or shorten it (it would be cut to max_length tokens anyway)")


def _require_content(path: Path, shown: str) -> None:
    if not path.exists():
        raise RunError(f"{shown}: no such file", "check the path; it is relative to the recipe's folder")
    if path.is_file() and path.stat().st_size == 0:
        raise RunError(f"{shown}:1: the file is empty", "fill it, or remove the source from the recipe")


def read_jsonl(args: Mapping[str, Any], ctx: SourceContext) -> Iterator[Row]:
    """JSON Lines: one object per line; blank lines are counted (``blank_lines``) and skipped."""
    path, shown = Path(ctx.paths["path"]), args["path"]
    _require_content(path, shown)
    with open(path, "rb") as f:
        for number, (raw, size) in enumerate(_bounded_lines(f), 1):
            where = f"{shown}:{number}"
            if raw is None:
                yield SourceRow(where, error=_too_long(size))
                continue
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            text, error = _decode(raw, where)
            if error:
                yield SourceRow(where, error=error)
                continue
            text = text.rstrip("\r\n")
            if not text.strip():
                ctx.count("blank_lines")
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                yield SourceRow(where, error=_json_problem(exc))
                continue
            except RecursionError:
                yield SourceRow(where, error=f"invalid JSON: {DEEP}")
                continue
            if not isinstance(value, dict):
                yield SourceRow(where, error=f"a row must be a JSON object, got {_json_kind(value)}")
                continue
            yield SourceRow(where, text.strip())


def read_json(args: Mapping[str, Any], ctx: SourceContext) -> Iterator[Row]:
    """A JSON list of objects (or an object holding the list under ``field``)."""
    path, shown = Path(ctx.paths["path"]), args["path"]
    _require_content(path, shown)
    raw = path.read_bytes()
    text, error = _decode(raw, shown)
    if error:
        raise RunError(f"{shown}:{_line_of_bad_byte(raw)}: {error}", "save the file as UTF-8")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RunError(f"{shown}:{exc.lineno}: {_json_problem(exc)}",
                       "fix the file, or use jsonl(...) for one object per line") from None
    except RecursionError:
        raise RunError(f"{shown}: {DEEP}", "fix the file, or use jsonl(...) so one bad row is one row error") \
            from None
    field = args.get("field") or ""
    if field:
        if not isinstance(value, dict) or field not in value:
            raise RunError(f'{shown}: the file has no top-level key "{field}"',
                           f"keys: {', '.join(list(value)[:10])}" if isinstance(value, dict) else None)
        value = value[field]
    if not isinstance(value, list):
        raise RunError(f"{shown}: expected a list of rows, got {_json_kind(value)}",
                       'name the key holding the rows: json("file.json", field: "rows")')
    if not value:
        raise RunError(f"{shown}: the list of rows is empty", "fill it, or remove the source")
    for index, row in enumerate(value):
        where = f"{shown}#{index}"
        if not isinstance(row, dict):
            yield SourceRow(where, error=f"a row must be a JSON object, got {_json_kind(row)}")
        else:
            yield SourceRow(where, json.dumps(row, ensure_ascii=False))


def _line_of_bad_byte(raw: bytes) -> int:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return raw[: exc.start].count(b"\n") + 1
    return 1


def read_csv(args: Mapping[str, Any], ctx: SourceContext) -> Iterator[Row]:
    """CSV with a header; a row is reported at the line it starts on."""
    path, shown = Path(ctx.paths["path"]), args["path"]
    _require_content(path, shown)
    bad_lines: dict[int, str] = {}
    physical: dict[int, str] = {}  # the lines of the record being read (for the unterminated-quote check)
    delimiter = args.get("delimiter") or ","

    def lines():
        number = 0
        with open(path, "rb") as f:
            for chunk, size in _bounded_lines(f):
                if chunk is None:  # a line too long to read: its row is reported, the rest goes on
                    number += 1
                    bad_lines[number] = _too_long(size)
                    physical[number] = "x\n"
                    yield "x\n"
                    continue
                for raw in _physical_lines(chunk):
                    number += 1
                    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                        raw = raw[3:]
                    text, error = _decode(raw, "")
                    if error:
                        bad_lines[number] = error
                        text = raw.decode("utf-8", errors="replace")
                    physical[number] = text
                    yield text

    csv.field_size_limit(max(csv.field_size_limit(), 64 * MAX_LINE_BYTES))  # a 1 MiB line is a fine row
    reader = csv.reader(lines(), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise RunError(f"{shown}:1: the file is empty", "fill it, or remove the source") from None
    except csv.Error as exc:
        raise RunError(f"{shown}:1: unreadable CSV header: {exc}", "check the quoting on that line") from None
    if 1 in bad_lines:
        raise RunError(f"{shown}:1: the header line is {bad_lines[1]}", "save the file as UTF-8")
    start = reader.line_num + 1
    physical.clear()
    rows = 0
    try:
        for record in reader:
            end = reader.line_num
            first, where = start, f"{shown}:{start}"
            span_errors = [bad_lines[n] for n in range(start, end + 1) if n in bad_lines]
            start = end + 1
            swallowed = _swallowed_rows(physical, first, end, len(header), delimiter) if end > first else None
            physical.clear()
            if not record or all(not cell.strip() for cell in record):
                ctx.count("blank_lines")
                continue
            rows += 1
            if span_errors:
                yield SourceRow(where, error=span_errors[0])
            elif swallowed:
                yield SourceRow(where, error=swallowed)
            elif len(record) != len(header):
                yield SourceRow(where, error=f"expected {len(header)} fields (as in the header), got {len(record)}")
            else:
                yield SourceRow(where, json.dumps(dict(zip(header, record)), ensure_ascii=False))
    except csv.Error as exc:
        raise RunError(f"{shown}:{start}: unreadable CSV from this line on: {exc}",
                       "check the quoting on that line: a quote opened there is never closed") from None


def _swallowed_rows(lines: dict[int, str], first: int, last: int, fields: int, delimiter: str):
    """Why a record read from lines ``first``..``last`` looks like rows merged by a stray quote, or None.

    A quoted field may hold line breaks, but when a line inside it parses on its own as a whole
    row (as many fields as the header), the quote was most likely never closed where it should
    have been, and the rows in between were swallowed into one field.
    """
    for number in range(first + 1, last + 1):
        text = lines.get(number)
        if text is None or '"' in text and number == last:
            continue
        try:
            cells = next(csv.reader([text.rstrip("\r\n")], delimiter=delimiter), [])
        except csv.Error:
            continue
        if len(cells) == fields and fields > 1:
            return (f"a quote opened on line {first} closes only on line {last}: lines {first + 1}-{last} "
                    f"look like rows of their own (line {number} has {fields} fields) and would be merged "
                    "into this one; close the quote where the field ends")
    return None


def _rows_of_dataset(dataset, shown: str) -> Iterator[Row]:
    for index, row in enumerate(dataset):
        yield SourceRow(f"{shown}#{index}", json.dumps(row, ensure_ascii=False, default=str))


def read_parquet(args: Mapping[str, Any], ctx: SourceContext) -> Iterator[Row]:
    """A Parquet file, read through ``datasets`` (memory-mapped Arrow)."""
    from datasets import Dataset

    path, shown = Path(ctx.paths["path"]), args["path"]
    _require_content(path, shown)
    try:
        dataset = Dataset.from_parquet(str(path), keep_in_memory=False,
                                       cache_dir=str(ctx.work_dir) if ctx.work_dir else None)
    except Exception as exc:
        raise RunError(f"{shown}: not a readable Parquet file: {exc}") from None
    yield from _rows_of_dataset(dataset, shown)


def read_text_files(args: Mapping[str, Any], ctx: SourceContext) -> Iterator[Row]:
    """One row per file in a folder; the text goes into ``field``."""
    folder, shown = Path(ctx.paths["path"]), args["path"]
    if not folder.is_dir():
        raise RunError(f"{shown}: no such folder", "the path is relative to the recipe's folder")
    files = sorted(p for p in folder.glob(args.get("pattern") or "**/*.txt") if p.is_file())
    if not files:
        raise RunError(f"{shown}: no file matches {args.get('pattern')!r}", "check the folder and pattern")
    field = args.get("field") or "text"
    for file in files:
        rel = f"{shown.rstrip('/')}/{file.relative_to(folder)}"
        raw = file.read_bytes()
        text, error = _decode(raw, rel)
        if error:
            yield SourceRow(f"{rel}:{_line_of_bad_byte(raw)}", error=error)
        else:
            yield SourceRow(f"{rel}:1", json.dumps({field: text}, ensure_ascii=False))


def read_disk(args: Mapping[str, Any], ctx: SourceContext) -> Iterator[Row]:
    """A dataset saved with ``save_to_disk`` (a Dataset, or one split of a DatasetDict)."""
    from datasets import DatasetDict, load_from_disk

    shown = args["path"]
    try:
        loaded = load_from_disk(str(ctx.paths["path"]))
    except Exception as exc:
        raise RunError(f"{shown}: not a dataset saved with save_to_disk: {exc}") from None
    if isinstance(loaded, DatasetDict):
        split = args.get("split") or "train"
        if split not in loaded:
            raise RunError(f'{shown}: no split "{split}"', f"splits: {', '.join(loaded)}")
        loaded = loaded[split]
    yield from _rows_of_dataset(loaded, shown)


def read_hub(args: Mapping[str, Any], ctx: SourceContext) -> Iterator[Row]:
    """A Hugging Face Hub dataset; offline or unreachable, a clear message instead of a traceback."""
    import datasets

    name = args["name"]
    try:
        dataset = datasets.load_dataset(name, args.get("config") or None, split=args.get("split") or "train",
                                        revision=args.get("revision") or None)
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RunError(f'cannot load the hub dataset "{name}": {reason}',
                       "where the hub is reachable, load it once and save it with Dataset.save_to_disk, "
                       'then read it with disk("folder")') from None
    yield from _rows_of_dataset(dataset, f"hub:{name}")


def _json_kind(value) -> str:
    return {list: "a list", dict: "an object", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


class ReaderSource(Source):
    """A built-in source whose ``read`` is one of the reader functions above."""

    def __init__(self, reader: Callable[[Mapping[str, Any], SourceContext], Iterator[Row]]):
        self.reader = reader

    def read(self, args: Mapping[str, Any], ctx: SourceContext) -> Iterator[Row]:
        """Every row of the source (see the reader's docstring)."""
        return self.reader(args, ctx)


class CsvSource(ReaderSource):
    """``csv("file.csv", delimiter: ";")``, whose delimiter is checked before anything runs."""

    def check(self, args: Mapping[str, Any]) -> list:
        """The delimiter must be one character (Python's csv module takes no other)."""
        delimiter = args.get("delimiter")
        if delimiter is not None and len(delimiter) != 1:
            return [(f"the CSV delimiter must be one character, got {json.dumps(delimiter)}", "delimiter",
                     'e.g. delimiter: ";" or delimiter: "\\t"')]
        return []


class HubSource(ReaderSource):
    """``hub("imdb", split: "train")``, named by its dataset id."""

    def describe(self, args: Mapping[str, Any]) -> str:
        """The dataset id."""
        return str(args.get("name") or "hub")


# The registered impls (``ftcore_data.sources:JSONL`` ...), one per source name.
JSONL = ReaderSource(read_jsonl)
JSON = ReaderSource(read_json)
CSV = CsvSource(read_csv)
PARQUET = ReaderSource(read_parquet)
TEXT_FILES = ReaderSource(read_text_files)
DISK = ReaderSource(read_disk)
HUB = HubSource(read_hub)
