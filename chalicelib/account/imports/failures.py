"""Why a whole file cannot be imported (a record that cannot is a `Skipped` instead)."""


class ImportFileRefused(Exception):
    """The file is not one this format reads, or not safely: the import fails with `code`
    and `message`, which the status route shows (words a user understands, never the file's
    content)."""

    def __init__(self, message: str, code: str = "IMPORT_FILE_UNREADABLE") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
