"""Reading donation CSVs: the UK Electoral Commission's download, and a generic layout.

Both come out as ``Parsed`` donations; ``importers/donations.py`` writes them. Reading
streams (csv module, ``.gz`` accepted) and a line that cannot be used raises ``ValueError``
with the reason, so the importer skips and reports it with its line number.

**uk-ec** (``/work/shared/formats/uk_ec_donations_fields.txt``): values such as
``£12,500.00`` in GBP, dates ``DD/MM/YYYY``, company numbers with or without their leading
zeros (GB-COH, normalised by ``search/identifiers.py``), donors' titles (``Mr``, ``Dame``,
``Rt Hon``...) set aside from persons' names, the recipient party's accounting unit kept on
the donation while the donation goes to the party.

**csv** (generic; Georgia's State Audit Office data and others), UTF-8 with a header row:

| column            | required | meaning                                                      |
|-------------------|----------|--------------------------------------------------------------|
| `reference`       | no       | the source's id of the donation; default a hash of the line |
| `date`            | yes      | `YYYY-MM-DD` or `DD/MM/YYYY`                                 |
| `donor_name`      | yes      | the donor as published, in any script                        |
| `donor_kind`      | no       | `person` or `company` (default: `person` for a personal no.) |
| `donor_id`        | no       | the donor's identifier (company code, personal number)       |
| `donor_id_scheme` | no       | its scheme: `GE-NAPR`, `GB-COH`..., `GE-PN` (personal no.)  |
| `donor_country`   | no       | ISO 3166-1 alpha-2                                           |
| `donor_address`   | no       | address or postcode                                          |
| `recipient`       | yes      | the party (or other recipient)                               |
| `recipient_unit`  | no       | the party's local or accounting unit                         |
| `amount`          | yes      | `1234.50`, `1,234.50` or `1 234,50`                          |
| `currency`        | yes      | ISO 4217 (`GEL`, `EUR`...)                                   |
| `type`            | no       | `cash` (default), `non_cash`, `visit`, `loan`, `other`       |
| `nature`          | no       | what a non-cash donation was                                 |
| `status`          | no       | `accepted` (default), `returned`, `forfeited`                |
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from importers.core.sources import expand_paths
from search.identifiers import canonical_scheme, normalize_identifier
from search.normalize import normalize_name

FORMATS = ("uk-ec", "csv")
UK_EC_REQUIRED = ("ECRef", "RegulatedEntityName", "Value", "DonorName")
CSV_REQUIRED = ("date", "donor_name", "recipient", "amount", "currency")

# Schemes of natural persons' numbers: a donor with one is a person. A national personal
# number identifies a citizen for life (tax, health, voting): it is kept for telling donors
# apart and never published (registry/privacy.py), even where the source prints it.
PERSON_SCHEMES = {"GE-PN", "GE-PIN"}

# Titles and honours as the Electoral Commission's recipients write them; set aside so that
# "Mr John Smith" and "John Smith" are one name to search and link with.
_TITLES = re.compile(
    r"^(?:(?:the\s+)?(?:rt\.?\s+hon\.?|right\s+honourable|hon\.?|mr|mrs|ms|miss|mx|dr|"
    r"prof(?:essor)?|sir|dame|lord|lady|baron(?:ess)?|viscount(?:ess)?|earl|countess|"
    r"rev(?:erend)?|cllr|councillor)\.?\s+)+", re.IGNORECASE)
_HONOURS = re.compile(r"(?:[\s,]+(?:obe|mbe|cbe|kbe|dbe|qc|kc|mp|msp|ms|frs|bt|jp))+\.?$",
                      re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Row:
    path: str
    index: int
    position: str
    values: dict[str, str] | None = None
    error: str | None = None


@dataclass(slots=True)
class Party:
    """A donor or a recipient, before it is an entity."""

    key: str  # source key of its entity in the dataset
    kind: str  # person | company
    name: str
    written: str  # as the source wrote it
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    country: str | None = None
    addresses: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    restricted: dict[str, Any] = field(default_factory=dict)  # kept, never published


@dataclass(slots=True)
class Parsed:
    reference: str
    donor: Party
    donor_type: str | None
    recipient: Party
    recipient_type: str | None
    accounting_unit: str | None
    value: Decimal | None
    currency: str | None
    accepted_date: dt.date | None
    received_date: dt.date | None
    reported_date: dt.date | None
    type: str
    nature: str | None
    status: str
    reporting_period: str | None
    data: dict[str, Any]

    @property
    def date(self) -> dt.date | None:
        return self.accepted_date or self.received_date or self.reported_date


def iter_rows(paths: list[str], required: tuple[str, ...]) -> Iterator[Row]:
    """Rows as dicts keyed by the header cells (stripped); a file without the required
    columns is reported once, at line 1."""
    for path in expand_paths(paths):
        with path.open("rb") as fh:
            head = fh.read(2)
        opener: Any = gzip.open if head == b"\x1f\x8b" else open
        with opener(path, "rb") as binary:
            text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
            reader = csv.DictReader(text)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in required if c not in header]
            if missing:
                yield Row(str(path), 0, "line 1", error=f"missing columns: {', '.join(missing)}")
                continue
            reader.fieldnames = header
            index = 0
            try:
                for values in reader:
                    yield Row(str(path), index, f"line {reader.line_num}",
                              values={k: (v or "").strip() for k, v in values.items() if k})
                    index += 1
            except (csv.Error, UnicodeDecodeError) as exc:
                yield Row(str(path), index, f"line {reader.line_num}",
                          error=f"unreadable CSV: {exc}")


# --- values -------------------------------------------------------------------------------

_MONEY_NOISE = re.compile(r"[£$€₾\s\u00a0]|GBP|EUR|GEL|USD", re.IGNORECASE)


def parse_amount(text: str) -> Decimal:
    """``£12,500.00``, ``12500``, ``1 234,50`` (a decimal comma when no point is used)."""
    raw = _MONEY_NOISE.sub("", text)
    if "," in raw and "." not in raw and re.search(r",\d{1,2}$", raw):
        raw = raw.replace(",", ".")
    raw = raw.replace(",", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"bad amount: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"bad amount: {text!r}")
    return value


def parse_date(text: str, column: str) -> dt.date | None:
    """``DD/MM/YYYY`` (a time after it is ignored) or ``YYYY-MM-DD``; blank is None."""
    value = text.strip().split(" ")[0] if text else ""
    if not value:
        return None
    try:
        if "/" in value:
            day, month, year = value.split("/")
            return dt.date(int(year), int(month), int(day))
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"bad {column}: {text!r} (use DD/MM/YYYY or YYYY-MM-DD)") from None


def person_name(written: str) -> str:
    """A person's name without the titles and honours the source put around it."""
    name = _HONOURS.sub("", _TITLES.sub("", written.strip())).strip(" ,")
    return name or written.strip()


