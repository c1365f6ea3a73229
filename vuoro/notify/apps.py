from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "vuoro.notify"
    label = "notify"
