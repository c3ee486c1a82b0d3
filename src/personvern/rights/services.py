"""Rights request workflows (HackSoft style: `<entity>_<action>(*, ...)`). Views stay thin.

Every change of state writes a RequestEvent (the request's own history) and an
audit event (ids and counts only, never the requester's data).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from personvern.accounts.models import CAPABILITIES, ROLE_RANK, Membership
from personvern.audit.service import record
from personvern.core import deadlines
from personvern.core.manifest import parse_duration
from personvern.core.headers import one_line
from personvern.registry.services import current_register

from . import letters
from .export import (  # noqa: F401
    build_zip,
    export_add_rows,
    package_delete_file,
    package_read,
    package_store,
    rows_delete,
    rows_delete_if_done,
)
from .models import (
    OPEN_STATES,
    Channel,
    ExportPackage,
    FeeGround,
    RefusalGround,
    RefusalProvision,
    Request,
    RequestEvent,
    RequestType,
    State,
    Task,
)

log = logging.getLogger(__name__)

VERIFY_SALT = "personvern.rights.verify"
DOWNLOAD_SALT = "personvern.rights.download"
EXPORT_TYPES = (RequestType.ACCESS, RequestType.PORTABILITY)
# Types a connected database can carry out (personvern.datasources.services.task_run_connector)
AUTOMATIC_TYPES = (RequestType.ACCESS, RequestType.PORTABILITY, RequestType.ERASURE, RequestType.RESTRICTION)


class RightsError(ValueError):
    """A step the law or the workflow does not allow; the message says why (shown to staff).

    `message` is a bokmål msgid (gettext_noop), `params` fill its %(name)s places after translation."""

    def __init__(self, message: str, **params):
        self.message, self.params = message, params
        super().__init__(message % params if params else message)

    def translated(self) -> str:
        from django.utils.translation import gettext

        text = gettext(self.message)
        return text % self.params if self.params else text


EXTENSION_ERRORS = {
    "no_reasons": gettext_noop("En forlengelse må begrunnes (art. 12(3))."),
    "too_long": gettext_noop("Fristen kan forlenges med høyst to måneder til (art. 12(3))."),
    "before_receipt": gettext_noop("Den registrerte kan ikke ha blitt varslet før kravet kom inn."),
    "too_late": gettext_noop(
        "For sent: den registrerte måtte varsles om forlengelsen innen %(day)s, én måned etter mottak (art. 12(3))."
    ),
}


class TokenError(Exception):
    """A link that is forged, expired, already used, or for another organisation."""

    def __init__(self, reason: str):
        self.reason = reason  # "invalid" | "expired" | "used"
        super().__init__(reason)


def verify_max_age() -> timedelta:
    return timedelta(hours=int(getattr(settings, "RIGHTS_VERIFY_HOURS", 72)))


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _event(req: Request, kind: str, *, user=None, note: str = "") -> RequestEvent:
    return RequestEvent.objects.create(request=req, kind=kind, state=req.state, actor=user, note=note)


def _audit(action: str, req: Request, *, user=None, request=None, ip: str | None = None, **data) -> None:
    record(
        f"rights.{action}",
        request=request,
        actor=user,
        organisation=req.organisation,
        obj=req,
        ip=ip,
        data={"reference": req.reference, "state": req.state, **data},
    )


@contextmanager
def _rolled_back_on_error(req: Request):
    """Reload `req` when the step fails, so the caller never sees values that were rolled back."""
    try:
        yield
    except Exception:
        req.refresh_from_db()
        raise


def _set_state(req: Request, state: str) -> None:
    req.state = state


def _local_date(moment: datetime):
    return timezone.localdate(moment)


def _link(name: str, org_slug: str, token: str, lang: str, base_url: str | None) -> str:
    path = reverse(f"rights_public:{name}_{lang}", kwargs={"org": org_slug, "token": token})
    return f"{(base_url or settings.SITE_URL).rstrip('/')}{path}"


def _send(to: str, letter: letters.Letter) -> bool:
    if not to:
        return False
    try:
        EmailMultiAlternatives(one_line(letter.subject), letter.body, to=[to]).send()
    except Exception:  # the request is stored; staff see that the mail failed and can resend
        log.exception("could not send rights mail")
        return False
    return True


def _deliver(req: Request, letter: letters.Letter) -> None:
    """Send a letter the requester must receive (answer, refusal, extension notice, fee notice).

    Sent before the step is recorded (and before any lock is taken): if the mail
    server does not take the letter, RightsError stops the step, so the app never
    records an answer or a notice that did not go out. A request without an e-mail
    address (received by letter or phone) is answered on paper from the request page."""
    if req.email and not _send(req.email, letter):
        raise RightsError(
            gettext_noop("E-posten til den registrerte kunne ikke sendes, så ingenting er lagret. Prøv igjen senere.")
        )


# --------------------------------------------------------------------------
# Receipt and identity
# --------------------------------------------------------------------------


def request_submit(
    *,
    org,
    type: str,
    name: str,
    email: str = "",
    phone: str = "",
    customer_number: str = "",
    message: str = "",
    direct_marketing: bool = False,
    language: str = "nb",
    channel: str = Channel.FORM,
    received_at: datetime | None = None,
    user=None,
    request=None,
    ip: str | None = None,
    base_url: str | None = None,
    send_link: bool = True,
) -> Request:
    """Register a request (from the public form, or by staff with the date it was received).

    A request from the form gets a receipt with a single-use identity link by
    e-mail; nothing is disclosed or executed before the link is used (or staff
    record a manual identity check).
    """
    if type not in RequestType.values:
        raise RightsError("unknown request type")
    if channel not in Channel.values:
        raise RightsError("unknown channel")
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + timedelta(minutes=5):
        raise RightsError(gettext_noop("Mottatt-datoen kan ikke være i fremtiden."))
    received_on = _local_date(received_at)
    first = deadlines.deadline(received_on)
    promised = promised_answer(org, received_on, first)
    with transaction.atomic():
        req = Request.objects.create(
            organisation=org,
            type=type,
            channel=channel,
            language="en" if language == "en" else "nb",
            name=name.strip()[:200],
            email=email.strip()[:254],
            phone=phone.strip()[:40],
            customer_number=customer_number.strip()[:60],
            message=message.strip()[:5000],
            direct_marketing=bool(direct_marketing) and type == RequestType.OBJECTION,
            received_at=received_at,
            received_on=received_on,
            first_due_on=first,
            due_on=first,
            promised_on=promised,
            created_by=user,
        )
        _event(req, "submitted", user=user, note=channel)
        _audit("request_submitted", req, user=user, request=request, ip=ip, type=type, channel=channel)
    if req.effective_on_receipt:
        _take_effect(req, user=user, request=request)
    # Whether the requester got the receipt: the public page says so only when it is true.
    req.mail_sent = False
    if req.email and send_link and not req.effective_on_receipt:
        req.mail_sent = _issue_verification(req, user=user, request=request, base_url=base_url)
    elif req.email:
        req.mail_sent = _send(req.email, letters.receipt_letter(req, req.language, verify_url="", hours=0))
        if not req.mail_sent:
            _event(req, "mail_failed", user=user, note="receipt")
    return req


def promised_answer(org, received_on, legal_due):
    """The day the register promises an answer by, where that is before the legal deadline (None otherwise)."""
    register = current_register(org)
    if register is None:
        return None
    period = parse_duration(register.rights.response_time)
    if period.get("months") or period.get("years"):
        return None
    days = period.get("days", 0) + 7 * period.get("weeks", 0)
    promised = received_on + timedelta(days=days)
    return promised if days and promised < legal_due else None


def _issue_verification(req: Request, *, user=None, request=None, base_url: str | None = None) -> bool:
    """Send the receipt with a new single-use identity link. The link is recorded (and any
    earlier one stops working) only when the mail server took the letter; a failure is
    recorded as `mail_failed` on the request, where staff see it and can send again."""
    nonce = secrets.token_urlsafe(18)
    token = signing.dumps([req.pk, nonce], salt=VERIFY_SALT, compress=True)
    url = _link("verify", req.organisation.slug, token, req.language, base_url)
    letter = letters.receipt_letter(req, req.language, verify_url=url,
                                    hours=int(verify_max_age().total_seconds() // 3600))
    if not _send(req.email, letter):
        _event(req, "mail_failed", user=user, note="verification")
        _audit("mail_failed", req, user=user, request=request)
        return False
    with transaction.atomic():
        req.verify_nonce = _hash(nonce)
        req.verification_sent_at = timezone.now()
        if req.state == State.RECEIVED:
            _set_state(req, State.AWAITING_VERIFICATION)
        req.save(update_fields=["verify_nonce", "verification_sent_at", "state"])
        _event(req, "verification_sent", user=user)
        _audit("verification_sent", req, user=user, request=request)
    return True


def request_send_verification(*, req: Request, user=None, request=None, base_url: str | None = None) -> None:
    """(Re)send the identity link; any earlier link stops working."""
    if req.is_verified:
        raise RightsError(gettext_noop("Identiteten er allerede bekreftet."))
    if not req.email:
        raise RightsError(gettext_noop("Forespørselen har ingen e-postadresse."))
    if not req.is_open:
        raise RightsError(gettext_noop("Forespørselen er avsluttet."))
    if not _issue_verification(req, user=user, request=request, base_url=base_url):
        raise RightsError(gettext_noop("E-posten kunne ikke sendes, så ingen ny lenke er laget. Prøv igjen senere."))


def _load_token(token: str, salt: str, max_age: timedelta, queryset, **lookup):
    """(row, nonce) for a signed [pk, nonce] link; TokenError when forged, expired or not found."""
    try:
        pk, nonce = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenError("expired") from None
    except (signing.BadSignature, ValueError, TypeError):
        raise TokenError("invalid") from None
    row = queryset.filter(pk=pk, **lookup).first() if isinstance(pk, int) else None
    if row is None or not isinstance(nonce, str):
        raise TokenError("invalid")
    return row, nonce


def request_from_token(*, org, token: str, for_update: bool = False) -> Request:
    """The request a verification link points to, or TokenError (forged, expired, used, other org)."""
    qs = Request.objects.select_related("organisation")
    req, nonce = _load_token(token, VERIFY_SALT, verify_max_age(), qs.select_for_update() if for_update else qs,
                             organisation=org)
    if not req.verify_nonce or not secrets.compare_digest(req.verify_nonce, _hash(nonce)):
        raise TokenError("used")
    return req


def request_verify(*, org, token: str, ip: str | None = None) -> Request:
    """Use the identity link (once): the request is verified and its tasks are created."""
    with transaction.atomic():
        req = request_from_token(org=org, token=token, for_update=True)
        req.verify_nonce = ""
        req.verified_at = timezone.now()
        req.verification_method = "email"
        if req.state in (State.RECEIVED, State.AWAITING_VERIFICATION):
            _set_state(req, State.VERIFIED)
        req.save(update_fields=["verify_nonce", "verified_at", "verification_method", "state"])
        _event(req, "verified", note="email")
        _audit("request_verified", req, ip=ip, method="email")
        tasks_create(req=req)
    return req


def _take_effect(req: Request, *, user=None, request=None) -> None:
    """A withdrawal of consent or an objection to direct marketing takes effect as received (Art. 7(3), 21(3)):
    the person is found by what they gave, and the tasks that stop the processing start at once."""
    with transaction.atomic():
        req.verified_at = timezone.now()
        req.verification_method = "receipt"
        if req.state in (State.RECEIVED, State.AWAITING_VERIFICATION):
            _set_state(req, State.VERIFIED)
        req.save(update_fields=["verified_at", "verification_method", "state"])
        _event(req, "effective_on_receipt", user=user)
        _audit("request_verified", req, user=user, request=request, method="receipt")
        tasks_create(req=req)


def request_verify_manually(*, req: Request, note: str, user, request=None) -> Request:
    """Staff record an identity check made another way (phone, in person, letter), with a note."""
    if not note.strip():
        raise RightsError(gettext_noop("Skriv hvordan identiteten ble bekreftet."))
    if req.is_verified:
        raise RightsError(gettext_noop("Identiteten er allerede bekreftet."))
    if not req.is_open:
        raise RightsError(gettext_noop("Forespørselen er avsluttet."))
    with transaction.atomic():
        req.verify_nonce = ""
        req.verified_at = timezone.now()
        req.verification_method = "manual"
        req.verification_note = note.strip()
        if req.state in (State.RECEIVED, State.AWAITING_VERIFICATION):
            _set_state(req, State.VERIFIED)
        req.save(update_fields=["verify_nonce", "verified_at", "verification_method", "verification_note", "state"])
        _event(req, "verified", user=user, note="manual")
        _audit("request_verified", req, user=user, request=request, method="manual")
        tasks_create(req=req)
    return req


# --------------------------------------------------------------------------
# Tasks from the register
# --------------------------------------------------------------------------

CHECKLISTS = {
    RequestType.ACCESS: [
        gettext_noop("Søk etter personen (navn, e-post, kundenummer)"),
        gettext_noop("Hent ut opplysningene (eksport eller skjermbilde)"),
        gettext_noop("Fjern opplysninger om andre personer (art. 15(4))"),
    ],
    RequestType.RECTIFICATION: [
        gettext_noop("Finn opplysningene"),
        gettext_noop("Rett eller fullstendiggjør dem (art. 16)"),
        gettext_noop("Varsle mottakere (art. 19)"),
    ],
    RequestType.ERASURE: [
        gettext_noop("Finn opplysningene"),
        gettext_noop("Sjekk lovpålagt oppbevaring (art. 17(3), f.eks. bokføringsloven)"),
        gettext_noop("Slett eller anonymiser resten"),
        gettext_noop("Varsle mottakere (art. 19)"),
    ],
    RequestType.RESTRICTION: [
        gettext_noop("Finn opplysningene"),
        gettext_noop("Merk dem som begrenset: bare lagring (art. 18)"),
        gettext_noop("Varsle mottakere (art. 19)"),
    ],
    RequestType.OBJECTION: [
        gettext_noop("Finn opplysningene"),
        gettext_noop("Stopp behandlingen; direkte markedsføring stoppes alltid (art. 21(3))"),
        gettext_noop("Dokumenter avveiningen hvis behandlingen fortsetter (art. 21(1))"),
    ],
    RequestType.PORTABILITY: [
        gettext_noop("Finn opplysningene personen har gitt oss"),
        gettext_noop("Eksporter dem maskinlesbart (JSON/CSV)"),
    ],
    RequestType.WITHDRAW_CONSENT: [
        gettext_noop("Finn samtykket"),
        gettext_noop("Registrer tilbaketrekkingen"),
        gettext_noop("Stopp behandlingen som bygde på samtykket"),
    ],
    RequestType.OTHER: [
        gettext_noop("Vurder henvendelsen"),
        gettext_noop("Gjør det som trengs"),
    ],
}
MADE_PUBLIC_STEP = gettext_noop("Varsle andre som har fått opplysningene offentliggjort (art. 17(2))")


SUPPRESS_STEP = gettext_noop("Sett personen på sperrelisten for markedsføring, så det ikke skjer igjen")
PORTABLE_BASES = {"a", "b"}  # Art. 20(1)(a): consent or contract


def relevant_activities(register, req: Request) -> list:
    """The activities a request concerns: all of them, except where the right itself is narrower
    (portability: consent or contract, Art. 20; withdrawal: consent; direct-marketing objection:
    the marketing activities). Falls back to all when the register marks none."""
    activities = list(register.activities)
    if req.type == RequestType.PORTABILITY:
        chosen = [a for a in activities if {str(b.basis) for b in a.legal_bases} & PORTABLE_BASES]
    elif req.type == RequestType.WITHDRAW_CONSENT:
        chosen = [a for a in activities if "a" in {str(b.basis) for b in a.legal_bases}]
    elif req.type == RequestType.OBJECTION and req.direct_marketing:
        chosen = [a for a in activities if a.direct_marketing]
    else:
        chosen = activities
    return chosen or activities


def tasks_create(*, req: Request) -> list[Task]:
    """One task per system used by the activities the request concerns (from the current register),
    assigned to the responsible role of the first activity that uses it."""
    register = current_register(req.organisation)
    if register is None or req.tasks.exists():
        return list(req.tasks.all())
    by_system: OrderedDict[str, dict] = OrderedDict()
    for activity in relevant_activities(register, req):
        for system_id in activity.systems:
            entry = by_system.setdefault(system_id, {"activities": [], "role": None, "public": False})
            entry["activities"].append(activity.id)
            if entry["role"] is None and activity.responsible_role:
                entry["role"] = activity.responsible_role
            entry["public"] = entry["public"] or activity.made_public
    tasks = []
    for system_id, entry in by_system.items():
        system = register.system(system_id)
        role = register.role(entry["role"]) if entry["role"] else None
        steps = list(CHECKLISTS[RequestType(req.type)])
        if req.type == RequestType.ERASURE and entry["public"]:
            steps.append(MADE_PUBLIC_STEP)
        if req.direct_marketing:
            steps.append(SUPPRESS_STEP)
        tasks.append(
            Task(
                request=req,
                system_id=system_id,
                system_name=system.name if system else system_id,
                activities=entry["activities"],
                assignee_role=entry["role"] or "",
                assignee_role_name=role.name.nb if role else "",
                checklist=[{"text": s, "done": False} for s in steps],
            )
        )
    Task.objects.bulk_create(tasks)
    _event(req, "tasks_created", note=str(len(tasks)))
    _audit("tasks_created", req, tasks=len(tasks))
    return list(req.tasks.all())


def task_complete(
    *,
    task: Task,
    user,
    note: str,
    evidence: str = "",
    status: str = Task.Status.DONE,
    checked: list[int] | None = None,
    request=None,
) -> Task:
    """Close a task. Done by hand it takes a note and evidence (what was run, a ticket, an export)."""
    req = task.request
    if not req.is_verified:
        raise RightsError(gettext_noop("Identiteten må bekreftes før noe gjøres."))
    if not req.is_open:
        raise RightsError(gettext_noop("Forespørselen er avsluttet."))
    if status not in (Task.Status.DONE, Task.Status.NOT_APPLICABLE, Task.Status.KEPT):
        raise RightsError("unknown status")
    if status == Task.Status.KEPT and req.type != RequestType.ERASURE:
        raise RightsError("kept is for erasure requests")
    if not note.strip():
        raise RightsError(gettext_noop("Skriv et notat om hva som ble gjort."))
    has_rows = req.export_rows.filter(system_id=task.system_id).exists()
    if status != Task.Status.NOT_APPLICABLE and not evidence.strip() and not has_rows:
        raise RightsError(gettext_noop("Oppgi dokumentasjon (f.eks. saksnummer, spørring eller eksport)."))
    checked = set(range(len(task.checklist))) if checked is None else set(checked)
    with transaction.atomic():
        task.checklist = [dict(item, done=i in checked) for i, item in enumerate(task.checklist)]
        task.status = status
        task.note = note.strip()
        task.evidence = evidence.strip()
        task.completed_by = user
        task.completed_at = timezone.now()
        task.save()
        if req.state == State.VERIFIED:
            _set_state(req, State.IN_PROGRESS)
            req.save(update_fields=["state"])
        _event(req, "task_completed", user=user, note=f"{task.system_id}: {status}")
        _audit("task_completed", req, user=user, request=request, task=task.pk, system=task.system_id, status=status)
    return task


def task_reopen(*, task: Task, user, request=None) -> Task:
    if not task.request.is_open:
        raise RightsError(gettext_noop("Forespørselen er avsluttet."))
    task.status = Task.Status.OPEN
    task.completed_at = None
    task.save(update_fields=["status", "completed_at"])
    _event(task.request, "task_reopened", user=user, note=task.system_id)
    _audit("task_reopened", task.request, user=user, request=request, task=task.pk)
    return task


# --------------------------------------------------------------------------
# Waiting, extension, refusal, fee
# --------------------------------------------------------------------------


def request_wait(*, req: Request, user, note: str, request=None) -> Request:
    """Waiting on the requester (e.g. to say which data they mean). The deadline keeps running."""
    if not req.is_open:
        raise RightsError(gettext_noop("Forespørselen er avsluttet."))
    if not note.strip():
        raise RightsError(gettext_noop("Skriv hva vi venter på."))
    req.state = State.WAITING_ON_REQUESTER
    req.save(update_fields=["state"])
    _event(req, "waiting", user=user, note=note.strip())
    _audit("request_waiting", req, user=user, request=request)
    return req


def request_resume(*, req: Request, user, request=None) -> Request:
    if req.state != State.WAITING_ON_REQUESTER:
        raise RightsError(gettext_noop("Forespørselen venter ikke på den registrerte."))
    if req.extension_months:
        req.state = State.EXTENDED
    else:
        req.state = State.IN_PROGRESS if req.is_verified else State.AWAITING_VERIFICATION
    req.save(update_fields=["state"])
    _event(req, "resumed", user=user)
    _audit("request_resumed", req, user=user, request=request)
    return req


def request_extend(
    *,
    req: Request,
    user,
    reasons: str,
    months: int = deadlines.EXTENSION_MONTHS,
    notified_at: datetime | None = None,
    request=None,
    send: bool = True,
) -> Request:
    """Extend by one or two further months (Art. 12(3)): only with reasons, only once, and only if
    the requester is told by the first deadline. With `send`, the notice goes by e-mail now;
    otherwise `notified_at` is when staff told the requester (e.g. by letter)."""
    if not req.is_open:
        raise RightsError(gettext_noop("Forespørselen er avsluttet."))
    if req.extension_months:
        raise RightsError(gettext_noop("Fristen er allerede forlenget."))
    if send and not req.email:
        raise RightsError(gettext_noop("Forespørselen har ingen e-postadresse; oppgi når den registrerte ble varslet."))
    if not send and notified_at is None:  # told by letter or phone: when is part of the record
        raise RightsError(gettext_noop("Oppgi når den registrerte ble varslet om forlengelsen."))
    notified_at = timezone.now() if send else notified_at
    if notified_at > timezone.now() + timedelta(minutes=5):
        raise RightsError(gettext_noop("Varslingstidspunktet kan ikke være i fremtiden."))
    try:
        new_due = deadlines.check_extension(
            req.received_on, reasons=reasons, notified=_local_date(notified_at), extra_months=months
        )
    except deadlines.ExtensionError as exc:
        day = exc.last_day.strftime("%d.%m.%Y") if exc.last_day else ""
        raise RightsError(EXTENSION_ERRORS[exc.code], **({"day": day} if day else {})) from None
    with _rolled_back_on_error(req):
        req.extension_reasons = reasons.strip()
        req.extension_months = months
        req.extension_notified_at = notified_at
        req.due_on = new_due
        req.state = State.EXTENDED
        if send:  # the notice is part of the extension: no notice, no extension (Art. 12(3))
            _deliver(req, letters.extension_letter(req, current_register(req.organisation), req.language))
        with transaction.atomic():
            req.save(update_fields=["extension_reasons", "extension_months", "extension_notified_at", "due_on",
                                    "state"])
            _event(req, "extended", user=user, note=f"+{months}")
            _audit("request_extended", req, user=user, request=request, months=months,
                   due_on=new_due.isoformat(), notified="email" if send else "recorded")
    return req


def request_refuse(
    *,
    req: Request,
    user,
    ground: str,
    reasons: str,
    excessive_justification: str = "",
    provision: str = "",
    provision_text: str = "",
    request=None,
    send: bool = True,
) -> Request:
    """Refuse with reasons; the letter tells of Datatilsynet and the courts (Art. 12(4)).
    Manifestly unfounded or excessive (Art. 12(5)) needs a recorded justification. An exception
    (or another ground) names the provision it rests on: one of RefusalProvision, or staff's own words."""
    if not req.is_open:
        raise RightsError(gettext_noop("Forespørselen er avsluttet."))
    if ground not in RefusalGround.values:
        raise RightsError("unknown ground")
    if not reasons.strip():
        raise RightsError(gettext_noop("Et avslag må begrunnes (art. 12(4))."))
    if ground in (RefusalGround.UNFOUNDED, RefusalGround.EXCESSIVE) and not excessive_justification.strip():
        raise RightsError(
            gettext_noop("Skriv hvorfor kravet er åpenbart grunnløst eller urimelig; det er vi som må vise det.")
        )
    if req.direct_marketing and ground != RefusalGround.CANNOT_IDENTIFY:
        raise RightsError(gettext_noop("En protest mot direkte markedsføring skal alltid tas til følge (art. 21(3))."))
    if ground not in letters.GROUNDS_WITH_PROVISION:
        if provision not in RefusalProvision.values:
            raise RightsError(gettext_noop("Et avslag må nevne bestemmelsen det bygger på (art. 12(4))."))
        if provision == RefusalProvision.OWN and not provision_text.strip():
            raise RightsError(gettext_noop("Skriv bestemmelsen avslaget bygger på, med lovens navn."))
    else:
        provision = provision_text = ""
    with _rolled_back_on_error(req):
        req.refusal_ground = ground
        req.refusal_reasons = reasons.strip()
        req.refusal_provision = provision
        req.refusal_provision_text = provision_text.strip()[:300] if provision == RefusalProvision.OWN else ""
        req.excessive_justification = excessive_justification.strip()
        letter = letters.refusal_letter(req, current_register(req.organisation), req.language)
        if send:
            _deliver(req, letter)
        with transaction.atomic():
            req.answer_text = letter.body
            req.answered_at = timezone.now()
            req.state = State.REFUSED
            req.verify_nonce = ""
            req.save()
            _event(req, "refused", user=user, note=ground)
            _audit("request_refused", req, user=user, request=request, ground=ground, on_time=req.answered_on_time)
    rows_delete(req)  # nothing will be disclosed: the copies of the person's data go now
    return req