def _flag(value: str | None) -> bool | None:
    if not value:
        return None
    return value.strip().lower() in {"true", "yes", "1", "y"}


def _type(value: str | None) -> str:
    v = (value or "").strip().lower().replace("-", " ")
    if not v or v == "cash":
        return "cash"
    if "loan" in v or "credit" in v:
        return "loan"
    if v in {"non cash", "noncash", "non_cash", "in kind"}:
        return "non_cash"
    if v == "visit":
        return "visit"
    return "other"


def _status(action: str | None, accepted: dt.date | None) -> str:
    v = (action or "").strip().lower()
    if not v:
        return "accepted" if accepted is not None or action is None else "other"
    if v.startswith("accept"):
        return "accepted"
    if v.startswith("forfeit"):
        return "forfeited"
    if v.startswith("return"):
        return "returned"
    return "other"


def _key_part(name: str) -> str:
    return normalize_name(name) or name.strip().lower()


@functools.lru_cache(maxsize=65536)
def _identifier_key(scheme: str, value: str) -> str:
    # Donors give again and again: their numbers are normalised once (bounded cache).
    scheme = canonical_scheme(scheme)
    number = normalize_identifier(scheme, value)
    if scheme in PERSON_SCHEMES:  # source keys are published: a personal number as a digest
        number = "sha256-" + hashlib.sha256(f"{scheme}/{number}".encode()).hexdigest()[:24]
    return f"donor/{scheme}/{number}"


