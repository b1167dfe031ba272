"""URLs of the app channel: the customer API, the widget's files and the demo page.
Named in the app channel's ChannelSpec (`channel.py`); resonanz/urls.py includes the channels' URLs from the
registry before the agent API (both live under /api/)."""

from __future__ import annotations

from django.urls import path

from resonanz.channels.app import views
from resonanz.channels.app.api import app_api

urlpatterns = [
    path("api/app/", app_api.urls),
    path("widget/<str:name>", views.widget_asset, name="app-widget-asset"),
    path("widget-demo/", views.widget_demo, name="app-widget-demo"),
]
