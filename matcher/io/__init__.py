"""Record files in and out: CSV, JSON Lines, Parquet and Excel in the layout of docs/data-format.md."""

from matcher.io.cells import FileFormat
from matcher.io.importer import import_file, import_programme, programme_files, store_reads
from matcher.io.readers import (
    FileRead,
    ImportValidationError,
    Progress,
    RowError,
    read_file,
    read_numbered,
    read_records,
)
from matcher.io.writers import export, file_name, write_records, write_rows

__all__ = [
    "FileFormat",
    "FileRead",
    "ImportValidationError",
    "Progress",
    "RowError",
    "export",
    "file_name",
    "import_file",
    "import_programme",
    "programme_files",
    "store_reads",
    "read_file",
    "read_numbered",
    "read_records",
    "write_records",
    "write_rows",
]
