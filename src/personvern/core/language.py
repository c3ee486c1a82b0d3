"""Words for the public texts: dates, durations and the labels of the register's vocabularies.

Norwegian bokmål ("nb") and English ("en"). Pure Python, no Django, so the notice, the linter, the
protocol export and the letters all say the same thing the same way.

    >>> date(dt.date(2023, 2, 15), "nb")
    '15. februar 2023'
    >>> duration("P12M", "nb"), duration("P1W", "nb"), duration("P1M", "en")
    ('12 måneder', 'én uke', 'one month')
    >>> label(LegalBasisCode.LEGAL_OBLIGATION, "nb")
    'rettslig forpliktelse'

Every label table is a dict keyed by the manifest's enum member, valued by {"nb": ..., "en": ...};
`label(member, lang)` looks any of them up.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from .manifest import (
    Art9Category,
    Art9Condition,
    Channel,
    CookieCategory,
    Deidentification,
    LegalBasisCode,
    ProvisionRequirement,
    RecipientRole,
    RetentionRule,
    TransferMechanism,
    parse_duration,
)

LANGS = ("nb", "en")

# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------

MONTHS = {
    "nb": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


def date(value: dt.date, lang: str = "nb") -> str:
    """'15. februar 2023' (nb) or '15 February 2023' (en)."""
    month = MONTHS[_lang(lang)][value.month - 1]
    return f"{value.day}. {month} {value.year}" if _lang(lang) == "nb" else f"{value.day} {month} {value.year}"


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "nb"


# --------------------------------------------------------------------------
# Numbers and durations
# --------------------------------------------------------------------------

# Numbers from one to ten in words, as in running text; the rest as digits.
# Index 1 is the common-gender form; `ett` below is the neuter "one" (ett år).
_SMALL = {
    "nb": (None, "én", "to", "tre", "fire", "fem", "seks", "sju", "åtte", "ni", "ti"),
    "en": (None, "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
}

# unit -> (nb singular, nb plural, nb neuter?, en singular, en plural)
_UNITS = {
    "years": ("år", "år", True, "year", "years"),
    "months": ("måned", "måneder", False, "month", "months"),
    "weeks": ("uke", "uker", False, "week", "weeks"),
    "days": ("dag", "dager", False, "day", "days"),
    "hours": ("time", "timer", False, "hour", "hours"),
    "minutes": ("minutt", "minutter", True, "minute", "minutes"),
    "seconds": ("sekund", "sekunder", True, "second", "seconds"),
}


def number(n: int, lang: str = "nb", neuter: bool = False) -> str:
    """Numbers from one to ten in words ('én', 'ett', 'tre'; 'one'), others as digits ('12')."""
    lang = _lang(lang)
    if 1 <= n <= 10:
        if lang == "nb" and n == 1 and neuter:
            return "ett"
        return _SMALL[lang][n]
    return str(n)


def _and(lang: str) -> str:
    return " og " if _lang(lang) == "nb" else " and "


def join(items: list[str], lang: str = "nb") -> str:
    """'a, b og c' / 'a, b and c'."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + _and(lang) + items[-1]


def duration(value: str, lang: str = "nb") -> str:
    """An ISO 8601 duration in words: 'P12M' -> '12 måneder', 'P1W' -> 'én uke', 'P1Y6M' -> 'ett år og seks
    måneder'; 'PT24H' -> '24 timer'. English: 'one month', '15 years'."""
    lang = _lang(lang)
    parts = []
    for unit, n in parse_duration(value).items():
        if n == 0:
            continue
        nb_one, nb_many, neuter, en_one, en_many = _UNITS[unit]
        word = (nb_one if n == 1 else nb_many) if lang == "nb" else (en_one if n == 1 else en_many)
        parts.append(f"{number(n, lang, neuter)} {word}")
    if not parts:
        return "0 dager" if lang == "nb" else "0 days"
    return join(parts, lang)


def cookie_expiry(value: str | None, lang: str = "nb") -> str:
    if value is None:
        return NOT_STATED[_lang(lang)]
    if value == "session":
        return "til nettleseren lukkes" if _lang(lang) == "nb" else "until the browser is closed"
    return duration(value, lang)


NOT_STATED = {"nb": "ikke oppgitt", "en": "not stated"}

# --------------------------------------------------------------------------
# Law
# --------------------------------------------------------------------------

