"""金蝶云社区 (Q&A, knowledge base, FAQ, courses) and 创新广场 (ideas).

Visibility is data on each row: ``is_hidden`` (moderation) and, for questions
and articles, a nullable ``organisation`` (private to that organisation's
members and staff). Every read for people goes through ``selectors``; every
change through ``services`` (which save rows one by one so that the search
index hears about each change through the normal model signals).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from successhub.accounts.models import Organisation
from successhub.community.markup import plain_text
from successhub.contracts.models import Product


class Tag(models.Model):
    name = models.CharField(_("名称"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# --- Q&A (互助问答) -------------------------------------------------------------


class Question(models.Model):
    key = models.SlugField(_("导入键"), max_length=100, unique=True, null=True, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("问题描述"))
    product = models.ForeignKey(
        Product, verbose_name=_("产品"), null=True, blank=True, on_delete=models.PROTECT
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="questions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提问人"), on_delete=models.PROTECT, related_name="questions"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("仅本组织可见"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("留空表示公开；填写后仅该组织成员与服务人员可见。"),
    )
    is_hidden = models.BooleanField(_("已隐藏"), default=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("已合并到"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
    )
    legacy_votes = models.IntegerField(_("历史票数"), default=0)
    score = models.IntegerField(_("票数"), default=0)
    answer_count = models.PositiveIntegerField(_("回答数"), default=0)
    view_count = models.PositiveIntegerField(_("浏览数"), default=0)
    created_at = models.DateTimeField(_("提问时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["is_hidden", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                name="question_not_merged_into_itself", condition=~Q(merged_into=models.F("id"))
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:question", args=[self.pk])

    @property
    def accepted_answer(self):
        return self.answers.filter(is_accepted=True, is_hidden=False).first()

    def as_search_doc(self) -> dict | None:
        if self.is_hidden or self.merged_into_id:
            return None
        answers = self.answers.filter(is_hidden=False).order_by("-is_accepted", "-score", "created_at")
        body = "\n".join([plain_text(self.body), *(plain_text(a.body) for a in answers)])
        return {
            "kind": "question",
            "object_id": self.pk,
            "title": self.title,
            "body": body,
            "url": self.get_absolute_url(),
            "product": self.product.code if self.product_id else None,
            "organisation_id": self.organisation_id,
            "updated_at": self.updated_at,
        }


class Answer(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    body = models.TextField(_("回答"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("回答人"), on_delete=models.PROTECT, related_name="answers"
    )
    is_accepted = models.BooleanField(_("已采纳"), default=False)
    is_hidden = models.BooleanField(_("已隐藏"), default=False)
    legacy_votes = models.IntegerField(_("历史票数"), default=0)
    score = models.IntegerField(_("票数"), default=0)
    created_at = models.DateTimeField(_("回答时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("回答")
        verbose_name_plural = _("回答")
        ordering = ["-is_accepted", "-score", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["question"], condition=Q(is_accepted=True), name="one_accepted_answer_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question} · #{self.pk}"

    def get_absolute_url(self) -> str:
        return f"{self.question.get_absolute_url()}#answer-{self.pk}"


class Comment(models.Model):
    """A comment under a question or under an answer (exactly one of the two)."""

    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    body = models.TextField(_("评论"), max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="community_comments"
    )
    is_hidden = models.BooleanField(_("已隐藏"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("评论")
        verbose_name_plural = _("评论")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="comment_on_exactly_one_target",
                condition=Q(question__isnull=False, answer__isnull=True)
                | Q(question__isnull=True, answer__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.body[:40]

    def get_absolute_url(self) -> str:
        question = self.question if self.question_id else self.answer.question
        return f"{question.get_absolute_url()}#comment-{self.pk}"


class Vote(models.Model):
    """One user's vote (+1 or -1) on a question or an answer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_votes"
    )
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="votes"
    )
    answer = models.ForeignKey(Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(choices=[(1, "+1"), (-1, "-1")])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("投票")
        verbose_name_plural = _("投票")
        constraints = [
            models.CheckConstraint(
                name="vote_on_exactly_one_target",
                condition=Q(question__isnull=False, answer__isnull=True)
                | Q(question__isnull=True, answer__isnull=False),
            ),
            models.CheckConstraint(name="vote_value_is_plus_or_minus_one", condition=Q(value__in=[1, -1])),
            models.UniqueConstraint(fields=["user", "question"], name="one_vote_per_user_and_question"),
            models.UniqueConstraint(fields=["user", "answer"], name="one_vote_per_user_and_answer"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.value:+d}"


# --- Knowledge base (知识库) ---------------------------------------------------


class KbCatalogue(models.Model):
    """A node in the knowledge-base catalogue tree (知识目录), usually per product."""

    key = models.SlugField(_("编码"), max_length=80, unique=True)
    title = models.CharField(_("名称"), max_length=100)
    product = models.ForeignKey(
        Product, verbose_name=_("产品"), null=True, blank=True, on_delete=models.PROTECT
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级目录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("知识目录")
        verbose_name_plural = _("知识目录")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:kb_catalogue", args=[self.key])


class Topic(models.Model):
    """知识专题: a curated set of articles across catalogues."""

    key = models.SlugField(_("编码"), max_length=80, unique=True)
    title = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("简介"), blank=True)
    position = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("知识专题")
        verbose_name_plural = _("知识专题")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:kb_topic", args=[self.key])


class Article(models.Model):
    """A knowledge-base article; ``title``/``body`` mirror its latest revision."""

    slug = models.SlugField(_("地址"), max_length=120, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文（Markdown）"))
    catalogue = models.ForeignKey(
        KbCatalogue, verbose_name=_("知识目录"), on_delete=models.PROTECT, related_name="articles"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("产品"), null=True, blank=True, on_delete=models.PROTECT
    )
    topics = models.ManyToManyField(Topic, verbose_name=_("知识专题"), blank=True, related_name="articles")
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="articles")
    service = models.CharField(_("相关服务项"), max_length=40, blank=True)
    plan = models.CharField(_("适用服务计划"), max_length=20, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("仅本组织可见"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("留空表示公开；填写后仅该组织成员与服务人员可见。"),
    )
    is_published = models.BooleanField(_("已发布"), default=True)
    is_hidden = models.BooleanField(_("已隐藏"), default=False)
    view_count = models.PositiveIntegerField(_("浏览数"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("知识文章")
        verbose_name_plural = _("知识文章")
        ordering = ["catalogue__position", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:article", args=[self.slug])

    def as_search_doc(self) -> dict | None:
        if self.is_hidden or not self.is_published:
            return None
        return {
            "kind": "article",
            "object_id": self.pk,
            "title": self.title,
            "body": plain_text(self.body),
            "url": self.get_absolute_url(),
            "product": self.product.code if self.product_id else None,
            "organisation_id": self.organisation_id,
            "updated_at": self.updated_at,
        }


class ArticleRevision(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("版本号"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="article_revisions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("文章修订")
        verbose_name_plural = _("文章修订")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="one_revision_number_per_article")
        ]

    def __str__(self) -> str:
        return f"{self.article} v{self.number}"


class ArticleFeedback(models.Model):
    """“这篇文章有帮助吗？” — one answer per signed-in user (or per browser session)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    session_key = models.CharField(max_length=64, blank=True)
    helpful = models.BooleanField(_("有帮助"))
    comment = models.TextField(_("意见"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("文章反馈")
        verbose_name_plural = _("文章反馈")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], condition=Q(user__isnull=False), name="one_feedback_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article} · {_('有帮助') if self.helpful else _('没帮助')}"


# --- FAQ and courses (常见问题、新手课堂、产品使用课件) ---------------------------


class Faq(models.Model):
    key = models.SlugField(_("编码"), max_length=100, unique=True)
    question = models.CharField(_("问题"), max_length=300)
    answer = models.TextField(_("解答"))
    product = models.ForeignKey(
        Product, verbose_name=_("产品"), null=True, blank=True, on_delete=models.PROTECT
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="faqs")
    service = models.CharField(_("相关服务项"), max_length=40, blank=True)
    position = models.PositiveIntegerField(_("排序"), default=0)
    is_hidden = models.BooleanField(_("已隐藏"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("常见问题")
        verbose_name_plural = _("常见问题")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return f"{reverse('community:faq')}#faq-{self.key}"

    def as_search_doc(self) -> dict | None:
        if self.is_hidden:
            return None
        return {
            "kind": "faq",
            "object_id": self.pk,
            "title": self.question,
            "body": f"{self.question}\n{plain_text(self.answer)}",
            "url": self.get_absolute_url(),
            "product": self.product.code if self.product_id else None,
            "organisation_id": None,
            "updated_at": self.updated_at,
        }


class CourseKind(models.TextChoices):
    QUICK_START = "quick_start", _("快速入门")
    SCENARIO = "scenario", _("场景指南")
    LEARNING_PATH = "learning_path", _("学习路径")
    HOWTO = "howto", _("热门操作")
    COURSEWARE = "courseware", _("产品使用课件")


class Course(models.Model):
    slug = models.SlugField(_("地址"), max_length=120, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=CourseKind.choices)
    product = models.ForeignKey(
        Product, verbose_name=_("产品"), null=True, blank=True, on_delete=models.PROTECT
    )
    summary = models.TextField(_("简介"), blank=True)
    level = models.CharField(_("难度"), max_length=40, blank=True)
    position = models.PositiveIntegerField(_("排序"), default=0)
    is_published = models.BooleanField(_("已发布"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:course", args=[self.slug])

    def as_search_doc(self) -> dict | None:
        if not self.is_published:
            return None
        lessons = [lesson.title for lesson in self.lessons.all()]
        return {
            "kind": "course",
            "object_id": self.pk,
            "title": self.title,
            "body": "\n".join([plain_text(self.summary), *lessons]),
            "url": self.get_absolute_url(),
            "product": self.product.code if self.product_id else None,
            "organisation_id": None,
            "updated_at": self.updated_at,
        }


def _media_path(folder: str, filename: str) -> str:
    # Random names: a stored file's path never reveals who uploaded it or what it was called.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"community/{folder}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{suffix}"


def image_path(instance, filename: str) -> str:
    return _media_path("images", filename)


def file_path(instance, filename: str) -> str:
    return _media_path("files", filename)


def lesson_media_path(instance, filename: str) -> str:
    return _media_path("lessons", filename)


class LessonMedia(models.TextChoices):
    TEXT = "text", _("图文")
    VIDEO = "video", _("视频")
    SLIDES = "slides", _("课件（幻灯片）")


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    position = models.PositiveIntegerField(_("序号"), default=0)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容（Markdown）"), blank=True)
    duration_minutes = models.PositiveIntegerField(_("时长（分钟）"), default=0)
    media = models.CharField(_("形式"), max_length=10, choices=LessonMedia.choices, default=LessonMedia.TEXT)
    video = models.FileField(_("视频（MP4/WebM）"), upload_to=lesson_media_path, blank=True)
    video_type = models.CharField(_("视频类型"), max_length=20, blank=True)
    slides_pdf = models.FileField(_("课件（PDF）"), upload_to=lesson_media_path, blank=True)

    class Meta:
        verbose_name = _("课时")
        verbose_name_plural = _("课时")
        ordering = ["course", "position", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:lesson", args=[self.course.slug, self.pk])


class LessonProgress(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("学习进度")
        verbose_name_plural = _("学习进度")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="one_progress_per_user_and_lesson")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson}"


# --- Reports (举报) --------------------------------------------------------------


class Report(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        RESOLVED = "resolved", _("已处理")
        DISMISSED = "dismissed", _("已驳回")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_reports"
    )
    reason = models.CharField(_("举报原因"), max_length=500)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("内容举报")
        verbose_name_plural = _("内容举报")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.content_type} #{self.object_id}: {self.reason[:40]}"


# --- Innovation square (创新广场 · 需求聆听) ----------------------------------------


class IdeaStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    UNDER_REVIEW = "under_review", _("评估中")
    PLANNED = "planned", _("已规划")
    RELEASED = "released", _("已发布")
    DECLINED = "declined", _("暂不采纳")


class Idea(models.Model):
    key = models.SlugField(_("导入键"), max_length=100, unique=True, null=True, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("需求描述"))
    product = models.ForeignKey(
        Product, verbose_name=_("产品"), null=True, blank=True, on_delete=models.PROTECT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提出人"), on_delete=models.PROTECT, related_name="ideas"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("客户组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ideas",
    )
    channel = models.CharField(_("提交渠道"), max_length=30, default="innovation_square")
    reference = models.CharField(
        _("来源单据"), max_length=100, blank=True, help_text=_("工单号、智能客服对话或热线来电编号")
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=IdeaStatus.choices, default=IdeaStatus.SUBMITTED
    )
    official_response = models.TextField(_("官方回复"), blank=True)
    is_hidden = models.BooleanField(_("已隐藏"), default=False)
    legacy_votes = models.IntegerField(_("历史票数"), default=0)
    vote_count = models.IntegerField(_("票数"), default=0)
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("需求建议")
        verbose_name_plural = _("需求建议")
        ordering = ["-vote_count", "-created_at"]
        indexes = [models.Index(fields=["status", "-vote_count"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:idea", args=[self.pk])

    @property
    def channel_name(self) -> str:
        """The channel as the catalog names it (智能客服, 热线, 工单系统, 创新广场), in the page's language."""
        from django.utils.translation import get_language

        from successhub.catalog.loader import get_catalog

        language = "en" if (get_language() or "zh").startswith("en") else "zh"
        return get_catalog().labels.name("channels", self.channel, language)


class IdeaVote(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idea_votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("需求投票")
        verbose_name_plural = _("需求投票")
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="one_vote_per_user_and_idea")]

    def __str__(self) -> str:
        return f"{self.user} → {self.idea}"


class IdeaComment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="idea_comments"
    )
    body = models.TextField(_("评论"), max_length=2000)
    is_hidden = models.BooleanField(_("已隐藏"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("需求评论")
        verbose_name_plural = _("需求评论")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]

    def get_absolute_url(self) -> str:
        return f"{self.idea.get_absolute_url()}#comment-{self.pk}"


class IdeaStatusChange(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("原状态"), max_length=20, choices=IdeaStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=20, choices=IdeaStatus.choices)
    response = models.TextField(_("官方回复"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("需求状态变更")
        verbose_name_plural = _("需求状态变更")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.idea}: {self.from_status} → {self.to_status}"


# --- Media: screenshots in posts, files on articles, slides in lessons -----------------------------


class CommunityImage(models.Model):
    """A picture pasted or uploaded into a question, answer, comment or article, or a lesson's slide.

    It is re-encoded on upload (EXIF and location dropped, resized) and kept with a thumbnail.
    Until a post that shows it is saved, only its uploader (and staff) may see it; then it
    belongs to that post and is shown to whoever may read the post: a private question's
    pictures only to that organisation and staff.
    """

    key = models.CharField(_("标识"), max_length=40, unique=True)
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    image = models.FileField(_("图片"), upload_to=image_path)
    thumbnail = models.FileField(_("缩略图"), upload_to=image_path)
    content_type = models.CharField(_("类型"), max_length=40)
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    alt = models.CharField(_("说明文字"), max_length=200, blank=True)
    question = models.ForeignKey(
        Question, verbose_name=_("所属问题"), null=True, blank=True, on_delete=models.CASCADE, related_name="images"
    )
    article = models.ForeignKey(
        Article, verbose_name=_("所属文章"), null=True, blank=True, on_delete=models.CASCADE, related_name="images"
    )
    lesson = models.ForeignKey(
        Lesson, verbose_name=_("所属课时"), null=True, blank=True, on_delete=models.CASCADE, related_name="slides"
    )
    position = models.PositiveIntegerField(_("序号"), default=0)
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("社区图片")
        verbose_name_plural = _("社区图片")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                name="community_image_belongs_to_at_most_one_post",
                condition=(
                    Q(question__isnull=True, article__isnull=True)
                    | Q(question__isnull=True, lesson__isnull=True)
                    | Q(article__isnull=True, lesson__isnull=True)
                ),
            )
        ]

    def __str__(self) -> str:
        return self.alt or self.key

    def get_absolute_url(self) -> str:
        return reverse("community:image", args=[self.key])

    @property
    def thumbnail_url(self) -> str:
        return reverse("community:image_thumb", args=[self.key])


class ArticleFile(models.Model):
    """A file that goes with a knowledge article (a PDF guide, sample data), checked by content."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(_("文件"), upload_to=file_path)
    content_type = models.CharField(_("类型"), max_length=120)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("文章附件")
        verbose_name_plural = _("文章附件")
        ordering = ["article", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community:article_file", args=[self.article.slug, self.pk])


class ArticleFileDownload(models.Model):
    """Who downloaded which article file, when, and how many bytes were sent."""

    file = models.ForeignKey(ArticleFile, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    bytes_sent = models.PositiveBigIntegerField(default=0)
    range_header = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("附件下载记录")
        verbose_name_plural = _("附件下载记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.file} · {self.at:%Y-%m-%d %H:%M}"
