"""The installation's connection policy, from the operator's settings, and its refusals
and failures in the reader's language.

The operator decides what organisation staff's connections may reach
(PERSONVERN_CONNECTOR_* and PERSONVERN_SQLITE_DIRS, docs/configuration.md). Whatever the
operator allows, personvern's own database and files are never a target."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from personvern.connectors.engine import (
    KIND_NAMES,
    Answer,
    ConnectionPolicy,
    ExplainedError,
    OwnDatabase,
    Timeouts,
    parse_ports,
)

_OWN_BACKENDS = {"postgresql": "postgresql", "mysql": "mysql"}


def connection_policy() -> ConnectionPolicy:
    """The policy for connections that organisation staff stored."""
    try:
        return ConnectionPolicy(
            allow=tuple(settings.PERSONVERN_CONNECTOR_ALLOW),
            public=settings.PERSONVERN_CONNECTOR_PUBLIC,
            ports=parse_ports(settings.PERSONVERN_CONNECTOR_PORTS),
            sqlite_dirs=tuple(str(d) for d in settings.PERSONVERN_SQLITE_DIRS),
            protected_paths=_protected_paths(),
            protected_dirs=(str(settings.VAR_DIR),),
            own_databases=_own_databases(),
        )
    except ValueError as exc:
        raise ImproperlyConfigured(f"connection policy: {exc}") from None


def connector_timeouts() -> Timeouts:
    """Timeouts for real work (rights requests, retention, discovery)."""
    return Timeouts(connect=settings.PERSONVERN_CONNECTOR_CONNECT_TIMEOUT, statement=settings.PERSONVERN_CONNECTOR_STATEMENT_TIMEOUT)


def _protected_paths() -> tuple[str, ...]:
    """personvern's own files: its code and settings, its database files, exports, static files."""
    paths = [settings.BASE_DIR, settings.MEDIA_ROOT, settings.STATIC_ROOT]
    for database in (*settings.DATABASES.values(), *(c.settings_dict for c in connections.all(initialized_only=True))):
        if "sqlite" in database["ENGINE"] and database.get("NAME") and str(database["NAME"]) != ":memory:":
            paths.append(database["NAME"])
    return tuple(dict.fromkeys(str(Path(p)) for p in paths))


def _own_databases() -> tuple[OwnDatabase, ...]:
    own = []
    for database in (*settings.DATABASES.values(), *(c.settings_dict for c in connections.all(initialized_only=True))):
        backend = next((b for key, b in _OWN_BACKENDS.items() if key in database["ENGINE"]), None)
        if backend:
            port = int(database.get("PORT") or (5432 if backend == "postgresql" else 3306))
            own.append(OwnDatabase(backend, str(database.get("HOST") or ""), port, str(database.get("NAME") or "")))
    return tuple(dict.fromkeys(own))


# Bokmål texts for the engine's codes; the English is in locale/en (the same as the engine's).
_TEXTS = {
    "not_allowed_address": gettext_lazy("%(subject)s er en %(kind)s; driftsansvarlig har ikke tillatt den (PERSONVERN_CONNECTOR_ALLOW)."),
    "public_not_allowed": gettext_lazy("%(subject)s er en offentlig adresse; driftsansvarlig tillater bare nettene i PERSONVERN_CONNECTOR_ALLOW."),
    "port": gettext_lazy("Port %(port)s er ikke blant portene driftsansvarlig tillater (%(ports)s; PERSONVERN_CONNECTOR_PORTS)."),
    "unix_socket": gettext_lazy("Tilkobling gjennom en lokal socket er ikke tillatt: skriv databasetjenerens vertsnavn i URL-en."),
    "bad_host": gettext_lazy("«%(host)s» er verken et vertsnavn eller en IP-adresse."),
    "unresolvable": gettext_lazy("Vertsnavnet %(host)s finnes ikke i DNS."),
    "parameter": gettext_lazy("URL-parameteren «%(name)s» er ikke tillatt (tillatt: %(accepted)s)."),
    "parameter_value": gettext_lazy("«%(value)s» er ikke en gyldig verdi for URL-parameteren %(name)s."),
    "own_database": gettext_lazy("%(subject)s er personverns egen database; en tilkobling kan aldri nå den."),
    "sqlite_memory": gettext_lazy("En SQLite-database i minnet er tom: skriv stien til filen."),
    "sqlite_uri": gettext_lazy("Skriv stien til SQLite-filen, ikke en file:-URI."),
    "sqlite_relative": gettext_lazy("«%(path)s» er ikke en absolutt sti: skriv f.eks. sqlite:////srv/shop.db"),
    "sqlite_outside": gettext_lazy("%(path)s ligger ikke i en mappe driftsansvarlig tillater for SQLite-filer (PERSONVERN_SQLITE_DIRS)."),
    "sqlite_own": gettext_lazy("%(path)s er en av personverns egne filer; en tilkobling kan aldri åpne den."),
    "sqlite_missing": gettext_lazy("Filen %(path)s finnes ikke: sjekk stien (personvern oppretter aldri en database)."),
    "sqlite_not_file": gettext_lazy("%(path)s er ikke en vanlig fil."),
    "sqlite_not_database": gettext_lazy("%(path)s er ikke en SQLite-database."),
    "timeout": gettext_lazy("%(target)s svarte ikke innen %(seconds)s s."),
    "refused": gettext_lazy("%(target)s avviste tilkoblingen: ingen lytter på den porten."),
    "unreachable": gettext_lazy("Kan ikke nå %(target)s."),
    "auth": gettext_lazy("%(target)s godtok ikke brukernavnet eller passordet."),
    "no_database": gettext_lazy("Det finnes ingen database %(database)s på %(target)s."),
    "wrong_kind": gettext_lazy("%(target)s svarte ikke som en %(kind)s-tjener."),
    "busy": gettext_lazy("SQLite-filen %(target)s er låst av et annet program."),
    "statement_timeout": gettext_lazy("En spørring mot %(target)s varte lenger enn tidsgrensen (%(seconds)s s)."),
    "failed": gettext_lazy("Kan ikke koble til %(target)s (%(kind)s)."),
}
_KINDS = {
    "wildcard": gettext_lazy("uspesifisert adresse (0.0.0.0 eller ::)"),
    "loopback": gettext_lazy("loopback-adresse"),
    "link-local": gettext_lazy("lenkelokal adresse"),
    "multicast": gettext_lazy("multicast-adresse"),
    "shared (carrier-grade NAT)": gettext_lazy("delt adresse (operatør-NAT)"),
    "private": gettext_lazy("privat adresse"),
    "reserved": gettext_lazy("reservert adresse"),
}


def answered(answer: Answer) -> str:
    """A connection test's success, in the reader's language."""
    kind = KIND_NAMES.get(answer.kind, answer.kind)
    return _("Koblet til %(kind)s %(version)s: %(tables)s tabeller.") % {"kind": kind, "version": answer.version, "tables": answer.tables}


def explain(exc: Exception) -> str:
    """The error in the reader's language; a refusal or failure says what and why."""
    if isinstance(exc, ExplainedError) and exc.code in _TEXTS:
        params = dict(exc.params)
        if "kind" in params and params["kind"] in _KINDS:
            params["kind"] = _KINDS[params["kind"]]
        return str(_TEXTS[exc.code]) % params
    return str(exc)
