"""Background work of the connected databases: an erasure task runs in the worker, since
its residue search reads the free text of every table it searches (seconds on a large
database, too long for a web request). Only ids go into the queue, never identity values:
the worker reads them from the verified request."""

from __future__ import annotations

from django_tasks import task


@task()
def run_erasure_task(task_id: int, user_id: int | None, confirm_large: bool = False) -> str:
    from django.contrib.auth import get_user_model

    from personvern.connectors.engine import ConnectorError
    from personvern.connectors.execute import ErasureRefused
    from personvern.rights.models import Task
    from personvern.rights.services import RightsError

    from .services import erasure_refusal_text, task_run_connector

    rights_task = Task.objects.select_related("request__organisation").filter(pk=task_id, status=Task.Status.OPEN).first()
    if rights_task is None:
        return "nothing to do"
    user = get_user_model().objects.filter(pk=user_id).first()
    try:
        return task_run_connector(task=rights_task, user=user, confirm_large=confirm_large)  # its note on the task says what happened
    except ErasureRefused as exc:  # stopped before any write: the plan's tables and counts, for staff to check
        rights_task.note = erasure_refusal_text(exc)
        rights_task.outcome = {}
        rights_task.save(update_fields=["note", "outcome"])
        return "refused"
    except (ConnectorError, RightsError) as exc:
        rights_task.note = f"Automatisk sletting feilet: {exc}"
        rights_task.outcome = {}
        rights_task.save(update_fields=["note", "outcome"])
        return "failed"