GDPR = {"nb": "personvernforordningen (GDPR)", "en": "the General Data Protection Regulation (GDPR)"}
GDPR_SHORT = {"nb": "personvernforordningen", "en": "the GDPR"}
PERSONAL_DATA_ACT = {
    "nb": "personopplysningsloven (lov 15. juni 2018 nr. 38)",
    "en": "the Norwegian Personal Data Act (personopplysningsloven, lov 15. juni 2018 nr. 38)",
}


def article(art: int, para: int | None = None, letter: str | None = None, lang: str = "nb") -> str:
    """GDPR article citation: 'artikkel 6 nr. 1 bokstav f' / 'Article 6(1)(f)'."""
    if _lang(lang) == "nb":
        out = f"artikkel {art}"
        if para is not None:
            out += f" nr. {para}"
        if letter:
            out += f" bokstav {letter}"
        return out
    out = f"Article {art}"
    if para is not None:
        out += f"({para})"
    if letter:
        out += f"({letter})"
    return out


def org_number(n: str) -> str:
    """'910380133' -> '910 380 133', as the Brønnøysund Register Centre writes it."""
    return f"{n[:3]} {n[3:6]} {n[6:]}" if len(n) == 9 and n.isdigit() else n


def gdpr_article(art: int, para: int | None = None, letter: str | None = None, lang: str = "nb") -> str:
    """'personvernforordningen artikkel 6 nr. 1 bokstav f' / 'GDPR Article 6(1)(f)'."""
    prefix = "personvernforordningen " if _lang(lang) == "nb" else "GDPR "
    return prefix + article(art, para, letter, lang)


# The supervisory authority for controllers established in Norway (legal-rules NO-DT-1, verified 2026-11-22).
DATATILSYNET = {
    "name": "Datatilsynet",
    "postal": ("Postboks 458 Sentrum", "0105 Oslo"),
    "visiting": ("Trelastgata 3", "0191 Oslo"),
    "phone": "22 39 69 00",
    "web": "https://www.datatilsynet.no",
    "web_label": "www.datatilsynet.no",
    "org_number": "974 761 467",
    "verified": dt.date(2026, 11, 22),
}

# --------------------------------------------------------------------------
# Vocabularies of the register
# --------------------------------------------------------------------------

# Legal bases: (name, short explanation) per language; the article is added by `legal_basis`.
LEGAL_BASES = {
    LegalBasisCode.CONSENT: {"nb": "samtykke", "en": "consent"},
    LegalBasisCode.CONTRACT: {
        "nb": "nødvendig for å oppfylle en avtale med deg eller for å gjennomføre tiltak du ber om før en "
              "avtale inngås",
        "en": "necessary to perform a contract with you or to take steps at your request before entering "
              "into a contract",
    },
    LegalBasisCode.LEGAL_OBLIGATION: {"nb": "rettslig forpliktelse", "en": "legal obligation"},
    LegalBasisCode.VITAL_INTERESTS: {
        "nb": "nødvendig for å verne dine eller andres vitale interesser",
        "en": "necessary to protect your vital interests or those of another person",
    },
    LegalBasisCode.PUBLIC_TASK: {
        "nb": "nødvendig for å utføre en oppgave i allmennhetens interesse eller utøve offentlig myndighet",
        "en": "necessary for a task carried out in the public interest or in the exercise of official authority",
    },
    LegalBasisCode.LEGITIMATE_INTERESTS: {"nb": "berettiget interesse", "en": "legitimate interests"},
}

# Short names for tables and the linter.
LEGAL_BASES_SHORT = {
    LegalBasisCode.CONSENT: {"nb": "samtykke", "en": "consent"},
    LegalBasisCode.CONTRACT: {"nb": "avtale", "en": "contract"},
    LegalBasisCode.LEGAL_OBLIGATION: {"nb": "rettslig forpliktelse", "en": "legal obligation"},
    LegalBasisCode.VITAL_INTERESTS: {"nb": "vitale interesser", "en": "vital interests"},
    LegalBasisCode.PUBLIC_TASK: {"nb": "allmennhetens interesse", "en": "public task"},
    LegalBasisCode.LEGITIMATE_INTERESTS: {"nb": "berettiget interesse", "en": "legitimate interests"},
}


def legal_basis(code: LegalBasisCode, lang: str = "nb") -> str:
    """'berettiget interesse (personvernforordningen artikkel 6 nr. 1 bokstav f)'."""
    code = LegalBasisCode(code)
    return f"{LEGAL_BASES[code][_lang(lang)]} ({gdpr_article(6, 1, code.value, lang)})"


def legal_basis_citation(code: LegalBasisCode, lang: str = "nb") -> str:
    return gdpr_article(6, 1, LegalBasisCode(code).value, lang)


