// Picture files for the branding tests, made outside the code under test: a JPEG as Chromium's canvas encoder wrote
// it, and GIFs written here byte by byte.

/** 24×12, left half #e04020, right half #2040e0: `canvas.toDataURL('image/jpeg', 0.8)` in Chromium 13x. */
export const CHROMIUM_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/4gHYSUNDX1BST0ZJTEUAAQEAAAHIAAAAAAQwAABtbnRyUkdCIFhZWiAH4AABAAEAAAAAAABhY3NwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAA9tYAAQAAAADTLQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAlkZXNjAAAA8AAAACRyWFlaAAABFAAAABRnWFlaAAABKAAAABRiWFlaAAABPAAAABR3dHB0AAABUAAAABRyVFJDAAABZAAAAChnVFJDAAABZAAAAChiVFJDAAABZAAAAChjcHJ0AAABjAAAADxtbHVjAAAAAAAAAAEAAAAMZW5VUwAAAAgAAAAcAHMAUgBHAEJYWVogAAAAAAAAb6IAADj1AAADkFhZWiAAAAAAAABimQAAt4UAABjaWFlaIAAAAAAAACSgAAAPhAAAts9YWVogAAAAAAAA9tYAAQAAAADTLXBhcmEAAAAAAAQAAAACZmYAAPKnAAANWQAAE9AAAApbAAAAAAAAAABtbHVjAAAAAAAAAAEAAAAMZW5VUwAAACAAAAAcAEcAbwBvAGcAbABlACAASQBuAGMALgAgADIAMAAxADb/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAMABgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAABQD/xAAYEAEAAwEAAAAAAAAAAAAAAAAABkOCwf/EABYBAQEBAAAAAAAAAAAAAAAAAAcEBv/EABsRAAEFAQEAAAAAAAAAAAAAAAADBjWCsgEC/9oADAMBAAIRAxEAPwAQRIKNcLiJBRriJoTCNs+jfumKVrrgQkjcD5//2Q==',
  'base64',
);

/**
 * A one-colour w×h GIF89a written by hand: a 4-entry palette, LZW with 2-bit pixels (3-bit codes, clear = 4, end = 5),
 * a clear code before every second pixel so the code size never grows.
 */
export function solidGif(width: number, height: number, rgb: [number, number, number]): Buffer {
  const codes: number[] = [];
  for (let i = 0; i < width * height; i++) {
    if (i % 2 === 0) codes.push(4);
    codes.push(0);
  }
  codes.push(5);
  const lzw: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const c of codes) {
    acc |= c << bits;
    bits += 3;
    while (bits >= 8) {
      lzw.push(acc & 0xff);
      acc >>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) lzw.push(acc & 0xff);
  const blocks: number[] = [];
  for (let i = 0; i < lzw.length; i += 255) {
    const part = lzw.slice(i, i + 255);
    blocks.push(part.length, ...part);
  }
  const le = (n: number) => [n & 0xff, n >> 8];
  return Buffer.from([
    ...Buffer.from('GIF89a', 'latin1'),
    ...le(width), ...le(height), 0x81, 0, 0, // global colour table of 4 entries
    ...rgb, 255, 255, 255, 0, 0, 0, 0, 0, 0,
    0x2c, 0, 0, 0, 0, ...le(width), ...le(height), 0, // image descriptor, no local table
    2, ...blocks, 0, // LZW minimum code size, data, terminator
    0x3b,
  ]);
}
