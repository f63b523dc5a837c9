"""The occupation taxonomy: JobTech occupation names under SSYK 2012, joined to ESCO via ISCO-08.

One :class:`Taxonomy` answers three questions for the rest of Platsa:

* *what is this title?* — :meth:`Taxonomy.search` maps free text to occupation names;
* *can a holder of X do Y?* — :meth:`Taxonomy.transfer_level` (JobTech's published
  substitutability) and :meth:`Taxonomy.relatedness` (a combined score that also covers the
  many occupations without published edges);
* *what does X involve?* — ESCO skills and English labels reached through ISCO-08.

The raw facts live in a :class:`TaxonomyData` value (what loaders produce and the bundle
stores); the derived indexes (title index, relatedness matrix) are built lazily and cached
because the ranking features and the data generator query them millions of times.
"""

from __future__ import annotations

import copy
import gzip
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy import sparse

from matcher.taxonomy import search as title_search
from matcher.taxonomy import transfer
from matcher.taxonomy.files import staged_file
from matcher.taxonomy.prior import prior_shares, standardised_log

log = logging.getLogger(__name__)

BUNDLE_FORMAT = "platsa-taxonomy"
BUNDLE_VERSION = 1
SSYK_LEVEL_LENGTHS = (1, 2, 3, 4)
_BLOCKS_PER_PICK = 4
""":func:`_top_rows` cuts a row into about this many blocks per answer asked for."""


class EmptySearchText(ValueError):
    """A search text with nothing to search on (empty, or only whitespace or separators)."""


class UnknownOccupationError(KeyError):
    """An occupation-name id the taxonomy does not hold."""

    def __init__(self, occupation_id: str) -> None:
        super().__init__(occupation_id)
        self.occupation_id = occupation_id

    def __str__(self) -> str:
        return f"unknown occupation id {self.occupation_id!r}"


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Occupation:
    """A JobTech occupation name (yrkesbenämning) and where it sits in SSYK 2012."""

    id: str
    label: str
    ssyk4: str
    isco4: tuple[str, ...] = ()
    alt_labels: tuple[str, ...] = ()
    no_education_required: bool = False

    def __post_init__(self) -> None:
        if not self.id or not self.label:
            raise ValueError(f"occupation {self.id!r} needs an id and a label")
        if len(self.ssyk4) != 4 or not self.ssyk4.isdigit():
            raise ValueError(f"occupation {self.id!r} has SSYK code {self.ssyk4!r}, not 4 digits")


