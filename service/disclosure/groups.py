"""Which rater groups of a 360 report are shown, pooled or withheld, from the number of raters in each.

A group that is not shown contributes to no figure, so no shown figure can be differenced against another
to recover it; which of a shown group's ratings count is the report's next rule (appraisals/domain/report.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

POOL = "other_colleagues"


@dataclass(frozen=True, slots=True)
class Visibility:
    """The groups shown (each with the rubric groups it is made of) and those withheld."""

    shown: dict[str, tuple[str, ...]]  # shown group id -> the groups it counts (a pool counts several)
    pool: tuple[str, ...]  # the small groups pooled together (empty when no pool was formed)
    pool_shown: bool
    withheld: tuple[str, ...]  # groups whose raters count nowhere

    def counted(self) -> set[str]:
        return {g for members in self.shown.values() for g in members}


def rater_groups(counts: Mapping[str, int], anonymous: Mapping[str, bool], k: int) -> Visibility:
    """Which rater groups of a 360 report are shown, given the number of distinct raters in each.

    - a group that is not anonymous (a named supervisor) is always shown;
    - an anonymous group is shown when it has at least `k` raters;
    - anonymous groups with 1 to k−1 raters are pooled: when two or more of them exist they form one
      pool (`other_colleagues`), shown when it reaches `k` raters in all. A single small group is
      never pooled (a pool of one group would be that group);
    - every other small group is withheld: its raters count in no figure.

    `counts` lists the groups in the rubric's order; groups without raters are neither shown nor withheld.
    """
    shown: dict[str, tuple[str, ...]] = {}
    small: list[str] = []
    for group, count in counts.items():
        if count <= 0:
            continue
        if not anonymous[group] or count >= k:
            shown[group] = (group,)
        else:
            small.append(group)
    pool: tuple[str, ...] = tuple(small) if len(small) >= 2 else ()
    pool_shown = bool(pool) and sum(counts[g] for g in pool) >= k
    if pool_shown:
        shown[POOL] = pool
    withheld = tuple(g for g in small if not pool_shown)
    return Visibility(shown, pool, pool_shown, withheld)
