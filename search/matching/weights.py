"""Fitted by ``python -m bench.link_eval --fit`` on the training split; do not edit by hand."""

INTERCEPT = -18.5771
WEIGHTS = {
    "name_ratio": 5.8774,
    "name_token_sort": 6.7362,
    "name_token_set": 4.3356,
    "name_jaro_winkler": 3.7664,
    "name_exact": 1.6625,
    "token_unmatched": -4.8312,
    "number_mismatch": -9.0901,
    "single_token": 1.8926,
    "legal_form_agree": -0.0967,
    "legal_form_conflict": -10.4036,
    "country_agree": 2.4703,
    "country_conflict": -7.8669,
    "address": -0.2872,
    "identifier_conflict": -11.5436,
    "birth_date_agree": 2.8660,
    "birth_date_conflict": -9.7380,
}
AUTO_THRESHOLD = 0.800
CANDIDATE_THRESHOLD = 0.200