def _donor_key(kind: str, name: str, identifiers: list[tuple[str, str]],
               postcode: str | None) -> str:
    """One entity per donor in a dataset: by identifier when there is one, else by name
    (and postcode, which tells two namesakes of the source apart)."""
    if identifiers:
        return _identifier_key(*identifiers[0])
    key = f"donor/{kind}/{_key_part(name)}"
    if not postcode:
        return key
    code = postcode.replace(" ", "").upper()
    # A person's postcode is part of a residential address, which is never published, and
    # source keys are: it enters the key as a digest.
    if kind == "person":
        code = hashlib.sha256(code.encode()).hexdigest()[:12]
    return f"{key}/{code}"


def recipient(name: str, kind: str = "party", country: str | None = None) -> Party:
    """A party is one entity per normalised name: its accounting units belong to it."""
    clean = re.sub(r"\s*\[(?:de-?registered|deregistered)[^\]]*\]\s*$", "", name.strip(),
                   flags=re.IGNORECASE)
    if kind == "person":
        plain = person_name(clean)
        return Party(f"recipient/person/{_key_part(plain)}", "person", plain, name,
                     country=country)
    data = {"political_party": True} if kind == "party" else {}
    return Party(f"recipient/{kind}/{_key_part(clean)}", "company", clean, name,
                 country=country, data=data)


def _hash(values: dict[str, str]) -> str:
    joined = "\x1f".join(f"{k}={v}" for k, v in sorted(values.items()))
    return hashlib.sha1(joined.encode()).hexdigest()  # noqa: S324 - an id, not security


# --- the Electoral Commission -------------------------------------------------------------

_EC_EXTRA = ("IsSponsorship", "IsBequest", "IsAggregation", "IsReportedPrePoll",
             "AccountingUnitsAsCentralParty", "IsIrishSource")
_EC_TEXT = ("RegulatedDoneeType", "Register", "CampaigningName", "PurposeOfVisit")


def parse_uk_ec(values: dict[str, str]) -> Parsed:
    for column in UK_EC_REQUIRED:
        if not values.get(column):
            raise ValueError(f"missing {column}")
    value = parse_amount(values["Value"])
    accepted = parse_date(values.get("AcceptedDate", ""), "AcceptedDate")
    received = parse_date(values.get("ReceivedDate", ""), "ReceivedDate")
    reported = parse_date(values.get("ReportedDate", ""), "ReportedDate")
    if accepted is None and received is None and reported is None:
        raise ValueError("missing AcceptedDate (and no ReceivedDate or ReportedDate)")
    status_text = values.get("DonorStatus") or None
    written = values["DonorName"]
    is_person = (status_text or "").lower() == "individual"
    number = re.sub(r"\s+", "", values.get("CompanyRegistrationNumber", "")).upper()
    identifiers = [("GB-COH", number)] if number and not is_person and number != "0" else []
    postcode = values.get("Postcode") or None
    kind = "person" if is_person else "company"
    name = person_name(written) if is_person else written.strip()
    donor = Party(_donor_key(kind, name, identifiers, postcode), kind, name, written,
                  identifiers=identifiers, country="GB",
                  # An individual's postcode is residential: restricted (registry/privacy.py),
                  # kept for matching, never published.
                  addresses=[{"type": "residence" if is_person else "donor",
                              "postCode": postcode, "country": "GB"}]
                  if postcode else [],
                  data={"donor_type": status_text} if status_text else {})
    entity_type = values.get("RegulatedEntityType") or None
    rtype = (entity_type or "Political Party").lower()
    donee = (values.get("RegulatedDoneeType") or "").lower()
    rkind = ("party" if "party" in rtype else
             "person" if donee and "association" not in donee else "company")
    party = recipient(values["RegulatedEntityName"], rkind, "GB")
    unit = (values.get("AccountingUnitName") or "").strip()
    if unit.lower() in {"", "central party", party.name.lower()}:
        unit = ""
    data: dict[str, Any] = {}
    for column in _EC_EXTRA:
        flag = _flag(values.get(column))
        if flag is not None:
            data[column] = flag
    for column in _EC_TEXT:
        if values.get(column):
            data[column] = values[column]
    return Parsed(
        reference=values["ECRef"], donor=donor, donor_type=status_text, recipient=party,
        recipient_type=entity_type, accounting_unit=unit or None, value=value, currency="GBP",
        accepted_date=accepted, received_date=received, reported_date=reported,
        type=_type(values.get("DonationType")),
        nature=values.get("NatureOfDonation") or values.get("PurposeOfVisit") or None,
        status=_status(values.get("DonationAction"), accepted),
        reporting_period=values.get("ReportingPeriodName") or None, data=data)


