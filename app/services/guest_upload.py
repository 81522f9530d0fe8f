"""Read an uploaded guest list (JSON rows, a CSV or text file, an Excel .xlsx, pasted lines)
into guest rows.

Files are read into tables by `app.services.sheets`, in a child process within a budget
(rows, columns, cell sizes, memory, CPU): any common encoding, `,` `;` or tab separated,
the first sheet of an .xlsx. A header row names the guest's name and phone (in en/es/pt/ar/fr,
e.g. "Nombre", "Telefone", "الجوال", "Nom"; or an explicit mapping); other columns are template
variables. Line numbers are physical lines in the file (header = 1; a spreadsheet's row
numbers); JSON rows are numbered from 1 in list order.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import chain
from typing import Any

from flask_babel import gettext as _

from app.services.sheets.limits import Budget, Unreadable
from app.services.sheets.reader import Table, read_table

VARIABLE_MAX_COUNT = 50
VARIABLE_KEY_MAX_LENGTH = 100
# A refused row's text, as reported, is cut here (a line is a guest, not a novel).
ROW_TEXT_MAX_LENGTH = 2000
# Column titles that mean the guest's name, phone or language (en/es/pt/ar/fr), compared
# without case or accents.
COLUMN_TITLES = {
    "name": ("name", "full name", "guest", "guest name", "nombre", "nombre completo",
             "invitado", "nome", "nome completo", "convidado", "الاسم", "اسم", "اسم الضيف",
             "nom", "nom complet", "invité"),
    "phone": ("phone", "phone number", "mobile", "mobile number", "cell", "cell phone",
              "whatsapp", "telephone", "tel", "telefono", "movil", "celular", "numero",
              "telefone", "telemovel", "الهاتف", "رقم الهاتف", "الجوال", "رقم الجوال",
              "الموبايل", "واتساب", "رقم", "téléphone", "portable", "numéro de téléphone"),
    "language": ("language", "lang", "idioma", "lingua", "língua", "اللغة", "langue"),
    # How many people the guest may bring besides themself (else the event's allowance).
    "plus_ones": ("plus_ones", "plus ones", "plus one", "plus-ones", "acompañantes",
                  "acompanhantes", "المرافقين", "مرافقين", "accompagnants"),
}  # fmt: skip

# PostgreSQL refuses NUL in text and JSONB; lone surrogates can't be encoded as UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row was not imported, and the row as it was written."""

    line: int
    reason: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row as uploaded, before validation."""

    line: int
    name: Any
    phone: Any
    variables: dict[str, Any]
    text: str = ""
    language: Any = None
    plus_ones: Any = None


def text_problem(value: str) -> str | None:
    """Why `value` can't be stored as text (NUL, lone surrogates), or None."""
    if _UNSTORABLE.search(value):
        return "contains characters that can't be stored (NUL or invalid Unicode)"
    return None


def json_rows(payload: Any) -> list[RawRow | RowError]:
    """Read `{"guests": [{"name", "phone", ...}]}`; a non-object entry is a row error."""
    if not isinstance(payload, dict) or not isinstance(payload.get("guests"), list):
        raise Unreadable(_('the body must be a JSON object {"guests": [...]} with a list'))
    unknown = sorted(key for key in payload if key != "guests")
    if unknown:
        raise Unreadable(
            _("unknown field %(field)s: expected only 'guests'", field=repr(unknown[0]))
        )
    rows: list[RawRow | RowError] = []
    for line, item in enumerate(payload["guests"], start=1):
        if isinstance(item, dict):
            fields = ("name", "phone", "language", "plus_ones")
            variables = {k: v for k, v in item.items() if k not in fields}
            rows.append(
                RawRow(line, item.get("name"), item.get("phone"), variables,
                       language=item.get("language"), plus_ones=item.get("plus_ones"))
            )  # fmt: skip
        else:
            rows.append(RowError(line, _("each guest must be a JSON object with name and phone")))
    return rows


def read_upload(
    data: bytes,
    budget: Budget,
    *,
    filename: str = "",
    pasted: bool = False,
    encoding: str | None = None,
    countries: Sequence[str] = (),
) -> Table:
    """Read an uploaded file (an .xlsx by its content, else text) or pasted text as a table;
    a text file in `encoding`, else in the one it reads in best for the event's `countries`.

    Pasted lines start with a header naming the name and phone columns, or are bare
    `name, phone` lines.

    Raises:
        Unreadable: not a readable table.
        OverBudget: over the budget (TooManyRows for rows); the message says what was over.
    """
    if not data.strip():
        raise Unreadable(_("nothing was pasted") if pasted else _("the file is empty"))
    table = read_table(
        data, budget, pasted=pasted, filename=filename, encoding=encoding, countries=countries
    )
    if not pasted:
        return table
    if {"name", "phone"} <= guess_mapping(table.header).keys():
        return replace(table, source=_("pasted lines with a header row"))
    records = chain([(table.header_line, table.header)], table.records)
    return Table(["name", "phone"], records, _("pasted lines of name and phone"), ",")


