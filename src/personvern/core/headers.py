"""Text that can end up in an HTTP or e-mail header: one line, no control characters.

A header ends at a line break, so a value with one could add a header of its own
(`bagges.no\\r\\nX-Injected: yes`). Such text is refused when it is saved: the register's
validators (core.manifest) and the Django forms call the `*_problem` functions, which
say what is wrong. The code that builds a header also cleans what older data may
still hold (`one_line`, `origin`), so a stored value never turns into a server error.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators:
# a mail or HTTP library may break a line at any of them.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_NAMES = {"\r": "a carriage return (\\r)", "\n": "a line break (\\n)", "\t": "a tab (\\t)",
                  "\x00": "a NUL byte"}

# A host name (letters of any script, digits and hyphens in dot-separated labels) or an
# IPv4 address, with an optional port.
_LABEL = r"[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?"
_HOST_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")
_HOST_PORT_RE = re.compile(rf"(?P<host>{_HOST_RE.pattern})(?::(?P<port>\d{{1,5}}))?")


def control_problem(value: str) -> str | None:
    """What is wrong with `value` as one line of header text, or None."""
    m = _CONTROL_RE.search(value)
    if m is None:
        return None
    char = m.group()
    name = _CONTROL_NAMES.get(char, f"the control character U+{ord(char):04X}")
    return f"contains {name}; write it on one line, without control characters"


def one_line(value: str) -> str:
    """`value` with control characters and runs of blanks made one space: safe in a header."""
    return " ".join(_CONTROL_RE.sub(" ", value).split())


def alias_host(alias: str) -> str:
    """'https://Balcoo.no/' -> 'balcoo.no': the host an alias names (a scheme and slashes may be written)."""
    return alias.strip().lower().removeprefix("https://").removeprefix("http://").strip("/")


def host_problem(value: str) -> str | None:
    """What is wrong with `value` as a host name with an optional port (e.g. 'balcoo.no'), or None."""
    problem = control_problem(value)
    if problem:
        return problem
    m = _HOST_PORT_RE.fullmatch(value)
    if m is None or (m["port"] and not 0 < int(m["port"]) < 65536):
        return f'"{value}" is not a domain name; write one such as balcoo.no'
    return None


def url_problem(value: str) -> str | None:
    """What is wrong with `value` as a web address (http or https, a host name, no blanks), or None."""
    problem = control_problem(value)
    if problem:
        return problem
    if any(c.isspace() for c in value):
        return f'"{value}" contains a blank; a web address has none (write %20)'
    try:
        parts = urlsplit(value)
        port = parts.port  # a port that is no number, or out of range, raises
    except ValueError:
        parts = port = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or port == 0:
        return f'"{value}" is not a web address; write one such as https://balcoo.no'
    if not (_HOST_RE.fullmatch(parts.hostname) or _is_ip(parts.hostname)):
        return f'"{value}" has no valid domain name; write one such as https://balcoo.no'
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def origin(url: str) -> str:
    """'https://Bøker.no/personvern' -> 'https://xn--bker-zua.no' as a browser's Origin header has it
    (default port left out); '' for a URL that is not a valid web address, so nothing of it reaches a header."""
    url = url.strip()
    if url_problem(url):
        return ""
    parts = urlsplit(url)
    host = parts.hostname.lower().rstrip(".")
    try:
        host = f"[{host}]" if ":" in host else host.encode("idna").decode("ascii")
    except UnicodeError:  # a label the IDNA codec cannot write
        return ""
    default = {"http": 80, "https": 443}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{host}{port}"
