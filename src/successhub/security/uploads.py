"""Upload handling that no file name can break.

Django spools a large upload to a temporary file whose suffix is the uploaded name's extension, so a
name such as ``a.ppp…`` (250 characters) made the operating system refuse the temporary file
("File name too long") and the request end in a 500 before any view could refuse it. Here the
temporary file gets a fixed name and the upload keeps the name it was sent with, for the views'
own checks (type, length) to judge.
"""

from __future__ import annotations

from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler


class SafeTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, *args, **kwargs):
        FileUploadHandler.new_file(self, *args, **kwargs)
        self.file = TemporaryUploadedFile(
            "upload.bin", self.content_type, 0, self.charset, self.content_type_extra
        )
        self.file.name = self.file_name  # Django keeps the basename, at most 255 characters