ART9_CATEGORIES = {
    Art9Category.RACIAL_ETHNIC: {"nb": "rasemessig eller etnisk opprinnelse", "en": "racial or ethnic origin"},
    Art9Category.POLITICAL: {"nb": "politisk oppfatning", "en": "political opinions"},
    Art9Category.RELIGIOUS: {"nb": "religion eller filosofisk overbevisning",
                             "en": "religious or philosophical beliefs"},
    Art9Category.TRADE_UNION: {"nb": "fagforeningsmedlemskap", "en": "trade union membership"},
    Art9Category.GENETIC: {"nb": "genetiske opplysninger", "en": "genetic data"},
    Art9Category.BIOMETRIC: {"nb": "biometriske opplysninger for entydig identifikasjon",
                             "en": "biometric data for unique identification"},
    Art9Category.HEALTH: {"nb": "helseopplysninger", "en": "health data"},
    Art9Category.SEX_LIFE: {"nb": "seksuelle forhold eller seksuell orientering",
                            "en": "sex life or sexual orientation"},
}

ART9_CONDITIONS = {
    Art9Condition.A: {"nb": "uttrykkelig samtykke", "en": "explicit consent"},
    Art9Condition.B: {"nb": "forpliktelser og rettigheter innen arbeidsrett, trygderett og sosialrett",
                      "en": "obligations and rights in employment, social security and social protection law"},
    Art9Condition.C: {"nb": "vern av vitale interesser når du ikke kan samtykke",
                      "en": "vital interests where you cannot give consent"},
    Art9Condition.D: {"nb": "berettiget virksomhet i en ideell organisasjon",
                      "en": "legitimate activities of a not-for-profit body"},
    Art9Condition.E: {"nb": "opplysninger du selv åpenbart har offentliggjort",
                      "en": "data you have manifestly made public"},
    Art9Condition.F: {"nb": "fastsettelse, utøvelse eller forsvar av rettskrav",
                      "en": "establishment, exercise or defence of legal claims"},
    Art9Condition.G: {"nb": "viktige allmenne interesser med hjemmel i lov",
                      "en": "substantial public interest on the basis of law"},
    Art9Condition.H: {"nb": "forebyggende medisin, arbeidsmedisin, helsehjelp eller behandling",
                      "en": "preventive or occupational medicine, health or social care"},
    Art9Condition.I: {"nb": "allmennhetens interesse på folkehelseområdet",
                      "en": "public interest in the area of public health"},
    Art9Condition.J: {"nb": "arkiv, forskning eller statistikk",
                      "en": "archiving, research or statistics"},
}


def art9_condition(code: Art9Condition, lang: str = "nb") -> str:
    """'uttrykkelig samtykke (personvernforordningen artikkel 9 nr. 2 bokstav a)'."""
    code = Art9Condition(code)
    return f"{ART9_CONDITIONS[code][_lang(lang)]} ({gdpr_article(9, 2, code.value[-1], lang)})"


CHANNELS = {
    Channel.CONTACT_FORM: {"nb": "kontaktskjemaet på nettstedet", "en": "the contact form on the website"},
    Channel.EMAIL: {"nb": "e-post", "en": "e-mail"},
    Channel.PHONE: {"nb": "telefon", "en": "telephone"},
    Channel.SMS: {"nb": "SMS", "en": "text message"},
    Channel.SOCIAL_MEDIA: {"nb": "meldinger i sosiale medier", "en": "messages on social media"},
    Channel.IN_STORE: {"nb": "kjøp i butikken", "en": "purchases in the shop"},
    Channel.WEBSITE: {"nb": "nettstedet", "en": "the website"},
    Channel.SIGNUP_FORM: {"nb": "påmeldingsskjema", "en": "a sign-up form"},
    Channel.CHECKOUT: {"nb": "kassen i nettbutikken", "en": "the online checkout"},
    Channel.COOKIES: {"nb": "informasjonskapsler (cookies) i nettleseren din",
                      "en": "cookies in your browser"},
    Channel.CAMERA: {"nb": "kameraopptak", "en": "camera recordings"},
    Channel.POST: {"nb": "brev", "en": "letters"},
    Channel.OTHER: {"nb": "andre kanaler", "en": "other channels"},
}

