import os
from pathlib import Path

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "successhub.web"
    verbose_name = _("门户")

    def ready(self) -> None:
        compile_translations()


def compile_translations() -> None:
    """Compile every ``locale/*/LC_MESSAGES/django.po`` to ``.mo`` when it is missing or stale.

    The UI is written in Chinese (the msgids) with an English catalogue; compiling at start-up
    keeps binary files out of the repository and needs no gettext tools on the machine.
    """
    import polib

    root = Path(__file__).resolve().parent.parent
    for po_path in root.glob("**/locale/*/LC_MESSAGES/django.po"):
        mo_path = po_path.with_suffix(".mo")
        try:
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            # Write beside it and rename: parallel test workers or server processes start together,
            # and none may read a half-written file.
            tmp_path = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.tmp")
            polib.pofile(str(po_path)).save_as_mofile(str(tmp_path))
            os.replace(tmp_path, mo_path)
        except OSError:
            continue  # a read-only install keeps whatever was compiled at build time
