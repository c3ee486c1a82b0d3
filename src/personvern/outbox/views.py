from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from .backend import outbox_in_use
from .models import Message


def _outbox_only(view):
    """The page exists only where mail goes to the outbox (never in production)."""

    def wrapped(request, *args, **kwargs):
        if not outbox_in_use():
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapped)


@_outbox_only
def message_list(request):
    return render(request, "outbox/list.html", {"messages_caught": Message.objects.all()[:200]})


@_outbox_only
def message_detail(request, pk: int):
    return render(request, "outbox/detail.html", {"message": get_object_or_404(Message, pk=pk)})
