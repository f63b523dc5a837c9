"""The MLflow pyfunc model of the ranking step, logged as code ("models from code").

MLflow copies this file into every logged model and runs it when the model is loaded, so a
model can be loaded by anyone with ``mlflow`` and ``lightgbm`` installed, without Platsa:
the file imports neither :mod:`matcher` nor :mod:`training`. The LightGBM booster travels as
a text file (artifact ``booster``), never as a pickle, and the feature order as model config.

Input: a DataFrame holding the feature columns (by name; extra columns are ignored).
Output: one score per row, higher is better, comparable within one participant's list.
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import mlflow
import numpy as np
import pandas as pd


class RankerModel(mlflow.pyfunc.PythonModel):
    """Scores feature rows with the booster the run trained."""

    def load_context(self, context: Any) -> None:
        self.booster = lgb.Booster(model_file=context.artifacts["booster"])
        self.features = list(context.model_config["features"])

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> np.ndarray:
        missing = [name for name in self.features if name not in model_input.columns]
        if missing:
            raise ValueError(f"input lacks feature columns {missing}")
        matrix = model_input[self.features].to_numpy(dtype=np.float64, na_value=np.nan)
        return self.booster.predict(matrix, num_threads=1)


mlflow.models.set_model(RankerModel())
