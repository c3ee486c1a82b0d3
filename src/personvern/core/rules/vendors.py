"""The vendor catalogue (core/vendors.yaml): where common services send data, as last known.

    >>> cat = catalogue()
    >>> cat.match("Zoom Video Communications, Inc.").vendor.key
    'zoom'
    >>> m = cat.match("Google (Google Ads, Google Marketing Platform)")
    >>> (m.vendor.key, m.product.key, m.kind)
    ('google', 'google-ads', 'advertising')

The facts are NOT verified (legal-rules.md N8 item 9); `Catalogue.recorded` says when they were written
down. A recipient is matched by its `vendor` key first, then by its name.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

from .. import language as L
from ..manifest import EEA_COUNTRIES, Recipient

CATALOGUE_FILE = Path(__file__).resolve().parent.parent / "vendors.yaml"

_LEGAL_SUFFIX = re.compile(r"\b(as|asa|ab|inc|llc|ltd|limited|gmbh|corp|corporation|co|plc|sa|bv|uc|sl)\b\.?")
_NON_WORD = re.compile(r"[^\w&+/.]+")


def normalise(name: str) -> str:
    """'Zoom Video Communications, Inc.' -> 'zoom video communications'."""
    s = name.lower().replace(",", " ")
    s = _LEGAL_SUFFIX.sub(" ", s)
    return " ".join(_NON_WORD.sub(" ", s).split())


@dataclass(frozen=True)
class Product:
    key: str
    name: str
    kind: str
    typical_role: str
    aliases: tuple[str, ...]
    site_tag: bool = False


@dataclass(frozen=True)
class Vendor:
    key: str
    name: str
    legal_entity: str
    country: str
    kind: str
    typical_role: str
    typical_mechanism: str
    aliases: tuple[str, ...]
    dpf_listed: bool | None = None
    eea_entity: str | None = None
    transfers_to: tuple[str, ...] = ()
    notes: str = ""
    products: dict[str, Product] = field(default_factory=dict)
    site_tag: bool = False

    @property
    def outside_eea(self) -> bool:
        return self.country not in EEA_COUNTRIES

    @property
    def third_countries(self) -> tuple[str, ...]:
        """Countries outside the EEA the data reaches, as last known."""
        own = (self.country,) if self.outside_eea else ()
        return own + tuple(c for c in self.transfers_to if c not in EEA_COUNTRIES and c not in own)


@dataclass(frozen=True)
class Match:
    vendor: Vendor
    product: Product | None = None

    @property
    def kind(self) -> str:
        return self.product.kind if self.product else self.vendor.kind

    @property
    def typical_role(self) -> str:
        return self.product.typical_role if self.product else self.vendor.typical_role

    @property
    def name(self) -> str:
        return self.product.name if self.product else self.vendor.name

    @property
    def site_tag(self) -> bool:
        """A pixel, tag or plug-in on the site that sends visitor data to the vendor for its own purposes: the site
        is joint controller for the collection and transmission (C-40/17 Fashion ID)."""
        return self.product.site_tag if self.product else self.vendor.site_tag


class Catalogue:
    def __init__(self, data: dict):
        rec = data.get("recorded")
        self.recorded: dt.date | None = rec if isinstance(rec, dt.date) or rec is None else dt.date.fromisoformat(rec)
        self.verified: bool = bool(data.get("verified", False))
        self.adequacy: frozenset[str] = frozenset(data.get("adequacy", ()))
        self.vendors: dict[str, Vendor] = {}
        self._keys: dict[str, Match] = {}
        self._aliases: dict[str, Match] = {}
        for key, v in (data.get("vendors") or {}).items():
            products = {
                pk: Product(pk, p["name"], p.get("kind", v.get("kind", "")), p.get("typical_role", v.get("typical_role", "")),
                            tuple(p.get("aliases", ())), bool(p.get("site_tag", False)))
                for pk, p in (v.get("products") or {}).items()
            }
            vendor = Vendor(
                key=key, name=v["name"], legal_entity=v.get("legal_entity", v["name"]), country=v["country"],
                kind=v.get("kind", ""), typical_role=v.get("typical_role", ""),
                typical_mechanism=v.get("typical_mechanism", ""), aliases=tuple(v.get("aliases", ())),
                dpf_listed=(v.get("dpf") or {}).get("listed"), eea_entity=v.get("eea_entity"),
                transfers_to=tuple(v.get("transfers_to", ())), notes=" ".join(str(v.get("notes", "")).split()),
                products=products, site_tag=bool(v.get("site_tag", False)),
            )
            self.vendors[key] = vendor
            self._keys[key] = Match(vendor)
            for alias in vendor.aliases:
                self._aliases[normalise(alias)] = Match(vendor)
            for p in products.values():
                self._keys[p.key] = Match(vendor, p)
                for alias in p.aliases:
                    self._aliases[normalise(alias)] = Match(vendor, p)
        # Longest aliases first, so "google ads" wins over "google" inside a longer name.
        self._by_length = sorted(self._aliases.items(), key=lambda kv: -len(kv[0]))
        self._cache: dict[str, Match | None] = {}

    def lookup(self, key: str | None) -> Match | None:
        return self._keys.get(key) if key else None

    def match(self, name: str | None) -> Match | None:
        """The catalogue entry a free-text name refers to, or None."""
        if not name:
            return None
        if name in self._cache:
            return self._cache[name]
        norm = normalise(name)
        found = self._aliases.get(norm)
        if found is None:
            padded = f" {norm} "
            for alias, m in self._by_length:
                if f" {alias} " in padded or f" {alias}/" in padded or f"/{alias} " in padded:
                    found = m
                    break
        self._cache[name] = found
        return found

    def for_recipient(self, r: Recipient) -> Match | None:
        """By the recipient's `vendor` key, refined to a product when its name names one; else by name."""
        by_key = self.lookup(r.vendor)
        by_name = self.match(r.name)
        if by_key and by_name and by_name.vendor.key == by_key.vendor.key and by_key.product is None:
            return by_name
        return by_key or by_name

    def facts(self, v: Vendor, lang: str = "nb") -> str:
        """One sentence on a vendor for a hint, dated and marked unverified."""
        when = self.recorded.isoformat() if self.recorded else "?"
        dpf = {True: ("står på DPF-listen", "on the DPF List"),
               False: ("står ikke på DPF-listen", "not on the DPF List"),
               None: ("DPF-status ukjent", "DPF status unknown")}[v.dpf_listed]
        if lang == "en":
            s = f"Vendor catalogue ({when}, not verified): {v.legal_entity}, {country_name(v.country, 'en')}"
            s += f"; {dpf[1]}" if v.country == "US" else ""
            s += f"; EEA contracting entity {v.eea_entity}" if v.eea_entity else ""
            s += f"; data also goes to {', '.join(country_name(c, 'en') for c in v.transfers_to)}" if v.transfers_to else ""
        else:
            s = f"Leverandørkatalogen ({when}, ikke verifisert): {v.legal_entity}, {country_name(v.country, 'nb')}"
            s += f"; {dpf[0]}" if v.country == "US" else ""
            s += f"; avtalepart i EØS {v.eea_entity}" if v.eea_entity else ""
            s += f"; data går også til {', '.join(country_name(c, 'nb') for c in v.transfers_to)}" if v.transfers_to else ""
        return s + "."


def country_name(code: str, lang: str) -> str:
    """'United States' / 'USA': the country's name without an article, for parentheses and lists."""
    name = L.country(code, lang)
    return name[4:] if lang == "en" and name.startswith("the ") else name


@cache
def catalogue(path: str | None = None) -> Catalogue:
    p = Path(path) if path else CATALOGUE_FILE
    return Catalogue(yaml.load(p.read_text(encoding="utf-8"), Loader=_Loader))
