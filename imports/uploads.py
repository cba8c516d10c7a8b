"""The upload of an import file stops at reading.MAX_BYTES: the rest of a larger file is read and
dropped, never kept in memory nor on disk, and the page says that the file is too large.

It must be the first upload handler, set before the request's body is read: the view that takes
the file is exempt from the CSRF middleware (which would read the body first) and checks the token
itself once the handler is in place. The form puts its CSRF token before the file, so that the token
is read even when the file is cut short.
"""

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from imports.reading import MAX_BYTES

# What a form with one file carries besides the file: its CSRF token, the multipart boundaries and headers.
ENVELOPE = 16 * 1024


class ImportSizeLimit(FileUploadHandler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.too_large = False
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # type: ignore[no-untyped-def]  # noqa: N803 - Django's name
        # A body announced larger than the file may be is not read into a file at all.
        self.too_large = content_length > MAX_BYTES + ENVELOPE

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.too_large:
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > MAX_BYTES:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