def request_charge_fee(*, req: Request, user, fee_nok: int, justification: str, ground: str, request=None,
                       send: bool = True) -> Request:
    """Art. 12(5)(a): a reasonable fee, only for manifestly unfounded or excessive requests and only
    with a recorded justification. The requester is told the fee and why before it is charged
    (a letter with the complaint routes); the request then waits on the requester."""
    if not req.is_open:
        raise RightsError(gettext_noop("Forespørselen er avsluttet."))
    if not justification.strip():
        raise RightsError(gettext_noop("Et gebyr krever en begrunnelse (art. 12(5))."))
    if ground not in FeeGround.values:
        raise RightsError(gettext_noop("Velg om kravet er åpenbart grunnløst eller urimelig (art. 12(5))."))
    if fee_nok <= 0 or fee_nok > 10_000:
        raise RightsError(gettext_noop("Gebyret må være et rimelig beløp."))
    if req.direct_marketing:
        raise RightsError(gettext_noop("En protest mot direkte markedsføring skal alltid tas til følge (art. 21(3))."))
    with _rolled_back_on_error(req):
        req.fee_nok = fee_nok
        req.fee_ground = ground
        req.excessive_justification = justification.strip()
        req.state = State.WAITING_ON_REQUESTER
        if send:
            _deliver(req, letters.fee_letter(req, current_register(req.organisation), req.language,
                                             reasons=justification))
        with transaction.atomic():
            req.save(update_fields=["fee_nok", "fee_ground", "excessive_justification", "state"])
            _event(req, "fee", user=user, note=str(fee_nok))
            _audit("request_fee", req, user=user, request=request, fee_nok=fee_nok, notified=send)
    return req


