"""Community and innovation-square pages: readable without signing in; posting through services.

One module per area: ``home`` (index, 联系我们), ``questions`` (Q&A), ``moderation``, ``knowledge``
(knowledge base), ``learning`` (FAQ, courses), ``ideas`` (innovation square); ``common`` holds the
decorators and helpers they share.
"""
