from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from successhub.contracts.models import Contract, Deployment, Product, UsageEntry
from successhub.contracts.selectors import edition_followed


def edition_in_effect(contract: Contract) -> str:
    """The edition a contract follows, with why: named in the contract, or the default rule."""
    if contract.pk is None or not contract.plan or contract.start is None:
        return _("保存后显示：未填写条款版本时，按合同开始日期当天已发布的最新版本。")
    followed = edition_followed(contract)
    if followed.edition is None:
        return _("服务目录中没有该版本。")
    name = f"{followed.edition.name.zh} {followed.edition.edition}"
    if followed.named:
        return _("%(edition)s（合同指定的版本）") % {"edition": name}
    return _(
        "%(edition)s（合同未指定版本：按合同开始日期 %(start)s 当天已发布的最新版本；"
        "开始日期早于所有版本时按最早的版本）"
    ) % {"edition": name, "start": contract.start}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "parent")


class DeploymentInline(admin.TabularInline):
    model = Deployment
    extra = 0


class ContractInline(admin.TabularInline):
    model = Contract
    extra = 0
    fields = ("number", "plan", "edition", "edition_in_effect", "start", "end", "amount")
    readonly_fields = ("edition_in_effect",)

    @admin.display(description=gettext_lazy("实际适用的条款版本"))
    def edition_in_effect(self, obj: Contract) -> str:
        return edition_in_effect(obj)


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("number", "organisation", "plan", "edition_in_effect", "start", "end", "amount")
    list_filter = ("plan",)
    search_fields = ("number", "organisation__name")
    date_hierarchy = "start"
    readonly_fields = ("edition_in_effect",)

    @admin.display(description=gettext_lazy("实际适用的条款版本"))
    def edition_in_effect(self, obj: Contract) -> str:
        return edition_in_effect(obj)


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
