from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from successhub.accounts.models import ApiToken, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "region", "technical_manager", "account_manager")
    list_filter = ("region",)
    search_fields = ("name", "code")
    autocomplete_fields = ("technical_manager", "account_manager")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "display_name", "role", "organisation", "is_verified", "is_active")
    list_filter = ("role", "is_active", "organisation")
    search_fields = ("username", "display_name", "email", "phone")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            "SuccessHub",
            {
                "fields": (
                    "display_name",
                    "role",
                    "organisation",
                    "phone",
                    "phone_verified_at",
                    "email_verified_at",
                    "language",
                )
            },
        ),
    )

    @admin.display(boolean=True, description=_("已认证"))
    def is_verified(self, obj: User) -> bool:
        return obj.is_verified


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at")