# --------------------------------------------------------------------------
# Answer and export
# --------------------------------------------------------------------------


def answer_preview(req: Request, *, download_url: str = "") -> letters.Letter:
    register = current_register(req.organisation)
    done = [t for t in req.tasks.all() if t.status in (Task.Status.DONE, Task.Status.KEPT)]
    activities = sorted({a for t in done for a in t.activities}) if done else None
    kept = []
    for t in req.tasks.all():
        if t.status != Task.Status.KEPT:
            continue
        if t.outcome.get("kept"):  # a connected database said what it kept, under which law, until when
            kept += [letters.kept_line(t.system_name, item, req.language) for item in t.outcome["kept"]]
            continue
        laws = {a.retention.law for a in (register.activities if register else [])
                if a.id in t.activities and a.retention and a.retention.law}
        kept.append(t.system_name + (f" ({', '.join(sorted(laws))})" if laws else ""))
    return letters.answer_letter(req, register, req.language, activities=activities, kept=kept or None,
                                 download_url=download_url)


def package_issue(*, req: Request, user=None, request=None) -> tuple[ExportPackage, str]:
    """Build the ZIP, store it encrypted and return (package, single-use download token)."""
    content = build_zip(req, current_register(req.organisation), req.language)
    nonce = secrets.token_urlsafe(18)
    with transaction.atomic():
        package = package_store(req, content)
        package.token_hash = _hash(nonce)
        package.save(update_fields=["token_hash"])
        _event(req, "export_created", user=user)
        _audit("export_created", req, user=user, request=request, package=package.pk, size=package.size)
    token = signing.dumps([package.pk, nonce], salt=DOWNLOAD_SALT, compress=True)
    return package, token


