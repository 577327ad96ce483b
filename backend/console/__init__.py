"""The web console: server-rendered pages (Jinja2 + htmx, Leaflet) on the same services."""
