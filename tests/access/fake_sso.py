"""A local fake of IAM Identity Center's SSO-OIDC and portal endpoints, with the real APIs' paths
and JSON shapes (rest-json: /client/register, /device_authorization, /token, and the portal's
GET /federation/credentials with the x-amz-sso_bearer_token header). Simulated: the operator's
approval in the browser is `approve()`; until then CreateToken answers AuthorizationPendingException."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class FakeSso:
    def __init__(self, role_keys: dict[str, str], approve_after: int = 2) -> None:
        self.role_keys = role_keys
        self.approve_after = approve_after
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.token = "sso-access-token-1"
        self.polls = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                fake.requests.append((self.path, body))
                fake.answer_post(self, body)

            def do_GET(self) -> None:
                fake.requests.append((self.path, {"bearer": self.headers.get("x-amz-sso_bearer_token")}))
                fake.answer_get(self)

            def log_message(self, *_: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer_post(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        now = int(time.time())
        if handler.path == "/client/register":
            reply(
                handler,
                200,
                {
                    "clientId": "cid-1",
                    "clientSecret": "csecret-1",
                    "clientIdIssuedAt": now,
                    "clientSecretExpiresAt": now + 90 * 86400,
                },
            )
        elif handler.path == "/device_authorization":
            reply(
                handler,
                200,
                {
                    "deviceCode": "device-1",
                    "userCode": "ABCD-EFGH",
                    "verificationUri": "https://device.sso.eu-west-1.amazonaws.com/",
                    "verificationUriComplete": "https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH",
                    "expiresIn": 600,
                    "interval": 1,
                },
            )
        elif handler.path == "/token":
            self.polls += 1
            if body.get("deviceCode") != "device-1" or body.get("clientSecret") != "csecret-1":
                reply(handler, 400, {"error": "invalid_grant"}, "InvalidGrantException")
            elif self.polls <= self.approve_after:
                reply(
                    handler,
                    400,
                    {"error": "authorization_pending", "error_description": "pending"},
                    "AuthorizationPendingException",
                )
            else:
                reply(
                    handler,
                    200,
                    {
                        "accessToken": self.token,
                        "tokenType": "Bearer",
                        "expiresIn": 28800,
                        "refreshToken": "refresh-1",
                    },
                )
        else:
            reply(handler, 404, {"message": "no such path"}, "ResourceNotFoundException")

    def answer_get(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query)
        if (
            parts.path != "/federation/credentials"
            or handler.headers.get("x-amz-sso_bearer_token") != self.token
        ):
            reply(handler, 401, {"message": "Session token not found or invalid"}, "UnauthorizedException")
            return
        assert query.get("account_id") and query.get("role_name")
        reply(
            handler,
            200,
            {"roleCredentials": {**self.role_keys, "expiration": int(time.time() + 3600) * 1000}},
        )


def reply(
    handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any], error: str | None = None
) -> None:
    payload = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    if error:
        handler.send_header("x-amzn-ErrorType", error)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)
