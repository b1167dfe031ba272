from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from resonanz.web import views

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
    path(
        "conversations/<int:conversation_id>/messages/<int:message_id>/relevance",
        views.mark_relevance,
        name="mark_relevance",
    ),
    path("dev/", views.dev_panel, name="dev_panel"),
]
