"""The browser app's helpers: HTML rendering, feedback storage and admin checks (UI wiring lives in app.py)."""
