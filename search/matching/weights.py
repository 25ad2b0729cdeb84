"""Fitted by ``python -m bench.link_eval --fit`` on the training split; do not edit by hand."""

INTERCEPT = -18.1842
WEIGHTS = {
    "name_ratio": 6.7945,
    "name_token_sort": 7.1458,
    "name_token_set": 2.7755,
    "name_jaro_winkler": 2.6958,
    "name_exact": 1.3139,
    "token_unmatched": -1.6826,
    "number_mismatch": -6.0445,
    "single_token": 0.4507,
    "legal_form_agree": 1.1167,
    "legal_form_conflict": 0.9589,
    "country_agree": 1.2980,
    "country_conflict": -7.3122,
    "address": -1.0833,
    "identifier_conflict": -8.3483,
    "birth_date_agree": 3.3819,
    "birth_date_conflict": -6.5048,
}
AUTO_THRESHOLD = 0.800
CANDIDATE_THRESHOLD = 0.200
