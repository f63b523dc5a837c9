"""Ranking quality on the generator's scenario: the trained ranker beside baselines and the oracle.

Protocol (one run, one seed):

1. Generate a programme (demo taxonomy, historical gender bias on) with its hidden ground truth.
2. Split placement history by time; fit the LightGBM ranker on the older part through the same
   feature code serving uses (employer success rates from the training part only): the default
   binary objective on followed-up placements, and lambdarank on graded labels beside it.
3. For validation participants in the generator's oracle sample, rank their oracle candidate
   openings (random openings plus their own history) after the hard constraints, with every
   method, and score each ranking by NDCG@10 whose gains are the **true** success
   probabilities (so the oracle's own ranking scores 1.0 by construction).
4. ``oracle_noise_free`` ranks by the truth without its per-pair noise: the ceiling of any
   model of observable fit, since the noise is a private draw per pair nobody observes.
5. **Reciprocal** (the opt-in ``reciprocal=True`` of ``models.acceptance``): the acceptance
   model is fitted on the same split (employers' answers: offered or later = yes, declined
   ``employer_declined``/``language`` = no) and its AUC measured on the later answers, beside
   the AUC the generator's own employer hazards reach on them. For the same evaluated
   participants, fit-only (the binary ranker) and reciprocal (its P(work) × P(accept)) lists
   are compared by the generator's **true** probability that the employer says yes, averaged
   over the top 10, by NDCG@10 against the success oracle (the price), and by the expected
   number of placements that go ahead *and* work, P(accept) × P(success), in the top 10.
6. **People with and without a prior trade** (issue #19) are reported apart: each method's
   NDCG@10 over each group, the ranker's with a 95 % bootstrap interval (participants
   resampled) and its ratios to the oracle and the rule.

Run: ``.venv/bin/python benchmarks/quality.py [--participants N --openings M --seed S]
[--encoder onnx|torch | --no-embeddings] [--paired-with EARLIER.json]``; the sentence encoder
is the int8 ONNX export serving runs, ``--encoder torch`` MiniLM on torch (to compare the two);
``--paired-with`` compares per participant with an earlier run of the same size and seed.
Writes ``benchmarks/results/quality.json`` (``--output`` elsewhere, e.g. for a trial run).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.feature_extraction.text import TfidfVectorizer

# Run as a script, this folder comes first on sys.path, and its training.py would shadow
# the ``training`` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from matcher.columns import ParticipantRow  # noqa: E402
from matcher.constraints import ConstraintContext, feasible  # noqa: E402
from matcher.domain import Participant  # noqa: E402
from matcher.employers import LABEL, employer_answers, employer_stats  # noqa: E402
from matcher.evaluation import evaluate_rankings  # noqa: E402
from matcher.features import FEATURE_INDEX, FEATURES  # noqa: E402
from matcher.records import participants_by_id  # noqa: E402
from models.acceptance import employer_acceptance, reciprocal_scores  # noqa: E402
from models.encoding import opening_text  # noqa: E402
from models.ranking import OBJECTIVES, BoostedRanker, default_rule  # noqa: E402
from models.text import TextEncoders  # noqa: E402
from platsa import assembly  # noqa: E402
from platsa.settings import get_settings  # noqa: E402
from synth import GeneratorConfig, generate  # noqa: E402
from synth.history import employer_yes_probability  # noqa: E402
from training.acceptance import learn_acceptance, split_answers  # noqa: E402
from training.dataset import build_pairs, time_split  # noqa: E402

log = logging.getLogger("benchmarks.quality")
RESULTS = Path(__file__).parent / "results" / "quality.json"
K = 10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=30000)
    parser.add_argument("--openings", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--min-candidates", type=int, default=20)
    parser.add_argument("--no-embeddings", action="store_true",
                        help="skip the sentence encoder (faster, drops one baseline)")
    parser.add_argument("--encoder", choices=("onnx", "torch"), default="onnx",
                        help="the sentence encoder: the int8 ONNX export serving runs (default), "
                        "or MiniLM on torch, for comparison")
    parser.add_argument("--paired-with", type=Path, metavar="JSON",
                        help="an earlier run of the same size and seed (e.g. with another "
                        "PLATSA_EMBEDDING_MODEL): report NDCG@10 differences per participant")
    parser.add_argument("--output", type=Path, default=RESULTS,
                        help="where to write the JSON (a trial run need not replace the results)")
    return parser.parse_args()


def sentence_encoder(kind: str):
    """The sentence encoder, its vectors cached under var/cache: the local ONNX export (made
    first if missing, as training does) or MiniLM on torch."""
    from models.encoding import CachedEncoder, SentenceTransformerEncoder
    from models.export import ensure_local_export
    from models.onnx_encoder import OnnxEncoder

    settings = get_settings()  # both follow PLATSA_EMBEDDING_MODEL (e.g. a tuned encoder)
    inner = (OnnxEncoder(ensure_local_export(settings)) if kind == "onnx"
             else SentenceTransformerEncoder(settings.encoder.embedding_model))
    return CachedEncoder(inner, Path("var/cache/embeddings"))


def build_matcher(programme, train: pd.DataFrame, use_embeddings: bool, encoder_kind: str = "onnx"):
    """A recommender over every generated opening, employer rates from training history only."""
    from models.encoding import HashingCharEncoder

    encoder = sentence_encoder(encoder_kind) if use_embeddings else None
    openings = programme.frame("openings")
    stats = employer_stats(train, openings)
    matcher = assembly.recommender(assembly.load_taxonomy(get_settings()),
                                   TextEncoders(text=encoder, char=HashingCharEncoder()))
    return matcher.indexed(openings, employer_rates=stats.rates(),
                           today=programme.config.reference_date), stats


def fit_rankers(matcher, participants, train, valid, stats, seed: int
                ) -> tuple[dict[str, BoostedRanker], float]:
    """Both objectives on the same pairs: binary (the default) and lambdarank, for comparison."""
    start = time.perf_counter()
    train_pairs = build_pairs(matcher, participants, train, stats=stats)
    valid_pairs = build_pairs(matcher, participants, valid, stats=stats)
    rankers = {}
    for objective in OBJECTIVES:
        ranker = BoostedRanker(objective=objective, random_state=seed)
        t, v = train_pairs.for_ranker(ranker), valid_pairs.for_ranker(ranker)
        rankers[objective] = ranker.fit(t.X, t.y, t.group, feature_names=list(FEATURES),
                                        eval_set=(v.X, v.y, v.group))
    return rankers, time.perf_counter() - start


def generator_rows(programme, pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The generator's participant and opening array rows of each pair."""
    row_p = {pid: i for i, pid in enumerate(programme.frame("participants")["id"])}
    row_o = {oid: i for i, oid in enumerate(programme.frame("openings")["id"])}
    return (pairs["participant_id"].map(row_p).to_numpy(np.int64),
            pairs["opening_id"].map(row_o).to_numpy(np.int64))