PROVISION = {
    ProvisionRequirement.STATUTORY: {
        "nb": "Vi er pålagt ved lov å samle inn disse opplysningene.",
        "en": "The law requires us to collect this data.",
    },
    ProvisionRequirement.CONTRACTUAL: {
        "nb": "Opplysningene er nødvendige for å oppfylle avtalen med deg.",
        "en": "The data is needed to perform our contract with you.",
    },
    ProvisionRequirement.PRE_CONTRACTUAL: {
        "nb": "Opplysningene er nødvendige for å inngå en avtale med deg.",
        "en": "The data is needed to enter into a contract with you.",
    },
    ProvisionRequirement.VOLUNTARY: {
        "nb": "Det er frivillig å gi oss disse opplysningene.",
        "en": "Giving us this data is voluntary.",
    },
}

# (on its own, after a period)
RETENTION_RULES = {
    RetentionRule.UNTIL_CONSENT_WITHDRAWN: {
        "nb": ("til du trekker tilbake samtykket", "etter at du har trukket tilbake samtykket"),
        "en": ("until you withdraw your consent", "after you withdraw your consent"),
    },
    RetentionRule.END_OF_CONTRACT: {
        "nb": ("til avtalen med deg opphører", "etter at avtalen med deg har opphørt"),
        "en": ("until our contract with you ends", "after our contract with you ends"),
    },
    RetentionRule.END_OF_CUSTOMER_RELATIONSHIP: {
        "nb": ("til kundeforholdet opphører", "etter at kundeforholdet har opphørt"),
        "en": ("until the customer relationship ends", "after the customer relationship ends"),
    },
    RetentionRule.STATUTORY: {
        "nb": ("så lenge lovgivningen krever det", "slik lovgivningen krever"),
        "en": ("as long as the law requires", "as the law requires"),
    },
    RetentionRule.AFTER_LAST_CONTACT: {
        "nb": ("en tid etter siste kontakt med deg", "etter siste kontakt med deg"),
        "en": ("for a time after our last contact with you", "after our last contact with you"),
    },
    RetentionRule.UNTIL_PURPOSE_FULFILLED: {
        "nb": ("til formålet er oppnådd", "etter at formålet er oppnådd"),
        "en": ("until the purpose has been fulfilled", "after the purpose has been fulfilled"),
    },
    RetentionRule.AFTER_COLLECTION: {
        "nb": ("en tid etter at opplysningene ble samlet inn", "etter at opplysningene ble samlet inn"),
        "en": ("for a time after the data was collected", "after the data was collected"),
    },
}


def retention_rule(rule: RetentionRule, lang: str = "nb", after_period: bool = False) -> str:
    return RETENTION_RULES[RetentionRule(rule)][_lang(lang)][1 if after_period else 0]


DEIDENTIFICATION = {
    Deidentification.IP_TRUNCATION: {"nb": "IP-adressen forkortes", "en": "the IP address is truncated"},
    Deidentification.AGGREGATION_ONLY: {"nb": "opplysningene brukes bare samlet (aggregert)",
                                        "en": "the data is used only in aggregate"},
    Deidentification.PSEUDONYMISATION: {"nb": "opplysningene pseudonymiseres",
                                        "en": "the data is pseudonymised"},
    Deidentification.ANONYMISATION: {"nb": "opplysningene anonymiseres", "en": "the data is anonymised"},
    Deidentification.NO_LINKING: {"nb": "opplysningene kobles ikke til andre opplysninger om deg",
                                  "en": "the data is not linked to other data about you"},
}

RECIPIENT_ROLES = {
    RecipientRole.PROCESSOR: {"nb": "databehandler", "en": "processor"},
    RecipientRole.INDEPENDENT_CONTROLLER: {"nb": "selvstendig behandlingsansvarlig",
                                           "en": "independent controller"},
    RecipientRole.JOINT_CONTROLLER: {"nb": "felles behandlingsansvarlig", "en": "joint controller"},
    RecipientRole.PUBLIC_AUTHORITY: {"nb": "offentlig myndighet", "en": "public authority"},
    RecipientRole.OTHER: {"nb": "annen mottaker", "en": "other recipient"},
}

