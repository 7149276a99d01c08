from django.contrib import admin

from successhub.community import models


class AnswerInline(admin.StackedInline):
    model = models.Answer
    extra = 0
    fields = ["author", "body", "is_accepted", "is_hidden", "legacy_votes", "score"]
    readonly_fields = ["score"]
    raw_id_fields = ["author"]


@admin.register(models.Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "product",
        "author",
        "organisation",
        "answer_count",
        "score",
        "is_hidden",
        "created_at",
    ]
    list_filter = ["is_hidden", "product", "organisation"]
    search_fields = ["title", "body"]
    raw_id_fields = ["author", "merged_into"]
    filter_horizontal = ["tags"]
    readonly_fields = ["score", "answer_count", "view_count"]
    inlines = [AnswerInline]


@admin.register(models.Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(models.KbCatalogue)
class KbCatalogueAdmin(admin.ModelAdmin):
    list_display = ["title", "key", "product", "parent", "position"]
    list_filter = ["product"]
    prepopulated_fields = {"key": ["title"]}


@admin.register(models.Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "key", "position"]


class ArticleFileInline(admin.TabularInline):
    """Files are added on the article page (content-checked); here they can be seen or removed."""

    model = models.ArticleFile
    extra = 0
    fields = ["name", "content_type", "size", "description", "uploaded_by", "created_at"]
    readonly_fields = ["name", "content_type", "size", "uploaded_by", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class RevisionInline(admin.TabularInline):
    model = models.ArticleRevision
    extra = 0
    fields = ["number", "title", "note", "author", "created_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(models.Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "catalogue",
        "product",
        "organisation",
        "is_published",
        "is_hidden",
        "view_count",
        "updated_at",
    ]
    list_filter = ["is_published", "is_hidden", "product", "catalogue"]
    search_fields = ["title", "body", "slug"]
    filter_horizontal = ["topics", "tags"]
    inlines = [RevisionInline, ArticleFileInline]


@admin.register(models.ArticleFeedback)
class ArticleFeedbackAdmin(admin.ModelAdmin):
    list_display = ["article", "helpful", "comment", "user", "created_at"]
    list_filter = ["helpful"]


@admin.register(models.Faq)
class FaqAdmin(admin.ModelAdmin):
    list_display = ["question", "product", "service", "position", "is_hidden"]
    list_filter = ["is_hidden", "product"]
    search_fields = ["question", "answer"]
    filter_horizontal = ["tags"]


class LessonInline(admin.StackedInline):
    model = models.Lesson
    extra = 0
    # Media go through the lesson's 管理视频与课件 page, which checks each file by its content.
    readonly_fields = ["media", "video", "video_type", "slides_pdf"]


@admin.register(models.Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "product", "position", "is_published"]
    list_filter = ["kind", "product", "is_published"]
    inlines = [LessonInline]


@admin.register(models.Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["content_type", "object_id", "reason", "reporter", "status", "created_at"]
    list_filter = ["status", "content_type"]


class StatusChangeInline(admin.TabularInline):
    model = models.IdeaStatusChange
    extra = 0
    readonly_fields = ["from_status", "to_status", "response", "by", "at"]
    can_delete = False


@admin.register(models.Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "product",
        "status",
        "vote_count",
        "channel",
        "organisation",
        "is_hidden",
        "created_at",
    ]
    list_filter = ["status", "channel", "product", "is_hidden"]
    search_fields = ["title", "description"]
    readonly_fields = ["status", "vote_count"]  # status changes go through the innovation-square page
    raw_id_fields = ["author"]
    inlines = [StatusChangeInline]


@admin.register(models.CommunityImage)
class CommunityImageAdmin(admin.ModelAdmin):
    list_display = ["key", "alt", "uploader", "question", "article", "lesson", "width", "height", "created_at"]
    readonly_fields = ["key", "uploader", "image", "thumbnail", "content_type", "width", "height", "size", "sha256"]
    raw_id_fields = ["question", "article", "lesson"]


@admin.register(models.ArticleFileDownload)
class ArticleFileDownloadAdmin(admin.ModelAdmin):
    list_display = ["file", "user", "at", "bytes_sent", "range_header"]
    readonly_fields = ["file", "user", "at", "bytes_sent", "range_header"]
