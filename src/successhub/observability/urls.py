from django.urls import path

from successhub.observability import health, metrics

urlpatterns = [
    path("healthz", health.livez, name="healthz"),
    path("livez", health.livez, name="livez"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
]