TRANSFER_MECHANISMS = {
    TransferMechanism.ADEQUACY: {
        "nb": "EU-kommisjonens beslutning om tilstrekkelig beskyttelsesnivå (personvernforordningen artikkel 45)",
        "en": "an adequacy decision of the European Commission (GDPR Article 45)",
    },
    TransferMechanism.DPF: {
        "nb": "EU–US Data Privacy Framework, EU-kommisjonens beslutning om tilstrekkelig beskyttelsesnivå "
              "(personvernforordningen artikkel 45)",
        "en": "the EU–US Data Privacy Framework, an adequacy decision of the European Commission "
              "(GDPR Article 45)",
    },
    TransferMechanism.SCC_2021_914: {
        "nb": "EU-kommisjonens standard personvernbestemmelser (beslutning (EU) 2021/914, "
              "personvernforordningen artikkel 46 nr. 2 bokstav c)",
        "en": "the European Commission's standard contractual clauses (Decision (EU) 2021/914, "
              "GDPR Article 46(2)(c))",
    },
    TransferMechanism.BCR: {
        "nb": "bindende virksomhetsregler (personvernforordningen artikkel 47)",
        "en": "binding corporate rules (GDPR Article 47)",
    },
    TransferMechanism.ART49: {
        "nb": "unntak for særlige situasjoner (personvernforordningen artikkel 49)",
        "en": "a derogation for specific situations (GDPR Article 49)",
    },
    TransferMechanism.UNSTATED: {
        "nb": "grunnlaget for overføringen er ikke oppgitt",
        "en": "the basis for the transfer is not stated",
    },
}

COOKIE_CATEGORIES = {
    CookieCategory.NECESSARY: {"nb": "nødvendig", "en": "necessary"},
    CookieCategory.FUNCTIONAL: {"nb": "funksjonell", "en": "functional"},
    CookieCategory.STATISTICS: {"nb": "statistikk", "en": "statistics"},
    CookieCategory.MARKETING: {"nb": "markedsføring", "en": "marketing"},
}

_TABLES: dict[type, dict] = {
    LegalBasisCode: LEGAL_BASES_SHORT,
    Art9Category: ART9_CATEGORIES,
    Art9Condition: ART9_CONDITIONS,
    Channel: CHANNELS,
    ProvisionRequirement: PROVISION,
    RetentionRule: {k: {lang: v[lang][0] for lang in LANGS} for k, v in RETENTION_RULES.items()},
    Deidentification: DEIDENTIFICATION,
    RecipientRole: RECIPIENT_ROLES,
    TransferMechanism: TRANSFER_MECHANISMS,
    CookieCategory: COOKIE_CATEGORIES,
}


def label(member: Enum, lang: str = "nb") -> str:
    """The label of any manifest enum member in the language."""
    return _TABLES[type(member)][member][_lang(lang)]


# --------------------------------------------------------------------------
# Countries (ISO 3166-1 alpha-2): those a small organisation's recipients are in
# --------------------------------------------------------------------------

COUNTRIES = {
    "NO": ("Norge", "Norway"), "SE": ("Sverige", "Sweden"), "DK": ("Danmark", "Denmark"),
    "FI": ("Finland", "Finland"), "IS": ("Island", "Iceland"), "DE": ("Tyskland", "Germany"),
    "NL": ("Nederland", "the Netherlands"), "IE": ("Irland", "Ireland"), "FR": ("Frankrike", "France"),
    "BE": ("Belgia", "Belgium"), "LU": ("Luxembourg", "Luxembourg"), "AT": ("Østerrike", "Austria"),
    "ES": ("Spania", "Spain"), "PT": ("Portugal", "Portugal"), "IT": ("Italia", "Italy"),
    "PL": ("Polen", "Poland"), "CZ": ("Tsjekkia", "Czechia"), "EE": ("Estland", "Estonia"),
    "LV": ("Latvia", "Latvia"), "LT": ("Litauen", "Lithuania"), "BG": ("Bulgaria", "Bulgaria"),
    "RO": ("Romania", "Romania"), "HU": ("Ungarn", "Hungary"), "SK": ("Slovakia", "Slovakia"),
    "SI": ("Slovenia", "Slovenia"), "HR": ("Kroatia", "Croatia"), "GR": ("Hellas", "Greece"),
    "CY": ("Kypros", "Cyprus"), "MT": ("Malta", "Malta"), "LI": ("Liechtenstein", "Liechtenstein"),
    "US": ("USA", "the United States"), "GB": ("Storbritannia", "the United Kingdom"),
    "CH": ("Sveits", "Switzerland"), "CA": ("Canada", "Canada"), "JP": ("Japan", "Japan"),
    "KR": ("Sør-Korea", "South Korea"), "IN": ("India", "India"), "AU": ("Australia", "Australia"),
    "NZ": ("New Zealand", "New Zealand"), "IL": ("Israel", "Israel"), "SG": ("Singapore", "Singapore"),
    "CN": ("Kina", "China"), "BR": ("Brasil", "Brazil"), "UA": ("Ukraina", "Ukraine"),
}


def country(code: str, lang: str = "nb") -> str:
    names = COUNTRIES.get(code)
    if not names:
        return code
    return names[1 if _lang(lang) == "en" else 0]
