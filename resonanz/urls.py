from django.contrib import admin
from django.urls import include, path

from resonanz.api.health import healthz
from resonanz.api.views import api

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("resonanz.channels.app.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("resonanz.web.urls")),
]