@dataclass(frozen=True)
class OccupationHit:
    """One ranked answer of :meth:`Taxonomy.search` or :meth:`Taxonomy.related`."""

    occupation_name_id: str
    label: str
    ssyk4: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (the CLI and API print this)."""
        return asdict(self)


@dataclass(frozen=True)
class Substitution:
    """A JobTech substitutability row, in JobTech's own direction.

    ``Substitution(A, B, p)`` reads "occupation A can be substituted by occupation B": someone
    who holds B is a ``p``-% fit for A. A person holding X may therefore move into every A
    with a row ``(A, X, p)``.
    """

    occupation_id: str
    substituted_by_id: str
    percentage: int

    def __post_init__(self) -> None:
        if not 0 < self.percentage <= 100:
            raise ValueError(
                f"substitutability {self.occupation_id!r}←{self.substituted_by_id!r} has "
                f"percentage {self.percentage!r}, not in 1–100"
            )


@dataclass(frozen=True)
class EscoOccupation:
    """An ESCO occupation: English labels and skills, reached from SSYK through its ISCO group."""

    uri: str
    isco4: str
    label: str
    alt_labels: tuple[str, ...] = ()
    essential_skills: tuple[str, ...] = ()
    optional_skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class Language:
    """A JobTech language concept (participants' mother tongues, openings' requirements)."""

    id: str
    label: str
    iso_639_1: str | None = None
    iso_639_2: str | None = None
    iso_639_3: str | None = None


@dataclass(frozen=True)
class TaxonomyData:
    """The raw facts of a taxonomy, as loaders produce them and the bundle stores them."""

    occupations: tuple[Occupation, ...]
    ssyk_labels: Mapping[str, str]
    substitutions: tuple[Substitution, ...] = ()
    ssyk_definitions: Mapping[str, str] = field(default_factory=dict)
    isco_labels: Mapping[str, str] = field(default_factory=dict)
    esco_occupations: tuple[EscoOccupation, ...] = ()
    esco_skills: Mapping[str, str] = field(default_factory=dict)
    skills: Mapping[str, str] = field(default_factory=dict)
    languages: tuple[Language, ...] = ()
    source: str = ""
    employment: Mapping[str, int] = field(default_factory=dict)
    """Employees per SSYK4 (SCB), for the prior of how common an occupation is."""
    openings: Mapping[str, int] = field(default_factory=dict)
    """Openings per occupation id, where known; they sharpen the prior name by name."""
    vocabulary: tuple[str, ...] = ()
    """Further correctly spelled title words (e.g. a vocation list) that search never
    corrects and splits compounds by."""
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """JobTech search keywords per occupation id (training pairs for the encoder)."""

    def to_payload(self) -> dict[str, Any]:
        """The JSON document of a bundle; ESCO skills are numbered to keep it small."""
        skill_ids = sorted(self.esco_skills)
        number = {skill: i for i, skill in enumerate(skill_ids)}
        return {
            "format": BUNDLE_FORMAT,
            "version": BUNDLE_VERSION,
            "source": self.source,
            "ssyk_labels": dict(self.ssyk_labels),
            "ssyk_definitions": dict(self.ssyk_definitions),
            "isco_labels": dict(self.isco_labels),
            "occupations": [asdict(o) for o in self.occupations],
            "substitutions": [
                [s.occupation_id, s.substituted_by_id, s.percentage] for s in self.substitutions
            ],
            "esco_skills": [[skill, self.esco_skills[skill]] for skill in skill_ids],
            "esco_occupations": [
                {
                    **asdict(e),
                    "essential_skills": [number[s] for s in e.essential_skills],
                    "optional_skills": [number[s] for s in e.optional_skills],
                }
                for e in self.esco_occupations
            ],
            "skills": dict(self.skills),
            "languages": [asdict(language) for language in self.languages],
            "employment": dict(self.employment),
            "openings": dict(self.openings),
            "vocabulary": list(self.vocabulary),
            "keywords": {k: list(v) for k, v in self.keywords.items()},
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> TaxonomyData:
        """Read :meth:`to_payload`'s document back; rejects other formats and versions."""
        if payload.get("format") != BUNDLE_FORMAT:
            raise ValueError(f"not a taxonomy bundle: format is {payload.get('format')!r}")
        if payload.get("version") != BUNDLE_VERSION:
            raise ValueError(
                f"taxonomy bundle version {payload.get('version')!r} is not supported "
                f"(expected {BUNDLE_VERSION}); re-run `platsa taxonomy import`"
            )
        skill_ids = [skill for skill, _ in payload["esco_skills"]]
        return cls(
            occupations=tuple(_occupation(o) for o in payload["occupations"]),
            ssyk_labels=payload["ssyk_labels"],
            substitutions=tuple(Substitution(a, b, int(p)) for a, b, p in payload["substitutions"]),
            ssyk_definitions=payload["ssyk_definitions"],
            isco_labels=payload["isco_labels"],
            esco_occupations=tuple(
                _esco_occupation(e, skill_ids) for e in payload["esco_occupations"]
            ),
            esco_skills=dict(payload["esco_skills"]),
            skills=payload["skills"],
            languages=tuple(Language(**language) for language in payload["languages"]),
            source=payload["source"],
            # bundles written before the prior and vocabulary existed have neither
            employment={k: int(v) for k, v in payload.get("employment", {}).items()},
            openings={k: int(v) for k, v in payload.get("openings", {}).items()},
            vocabulary=tuple(payload.get("vocabulary", ())),
            keywords={k: tuple(v) for k, v in payload.get("keywords", {}).items()},
        )


