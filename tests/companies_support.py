"""Small files in the three UK formats: Companies House company data (CSV, as published),
the PSC snapshot (JSON Lines with its totals line) and a procurement release package."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from importers.companies import UK_HEADER

ACME_NUMBER = "09145694"
SMITH = "John Andrew Smith"


def uk_row(**values: str) -> list[str]:
    """A row of the company data file; ``values`` by column name without its spaces."""
    columns = [h.strip() for h in UK_HEADER]
    unknown = set(values) - set(columns)
    assert not unknown, unknown
    return [values.get(c, "") for c in columns]


ACME = uk_row(**{
    "CompanyName": "ACME CONSTRUCTION LIMITED", "CompanyNumber": ACME_NUMBER,
    "RegAddress.AddressLine1": "1 BUILDER STREET", "RegAddress.PostTown": "LEEDS",
    "RegAddress.Country": "ENGLAND", "RegAddress.PostCode": "LS1 1AA",
    "CompanyCategory": "Private Limited Company", "CompanyStatus": "Active",
    "CountryOfOrigin": "United Kingdom", "IncorporationDate": "20/07/2014",
    "SICCode.SicText_1": "41202 - Construction of domestic buildings",
    "URI": f"http://business.data.gov.uk/id/company/{ACME_NUMBER}",
    "PreviousName_1.CONDATE": "01/07/2019", "PreviousName_1.CompanyName": "ACME BUILDERS LIMITED",
    "PreviousName_2.CONDATE": "15/03/2016", "PreviousName_2.CompanyName": "LEEDS BRICK CO LIMITED",
})
HIGHLAND = uk_row(**{
    "CompanyName": "HIGHLAND WIDGETS LTD", "CompanyNumber": "SC123456",
    "RegAddress.AddressLine1": "2 GLEN ROAD", "RegAddress.PostTown": "INVERNESS",
    "CompanyCategory": "Private Limited Company", "CompanyStatus": "Dissolved",
    "CountryOfOrigin": "United Kingdom", "IncorporationDate": "01/02/2010",
    "DissolutionDate": "15/01/2022",
})
BAD_DATE = uk_row(CompanyName="BROKEN DATES LIMITED", CompanyNumber="00000042",
                  IncorporationDate="2014-07-20")


def write_uk_csv(path: Path, rows: list[list[str]]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(UK_HEADER)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def write_uk_zip(path: Path, parts: list[list[list[str]]]) -> Path:
    """Zipped parts, as published (``BasicCompanyData-...-part1_2.csv`` ...)."""
    with zipfile.ZipFile(path, "w") as zf:
        for n, rows in enumerate(parts, start=1):
            tmp = write_uk_csv(path.with_suffix(f".part{n}"), rows)
            zf.write(tmp, f"BasicCompanyData-2024-05-01-part{n}_{len(parts)}.csv")
            tmp.unlink()
    return path


def psc_lines(persons: int = 1, statements: int = 0) -> list[dict[str, Any]]:
    smith = {"company_number": ACME_NUMBER, "data": {
        "kind": "individual-person-with-significant-control", "etag": "etag-smith-1",
        "name": "Mr John Andrew Smith",
        "name_elements": {"title": "Mr", "forename": "John", "middle_name": "Andrew",
                          "surname": "Smith"},
        "date_of_birth": {"month": 3, "year": 1965}, "nationality": "British",
        "country_of_residence": "England", "notified_on": "2016-04-06",
        "natures_of_control": ["ownership-of-shares-75-to-100-percent",
                               "voting-rights-75-to-100-percent"],
        "links": {"self": f"/company/{ACME_NUMBER}/persons-with-significant-control/"
                          "individual/SMITH1"}}}
    totals = {"data": {"kind": "totals#persons-of-significant-control-snapshot",
                       "persons_of_significant_control_count": persons,
                       "statements_count": statements, "exemptions_count": 0}}
    return [smith, totals]


def write_psc(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def release(ocid: str, award_date: str, supplier: str,
            country: str = "United Kingdom") -> dict[str, Any]:
    buyer = {"id": "GB-LAE-LDS", "name": "Leeds City Council", "roles": ["buyer"]}
    party = {"id": "sup-1", "name": supplier, "roles": ["supplier"],
             "address": {"countryName": country}}
    return {"ocid": ocid, "id": f"{ocid}-award", "date": f"{award_date}T12:00:00Z",
            "tag": ["award"], "initiationType": "tender", "parties": [buyer, party],
            "buyer": {"id": buyer["id"], "name": buyer["name"]},
            "awards": [{"id": "A1", "status": "active", "date": f"{award_date}T00:00:00Z",
                        "suppliers": [{"id": "sup-1", "name": supplier}]}]}


def write_release_package(path: Path, releases: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"uri": "https://example.org/releases.json",
                                "publishedDate": "2024-06-01T00:00:00Z", "version": "1.1",
                                "releases": releases}), encoding="utf-8")
    return path
