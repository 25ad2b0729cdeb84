# ruff: noqa: RUF001  (names in other scripts are the point here)
"""A second labelled set for linking, written apart from the first (``make_linking_eval``):
other name sources, the categories that failed on data the team never saw, split by company.

    python -m search.matching.labelled.make_holdout_eval [--seed 7] [--companies 600]

Names come from CLDR (through babel: the countries' and languages' own names for places,
in their scripts) joined with trade words of each language, not from the first set's word
lists; legal forms, identifiers and their formats follow each country's practice (check
digits from python-stdnum, so identifiers are valid). Each company gives a few labelled
pairs, one per category (``variant``):

same party (label 1): ``form_spelt_out`` (the national long form), ``form_english``
(``Limited Liability Company``), ``form_typo`` (a typo inside a spelt-out form),
``form_translit`` and ``translit_system`` (Cyrillic written in another Latin system),
``id_format`` (one identifier formatted otherwise: court before the number, ``IT`` prefix,
leading zeros, spaces), ``compound``, ``number_words``, ``the_prefix``, ``abbreviation``,
``ampersand``, ``typo_long``, ``person_translit`` (with the date of birth);
different parties (label 0): ``form_conflict`` (S.L./S.A., GmbH/GmbH & Co. KG, Ltd/PLC...),
``id_conflict`` (same name, another valid registration), ``sibling`` (one word differs),
``person_namesake`` (same name, another date of birth).

Every pair of a company lands in one split (``train`` 50 %, ``test`` 50 %, by company), so no
name is in both; ``bench.link_eval --data`` fits on train only and reports test per category.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from babel import Locale
from stdnum import luhn
from stdnum.es import cif
from stdnum.ua import edrpou

OUT = Path(__file__).parent / "linking_holdout.jsonl"

# country: (CLDR locale, trade words, (short form, long form, English form, class) by kind)
COUNTRIES: dict[str, dict[str, Any]] = {
    "IT": {"locale": "it", "trades": ["Costruzioni", "Servizi", "Energia", "Trasporti",
                                      "Ingegneria", "Forniture", "Impianti"],
           "forms": [("S.r.l.", "Società a responsabilità limitata",
                      "Limited Liability Company", "llc"),
                     ("S.p.A.", "Società per azioni", "Joint Stock Company", "jsc")],
           "and": "e"},
    "ES": {"locale": "es", "trades": ["Construcciones", "Servicios", "Energía", "Transportes",
                                      "Ingeniería", "Suministros", "Obras"],
           "forms": [("S.L.", "Sociedad Limitada", "Limited Liability Company", "llc"),
                     ("S.A.", "Sociedad Anónima", "Joint Stock Company", "jsc")],
           "and": "y"},
    "DE": {"locale": "de", "trades": ["Bau", "Dienstleistungen", "Energie", "Logistik",
                                      "Technik", "Handel", "Anlagenbau"],
           "forms": [("GmbH", "Gesellschaft mit beschränkter Haftung",
                      "Limited Liability Company", "llc"),
                     ("AG", "Aktiengesellschaft", "Joint Stock Company", "jsc"),
                     ("GmbH & Co. KG", "GmbH und Compagnie Kommanditgesellschaft",
                      "Limited Partnership", "lp")],
           "and": "und"},
    "PL": {"locale": "pl", "trades": ["Budownictwo", "Usługi", "Energia", "Transport",
                                      "Inżynieria", "Dostawy", "Instalacje"],
           "forms": [("sp. z o.o.", "spółka z ograniczoną odpowiedzialnością",
                      "Limited Liability Company", "llc"),
                     ("S.A.", "spółka akcyjna", "Joint Stock Company", "jsc")],
           "and": "i"},
    "UA": {"locale": "uk", "trades": ["Будівельна", "Енергетична", "Транспортна",
                                      "Інженерна", "Торгова", "Промислова"],
           "forms": [("ТОВ", "Товариство з обмеженою відповідальністю",
                      "Limited Liability Company", "llc"),
                     ("ПрАТ", "Приватне акціонерне товариство",
                      "Private Joint Stock Company", "jsc")],
           "and": "і"},
    "GB": {"locale": "en", "trades": ["Construction", "Services", "Energy", "Logistics",
                                      "Engineering", "Supplies", "Facilities"],
           "forms": [("Ltd", "Limited", "Limited Company", "llc"),
                     ("PLC", "Public Limited Company", "Public Limited Company", "jsc")],
           "and": "and"},
}
# Ukrainian letters in the national system (2010) and in a second, older one (BGN/PCGN):
# registers and procurement systems use both.
UA_NATIONAL = {"а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e",
               "є": "ie", "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i",
               "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
               "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
               "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "'": "", "’": ""}
UA_BGN = {**UA_NATIONAL, "г": "h", "є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya",
          "ь": "'"}
UA_PEOPLE = [("Олександр", "Коваленко"), ("Юлія", "Шевчук"), ("Сергій", "Бондаренко"),
             ("Ірина", "Ткаченко"), ("Андрій", "Кравченко"), ("Наталія", "Мельник"),
             ("Дмитро", "Поліщук"), ("Оксана", "Лисенко"), ("Василь", "Гриценко"),
             ("Тетяна", "Руденко"), ("Євген", "Мороз"), ("Ганна", "Савчук")]
LATIN_PEOPLE = [("Giulia", "Bianchi"), ("Javier", "Fernández"), ("Jürgen", "Schäfer"),
                ("Małgorzata", "Wójcik"), ("Siobhan", "O'Connor"), ("François", "Lefèvre"),
                ("Paolo", "Esposito"), ("Lucía", "Martínez"), ("Katarzyna", "Zielińska")]
COURTS = ["München", "Hamburg", "Köln", "Frankfurt am Main", "Düsseldorf", "Stuttgart"]
ABBREVIATIONS = [("International", "Int'l"), ("International", "Intl"),
                 ("Manufacturing", "Mfg"), ("Brothers", "Bros"), ("Services", "Svcs")]
NUMBERS = [(1, "First", "1st"), (2, "Second", "2nd"), (3, "Third", "3rd"),
           (44, "Forty-Four", "44"), (21, "Twenty-One", "21"), (7, "Seven", "7")]


def translit(text: str, table: dict[str, str]) -> str:
    out = []
    for ch in text:
        low = ch.lower()
        rep = table.get(low, ch)
        out.append(rep.capitalize() if ch != low and rep else rep)
    return "".join(out)


def place_words(locale: str) -> list[str]:
    words = set()
    for name in Locale(locale).territories.values():
        for w in name.replace("-", " ").split():
            if len(w) >= 5 and w[0].isupper() and w.isalpha():
                words.add(w)
    return sorted(words)


def identifier(rng: random.Random, country: str) -> tuple[str, str, list[str]]:
    """(scheme, canonical value, other formats of the same registration)."""
    if country == "DE":
        number, court = rng.randint(10000, 299999), rng.choice(COURTS)
        return "DE-CR", f"HRB {number} {court}", [
            f"{court} HRB {number}", f"Amtsgericht {court} HRB {number}",
            f"HRB{number} ({court})"]
    if country == "IT":
        body = f"{rng.randint(0, 9999999):07d}{rng.randint(1, 100):03d}"  # office code
        value = body + luhn.calc_check_digit(body)  # partita IVA: Luhn
        return "IT-CF", value, [f"IT{value}", f"IT {value[:5]} {value[5:]}"]
    if country == "ES":
        body = f"{rng.randint(0, 9999999):07d}"
        value = "B" + body + cif.calc_check_digits("B" + body)[0]
        return "ES-NIF", value, [f"ES{value}", f"{value[0]}-{value[1:]}"]
    if country == "UA":
        body = f"{rng.randint(0, 9999999):07d}"
        value = body + edrpou.calc_check_digit(body)
        return "UA-EDR", value, [value.lstrip("0") or value, f"{value[:4]} {value[4:]}"]
    if country == "PL":
        value = f"{rng.randint(1, 999999):010d}"
        return "PL-KRS", value, [value.lstrip("0"), f"KRS {value}"]
    value = f"{rng.randint(100000, 9999999):08d}"
    return "GB-COH", value, [value.lstrip("0"), f"{value[:4]} {value[4:]}"]


def typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1:] if rng.random() < 0.5 else word[:i] + word[i] + word[i:]


def side(name: str, country: str, ids: list[tuple[str, str]] | None = None,
         kind: str = "company", birth: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": kind, "name": name, "country": country}
    if ids:
        out["identifiers"] = [{"scheme": s, "id": v} for s, v in ids]
    if birth:
        out["birth_date"] = birth
    return out


def company_pairs(rng: random.Random, country: str, words: list[str]) -> list[dict[str, Any]]:
    spec = COUNTRIES[country]
    short, long_, english, _ = rng.choice(spec["forms"])
    core = f"{rng.choice(words)} {rng.choice(spec['trades'])}"
    if rng.random() < 0.3:
        core = f"{rng.choice(words)} {core}"
    name = f"{short} {core}" if country == "UA" else f"{core} {short}"
    scheme, value, formats = identifier(rng, country)
    left = side(name, country, [(scheme, value)])
    pairs: list[tuple[str, int, dict[str, Any]]] = []

    def with_form(form: str, text: str = core) -> str:
        return f"{form} {text}" if country == "UA" else f"{text} {form}"

    pairs.append(("form_spelt_out", 1, side(with_form(long_), country)))
    pairs.append(("form_english", 1, side(f"{core} {english}", country)))
    long_words = long_.split()
    k = max(range(len(long_words)), key=lambda i: len(long_words[i]))
    long_words[k] = typo(rng, long_words[k])
    pairs.append(("form_typo", 1, side(with_form(" ".join(long_words)), country)))
    pairs.append(("id_format", 1, side(name.upper(), country, [(scheme, rng.choice(formats))])))
    pairs.append(("upper", 1, side(name.upper().replace(" ", "  "), country)))
    if country == "UA":
        pairs.append(("form_translit", 1,
                      side(translit(with_form(long_), UA_NATIONAL), country)))
        pairs.append(("translit_system", 1,
                      side(translit(name, UA_BGN), country)))
    tokens = core.split()
    if len(tokens) >= 2:
        pairs.append(("compound", 1, side(with_form(tokens[0] + tokens[1].lower()
                                                    + "".join(" " + t for t in tokens[2:]),
                                                    short), country)))
        pairs.append(("ampersand", 1, side(
            with_form(f"{tokens[0]} {spec['and']} {' '.join(tokens[1:])}", short), country)))
        left_amp = side(with_form(f"{tokens[0]} & {' '.join(tokens[1:])}", short), country)
        pairs.append(("ampersand", 1, left_amp))
    if country != "UA":
        _, word, digits = rng.choice(NUMBERS)
        lw = side(with_form(f"{word} {core}", short), country, [(scheme, value)])
        pairs.append(("number_words", 1, lw | {"_left": side(with_form(f"{digits} {core}",
                                                                        short), country)}))
        full, abbr = rng.choice(ABBREVIATIONS)
        pairs.append(("abbreviation", 1, side(with_form(f"{core} {abbr}", short), country)
                      | {"_left": side(with_form(f"{core} {full}", short), country)}))
        pairs.append(("the_prefix", 1, side(f"The {name}", country)))
    if len(tokens) >= 3:
        t = list(tokens)
        j = max(range(len(t)), key=lambda i: len(t[i]))
        t[j] = typo(rng, t[j])
        pairs.append(("typo_long", 1, side(with_form(" ".join(t), short), country)))
    # Different parties.
    other = next((f for f in spec["forms"] if f[0] != short), None)
    if other is not None:
        pairs.append(("form_conflict", 0, side(with_form(other[0]), country)))
    _, other_value, _ = identifier(rng, country)
    if other_value != value and scheme != "DE-CR":
        pairs.append(("id_conflict", 0, side(name, country, [(scheme, other_value)])))
    sibling = f"{tokens[0]} {rng.choice([t for t in spec['trades'] if t not in tokens])}"
    pairs.append(("sibling", 0, side(with_form(sibling, short), country)))
    rows = []
    for variant, label, right in pairs:
        lft = right.pop("_left", left)
        rows.append({"variant": variant, "label": label, "left": lft, "right": right})
    return rows


def person_pairs(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    if rng.random() < 0.6:
        first, last = rng.choice(UA_PEOPLE)
        native = f"{first} {last}"
        latin = translit(native, rng.choice([UA_NATIONAL, UA_BGN]))
        country = "UA"
    else:
        first, last = rng.choice(LATIN_PEOPLE)
        native, latin = f"{first} {last}", f"{last.upper()}, {first}"
        country = "XX"
    birth = f"{rng.randint(1950, 1995)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    other_birth = f"{int(birth[:4]) + rng.randint(1, 20)}{birth[4:]}"
    left = side(native, country, kind="person", birth=birth)
    rows.append({"variant": "person_translit", "label": 1, "left": left,
                 "right": side(latin, country, kind="person", birth=birth[:7])})
    rows.append({"variant": "person_namesake", "label": 0, "left": left,
                 "right": side(latin, country, kind="person", birth=other_birth)})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--companies", type=int, default=600)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    words = {c: place_words(spec["locale"]) for c, spec in COUNTRIES.items()}
    rows: list[dict[str, Any]] = []
    for g in range(args.companies):
        country = rng.choice(sorted(COUNTRIES))
        group = company_pairs(rng, country, words[country]) if g % 5 else person_pairs(rng)
        split = "train" if rng.random() < 0.5 else "test"
        for row in group:
            rows.append({"group": f"h{g}", "split": split, **row})
    with args.out.open("w", encoding="utf-8") as fh:
        for i, row in enumerate(rows):
            fh.write(json.dumps({"id": i, **row}, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"wrote {len(rows)} pairs of {args.companies} parties to {args.out}")


if __name__ == "__main__":
    main()