def request_complete(*, req: Request, user, request=None, base_url: str | None = None, send: bool = True) -> Request:
    """Answer the request: all tasks closed, identity verified; for access and portability
    an export package with a single-use, expiring link goes with the letter."""
    if not req.is_open:
        raise RightsError(gettext_noop("Forespørselen er avsluttet."))
    if not req.is_verified:
        raise RightsError(gettext_noop("Identiteten må bekreftes før vi svarer med opplysninger."))
    if req.tasks.filter(status=Task.Status.OPEN).exists():
        raise RightsError(gettext_noop("Alle oppgaver må være lukket først."))
    url, package = "", None
    if req.type in EXPORT_TYPES:
        package, token = package_issue(req=req, user=user, request=request)
        if req.email:  # without one, staff hand the package over (package_hand_over)
            url = _link("download", req.organisation.slug, token, req.language, base_url)
    letter = answer_preview(req, download_url=url)
    if send:
        try:
            _deliver(req, letter)
        except RightsError:
            if package is not None:  # a link nobody received: the file goes at once
                package_delete_file(package)
            raise
    with transaction.atomic():
        req.answer_text = letter.body.replace(url, "[lenke]") if url else letter.body
        req.answered_at = timezone.now()
        req.state = State.COMPLETED
        req.save(update_fields=["answer_text", "answered_at", "state"])
        _event(req, "completed", user=user)
        _audit("request_completed", req, user=user, request=request, on_time=req.answered_on_time)
    if package is None:
        rows_delete(req)  # no package to fill: the copies of the person's data are not kept
    return req


