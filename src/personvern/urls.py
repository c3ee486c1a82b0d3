"""URL layout.

/o/<org>/...  organisation-scoped pages: every view goes through
              accounts.access.org_view (404 for non-members; tested for every
              pattern under this prefix in tests/test_tenancy.py).
/p/<org>/...  public pages for the organisation's visitors (notice, request form).
/c/, /api/    the consent banner script and the consent ledger API; /api/openapi.json
              describes the public JSON endpoints.
"""

from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from personvern.openapi import openapi_json

org_patterns = [
    path("register/", include("personvern.registry.urls")),
    path("notice/", include("personvern.notices.urls")),
    path("requests/", include("personvern.rights.urls")),
    path("consent/", include("personvern.consent.urls")),
    path("data/", include("personvern.datasources.urls")),
    path("members/", include("personvern.accounts.urls_org")),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="accounts:orgs", permanent=False)),
    path("accounts/", include("personvern.accounts.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("outbox/", include("personvern.outbox.urls")),
    path("api/openapi.json", openapi_json, name="openapi"),
    path("o/<slug:org>/", include(org_patterns)),
    path("", include("personvern.notices.public_urls")),
    path("", include("personvern.rights.public_urls")),
    path("", include("personvern.consent.public_urls")),
]