def _occupation(row: Mapping[str, Any]) -> Occupation:
    return Occupation(
        id=row["id"],
        label=row["label"],
        ssyk4=row["ssyk4"],
        isco4=tuple(row["isco4"]),
        alt_labels=tuple(row["alt_labels"]),
        no_education_required=bool(row["no_education_required"]),
    )


def _esco_occupation(row: Mapping[str, Any], skill_ids: Sequence[str]) -> EscoOccupation:
    return EscoOccupation(
        uri=row["uri"],
        isco4=row["isco4"],
        label=row["label"],
        alt_labels=tuple(row["alt_labels"]),
        essential_skills=tuple(skill_ids[i] for i in row["essential_skills"]),
        optional_skills=tuple(skill_ids[i] for i in row["optional_skills"]),
    )


# --------------------------------------------------------------------------- taxonomy


class Taxonomy:
    """Occupation names with their SSYK/ISCO place, substitutability, ESCO skills and labels.

    Treat it as immutable: derived indexes are cached on first use. Positions
    (:meth:`index_of`) follow the order of ``data.occupations`` and index every matrix.
    """

    def __init__(self, data: TaxonomyData) -> None:
        self.data = data
        self._index: dict[str, int] = {}
        for position, occupation in enumerate(data.occupations):
            if occupation.id in self._index:
                raise ValueError(f"occupation id {occupation.id!r} appears twice")
            self._index[occupation.id] = position
        self._check_codes()
        self._search_weights = title_search.SearchWeights()
        self._moves: dict[str, dict[str, int]] = {}
        for row in data.substitutions:
            for occupation_id in (row.occupation_id, row.substituted_by_id):
                if occupation_id not in self._index:
                    raise ValueError(
                        f"substitutability row {row.occupation_id!r}←{row.substituted_by_id!r} "
                        f"names unknown occupation id {occupation_id!r}"
                    )
            self._moves.setdefault(row.substituted_by_id, {})[row.occupation_id] = row.percentage

    def _check_codes(self) -> None:
        """Every occupation's SSYK4 and its parents need a label (search and `info` show them)."""
        for occupation in self.data.occupations:
            for length in SSYK_LEVEL_LENGTHS:
                code = occupation.ssyk4[:length]
                if code not in self.data.ssyk_labels:
                    raise ValueError(
                        f"occupation {occupation.id!r} is under SSYK {code!r}, "
                        "which has no label in the taxonomy"
                    )

    # ----------------------------------------------------------------- look-ups

    def __len__(self) -> int:
        return len(self.data.occupations)

    def __contains__(self, occupation_id: object) -> bool:
        return occupation_id in self._index

    @property
    def source(self) -> str:
        """Where the data came from (``demo`` or the imported folders)."""
        return self.data.source

    @cached_property
    def occupations(self) -> Mapping[str, Occupation]:
        """Occupation id → record, in position order (read-only)."""
        return MappingProxyType({o.id: o for o in self.data.occupations})

    @cached_property
    def occupation_ids(self) -> tuple[str, ...]:
        """Occupation-name ids in position order (the row/column order of every matrix)."""
        return tuple(o.id for o in self.data.occupations)

    def index_of(self, occupation_id: str) -> int:
        """Position of an occupation in every matrix of this taxonomy."""
        try:
            return self._index[occupation_id]
        except KeyError:
            raise UnknownOccupationError(occupation_id) from None

    def occupation(self, occupation_id: str) -> Occupation:
        """The occupation record for an id."""
        return self.data.occupations[self.index_of(occupation_id)]

    def ssyk_label(self, code: str) -> str:
        """Swedish label of an SSYK 2012 code at level 1–4."""
        try:
            return self.data.ssyk_labels[code]
        except KeyError:
            raise LookupError(f"unknown SSYK code {code!r}") from None

    def other_names(self, occupation_id: str) -> tuple[str, ...]:
        """The occupation's alt labels (mostly English), then ESCO's English names for its
        ISCO groups: text the English-only embedding model understands."""
        occupation = self.occupation(occupation_id)
        esco = tuple(
            e.label for isco in occupation.isco4 for e in self._esco_by_isco.get(isco, ())
        )
        return tuple(dict.fromkeys(occupation.alt_labels + esco))

    def text_of(self, occupation_id: str) -> str:
        """One descriptive line for embedding models: label, SSYK4 group and other names."""
        occupation = self.occupation(occupation_id)
        parts = [occupation.label, self.ssyk_label(occupation.ssyk4)]
        parts.extend(self.other_names(occupation_id)[:5])
        return "; ".join(parts)

    def hit(self, occupation_id: str, score: float) -> OccupationHit:
        """An :class:`OccupationHit` for an id; the score is clipped into [0, 1] and rounded
        to 6 decimals (float32 noise would otherwise turn an exact match into 0.9999998)."""
        return self._hit_at(self.index_of(occupation_id), score)

    def _hit_at(self, position: int, score: float) -> OccupationHit:
        occupation = self.data.occupations[position]
        clipped = round(min(max(float(score), 0.0), 1.0), 6)
        return OccupationHit(occupation.id, occupation.label, occupation.ssyk4, clipped)

    def summary(self) -> dict[str, Any]:
        """Counts of everything held, for ``platsa taxonomy info``."""
        levels = {f"ssyk_level_{n}": 0 for n in SSYK_LEVEL_LENGTHS}
        for code in self.data.ssyk_labels:
            levels[f"ssyk_level_{len(code)}"] += 1
        return {
            "source": self.source,
            "occupations": len(self),
            **levels,
            "substitutions": len(self.data.substitutions),
            "occupations_with_substitutions": len(self._occupations_with_edges),
            "no_education_required": sum(o.no_education_required for o in self.data.occupations),
            "isco_groups": len(self.data.isco_labels),
            "esco_occupations": len(self.data.esco_occupations),
            "esco_skills": len(self.data.esco_skills),
            "skills": len(self.data.skills),
            "languages": len(self.data.languages),
            "ssyk4_with_employment": len(self.data.employment),
            "occupations_with_openings": len(self.data.openings),
            "vocabulary_words": len(self.data.vocabulary),
            "occupations_with_keywords": len(self.data.keywords),
        }

    @cached_property
    def _occupations_with_edges(self) -> frozenset[str]:
        return frozenset(
            i for s in self.data.substitutions for i in (s.occupation_id, s.substituted_by_id)
        )

    @cached_property
    def _esco_by_isco(self) -> dict[str, tuple[EscoOccupation, ...]]:
        groups: dict[str, list[EscoOccupation]] = {}
        for esco in self.data.esco_occupations:
            groups.setdefault(esco.isco4, []).append(esco)
        return {isco: tuple(members) for isco, members in groups.items()}

    # ----------------------------------------------------------------- transfer

    def transfer_level(self, from_id: str, to_id: str) -> int:
        """JobTech substitutability (75, 25; 0 when none) for a holder of ``from_id`` into ``to_id``.

        Uses the row ``(to_id, substituted_by=from_id)``: JobTech lists, per occupation, who
        can substitute for it.
        """
        self.index_of(to_id)
        return self._moves.get(self._known(from_id), {}).get(to_id, 0)

    def _known(self, occupation_id: str) -> str:
        self.index_of(occupation_id)
        return occupation_id

    def skills_of(self, occupation_id: str) -> frozenset[str]:
        """ESCO skill URIs (essential and optional) of the ESCO occupations in its ISCO groups."""
        return frozenset(
            skill
            for isco in self.occupation(occupation_id).isco4
            for esco in self._esco_by_isco.get(isco, ())
            for skill in esco.essential_skills + esco.optional_skills
        )

    def skill_overlap(self, a: str, b: str) -> float:
        """Jaccard overlap of two occupations' ESCO skill sets (0 when either is unknown)."""
        return float(self.skill_overlap_matrix[self.index_of(a), self.index_of(b)])

    def relatedness(self, a: str, b: str) -> float:
        """Combined transfer score in [0, 1] for a holder of ``a`` moving into ``b`` (1 if a = b)."""
        return float(self.relatedness_row(a)[self.index_of(b)])

    def relatedness_row(self, from_id: str) -> np.ndarray:
        """Relatedness from one occupation to every position, without building the full matrix."""
        position = self.index_of(from_id)
        if "relatedness_matrix" in self.__dict__:
            return self.relatedness_matrix[position]
        return self._transfer_model.rows(np.array([position]), self._move_matrix)[0]

    @cached_property
    def relatedness_matrix(self) -> np.ndarray:
        """Dense float32 (n, n) relatedness, ``[from, to]``; built once, a few seconds at most."""
        log.info("building the %d×%d occupation relatedness matrix", len(self), len(self))
        return self._transfer_model.rows(np.arange(len(self)), self._move_matrix)

    @cached_property
    def transfer_matrix(self) -> np.ndarray:
        """Dense float32 (n, n) substitutability / 100, ``[from, to]`` (0 where none)."""
        return self._move_matrix.toarray().astype(np.float32)

    @cached_property
    def skill_overlap_matrix(self) -> np.ndarray:
        """Dense float32 (n, n) Jaccard overlap of ESCO skill sets."""
        return self._transfer_model.skill_jaccard

    @cached_property
    def _move_matrix(self) -> sparse.csr_matrix:
        """Sparse (n, n) ``[from, to]`` = percentage / 100 of the substitutability rows."""
        rows = [self._index[s.substituted_by_id] for s in self.data.substitutions]
        cols = [self._index[s.occupation_id] for s in self.data.substitutions]
        values = [s.percentage / 100.0 for s in self.data.substitutions]
        return sparse.csr_matrix(
            (np.asarray(values, dtype=np.float32), (rows, cols)), shape=(len(self), len(self))
        )

    @cached_property
    def _transfer_model(self) -> transfer.TransferModel:
        """The edge-independent part of relatedness (hierarchy, ISCO, skills, texts, how
        common each occupation is) and the learned weights that combine it with the edges."""
        return self.transfer_model()

    def transfer_model(
        self, vectors: np.ndarray | None = None, weights: transfer.TransferWeights | None = None
    ) -> transfer.TransferModel:
        """A transfer model of this taxonomy, optionally with sentence embeddings of
        :meth:`text_of` (one row per position) and other weights (for fitting and evaluating)."""
        occupations = self.data.occupations
        return transfer.TransferModel(
            ssyk4=[o.ssyk4 for o in occupations],
            isco=[o.isco4 for o in occupations],
            skills=[self.skills_of(o.id) for o in occupations],
            labels=[o.label for o in occupations],
            group_texts=[self.data.ssyk_definitions.get(o.ssyk4, "") for o in occupations],
            popularity=standardised_log(self.prior, len(self)),
            vectors=vectors,
            weights=weights,
        )

    def with_transfer_model(self, model: transfer.TransferModel) -> Taxonomy:
        """The same taxonomy relating occupations with ``model`` (see :meth:`transfer_model`)."""
        clone = copy.copy(self)
        for name in _EDGE_CACHES:
            clone.__dict__.pop(name, None)
        clone.__dict__["_transfer_model"] = model
        return clone

    @property
    def move_matrix(self) -> sparse.csr_matrix:
        """Sparse (n, n) ``[from, to]`` = substitutability / 100 (what :mod:`transfer` reads)."""
        return self._move_matrix

    def related(self, occupation_id: str, k: int = 10) -> list[OccupationHit]:
        """The ``k`` occupations a holder of ``occupation_id`` moves into most easily."""
        _check_k(k)
        row = self.relatedness_row(occupation_id).copy()
        row[self.index_of(occupation_id)] = -np.inf
        return [self.hit(self.occupation_ids[i], row[i]) for i in _top(row, min(k, len(self) - 1))]

    def without_edges(self, occupation_ids: Iterable[str]) -> Taxonomy:
        """The same taxonomy minus every substitutability row touching ``occupation_ids``.

        For honest evaluation (the answer must not leak) and the "no edges" ablation. The
        edge-independent caches are shared, so this is cheap even on the full taxonomy.
        """
        drop = {self._known(i) for i in occupation_ids}
        kept = tuple(
            s
            for s in self.data.substitutions
            if s.occupation_id not in drop and s.substituted_by_id not in drop
        )
        clone = copy.copy(self)
        clone.data = replace(self.data, substitutions=kept)
        clone._moves = {
            holder: {a: p for a, p in moves.items() if a not in drop}
            for holder, moves in self._moves.items()
            if holder not in drop
        }
        for name in _EDGE_CACHES:
            clone.__dict__.pop(name, None)
        clone.__dict__["_transfer_model"] = self._transfer_model  # built once, shared
        return clone

    # ----------------------------------------------------------------- search

    def search(self, text: str, k: int = 10) -> list[OccupationHit]:
        """The ``k`` occupation names best matching a free-text title, scores in [0, 1]."""
        if not text or not text.strip():
            raise EmptySearchText(f"search text {text!r} is empty once whitespace is removed")
        return self.search_many([text], k)[0]

    def search_many(self, texts: Sequence[str], k: int = 10) -> list[list[OccupationHit]]:
        """:meth:`search` for a batch of titles (vectorised; empty titles get no hits)."""
        _check_k(k)
        scores = self.title_index.scores(list(texts))
        tops = _top_rows(scores, k)
        # plain ints and floats: per-element numpy scalars cost more than the search itself
        values = np.take_along_axis(scores, tops, axis=1).tolist()
        found = [[self._hit_at(i, v) for i, v in zip(top, row, strict=True)]
                 for top, row in zip(tops.tolist(), values, strict=True)]
        return [[hit for hit in hits if hit.score > 0] for hits in found]

    def explain_search(self, text: str) -> title_search.SearchExplanation | None:
        """Why :meth:`search` puts its first answer first: the title read, the names that
        matched, the spelling correction used and the prior (None when nothing matches)."""
        if not text or not text.strip():
            raise EmptySearchText(f"search text {text!r} is empty once whitespace is removed")
        explanation = self.title_index.explain(text)
        if explanation is None:
            return None
        occupation = self.data.occupations[explanation.occupation]
        return replace(
            explanation,
            employed=self.data.employment.get(occupation.ssyk4),
            openings=self.data.openings.get(occupation.id),
        )

    @cached_property
    def prior(self) -> np.ndarray | None:
        """Prior share per position of how common each occupation is (SCB employment by
        SSYK4, sharpened by openings); None when the taxonomy carries neither."""
        occupations = self.data.occupations
        return prior_shares(
            [o.id for o in occupations], [o.ssyk4 for o in occupations],
            self.data.employment, self.data.openings,
        )

    def with_search_weights(self, weights: title_search.SearchWeights) -> Taxonomy:
        """The same taxonomy searching with other weights (for fitting and evaluating them);
        the name index is rebuilt, everything else is shared."""
        clone = copy.copy(self)
        clone.__dict__.pop("title_index", None)
        clone._search_weights = weights
        return clone

    @cached_property
    def title_index(self) -> title_search.TitleIndex:
        """The title search index (built on first use, a few seconds on the full taxonomy)."""
        members: dict[tuple[str, str], list[int]] = {}
        for position, occupation in enumerate(self.data.occupations):
            members.setdefault(("ssyk", occupation.ssyk4), []).append(position)
            for isco in occupation.isco4:
                members.setdefault(("isco", isco), []).append(position)
        groups = [
            title_search.NameGroup(names, tuple(positions), alternative)
            for (kind, code), positions in members.items()
            for names, alternative in self._group_names(kind, code)
        ]
        groups += [
            title_search.NameGroup(
                (e.label, *e.alt_labels), tuple(members[("isco", e.isco4)]), anchor=e.label
            )
            for e in self.data.esco_occupations
            if ("isco", e.isco4) in members
        ]
        return title_search.TitleIndex(
            own=[_own_names(o) for o in self.data.occupations],
            groups=groups,
            weights=self._search_weights,
            prior=self.prior,
            known_words=self.data.vocabulary,
        )

    def _group_names(self, kind: str, code: str) -> list[tuple[tuple[str, ...], bool]]:
        """Names of an SSYK4 group (its label), or of an ISCO group: the Swedish label and
        ESCO's preferred English labels, then ESCO's alt labels as weaker evidence (ESCO
        lists "carpenter" as an alt label of "set builder", but prefers it for carpenters)."""
        if kind == "ssyk":
            return [((self.data.ssyk_labels[code],), False)]
        esco = self._esco_by_isco.get(code, ())
        swedish = (self.data.isco_labels[code],) if code in self.data.isco_labels else ()
        preferred = swedish + tuple(e.label for e in esco)
        alternative = tuple(label for e in esco for label in e.alt_labels)
        return [(preferred, False), (alternative, True)]

    # ----------------------------------------------------------------- bundle

    def save(self, path: Path) -> Path:
        """Write a gzip JSON bundle atomically (temp file + rename), so readers never see half."""
        path = Path(path)
        text = json.dumps(self.data.to_payload(), ensure_ascii=False, separators=(",", ":"))
        with staged_file(path) as temp, gzip.GzipFile(temp, mode="wb", mtime=0) as gz:
            gz.write(text.encode("utf-8"))
        return path

    @classmethod
    def load(cls, path: Path) -> Taxonomy:
        """Read a bundle written by :meth:`save`."""
        path = Path(path)
        try:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                payload = json.load(handle)
        except (gzip.BadGzipFile, json.JSONDecodeError, EOFError) as exc:
            raise ValueError(f"{path}: not a readable taxonomy bundle ({exc})") from exc
        try:
            return cls(TaxonomyData.from_payload(payload))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{path}: taxonomy bundle is missing or mangles {exc}") from exc


