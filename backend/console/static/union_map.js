// The union dashboard's map: three toggleable overlays of the app's own GeoJSON (wards by
// incident count, sites' polygons, houses by days since patrol) on a plain background; a tile
// layer only when the server sets TTQ_MAP_TILE_URL. Leaflet is vendored and loaded first.

const BANDS = { green: "#137333", yellow: "#b08900", orange: "#d9670b", red: "#b3261e" };
// Below this zoom a city's houses are too many to draw one by one: the wards tell the story.
const HOUSE_ZOOM = 12;
const HEAT = ["#fde0dd", "#fa9fb5", "#f768a1", "#c51b8a", "#7a0177"];

function heat(count, top) {
  if (!count) return "#f4f4f4";
  return HEAT[Math.min(HEAT.length - 1, Math.floor((count / Math.max(top, 1)) * HEAT.length))];
}

async function getJSON(url) {
  const res = await fetch(url, { credentials: "same-origin" });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.json();
}

function withQuery(url, extra) {
  return url + (url.includes("?") ? "&" : "?") + extra;
}

async function unionMap(el) {
  const cfg = JSON.parse(el.dataset.layers);
  const note = document.getElementById(el.dataset.note);
  const map = L.map(el, { attributionControl: Boolean(el.dataset.tiles) }).setView([10.8, 106.7], 11);
  if (el.dataset.tiles) L.tileLayer(el.dataset.tiles, { maxZoom: 19 }).addTo(map);
  const control = L.control.layers(null, null, { collapsed: false }).addTo(map);
  const bounds = L.latLngBounds([]);

  const wards = await getJSON(cfg.wards.url);
  const top = (wards.properties || {}).max_count || 0;
  const wardLayer = L.geoJSON(wards, {
    style: (f) => ({ className: "ward-area", color: "#7a0177", weight: 1, fillColor: heat(f.properties.count, top), fillOpacity: 0.55 }),
    onEachFeature: (f, l) => l.bindTooltip(`${f.properties.name}: ${f.properties.count}`),
  }).addTo(map);
  control.addOverlay(wardLayer, cfg.wards.name);
  if (wardLayer.getBounds().isValid()) bounds.extend(wardLayer.getBounds());

  const sites = await getJSON(cfg.sites.url);
  const siteLayer = L.geoJSON(sites, {
    style: () => ({ className: "site-area", color: "#0b5cad", weight: 2, dashArray: "6 4", fillOpacity: 0.08 }),
    onEachFeature: (f, l) => l.bindTooltip(`${f.properties.code} · ${f.properties.name}`),
  }).addTo(map);
  control.addOverlay(siteLayer, cfg.sites.name);
  if (siteLayer.getBounds().isValid()) bounds.extend(siteLayer.getBounds());

  // Houses follow the view: a city has tens of thousands, the server sends those in the box.
  const houseLayer = L.layerGroup().addTo(map);
  control.addOverlay(houseLayer, cfg.houses.name);
  let seq = 0;
  async function loadHouses() {
    if (!map.hasLayer(houseLayer)) return;
    const mine = ++seq;
    if (map.getZoom() < HOUSE_ZOOM) {
      houseLayer.clearLayers();
      if (note) note.hidden = false;
      el.dataset.houses = "0";
      return;
    }
    const b = map.getBounds();
    const box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(",");
    const data = await getJSON(withQuery(cfg.houses.url, `bbox=${box}`));
    if (mine !== seq) return; // a newer view already asked
    houseLayer.clearLayers();
    L.geoJSON(data, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, {
        className: "house-dot", radius: 5, color: BANDS[f.properties.colour] || "#5b6570", weight: 2, fillOpacity: 0.7,
      }),
      onEachFeature: (f, l) => {
        const d = f.properties.days_since_patrol;
        l.bindTooltip(`${f.properties.name} · ${d == null ? "—" : d + " d"}`);
      },
    }).addTo(houseLayer);
    if (note) note.hidden = !(data.properties || {}).truncated;
    el.dataset.houses = String(data.features.length);
  }
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.05), { animate: false }); // zoom known at once
  map.on("moveend", loadHouses);
  map.on("overlayadd", (e) => { if (e.layer === houseLayer) loadHouses(); });
  await loadHouses();
  el.dataset.ready = "true";
}

for (const el of document.querySelectorAll("#layers-map")) {
  unionMap(el).catch((err) => { el.dataset.ready = "error"; console.warn(err); });
}
