from django.urls import path

from successhub.community import views

app_name = "community"

urlpatterns = [
    path("community/", views.index, name="index"),
    path("community/contact/", views.contact, name="contact"),
    path("community/questions/", views.question_list, name="questions"),
    path("community/questions/new/", views.ask, name="ask"),
    path("community/questions/similar/", views.similar, name="similar"),
    path("community/questions/<int:pk>/", views.question, name="question"),
    path("community/questions/<int:pk>/answer/", views.answer, name="answer"),
    path("community/questions/<int:pk>/comment/", views.comment, name="comment"),
    path("community/questions/<int:pk>/edit/", views.question_edit, name="question_edit"),
    path("community/questions/<int:pk>/merge/", views.question_merge, name="question_merge"),
    path("community/answers/<int:pk>/accept/", views.accept, name="accept"),
    path("community/answers/<int:pk>/edit/", views.answer_edit, name="answer_edit"),
    path("community/tags/<str:name>/", views.tag, name="tag"),
    path("community/vote/", views.vote, name="vote"),
    path("community/report/", views.report, name="report"),
    path("community/moderation/", views.moderation, name="moderation"),
    path("community/moderation/hide/", views.hide, name="hide"),
    path("kb/", views.kb, name="kb"),
    path("kb/catalogue/<slug:key>/", views.kb_catalogue, name="kb_catalogue"),
    path("kb/topics/<slug:key>/", views.kb_topic, name="kb_topic"),
    path("kb/<slug:slug>/", views.article, name="article"),
    path("kb/<slug:slug>/feedback/", views.article_feedback, name="article_feedback"),
    path("kb/<slug:slug>/revisions/", views.article_revisions, name="article_revisions"),
    path("kb/<slug:slug>/edit/", views.article_edit, name="article_edit"),
    path("faq/", views.faq, name="faq"),
    path("courses/", views.courses, name="courses"),
    path("courses/<slug:slug>/", views.course, name="course"),
    path("courses/<slug:slug>/lessons/<int:pk>/", views.lesson, name="lesson"),
    path("courses/<slug:slug>/lessons/<int:pk>/complete/", views.lesson_complete, name="lesson_complete"),
    path("ideas/", views.ideas, name="ideas"),
    path("ideas/new/", views.idea_new, name="idea_new"),
    path("ideas/<int:pk>/", views.idea, name="idea"),
    path("ideas/<int:pk>/comment/", views.idea_comment, name="idea_comment"),
    path("ideas/<int:pk>/status/", views.idea_status, name="idea_status"),
]
