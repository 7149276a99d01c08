from django import template

from successhub.community.markup import excerpt, render_markdown

register = template.Library()


@register.filter
def markdown(text: str):
    return render_markdown(text)


@register.filter(name="excerpt")
def excerpt_filter(text: str, length: int = 120) -> str:
    return excerpt(text, int(length))


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.inclusion_tag("community/_author.html")
def author_badge(user):
    return {"author": user}
