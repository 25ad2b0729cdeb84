# ruff: noqa: RUF001  (names in many scripts are the point here)
"""Build the labelled evaluation set for linking: ``linking_eval.jsonl`` next to this module.

Hand-written seeds (companies of eight countries in Latin, Cyrillic, Greek and Georgian
script with their legal forms and romanisations, persons with namesakes) are turned into
labelled pairs by the variations that real sources show: upper case, lost accents, typos,
another spelling of the legal form, identifiers reformatted or missing; and into hard
negatives: sister companies (same stem, same address), the same name abroad, numbered
companies, near-identical names with different identifiers, person namesakes. Labels are
known by construction. Pairs are split into train and test by seed, so no company appears
in both. Deterministic: ``python -m search.matching.labelled.make_linking_eval`` rewrites the
same file.
"""

from __future__ import annotations

import json
import random
import unicodedata
import zlib
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "linking_eval.jsonl"

# (country, name as the register writes it, romanised/other spelling or None, legal-form
#  spellings [register first], scheme, identifier, address)
COMPANIES: list[tuple[str, str, str | None, list[str], str, str, str]] = [
    ("GB", "Acme Construction", None, ["Limited", "Ltd", "LTD.", "Ltd."], "GB-COH", "01234567",
     "12 Fleet Street, London EC4Y 1AA"),
    ("GB", "Northwind Logistics", None, ["Limited", "Ltd"], "GB-COH", "04455667",
     "Unit 4, Dockside Road, Hull HU1 2AA"),
    ("GB", "Blue River Engineering", None, ["Limited", "Ltd", "LTD"], "GB-COH", "SC123456",
     "8 Union Street, Glasgow G1 3QX"),
    ("GB", "Harbour View Facilities Management", None, ["Limited", "Ltd"], "GB-COH",
     "09876543", "1 Quay Parade, Swansea SA1 1SR"),
    ("GB", "Pennine Civil Works", None, ["Limited", "Ltd"], "GB-COH", "00567812",
     "Mill Lane, Halifax HX1 1AB"),
    ("GB", "Thames Gateway Waste Services", None, ["PLC", "Public Limited Company"], "GB-COH",
     "02233445", "Riverside Way, Dartford DA1 5PA"),
    ("GB", "Greenleaf Catering", None, ["Ltd", "Limited"], "GB-COH", "NI612345",
     "22 Lisburn Road, Belfast BT9 6AA"),
    ("GB", "Saint Andrews Medical Supplies", None, ["Limited", "Ltd"], "GB-COH", "07001234",
     "3 Market Street, St Andrews KY16 9NS"),
    ("GB", "Oakfield IT Solutions", None, ["Ltd", "Limited"], "GB-COH", "11223344",
     "Oakfield House, Reading RG1 1AA"),
    ("GB", "Kingsway Security Services", None, ["Limited", "Ltd"], "GB-COH", "05566778",
     "40 Kingsway, Manchester M20 5PG"),
    ("DE", "Müller Bau", None, ["GmbH", "Gesellschaft mit beschränkter Haftung"], "DE-CR",
     "HRB 12345 B (Amtsgericht Charlottenburg)", "Friedrichstraße 100, Berlin"),
    ("DE", "Schäfer Straßenbau", None, ["GmbH"], "DE-CR", "HRB 45678 (Amtsgericht München)",
     "Landsberger Straße 5, München"),
    ("DE", "Köhler Gebäudetechnik", None, ["GmbH", "GmbH & Co. KG"], "DE-CR",
     "HRA 9876 (Amtsgericht Hamburg)", "Große Elbstraße 12, Hamburg"),
    ("DE", "Becker Tiefbau", None, ["AG", "Aktiengesellschaft"], "DE-CR",
     "HRB 22113 (Amtsgericht Köln)", "Hohenzollernring 9, Köln"),
    ("DE", "Weiß Medizintechnik", None, ["GmbH"], "DE-CR", "HRB 7788 (Amtsgericht Stuttgart)",
     "Königstraße 1, Stuttgart"),
    ("DE", "Nordlicht Energie", None, ["GmbH"], "DE-CR", "HRB 33221 (Amtsgericht Kiel)",
     "Holstenstraße 3, Kiel"),
    ("UA", "Будівельна компанія Дніпро", "Budivelna kompaniia Dnipro", ["ТОВ", "TOV", "LLC"],
     "UA-EDR", "34567890", "вул. Січових Стрільців 21, Київ"),
    ("UA", "Київшляхбуд", "Kyivshliakhbud", ["ТОВ", "TOV", "LLC"], "UA-EDR", "01234987",
     "вул. Хрещатик 10, Київ"),
    ("UA", "Укрбудмонтаж", "Ukrbudmontazh", ["ПрАТ", "PrAT", "PrJSC"], "UA-EDR", "05512345",
     "просп. Перемоги 44, Київ"),
    ("UA", "Львівські дороги", "Lvivski dorohy", ["ТОВ", "TOV", "LLC"], "UA-EDR", "40011223",
     "вул. Городоцька 15, Львів"),
    ("UA", "Харківенергоремонт", "Kharkivenerhoremont", ["ТОВ", "TOV"], "UA-EDR", "00987654",
     "вул. Сумська 1, Харків"),
    ("UA", "Одеський порт сервіс", "Odeskyi port servis", ["ТОВ", "TOV", "LLC"], "UA-EDR",
     "38877665", "Митна площа 1, Одеса"),
    ("UA", "Агрохім Поділля", "Ahrokhim Podillia", ["ТОВ", "TOV"], "UA-EDR", "32100456",
     "вул. Соборна 9, Вінниця"),
    ("RU", "Ромашка", "Romashka", ["ООО", "OOO", "LLC"], "RU-INN", "7701234567",
     "ул. Тверская 1, Москва"),
    ("RU", "Сибирская строительная компания", "Sibirskaya stroitelnaya kompaniya",
     ["ООО", "OOO"], "RU-INN", "5406123456", "Красный проспект 20, Новосибирск"),
    ("GR", "Αθηναϊκή Τεχνική", "Athinaiki Techniki", ["Α.Ε.", "A.E.", "S.A."], "GR-CR",
     "123456701000", "Λεωφόρος Κηφισίας 10, Αθήνα"),
    ("GR", "Μακεδονικές Κατασκευές", "Makedonikes Kataskeves", ["Α.Ε.", "AE", "S.A."],
     "GR-CR", "998877601000", "Εγνατία 50, Θεσσαλονίκη"),
    ("GR", "Κρητική Ενέργεια", "Kritiki Energeia", ["Ε.Π.Ε.", "EPE", "Ltd"], "GR-CR",
     "445566701000", "Ηρακλείου 3, Ηράκλειο"),
    ("GE", "თბილისი ბილდინგი", "Tbilisi Bildingi", ["შპს", "LLC", "Ltd"], "GE-NAPR",
     "404123456", "რუსთაველის გამზირი 12, თბილისი"),
    ("GE", "ქართული გზები", "Kartuli Gzebi", ["შპს", "LLC"], "GE-NAPR", "405987654",
     "აღმაშენებლის 5, თბილისი"),
    ("ES", "Construcciones García", None, ["S.L.", "SL", "Sociedad Limitada"], "ES-NIF",
     "B12345678", "Calle de Alcalá 100, Madrid"),
    ("ES", "Ingeniería Martínez Hermanos", None, ["S.A.", "SA", "Sociedad Anónima"], "ES-NIF",
     "A28123456", "Avenida Diagonal 200, Barcelona"),
    ("ES", "Obras y Servicios Peñalara", None, ["S.L.", "SL"], "ES-NIF", "B87654321",
     "Calle Mayor 3, Segovia"),
    ("ES", "Limpiezas Andaluzas", None, ["S.L.U.", "SLU", "S.L."], "ES-NIF", "B41234567",
     "Avenida de la Constitución 8, Sevilla"),
    ("PL", "Budimex Polska", None, ["sp. z o.o.", "Sp. z o.o.", "SP Z OO"], "PL-KRS",
     "0000123456", "ul. Marszałkowska 10, Warszawa"),
    ("PL", "Drogi Łódzkie", None, ["sp. z o.o.", "SP. Z O.O."], "PL-KRS", "0000654321",
     "ul. Piotrkowska 100, Łódź"),
    ("IT", "Costruzioni Rossi", None, ["S.p.A.", "SpA", "SPA"], "IT-CF", "01234560157",
     "Via Roma 1, Milano"),
    ("IT", "Servizi Ambientali Bianchi", None, ["S.r.l.", "Srl", "SRL"], "IT-CF",
     "09876540963", "Corso Vittorio Emanuele 5, Torino"),
    ("FR", "Société Générale de Travaux", None, ["SARL", "S.A.R.L."], "FR-RCS",
     "512345678", "12 rue de Rivoli, Paris"),
    ("FR", "Bâtiments Lefèvre", None, ["SAS", "S.A.S."], "FR-RCS", "498765432",
     "3 quai Saint-Antoine, Lyon"),
    ("XI", "Global Infrastructure Partners", None, ["LLC", "L.L.C."], "XI-LEI",
     "529900T8BM49AURSDO55", "1 Main Street, Wilmington"),
]