def noise_free_truth(programme, pairs: pd.DataFrame) -> np.ndarray:
    """The generator's success probability without its per-pair noise: the best any model of
    observable fit could rank by (the noise is a fixed random draw per pair, seen by nobody)."""
    truth = programme.truth
    quiet = dataclasses.replace(truth, weights=dataclasses.replace(truth.weights, noise=0.0))
    return quiet.probability(programme.participants, programme.openings,
                             *generator_rows(programme, pairs))


def true_acceptance(programme, pairs: pd.DataFrame) -> np.ndarray:
    """The generator's true probability that the employer says yes to each pair (its
    employer decline hazards, :func:`synth.history.employer_yes_probability`)."""
    fit = programme.truth.fit(programme.participants, programme.openings,
                              *generator_rows(programme, pairs))
    return employer_yes_probability(fit)


def evaluation_pairs(matcher, participants, oracle: pd.DataFrame, valid_ids: set[str],
                     min_candidates: int) -> pd.DataFrame:
    """Oracle candidates of validation participants that pass the hard constraints.

    Every opening is treated as open here: the question is how well each method orders the
    openings a participant could take, not which happened to be free on the reference day.
    """
    catalogue = matcher.require_index()
    columns = dataclasses.replace(catalogue.columns, is_open=np.ones(len(catalogue.columns), bool),
                                  places_left=np.ones(len(catalogue.columns), np.int32),
                                  end_day=np.full(len(catalogue.columns), 10**6, np.int32))
    frames = []
    for pid, block in oracle[oracle["participant_id"].isin(valid_ids)].groupby("participant_id"):
        block = block.drop_duplicates("opening_id")
        rows = np.array([catalogue.row_of[o] for o in block["opening_id"]])
        ok = feasible(ParticipantRow.from_record(participants[pid]), columns.take(rows),
                      ConstraintContext())
        if ok.sum() >= min_candidates:
            frames.append(block[ok])
    if not frames:
        raise SystemExit("no validation participant has enough feasible oracle candidates")
    return pd.concat(frames, ignore_index=True)