def package_from_token(*, org, token: str, for_update: bool = False) -> ExportPackage:
    qs = ExportPackage.objects.select_related("request__organisation")
    package, nonce = _load_token(token, DOWNLOAD_SALT, timedelta(days=_export_days()),
                                 qs.select_for_update() if for_update else qs, request__organisation=org)
    if package.deleted_at is not None or package.expires_at <= timezone.now():
        raise TokenError("expired")
    if package.downloaded_at is not None or not package.token_hash or not secrets.compare_digest(
        package.token_hash, _hash(nonce)
    ):
        raise TokenError("used")
    if not package.request.is_verified:
        raise TokenError("invalid")
    return package


def _package_take(package: ExportPackage, *, user=None, request=None, ip: str | None = None) -> bytes:
    """Read the package once: mark it downloaded, delete the file (and the rows if nothing else needs them)."""
    content = package_read(package)
    package.downloaded_at = timezone.now()
    package.save(update_fields=["downloaded_at"])
    package_delete_file(package)
    _event(package.request, "export_downloaded", user=user, note="staff" if user else "")
    _audit("export_downloaded", package.request, user=user, request=request, ip=ip, package=package.pk,
           by="staff" if user else "requester")
    rows_delete_if_done(package.request)
    return content


def package_download(*, org, token: str, ip: str | None = None) -> tuple[ExportPackage, bytes]:
    """Use the download link (once). The file is deleted as soon as it has been read."""
    with transaction.atomic():
        package = package_from_token(org=org, token=token, for_update=True)
        return package, _package_take(package, ip=ip)


