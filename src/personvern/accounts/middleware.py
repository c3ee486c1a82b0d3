import base64
import hashlib
import secrets

from personvern.core.notice import CSS as notice_css

from .access import needs_second_factor, to_second_factor
from .client import client_address

# What a signed-in user may open before giving the second factor: the way to give it (or set it up) and the
# ways out, plus what needs no login at all (public pages, the consent API, static files, the language switch).
BEFORE_SECOND_FACTOR = (
    "/accounts/login/", "/accounts/logout/", "/accounts/two-factor/", "/accounts/password/set/",
    "/static/", "/p/", "/c/", "/api/", "/i18n/",
)


class RequireTwoFactor:
    """Until the session is verified, every page after login sends such a user to the code page
    (or to set TOTP up): org pages, downloads, the organisation list and its forms alike."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.user.is_authenticated
            and not request.path_info.startswith(BEFORE_SECOND_FACTOR)
            and needs_second_factor(request.user)
        ):
            return to_second_factor(request.get_full_path())
        return self.get_response(request)


class ClientAddressFromTrustedProxy:
    """Behind a reverse proxy every request comes from the proxy's address, so rate limits
    (login, forms) would count all users as one and the audit trail would record the proxy.
    When REMOTE_ADDR is one of `settings.TRUSTED_PROXIES`, the client is the right-most address
    in X-Forwarded-For that is not itself a trusted proxy. Without TRUSTED_PROXIES nothing
    changes, and X-Forwarded-For is never believed from anyone else (it is trivial to forge)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META["REMOTE_ADDR"] = client_address(request.META)
        return self.get_response(request)


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# Inline styles every page may carry, by hash: the notice's own stylesheet, which the notice fragment
# (shown in the staff preview and history) brings along. A constant of personvern.core, never page content.
_ALLOWED_INLINE_STYLES = " ".join(_sha256(css) for css in (notice_css,))


class ContentSecurityPolicy:
    """Every response gets a Content-Security-Policy. Scripts and styles come from our static files only, so
    markup that slipped into a page could run nothing; the one page with an inline script (the banner preview)
    marks it with `request.csp_nonce`, and the banner gives its style the same nonce. A view that set a whole
    policy of its own (the public notice pages) keeps it; one that set only who may frame it (the newsletter
    form, which the organisation's sites embed) gets the rest of ours around its frame-ancestors."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        own = response.get("Content-Security-Policy")
        if own is None or "default-src" not in own:
            nonce = f"'nonce-{request.csp_nonce}'"
            response["Content-Security-Policy"] = (
                f"default-src 'self'; script-src 'self' {nonce}; style-src 'self' {nonce} {_ALLOWED_INLINE_STYLES}; "
                "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
                + (own or "frame-ancestors 'none'")
            )
        return response
