"""Tests of ussd_app/menus/: the engine, the host, the paginator and the real flows.

Whole-dial tests that drive the menus through the webhook (the screen walk, resuming, the first
dial's language choice in test_smoke_flow.py) live here, with the layer they exercise. Hostile
callbacks (tests/test_property_callbacks.py) stay at the top, next to tests/test_webhook.py: they
drive the webhook's parsing and refusals, not a menu.
"""
