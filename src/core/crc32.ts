/**
 * CRC-32 (ISO-HDLC, the PNG chunk checksum): the PNG reader checks the IHDR's, the PNG encoder
 * writes every chunk's. Internal: not exported from the package.
 */

let crcTable: Uint32Array | undefined;

/** The CRC-32 of `bytes[start..end)` (the whole array by default). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[i] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = (crcTable[(c ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
