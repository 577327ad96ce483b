// Drawing a site's boundary on the console map: each click adds a corner, the polygon is
// written as GeoJSON ([lon, lat]) into the form's "boundary" field, which the server checks.
// Existing boundaries (data-reference) are drawn underneath to trace against. No tiles unless
// the server sets TTQ_MAP_TILE_URL. Leaflet is vendored and loaded (deferred) before this.
// data-ready is set once the map has its final view (tests click only then).

function start(el) {
  const field = document.getElementById("s-boundary");
  const count = document.getElementById("draw-count");
  const map = L.map(el, { attributionControl: Boolean(el.dataset.tiles) }).setView([10.8, 106.7], 11);
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  const points = [];
  const shape = L.polygon([], { color: "#b3261e", weight: 2 }).addTo(map);
  const corners = L.layerGroup().addTo(map);

  function redraw() {
    shape.setLatLngs(points);
    corners.clearLayers();
    for (const p of points) L.circleMarker(p, { radius: 4, color: "#b3261e" }).addTo(corners);
    count.textContent = points.length ? `${points.length} ●` : "";
    if (points.length >= 3) {
      const ring = points.map((p) => [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))]);
      ring.push(ring[0]);
      field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    } else if (points.length) {
      field.value = "";
    }
  }

  map.on("click", (e) => { points.push(e.latlng); redraw(); });
  document.getElementById("draw-undo").addEventListener("click", () => { points.pop(); redraw(); });
  document.getElementById("draw-clear").addEventListener("click", () => { points.length = 0; field.value = ""; redraw(); });

  if (!el.dataset.reference) el.dataset.ready = "1";
  if (el.dataset.reference) {
    fetch(el.dataset.reference, { credentials: "same-origin" })
      .then((res) => (res.ok ? res.json() : null))
      .then((data) => {
        if (!data || !data.features || !data.features.length) return;
        const layer = L.geoJSON(data, {
          style: { color: "#0b5cad", weight: 1, fillOpacity: 0.1 },
          interactive: false,
        }).addTo(map);
        if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds().pad(0.2), { animate: false });
      })
      .catch(() => {})
      .finally(() => { el.dataset.ready = "1"; });
  }
}

function whenLeaflet(fn) {
  if (window.L) fn(); else window.addEventListener("load", fn, { once: true });
}

const el = document.getElementById("draw-map");
if (el) whenLeaflet(() => start(el));
