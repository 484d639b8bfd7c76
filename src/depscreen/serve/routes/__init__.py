"""The service's routers, one per area; :func:`depscreen.serve.app.create_app` includes them.

* :mod:`.screen` -- ``POST /v1/screen``, ``POST /v1/screen/batch`` (key needed)
* :mod:`.model` -- ``GET /v1/model``, the model card (key needed)
* :mod:`.health` -- ``/healthz``, ``/readyz``
* :mod:`.page` -- the review page at ``/`` and its static files
"""
