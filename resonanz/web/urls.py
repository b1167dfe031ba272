from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from resonanz.web import (
    community_views,
    incident_views,
    knowledge_views,
    views,
    views_catalog,
    views_conversation_actions,
    views_customers,
    views_inbox,
    views_notifications,
    views_routing,
    views_settings,
)

app_name = "web"

# The agent workspace (issue 13): actions on a conversation page, notifications, customers.
_actions = views_conversation_actions
workspace_patterns = [
    path("inbox/bulk", views_inbox.bulk, name="inbox_bulk"),
    path("customers/", views_customers.customer_list, name="customers"),
    path("customers/<int:customer_id>/", views_customers.customer_detail, name="customer"),
    path("customers/<int:customer_id>/merge", views_customers.merge, name="customer_merge"),
    path("customers/merges/<int:merge_id>/undo", views_customers.undo_merge, name="customer_merge_undo"),
    path(
        "customers/suggestions/<int:suggestion_id>/decide",
        views_customers.decide_suggestion,
        name="customer_suggestion",
    ),
    path("notifications/", views_notifications.notification_list, name="notifications"),
    path("notifications/bell", views_notifications.bell, name="notifications_bell"),
    path("notifications/read", views_notifications.mark_read, name="notifications_read"),
    path("notifications/open", views_notifications.open_notification, name="notification_open"),
    path("conversations/<int:conversation_id>/note", _actions.add_note, name="add_note"),
    path("conversations/<int:conversation_id>/call-note", _actions.add_call_note, name="add_call_note"),
    path("conversations/<int:conversation_id>/transfer", _actions.transfer, name="transfer"),
    path("conversations/<int:conversation_id>/priority", _actions.set_priority, name="set_priority"),
    path("conversations/<int:conversation_id>/move-private", _actions.move_private, name="move_private"),
    path(
        "conversations/<int:conversation_id>/messages/<int:message_id>/annotations/<str:annotator>",
        _actions.correct_annotation,
        name="correct_annotation",
    ),
    path("conversations/<int:conversation_id>/macros", _actions.macro_search, name="macro_search"),
    path("conversations/<int:conversation_id>/macros/<int:macro_id>", _actions.macro_fill, name="macro_fill"),
    path(
        "conversations/<int:conversation_id>/compose-preview",
        _actions.compose_preview,
        name="compose_preview",
    ),
]

urlpatterns = [
    path("login/", views_settings.login_or_first_run, name="login"),
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
        "conversations/<int:conversation_id>/messages/<int:message_id>/delivery/retry",
        views.delivery_retry,
        name="delivery_retry",
    ),
    path(
        "conversations/<int:conversation_id>/messages/<int:message_id>/relevance",
        views.mark_relevance,
        name="mark_relevance",
    ),
    path("dev/", views.dev_panel, name="dev_panel"),
    *workspace_patterns,
    path("presence/", views_settings.presence, name="presence"),
    path("team/", views_settings.team_presence, name="team_presence"),
    path("settings/", views_settings.settings_home, name="settings"),
    path("settings/channels/", views_settings.channels, name="settings_channels"),
    path("settings/channels/add/<str:kind>/", views_settings.channel_add, name="settings_channel_add"),
    path("settings/channels/<int:account_id>/", views_settings.channel_detail, name="settings_channel"),
    path(
        "settings/channels/<int:account_id>/action",
        views_settings.channel_action,
        name="settings_channel_action",
    ),
    path("settings/agents/", views_settings.agents, name="settings_agents"),
    path("settings/agents/<int:agent_id>/", views_settings.agent_detail, name="settings_agent"),
    path("settings/tokens/", views_settings.tokens, name="settings_tokens"),
    path("settings/tokens/<int:token_id>/revoke", views_settings.token_revoke, name="settings_token_revoke"),
    path("invite/<str:uidb64>/<str:token>/", views_settings.accept_invitation, name="accept_invitation"),
    path("setup/", views_settings.first_run, name="first_run"),
    path("settings/workspace/", views_settings.workspace_settings, name="settings_workspace"),
    path("settings/routing/", views_routing.routing, name="settings_routing"),
    path(
        "settings/routing/<int:rule_id>/delete", views_routing.routing_delete, name="settings_routing_delete"
    ),
    path("settings/topics/", views_catalog.topics, name="settings_topics"),
    path("settings/macros/", views_catalog.macros, name="settings_macros"),
    path("settings/macros/<int:macro_id>/delete", views_catalog.macro_delete, name="settings_macro_delete"),
    path("settings/sla/", views_catalog.sla, name="settings_sla"),
    path("settings/sla/<int:policy_id>/delete", views_catalog.sla_delete, name="settings_sla_delete"),
    path("settings/audit/", views_settings.audit_log, name="settings_audit"),
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
