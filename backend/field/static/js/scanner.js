// QR scanning with the camera: the browser's BarcodeDetector where it exists (Android Chrome),
// else ZXing compiled to WebAssembly, served by TTQ itself (vendor/zxing-wasm-3.1.4).
const ZXING = "/field/static/vendor/zxing-wasm-3.1.4/es/reader/index.js";
const WASM = "/field/static/vendor/zxing-wasm-3.1.4/reader/zxing_reader.wasm";

let zxing = null;

async function detector() {
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        const d = new window.BarcodeDetector({ formats: ["qr_code"] });
        document.body.dataset.decoder = "native";
        return async (source) => (await d.detect(source)).map((b) => b.rawValue);
      }
    } catch {
      // fall through to the WebAssembly decoder
    }
  }
  if (!zxing) {
    zxing = await import(ZXING);
    zxing.prepareZXingModule({ overrides: { locateFile: (path) => (path.endsWith(".wasm") ? WASM : path) } });
  }
  document.body.dataset.decoder = "zxing-wasm";
  return async (_source, imageData) =>
    (await zxing.readBarcodes(imageData, { formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 1 }))
      .filter((r) => r.isValid)
      .map((r) => r.text);
}

// Start the camera into `video`; call onCode(text) for each QR read. Returns stop().
export async function startScanner(video, onCode) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: "environment", width: { ideal: 1280 } },
    audio: false,
  });
  video.srcObject = stream;
  video.setAttribute("playsinline", "");
  await video.play();
  const detect = await detector();
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    if (video.readyState >= 2 && video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      ctx.drawImage(video, 0, 0);
      try {
        const codes = await detect(canvas, ctx.getImageData(0, 0, canvas.width, canvas.height));
        for (const code of codes) if (code) onCode(code);
      } catch {
        // a frame that fails to decode is not an error
      }
    }
    setTimeout(tick, 250);
  };
  tick();
  return () => {
    stopped = true;
    for (const t of stream.getTracks()) t.stop();
    video.srcObject = null;
  };
}

export const hasCamera = () => !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
