from django.contrib import admin

from successhub.contracts.models import Contract, Deployment, Product, UsageEntry


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "parent")


class DeploymentInline(admin.TabularInline):
    model = Deployment
    extra = 0


class ContractInline(admin.TabularInline):
    model = Contract
    extra = 0
    fields = ("number", "plan", "edition", "start", "end", "amount")


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("number", "organisation", "plan", "edition", "start", "end", "amount")
    list_filter = ("plan",)
    search_fields = ("number", "organisation__name")
    date_hierarchy = "start"


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ("organisation", "product", "type", "version")
    list_filter = ("type", "product")


@admin.register(UsageEntry)
class UsageEntryAdmin(admin.ModelAdmin):
    list_display = ("organisation", "service", "amount", "at", "reference", "recorded_by")
    list_filter = ("service",)
    search_fields = ("organisation__name", "reference")
    readonly_fields = ("decision", "created_at")
