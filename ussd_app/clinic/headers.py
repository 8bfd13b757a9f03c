"""Security headers on every answer of the app (dashboard pages, API, static files, errors).

The dashboard's pages load their scripts and styles from /clinic/static only: no inline script,
no inline style, no `on...=` handler, so the policy below lets nothing injected run.
"""

from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
    "frame-ancestors 'none'",
])
HSTS = "max-age=31536000; includeSubDomains"  # a year: only sent when the site is served over HTTPS


def install(app, settings) -> None:
    """Add the headers to every response of `app` (HSTS only with SECURE_COOKIES=1)."""
    headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}
    if settings.secure_cookies:
        headers["Strict-Transport-Security"] = HSTS

    @app.after_request
    def _security_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
