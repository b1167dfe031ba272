"""Plain Django views of the app channel: the widget's two files and the demo page that embeds it.

The widget is served by a view rather than as a static file of an installed app because this package is
not a Django app of its own; the answer is cached by the browser and carries an ETag."""

from __future__ import annotations

import hashlib
import time
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.template import engines

from resonanz.channels.app.tokens import make_user_token
from resonanz.channels.models import ChannelAccount

STATIC_DIR = Path(__file__).resolve().parent / "static"
ASSETS = {"widget.js": "text/javascript; charset=utf-8", "widget.css": "text/css; charset=utf-8"}
DEMO_TOKEN_SECONDS = 3600


@lru_cache(maxsize=len(ASSETS))
def _asset(name: str) -> tuple[bytes, str]:
    content = (STATIC_DIR / name).read_bytes()
    return content, '"' + hashlib.sha256(content).hexdigest()[:20] + '"'


def widget_asset(request: HttpRequest, name: str) -> HttpResponse:
    if name not in ASSETS:
        raise Http404("no such widget file")
    if settings.DEBUG:
        _asset.cache_clear()
    content, etag = _asset(name)
    if request.headers.get("If-None-Match") == etag:
        return HttpResponseNotModified()
    response = HttpResponse(content, content_type=ASSETS[name])
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"  # a public file, embedded on other sites
    return response


DEMO_PAGE = """<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Netzwelt – Mein Konto (Widget-Demo)</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; color: #1d2430; background: #f4f6f9; }
  header { background: #13315c; color: #fff; padding: 1rem 2rem; }
  main { max-width: 46rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: 8px; }
  code { background: #eef1f5; padding: 0 .25rem; border-radius: 3px; }
  pre { background: #eef1f5; padding: .75rem; overflow-x: auto; }
</style>
</head>
<body>
<header><strong>Netzwelt</strong> · Mein Konto</header>
<main>
{% if account %}
  <h1>Hilfe &amp; Kontakt</h1>
  <p>Diese Seite zeigt das Resonanz-Widget des App-Kanals <strong>{{ account.name }}</strong>
  ({% if user_id %}angemeldet als <code>{{ user_id }}</code> mit einem Demo-Token{% else %}anonym{% endif %}).
  Unten rechts öffnet sich der Chat.</p>
  <p>Einbinden auf der eigenen Seite:</p>
  <pre>{{ snippet }}</pre>
  <script src="{{ base }}widget/widget.js" data-account="{{ account.pk }}" data-api="{{ base }}"
    data-title="Netzwelt Kundenservice" data-lang="de"{% if token %} data-user-token="{{ token }}"
    data-user-name="{{ user_id }}"{% endif %} defer></script>
{% else %}
  <h1>Kein App-Kanal</h1>
  <p>Legen Sie zuerst einen Kanal der Art <code>app</code> an; dann zeigt diese Seite sein Widget.</p>
{% endif %}
</main>
</body>
</html>
"""


def widget_demo(request: HttpRequest) -> HttpResponse:
    """The widget on a sample page. ?account=<id> picks the app channel (default: the first one); in DEBUG,
    ?user=<id> signs a demo user token server-side, as the company's own backend would."""
    accounts = ChannelAccount.objects.filter(kind="app").exclude(status=ChannelAccount.Status.DISABLED)
    wanted = request.GET.get("account", "")
    account = (
        accounts.filter(pk=int(wanted)).first()
        if wanted.isascii() and wanted.isdigit() and len(wanted) < 19
        else accounts.order_by("pk").first()
    )
    base = request.build_absolute_uri("/")
    user_id = request.GET.get("user", "") if settings.DEBUG else ""
    token = ""
    if account is not None and user_id:
        try:
            token = make_user_token(account.secret, user_id, int(time.time()) + DEMO_TOKEN_SECONDS)
        except ValueError:
            user_id = ""
    snippet = (
        f'<script src="{base}widget/widget.js" data-account="{account.pk if account else 0}" '
        f'data-api="{base}" defer></script>'
    )
    html = (
        engines["django"]
        .from_string(DEMO_PAGE)
        .render({"account": account, "base": base, "user_id": user_id, "token": token, "snippet": snippet})
    )
    return HttpResponse(html)
