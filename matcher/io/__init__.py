"""Record files in and out: CSV, JSON Lines and Parquet in the layout of docs/data-format.md."""

from matcher.io.cells import FileFormat
from matcher.io.importer import import_file, import_programme, programme_files
from matcher.io.readers import (
    ImportValidationError,
    Progress,
    RowError,
    read_numbered,
    read_records,
)
from matcher.io.writers import export, file_name, write_records, write_rows

__all__ = [
    "FileFormat",
    "ImportValidationError",
    "Progress",
    "RowError",
    "export",
    "file_name",
    "import_file",
    "import_programme",
    "programme_files",
    "read_numbered",
    "read_records",
    "write_records",
    "write_rows",
]
