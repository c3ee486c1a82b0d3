"""Encryption at rest for secrets and files (connection passwords, export packages).

Keys come from settings.ENCRYPTION_KEYS (Fernet keys, comma-separated in the
environment): the first encrypts, all decrypt, so keys can be rotated.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["encrypt", "decrypt", "InvalidToken", "new_key"]


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("Set ENCRYPTION_KEYS (generate one with `personvern newkey`).")
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(data: bytes) -> bytes:
    return _fernet(tuple(settings.ENCRYPTION_KEYS)).encrypt(data)


def decrypt(token: bytes) -> bytes:
    return _fernet(tuple(settings.ENCRYPTION_KEYS)).decrypt(token)


def new_key() -> str:
    return Fernet.generate_key().decode()
