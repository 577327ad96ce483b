// Photos are shrunk on the phone before they wait in the outbox: one bar of signal cannot carry
// a 12-megapixel original. Longest side MAX px, JPEG; the original never leaves the phone.
const MAX = 1600;
const QUALITY = 0.8;

export async function resize(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX / Math.max(bitmap.width, bitmap.height));
  const w = Math.round(bitmap.width * scale);
  const h = Math.round(bitmap.height * scale);
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  canvas.getContext("2d").drawImage(bitmap, 0, 0, w, h);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  return { blob, width: w, height: h };
}
