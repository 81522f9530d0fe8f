"""Behind a proxy the app believes only the forwarded headers `TRUSTED_PROXY_HEADERS` names.

nginx as the README sets it up sends the public Host with its port (`$http_host`),
X-Forwarded-For and -Proto of its own, and no X-Forwarded-Host or -Port: sign-in on any port
passes the CSRF Referer check, and a client's forged X-Forwarded-Host cannot make a foreign
Referer pass it. The whole path through the real nginx is deploy/check.py's `nginx` check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from tests.support.apps import fresh_app
from tests.support.constants import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.dashboard import add_admin
from tests.support.imports import REPO
from tests.support.stack import running_web

PUBLIC_HOST = "invites.example.org:8443"  # nginx on a port other than 443
FROM_NGINX = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.7"}
FORGED = {"X-Forwarded-Host": "evil.example", "Referer": "https://evil.example/login"}
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def proxied(migrated: dict[str, str]) -> Iterator[Callable[..., FlaskClient]]:
    """Clients of apps behind one proxy with CSRF on, as in production, and the admin user."""
    with ExitStack() as apps:

        def client(**settings: str) -> FlaskClient:
            environ = {**migrated, "TRUSTED_PROXIES": "1", **settings}
            app = apps.enter_context(fresh_app(environ, WTF_CSRF_ENABLED=True))
            add_admin(app)
            return app.test_client()

        yield client


def sign_in(
    client: FlaskClient,
    headers: Mapping[str, str] | None = None,
    through: Mapping[str, str] = FROM_NGINX,
    referer: str = f"https://{PUBLIC_HOST}/login",
) -> int:
    """GET /login then POST it `through` a proxy with `headers` on top; the POST's status."""
    token = csrf_token_through(client, through)
    sent = {**through, "Referer": referer, **(headers or {})}
    answer = client.post(
        "/login",
        data={"csrf_token": token, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        headers=sent,
    )
    return answer.status_code


def csrf_token_through(client: FlaskClient, headers: Mapping[str, str]) -> str:
    """The sign-in form's CSRF token, fetched with `headers`."""
    page = client.get("/login", headers=dict(headers)).get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    assert match, page[:300]
    return match.group(1)


# What each platform's proxy sends with the default settings: the public Host, For and Proto
# (Railway adds an X-Forwarded-Host of the same name, not believed and not needed).
PLATFORMS = {
    "render": {"Host": "invites-web.onrender.com"},
    "railway": {
        "Host": "invites-web.up.railway.app",
        "X-Forwarded-Host": "invites-web.up.railway.app",
    },
}


def test_sign_in_through_a_host_with_a_port_passes_csrf(
    proxied: Callable[..., FlaskClient],
) -> None:
    assert sign_in(proxied()) == 302


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_sign_in_behind_render_and_railway_passes_csrf(
    proxied: Callable[..., FlaskClient], platform: str
) -> None:
    headers = PLATFORMS[platform]
    through = {**FROM_NGINX, **headers}
    assert sign_in(proxied(), through=through, referer=f"https://{headers['Host']}/login") == 302


@pytest.mark.parametrize(
    "headers",
    [
        {"Referer": "https://invites.example.org:9443/login"},  # another port
        {"Host": "invites.example.org"},  # what `proxy_set_header Host $host` sent
        FORGED,
        {**FORGED, "X-Forwarded-Port": "443"},
        {"X-Forwarded-Port": "9443", "Referer": "https://invites.example.org:9443/login"},
    ],
)
def test_a_referer_of_another_origin_is_refused_whatever_is_forwarded(
    proxied: Callable[..., FlaskClient], headers: dict[str, str]
) -> None:
    client = proxied()
    assert sign_in(client, headers) == 400
    assert sign_in(client) == 302  # the same session and token: the Referer was refused


def test_a_forwarded_host_is_believed_only_when_named(
    proxied: Callable[..., FlaskClient],
) -> None:
    # A proxy that overwrites X-Forwarded-Host may be trusted for it: the setting decides.
    assert sign_in(proxied(TRUSTED_PROXY_HEADERS="for,proto,host"), FORGED) == 302


def test_the_client_address_and_scheme_come_from_the_proxy(migrated: dict[str, str]) -> None:
    with fresh_app({**migrated, "TRUSTED_PROXIES": "1"}) as app:

        @app.get("/probe")
        def probe() -> dict[str, object]:
            from flask import request

            return {"addr": request.remote_addr, "secure": request.is_secure, "host": request.host}

        answer = app.test_client().get("/probe", headers={**FROM_NGINX, **FORGED})
    assert answer.json == {"addr": "192.0.2.7", "secure": True, "host": PUBLIC_HOST}


@pytest.mark.slow
def test_sign_in_through_gunicorn_on_a_port_and_a_forged_host_refused(
    app: Flask, migrated: dict[str, str], tmp_path: Path
) -> None:
    add_admin(app)
    with running_web(migrated, tmp_path, TRUSTED_PROXIES="1") as (web, _):
        assert sign_in_over_http(web, **FORGED) == 400
        assert sign_in_over_http(web) == 302


def sign_in_over_http(web: str, **headers: str) -> int:
    """Sign in to gunicorn at `web` as nginx would forward it; the POST's status."""
    with requests.Session() as http:
        page = http.get(f"{web}/login", headers=FROM_NGINX, timeout=10)
        match = CSRF_FIELD.search(page.text)
        assert match, page.text[:300]
        form = {"csrf_token": match.group(1), "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        sent = {**FROM_NGINX, "Referer": f"https://{PUBLIC_HOST}/login", **headers}
        answer = http.post(
            f"{web}/login", data=form, headers=sent, allow_redirects=False, timeout=10
        )
        return answer.status_code


def test_the_readme_quotes_deploy_nginx_conf_verbatim() -> None:
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"^```nginx\n(.*?)^```$", readme, flags=re.DOTALL | re.MULTILINE)
    assert blocks == [(REPO / "deploy" / "nginx.conf").read_text()]
