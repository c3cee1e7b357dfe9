"""What a failed TLS handshake means for the user, read from the OpenSSL text that requests and
botocore pass on. A corporate proxy's own CA and an https URL for a plain-HTTP port are the two a
newcomer meets first; each gets its own cause and fix instead of one "TLS failed"."""

from __future__ import annotations

_PLAIN_HTTP = (
    "wrong version number",
    "unexpected_eof",
    "eof occurred in violation of protocol",
    "record layer failure",
    "packet length too long",
    "http request",
)
_UNTRUSTED = (
    "self-signed",
    "self signed",
    "unable to get local issuer",
    "unable to get issuer",
    "certificate verify failed",
)


def explain_tls_failure(detail: str, ca_setting: str) -> tuple[str, str]:
    """(what went wrong, what to do) for an SSL error's text; `ca_setting` names where the user
    sets a CA bundle for this backend (e.g. "[zabbix] ca_bundle")."""
    text = detail.lower()
    if any(marker in text for marker in _PLAIN_HTTP):
        return (
            "the TLS handshake failed: the server does not seem to speak TLS on that port",
            "if it serves plain HTTP there, use an http:// URL; otherwise use the server's HTTPS port",
        )
    if "certificate has expired" in text:
        return "its TLS certificate has expired", "the server's certificate must be renewed"
    if "mismatch" in text or "doesn't match" in text:
        return (
            "its TLS certificate is for another host name",
            "use the host name the certificate was issued for in the URL",
        )
    if any(marker in text for marker in _UNTRUSTED):
        return (
            "its TLS certificate is not signed by a CA this machine trusts",
            f"set {ca_setting} to the CA bundle that signed it (behind a TLS-inspecting proxy: the "
            "proxy's CA)",
        )
    return "the TLS handshake failed", f"check the URL, and {ca_setting} if the server uses a private CA"
