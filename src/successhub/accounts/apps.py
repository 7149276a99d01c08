from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "successhub.accounts"
    verbose_name = "账户与组织"
