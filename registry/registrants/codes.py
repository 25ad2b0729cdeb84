"""Code lists of the register: categories, subject matters, money bands.

Modelled on the EU Transparency Register (registration categories, fields of interest, cost
ranges) and the Bundestag Lobbyregister (financial expenses in ranges); a country adopting the
registry edits this module.
"""

from __future__ import annotations

CATEGORIES: dict[str, str] = {
    "consultancy": "Professional consultancy",
    "law_firm": "Law firm",
    "self_employed": "Self-employed consultant",
    "in_house": "Company or group (in-house)",
    "trade_association": "Trade or business association",
    "trade_union": "Trade union or professional association",
    "ngo": "Non-governmental organisation",
    "think_tank": "Think tank or research institution",
    "academic": "Academic institution",
    "religious": "Church or religious community",
    "public_authority": "Association or network of public authorities",
    "other": "Other organisation",
}

# Those who lobby for others declare their clients, with an income band per client.
CLIENT_CATEGORIES = frozenset({"consultancy", "law_firm", "self_employed"})
# A self-employed consultant is a person; every other registrant is an organisation.
PERSON_CATEGORIES = frozenset({"self_employed"})

SUBJECT_MATTERS: dict[str, str] = {
    "agriculture": "Agriculture and rural development",
    "competition": "Competition",
    "consumer-protection": "Consumer protection",
    "culture": "Culture and media",
    "defence": "Defence and security",
    "digital": "Digital economy and society",
    "education": "Education and research",
    "employment": "Employment and social affairs",
    "energy": "Energy",
    "environment": "Environment and climate",
    "finance": "Financial services",
    "foreign-affairs": "Foreign affairs and trade",
    "health": "Public health",
    "housing": "Housing",
    "infrastructure": "Infrastructure and construction",
    "justice": "Justice and fundamental rights",
    "migration": "Migration",
    "public-procurement": "Public procurement",
    "taxation": "Taxation",
    "transport": "Transport",
    "urban-planning": "Urban planning",
}

# Annual lobbying costs and income per client, in euros.
MONEY_BANDS: dict[str, str] = {
    "0-9999": "less than 10,000",
    "10000-24999": "10,000 - 24,999",
    "25000-49999": "25,000 - 49,999",
    "50000-99999": "50,000 - 99,999",
    "100000-199999": "100,000 - 199,999",
    "200000-299999": "200,000 - 299,999",
    "300000-399999": "300,000 - 399,999",
    "400000-499999": "400,000 - 499,999",
    "500000-999999": "500,000 - 999,999",
    "1000000+": "1,000,000 or more",
}


def code_lists() -> dict[str, dict[str, str]]:
    return {"categories": CATEGORIES, "subject_matters": SUBJECT_MATTERS,
            "money_bands": MONEY_BANDS}