def pair_matrix(matcher, participants, pairs: pd.DataFrame) -> np.ndarray:
    """Feature rows of the evaluation pairs, in ``pairs``' row order (participants contiguous)."""
    return np.vstack([matcher.pair_features(participants[pid], list(block["opening_id"]))
                      for pid, block in pairs.groupby("participant_id", sort=False)])


def method_scores(matcher, participants, pairs: pd.DataFrame, X: np.ndarray,
                  rankers: dict[str, BoostedRanker], popularity: pd.Series,
                  seed: int) -> dict[str, np.ndarray]:
    """Every method's score for every evaluation pair (same row order as ``pairs`` and ``X``)."""
    texts_p = [matcher.participant_text(participants[p]) for p in pairs["participant_id"]]
    catalogue = matcher.require_index()
    label = matcher.occupations.label
    texts_o = [opening_text(catalogue.titles[catalogue.row_of[o]],
                            label(int(catalogue.positions[catalogue.row_of[o]])), "")
               for o in pairs["opening_id"]]
    tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit(texts_p + texts_o)
    tp, to = tfidf.transform(texts_p), tfidf.transform(texts_o)
    rng = np.random.default_rng(seed)
    scores = {
        "oracle": pairs["p_success"].to_numpy(float),
        "lightgbm": rankers[OBJECTIVES[0]].predict(X),
        **{f"lightgbm_{o}": rankers[o].predict(X) for o in OBJECTIVES[1:]},
        "rule": default_rule().predict(X),
        "random": rng.random(len(pairs)),
        "popularity": pairs["opening_id"].map(popularity).fillna(0).to_numpy(float),
        "same_occupation": np.nan_to_num(X[:, FEATURE_INDEX["occ_exact"]])
        + 0.5 * np.nan_to_num(X[:, FEATURE_INDEX["occ_same_ssyk4"]]),
        "tfidf": np.asarray(tp.multiply(to).sum(axis=1)).ravel(),
    }
    embedding = X[:, FEATURE_INDEX["text_embedding_sim"]]
    if not np.isnan(embedding).all():
        scores["embedding"] = np.nan_to_num(embedding, nan=-1.0)
    return scores


def mean_at_k(pairs: pd.DataFrame, score: np.ndarray, value: np.ndarray, k: int = K) -> float:
    """``value`` averaged over each participant's top ``k`` by ``score`` (ties broken by opening
    id, as ``evaluate_rankings`` breaks them), then over participants."""
    frame = pd.DataFrame({"query": pairs["participant_id"].to_numpy(), "item": pairs["opening_id"].to_numpy(),
                          "score": score, "value": value})
    frame = frame.sort_values(["query", "score", "item"], ascending=[True, False, True], kind="stable")
    return float(frame.groupby("query").head(k).groupby("query")["value"].mean().mean())


