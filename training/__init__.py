"""Retraining the ranker from placement history, tracked in MLflow and gated before promotion.

``training`` imports :mod:`matcher` (the same feature code serving runs) and MLflow, and
reads its knobs from :mod:`platsa.settings` (``PLATSA_TRAINING_*``); nothing
in :mod:`matcher` or serving imports ``training``. The modules, in the order a run uses them:

- :mod:`training.tracking`: where MLflow lives and a clear error when it does not answer;
- :mod:`training.data`: history from the store or a folder, the time split, the digest;
- :mod:`training.evaluate`: the model beside the rule, random and popularity baselines;
- :mod:`training.fairness_audit`: the :mod:`matcher.fairness` audits of a fitted ranker;
- :mod:`training.train`: one function per step, and :func:`training.train.run_training`;
- :mod:`training.dask_engine`: the same fit on a Dask cluster;
- :mod:`training.artifacts`: model card, feature-importance plot, the MLflow pyfunc model
  (whose code is :mod:`training.pyfunc_ranker`, copied into every logged model);
- :mod:`training.registry`: versions, the ``challenger``/``champion`` aliases, the gates.
"""
