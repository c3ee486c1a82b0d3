"""What the banner says to the public, in bokmål and English.

These strings are sent to the visitor's browser inside the banner script, which
picks the language from the page (`<html lang>`), so both languages are here
rather than in gettext catalogues (which follow the admin user's language).
"""

from __future__ import annotations

from personvern.core.manifest import parse_duration

# Bump when the wording below changes materially: it is part of the version hash,
# so every visitor is asked again.
BANNER_TEXT_VERSION = "1"

BANNER = {
    "nb": {
        "title": "Informasjonskapsler",
        "body": "Nødvendige informasjonskapsler trengs for at nettstedet skal virke. Andre bruker vi bare hvis "
        "du samtykker. Du kan endre valget når som helst.",
        "accept": "Godta alle",
        "reject": "Avvis alle",
        "custom": "Tilpass",
        "save": "Lagre valg",
        "close": "Lukk",
        "notice": "Les personvernerklæringen",
        "always": "Alltid på",
        "cookies": "Informasjonskapsler",
        "name": "Navn",
        "provider": "Leverandør",
        "purpose": "Formål",
        "expiry": "Varighet",
        "gpc": "Nettleseren din sender Global Privacy Control. Vi tolker det som nei til markedsføring.",
        "cid": "Samtykke-ID",
        "receipt": "Se kvittering",
    },
    "en": {
        "title": "Cookies",
        "body": "Necessary cookies make the website work. We use the others only if you consent. You can change "
        "your choice at any time.",
        "accept": "Accept all",
        "reject": "Reject all",
        "custom": "Customise",
        "save": "Save choices",
        "close": "Close",
        "notice": "Read the privacy notice",
        "always": "Always on",
        "cookies": "Cookies",
        "name": "Name",
        "provider": "Provider",
        "purpose": "Purpose",
        "expiry": "Duration",
        "gpc": "Your browser sends Global Privacy Control. We take it as a no to marketing.",
        "cid": "Consent ID",
        "receipt": "See receipt",
    },
}

# The order in which banner.js reads BANNER (T[0] is the title, ...).
BANNER_KEYS = ("title", "body", "accept", "reject", "custom", "save", "close", "notice", "always", "cookies", "name",
               "provider", "purpose", "expiry", "gpc", "cid", "receipt")

CATEGORIES = {
    "necessary": {
        "nb": ("Nødvendige", "Trengs for at nettstedet skal virke."),
        "en": ("Necessary", "Needed for the website to work."),
    },
    "functional": {
        "nb": ("Funksjonelle", "Husker valgene dine, som språk."),
        "en": ("Functional", "Remember your choices, such as language."),
    },
    "statistics": {
        "nb": ("Statistikk", "Viser oss hvordan nettstedet brukes."),
        "en": ("Statistics", "Show us how the website is used."),
    },
    "marketing": {
        "nb": ("Markedsføring", "Viser og måler annonser, også på andre nettsteder."),
        "en": ("Marketing", "Show and measure ads, also on other websites."),
    },
}

_UNITS = {
    "nb": {"years": ("år", "år"), "months": ("måned", "måneder"), "weeks": ("uke", "uker"),
           "days": ("dag", "dager"), "hours": ("time", "timer"), "minutes": ("minutt", "minutter"),
           "seconds": ("sekund", "sekunder")},
    "en": {"years": ("year", "years"), "months": ("month", "months"), "weeks": ("week", "weeks"),
           "days": ("day", "days"), "hours": ("hour", "hours"), "minutes": ("minute", "minutes"),
           "seconds": ("second", "seconds")},
}


def duration_text(value: str | None, lang: str) -> str:
    """'P13M' -> '13 måneder'; 'session' -> 'Økten'."""
    if not value:
        return ""
    if value == "session":
        return "Økten" if lang == "nb" else "Session"
    try:
        parts = parse_duration(value)
    except ValueError:
        return value
    words = [f"{n} {_UNITS[lang][unit][0 if n == 1 else 1]}" for unit, n in parts.items()]
    return " ".join(words)