def table_rows(
    table: Table, mapping: Mapping[str, str] | None = None
) -> Iterator[RawRow | RowError]:
    """The guest rows of a table; `mapping` names the name and phone columns, else guessed."""
    columns = _Columns.from_header(table.header, mapping)
    return (columns.row(line, fields, table.separator) for line, fields in table.records)


def fold_title(title: str) -> str:
    """A column title without case, accents, hamza or extra spaces, for matching."""
    decomposed = unicodedata.normalize("NFKD", title.strip().casefold())
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[_\-.:]+", " ", kept).split())


FOLDED_TITLES = {
    field: frozenset(fold_title(title) for title in titles)
    for field, titles in COLUMN_TITLES.items()
}


def guess_mapping(header: Iterable[str]) -> dict[str, str]:
    """The columns that most likely hold the name and the phone: {"name": title, ...}."""
    mapping: dict[str, str] = {}
    for title in header:
        for field, titles in FOLDED_TITLES.items():
            if field not in mapping and fold_title(title) in titles:
                mapping[field] = title.strip()
                break
    return mapping


@dataclass(frozen=True)
class _Columns:
    """Where `name`, `phone` and the template variables are in a CSV's rows."""

    width: int
    name: int
    phone: int
    variables: tuple[tuple[int, str], ...]
    language: int | None = None
    plus_ones: int | None = None

    @classmethod
    def from_header(cls, header: list[str], mapping: Mapping[str, str] | None = None) -> _Columns:
        """Map a header row; a blank column title (a trailing separator) is ignored."""
        titles = [title.strip() for title in header]
        lowered = [title.lower() for title in titles]
        chosen = {**guess_mapping(titles), **(mapping or {})}
        wanted = {field: chosen.get(field, "").strip().lower() for field in ("name", "phone")}
        if not all(wanted.values()) or not all(t in lowered for t in wanted.values()):
            found = ", ".join(repr(t) for t in titles[:10] if t)
            if not found:
                raise Unreadable(
                    _(
                        "the header must have a name and a phone column, e.g. 'name' and 'phone'"
                        " (found: none)"
                    )
                )
            raise Unreadable(
                _(
                    "the header must have a name and a phone column, e.g. 'name' and 'phone'"
                    " (found: %(found)s)",
                    found=found,
                )
            )
        if wanted["name"] == wanted["phone"]:
            raise Unreadable(_("the name and the phone must be two different columns"))
        duplicated = sorted(t for t, count in Counter(lowered).items() if t and count > 1)
        if duplicated:
            raise Unreadable(
                _("the CSV header repeats the column %(title)s", title=repr(duplicated[0]))
            )
        language = chosen.get("language", "").strip().lower()
        plus_ones = chosen.get("plus_ones", "").strip().lower()
        taken = {*wanted.values(), language, plus_ones}
        variables = tuple((i, t) for i, t in enumerate(titles) if t and lowered[i] not in taken)
        if len(variables) > VARIABLE_MAX_COUNT:
            raise Unreadable(
                _("the CSV has more than %(limit)s extra columns", limit=VARIABLE_MAX_COUNT)
            )
        for _index, title in variables:
            if key_too_long(title):
                raise Unreadable(
                    _(
                        "the CSV header column %(title)s must be 1 to %(limit)s characters",
                        title=repr(title[:40]),
                        limit=VARIABLE_KEY_MAX_LENGTH,
                    )
                )
            if key_problem(title):
                raise Unreadable(
                    _(
                        "the CSV header column %(title)s contains characters that can't be"
                        " stored (NUL or invalid Unicode)",
                        title=repr(title[:40]),
                    )
                )
        name, phone = lowered.index(wanted["name"]), lowered.index(wanted["phone"])
        spoken = lowered.index(language) if language in lowered else None
        allowance = lowered.index(plus_ones) if plus_ones in lowered else None
        return cls(len(titles), name, phone, variables, spoken, allowance)

    def row(self, line: int, fields: list[str], separator: str = ",") -> RawRow | RowError:
        """Pick one record's values; extra non-blank fields beyond the header are an error."""
        text = separator.join(fields)[:ROW_TEXT_MAX_LENGTH]
        if len(fields) > self.width and any(f.strip() for f in fields[self.width :]):
            reason = _(
                "%(fields)s fields, but the header has %(width)s",
                fields=len(fields),
                width=self.width,
            )
            return RowError(line, reason, text)
        fields = fields + [""] * (self.width - len(fields))
        variables = {title: fields[index] for index, title in self.variables}
        language = fields[self.language] if self.language is not None else None
        plus_ones = fields[self.plus_ones] if self.plus_ones is not None else None
        return RawRow(
            line, fields[self.name], fields[self.phone], variables, text, language, plus_ones
        )


def key_too_long(key: str) -> bool:
    """Whether a variable name is blank or longer than a name may be."""
    return not key.strip() or len(key) > VARIABLE_KEY_MAX_LENGTH


def key_problem(key: str) -> str | None:
    """Why a variable name is unusable, or None."""
    if not key.strip() or len(key) > VARIABLE_KEY_MAX_LENGTH:
        return f"must be 1 to {VARIABLE_KEY_MAX_LENGTH} characters"
    return text_problem(key)
