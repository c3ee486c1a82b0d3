"""Export packages for access (Art. 15(3)) and portability (Art. 20).

Rows arrive per system through `export_add_rows` (by hand from the request page,
or from a connector), are stored encrypted, and are packed into one ZIP:

    index.html              readable summary (Art. 15(1) information + the data)
    information.json        the same, machine-readable
    <system-id>/data.json   the rows from that system
    <system-id>/data.csv

The ZIP is encrypted at rest (MultiFernet, settings.ENCRYPTION_KEYS), served
once through an expiring link, and deleted after download or expiry.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import zipfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from personvern import crypto
from personvern.audit.service import record
from personvern.core.spreadsheet import csv_writer

from .letters import RIGHTS, activity_facts
from .models import ExportPackage, ExportRows, Request

MAX_ROWS_PER_CALL = 100_000


def export_days() -> int:
    return int(getattr(settings, "RIGHTS_EXPORT_DAYS", 14))


def _plain(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def export_add_rows(request: Request, system_id: str, rows: list[dict], *, source: str = "connector") -> ExportRows:
    """Add rows about the requester from one system (the connector's entry point).

    Values that are not JSON scalars are stored as text. Several calls for one
    system add up. The rows are encrypted before they touch the database.
    """
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise TypeError("rows must be a list of dicts")
    if len(rows) > MAX_ROWS_PER_CALL:
        raise ValueError(f"at most {MAX_ROWS_PER_CALL} rows per call")
    clean = [{str(k): _plain(v) for k, v in row.items()} for row in rows]
    part = ExportRows.objects.create(
        request=request,
        system_id=system_id,
        source=source[:40],
        count=len(clean),
        data=crypto.encrypt(json.dumps(clean, ensure_ascii=False).encode()),
    )
    record(
        "rights.export_rows_added",
        organisation=request.organisation,
        obj=request,
        data={"system": system_id, "rows": len(clean), "source": source[:40]},
    )
    return part


def rows_by_system(request: Request) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for part in request.export_rows.all():
        out.setdefault(part.system_id, []).extend(json.loads(crypto.decrypt(bytes(part.data))))
    return out


def rows_delete(request: Request) -> int:
    """Delete the copies of the person's data gathered for the answer (the rows, not the package file).

    Called when nothing more will be built from them: the request was refused or
    answered without a package, or its last package was downloaded or expired.
    The platform keeps only what it needs (Art. 5(1)(e))."""
    count, _ = request.export_rows.all().delete()
    if count:
        record(
            "rights.export_rows_deleted",
            organisation=request.organisation,
            obj=request,
            data={"reference": request.reference, "parts": count},
        )
    return count


def rows_delete_if_done(request: Request) -> int:
    """rows_delete once the request is closed and no package can still be downloaded."""
    if request.is_open or request.packages.filter(deleted_at__isnull=True).exists():
        return 0
    return rows_delete(request)


def _csv(rows: list[dict]) -> str:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buf = io.StringIO()
    writer = csv_writer(buf, lineterminator="\r\n")
    if columns:
        writer.writerow(columns)
        writer.writerows(["" if row.get(k) is None else row.get(k) for k in columns] for row in rows)
    return buf.getvalue()


def build_zip(request: Request, register, lang: str) -> bytes:
    """The package as ZIP bytes (in memory: one person's data is small)."""
    data = rows_by_system(request)
    systems = []
    for task in request.tasks.all():
        rows = data.pop(task.system_id, [])
        systems.append({"id": task.system_id, "name": task.system_name, "rows": rows, "status": task.status})
    for system_id, rows in data.items():  # rows for systems without a task (e.g. added by a connector)
        name = (register.system(system_id).name if register and register.system(system_id) else system_id)
        systems.append({"id": system_id, "name": name, "rows": rows, "status": "done"})
    activity_ids = {a for t in request.tasks.all() for a in t.activities}
    activities = []
    if register is not None:
        activities = [
            activity_facts(register, a, lang) for a in register.activities if not activity_ids or a.id in activity_ids
        ]
    info = {
        "reference": request.reference,
        "type": request.type,
        "controller": register.controller.legal_name if register else request.organisation.name,
        "generated_at": timezone.now().isoformat(),
        "activities": activities,
        "rights": RIGHTS[1 if lang == "en" else 0],
        "systems": [{"id": s["id"], "name": s["name"], "rows": len(s["rows"])} for s in systems],
    }
    for s in systems:  # a table for the readable summary
        s["columns"] = list(dict.fromkeys(k for r in s["rows"] for k in r))
        s["table"] = [["" if r.get(c) is None else r.get(c) for c in s["columns"]] for r in s["rows"]]
    html = render_to_string("rights/export_summary.html", {"info": info, "systems": systems, "lang": lang})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("index.html", html)
        zf.writestr("information.json", json.dumps(info, ensure_ascii=False, indent=2))
        for s in systems:
            zf.writestr(f"{s['id']}/data.json", json.dumps(s["rows"], ensure_ascii=False, indent=2))
            zf.writestr(f"{s['id']}/data.csv", _csv(s["rows"]))
    return buf.getvalue()


def zip_response(reference: str, content: bytes):
    """The package as a download that no cache keeps."""
    from django.http import HttpResponse

    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{reference}.zip"'
    response["Cache-Control"] = "no-store"
    return response


def package_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "rights" / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def package_store(request: Request, content: bytes) -> ExportPackage:
    """Encrypt and write the ZIP; the row stays without a link until one is issued."""
    name = f"{request.organisation_id}-{request.pk}-{secrets.token_hex(12)}.zip.enc"
    (package_dir() / name).write_bytes(crypto.encrypt(content))
    return ExportPackage.objects.create(
        request=request,
        expires_at=timezone.now() + timedelta(days=export_days()),
        path=f"rights/exports/{name}",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def package_read(package: ExportPackage) -> bytes:
    return crypto.decrypt((Path(settings.MEDIA_ROOT) / package.path).read_bytes())


def package_delete_file(package: ExportPackage) -> None:
    (Path(settings.MEDIA_ROOT) / package.path).unlink(missing_ok=True)
    package.deleted_at = timezone.now()
    package.token_hash = ""
    package.save(update_fields=["deleted_at", "token_hash"])
