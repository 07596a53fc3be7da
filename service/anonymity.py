"""Small-group suppression: which groups of people may be shown without identifying anyone in them.

The rules every report of individuals' answers follows, as pure functions over group sizes: rater
groups of a 360 report (`rater_groups`) and the units or staff groups of a survey report
(`survey_groups`). A group that is not shown contributes to no figure of its own, and the rules make
sure no shown figure can be differenced against another to recover it.
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



def survey_groups(counts: Mapping[str, int], min_size: int) -> tuple[bool, frozenset[str]]:
    """Whether a survey's organisation total is shown, and which of its groups (units or staff groups) are.

    - the total is shown when the survey has at least `min_size` respondents;
    - a group with fewer than `min_size` respondents is suppressed;
    - complementary suppression: when exactly one group is suppressed and the total is shown, the total
      minus the shown groups would be that group, so the next smallest group is suppressed too: the one
      with the fewest respondents, and of those the first by key in sorted order. Two or more suppressed
      groups only ever reveal their sum, and nothing more is suppressed.

    When the total is not shown, no group is (each is smaller than the total).
    """
    total_shown = sum(counts.values()) >= min_size
    if not total_shown:
        return False, frozenset()
    small = {g for g, c in counts.items() if c < min_size}
    if len(small) == 1:
        rest = sorted((c, g) for g, c in counts.items() if g not in small)
        if rest:
            small.add(rest[0][1])
    return True, frozenset(g for g in counts if g not in small)