# Sister companies: the same stem with another activity, usually at the same address.
SISTER_WORDS = ["Holdings", "Group", "Property", "Services", "Trading", "Investments",
                "Management", "International"]
# (country, name, romanised or None, birth date YYYY-MM)
PERSONS: list[tuple[str, str, str | None, str]] = [
    ("GB", "John Andrew Smith", None, "1968-04"),
    ("GB", "Sarah Elizabeth Jones", None, "1975-11"),
    ("GB", "David Brown", None, "1980-02"),
    ("ES", "María García López", None, "1975-09"),
    ("ES", "José Luis Fernández Ruiz", None, "1962-07"),
    ("DE", "Hans Müller", None, "1960-01"),
    ("DE", "Jürgen Schröder", None, "1958-12"),
    ("UA", "Олександр Коваленко", "Oleksandr Kovalenko", "1971-03"),
    ("UA", "Наталія Шевченко", "Nataliia Shevchenko", "1983-06"),
    ("RU", "Сергей Иванов", "Sergei Ivanov", "1970-05"),
    ("GR", "Γιώργος Παπαδόπουλος", "Giorgos Papadopoulos", "1966-08"),
    ("GE", "გიორგი ბერიძე", "Giorgi Beridze", "1979-10"),
    ("PL", "Krzysztof Wójcik", None, "1972-01"),
    ("FR", "François Lefèvre", None, "1969-03"),
    ("IT", "Giuseppe Rossi", None, "1964-09"),
]
# A few of the romanisations that sources actually use besides the seed's.
OTHER_ROMANISATIONS = {
    "Budivelna kompaniia Dnipro": "Budivel'na Kompaniya Dnipro",
    "Kyivshliakhbud": "Kievshlyakhbud",
    "Lvivski dorohy": "Lvivski dorogy",
    "Romashka": "Romaschka",
    "Athinaiki Techniki": "Athenaike Technike",
    "Tbilisi Bildingi": "Tbilisi Building",
    "Oleksandr Kovalenko": "Aleksandr Kovalenko",
    "Giorgos Papadopoulos": "Georgios Papadopoulos",
    "Sergei Ivanov": "Sergey Ivanov",
}
ABROAD = {"GB": "IE", "DE": "AT", "UA": "PL", "RU": "KZ", "GR": "CY", "GE": "AM", "ES": "MX",
          "PL": "CZ", "IT": "CH", "FR": "BE", "XI": "US"}


def strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def typo(rng: random.Random, s: str) -> str:
    words = s.split()
    long = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not long:
        return s
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    op = rng.choice(["swap", "drop", "double", "sub"])
    if op == "swap":
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    elif op == "drop":
        w = w[:j] + w[j + 1:]
    elif op == "double":
        w = w[:j] + w[j] + w[j:]
    else:
        w = w[:j] + rng.choice("aeiourstnl") + w[j + 1:]
    words[i] = w
    return " ".join(words)


def reformat_id(rng: random.Random, scheme: str, value: str) -> str:
    if scheme in {"GB-COH", "UA-EDR", "PL-KRS"} and value.isdigit():
        return value.lstrip("0") or value
    if scheme == "DE-CR":
        return value.split("(")[0].replace(" ", "")
    if scheme == "ES-NIF":
        return "ES" + value
    if scheme == "XI-LEI":
        return " ".join(value[i:i + 4] for i in range(0, len(value), 4))
    return rng.choice([value, f" {value} "])


def other_id(rng: random.Random, scheme: str, value: str) -> str:
    """A different registration in the same scheme."""
    if scheme == "DE-CR":
        num = value.split()[1]
        return value.replace(num, str(int(num) + rng.randint(1, 999)), 1)
    chars = list(value)
    digits = [i for i, c in enumerate(chars) if c.isdigit()]
    i = rng.choice(digits[-4:])
    chars[i] = str((int(chars[i]) + rng.randint(1, 9)) % 10)
    return "".join(chars)