def acceptance_auc(programme, matcher, participants, placements, train, valid, stats) -> dict:
    """The acceptance model fitted on the split, its held-out AUC, and the AUC the generator's
    own hazards reach on the same later answers (the ceiling: answers are noisy)."""
    from sklearn.metrics import roc_auc_score

    fit = learn_acceptance(matcher, participants, placements, train, valid, stats, list(FEATURES))
    answers = employer_answers(placements)
    later = split_answers(answers[answers["participant_id"].isin(list(participants))], train, valid)[1]
    ceiling = (roc_auc_score(later[LABEL], true_acceptance(programme, later))
               if later[LABEL].nunique() == 2 else float("nan"))
    return {"model": fit.model, "summary": {
        "valid_auc": fit.valid_auc, "valid_auc_of_true_probability": float(ceiling),
        "n_train_answers": fit.n_train, "n_valid_answers": fit.n_valid,
        "trained": fit.model is not None, "reason": fit.reason}}


def reciprocal_report(programme, pairs: pd.DataFrame, X: np.ndarray, ranker: BoostedRanker,
                      fit_scores: np.ndarray, acceptance: dict, train: pd.DataFrame) -> dict:
    """Fit-only against reciprocal lists on the evaluated participants (see the module docstring)."""
    accept = true_acceptance(programme, pairs)
    success = pairs["p_success"].to_numpy(float)
    openings = programme.frame("openings")
    employer = openings.set_index("id")["employer_id"]
    fallback = employer_acceptance(train, openings)
    orders = {"fit_only": fit_scores,
              "reciprocal_employer_rate": reciprocal_scores(
                  ranker, fit_scores, fallback.accept_probability(
                      X, pairs["opening_id"].map(employer).to_numpy(dtype=object))),
              "oracle_reciprocal": accept * success}
    if acceptance["model"] is not None:
        orders["reciprocal"] = reciprocal_scores(ranker, fit_scores,
                                                 acceptance["model"].accept_probability(X))
    methods = {}
    for name, score in orders.items():
        ndcg = evaluate_rankings(pairs["participant_id"].to_numpy(), pairs["opening_id"].to_numpy(),
                                 score, success, k=K, threshold=0.5).mean["ndcg"]
        methods[name] = {"true_acceptance_at_10": mean_at_k(pairs, score, accept),
                         "ndcg_at_10": ndcg,
                         "expected_accepted_work_at_10": mean_at_k(pairs, score, accept * success)}
    return {"acceptance_model": acceptance["summary"], "k": K,
            "gains": "NDCG: true success probability; acceptance: the generator's employer hazards",
            "methods": methods}


def print_reciprocal(report: dict) -> None:
    model = report["acceptance_model"]
    print(f"\n{'reciprocal (top 10)':<26}{'true P(yes)':>12}{'NDCG@10':>10}{'P(yes)×P(work)':>16}")
    for name, m in report["methods"].items():
        print(f"{name:<26}{m['true_acceptance_at_10']:>12.4f}{m['ndcg_at_10']:>10.4f}"
              f"{m['expected_accepted_work_at_10']:>16.4f}")
    if model["trained"]:
        print(f"acceptance model: validation AUC {model['valid_auc']:.4f} on {model['n_valid_answers']} "
              f"later answers (the generator's own hazards: {model['valid_auc_of_true_probability']:.4f}),"
              f" trained on {model['n_train_answers']}")
    else:
        print(f"no acceptance model: {model['reason']}")


def by_prior_trades(participants: dict[str, Participant]) -> dict[str, set[str]]:
    """The participants with and without a prior trade: issue #19 reports them apart (about
    a quarter to a third have none, and their suggestions cannot rest on an earlier trade)."""
    traded = {pid for pid, person in participants.items() if person.prior_trades}
    return {"with_prior_trades": traded, "without_prior_trades": set(participants) - traded}


#: Bootstrap resamples behind every interval here.
RESAMPLES = 2000


def mean_and_interval(values: np.ndarray, seed: int) -> dict[str, Any]:
    """Mean, median and a 95 % bootstrap interval of the mean (participants resampled)."""
    summary: dict[str, Any] = {"participants": int(values.size), "mean": None, "median": None,
                               "mean_95ci": None}
    if values.size:
        summary.update(mean=float(values.mean()), median=float(np.median(values)))
    if values.size > 1 and np.ptp(values) > 0:
        interval = stats.bootstrap((values,), np.mean, n_resamples=RESAMPLES, method="percentile",
                                   random_state=seed).confidence_interval
        summary["mean_95ci"] = [float(interval.low), float(interval.high)]
    return summary


