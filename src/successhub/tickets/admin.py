from django.contrib import admin

from successhub.tickets.models import EngineerSkill, Ticket, TicketEvent, TicketMessage


class MessageInline(admin.TabularInline):
    model = TicketMessage
    extra = 0
    fields = ("created_at", "author", "kind", "body")
    readonly_fields = fields
    can_delete = False


class EventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ("at", "actor", "kind", "data")
    readonly_fields = fields
    can_delete = False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    # Tickets are worked in the workspace; the admin is for looking things up (audit).
    list_display = (
        "number",
        "organisation",
        "title",
        "status",
        "category",
        "assignee",
        "first_response_due_at",
    )
    list_filter = ("status", "category", "channel", "urgent", "escalated")
    search_fields = ("number", "title", "organisation__name")
    list_select_related = ("organisation", "assignee")
    readonly_fields = [f.name for f in Ticket._meta.fields]
    inlines = [MessageInline, EventInline]

    def has_add_permission(self, request):
        return False


@admin.register(EngineerSkill)
class EngineerSkillAdmin(admin.ModelAdmin):
    list_display = ("engineer", "product", "active", "last_assigned_at")
    list_filter = ("product", "active")
    list_select_related = ("engineer", "product")
