"""An upload handler for package files: bytes go straight to a temporary file on disk while their
SHA-256 is computed, so a multi-GB upload is never held in memory and never read twice."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.urls import reverse


class HashingUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.digest = hashlib.sha256()

    def receive_data_chunk(self, raw_data, start):
        self.digest.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self.digest.hexdigest()
        return uploaded


class PackageUploadMiddleware:
    """On the staff package-upload URL only: the upload limit is ``SUCCESSHUB_MAX_PACKAGE_BYTES`` (not the
    general request limit), and the body is parsed by ``HashingUploadHandler``. It must run before anything
    reads ``request.POST`` (the input checks, CSRF)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.path = ""

    def __call__(self, request):
        if not self.path:
            self.path = reverse("updates:staff_upload")
        if request.path == self.path and request.method == "POST":
            request.max_request_bytes = settings.SUCCESSHUB_MAX_PACKAGE_BYTES
            request.upload_handlers = [HashingUploadHandler(request)]
        return self.get_response(request)
