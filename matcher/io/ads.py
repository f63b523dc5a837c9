"""Openings from real job ads: JobTech's JobSearch / JobStream format (Platsbanken).

An ad file is a JobSearch answer (``{"hits": [...]}``), a JSON array (a JobStream snapshot)
or JSON Lines (one ad per line, as the historical ad files are); the LINE of a problem is
the ad's position in the array (from 1) or its physical line. Each ad becomes one
:class:`~matcher.domain.Opening` and, where its employer is not stored yet, one
:class:`~matcher.domain.Employer`:

* the occupation is the ad's ``occupation.concept_id``, which must be an occupation of the
  imported taxonomy (JobTech keeps its concept ids, so the two agree);
* the minimum Swedish is :data:`SWEDISH_REQUIRED` when Swedish is a must-have language,
  :data:`SWEDISH_MERIT` when it is only nice to have, :data:`SWEDISH_UNSTATED` otherwise;
* hours come from ``scope_of_work`` (per cent of :data:`FULL_TIME_HOURS`), else from
  ``working_hours_type``; licences from ``driving_license`` when ``driving_license_required``;
* the employer is matched by organisation number (then by name) or created;
* the ad's id and page are kept (``external_id``, ``url``), and the opening id is
  ``ad-<ad id>``, so the same ad cannot be imported twice.

Import is all or nothing, like every import: one bad ad and nothing is stored, with every
problem listed as ``FILE:LINE: field: reason (value)``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Engine, select

from matcher.domain import (
    MAX_LENGTH,
    DrivingLicence,
    Employer,
    LanguageLevel,
    Location,
    Opening,
    OpeningKind,
    OrganisationNumber,
)
from matcher.flat import Kind
from matcher.io.importer import store_reads
from matcher.io.readers import (
    FileRead,
    ImportValidationError,
    Progress,
    RowError,
    shown_value,
)
from matcher.store.engine import session_scope
from matcher.store.models import EmployerRow, MunicipalityRow
from matcher.taxonomy.download import fetch
from matcher.taxonomy.files import staged_file

log = logging.getLogger(__name__)

JOBSTREAM_SNAPSHOT_URL = "https://jobstream.api.jobtechdev.se/v2/snapshot"
"""Every ad open for applications now, as one JSON array (no API key needed)."""

SWEDISH_REQUIRED = LanguageLevel.B1
"""Swedish is a must-have: sfi D, about CEFR B1, the level for working in Swedish."""
SWEDISH_MERIT = LanguageLevel.A2
"""Swedish is nice to have: sfi C (A2), everyday Swedish."""
SWEDISH_UNSTATED = LanguageLevel.A1
"""No Swedish requirement in the ad: sfi B (A1), since the workplace speaks Swedish."""
FULL_TIME_HOURS = 40
"""``scope_of_work`` is in per cent of full time; Swedish full time is 40 hours a week."""
PART_TIME_HOURS = (20, 35)
"""Hours for a ``Deltid`` ad that gives no ``scope_of_work``."""
EXPERIENCE_YEARS = 1.0
"""``experience_required`` says yes or no; yes counts as a year of experience."""
OPENING_PREFIX = "ad-"
_ELLIPSIS = "…"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ORGANISATION_NUMBER: TypeAdapter[str] = TypeAdapter(OrganisationNumber)

#: Where each opening field comes from in the ad, to name it in problems.
_SOURCE: dict[str, str] = {
    "id": "id",
    "external_id": "id",
    "title": "headline",
    "description": "description.text",
    "occupation_id": "occupation.concept_id",
    "municipality_code": "workplace_address.municipality_code",
    "location": "workplace_address.coordinates",
    "workplace_street": "workplace_address.street_address",
    "workplace_postcode": "workplace_address.postcode",
    "workplace_city": "workplace_address.city",
    "hours_min": "scope_of_work.min",
    "hours_max": "scope_of_work.max",
    "row": "scope_of_work",
    "capacity": "number_of_vacancies",
    "posted_at": "publication_date",
    "application_deadline": "application_deadline",
    "url": "webpage_url",
    "contact_name": "application_contacts[0].name",
    "contact_email": "application_contacts[0].email",
    "contact_phone": "application_contacts[0].telephone",
}


@dataclass
class AdStore:
    """What mapping ads needs to know from the store."""

    municipalities: dict[str, Location]
    by_organisation: dict[str, str]  # organisation number → employer id
    by_name: dict[str, str]  # case-folded name → employer id (employers without a number)


@dataclass
class AdImport:
    """The records made from an ad file, its problems, and the ads it left out."""

    employers: FileRead
    openings: FileRead
    removed: int = 0
    elsewhere: int = 0


@dataclass
class _Mapper:
    """Turns one ad at a time into records, remembering employers made from earlier ads."""

    path: Path
    occupations: Collection[str]
    store: AdStore
    kind: OpeningKind
    result: AdImport
    made: dict[str, str] = field(default_factory=dict)  # employer key → new employer id

    def problem(self, line: int, where: str, reason: str, value: Any = "") -> None:
        self.result.openings.errors.append(
            RowError(str(self.path), line, where, reason, shown_value(value)))


# --------------------------------------------------------------------------- reading


def _ad_list(value: Any) -> list[Any] | None:
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and isinstance(value.get("hits"), list):
        return value["hits"]
    if isinstance(value, dict) and "id" in value:  # one ad (JobSearch /ad/{id})
        return [value]
    return None


def read_ads(path: Path) -> Iterator[tuple[int, Any]]:
    """Every ad of ``path`` with its LINE: its index (from 1) in a JSON array or JobSearch
    ``hits``, or its physical line in JSON Lines. Raises :class:`ImportValidationError` for
    a file that is neither."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    text = path.read_text(encoding="utf-8-sig")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        # Several values ("Extra data"), or a broken first object: JSON Lines, line by line.
        if exc.msg == "Extra data" or text.lstrip().startswith("{"):
            yield from _json_lines(path, text)
            return
        line = text.count("\n", 0, exc.pos) + 1
        raise ImportValidationError(
            [RowError(str(path), line, "row", f"invalid JSON: {exc.msg}", "")]) from None
    ads = _ad_list(document)
    if ads is None:
        raise ImportValidationError([RowError(
            str(path), 1, "row", "expected a JSON array of ads, {\"hits\": [...]} or JSON Lines",
            "")])
    yield from enumerate(ads, start=1)


