"""The ``platsa`` command (typer); one module per command group."""
