import datetime as dt

from django import template
from django.utils import timezone

from personvern.core import language

register = template.Library()


@register.filter
def pvdate(value, lang: str = "nb") -> str:
    """A date (or a datetime, in local time) as people write it: '15. februar 2023' / '15 February 2023'."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return language.date(value, lang)