_EDGE_CACHES = ("relatedness_matrix", "transfer_matrix", "_move_matrix", "_occupations_with_edges")
"""Cached attributes that depend on substitutability rows (dropped by ``without_edges``)."""


def _own_names(occupation: Occupation) -> tuple[str, ...]:
    """An occupation's names for search: its label, each name of a label that lists several
    ("Träarbetare/Snickare" is also plain "Snickare"), and its alt labels."""
    parts = tuple(p.strip() for p in occupation.label.split("/")) if "/" in occupation.label else ()
    return tuple(dict.fromkeys((occupation.label, *parts, *occupation.alt_labels)))


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")


def _top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """:func:`_top` of every row of a (rows, n) matrix at once (ties by position).

    Each row is cut into at least ``k`` blocks; ``k`` distinct blocks hold an entry as large
    as the ``k``-th largest block maximum, so only entries that large can be in the top
    ``k``. They are few, and sorting them beats partitioning every row (a title search
    scores thousands of occupations)."""
    rows, n = scores.shape
    k = min(k, n)
    if k <= 0 or rows == 0:
        return np.zeros((rows, max(k, 0)), dtype=np.int64)
    width = max(1, n // (_BLOCKS_PER_PICK * k))
    blocks = n // width
    maxima = scores[:, : blocks * width].reshape(rows, blocks, width).max(axis=2)
    bound = np.partition(maxima, blocks - k, axis=1)[:, blocks - k]
    row, column = np.nonzero(scores >= bound[:, None])
    order = np.lexsort((column, -scores[row, column], row))
    row, column = row[order], column[order]
    rank = np.arange(len(row)) - np.searchsorted(row, row)
    return column[rank < k].reshape(rows, k).astype(np.int64)


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest scores, best first (ties by position, for stable output)."""
    k = min(k, scores.shape[0])
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    candidates = np.argpartition(-scores, k - 1)[:k]
    return candidates[np.lexsort((candidates, -scores[candidates]))]