# --- the generic layout -------------------------------------------------------------------

def parse_csv(values: dict[str, str]) -> Parsed:
    for column in CSV_REQUIRED:
        if not values.get(column):
            raise ValueError(f"missing {column}")
    day = parse_date(values["date"], "date")
    amount = parse_amount(values["amount"])
    currency = values["currency"].strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValueError(f"bad currency: {values['currency']!r} (use ISO 4217, e.g. GEL)")
    scheme = canonical_scheme(values.get("donor_id_scheme", "")) if values.get(
        "donor_id_scheme") else ""
    ident = values.get("donor_id", "")
    if ident and not scheme:
        raise ValueError("donor_id without donor_id_scheme")
    kind = (values.get("donor_kind") or "").lower() or (
        "person" if scheme in PERSON_SCHEMES else "company")
    if kind not in {"person", "company"}:
        raise ValueError(f"bad donor_kind: {kind!r} (person or company)")
    written = values["donor_name"]
    name = person_name(written) if kind == "person" else written.strip()
    identifiers = [(scheme, ident)] if ident else []
    country = (values.get("donor_country") or "").upper() or None
    address = values.get("donor_address") or None
    key = _donor_key(kind, name, identifiers, None if identifiers else address)
    restricted: dict[str, Any] = {}
    if scheme in PERSON_SCHEMES and ident:
        restricted["identifiers"] = [{"scheme": scheme, "id": ident}]
        identifiers = []
    donor = Party(key, kind, name, written, identifiers=identifiers, country=country,
                  restricted=restricted,
                  addresses=[{"type": "residence" if kind == "person" else "donor",
                              "address": address, "country": country}]
                  if address else [])
    status = (values.get("status") or "accepted").lower()
    if status not in {"accepted", "returned", "forfeited", "other"}:
        raise ValueError(f"bad status: {status!r} (accepted, returned or forfeited)")
    return Parsed(
        reference=values.get("reference") or "row-" + _hash(values)[:20], donor=donor,
        donor_type=kind, recipient=recipient(values["recipient"], "party", country),
        recipient_type="party", accounting_unit=values.get("recipient_unit") or None,
        value=amount, currency=currency, accepted_date=day, received_date=None,
        reported_date=None, type=_type(values.get("type")),
        nature=values.get("nature") or None, status=status, reporting_period=None, data={})


PARSERS = {"uk-ec": (parse_uk_ec, UK_EC_REQUIRED), "csv": (parse_csv, CSV_REQUIRED)}


def detect_format(paths: list[str]) -> str:
    """``uk-ec`` when the first file's header has ``ECRef``, else ``csv``."""
    for path in expand_paths(paths):
        with path.open("rb") as fh:
            head = fh.read(4096)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(Path(path), "rb") as gz:
                head = gz.read(4096)
        return "uk-ec" if b"ECRef" in head.split(b"\n", 1)[0] else "csv"
    return "csv"
