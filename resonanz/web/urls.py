from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from resonanz.web import community_views, knowledge_views, views

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
    # knowledge: suggestions beside the composer, drafts from conversations, the public help centre
    path(
        "conversations/<int:conversation_id>/suggestions",
        knowledge_views.suggestions,
        name="suggestions",
    ),
    path(
        "conversations/<int:conversation_id>/suggestions/<int:item_id>/insert",
        knowledge_views.insert_suggestion,
        name="insert_suggestion",
    ),
    path(
        "conversations/<int:conversation_id>/draft-article",
        knowledge_views.draft_article,
        name="draft_article",
    ),
    path("wissen/", knowledge_views.article_list, name="articles"),
    path("wissen/neu/", knowledge_views.article_edit, name="article_new"),
    path("wissen/<int:article_id>/", knowledge_views.article_edit, name="article_edit"),
    path("wissen/<int:article_id>/diff", knowledge_views.article_diff, name="article_diff"),
    path("community/", community_views.question_list, name="community"),
    path("community/moderation/", community_views.moderation, name="community_moderation"),
    path("community/fragen/", community_views.ask, name="community_ask"),
    path("community/treffer", community_views.matches, name="community_matches"),
    path("community/weiter", community_views.open_match, name="community_open"),
    path("community/<int:question_id>/", community_views.question_detail, name="community_question"),
    path("community/<int:question_id>/antworten", community_views.answer, name="community_answer"),
    path("hilfe/<str:language>/", knowledge_views.help_home, name="help_home"),
    path("hilfe/<str:language>/<slug:slug>/", knowledge_views.help_article, name="help_article"),
    path("hilfe/<str:language>/<slug:slug>/feedback", knowledge_views.help_feedback, name="help_feedback"),
]
