from django.contrib import admin
from django.urls import include, path

from resonanz.api.health import healthz
from resonanz.api.views import api
from resonanz.channels.registry import url_patterns as channel_url_patterns
from resonanz.web.views import incidents as incident_views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The channels' own URLs (the app channel's customer API and widget), from the channel registry; before
    # the agent API, as both live under /api/.
    *channel_url_patterns(),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    # The public status page: no login, cached.
    path("status/<slug:slug>/", incident_views.status_page, name="status_page"),
    path("status/<slug:slug>/feed.atom", incident_views.status_feed, name="status_feed"),
    path("status/<slug:slug>/status.json", incident_views.status_json, name="status_json"),
    path("", include("resonanz.web.urls")),
]