def _json_lines(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    problems = []
    for line, row in enumerate(text.split("\n"), start=1):
        if not row.strip():
            continue
        try:
            yield line, json.loads(row)
        except json.JSONDecodeError as exc:
            problems.append(RowError(str(path), line, "row", f"invalid JSON: {exc.msg}",
                                     row.strip()[:60]))
    if problems:
        raise ImportValidationError(problems)


# --------------------------------------------------------------------------- one ad


def _get(ad: Mapping[str, Any], dotted: str) -> Any:
    value: Any = ad
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _date(value: Any) -> Any:
    """The date of an ISO timestamp (``2025-03-01T23:59:59``); other values as they are."""
    if isinstance(value, str) and _DATE.match(value):
        return value[:10]
    return value


def _cut(text: str, limit: int) -> str:
    """Ad texts longer than the opening allows are cut, ending with an ellipsis."""
    return text if len(text) <= limit else text[: limit - len(_ELLIPSIS)].rstrip() + _ELLIPSIS


def _swedish(ad: Mapping[str, Any]) -> LanguageLevel:
    def mentions(section: str) -> bool:
        languages = _get(ad, f"{section}.languages") or []
        return any(str(item.get("label", "")).strip().casefold() == "svenska"
                   for item in languages if isinstance(item, Mapping))

    if mentions("must_have"):
        return SWEDISH_REQUIRED
    return SWEDISH_MERIT if mentions("nice_to_have") else SWEDISH_UNSTATED


def _hours(ad: Mapping[str, Any]) -> dict[str, Any]:
    scope = ad.get("scope_of_work") or {}
    low, high = scope.get("min"), scope.get("max")
    if isinstance(high, (int, float)) and high > 0:
        low = low if isinstance(low, (int, float)) and low > 0 else high
        return {"hours_min": max(1, round(FULL_TIME_HOURS * low / 100)),
                "hours_max": max(1, round(FULL_TIME_HOURS * high / 100))}
    label = str(_get(ad, "working_hours_type.label") or "").casefold()
    if label == "heltid":
        return {"hours_min": FULL_TIME_HOURS, "hours_max": FULL_TIME_HOURS}
    if label == "deltid":
        return {"hours_min": PART_TIME_HOURS[0], "hours_max": PART_TIME_HOURS[1]}
    return {}  # the opening's defaults


def _contact(ad: Mapping[str, Any]) -> dict[str, Any]:
    contacts = ad.get("application_contacts")
    first = (contacts[0] if isinstance(contacts, list) and contacts
             else contacts if isinstance(contacts, Mapping) else {})
    email = first.get("email") or _get(ad, "application_details.email")
    phone = first.get("telephone") or _get(ad, "employer.phone_number")
    return {"contact_name": first.get("name"), "contact_email": email, "contact_phone": phone}


def _address(ad: Mapping[str, Any]) -> dict[str, Any]:
    address = ad.get("workplace_address") or {}
    return {"workplace_street": address.get("street_address"),
            "workplace_postcode": address.get("postcode"),
            "workplace_city": address.get("city")}


def _present(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items()
            if value is not None and not (isinstance(value, str) and not value.strip())}


class _Skip(Exception):
    """An ad that is left out (not an error): removed, or outside the programme's region."""


def _municipality(mapper: _Mapper, line: int, ad: Mapping[str, Any],
                  only_stored: bool) -> str | None:
    code = _get(ad, "workplace_address.municipality_code")
    if code is None or str(code) not in mapper.store.municipalities:
        if only_stored:
            raise _Skip("elsewhere")
        reason = "missing" if code is None else "no such municipality"
        mapper.problem(line, _SOURCE["municipality_code"], reason, "" if code is None else code)
        return None
    return str(code)


def _location(mapper: _Mapper, line: int, ad: Mapping[str, Any], code: str) -> dict[str, Any]:
    """The ad's point (JobTech writes ``[lon, lat]``), else the municipality's centre."""
    point = _get(ad, "workplace_address.coordinates")
    if isinstance(point, list) and len(point) == 2 and all(
            isinstance(v, (int, float)) for v in point):
        return {"lat": point[1], "lon": point[0]}
    if point not in (None, [], [None, None]):
        mapper.problem(line, _SOURCE["location"], "expected [longitude, latitude]", point)
    return mapper.store.municipalities[code].model_dump()


def _licences(mapper: _Mapper, line: int, ad: Mapping[str, Any]) -> list[str]:
    if not ad.get("driving_license_required"):
        return []  # listed licences without the requirement are merits, not requirements
    found = []
    for index, item in enumerate(ad.get("driving_license") or []):
        label = str(item.get("label", "") if isinstance(item, Mapping) else item).strip()
        code = label.split(" ")[0].upper()
        if code not in DrivingLicence.__members__:
            mapper.problem(line, f"driving_license[{index}]", "not a Swedish licence category",
                           label)
        else:
            found.append(code)
    return found or [DrivingLicence.B.value]  # required, none named: the car licence


def _employer(mapper: _Mapper, line: int, ad: Mapping[str, Any], code: str) -> str | None:
    """The id of the ad's employer: stored, made from an earlier ad, or made now."""
    name = str(_get(ad, "employer.name") or _get(ad, "employer.workplace") or "").strip()
    number = _get(ad, "employer.organization_number")
    values: dict[str, Any] = {"name": name, "municipality_code": code}
    if number:
        try:
            key = _ORGANISATION_NUMBER.validate_python(str(number))
        except ValidationError as exc:
            reason = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
            mapper.problem(line, "employer.organization_number", reason, number)
            return None
        values["organisation_number"] = key
        known = mapper.store.by_organisation.get(key)
        new_id = f"org-{key.replace('-', '')}"
    else:  # no number: the name is all there is to recognise the employer by
        key = name.casefold()
        known = mapper.store.by_name.get(key)
        digest = hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()
        new_id = f"employer-{digest[:12]}"
    if known is not None:
        return known
    if key in mapper.made:
        return mapper.made[key]
    try:
        employer = Employer.model_validate({"id": new_id, **values})
    except ValidationError as exc:
        for error in exc.errors():
            where = "employer.name" if error["loc"][:1] == ("name",) else "employer"
            mapper.problem(line, where, str(error["msg"]), name)
        return None
    mapper.made[key] = employer.id
    mapper.result.employers.records.append((line, employer))
    return employer.id


def _opening(mapper: _Mapper, line: int, ad: Any, only_stored: bool) -> None:
    """Map one ad and record the opening, or its problems."""
    if not isinstance(ad, Mapping):
        mapper.problem(line, "row", "not a JSON object", ad)
        return
    if ad.get("removed"):
        raise _Skip("removed")
    ad_id = ad.get("id")
    if ad_id is None or not str(ad_id).strip():
        mapper.problem(line, "id", "missing")
        return
    code = _municipality(mapper, line, ad, only_stored)
    occupation = _get(ad, "occupation.concept_id")
    if occupation is not None and occupation not in mapper.occupations:
        mapper.problem(line, _SOURCE["occupation_id"],
                       "not an occupation of the imported taxonomy", occupation)
    if code is None:
        return
    employer_id = _employer(mapper, line, ad, code)
    values = _present({
        "id": f"{OPENING_PREFIX}{ad_id}",
        "external_id": str(ad_id),
        # A placeholder when the employer failed (already reported), so the rest of the ad
        # is still checked in this pass.
        "employer_id": employer_id or "unknown",
        "municipality_code": code,
        "kind": mapper.kind.value,
        "occupation_id": occupation if occupation in mapper.occupations else None,
        "title": ad.get("headline"),
        "description": _cut(str(_get(ad, "description.text") or ""), MAX_LENGTH["description"]),
        "location": _location(mapper, line, ad, code),
        "min_swedish": _swedish(ad),
        "required_licences": _licences(mapper, line, ad),
        "required_experience_years": EXPERIENCE_YEARS if ad.get("experience_required") else 0.0,
        **_hours(ad),
        "capacity": 1 if ad.get("number_of_vacancies") is None else ad["number_of_vacancies"],
        "posted_at": _date(ad.get("publication_date")),
        "application_deadline": _date(ad.get("application_deadline")),
        "url": ad.get("webpage_url"),
        **_address(ad),
        **_contact(ad),
    })
    try:
        opening = Opening.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            head = str(error["loc"][0]) if error["loc"] else "row"
            reason = "missing" if error["type"] == "missing" else str(
                error["msg"]).removeprefix("Value error, ")
            value = "" if error["type"] == "missing" else error["input"]
            mapper.problem(line, _SOURCE.get(head, head), reason, value)
        return
    if employer_id is not None:
        mapper.result.openings.records.append((line, opening))


def map_ads(path: Path, occupations: Collection[str], store: AdStore,
            kind: OpeningKind = OpeningKind.EMPLOYMENT, *, only_stored: bool = False) -> AdImport:
    """Map every ad of ``path``; problems are collected, not raised.

    ``only_stored`` leaves out ads whose workplace is in a municipality the store does not
    hold (a national snapshot imported by one region) instead of reporting them.
    """
    path = Path(path)
    result = AdImport(FileRead(path, Kind.EMPLOYERS), FileRead(path, Kind.OPENINGS))
    mapper = _Mapper(path, occupations, store, OpeningKind(kind), result)
    for line, ad in read_ads(path):
        try:
            _opening(mapper, line, ad, only_stored)
        except _Skip as skip:
            if str(skip) == "removed":
                result.removed += 1
            else:
                result.elsewhere += 1
    return result


# --------------------------------------------------------------------------- store


def ad_store(engine: Engine) -> AdStore:
    """Municipality centres and employers' organisation numbers and names, from the store."""
    with session_scope(engine) as session:
        places = {code: Location(lat=lat, lon=lon) for code, lat, lon in session.execute(
            select(MunicipalityRow.code, MunicipalityRow.lat, MunicipalityRow.lon))}
        by_number: dict[str, str] = {}
        by_name: dict[str, str] = {}
        # Lowest id first, so the same employer is chosen every time.
        for employer_id, name, number in session.execute(select(
                EmployerRow.id, EmployerRow.name, EmployerRow.organisation_number).order_by(
                EmployerRow.id)):
            if number:
                by_number.setdefault(number, employer_id)
            else:
                by_name.setdefault(name.casefold(), employer_id)
    return AdStore(places, by_number, by_name)


@dataclass(frozen=True)
class AdCounts:
    """What an ad import stored and left out."""

    openings: int
    employers: int
    removed: int
    elsewhere: int


def import_ads(engine: Engine, path: Path, occupations: Collection[str],
               kind: OpeningKind = OpeningKind.EMPLOYMENT, *, only_stored: bool = False,
               progress: Progress | None = None) -> AdCounts:
    """Import the openings (and new employers) of an ad file, all or nothing."""
    mapped = map_ads(path, occupations, ad_store(engine), kind, only_stored=only_stored)
    # store_reads adds the checks against the store (an ad imported before: already stored)
    stored = store_reads(engine, [mapped.employers, mapped.openings], progress)
    log.info("imported %d openings from ads in %s (%d removed, %d elsewhere left out)",
             stored[Kind.OPENINGS], path, mapped.removed, mapped.elsewhere)
    return AdCounts(stored[Kind.OPENINGS], stored[Kind.EMPLOYERS], mapped.removed,
                    mapped.elsewhere)


def download_snapshot(target: Path, url: str = JOBSTREAM_SNAPSHOT_URL,
                      timeout: float = 600.0) -> Path:
    """Download a JobStream snapshot to ``target`` (atomically), checked to hold ads."""
    target = Path(target)
    with staged_file(target) as temp:
        fetch(url, temp, timeout)
        sum(1 for _ in read_ads(temp))  # refuses anything that is not an ad list
    log.info("downloaded %s to %s", url, target)
    return target