def package_hand_over(*, req: Request, package_id: int, user, request=None) -> tuple[ExportPackage, bytes]:
    """Staff take the package of a request without an e-mail address, to deliver it the way the request
    came (by post on a memory stick, in person). Once, like the link; the file is deleted after."""
    if req.email:
        raise RightsError(gettext_noop("Den registrerte har e-post og får pakken med lenken i svaret."))
    if not req.is_verified:
        raise RightsError(gettext_noop("Identiteten må bekreftes før vi svarer med opplysninger."))
    with transaction.atomic():
        package = ExportPackage.objects.select_for_update().filter(
            pk=package_id, request=req, downloaded_at__isnull=True, deleted_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).first()
        if package is None:
            raise RightsError(gettext_noop("Pakken er allerede hentet, eller den er utløpt."))
        return package, _package_take(package, user=user, request=request)


def packages_expire(now: datetime | None = None) -> int:
    """Delete export files whose link has expired (the platform keeps its own retention promise)."""
    now = now or timezone.now()
    count = 0
    for package in ExportPackage.objects.select_related("request__organisation").filter(
        deleted_at__isnull=True, expires_at__lte=now
    ):
        package_delete_file(package)
        _event(package.request, "export_expired")
        _audit("export_expired", package.request, package=package.pk)
        rows_delete_if_done(package.request)
        count += 1
    return count


