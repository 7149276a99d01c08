"""Demo data: a few customer organisations, staff, contracts and content to explore the product.

Each capability adds a loader module here and lists it in ``LOADERS``; loaders are
idempotent (running the demo twice changes nothing the second time).
"""

LOADERS = [
    "successhub.demo.foundation",
    "successhub.demo.tickets",
    "successhub.demo.community",
    "successhub.demo.ops",
    "successhub.demo.updates",
    "successhub.demo.live_support",
    "successhub.demo.success",
]

DEMO_PASSWORD = "demo12345"
