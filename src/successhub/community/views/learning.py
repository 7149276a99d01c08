"""FAQ and courses (新手课堂): lessons and each user's progress."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from successhub.community import selectors, services
from successhub.community.models import CourseKind
from successhub.community.views.common import login_redirect, products


def faq(request):
    product = request.GET.get("product") or None
    return render(
        request,
        "community/faq.html",
        {"faqs": selectors.visible_faqs(product), "products": products(), "product": product},
    )


def courses(request):
    kind = request.GET.get("kind") or None
    product = request.GET.get("product") or None
    items = list(selectors.visible_courses(kind, product))
    progress = selectors.course_progress(request.user, items)
    groups = []
    for code, label in CourseKind.choices:
        in_kind = [(c, progress[c.pk]) for c in items if c.kind == code]
        if in_kind:
            groups.append((code, label, in_kind))
    return render(
        request,
        "community/courses.html",
        {
            "groups": groups,
            "kinds": CourseKind.choices,
            "kind": kind,
            "products": products(),
            "product": product,
        },
    )


def course(request, slug: str):
    obj = selectors.course_for(slug)
    lessons = list(obj.lessons.all())
    done = selectors.completed_lessons(request.user, [obj.pk])
    finished, total, percent = selectors.course_progress(request.user, [obj])[obj.pk]
    next_lesson = next((lesson for lesson in lessons if lesson.pk not in done), None)
    return render(
        request,
        "community/course.html",
        {
            "course": obj,
            "lessons": lessons,
            "done": done,
            "finished": finished,
            "total": total,
            "percent": percent,
            "next_lesson": next_lesson,
        },
    )


def lesson(request, slug: str, pk: int):
    obj = selectors.course_for(slug)
    current = selectors.lesson_for(obj, pk)
    lessons = list(obj.lessons.all())
    position = [lesson.pk for lesson in lessons].index(current.pk)
    done = selectors.completed_lessons(request.user, [obj.pk])
    return render(
        request,
        "community/lesson.html",
        {
            "course": obj,
            "lesson": current,
            "lessons": lessons,
            "done": done,
            "previous": lessons[position - 1] if position > 0 else None,
            "next": lessons[position + 1] if position + 1 < len(lessons) else None,
            "progress": selectors.course_progress(request.user, [obj])[obj.pk],
            "slides": list(current.slides.all()),
            "is_moderator": services.is_moderator(request.user),
        },
    )


@require_POST
def lesson_complete(request, slug: str, pk: int):
    obj = selectors.course_for(slug)
    current = selectors.lesson_for(obj, pk)
    if not request.user.is_authenticated:
        return login_redirect(request, current.get_absolute_url())
    if request.POST.get("undo") == "1":
        services.reset_lesson(request.user, current)
    else:
        services.complete_lesson(request.user, current)
    lessons = list(obj.lessons.all())
    position = [lesson.pk for lesson in lessons].index(current.pk)
    if request.POST.get("undo") != "1" and position + 1 < len(lessons):
        return redirect(lessons[position + 1].get_absolute_url())
    return redirect(obj)
