"""Disclosure control: what a report of anonymous answers may release, shared by 360 feedback and surveys.

- `gate.py`: nothing is released while an appraisal or survey is open, only progress;
- `groups.py`: which rater groups of a 360 report are shown, pooled or withheld;
- `positions.py`: the auditor of figures pooled over people's answers (360 reports): it decides whether
  any combination of released figures determines anything about fewer than k anonymous raters;
- `margins.py`: the auditor and the suppression planner of figures over a table of people (surveys: units
  × staff groups), by the minimum cut of the released margins.

Report builders describe every figure they would release and call an auditor before releasing it; a
release the auditor rejects is refused (`ReleaseRefused`), never answered.
"""
