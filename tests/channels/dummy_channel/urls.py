from __future__ import annotations

from django.urls import path

from tests.channels.dummy_channel import views

urlpatterns = [path("dummy/<int:account_id>/waiting", views.waiting, name="dummy-waiting")]
