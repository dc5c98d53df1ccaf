"""The demo shop page of the web chat (development only): a page that plays the shop's server.

A real shop signs an identity token for its logged-in customer on its own server
and writes it into the widget's init call. The demo page does the same with a
demo login: its button POSTs to /webchat/demo/login, which sets an HttpOnly,
SameSite=Strict cookie holding a signed login for the demo customer; GET /webchat/
then renders the page with a fresh identity token for that customer. The page
never takes an identity from its address, so a crafted link cannot log a visitor
into somebody's account, and the login refuses requests from other origins (the
Origin header), so another site cannot log a visitor in either.

In production mode (contract.deployment) none of this is served: the routes
answer 404 and only the widget's files remain.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional
from urllib.parse import urlsplit

from sanic.request import Request
from sanic.response import HTTPResponse

from bot import identity_token

# The demo customer of ../shared/DESIGN.md whom the demo login signs in.
DEMO_CUSTOMER_ID = "C0001"
LOGIN_COOKIE = "xiaomi_demo_login"
LOGIN_TTL_S = 3600
COOKIE_PATH = "/webchat/"
# In webchat/index.html: replaced by the login state, a JSON object.
LOGIN_PLACEHOLDER = "{{DEMO_LOGIN}}"


def login_state(cookie: Any) -> Dict[str, str]:
    """What the page is rendered with: {} for a visitor, the customer and a fresh identity
    token when the cookie holds a valid demo login."""
    claims = identity_token.verify(cookie)
    if not claims or claims.get("shop_customer_id") != DEMO_CUSTOMER_ID:
        return {}
    return {"customer": DEMO_CUSTOMER_ID, "identityToken": identity_token.sign({"shop_customer_id": DEMO_CUSTOMER_ID})}


def render_page(template: str, state: Dict[str, str]) -> str:
    """The page with `state` as JSON inside its <script type="application/json"> (no markup can break out)."""
    data = json.dumps(state, ensure_ascii=True).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return template.replace(LOGIN_PLACEHOLDER, data)


def same_origin(request: Request) -> bool:
    """Whether a browser sent this request from a page of this server (Origin header)."""
    origin = request.headers.get("origin")
    if not origin:
        return False
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc == request.host


def set_cookie(response: HTTPResponse, value: Optional[str], secure: bool) -> None:
    """The login cookie (None: removed): HttpOnly, SameSite=Strict, Secure when `secure`."""
    response.cookies[LOGIN_COOKIE] = value or ""
    cookie = response.cookies[LOGIN_COOKIE]
    cookie["path"] = COOKIE_PATH
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["secure"] = secure
    cookie["max-age"] = LOGIN_TTL_S if value else 0


def login_cookie_value() -> str:
    return identity_token.sign({"shop_customer_id": DEMO_CUSTOMER_ID}, ttl_s=LOGIN_TTL_S)
