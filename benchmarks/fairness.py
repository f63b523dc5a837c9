"""Fairness by gender on the generator's scenario, with historical bias switched on and off.

Protocol (one run, one seed per scenario):

1. Generate a programme (demo taxonomy) with ``bias`` on (coaches steered women to care and
   men to construction; employers penalised women in male-dominated work) and off.
2. Split history by time and fit two LightGBM rankers on the older part through the serving
   feature code: one plain, one with Kamiran–Calders reweighing (gender × label weights).
3. For the participants in the oracle sample that no model trained on (validation period or
   no history yet), rank their feasible oracle candidates with each model. Gains are the
   **unbiased** true success probabilities (what a participant could achieve without
   discrimination), so a model that learned the historical bias loses.
   * coach side: NDCG@10 / recall@10 gap by gender, coverage, atypical-occupation share
     against the historical base rate (occupation gender shares from SCB when the real data
     folder is there, else from the programme's own placements); widen-horizons effect;
   * employer side: each opening's feasible candidates ranked by score; exposure and impact
     ratios, skew@10 and NDKL before and after DetConstSort, with its NDCG@10 cost;
   * calibration (Platt on half the participants, ECE by gender on the other half), proxy AUC,
     counterfactual invariance of the real matcher;
   * the coach-side audit again for people with and without a prior trade apart (issue #19).

The headline numbers in the JSON are the bias-on scenario in its default deployment
(reweighed model, re-ranked candidate lists); every scenario and model is kept in full.

Run: ``.venv/bin/python benchmarks/fairness.py [--participants N --openings M --seed S]
[--report-dir DIR] [--output FILE]``. Writes ``benchmarks/results/fairness.json``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# Run as a script, this folder comes first on sys.path, and its training.py would shadow
# the ``training`` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from matcher.domain import Participant  # noqa: E402
from matcher.fairness import (  # noqa: E402
    CandidateList,
    FairnessReport,
    OccupationGenderShares,
    PlattScaler,
    RankedSuggestions,
    audit_suggestions,
    calibration_by_group,
    check_gates,
    compare_audits,
    counterfactual_check,
    failed,
    proxy_audit,
    rerank_effect,
    reweighing_weights,
    widen_effect,
    write_report,
)
from matcher.fairness.report import to_json  # noqa: E402
from matcher.features import FEATURES  # noqa: E402
from matcher.recommend import RecommenderConfig  # noqa: E402
from matcher.records import participants_by_id  # noqa: E402
from models.ranking import BoostedRanker  # noqa: E402
from platsa.assembly import load_taxonomy  # noqa: E402
from platsa.settings import get_settings  # noqa: E402
from synth import GeneratorConfig, generate  # noqa: E402
from training.dataset import LabelledPairs, build_pairs, time_split  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from quality import build_matcher, by_prior_trades, evaluation_pairs  # noqa: E402  (sibling script)

log = logging.getLogger("benchmarks.fairness")
RESULTS = Path(__file__).parent / "results" / "fairness.json"
SCB = Path(__file__).resolve().parents[2] / "shared" / "data" / "scb_occupation_stats" / \
    "derived_national_ssyk4_sex_share_2020_2024.csv"
K = 10
RELEVANT = 0.5  # an opening counts as relevant for recall when its true chance is at least this


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--openings", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--min-candidates", type=int, default=1,
                        help="evaluate participants with at least this many feasible candidates "
                             "(1: everyone, so coverage is measured rather than filtered)")
    parser.add_argument("--min-group-size", type=int, default=30)
    parser.add_argument("--output", type=Path, default=RESULTS,
                        help="where the JSON goes (e.g. a smaller run beside the default one)")
    parser.add_argument("--report-dir", type=Path, default=None,
                        help="also write each scenario's HTML/PNG/JSON fairness report here")
    return parser.parse_args()


def fit(train: LabelledPairs, valid: LabelledPairs, weights: np.ndarray | None, seed: int) -> BoostedRanker:
    return BoostedRanker(random_state=seed).fit(
        train.X, train.y, train.group, feature_names=list(FEATURES),
        eval_set=(valid.X, valid.y, valid.group), sample_weight=weights)


def gender_shares(taxonomy: Any, programme: Any, ssyk4_of: Mapping[str, str]) -> OccupationGenderShares:
    """SCB's national employee counts when available; else the programme's started placements."""
    if SCB.exists():
        return OccupationGenderShares.from_scb_csv(SCB)
    placements = programme.frame("placements")
    started = placements[placements["status"].isin(["started", "completed", "dropped"])]
    gender = started["participant_id"].map(programme.frame("participants").set_index("id")["gender"])
    return OccupationGenderShares.from_counts([ssyk4_of.get(o) for o in started["opening_id"]],
                                              gender.astype(str).tolist(), source="programme placements",
                                              min_workers=5)


class Scenario:
    """One generated programme, its matcher and its evaluation pairs."""

    def __init__(self, bias: bool, args: argparse.Namespace, taxonomy: Any) -> None:
        config = GeneratorConfig(participants=args.participants, openings=args.openings, seed=args.seed,
                                 bias=bias, oracle_participants=args.participants)
        self.args = args
        self.programme = generate(config, taxonomy)
        self.participants: dict[str, Participant] = participants_by_id(self.programme.frame("participants"))
        self.gender = {pid: p.gender.value for pid, p in self.participants.items()}
        placements = self.programme.frame("placements")
        self.train, self.valid = time_split(placements)
        self.matcher, stats = build_matcher(self.programme, self.train, use_embeddings=False)
        # followed-up placements labelled work or not: what the default (binary) ranker learns from
        self.train_pairs = build_pairs(self.matcher, self.participants, self.train, stats=stats).outcomes()
        self.valid_pairs = build_pairs(self.matcher, self.participants, self.valid, stats=stats).outcomes()
        oracle = self.programme.frame("oracle")
        # everyone in the oracle sample the models never trained on (newer or without history)
        unseen = set(oracle["participant_id"]) - set(self.train["participant_id"])
        self.pairs = evaluation_pairs(self.matcher, self.participants, oracle, unseen, args.min_candidates)
        self.X = np.vstack([self.matcher.pair_features(self.participants[pid], list(block["opening_id"]))
                            for pid, block in self.pairs.groupby("participant_id", sort=False)])
        opening_occ = self.programme.frame("openings").set_index("id")["occupation_id"]
        self.ssyk4_of = {o: taxonomy.occupation(occ).ssyk4 for o, occ in opening_occ.items()
                         if isinstance(occ, str) and occ in taxonomy}
        self.shares = gender_shares(taxonomy, self.programme, self.ssyk4_of)
        self.history = self._history(placements)
        self.train_genders = [self.gender[p] for p in self.train_pairs.participant_ids]
        # features alone, whatever the model: one proxy audit per scenario
        self.proxy = proxy_audit(self.train_pairs.X, self.train_genders, FEATURES)

    def _history(self, placements: pd.DataFrame) -> tuple[list[str], list[list[str | None]]]:
        """What coaches suggested to the evaluated participants: the historical base rate."""
        evaluated = placements[placements["participant_id"].isin(set(self.pairs["participant_id"]))]
        blocks = evaluated.groupby("participant_id")["opening_id"]
        return ([self.gender[p] for p in blocks.groups],
                [[self.ssyk4_of.get(o) for o in block] for _, block in blocks])

    def weights(self) -> np.ndarray:
        return reweighing_weights(self.train_genders, self.train_pairs.y)

    def coach_lists(self, scores: np.ndarray, predicted: np.ndarray) -> list[RankedSuggestions]:
        frame = self.pairs.assign(score=scores, predicted=predicted)
        lists = []
        for pid, block in frame.groupby("participant_id", sort=False):
            block = block.sort_values(["score", "opening_id"], ascending=[False, True])
            lists.append(RankedSuggestions(
                pid, self.gender[pid], tuple(block["p_success_unbiased"].astype(float)),
                tuple(self.ssyk4_of.get(o) for o in block["opening_id"]),
                tuple(block["predicted"].astype(float)), tuple(block["p_success"].astype(float))))
        return lists

    def candidate_lists(self, scores: np.ndarray) -> list[CandidateList]:
        frame = self.pairs.assign(score=scores)
        lists = []
        for oid, block in frame.groupby("opening_id", sort=True):
            if len(block) < K:
                continue
            block = block.sort_values(["score", "participant_id"], ascending=[False, True])
            lists.append(CandidateList(oid, tuple(self.gender[p] for p in block["participant_id"]),
                                       tuple(block["score"].astype(float)),
                                       tuple(block["p_success_unbiased"].astype(float))))
        return lists

    def predicted_success(self, scores: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Platt-calibrated scores, fitted on half the participants; the other half's mask."""
        rng = np.random.default_rng(seed)
        ids = self.pairs["participant_id"].to_numpy()
        fit_half = np.isin(ids, rng.permutation(np.unique(ids))[: len(np.unique(ids)) // 2])
        outcome = rng.random(len(ids)) < self.pairs["p_success"].to_numpy(float)
        scaler = PlattScaler().fit(scores[fit_half], outcome[fit_half])
        return scaler.predict(scores), ~fit_half

    def coach_by_prior_trades(self, lists: list[RankedSuggestions]) -> dict[str, Any]:
        """The coach-side audit for the people with and without a prior trade apart."""
        split = {}
        for group, members in by_prior_trades(self.participants).items():
            chosen = [ranked for ranked in lists if ranked.participant_id in members]
            if not chosen:
                split[group] = {"participants": 0}
                continue
            coach = audit_suggestions(chosen, K, shares=self.shares,
                                      min_group_size=self.args.min_group_size, threshold=RELEVANT)
            split[group] = {"participants": len(chosen),
                            "ndcg10": coach.metrics.overall[f"ndcg_at_{K}"],
                            "ndcg10_gap": coach.ndcg_gap,
                            "recall10_gap": coach.metrics.difference(f"recall_at_{K}"),
                            "coach_by_gender": coach.metrics.to_dict()["by_group"]}
        return split

    def audit(self, name: str, ranker: BoostedRanker) -> tuple[FairnessReport, dict[str, Any]]:
        """Every audit for one model, before and after the list mitigations."""
        self.matcher = self.matcher.with_model(ranker, self.matcher.model_version, None)
        scores = ranker.predict(self.X)
        predicted, held_out = self.predicted_success(scores, self.args.seed)
        size = self.args.min_group_size
        coach_lists = self.coach_lists(scores, predicted)
        coach = audit_suggestions(coach_lists, K, shares=self.shares, history=self.history,
                                  min_group_size=size, threshold=RELEVANT)
        _, employer, rerank = rerank_effect(self.candidate_lists(scores), K, min_group_size=size)
        # at the threshold coaches are served with (RecommenderConfig.atypical_share)
        _, widen = widen_effect(coach_lists, self.shares, K,
                                atypical_below=RecommenderConfig().atypical_share)
        genders = self.pairs["participant_id"].map(self.gender).to_numpy()
        sample = list(dict.fromkeys(self.pairs["participant_id"]))[:10]
        report = FairnessReport(
            model_version=name, coach=coach, employer=employer,
            calibration=calibration_by_group(self.pairs["p_success"].to_numpy(float)[held_out],
                                             predicted[held_out], genders[held_out], min_group_size=size),
            proxy=self.proxy,
            counterfactual=counterfactual_check(self.matcher, [self.participants[p] for p in sample],
                                                list(self.matcher.require_index().columns.ids), K),
            mitigation={"detconstsort": rerank, "widen_horizons": widen},
            notes=[f"occupation gender shares: {self.shares.source}",
                   f"gains: unbiased true success probability; recall threshold {RELEVANT}"],
        )
        return report, {
            "by_prior_trades": self.coach_by_prior_trades(coach_lists),
            "ndcg10": coach.metrics.overall[f"ndcg_at_{K}"],
            "ndcg10_gap": coach.ndcg_gap,
            "recall10_gap": coach.metrics.difference(f"recall_at_{K}"),
            "coach_by_gender": coach.metrics.to_dict()["by_group"],
            "segregation_narrowing": coach.narrowing()[0],
            "historical_atypical_share": (coach.historical_atypical.to_dict()["by_group"]
                                          if coach.historical_atypical else None),
            "employer_before": dict(rerank.before), "employer_after": dict(rerank.after),
            "ndcg10_cost_of_reranking": rerank.utility_cost,
            "mean_skew10_after": dict(employer.mean_skew),
            "widen_horizons": widen.to_dict(),
            "calibration_gap": report.calibration.gap if report.calibration else None,
            "proxy_auc": report.proxy.auc if report.proxy else None,
            "counterfactual": report.counterfactual.to_dict() if report.counterfactual else None,
            "failed_gates": [str(g) for g in failed(check_gates(report))],
            "n_candidate_lists": employer.n_lists,
        }


def run_scenario(bias: bool, args: argparse.Namespace, taxonomy: Any) -> dict[str, Any]:
    started = time.perf_counter()
    scenario = Scenario(bias, args, taxonomy)
    models = {"plain": fit(scenario.train_pairs, scenario.valid_pairs, None, args.seed),
              "reweighed": fit(scenario.train_pairs, scenario.valid_pairs, scenario.weights(), args.seed)}
    results: dict[str, Any] = {}
    reports = {}
    for name, ranker in models.items():
        reports[name], results[name] = scenario.audit(f"bias-{'on' if bias else 'off'}-{name}", ranker)
        if args.report_dir is not None:
            write_report(reports[name], args.report_dir / reports[name].model_version)
    reweighing = compare_audits("reweighing", reports["plain"].coach, reports["reweighed"].coach)
    return {
        "bias": bias,
        "n_eval_participants": int(scenario.pairs["participant_id"].nunique()),
        "n_eval_pairs": len(scenario.pairs),
        "n_train_pairs": len(scenario.train_pairs),
        "generator_summary": {k: scenario.programme.summary[k]
                              for k in ("in_work_share_by_gender", "in_work_share_male_dominated_by_gender")},
        "models": results,
        "reweighing": reweighing.to_dict(),
        "seconds": time.perf_counter() - started,
    }


#: Table columns: header and how to read the value from one model's results.
COLUMNS: tuple[tuple[str, Any], ...] = (
    ("NDCG@10", lambda m: m["ndcg10"]),
    ("gap", lambda m: m["ndcg10_gap"]),
    ("expo before", lambda m: m["employer_before"]["exposure_ratio"]),
    ("expo after", lambda m: m["employer_after"]["exposure_ratio"]),
    ("impact after", lambda m: m["employer_after"]["impact_ratio"]),
    ("NDCG cost", lambda m: m["ndcg10_cost_of_reranking"]),
    ("narrowing", lambda m: m["segregation_narrowing"]),
    ("ECE gap", lambda m: m["calibration_gap"]),
    ("proxy AUC", lambda m: m["proxy_auc"]),
)


def shown(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def print_table(scenarios: dict[str, dict[str, Any]]) -> None:
    header = f"{'scenario':<10}{'model':<11}" + "".join(f"{name:>13}" for name, _ in COLUMNS)
    print(header)
    print("-" * len(header))
    for label, result in scenarios.items():
        for model, m in result["models"].items():
            print(f"{label:<10}{model:<11}" + "".join(f"{shown(read(m)):>13}" for _, read in COLUMNS))
    for label, result in scenarios.items():
        before, after = result["reweighing"]["before"], result["reweighing"]["after"]
        print(f"{label}: reweighing changes NDCG@10 {shown(before['ndcg_at_10'])} → "
              f"{shown(after['ndcg_at_10'])} and its gender gap {shown(before['ndcg_gap'])}"
              f" → {shown(after['ndcg_gap'])}")


def main() -> None:
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    started = time.perf_counter()
    taxonomy = load_taxonomy(get_settings())
    scenarios = {f"bias_{'on' if bias else 'off'}": run_scenario(bias, args, taxonomy)
                 for bias in (True, False)}
    deployed = scenarios["bias_on"]["models"]["reweighed"]
    summary = {
        "config": {"participants": args.participants, "openings": args.openings, "seed": args.seed, "k": K,
                   "min_group_size": args.min_group_size,
                   "gains": "unbiased true success probability (2^p - 1)",
                   "headline": "bias on, reweighed model, DetConstSort-re-ranked candidate lists"},
        "exposure_ratio": deployed["employer_after"]["exposure_ratio"],
        "exposure_ratio_before_mitigation": scenarios["bias_on"]["models"]["plain"]["employer_before"][
            "exposure_ratio"],
        "impact_ratio": deployed["employer_after"]["impact_ratio"],
        "ndcg10_gap": deployed["ndcg10_gap"],
        "by_prior_trades": deployed["by_prior_trades"],
        "ndcg10_gap_before_mitigation": scenarios["bias_on"]["models"]["plain"]["ndcg10_gap"],
        "ndcg10_cost_of_mitigation": deployed["ndcg10_cost_of_reranking"],
        "ndcg10_cost_of_reweighing": scenarios["bias_on"]["reweighing"]["utility_cost"],
        "scenarios": scenarios,
        "total_seconds": time.perf_counter() - started,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(to_json(summary) + "\n")
    print_table(scenarios)
    for group, part in deployed["by_prior_trades"].items():
        if part["participants"]:
            print(f"bias on, reweighed, {group.replace('_', ' ')}: NDCG@10 {shown(part['ndcg10'])}, "
                  f"gender gap {shown(part['ndcg10_gap'])} ({part['participants']} participants)")
    print(f"headline (bias on, mitigated): exposure ratio {shown(summary['exposure_ratio'])}, "
          f"NDCG@10 gap {shown(summary['ndcg10_gap'])}, NDCG@10 cost of re-ranking "
          f"{shown(summary['ndcg10_cost_of_mitigation'])}; wrote {args.output}")


if __name__ == "__main__":
    main()
