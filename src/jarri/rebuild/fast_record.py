"""A fast, strict mirror of the record schema (msgspec), generated from the pydantic model.

The rebuild validates every ledger line. pydantic (ledger/record.py) defines what a valid
record is; checking a million lines with it costs more than the whole rebuild may take, so
the rebuild first tries this mirror, which msgspec checks in a fraction of the time. The
mirror is stricter than pydantic, never laxer: no "12" for an integer, no 1.0 for an
integer, no "true" for a boolean, timestamps only in the writer's ISO 8601 form, integers
within 64 bits. A line it refuses goes to pydantic, which has the last word (see
rebuild/reader.py). A property test holds the promise: what the mirror accepts, pydantic
accepts with the same values.

DuckDB reads the accepted records re-encoded by msgspec (``kept``): the fields the rebuild
keeps, defaults filled in as pydantic fills them, each key once (in a line with a repeated
key, pydantic and msgspec keep the last value; DuckDB would read the first), and the line's
origin.
"""

from __future__ import annotations

import re
import types
import typing
from datetime import datetime
from functools import cache
from operator import itemgetter
from typing import Annotated, Any, Literal, Union

import annotated_types
import msgspec
from pydantic import AwareDatetime, BaseModel
from pydantic.fields import FieldInfo

from jarri.ledger.record import LINE_REQUIRED, RunRecord
from jarri.rebuild.columns import RECORD_FIELDS

INT64 = (-(2**63), 2**63 - 1)  # what DuckDB's BIGINT holds
# The ISO 8601 form the ledger writer produces (datetime.isoformat() of an aware time).
_DATETIME = re.compile(r"[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:"
                       r"[0-5][0-9](\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])")


def _constraints(info: FieldInfo | None) -> list[Any]:
    return list(info.metadata) if info is not None else []


def _meta(metadata: list[Any], *, lo: int | None = None, hi: int | None = None) -> Any:
    bounds: dict[str, Any] = {}
    for m in metadata:
        if isinstance(m, annotated_types.Ge):
            bounds["ge"] = max(bounds.get("ge", m.ge), m.ge)
        elif isinstance(m, annotated_types.Gt):
            bounds["gt"] = m.gt
        elif isinstance(m, annotated_types.Le):
            bounds["le"] = min(bounds.get("le", m.le), m.le)
        elif isinstance(m, annotated_types.Lt):
            bounds["lt"] = m.lt
        else:
            raise TypeError(f"no mirror for the constraint {m!r}")
    if lo is not None:
        bounds["ge"] = max(bounds.get("ge", lo), lo)
    if hi is not None:
        bounds["le"] = min(bounds.get("le", hi), hi)
    return msgspec.Meta(**bounds) if bounds else None


def _mirror(annotation: Any, metadata: list[Any] | None = None) -> Any:
    """The msgspec type for a pydantic annotation (strict, as the module doc says);
    ``metadata``: the constraints pydantic attached (ledger/bounds.py)."""
    metadata = list(metadata or [])
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *extras = typing.get_args(annotation)
        for extra in extras:
            metadata.extend(extra.metadata if isinstance(extra, FieldInfo) else [extra])
        return _mirror(base, metadata)
    if origin in (Union, types.UnionType):
        args = typing.get_args(annotation)
        inner = [a for a in args if a is not type(None)]
        if len(inner) > 1:
            # bool | Literal[...]: each member mirrored alone (msgspec tells them apart by
            # JSON type); constraints would be ambiguous across members.
            if metadata or any(a in (int, float) for a in inner):
                raise TypeError(f"no mirror for the union {annotation!r}")
            members = tuple(_mirror(a) for a in inner)
            if len(inner) < len(args):
                members += (type(None),)
            return Union[members]  # noqa: UP007 - built from a tuple at run time
        mirrored = _mirror(inner[0], metadata)
        return mirrored | None if len(inner) < len(args) else mirrored
    if annotation is int:
        return Annotated[int, _meta(metadata, lo=INT64[0], hi=INT64[1])]
    if annotation is float:
        meta = _meta(metadata)
        return Annotated[float, meta] if meta is not None else float
    if annotation in (str, bool):
        if metadata:
            raise TypeError(f"no mirror for constraints on {annotation!r}")
        return annotation
    if annotation is AwareDatetime:
        return str  # its form is checked by ``accepted`` (cheaper than a Meta pattern)
    if origin is Literal:
        return annotation
    if origin is list:
        (item,) = typing.get_args(annotation)
        return list[_mirror(item)]  # type: ignore[misc]
    if origin is dict:
        key, value = typing.get_args(annotation)
        if key is not str or value is not Any:
            raise TypeError(f"no mirror for the mapping {annotation!r}")
        return dict[str, Any]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return struct_for(annotation)
    raise TypeError(f"no mirror for {annotation!r}")


