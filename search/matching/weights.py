"""Fitted by ``python -m bench.link_eval --fit`` on the training split; do not edit by hand."""

INTERCEPT = -8.0
WEIGHTS = {
    "name_ratio": 4.0,
    "name_token_sort": 4.0,
    "name_token_set": 0.0,
    "name_jaro_winkler": 2.0,
    "name_exact": 2.0,
    "token_unmatched": -4.0,
    "number_mismatch": -3.0,
    "single_token": -1.0,
    "legal_form_agree": 0.5,
    "legal_form_conflict": -1.0,
    "country_agree": 1.0,
    "country_conflict": -3.0,
    "address": 0.5,
    "identifier_conflict": -6.0,
    "birth_date_agree": 2.0,
    "birth_date_conflict": -4.0,
}
AUTO_THRESHOLD = 0.9
CANDIDATE_THRESHOLD = 0.5
