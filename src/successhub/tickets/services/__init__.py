"""State changes on tickets, one module per area.

- ``filing``: check_filing, file_ticket (entitlement decision, number, first-response deadline).
- ``working``: replies, notes, contacts, attachments, status changes, withdrawal, merge, rating.
- ``assignment``: round-robin pick, manual assign, engineers' product skills.
- ``sla_jobs``: warn_at_risk, escalate_breached (called by ``tickets.tasks``).
- ``common``: the guards, the row lock and attachment storage the others share.
"""