def _default(info: FieldInfo) -> Any:
    if info.default_factory is not None:
        return msgspec.field(default_factory=info.default_factory)  # type: ignore[arg-type]
    return info.default


@cache
def struct_for(model: type[BaseModel]) -> Any:
    """A msgspec Struct mirroring ``model`` (unknown keys refused)."""
    fields: list[Any] = []
    for name, info in model.model_fields.items():
        typ = _mirror(info.annotation, _constraints(info))
        # A line must carry what the reader checks before validating (LINE_REQUIRED), even
        # where the constructor fills it in.
        required = info.is_required() or name in LINE_REQUIRED
        fields.append((name, typ) if required else (name, typ, _default(info)))
    # gc=False: a million short-lived records would otherwise keep the cycle collector
    # busy; they hold no reference cycles.
    return msgspec.defstruct(f"{model.__name__}Mirror", fields, kw_only=True,
                             forbid_unknown_fields=True, gc=False)


def _datetime_fields(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(n for n, f in model.model_fields.items()
                 if AwareDatetime in (f.annotation, *typing.get_args(f.annotation)))


MIRROR = struct_for(RunRecord)
DECODER = msgspec.json.Decoder(MIRROR)
ENCODER = msgspec.json.Encoder()
_DATETIMES = _datetime_fields(RunRecord)
# Invalid UTF-8 raises UnicodeDecodeError; a value nested thousands deep, RecursionError.
DecodeErrors = (msgspec.MsgspecError, ValueError, RecursionError)

# What DuckDB reads of a record: where the line came from (WRAP_FIELDS: ledger, line within
# the part of the ledger its row file holds, sha256 of the line), then the fields the rebuild keeps
# (rebuild/columns.py), those whose value is null left out (DuckDB reads an absent key as
# null). Built from the record's values in one C call (astuple + itemgetter), cheaper than
# encoding the whole record.
WRAP_FIELDS = ("wrap_file", "wrap_line", "wrap_sha")
_NULL_DEFAULT = {n for n, f in RunRecord.model_fields.items()
                 if not f.is_required() and f.default is None and f.default_factory is None}
_KEPT_ORDER = ([n for n in MIRROR.__struct_fields__ if n in RECORD_FIELDS
                and n not in _NULL_DEFAULT]
               + [n for n in MIRROR.__struct_fields__ if n in RECORD_FIELDS
                  and n in _NULL_DEFAULT])
KeptRecord = msgspec.defstruct(
    "KeptRecord", [(n, object) for n in WRAP_FIELDS]
    + [(n, object) if n not in _NULL_DEFAULT else (n, object, None) for n in _KEPT_ORDER],
    omit_defaults=True, gc=False)
_KEPT_VALUES = itemgetter(*(MIRROR.__struct_fields__.index(n) for n in _KEPT_ORDER))
_astuple = msgspec.structs.astuple


def kept(rec: Any, ledger: str, line: int, sha_hex: str) -> Any:
    """The record as DuckDB reads it (see KeptRecord). ``line`` counts from the start of the
    byte range of the ledger its row file holds (DuckDB adds the lines before it)."""
    return KeptRecord(ledger, line, sha_hex, *_KEPT_VALUES(_astuple(rec)))


def accepted(rec: Any) -> bool:
    """What the Struct cannot say itself: real dates in the writer's form (the pattern lets
    30 February through)."""
    for name in _DATETIMES:
        value = getattr(rec, name)
        if value is None:
            continue
        if _DATETIME.fullmatch(value) is None:
            return False
        if not ("01" <= value[5:7] <= "12" and "01" <= value[8:10] <= "28"):
            try:
                datetime.fromisoformat(value)  # the pattern cannot see 30 February
            except ValueError:
                return False
    return True


def from_fields(fields: dict[str, Any]) -> Any | None:
    """The mirror record of a record's fields given as Python values (datetimes as aware
    datetime objects), or None when the mirror refuses them (pydantic decides). The same
    record a JSON line of those fields would give."""
    values = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in fields.items()}
    # What a line must carry although the model's constructor fills it in (LINE_REQUIRED).
    for name in LINE_REQUIRED:
        if name not in values:
            values[name] = RunRecord.model_fields[name].default
    try:
        rec = msgspec.convert(values, MIRROR, strict=True)
        ENCODER.encode(rec)  # a lone surrogate cannot be written as UTF-8 (pydantic decides)
    except (msgspec.ValidationError, msgspec.EncodeError, TypeError, ValueError,
            OverflowError):
        return None
    return rec if accepted(rec) else None


def check_line(raw: bytes) -> Any | None:
    """The record if the mirror accepts the line, else None (pydantic decides)."""
    try:
        rec = DECODER.decode(raw)
    except DecodeErrors:
        return None
    return rec if accepted(rec) else None
