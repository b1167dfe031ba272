from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "resonanz.conversations"
    label = "conversations"
    default_auto_field = "django.db.models.BigAutoField"
