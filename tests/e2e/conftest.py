"""The training tests' migrated MLflow store template and demo taxonomy, for the end-to-end runs."""

from tests.training.conftest import mlflow_template, taxonomy

__all__ = ["mlflow_template", "taxonomy"]