def party(kind: str, name: str, country: str | None, *, ids: list[dict[str, str]] | None = None,
          names: list[str] | None = None, address: str | None = None,
          birth_date: str | None = None) -> dict[str, Any]:
    p: dict[str, Any] = {"kind": kind, "name": name}
    if country:
        p["country"] = country
    if ids:
        p["identifiers"] = ids
    if names:
        p["names"] = names
    if address:
        p["addresses"] = [address]
    if birth_date:
        p["birth_date"] = birth_date
    return p


def company_pairs(rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for seed_no, (cc, name, roman, forms, scheme, ident, address) in enumerate(COMPANIES):
        group = f"c{seed_no}"
        reg_name = f"{forms[0]} «{name}»" if cc in {"UA", "RU"} else (
            f"{forms[0]} {name}" if cc == "GE" else f"{name} {forms[0]}")
        alt = [f"{roman} {forms[-1]}"] if roman else []
        register = party("company", reg_name, cc, ids=[{"scheme": scheme, "id": ident}],
                         names=alt, address=address)

        def pos(variant: str, other: dict[str, Any], group: str = group,
                register: dict[str, Any] = register) -> None:
            out.append({"group": group, "label": 1, "variant": variant,
                        "left": other, "right": register})

        def neg(variant: str, other: dict[str, Any], group: str = group,
                register: dict[str, Any] = register) -> None:
            out.append({"group": group, "label": 0, "variant": variant,
                        "left": other, "right": register})

        base = roman or name
        lat_form = [f for f in forms if f.isascii()] or ["LLC"]
        # Positives, as procurement or lobbying sources write them.
        for _ in range(2):
            form = rng.choice(lat_form) if roman else rng.choice(forms)
            spelt = f"{form} {base}" if (roman and rng.random() < 0.5) else f"{base} {form}"
            with_id = rng.random() < 0.5
            ids = [{"scheme": scheme, "id": reformat_id(rng, scheme, ident)}] if with_id else None
            pos("upper" + ("+id" if with_id else ""),
                party("company", spelt.upper(), cc, ids=ids))
        pos("accents_lost", party("company", strip_accents(f"{base} {rng.choice(lat_form)}"), cc))
        pos("legal_form_missing", party("company", base, cc))
        pos("typo", party("company", typo(rng, f"{base} {rng.choice(lat_form)}"), cc))
        pos("typo+id", party("company", typo(rng, f"{base} {rng.choice(lat_form)}"), cc,
                             ids=[{"scheme": scheme, "id": reformat_id(rng, scheme, ident)}]))
        pos("country_missing", party("company", f"{base} {rng.choice(lat_form)}", None))
        if roman and roman in OTHER_ROMANISATIONS:
            pos("other_romanisation",
                party("company", f"{OTHER_ROMANISATIONS[roman]} {lat_form[-1]}", cc))
        if roman:
            pos("native_script", party("company", reg_name.upper(), cc))
        pos("address", party("company", f"{base} {rng.choice(lat_form)}", cc,
                             address=address.upper()))
        # Hard negatives.
        stem = base.split()[0]
        for word in rng.sample(SISTER_WORDS, 2):
            sister = f"{stem} {word} {rng.choice(lat_form)}"
            neg("sister", party("company", sister, cc, address=address))
        neg("sister+id", party("company", f"{stem} {rng.choice(SISTER_WORDS)} {lat_form[0]}", cc,
                               ids=[{"scheme": scheme, "id": other_id(rng, scheme, ident)}]))
        neg("abroad", party("company", f"{base} {lat_form[0]}", ABROAD[cc]))
        neg("numbered", party("company", f"{base} {rng.randint(2, 9)} {lat_form[0]}", cc))
        neg("same_name_other_id", party(
            "company", f"{base} {lat_form[0]}", cc,
            ids=[{"scheme": scheme, "id": other_id(rng, scheme, ident)}]))
        other = COMPANIES[(seed_no + rng.randint(1, len(COMPANIES) - 1)) % len(COMPANIES)]
        neg("other_company", party("company", f"{other[2] or other[1]} {other[3][-1]}", cc))
        words = base.split()
        if len(words) >= 2:
            neg("one_word_changed", party(
                "company", " ".join([*words[:-1], rng.choice(["Logistics", "Energy", "Retail",
                                                              "Consulting"])])
                + f" {lat_form[0]}", cc))
    return out


def person_pairs(rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for seed_no, (cc, name, roman, born) in enumerate(PERSONS):
        group = f"p{seed_no}"
        owner = party("person", name, cc, names=[roman] if roman else None, birth_date=born)
        base = roman or name

        def add(label: int, variant: str, other: dict[str, Any], group: str = group,
                owner: dict[str, Any] = owner) -> None:
            out.append({"group": group, "label": label, "variant": variant,
                        "left": other, "right": owner})

        add(1, "upper+born", party("person", base.upper(), cc, birth_date=born))
        add(1, "accents_lost+born", party("person", strip_accents(base), cc, birth_date=born))
        add(1, "born_year", party("person", base, cc, birth_date=born[:4]))
        add(1, "typo+born", party("person", typo(rng, base), cc, birth_date=born))
        if roman and roman in OTHER_ROMANISATIONS:
            add(1, "other_romanisation+born",
                party("person", OTHER_ROMANISATIONS[roman], cc, birth_date=born))
        # No date of birth: the same person, but the evidence does not allow an auto link.
        add(1, "name_only", party("person", base, cc))
        # Namesakes.
        year = int(born[:4]) + rng.choice([-20, -11, 9, 17])
        add(0, "namesake_other_birth", party("person", base, cc, birth_date=f"{year}-01"))
        add(0, "namesake_abroad", party("person", base, ABROAD[cc]))
        parts = base.split()
        if len(parts) >= 3:
            add(0, "shorter_name", party("person", f"{parts[0]} {parts[-1]}", cc))
        else:
            add(0, "middle_name_added",
                party("person", f"{parts[0]} {rng.choice(['Peter', 'Anna', 'Maria'])} "
                                f"{parts[-1]}", cc))
        add(0, "same_surname", party("person", f"{rng.choice(['Robert', 'Elena', 'Ivan'])} "
                                               f"{parts[-1]}", cc))
    return out


def build() -> list[dict[str, Any]]:
    rng = random.Random(20261123)
    pairs = company_pairs(rng) + person_pairs(rng)
    for n, pair in enumerate(pairs):
        pair["id"] = n
        # Split by seed so that no company or person is in both halves: a third for test.
        pair["split"] = "test" if zlib.crc32(pair["group"].encode()) % 3 == 0 else "train"
    return pairs


def main() -> None:
    pairs = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as fh:
        for pair in pairs:
            fh.write(json.dumps(pair, ensure_ascii=False, sort_keys=True) + "\n")
    pos = sum(p["label"] for p in pairs)
    test = sum(p["split"] == "test" for p in pairs)
    print(f"{len(pairs)} pairs ({pos} same party, {len(pairs) - pos} not; {test} in test) "
          f"-> {OUT}")


if __name__ == "__main__":
    main()
