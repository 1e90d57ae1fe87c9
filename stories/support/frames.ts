/**
 * Frames drawn in the browser (a dawn and a night sky over hills), so stories need no image
 * files; and a damaged JPEG, cut off before its size is written.
 */
type Scene = 'dawn' | 'night';

async function draw(scene: Scene, width: number, height: number): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('No 2D canvas.');
  const sky = ctx.createLinearGradient(0, 0, 0, height);
  sky.addColorStop(0, scene === 'dawn' ? '#2b4a8b' : '#050a1f');
  sky.addColorStop(0.6, scene === 'dawn' ? '#f29e6d' : '#1b2550');
  sky.addColorStop(1, scene === 'dawn' ? '#f7d08a' : '#34407a');
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = scene === 'dawn' ? '#fff3c4' : '#e8ecff';
  ctx.beginPath();
  const radius = Math.min(width, height) * 0.09;
  ctx.arc(width * 0.62, scene === 'dawn' ? height * 0.62 : height * 0.25, radius, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = scene === 'dawn' ? '#3d5a3a' : '#0d1424';
  ctx.beginPath();
  ctx.moveTo(0, height);
  ctx.lineTo(0, height * 0.72);
  ctx.quadraticCurveTo(width * 0.3, height * 0.6, width * 0.55, height * 0.75);
  ctx.quadraticCurveTo(width * 0.8, height * 0.88, width, height * 0.7);
  ctx.lineTo(width, height);
  ctx.fill();
  return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
}

/** A 1280×720 JPEG of `scene`, as a File a user would pick. */
export async function sceneFile(scene: Scene): Promise<File> {
  return new File([await draw(scene, 1280, 720)], `${scene}.jpg`, { type: 'image/jpeg' });
}

/** A JPEG cut off after 120 bytes. */
export async function damagedFile(): Promise<File> {
  const whole = new Uint8Array(await (await draw('dawn', 1280, 720)).arrayBuffer());
  return new File([whole.slice(0, 120)], 'holiday.jpg', { type: 'image/jpeg' });
}
