"""Forms derived from the register schema, so that `core.manifest` stays the one source of truth.

No Django form is written per model. `nodes()` walks a pydantic model's fields and
describes the inputs to render (`Input`, `Group` for a nested model, `Rows` for a
list of models); `parse()` walks the same fields and reads the POST back into a
plain dict. Every input is named by its field path from the register's root
(`activities[2].retention.period`, `controller.notes.nb`), which is also how
`validate_data` locates its problems, so each error lands next to its field.

A new field in the schema renders by itself; a label in `LABELS` only makes it
read better (without one, the field name is shown).
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any, Literal, Union

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel

from personvern.core import manifest as m

# --------------------------------------------------------------------------
# Labels (bokmål source strings; English in locale/en)
# --------------------------------------------------------------------------

LABELS = {
    "street": _("Gateadresse"), "postbox": _("Postboks"), "postal_code": _("Postnummer"), "city": _("Poststed"),
    "country": _("Land (ISO-kode)"), "url": _("Adresse (URL)"), "aliases": _("Domenealiaser"),
    "title": _("Tittel"), "name": _("Navn"), "email": _("E-post"), "phone": _("Telefon"),
    "designated": _("Personvernombud er utpekt"), "compliance_by": _("Hvem sørger for at reglene følges"),
    "legal_name": _("Juridisk navn"), "org_number": _("Organisasjonsnummer"),
    "postal_address": _("Postadresse"), "visiting_address": _("Besøksadresse"), "websites": _("Nettsteder"),
    "manager": _("Daglig leder"), "contact": _("Kontaktperson"), "dpo": _("Personvernombud"),
    "public_authority": _("Offentlig myndighet"), "notes": _("Merknader"), "applies_to": _("Gjelder for"),
    "internal_note": _("Intern merknad (vises aldri i erklæringen eller i brev)"),
    "intro": _("Innledning"), "published": _("Publisert"), "updated": _("Sist endret"),
    "statements": _("Andre utsagn i erklæringen"), "id": _("Id"), "responsibility": _("Ansvar"),
    "holder": _("Innehaver"), "description": _("Beskrivelse"), "vendor": _("Leverandør"), "count": _("Antall"),
    "location": _("Plassering"), "in_place": _("Databehandleravtale inngått"), "date": _("Dato"),
    "reference": _("Referanse"), "mechanism": _("Overføringsgrunnlag"), "copy_url": _("Kopi av garantiene (URL)"),
    "role": _("Rolle"), "services": _("Tjenester"), "dpa": _("Databehandleravtale"),
    "transfer": _("Overføring utenfor EØS"), "privacy_policy_url": _("Personvernerklæring (URL)"),
    "basis": _("Grunnlag"), "law": _("Lov"), "legitimate_interest": _("Berettiget interesse"), "note": _("Merknad"),
    "from_data_subject": _("Innhentes fra den registrerte"), "publicly_accessible": _("Offentlig tilgjengelig kilde"),
    "requirement": _("Krav"), "consequence": _("Følge av å ikke gi opplysningene"), "connection": _("Tilkobling"),
    "table": _("Tabell"), "timestamp": _("Tidsstempel"), "condition": _("Vilkår"), "action": _("Handling"),
    "column": _("Kolonne"), "op": _("Sammenligning"), "value": _("Verdi"),
    "period": _("Periode (f.eks. P12M)"), "rule": _("Regel"), "enforcement": _("Håndheving i databaser"),
    "exists": _("Automatiserte avgjørelser brukes"), "logic": _("Logikken"), "significance": _("Betydning"),
    "consequences": _("Forventede konsekvenser"), "purpose": _("Formål"), "data_subjects": _("Registrerte"),
    "children": _("Barn er blant de registrerte"), "data_categories": _("Opplysningskategorier"),
    "special_categories": _("Særlige kategorier (art. 9)"), "art9_condition": _("Unntak etter art. 9 nr. 2"),
    "criminal_offence_data": _("Opplysninger om straffbare forhold"), "source": _("Kilde"),
    "channels": _("Innsamlingskanaler"), "legal_bases": _("Behandlingsgrunnlag"),
    "provision": _("Plikt til å gi opplysningene"), "recipients": _("Mottakere"), "systems": _("Systemer"),
    "retention": _("Lagringstid"), "responsible_role": _("Ansvarlig rolle"),
    "deidentification": _("Avidentifisering"), "ip_prefix_v4": _("IP-adresser avkortet til prefiks"),
    "automated_decision": _("Automatiserte avgjørelser"), "direct_marketing": _("Direkte markedsføring"),
    "withdrawal": _("Slik trekkes samtykket"), "made_public": _("Opplysningene offentliggjøres"),
    "provider": _("Tilbyder"), "category": _("Kategori"), "expiry": _("Utløper (f.eks. P13M eller session)"),
    "party": _("Første- eller tredjepart"), "activity": _("Behandlingsaktivitet"), "form_url": _("Skjema (URL)"),
    "postal": _("Kan sendes per post"), "response_time": _("Svarfrist (f.eks. P1M)"),
    "identity_check": _("Identitetskontroll"), "free_of_charge": _("Gratis"),
    "complaint_address": _("Klageadresse"), "summary": _("Sammendrag"),
    "controller": _("Behandlingsansvarlig"), "notice": _("Personvernerklæring"), "roles": _("Roller"),
    "activities": _("Behandlingsaktiviteter"), "cookies": _("Informasjonskapsler"),
    "rights": _("Rettigheter"), "security": _("Sikkerhetstiltak"), "changelog": _("Endringslogg"),
}

CHOICE_LABELS = {
    "a": _("a – samtykke"), "b": _("b – avtale"), "c": _("c – rettslig forpliktelse"),
    "d": _("d – vitale interesser"), "e": _("e – allmennhetens interesse / offentlig myndighet"),
    "f": _("f – berettiget interesse"),
    "racial_ethnic_origin": _("rasemessig eller etnisk opprinnelse"), "political_opinions": _("politisk oppfatning"),
    "religious_beliefs": _("religion eller livssyn"), "trade_union_membership": _("fagforeningsmedlemskap"),
    "genetic": _("genetiske opplysninger"), "biometric": _("biometriske opplysninger"), "health": _("helse"),
    "sex_life_orientation": _("seksuelle forhold eller legning"),
    "contact_form": _("kontaktskjema"), "email": _("e-post"), "phone": _("telefon"), "sms": _("SMS"),
    "social_media": _("sosiale medier"), "in_store": _("i butikk"), "website": _("nettsted"),
    "signup_form": _("påmeldingsskjema"), "checkout": _("kasse / bestilling"), "cookies": _("informasjonskapsler"),
    "camera": _("kamera"), "post": _("post"), "other": _("annet"),
    "statutory": _("lovpålagt"), "contractual": _("avtalefestet"), "pre_contractual": _("før avtaleinngåelse"),
    "voluntary": _("frivillig"),
    "until_consent_withdrawn": _("til samtykket trekkes"), "end_of_contract": _("til avtalen opphører"),
    "end_of_customer_relationship": _("til kundeforholdet opphører"),
    "after_last_contact": _("etter siste kontakt"), "until_purpose_fulfilled": _("til formålet er oppfylt"),
    "after_collection": _("etter innsamling"),
    "ip_truncation": _("avkorting av IP-adresser"), "aggregation_only": _("kun aggregerte tall"),
    "pseudonymisation": _("pseudonymisering"), "anonymisation": _("anonymisering"),
    "no_linking": _("ingen kobling med andre opplysninger"),
    "processor": _("databehandler"), "independent_controller": _("selvstendig behandlingsansvarlig"),
    "joint_controller": _("felles behandlingsansvarlig"), "public_authority": _("offentlig myndighet"),
    "adequacy": _("tilstrekkelig beskyttelsesnivå"), "dpf": _("EU–US Data Privacy Framework"),
    "scc_2021_914": _("standardkontraktsbestemmelser 2021/914"), "bcr": _("bindende virksomhetsregler"),
    "art49_derogation": _("unntak etter art. 49"), "unstated": _("ikke oppgitt"),
    "necessary": _("nødvendige"), "functional": _("funksjonelle"), "statistics": _("statistikk"),
    "marketing": _("markedsføring"), "delete": _("slett"), "anonymise": _("anonymiser"),
    "first": _("førstepart"), "third": _("tredjepart"), "session": _("økt"),
    "=": _("= er lik"), "!=": _("≠ er ulik"), "<": _("< er mindre enn"), "<=": _("≤ er høyst"),
    ">": _("> er større enn"), ">=": _("≥ er minst"), "in": _("er en av (én per linje)"),
    "not_in": _("er ingen av (én per linje)"), "is_null": _("er tom"), "is_not_null": _("er ikke tom"),
}

# Help texts: the schema's descriptions (English) in bokmål. A description without one is shown as written.
HELP = {
    "Website.aliases": _("Domener som peker til nettstedet, f.eks. balcoo.no."),
    "Controller.manager": _("Opptrer som behandlingsansvarlig på virksomhetens vegne."),
    "Dpo.compliance_by": _("Når det ikke er utpekt personvernombud: hvem som sørger for at reglene følges."),
    "Controller.notes": _("Det erklæringen sier om den behandlingsansvarlige som ikke passer i noe felt, slik det står."),
    "NoticeInfo.statements": _("Utsagn i erklæringen som ikke hører til noen annen del, slik de står "
                               "(f.eks. «vi fører ikke register over besøkende»)."),
    "Role.holder": _("Hvem som har rollen, f.eks. «Youmedia» (kan være et annet firma)."),
    "System.vendor": _("Mottakeren som leverer systemet."),
    "System.count": _("Hvor mange enheter, f.eks. 8 kameraer."),
    "Recipient.services": _("Hva de gjør for oss."),
    "Dpa.in_place": _("Tomt: virksomheten har ikke sagt noe om det."),
    "Transfer.reference": _("Henvisning til beslutning eller klausul, f.eks. 2021/914 modul 2."),
    "Transfer.copy_url": _("Hvor en kopi av garantiene er tilgjengelig."),
    "Recipient.vendor": _("Nøkkel i leverandørkatalogen, f.eks. google."),
    "Activity.children": "",
    "LegalBasis.law": _("Nasjonal lov det bygges på, f.eks. «bokføringsloven § 13»."),
    "Provision.consequence": _("Hva som skjer hvis personen ikke gir opplysningene."),
    "EnforcementRule.table": _("Tabellens navn i databasen."),
    "EnforcementRule.timestamp": _("Kolonnen perioden regnes fra, eller tabell.kolonne i raden den peker på "
                                   "gjennom en fremmednøkkel (f.eks. orders.ordered_at)."),
    "EnforcementRule.condition": _("Vilkår en rad også må oppfylle, alle sammen, før den slettes eller "
                                   "anonymiseres, f.eks. kolonne status, er lik, verdi closed."),
    "RuleCondition.value": _("Én verdi; for «er en av» og «er ingen av» én per linje; tom for «er tom». "
                             "Verdien sammenlignes med kolonnen som en verdi, aldri som SQL."),
    "Activity.ip_prefix_v4": _("IP-adresser avkortes til dette prefikset, f.eks. 24."),
    "Activity.withdrawal": _("Hvordan samtykket trekkes tilbake."),
    "Cookie.provider": _("Id-en til en mottaker, eller et navn."),
    "RightsHandling.complaint_address": _("Tilsynsmyndighetens adresse slik virksomheten oppgir den; tomt: "
                                          "erklæringen bruker Datatilsynets gjeldende adresse."),
    "RightsHandling.notes": _("Det erklæringen sier om rettighetene som ikke passer i noe felt, slik det står "
                              "(f.eks. loven den viser til)."),
}

# Fields that hold the id of another part of the register: rendered as a choice of the ids that exist.
# (`cross_reference_errors` in core.manifest checks the same references.)
REFERENCES = {
    ("System", "vendor"): "recipients",
    ("Activity", "responsible_role"): "roles",
    ("Activity", "recipients"): "recipients",
    ("Activity", "systems"): "systems",
    ("Cookie", "activity"): "activities",
}

LONG_TEXT = {"intro", "purpose", "description", "notes", "internal_note", "note", "legitimate_interest", "consequence",
             "services", "compliance_by", "responsibility", "logic", "significance", "consequences",
             "identity_check", "withdrawal", "summary", "applies_to"}


def label_for(name: str) -> str:
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def choice_label(value: str) -> str:
    return CHOICE_LABELS.get(value, value)


# --------------------------------------------------------------------------
# What a field's annotation asks for
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    kind: str  # text, textarea, number, date, checkbox, tristate, select, lines, checkboxes, text_pair,
    #            lines_pair, model, rows
    optional: bool = False
    model: type[BaseModel] | None = None
    choices: tuple[str, ...] = ()
    ref: str | None = None  # register section whose ids are the choices
    one_or_many: bool = False  # lines for a value-or-list union: one line is the value, several the list


def _strip(tp):
    """The annotation without Annotated[...] and None: (type, None allowed)."""
    optional = False
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = typing.get_args(tp)
            rest = tuple(a for a in args if a is not type(None))
            optional = optional or len(rest) < len(args)
            if len(rest) != 1:
                return rest, optional  # a real union, e.g. Duration | Literal["session"]
            tp = rest[0]
        else:
            return tp, optional


def _choices(tp) -> tuple[str, ...] | None:
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tuple(str(e.value) for e in tp)
    if typing.get_origin(tp) is Literal:
        return tuple(str(a) for a in typing.get_args(tp))
    return None


def spec_for(model: type[BaseModel], name: str) -> Spec:
    info = model.model_fields[name]
    tp, optional = _strip(info.annotation)
    ref = REFERENCES.get((model.__name__, name))
    if isinstance(tp, tuple):  # union of several: typed as text (or lines with a list), pydantic judges it
        if any(typing.get_origin(a) is list for a in tp):
            return Spec("lines", optional, one_or_many=True)
        return Spec("text", optional)
    if typing.get_origin(tp) is list:
        inner, _none = _strip(typing.get_args(tp)[0])
        if ref:
            return Spec("checkboxes", optional, ref=ref)
        if inner is m.Text:
            return Spec("lines_pair", optional)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return Spec("rows", optional, model=inner)
        if (choices := _choices(inner)) is not None:
            return Spec("checkboxes", optional, choices=choices)
        return Spec("lines", optional)
    if ref:
        return Spec("select", optional, ref=ref)
    if tp is bool:
        return Spec("tristate" if optional else "checkbox", optional)
    if tp is int:
        return Spec("number", optional)
    if tp is dt.date:
        return Spec("date", optional)
    if tp is m.Text:
        return Spec("text_pair", optional)
    if (choices := _choices(tp)) is not None:
        return Spec("select", optional, choices=choices)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return Spec("model", optional, model=tp)
    return Spec("textarea" if name in LONG_TEXT else "text", optional)


def fields_of(model: type[BaseModel]) -> list[str]:
    return [n for n in model.model_fields if n != "schema_version"]


# --------------------------------------------------------------------------
# Rendering: nodes for the templates
# --------------------------------------------------------------------------


def input_id(path: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9_-]+", "-", path).strip("-")


class Errors:
    """Problems by field path; each node takes its own, the rest are shown at the top."""

    def __init__(self, problems: dict[str, list[str]] | None = None):
        self.by_path = {k: list(v) for k, v in (problems or {}).items()}

    def take(self, path: str, below: bool = False) -> list[str]:
        found = self.by_path.pop(path, [])
        if below:
            for key in [k for k in self.by_path if k.startswith((path + ".", path + "["))]:
                found += [f"{key[len(path):].lstrip('.')}: {msg}" for msg in self.by_path.pop(key)]
        return found

    def rest(self) -> list[tuple[str, str]]:
        return [(path, msg) for path, msgs in self.by_path.items() for msg in msgs]


@dataclass
class Node:
    kind: str
    name: str
    label: str
    id: str = ""
    value: Any = None
    en_value: Any = None
    required: bool = False
    help: str = ""
    choices: list[tuple[str, str, bool]] = field(default_factory=list)  # (value, label, selected)
    children: list[Node] = field(default_factory=list)
    placeholder: str = ""
    help_lang: str = ""  # "en" when the help is the schema's untranslated description
    short: bool = False  # a bokmål/English pair shown as one-line inputs
    errors: list[str] = field(default_factory=list)

    @property
    def pair(self) -> list[tuple[str, str, str]]:
        """(language, label, value) of a bokmål/English pair."""
        return [("nb", _("Bokmål"), self.value or ""), ("en", _("Engelsk"), self.en_value or "")]

    @property
    def error_id(self) -> str:
        return self.id + "-errors"

    @property
    def help_id(self) -> str:
        return self.id + "-help"

    @property
    def describedby(self) -> str:
        """For aria-describedby: the error list and the help text, when there are any."""
        return " ".join(i for i, present in ((self.error_id, self.errors), (self.help_id, self.help)) if present)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _text_parts(value) -> tuple[str, str]:
    if isinstance(value, dict):
        return value.get("nb") or "", value.get("en") or ""
    return ("" if value is None else str(value)), ""


def _ref_ids(data: dict, section: str) -> list[tuple[str, str]]:
    out = []
    for item in data.get(section) or []:
        if isinstance(item, dict) and item.get("id"):
            name = item.get("name")
            name = _text_parts(name)[0] if name is not None else ""
            out.append((str(item["id"]), f"{item['id']} – {name}" if name else str(item["id"])))
    return out


def node_for(model: type[BaseModel], name: str, value: Any, path: str, errors: Errors, data: dict) -> Node:
    """The node for one field of `model` whose current value is `value` (JSON-like data)."""
    spec = spec_for(model, name)
    info = model.model_fields[name]
    full = _join(path, name)
    node = Node(spec.kind, full, label_for(name), input_id(full), required=info.is_required())
    key = f"{model.__name__}.{name}"
    if key in HELP:
        node.help = HELP[key]
    elif info.description:
        node.help, node.help_lang = info.description, "en"  # not translated yet: shown as the schema says it
    if spec.kind == "model":
        node.children = model_nodes(spec.model, value or {}, full, errors, data)
        node.errors = errors.take(full)
        return node
    if spec.kind == "rows":
        node.children = rows_nodes(spec.model, value or [], full, errors, data)
        node.errors = errors.take(full)
        return node
    node.errors = errors.take(full, below=True)
    if spec.kind in ("select", "checkboxes"):
        options = _ref_ids(data, spec.ref) if spec.ref else [(c, choice_label(c)) for c in spec.choices]
        chosen = [str(v) for v in value] if isinstance(value, list) else ([str(value)] if value is not None else [])
        labels = dict(options)
        if spec.kind == "checkboxes":  # the chosen first, in their order, so that saving keeps the order
            options = [(v, labels.get(v, v)) for v in chosen] + [(v, lab) for v, lab in options if v not in chosen]
        else:
            options += [(v, v) for v in chosen if v not in labels]  # keep a broken reference visible
        node.choices = [(v, lab, v in chosen) for v, lab in options]
    elif spec.kind == "checkbox":
        node.value = bool(info.get_default(call_default_factory=True)) if value is None else bool(value)
    elif spec.kind == "tristate":
        node.value = "" if value is None else ("yes" if value in (True, "yes") else "no")
    elif spec.kind == "text_pair":
        node.value, node.en_value = _text_parts(value)
        node.short = name not in LONG_TEXT
    elif spec.kind == "lines" and spec.one_or_many:
        node.value = "\n".join(_scalar_text(v) for v in (value if isinstance(value, list) else [value] if value is not None else []))
    elif spec.kind == "lines":
        node.value = "\n".join(str(v) for v in value or [])
    elif spec.kind == "lines_pair":
        pairs = [_text_parts(v) for v in value or []]
        node.value = "\n".join(nb for nb, _en in pairs)
        node.en_value = "\n".join(en for _nb, en in pairs) if any(en for _nb, en in pairs) else ""
    else:
        node.value = "" if value is None else str(value)
        default = info.get_default(call_default_factory=True)
        if isinstance(default, str | int) and not isinstance(default, bool):
            node.placeholder = str(default)  # what an empty input means
    return node


def model_nodes(model: type[BaseModel], value: dict, path: str, errors: Errors, data: dict) -> list[Node]:
    value = value if isinstance(value, dict) else {}
    return [node_for(model, name, value.get(name), path, errors, data) for name in fields_of(model)]


EXTRA_ROWS = 1  # blank rows offered for adding


def _row_title(item) -> str:
    """What names an item of a list in its legend: its id, name, URL or date."""
    if not isinstance(item, dict):
        return ""
    for key in ("id", "name", "url", "date"):
        if item.get(key):
            return _text_parts(item[key])[0]
    return ""


def rows_nodes(model: type[BaseModel], items: list, path: str, errors: Errors, data: dict) -> list[Node]:
    rows = []
    for i, item in enumerate(list(items) + [{}] * EXTRA_ROWS):
        row_path = f"{path}[{i}]"
        new = i >= len(items)
        row = Node("row", row_path, _row_title(item), input_id(row_path), value=new)
        row.children = model_nodes(model, item, row_path, errors, data)
        row.errors = errors.take(row_path)
        rows.append(row)
    return rows


# --------------------------------------------------------------------------
# Parsing: the POST back into data for validate_data
# --------------------------------------------------------------------------

ROWS_FIELD = "_rows:"  # hidden input: how many rows a list of models had
DELETE_FIELD = "_delete:"  # checkbox: drop this row


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse_field(model: type[BaseModel], name: str, post, path: str) -> tuple[bool, Any, bool]:
    """(present, value, filled) for one field: `present` False leaves the schema's default."""
    spec = spec_for(model, name)
    full = _join(path, name)
    get = lambda key: (post.get(key) or "").strip()  # noqa: E731
    if spec.kind == "model":
        value, filled = parse_model(spec.model, post, full)
        if spec.optional and not filled:
            return False, None, False
        return True, value, filled
    if spec.kind == "rows":
        items = parse_rows(spec.model, post, full)
        return True, items, bool(items)
    if spec.kind == "checkbox":
        checked = full in post
        return True, checked, checked
    if spec.kind == "tristate":
        v = get(full)
        return (True, v == "yes", True) if v in ("yes", "no") else (False, None, False)
    if spec.kind == "checkboxes":
        values = [v for v in post.getlist(full) if v]
        return True, values, bool(values)
    if spec.kind == "lines":
        values = [line.strip() for line in _lines(post.get(full, "")) if line.strip()]
        if spec.one_or_many:
            values = [_scalar(v) for v in values]
            return (False, None, False) if not values else (True, values[0] if len(values) == 1 else values, True)
        return True, values, bool(values)
    if spec.kind == "text_pair":
        nb, en = get(full + ".nb"), get(full + ".en")
        if not nb and not en:
            return False, None, False
        return True, ({"nb": nb, "en": en} if en else nb), True
    if spec.kind == "lines_pair":
        nbs, ens = _lines(post.get(full + ".nb", "")), _lines(post.get(full + ".en", ""))
        items = []
        for i in range(max(len(nbs), len(ens))):
            nb = nbs[i].strip() if i < len(nbs) else ""
            en = ens[i].strip() if i < len(ens) else ""
            if nb or en:
                items.append({"nb": nb, "en": en} if en else nb)
        return True, items, bool(items)
    v = get(full)
    return (True, v, True) if v else (False, None, False)


def _scalar(text: str):
    """A line as the value YAML would read: a whole number, a decimal, true/false, else text."""
    if re.fullmatch(r"-?\d{1,18}", text):
        return int(text)
    if re.fullmatch(r"-?\d{1,18}\.\d{1,18}", text):
        return float(text)
    return {"true": True, "false": False}.get(text.lower(), text)


def _scalar_text(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def parse_model(model: type[BaseModel], post, path: str) -> tuple[dict, bool]:
    out, filled = {}, False
    for name in fields_of(model):
        present, value, field_filled = parse_field(model, name, post, path)
        if present:
            out[name] = value
        filled = filled or field_filled
    return out, filled


def parse_rows(model: type[BaseModel], post, path: str) -> list[dict]:
    try:
        count = min(int(post.get(ROWS_FIELD + path, "0")), 1000)
    except ValueError:
        count = 0
    items = []
    for i in range(count):
        row_path = f"{path}[{i}]"
        if post.get(DELETE_FIELD + row_path):
            continue
        value, filled = parse_model(model, post, row_path)
        if filled:
            items.append(value)
    return items
