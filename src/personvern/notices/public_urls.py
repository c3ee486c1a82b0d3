from django.urls import path

from . import public_views as views

app_name = "notices_public"

# The same pages in bokmål and English, with words people recognise in the address.
_PATHS = {
    "nb": ("personvern", "versjoner"),
    "en": ("privacy", "versions"),
}

urlpatterns = []
for _lang, (_base, _versions) in _PATHS.items():
    urlpatterns += [
        path(f"p/<slug:org>/{_base}", views.notice_page, {"lang": _lang}, name=f"notice_{_lang}"),
        path(f"p/<slug:org>/{_base}.json", views.notice_json, {"lang": _lang}, name=f"json_{_lang}"),
        path(f"p/<slug:org>/{_base}/embed", views.notice_embed, {"lang": _lang}, name=f"embed_{_lang}"),
        path(f"p/<slug:org>/{_base}/{_versions}", views.version_list, {"lang": _lang}, name=f"versions_{_lang}"),
        path(f"p/<slug:org>/{_base}/{_versions}/<int:number>", views.version_page, {"lang": _lang},
             name=f"version_{_lang}"),
    ]
