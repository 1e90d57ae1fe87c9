/**
 * Frames made in the browser from canvas bytes: a dawn scene and a night scene (so a crossfade
 * and a screenshot read at a glance), a large photo that preparation must scale down, and a
 * damaged file that cannot be used.
 */

type Scene = 'dawn' | 'night';

async function draw(scene: Scene, width: number, height: number, type: string): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('No 2D canvas.');
  const sky = ctx.createLinearGradient(0, 0, 0, height);
  if (scene === 'dawn') {
    sky.addColorStop(0, '#2b4a8b');
    sky.addColorStop(0.55, '#f29e6d');
    sky.addColorStop(1, '#f7d08a');
  } else {
    sky.addColorStop(0, '#050a1f');
    sky.addColorStop(0.6, '#1b2550');
    sky.addColorStop(1, '#34407a');
  }
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, width, height);
  // The sun rising, or the moon high.
  ctx.fillStyle = scene === 'dawn' ? '#fff3c4' : '#e8ecff';
  ctx.beginPath();
  const radius = Math.min(width, height) * 0.09;
  ctx.arc(width * 0.62, scene === 'dawn' ? height * 0.62 : height * 0.25, radius, 0, Math.PI * 2);
  ctx.fill();
  // Hills.
  ctx.fillStyle = scene === 'dawn' ? '#3d5a3a' : '#0d1424';
  ctx.beginPath();
  ctx.moveTo(0, height);
  ctx.lineTo(0, height * 0.72);
  ctx.quadraticCurveTo(width * 0.3, height * 0.6, width * 0.55, height * 0.75);
  ctx.quadraticCurveTo(width * 0.8, height * 0.88, width, height * 0.7);
  ctx.lineTo(width, height);
  ctx.fill();
  return canvas.convertToBlob({ type, quality: 0.9 });
}

/** A JPEG of `scene` as a File a user would pick. */
export async function sceneFile(
  scene: Scene,
  width = 1280,
  height = 720,
  name = `${scene}-${String(width)}x${String(height)}.jpg`,
): Promise<File> {
  return new File([await draw(scene, width, height, 'image/jpeg')], name, { type: 'image/jpeg' });
}

/** A JPEG cut off before its size is even written, as an interrupted copy leaves it. */
export async function damagedFile(): Promise<File> {
  const whole = await draw('dawn', 1280, 720, 'image/jpeg');
  const bytes = new Uint8Array(await whole.arrayBuffer());
  return new File([bytes.slice(0, 120)], 'holiday.jpg', {
    type: 'image/jpeg',
  });
}

/** A DataTransfer holding files, as a drag or a paste carries them. */
export function transferOf(files: readonly File[]): DataTransfer {
  const transfer = new DataTransfer();
  for (const file of files) transfer.items.add(file);
  return transfer;
}