PAIRED_METHODS = ("lightgbm", "embedding")
"""Methods whose per-participant NDCG@10 a run keeps, to compare two runs participant by participant."""


def paired_differences(per_participant: dict[str, pd.Series], other: Path, seed: int) -> dict[str, Any]:
    """This run minus an earlier one, per method of :data:`PAIRED_METHODS`, over the
    participants both evaluated: mean difference and its 95 % bootstrap interval."""
    earlier = json.loads(other.read_text(encoding="utf-8"))
    if "per_participant_ndcg_at_10" not in earlier:
        raise ValueError(f"{other}: per_participant_ndcg_at_10 missing (a run before it was kept)")
    found: dict[str, Any] = {"other": str(other)}
    for method in PAIRED_METHODS:
        before = pd.Series(earlier["per_participant_ndcg_at_10"][method])
        both = per_participant[method].index.intersection(before.index)
        diff = per_participant[method][both].to_numpy(float) - before[both].to_numpy(float)
        found[method] = mean_and_interval(diff, seed)
    return found


def quality_by_prior_trades(per_participant: dict[str, pd.Series],
                            participants: dict[str, Participant], seed: int) -> dict[str, Any]:
    """NDCG@10 of every method for the evaluated people with and without a prior trade, the
    ranker's with its bootstrap interval and its ratio to the oracle and to the rule."""
    split = {}
    for group, members in by_prior_trades(participants).items():
        chosen = {m: ndcg[ndcg.index.isin(members)] for m, ndcg in per_participant.items()}
        means = {m: float(ndcg.mean()) if len(ndcg) else None for m, ndcg in chosen.items()}
        ranker, oracle, rule = means["lightgbm"], means["oracle"], means["rule"]
        split[group] = {
            "lightgbm": mean_and_interval(chosen["lightgbm"].to_numpy(float), seed),
            "methods": means,
            "lightgbm_ratio_to_oracle": ranker / oracle if ranker is not None and oracle else None,
            "lightgbm_ratio_to_rule": ranker / rule if ranker is not None and rule else None,
        }
    return split


def print_by_prior_trades(split: dict[str, Any]) -> None:
    for group, part in split.items():
        ranker = part["lightgbm"]
        if not ranker["participants"]:
            continue
        interval = ranker["mean_95ci"] or [float("nan")] * 2
        print(f"{group.replace('_', ' '):<22} lightgbm NDCG@10 {ranker['mean']:.4f} "
              f"[{interval[0]:.4f}, {interval[1]:.4f}]  ÷ oracle {part['lightgbm_ratio_to_oracle']:.3f}"
              f"  ÷ rule {part['lightgbm_ratio_to_rule']:.3f}  ({ranker['participants']} participants)")


