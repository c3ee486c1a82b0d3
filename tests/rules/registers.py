"""Registers for the linter tests: a good one and `make(mutate)` for a variant of it."""

from __future__ import annotations

import copy

from personvern.core.manifest import Register, validate_data

GOOD = {
    "controller": {
        "legal_name": "Eksempel AS",
        "org_number": "974761467",
        "email": "post@eksempel.no",
        "postal_address": {"street": "Storgata 1", "postal_code": "0155", "city": "Oslo"},
    },
    "recipients": [
        {"id": "hosting", "name": "Domeneshop AS", "role": "processor", "country": "NO", "dpa": {"in_place": True}},
    ],
    "activities": [
        {
            "id": "kunder",
            "name": {"nb": "Kundeforhold", "en": "Customers"},
            "purpose": {"nb": "Levere varene du kjøper", "en": "Deliver the goods you buy"},
            "data_subjects": ["kunder"],
            "data_categories": ["navn", "adresse"],
            "legal_bases": [{"basis": "b"}],
            "provision": {"requirement": "contractual", "consequence": "Uten adressen kan vi ikke levere varene"},
            "retention": {"period": "P12M", "rule": "end_of_contract"},
            "recipients": ["hosting"],
        }
    ],
    "security": ["Tilgangsstyring og kryptering"],
}


def make(*mutations) -> Register:
    """The good register, changed by each function in turn (they edit the dict in place)."""
    data = copy.deepcopy(GOOD)
    for m in mutations:
        m(data)
    return validate_data(_drop_none(data))


def _drop_none(obj):
    if isinstance(obj, dict):
        return {k: _drop_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_drop_none(x) for x in obj]
    return obj
