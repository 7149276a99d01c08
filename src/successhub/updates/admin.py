from django.contrib import admin

from successhub.updates.models import (
    Download,
    License,
    LicenseUpgrade,
    Package,
    ProductVersion,
    Subscription,
    UpdatePlanEntry,
)


@admin.register(ProductVersion)
class ProductVersionAdmin(admin.ModelAdmin):
    list_display = ("product", "version", "released_on")
    list_filter = ("product",)


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    """Read-mostly: files are uploaded (streamed and hashed) and published on the staff page."""

    list_display = ("title", "product", "kind", "severity", "status", "published_at", "size")
    list_filter = ("product", "kind", "status", "severity")
    search_fields = ("title",)
    readonly_fields = ("file", "file_name", "size", "sha256", "status", "published_at", "withdrawn_at")
    filter_horizontal = ("applies_to", "prerequisites", "supersedes")


@admin.register(Download)
class DownloadAdmin(admin.ModelAdmin):
    list_display = (
        "started_at",
        "user",
        "organisation",
        "package",
        "range_start",
        "range_end",
        "bytes_sent",
        "status_code",
        "delivery",
    )
    list_filter = ("delivery", "status_code")
    list_select_related = ("user", "organisation", "package")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    list_display = ("number", "organisation", "product", "version", "kind", "status", "issued_at", "key_id")
    list_filter = ("status", "kind", "product")
    readonly_fields = ("document", "key_id", "upgraded_from")


@admin.register(LicenseUpgrade)
class LicenseUpgradeAdmin(admin.ModelAdmin):
    list_display = (
        "order_number",
        "organisation",
        "license",
        "target_version",
        "status",
        "submitted_by",
        "reviewed_by",
    )
    list_filter = ("status",)

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(Subscription)
admin.site.register(UpdatePlanEntry)