def _export_days() -> int:
    return int(getattr(settings, "RIGHTS_EXPORT_DAYS", 14))


# --------------------------------------------------------------------------
# Overview and reminders
# --------------------------------------------------------------------------


def inbox(org, *, include_closed: bool = False):
    qs = Request.objects.filter(organisation=org).prefetch_related("tasks")
    if not include_closed:
        qs = qs.filter(state__in=OPEN_STATES)
    # The earlier of the promise and the legal deadline first: a broken promise is seen before the law is.
    return qs.order_by(Coalesce("promised_on", "due_on"), "due_on", "received_at")


@dataclass
class OnTime:
    answered: int
    on_time: int
    open_overdue: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.on_time / self.answered) if self.answered else None


def on_time_figure(org, today=None) -> OnTime:
    """Requests answered (completed or refused) by their deadline, and open ones past it.
    A refusal counts against the first deadline, extended or not (Art. 12(4))."""
    today = today or timezone.localdate()
    answered = on_time = 0
    for req in Request.objects.filter(organisation=org, answered_at__isnull=False).only(
        "answered_at", "due_on", "first_due_on", "state"
    ):
        answered += 1
        on_time += int(bool(req.answered_on_time))
    overdue = Request.objects.filter(organisation=org, state__in=OPEN_STATES, due_on__lt=today).count()
    return OnTime(answered, on_time, overdue)


def responsible_emails(org) -> list[str]:
    """The people who handle requests: members with the handle_requests capability."""
    need = ROLE_RANK[CAPABILITIES["handle_requests"]]
    roles = [r for r, rank in ROLE_RANK.items() if rank >= need]
    return sorted(
        {
            m.user.email
            for m in Membership.objects.select_related("user").filter(
                Q(organisation=org) & Q(role__in=roles) & Q(user__is_active=True)
            )
            if m.user.email
        }
    )