def main() -> None:
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    started = time.perf_counter()
    taxonomy = assembly.load_taxonomy(get_settings())
    config = GeneratorConfig(participants=args.participants, openings=args.openings,
                             seed=args.seed, oracle_participants=min(args.participants // 3, 6000))
    programme = generate(config, taxonomy)
    participants = participants_by_id(programme.frame("participants"))
    placements = programme.frame("placements")
    train, valid = time_split(placements)
    matcher, stats = build_matcher(programme, train, not args.no_embeddings, args.encoder)
    rankers, fit_seconds = fit_rankers(matcher, participants, train, valid, stats, args.seed)
    matcher = matcher.with_model(rankers[OBJECTIVES[0]], matcher.model_version, None)
    pairs = evaluation_pairs(matcher, participants, programme.frame("oracle"),
                             set(valid["participant_id"]), args.min_candidates)
    popularity = train.groupby("opening_id").size()
    X = pair_matrix(matcher, participants, pairs)
    scores = method_scores(matcher, participants, pairs, X, rankers, popularity, args.seed)
    scores["oracle_noise_free"] = noise_free_truth(programme, pairs)
    results, per_participant = {}, {}
    for method, score in scores.items():
        report = evaluate_rankings(pairs["participant_id"].to_numpy(), pairs["opening_id"].to_numpy(),
                                   score, pairs["p_success"].to_numpy(float), k=K, threshold=0.5)
        ndcg = report.per_query["ndcg"]
        results[method] = {"ndcg_at_10": report.mean["ndcg"],
                           "ndcg_at_10_ci95": mean_and_interval(ndcg.to_numpy(float), args.seed)["mean_95ci"]}
        per_participant[method] = ndcg
    baselines = {m: r["ndcg_at_10"] for m, r in results.items()
                 if not m.startswith(("oracle", "lightgbm")) and m != "rule"}
    best_baseline = max(baselines, key=baselines.get)
    oracle = results["oracle"]["ndcg_at_10"]
    ranker_ndcg = results["lightgbm"]["ndcg_at_10"]
    summary = {
        "config": {"participants": args.participants, "openings": args.openings, "seed": args.seed,
                   "sentence_encoder": matcher.query.encoders.names()["text_encoder"],
                   "k": K, "gains": "true success probability (2^p - 1)",
                   "ranker": f"BoostedRanker(objective={OBJECTIVES[0]!r})"},
        "n_eval_participants": int(pairs["participant_id"].nunique()),
        "n_eval_pairs": len(pairs),
        "n_train_placements": len(train),
        "n_train_outcomes": int(train["outcome_90"].notna().sum()),
        "methods": results,
        "ndcg_at_10_ratio_to_oracle": ranker_ndcg / oracle,
        "ndcg_at_10_ratio_to_noise_free_oracle": ranker_ndcg / results["oracle_noise_free"]["ndcg_at_10"],
        "best_baseline": best_baseline,
        "ratio_to_best_baseline": ranker_ndcg / baselines[best_baseline],
        "ratio_to_rule": ranker_ndcg / results["rule"]["ndcg_at_10"],
        "by_prior_trades": quality_by_prior_trades(per_participant, participants, args.seed),
        "per_participant_ndcg_at_10": {m: per_participant[m].to_dict() for m in PAIRED_METHODS
                                       if m in per_participant},
        "fit_seconds": fit_seconds,
        "reciprocal": reciprocal_report(
            programme, pairs, X, rankers[OBJECTIVES[0]], scores["lightgbm"],
            acceptance_auc(programme, matcher, participants, placements, train, valid, stats), train),
        "total_seconds": time.perf_counter() - started,
    }
    if args.paired_with is not None:
        summary["paired_with"] = paired_differences(per_participant, args.paired_with, args.seed)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{'method':<22}{'NDCG@10':>10}{'95% interval':>18}{'÷ oracle':>10}")
    for method, result in sorted(results.items(), key=lambda kv: -kv[1]["ndcg_at_10"]):
        interval = result["ndcg_at_10_ci95"]  # none when every participant scored the same
        shown = f"{interval[0]:.4f}–{interval[1]:.4f}" if interval else "–"
        print(f"{method:<22}{result['ndcg_at_10']:>10.4f}{shown:>18}"
              f"{result['ndcg_at_10'] / oracle:>10.3f}")
    print(f"lightgbm ÷ best baseline ({best_baseline}): {summary['ratio_to_best_baseline']:.3f}"
          f"   ÷ rule: {summary['ratio_to_rule']:.3f}"
          f"   ÷ noise-free oracle: {summary['ndcg_at_10_ratio_to_noise_free_oracle']:.3f}\n"
          f"   evaluated {summary['n_eval_participants']} participants, {len(pairs)} pairs")
    print_by_prior_trades(summary["by_prior_trades"])
    print_reciprocal(summary["reciprocal"])
    for method, part in summary.get("paired_with", {}).items():
        if method != "other":
            print(f"{method}: this run − {args.paired_with}: NDCG@10 {part['mean']:+.4f}, "
                  f"95 % interval {part['mean_95ci']} over {part['participants']} participants")


if __name__ == "__main__":
    main()
