from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language

from resonanz.web.views import (
    catalog,
    community,
    conversation,
    conversation_actions,
    customers,
    dev,
    inbox,
    incidents,
    knowledge,
    notifications,
    routing,
)
from resonanz.web.views import settings as settings_views

app_name = "web"

# The agent workspace (issue 13): actions on a conversation page, notifications, customers.
_actions = conversation_actions
workspace_patterns = [
    path("inbox/bulk", inbox.bulk, name="inbox_bulk"),
    path("inbox/updates", inbox.inbox_updates, name="inbox_updates"),
    path("customers/", customers.customer_list, name="customers"),
    path("customers/<int:customer_id>/", customers.customer_detail, name="customer"),
    path("customers/<int:customer_id>/merge", customers.merge, name="customer_merge"),
    path("customers/merges/<int:merge_id>/undo", customers.undo_merge, name="customer_merge_undo"),
    path(
        "customers/suggestions/<int:suggestion_id>/decide",
        customers.decide_suggestion,
        name="customer_suggestion",
    ),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/bell", notifications.bell, name="notifications_bell"),
    path("notifications/read", notifications.mark_read, name="notifications_read"),
    path("notifications/open", notifications.open_notification, name="notification_open"),
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
    path("login/", settings_views.login_or_first_run, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", set_language, name="set_language"),
    path("", inbox.inbox, name="inbox"),
    path("conversations/<int:conversation_id>/", conversation.conversation_detail, name="conversation"),
    path("conversations/<int:conversation_id>/reply", conversation.reply, name="reply"),
    path(
        "conversations/<int:conversation_id>/details",
        conversation.conversation_details,
        name="conversation_details",
    ),
    path("conversations/<int:conversation_id>/status", conversation.change_status, name="change_status"),
    path(
        "conversations/<int:conversation_id>/messages/<int:message_id>/delivery",
        conversation.delivery_status,
        name="delivery",
    ),
    path(
        "conversations/<int:conversation_id>/messages/<int:message_id>/delivery/retry",
        conversation.delivery_retry,
        name="delivery_retry",
    ),
    path(
        "conversations/<int:conversation_id>/messages/<int:message_id>/relevance",
        conversation.mark_relevance,
        name="mark_relevance",
    ),
    path("dev/", dev.dev_panel, name="dev_panel"),
    path("dev/components/", dev.component_library, name="component_library"),
    *workspace_patterns,
    path("presence/", settings_views.presence, name="presence"),
    path("team/", settings_views.team_presence, name="team_presence"),
    path("settings/", settings_views.settings_home, name="settings"),
    path("settings/channels/", settings_views.channels, name="settings_channels"),
    path("settings/channels/add/<str:kind>/", settings_views.channel_add, name="settings_channel_add"),
    path("settings/channels/<int:account_id>/", settings_views.channel_detail, name="settings_channel"),
    path(
        "settings/channels/<int:account_id>/action",
        settings_views.channel_action,
        name="settings_channel_action",
    ),
    path("settings/agents/", settings_views.agents, name="settings_agents"),
    path("settings/agents/<int:agent_id>/", settings_views.agent_detail, name="settings_agent"),
    path("settings/tokens/", settings_views.tokens, name="settings_tokens"),
    path("settings/tokens/<int:token_id>/revoke", settings_views.token_revoke, name="settings_token_revoke"),
    path("invite/<str:uidb64>/<str:token>/", settings_views.accept_invitation, name="accept_invitation"),
    path("setup/", settings_views.first_run, name="first_run"),
    path("settings/workspace/", settings_views.workspace_settings, name="settings_workspace"),
    path("settings/routing/", routing.routing, name="settings_routing"),
    path("settings/routing/<int:rule_id>/delete", routing.routing_delete, name="settings_routing_delete"),
    path("settings/topics/", catalog.topics, name="settings_topics"),
    path("settings/macros/", catalog.macros, name="settings_macros"),
    path("settings/macros/<int:macro_id>/delete", catalog.macro_delete, name="settings_macro_delete"),
    path("settings/sla/", catalog.sla, name="settings_sla"),
    path("settings/sla/<int:policy_id>/delete", catalog.sla_delete, name="settings_sla_delete"),
    path("settings/audit/", settings_views.audit_log, name="settings_audit"),
    # knowledge: suggestions beside the composer, drafts from conversations, the public help centre
    path(
        "conversations/<int:conversation_id>/suggestions",
        knowledge.suggestions,
        name="suggestions",
    ),
    path(
        "conversations/<int:conversation_id>/suggestions/<int:item_id>/insert",
        knowledge.insert_suggestion,
        name="insert_suggestion",
    ),
    path(
        "conversations/<int:conversation_id>/draft-article",
        knowledge.draft_article,
        name="draft_article",
    ),
    path("wissen/", knowledge.article_list, name="articles"),
    path("wissen/neu/", knowledge.article_edit, name="article_new"),
    path("wissen/<int:article_id>/", knowledge.article_edit, name="article_edit"),
    path("wissen/<int:article_id>/diff", knowledge.article_diff, name="article_diff"),
    path("community/", community.question_list, name="community"),
    path("community/moderation/", community.moderation, name="community_moderation"),
    path("community/fragen/", community.ask, name="community_ask"),
    path("community/treffer", community.matches, name="community_matches"),
    path("community/weiter", community.open_match, name="community_open"),
    path("community/<int:question_id>/", community.question_detail, name="community_question"),
    path("community/<int:question_id>/antworten", community.answer, name="community_answer"),
    path("community/<int:question_id>/stimme/<int:answer_id>", community.vote, name="community_vote"),
    path("community/<int:question_id>/annehmen/<int:answer_id>", community.accept, name="community_accept"),
    path(
        "community/<int:question_id>/moderieren", community.member_moderate, name="community_member_moderate"
    ),
    path("community/anmelden/", community.login, name="community_login"),
    path("community/anmelden/<str:token>/", community.login_link, name="community_login_link"),
    path("community/abmelden/", community.member_logout, name="community_logout"),
    path("hilfe/<str:language>/", knowledge.help_home, name="help_home"),
    path("hilfe/<str:language>/<slug:slug>/", knowledge.help_article, name="help_article"),
    path("hilfe/<str:language>/<slug:slug>/feedback", knowledge.help_feedback, name="help_feedback"),
    path("incidents/", incidents.incident_list, name="incidents"),
    path("incidents/banner", incidents.banner, name="incident_banner"),
    path("incidents/announcements", incidents.announcement_create, name="announcement_create"),
    path("incidents/<int:incident_id>/", incidents.incident_detail, name="incident"),
    path("incidents/<int:incident_id>/action", incidents.incident_action, name="incident_action"),
    path(
        "conversations/<int:conversation_id>/incident",
        incidents.conversation_incident,
        name="conversation_incident",
    ),
]
