from django.urls import path

from successhub.community.views import home, ideas, knowledge, learning, moderation, questions

app_name = "community"

urlpatterns = [
    path("community/", home.index, name="index"),
    path("community/contact/", home.contact, name="contact"),
    path("community/questions/", questions.question_list, name="questions"),
    path("community/questions/new/", questions.ask, name="ask"),
    path("community/questions/similar/", questions.similar, name="similar"),
    path("community/questions/<int:pk>/", questions.question, name="question"),
    path("community/questions/<int:pk>/answer/", questions.answer, name="answer"),
    path("community/questions/<int:pk>/comment/", questions.comment, name="comment"),
    path("community/questions/<int:pk>/edit/", moderation.question_edit, name="question_edit"),
    path("community/questions/<int:pk>/merge/", moderation.question_merge, name="question_merge"),
    path("community/answers/<int:pk>/accept/", questions.accept, name="accept"),
    path("community/answers/<int:pk>/edit/", moderation.answer_edit, name="answer_edit"),
    path("community/tags/<str:name>/", questions.tag, name="tag"),
    path("community/vote/", questions.vote, name="vote"),
    path("community/report/", questions.report, name="report"),
    path("community/moderation/", moderation.moderation, name="moderation"),
    path("community/moderation/hide/", moderation.hide, name="hide"),
    path("kb/", knowledge.kb, name="kb"),
    path("kb/catalogue/<slug:key>/", knowledge.kb_catalogue, name="kb_catalogue"),
    path("kb/topics/<slug:key>/", knowledge.kb_topic, name="kb_topic"),
    path("kb/<slug:slug>/", knowledge.article, name="article"),
    path("kb/<slug:slug>/feedback/", knowledge.article_feedback, name="article_feedback"),
    path("kb/<slug:slug>/revisions/", knowledge.article_revisions, name="article_revisions"),
    path("kb/<slug:slug>/edit/", knowledge.article_edit, name="article_edit"),
    path("faq/", learning.faq, name="faq"),
    path("courses/", learning.courses, name="courses"),
    path("courses/<slug:slug>/", learning.course, name="course"),
    path("courses/<slug:slug>/lessons/<int:pk>/", learning.lesson, name="lesson"),
    path("courses/<slug:slug>/lessons/<int:pk>/complete/", learning.lesson_complete, name="lesson_complete"),
    path("ideas/", ideas.ideas, name="ideas"),
    path("ideas/new/", ideas.idea_new, name="idea_new"),
    path("ideas/<int:pk>/", ideas.idea, name="idea"),
    path("ideas/<int:pk>/comment/", ideas.idea_comment, name="idea_comment"),
    path("ideas/<int:pk>/status/", ideas.idea_status, name="idea_status"),
]
