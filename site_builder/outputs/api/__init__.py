"""The JSON API: the Atlassian Statuspage v2 files (`api/v2/…`, `statuspage.py`) and our uptime
extras (`api/uptime.json`, `api/components/<id>.json`, `extras.py`), each published shape a typed
model (`models.py`, with the checker's figures in `figures.py` and the strict base model and
checked string types in `types.py`).

Nothing is imported here: the view reads `models.Status`, and `statuspage.py` reads the view.
"""
