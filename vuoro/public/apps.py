from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "vuoro.public"
    label = "public"
