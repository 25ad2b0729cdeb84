"""Generated OCDS releases: about 2.5 per process (tender, sometimes tenderers, award,
sometimes contract), with the releases of one process spread far apart in the stream as in
real publications. Deterministic for a seed. The OCDS import benchmark (bench/ocds_import.py)
and the importer's tests both read them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

SPREAD = 7_000  # how many values apart the stages of one process are


def _org(rng: random.Random, kind: str, n: int) -> dict[str, Any]:
    scheme = rng.choice(["GB-COH", "UA-EDR", "DE-CR", "FR-RCS"])
    ident = f"{rng.randrange(10**7, 10**8)}"
    return {
        "id": f"{scheme}-{ident}", "name": f"{kind.title()} {n} {rng.choice(['Ltd', 'GmbH'])}",
        "identifier": {"scheme": scheme, "id": ident, "legalName": f"{kind.upper()} {n}"},
        "address": {"streetAddress": f"{n} High Street", "locality": "Springfield",
                    "postalCode": f"{n % 99999:05d}", "countryName": "United Kingdom"},
        "contactPoint": {"name": "Desk", "email": f"desk{n}@example.org"},
    }


KINDS = {2: ["tender", "award"], 3: ["tender", "award", "contract"],
         4: ["tender", "tenderers", "award", "contract"]}


def _stages(ocid_n: int) -> int:
    return 2 + (ocid_n % 3 != 0) + (ocid_n % 2 == 0)  # 2 to 4 releases


def _release(rng: random.Random, ocid_n: int, stage: int) -> dict[str, Any]:
    ocid = f"ocds-bench-{ocid_n:08d}"
    local = random.Random(ocid_n)  # the same parties in every release of a process
    buyer = _org(local, "buyer", ocid_n % 500)
    supplier = _org(local, "supplier", ocid_n)
    tenderer = _org(local, "tenderer", ocid_n + 1)
    base: dict[str, Any] = {"ocid": ocid, "initiationType": "tender",
                            "date": f"202{stage}-0{1 + ocid_n % 9}-1{ocid_n % 9}T10:00:00Z"}
    amount = 1000 + ocid_n % 100_000
    kind = KINDS[_stages(ocid_n)][stage]
    if kind == "tender":
        return {**base, "id": f"{ocid}-tender", "tag": ["tender"],
                "parties": [{**buyer, "roles": ["buyer", "procuringEntity"]}],
                "buyer": {"id": buyer["id"], "name": buyer["name"]},
                "tender": {"id": f"{ocid}-T", "title": f"Works lot {ocid_n}",
                           "description": "Maintenance works " + rng.choice("ABCDEFG") * 20,
                           "status": "active", "value": {"amount": amount, "currency": "EUR"},
                           "items": [{"id": str(i), "description": f"item {i}",
                                      "quantity": i + 1} for i in range(2)]}}
    if kind == "tenderers":
        return {**base, "id": f"{ocid}-tenderers", "tag": ["tenderUpdate"],
                "parties": [{**tenderer, "roles": ["tenderer"]},
                            {**supplier, "roles": ["tenderer"]}],
                "tender": {"id": f"{ocid}-T", "numberOfTenderers": 2,
                           "tenderers": [{"id": o["id"], "name": o["name"]}
                                         for o in (tenderer, supplier)]}}
    if kind == "award":
        return {**base, "id": f"{ocid}-award", "tag": ["award"],
                "parties": [{**supplier, "roles": ["supplier"]}],
                "awards": [{"id": f"{ocid}-A1", "status": "active", "date": base["date"],
                            "value": {"amount": amount * 0.95, "currency": "EUR"},
                            "suppliers": [{"id": supplier["id"], "name": supplier["name"]}]}]}
    return {**base, "id": f"{ocid}-contract", "tag": ["contract"],
            "tender": {"id": f"{ocid}-T", "status": "complete"},
            "contracts": [{"id": f"{ocid}-C1", "awardID": f"{ocid}-A1", "status": "active",
                           "dateSigned": base["date"],
                           "period": {"startDate": base["date"], "endDate": base["date"]},
                           "value": {"amount": amount * 0.95, "currency": "EUR"}}]}


def generate(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """About n releases; the k-th stage of process i comes k * SPREAD values after its first."""
    rng = random.Random(seed)
    n_ocids = max(1, int(n / 2.75))
    emitted = 0
    pos = 0
    while emitted < n:
        for stage in range(4):
            i = pos - stage * SPREAD
            if 0 <= i < n_ocids and stage < _stages(i):
                yield _release(rng, i, stage)
                emitted += 1
                if emitted >= n:
                    return
        pos += 1
        if pos > n_ocids + 4 * SPREAD:
            return
