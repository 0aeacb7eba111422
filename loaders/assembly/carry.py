"""Reply trailers carried to a re-rolled patch that did not change.

When a later version (even a partial resend) posts a patch unchanged (same `git patch-id`
and title), the Reviewed/Acked/Tested-by given by reply to the earlier posting still hold, as
b4 applies them. They are copied onto the later patch with source CARRIED (keeping who gave
them, in which message, and when), unless the later patch already bears that person's
trailer of that kind (the author copied it into the body). Carrying walks each lineage from
its oldest version, so a review of v1 reaches an unchanged v3 through v2.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from loaders.assembly.results import Assembly, PatchRecord, TrailerUse
from loaders.records import TrailerSource

__all__ = ["carry_trailers"]

_GIVEN = frozenset({TrailerSource.REPLY, TrailerSource.COVER_REPLY, TrailerSource.CARRIED})


def carry_trailers(result: Assembly, patch_ids: Mapping[str, str]) -> None:
    """Add CARRIED trailers to the unchanged patches of every newer version in `result`."""
    by_series: dict[str, list[int]] = {}
    for index, patch in enumerate(result.patches):
        by_series.setdefault(patch.series_key, []).append(index)
    dates = {s.key: s.date.isoformat() if s.date else "" for s in result.series}
    for edge in sorted(result.versions, key=lambda e: (dates.get(e.older, ""), e.older)):
        older = _given_by_fingerprint(result, by_series.get(edge.older, []), patch_ids)
        if not older:
            continue
        for index in by_series.get(edge.newer, []):
            patch = result.patches[index]
            pid = patch_ids.get(patch.key)
            carried = older.get((pid, _norm(patch.title))) if pid else None
            if carried:
                result.patches[index] = _with_carried(patch, carried)


def _given_by_fingerprint(
    result: Assembly, indexes: list[int], patch_ids: Mapping[str, str]
) -> dict[tuple[str, str], list[TrailerUse]]:
    """(patch-id, title) -> the reply (and already carried) trailers of an older version."""
    found: dict[tuple[str, str], list[TrailerUse]] = {}
    for index in indexes:
        patch = result.patches[index]
        pid = patch_ids.get(patch.key)
        given = [use for use in patch.trailers if use.source in _GIVEN]
        if pid and given:
            found.setdefault((pid, _norm(patch.title)), []).extend(given)
    return found


def _with_carried(patch: PatchRecord, given: list[TrailerUse]) -> PatchRecord:
    """`patch` with the trailers of `given` it does not bear yet, marked CARRIED."""
    held = {(u.trailer.kind, _email(u)) for u in patch.trailers}
    added: list[TrailerUse] = []
    for use in given:
        mark = (use.trailer.kind, _email(use))
        if mark not in held:
            held.add(mark)
            added.append(dataclasses.replace(use, source=TrailerSource.CARRIED))
    if not added:
        return patch
    return dataclasses.replace(patch, trailers=patch.trailers + tuple(added))


def _email(use: TrailerUse) -> str:
    person = use.trailer.person
    return person.email if person is not None else use.trailer.value.lower()


def _norm(title: str) -> str:
    """A title as `assemble.normalise_title` folds it (case and whitespace)."""
    return " ".join(title.split()).lower()
