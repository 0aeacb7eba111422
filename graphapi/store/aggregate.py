"""Aggregations both stores finish in Python, so their answers agree to the last digit:
review-statistics rows, medians, top-N tallies."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

__all__ = [
    "MergeFacts",
    "hours_between",
    "median",
    "merge_columns",
    "review_stats_table",
    "top_counts",
]


def median(values: list[float]) -> float | None:
    """The median, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def hours_between(posted: str, reviewed: str | None) -> float | None:
    """Hours from posting to a review (ISO dates), never negative; None without a review."""
    if not reviewed:
        return None
    delta = datetime.fromisoformat(reviewed) - datetime.fromisoformat(posted)
    return max(delta.total_seconds() / 3600, 0.0)


MergeFacts = tuple[str | None, float | None]  # a series' mergeState and hoursToMerge
_LANDED = ("MERGED", "PARTIALLY_MERGED")


def review_stats_table(
    groups: Mapping[str, list[float | None]],
    merges: Mapping[str, list[MergeFacts]] | None = None,
) -> list[dict[str, Any]]:
    """One row per group from its series' delays to first review (None: never reviewed) and,
    in the same order, their merge facts (`graphapi.merge_graph`; absent without a tree)."""
    rows: list[dict[str, Any]] = []
    for name, delays in groups.items():
        known = [d for d in delays if d is not None]
        row = {
            "name": name,
            "seriesPosted": len(delays),
            "seriesReviewed": len(known),
            "shareReviewed": len(known) / len(delays),
            "medianHoursToFirstReview": median(known),
        }
        row.update(merge_columns((merges or {}).get(name, [])))
        rows.append(row)
    rows.sort(key=lambda r: (-r["seriesPosted"], r["name"]))
    return rows


def merge_columns(facts: list[MergeFacts]) -> dict[str, Any]:
    """Series that landed (in full or in part), their share and median hours to merge;
    None when no series of the group carries merge facts (no code tree loaded)."""
    states = [state for state, _ in facts if state]
    if not states:
        return {"seriesMerged": None, "shareMerged": None, "medianHoursToMerge": None}
    landed = sum(1 for state in states if state in _LANDED)
    hours = [h for state, h in facts if state in _LANDED and h is not None]
    return {
        "seriesMerged": landed,
        "shareMerged": landed / len(states),
        "medianHoursToMerge": median([float(h) for h in hours]),
    }


def top_counts(counts: Mapping[str, int], first: int) -> list[tuple[str, int]]:
    """The `first` largest counts, ties by name."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:first]
