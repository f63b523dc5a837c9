"""The composition root builds what serving, training and the CLI use, from the settings."""

from __future__ import annotations

import pytest

from models.loader import load_served
from models.ranking import RULE_VERSION
from platsa import assembly
from platsa.settings import Settings


def test_without_a_registry_the_rule_serves_and_nothing_is_created(tmp_path):
    settings = Settings().replace(home=tmp_path)
    encoders = assembly.text_encoders(settings, embeddings=False)
    model = assembly.served_model(settings, encoders)
    assert (model.version, model.source, model.ranker.kind) == (RULE_VERSION, "rule", "rule")
    assert not (tmp_path / "mlflow.db").exists()
    assert load_served(settings.paths.resolved_tracking_uri, "any", "champion").version == RULE_VERSION


def test_a_recommender_carries_the_model_and_the_encoders_it_was_built_with(tmp_path):
    settings = Settings().replace(home=tmp_path)
    encoders = assembly.text_encoders(settings, embeddings=False)
    taxonomy = assembly.load_taxonomy(settings)  # no bundle under this home: the demo
    built = assembly.recommender(taxonomy, encoders, women_share={"5321": 0.9})
    assert built.model_version == RULE_VERSION and built.index is None
    assert built.query.encoders.names() == {"text_encoder": "none",
                                            "char_encoder": encoders.char.name}
    nurse = next(o for o in taxonomy.occupation_ids if taxonomy.occupation(o).ssyk4 == "5321")
    assert built.women_share[built.occupations.arrays.index[nurse]] == 0.9
    # a new model is a new recommender; the old one is unchanged
    other = built.with_model(built.ranker, "v2", None)
    assert (built.model_version, other.model_version) == (RULE_VERSION, "v2")


@pytest.mark.slow
def test_training_featurises_with_the_local_export_serving_uses_before_a_champion(
        tmp_path, exported_encoder):
    settings = Settings().replace(home=tmp_path, encoder_dir=exported_encoder)
    trained = assembly.unindexed(settings).query.encoders
    model, served = assembly.served(settings)
    assert model.source == "rule"
    assert trained.files().folder == served.files().folder == exported_encoder
    assert trained.names() == served.names()
