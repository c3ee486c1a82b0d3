from django.urls import path

from . import public_views as views

app_name = "rights_public"

# The same pages in bokmål and English, with words people recognise in the address.
_PATHS = {
    "nb": ("rettigheter", "kvittering", "bekreft", "last-ned"),
    "en": ("rights", "receipt", "verify", "download"),
}

urlpatterns = []
for _lang, (_base, _receipt, _verify, _download) in _PATHS.items():
    urlpatterns += [
        path(f"p/<slug:org>/{_base}", views.request_form, {"lang": _lang}, name=f"form_{_lang}"),
        path(f"p/<slug:org>/{_base}/{_receipt}", views.receipt, {"lang": _lang}, name=f"receipt_{_lang}"),
        path(f"p/<slug:org>/{_base}/{_verify}/<str:token>", views.verify, {"lang": _lang}, name=f"verify_{_lang}"),
        path(f"p/<slug:org>/{_base}/{_download}/<str:token>", views.download, {"lang": _lang},
             name=f"download_{_lang}"),
    ]
