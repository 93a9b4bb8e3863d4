"""The derived files: what a run records from the raw runs in `runs/` (docs/store.md).

`rollup.record_run` applies a stored run to every derived file, `rebuild.rebuild` makes them all
again from `runs/` alone; both go through the same steps, so they give the same bytes:

- `timeline`: a run's samples placed in the canonical order and decided (flap control, quorum,
  late and stepped clocks) into `state.State`;
- `daily`: the day and hour rollups of the open days; `history`: the closed days they are folded
  into once a day is over;
- `closed`: the closed days as the summary needs them, made once a day;
- `summary_build`: `summary.json` from the state, the closed days and the open days;
- `stored_runs`: listing, reconciling and quarantining the run objects; `parse`: reading the
  derived files back (a damaged one is made again).
"""
