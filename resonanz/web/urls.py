from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from resonanz.web import incident_views, views

app_name = "web"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", set_language, name="set_language"),
    path("", views.inbox, name="inbox"),
    path("conversations/<int:conversation_id>/", views.conversation_detail, name="conversation"),
    path("conversations/<int:conversation_id>/reply", views.reply, name="reply"),
    path("conversations/<int:conversation_id>/status", views.change_status, name="change_status"),
    path(
        "conversations/<int:conversation_id>/messages/<int:message_id>/delivery",
        views.delivery_status,
        name="delivery",
    ),
    path("dev/", views.dev_panel, name="dev_panel"),
    path("incidents/", incident_views.incident_list, name="incidents"),
    path("incidents/banner", incident_views.banner, name="incident_banner"),
    path("incidents/announcements", incident_views.announcement_create, name="announcement_create"),
    path("incidents/<int:incident_id>/", incident_views.incident_detail, name="incident"),
    path("incidents/<int:incident_id>/action", incident_views.incident_action, name="incident_action"),
    path(
        "conversations/<int:conversation_id>/incident",
        incident_views.conversation_incident,
        name="conversation_incident",
    ),
]
