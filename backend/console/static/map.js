// Console maps: the app's own GeoJSON on a plain background (a tile layer only when the
// server is configured with TTQ_MAP_TILE_URL). Leaflet is vendored and loaded before this.

const COLOURS = { green: "#137333", yellow: "#b08900", orange: "#d9670b", red: "#b3261e" };

function baseMap(el) {
  const map = L.map(el, { attributionControl: Boolean(el.dataset.tiles) });
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  return map;
}

function pointMap(el) {
  const lat = Number(el.dataset.lat), lon = Number(el.dataset.lon);
  const map = baseMap(el).setView([lat, lon], 16);
  L.circleMarker([lat, lon], { radius: 9, color: "#b3261e", weight: 3 }).addTo(map);
}

async function layersMap(el) {
  const map = baseMap(el).setView([10.8, 106.7], 10);
  const bounds = L.latLngBounds([]);
  for (const url of el.dataset.layers.split(" ")) {
    const res = await fetch(url, { credentials: "same-origin" });
    if (!res.ok) continue;
    const data = await res.json();
    const layer = L.geoJSON(data, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, {
        radius: f.properties.count ? 6 + Math.min(12, f.properties.count) : 5,
        color: COLOURS[f.properties.colour] || "#0b5cad", weight: 2, fillOpacity: 0.6,
      }),
      // Points keep their own colour (days since patrol); only areas take the plain style.
      style: (f) => (f.geometry.type === "Point"
        ? { color: COLOURS[f.properties.colour] || "#0b5cad", weight: 2, fillOpacity: 0.6 }
        : { color: "#0b5cad", weight: 1, fillOpacity: 0.15 }),
      onEachFeature: (f, l) => {
        const p = f.properties || {};
        const label = p.name || p.code || p.ward_name || "";
        const extra = p.days_since_patrol != null ? ` · ${p.days_since_patrol} d` : (p.count != null ? ` · ${p.count}` : "");
        if (label || extra) l.bindTooltip(`${label}${extra}`);
      },
    }).addTo(map);
    if (layer.getBounds().isValid()) bounds.extend(layer.getBounds());
  }
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.1));
}

for (const el of document.querySelectorAll("#map")) {
  if (el.dataset.lat) pointMap(el);
  else if (el.dataset.layers) layersMap(el);
}
