"""The TLS context of every connection the transmission opens: the configured CA only (or the system's when none is
configured), host names checked, TLS 1.2 at least."""

from __future__ import annotations

import ssl


def client_context(ca_pem: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cadata=ca_pem) if ca_pem else ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context
