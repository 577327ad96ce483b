// Small helpers shared by the views: escaping, dates in Vietnam time, toasts, GPS.
import { locale, t } from "./i18n.js";

const TZ = "Asia/Ho_Chi_Minh";

export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function when(iso) {
  if (!iso) return t("never");
  return new Intl.DateTimeFormat(locale(), {
    timeZone: TZ, hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric",
  }).format(new Date(iso));
}

export const nowIso = () => new Date().toISOString();

// A datetime-local value for "now" in the phone's own zone.
export function localInput(date = new Date()) {
  const d = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

export function toast(text, ms = 3500) {
  const el = document.getElementById("toast");
  el.textContent = text;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.textContent = ""), ms);
}

export function $(sel, root = document) {
  return root.querySelector(sel);
}

// The last GPS fix with its accuracy, kept fresh while a screen needs it.
export const gps = { fix: null, watch: null, listeners: new Set() };

export function startGps(onFix) {
  if (onFix) gps.listeners.add(onFix);
  if (gps.watch !== null || !("geolocation" in navigator)) return;
  gps.watch = navigator.geolocation.watchPosition(
    (pos) => {
      gps.fix = {
        lat: pos.coords.latitude,
        lon: pos.coords.longitude,
        accuracy_m: Math.round(pos.coords.accuracy * 10) / 10,
        at: Date.now(),
      };
      for (const fn of gps.listeners) fn(gps.fix);
    },
    () => {},
    { enableHighAccuracy: true, maximumAge: 10000, timeout: 30000 },
  );
}

export function stopGps(onFix) {
  if (onFix) gps.listeners.delete(onFix);
  if (!gps.listeners.size && gps.watch !== null) {
    navigator.geolocation.clearWatch(gps.watch);
    gps.watch = null;
  }
}

// A fix no older than two minutes, or null (the server flags a scan without one).
export function freshFix() {
  return gps.fix && Date.now() - gps.fix.at < 120000 ? gps.fix : null;
}

export function gpsText(fix) {
  return fix ? t("gps", { m: Math.round(fix.accuracy_m) }) : t("no_gps");
}
